//! From manifests to explained workloads: reads every document, joins each
//! workload with the RBAC objects and ServiceAccounts of the input, and
//! judges its privileges.

use std::collections::HashMap;

use rampart_k8s::{K8sObject, extract_objects, join_pointer};
use rampart_linter::rule::{ObjectContext, PodContext, RuleSettings};
use rampart_source::{SourceFile, TextRange};
use rampart_yaml::{Document, Limits, parse_stream};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;

use crate::explain::{AgentMatch, Judgement, judge};
use crate::inventory::inventory;
use crate::knowledge::KnowledgeBase;

/// A problem with the input, at `file:line:col`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputProblem {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The parsed input: files, their documents, and the cross-object indexes.
pub struct Input {
    pub files: Vec<ParsedFile>,
    pub problems: Vec<InputProblem>,
    rbac: RbacIndex,
    accounts: HashMap<(String, String), Option<bool>>,
}

pub struct ParsedFile {
    pub source: SourceFile,
    pub documents: Vec<Document>,
    pub values: Vec<Value>,
}

impl Input {
    /// Parses files (name, text); the RBAC objects and ServiceAccounts of
    /// every file are indexed for the workloads of every other file.
    pub fn parse(files: Vec<SourceFile>) -> Self {
        let mut problems = Vec::new();
        let mut parsed = Vec::new();
        let mut rbac = RbacIndex::default();
        let mut accounts = HashMap::new();
        // Parsing is per file, so in parallel; the indexes are built in order.
        type Parsed = (SourceFile, Vec<InputProblem>, Vec<Document>, Vec<Value>);
        let results: Vec<Parsed> = files
            .into_par_iter()
            .map(|source| {
                let stream = parse_stream(source.text(), &Limits::default());
                let problems = stream
                    .errors
                    .iter()
                    .map(|error| problem(&source, error.range, error.message.clone()))
                    .collect();
                let documents: Vec<Document> = stream
                    .documents
                    .into_iter()
                    .filter(|d| !d.is_empty)
                    .collect();
                let values: Vec<Value> = documents.iter().map(|d| d.root.to_json()).collect();
                (source, problems, documents, values)
            })
            .collect();
        for (source, file_problems, documents, values) in results {
            problems.extend(file_problems);
            for value in &values {
                for object in extract_objects(value).objects {
                    rbac.add(&object);
                    if object.kind == Some("ServiceAccount") {
                        accounts.insert(
                            (
                                object.namespace.unwrap_or("default").to_string(),
                                object.name.unwrap_or("").to_string(),
                            ),
                            object
                                .value
                                .get("automountServiceAccountToken")
                                .and_then(Value::as_bool),
                        );
                    }
                }
            }
            parsed.push(ParsedFile {
                source,
                documents,
                values,
            });
        }
        rbac.finish();
        Self {
            files: parsed,
            problems,
            rbac,
            accounts,
        }
    }

    /// Every workload (object with a pod) of the input, analysed.
    pub fn workloads<'a>(&'a self, base: &'a KnowledgeBase) -> Vec<Workload<'a>> {
        self.files
            .par_iter()
            .enumerate()
            .flat_map_iter(|(file_index, file)| {
                let mut out = Vec::new();
                for (doc_index, value) in file.values.iter().enumerate() {
                    let document = &file.documents[doc_index];
                    for object in extract_objects(value).objects {
                        if object.pod_template.is_none() {
                            continue;
                        }
                        if let Some(workload) =
                            self.analyse(file_index, doc_index, file, document, object, base)
                        {
                            out.push(workload);
                        }
                    }
                }
                out
            })
            .collect()
    }

    fn analyse<'a>(
        &'a self,
        file_index: usize,
        document_index: usize,
        file: &'a ParsedFile,
        document: &'a Document,
        object: K8sObject<'a>,
        base: &'a KnowledgeBase,
    ) -> Option<Workload<'a>> {
        let settings = RuleSettings::default();
        let cx = ObjectContext::new(&object, &settings);
        let pod = cx.pod?;
        let namespace = object.namespace.unwrap_or("default").to_string();
        let account = pod
            .spec
            .get("serviceAccountName")
            .or_else(|| pod.spec.get("serviceAccount"))
            .and_then(Value::as_str)
            .unwrap_or("default")
            .to_string();
        let automount = self
            .accounts
            .get(&(namespace.clone(), account.clone()))
            .copied()
            .flatten();
        let agents = AgentMatch::of(&pod, base);
        let privileges = inventory(&pod, automount);
        let judgements = judge(&pod, privileges, &agents, base);
        let token = judgements.iter().any(|j| {
            matches!(
                j.privilege.kind,
                crate::inventory::PrivilegeKind::ServiceAccountToken
            )
        });
        let rbac = if token {
            self.rbac.rights_of(&namespace, &account)
        } else {
            Vec::new()
        };
        let start = document.locate(&object.pointer).value.start;
        let position = file.source.position(start);
        let summary = WorkloadRef {
            file: file.source.name().to_string(),
            line: position.line,
            kind: object.kind.unwrap_or("").to_string(),
            namespace: object.namespace.map(str::to_string),
            name: object.name.unwrap_or("").to_string(),
            service_account: account,
        };
        // The pod context borrows the object's value, which outlives `object`.
        let template = pod.template;
        let value = object.value;
        Some(Workload {
            reference: summary,
            file_index,
            document_index,
            object_pointer: object.pointer.clone(),
            template,
            value,
            agents,
            judgements,
            rbac,
            document,
            source: &file.source,
        })
    }
}

fn problem(source: &SourceFile, range: TextRange, message: String) -> InputProblem {
    let position = source.position(range.start);
    InputProblem {
        file: source.name().to_string(),
        line: position.line,
        column: position.column,
        message,
    }
}

/// What a workload is and where.
#[derive(Debug, Clone, Serialize)]
pub struct WorkloadRef {
    pub file: String,
    pub line: usize,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub service_account: String,
}

/// One analysed workload.
pub struct Workload<'a> {
    pub reference: WorkloadRef,
    pub file_index: usize,
    pub document_index: usize,
    /// Pointer of the object inside its document.
    pub object_pointer: String,
    pub template: rampart_k8s::PodTemplate,
    pub value: &'a Value,
    pub agents: AgentMatch,
    pub judgements: Vec<Judgement<'a>>,
    pub rbac: Vec<RbacRight>,
    pub document: &'a Document,
    pub source: &'a SourceFile,
}

impl<'a> Workload<'a> {
    /// Runs `f` on the pod context, rebuilt from the object (cheap: it only borrows).
    pub fn with_pod<R>(&self, f: impl FnOnce(&PodContext<'_>) -> R) -> Option<R> {
        let object = self.object();
        let settings = RuleSettings::default();
        ObjectContext::new(&object, &settings).pod.as_ref().map(f)
    }

    fn object(&self) -> K8sObject<'a> {
        extract_objects_at(self.value, &self.object_pointer, self.template)
    }

    /// Document-level pointer of an object-relative pointer.
    pub fn document_pointer(&self, relative: &str) -> String {
        join_pointer(&self.object_pointer, relative)
    }

    /// `line:column` of an object-relative pointer.
    pub fn position_of(&self, relative: &str) -> (usize, usize) {
        let located = self.document.locate(&self.document_pointer(relative));
        let offset = located.key.unwrap_or(located.value).start;
        let position = self.source.position(offset);
        (position.line, position.column)
    }
}

/// Rebuilds the `K8sObject` view of an object value.
fn extract_objects_at<'a>(
    value: &'a Value,
    pointer: &str,
    template: rampart_k8s::PodTemplate,
) -> K8sObject<'a> {
    let get = |field: &str| value.get(field).and_then(Value::as_str);
    K8sObject {
        pointer: pointer.to_string(),
        value,
        api_version: get("apiVersion"),
        kind: get("kind"),
        namespace: value.pointer("/metadata/namespace").and_then(Value::as_str),
        name: value.pointer("/metadata/name").and_then(Value::as_str),
        builtin: None,
        pod_template: Some(template),
    }
}

/// One RBAC rule that reaches a workload through its service account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RbacRight {
    /// `ClusterRole datadog-agent via ClusterRoleBinding datadog-agent`.
    pub via: String,
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub verbs: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<String>,
    /// Why the rule is risky, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk: Option<&'static str>,
}

#[derive(Default)]
struct RbacIndex {
    /// (namespace or "" for cluster roles, kind, name) → rules.
    roles: HashMap<(String, String, String), Vec<Value>>,
    bindings: Vec<Binding>,
    /// Set by `finish`: (namespace, service account) → binding indexes, and
    /// the rights each binding grants.
    by_account: HashMap<(String, String), Vec<usize>>,
    rights: Vec<Vec<RbacRight>>,
}

struct Binding {
    kind: String,
    name: String,
    namespace: Option<String>,
    role_kind: String,
    role_name: String,
    accounts: Vec<(String, String)>,
}

impl RbacIndex {
    fn add(&mut self, object: &K8sObject<'_>) {
        let is_rbac = object
            .api_version
            .is_some_and(|v| v.starts_with("rbac.authorization.k8s.io/"));
        if !is_rbac {
            return;
        }
        let kind = object.kind.unwrap_or("");
        let name = object.name.unwrap_or("").to_string();
        match kind {
            "Role" | "ClusterRole" => {
                let namespace = if kind == "Role" {
                    object.namespace.unwrap_or("default").to_string()
                } else {
                    String::new()
                };
                let rules = object
                    .value
                    .get("rules")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                self.roles
                    .insert((namespace, kind.to_string(), name), rules);
            }
            "RoleBinding" | "ClusterRoleBinding" => {
                let namespace = (kind == "RoleBinding")
                    .then(|| object.namespace.unwrap_or("default").to_string());
                let role_ref = object.value.get("roleRef");
                let text = |v: Option<&Value>, f: &str| {
                    v.and_then(|v| v.get(f))
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                };
                let subjects = object.value.get("subjects").and_then(Value::as_array);
                let accounts = subjects
                    .into_iter()
                    .flatten()
                    .filter(|s| s.get("kind").and_then(Value::as_str) == Some("ServiceAccount"))
                    .map(|s| {
                        let ns = s
                            .get("namespace")
                            .and_then(Value::as_str)
                            .map(str::to_string)
                            .or_else(|| namespace.clone())
                            .unwrap_or_else(|| "default".into());
                        (ns, text(Some(s), "name"))
                    })
                    .collect();
                self.bindings.push(Binding {
                    kind: kind.to_string(),
                    name,
                    namespace,
                    role_kind: text(role_ref, "kind"),
                    role_name: text(role_ref, "name"),
                    accounts,
                });
            }
            _ => {}
        }
    }

    /// Indexes the bindings by service account and resolves their rules once.
    fn finish(&mut self) {
        let mut by_account: HashMap<(String, String), Vec<usize>> = HashMap::new();
        for (index, binding) in self.bindings.iter().enumerate() {
            for account in &binding.accounts {
                let slot = by_account.entry(account.clone()).or_default();
                if !slot.contains(&index) {
                    slot.push(index);
                }
            }
        }
        self.rights = self
            .bindings
            .iter()
            .map(|b| self.binding_rights(b))
            .collect();
        self.by_account = by_account;
    }

    fn rights_of(&self, namespace: &str, account: &str) -> Vec<RbacRight> {
        self.by_account
            .get(&(namespace.to_string(), account.to_string()))
            .into_iter()
            .flatten()
            .filter_map(|&i| self.rights.get(i))
            .flatten()
            .cloned()
            .collect()
    }

    fn binding_rights(&self, binding: &Binding) -> Vec<RbacRight> {
        let mut out = Vec::new();
        {
            let key = if binding.role_kind == "ClusterRole" {
                (
                    String::new(),
                    binding.role_kind.clone(),
                    binding.role_name.clone(),
                )
            } else {
                (
                    binding.namespace.clone().unwrap_or_default(),
                    binding.role_kind.clone(),
                    binding.role_name.clone(),
                )
            };
            let scope = match &binding.namespace {
                Some(ns) => format!(" in namespace {ns}"),
                None => String::new(),
            };
            let via = format!(
                "{} {} via {} {}{scope}",
                binding.role_kind, binding.role_name, binding.kind, binding.name
            );
            let Some(rules) = self.roles.get(&key) else {
                out.push(RbacRight {
                    via: format!("{via} (the role is not in the input)"),
                    api_groups: Vec::new(),
                    resources: Vec::new(),
                    verbs: Vec::new(),
                    resource_names: Vec::new(),
                    risk: None,
                });
                return out;
            };
            for rule in rules {
                let list = |field: &str| -> Vec<String> {
                    rule.get(field)
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                };
                let (api_groups, resources, verbs) =
                    (list("apiGroups"), list("resources"), list("verbs"));
                let mut resources = resources;
                resources.extend(list("nonResourceURLs"));
                let risk = rbac_risk(&resources, &verbs);
                out.push(RbacRight {
                    via: via.clone(),
                    api_groups,
                    resources,
                    verbs,
                    resource_names: list("resourceNames"),
                    risk,
                });
            }
        }
        out
    }
}

fn rbac_risk(resources: &[String], verbs: &[String]) -> Option<&'static str> {
    let has_verb = |wanted: &[&str]| {
        verbs
            .iter()
            .any(|v| v == "*" || wanted.contains(&v.as_str()))
    };
    let has_resource = |wanted: &str| {
        resources.iter().any(|r| {
            r == "*"
                || r == wanted
                || (wanted.contains('/')
                    && r == &format!("*/{}", wanted.split('/').nth(1).unwrap_or("")))
        })
    };
    if resources.iter().any(|r| r == "*") && verbs.iter().any(|v| v == "*") {
        Some("every verb on every resource: cluster-admin")
    } else if has_resource("secrets") && has_verb(&["get", "list", "watch"]) {
        Some("reads Secrets, including other service accounts' tokens")
    } else if has_resource("pods/exec") && has_verb(&["create", "get"]) {
        Some("runs commands in any pod it can reach")
    } else if has_resource("nodes/proxy") && has_verb(&["get", "create"]) {
        Some("the kubelet API of every node: exec in any pod")
    } else if has_verb(&["escalate", "bind", "impersonate"]) {
        Some("escalate, bind or impersonate: grants itself more rights")
    } else if has_resource("serviceaccounts/token") && has_verb(&["create"]) {
        Some("mints tokens for other service accounts")
    } else {
        None
    }
}
