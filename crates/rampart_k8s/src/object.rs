//! Finding the Kubernetes objects in a document and the pod template inside each.

use serde_json::Value;

use crate::catalog::{
    BuiltinKind, PodTemplatePath, builtin_kind, group_of, is_builtin_group, suggest_kind,
};

/// Where an object keeps its pod, as JSON pointers relative to the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodTemplate {
    pub metadata: &'static str,
    pub spec: &'static str,
}

/// One Kubernetes object inside a document (the document itself, or an item of a `List`).
#[derive(Debug, Clone)]
pub struct K8sObject<'a> {
    /// Pointer of the object inside its document: `` for the document, `/items/3` in a list.
    pub pointer: String,
    pub value: &'a Value,
    pub api_version: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub namespace: Option<&'a str>,
    pub name: Option<&'a str>,
    pub builtin: Option<&'static BuiltinKind>,
    /// Set when the object carries a pod or pod template that is present.
    pub pod_template: Option<PodTemplate>,
}

impl K8sObject<'_> {
    /// The pod (template) metadata and spec, when present.
    pub fn pod_parts(&self) -> Option<(Option<&Value>, &Value)> {
        let template = self.pod_template?;
        let spec = self.value.pointer(template.spec)?;
        Some((self.value.pointer(template.metadata), spec))
    }
}

/// A structural problem found while extracting objects (pointer relative to the document).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractProblem {
    pub pointer: String,
    pub message: String,
}

/// Why a document was not treated as a Kubernetes object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAnObject {
    /// A sequence or scalar at the top level (rule files, plain lists).
    NotAMapping,
    /// A Kubernetes audit event (`auditID`, `audit.k8s.io`): input for `rampart audit`.
    AuditEvent,
    /// A mapping without `apiVersion` that does not look like an object
    /// (Helm values, tool configuration).
    NoApiVersion,
}

impl NotAnObject {
    pub fn describe(self) -> &'static str {
        match self {
            NotAnObject::NotAMapping => "not a mapping",
            NotAnObject::AuditEvent => "Kubernetes audit event",
            NotAnObject::NoApiVersion => "no apiVersion and no object fields",
        }
    }
}

/// The objects of one document, the problems found, or why it holds none.
#[derive(Debug, Clone, Default)]
pub struct Extracted<'a> {
    pub objects: Vec<K8sObject<'a>>,
    pub problems: Vec<ExtractProblem>,
    pub skipped: Option<NotAnObject>,
}

/// Extracts the objects of one document. Empty documents yield nothing; other
/// documents that are not Kubernetes objects yield `skipped` and no problem.
/// A mapping counts as an object when it has `apiVersion`, or has `kind`
/// together with `metadata` or `spec` (so a missing apiVersion is reported).
pub fn extract_objects(document: &Value) -> Extracted<'_> {
    let mut extracted = Extracted::default();
    match document {
        Value::Null => {}
        Value::Object(map) => {
            let is_audit_event = map.contains_key("auditID")
                || map
                    .get("apiVersion")
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.starts_with("audit.k8s.io/"));
            let looks_like_object = map.contains_key("apiVersion")
                || (map.contains_key("kind")
                    && (map.contains_key("metadata") || map.contains_key("spec")));
            if is_audit_event {
                extracted.skipped = Some(NotAnObject::AuditEvent);
            } else if !looks_like_object {
                extracted.skipped = Some(NotAnObject::NoApiVersion);
            } else {
                extract_one(
                    document,
                    String::new(),
                    &mut extracted.objects,
                    &mut extracted.problems,
                    true,
                );
            }
        }
        _ => extracted.skipped = Some(NotAnObject::NotAMapping),
    }
    extracted
}

fn extract_one<'a>(
    value: &'a Value,
    pointer: String,
    objects: &mut Vec<K8sObject<'a>>,
    problems: &mut Vec<ExtractProblem>,
    allow_list: bool,
) {
    let Value::Object(map) = value else {
        problems.push(ExtractProblem {
            pointer,
            message: format!(
                "expected a Kubernetes object in the list, found {}",
                describe(value)
            ),
        });
        return;
    };
    let api_version = string_field(map.get("apiVersion"), "apiVersion", &pointer, problems);
    let kind = string_field(map.get("kind"), "kind", &pointer, problems);

    if allow_list
        && let Some(kind) = kind
        && kind.ends_with("List")
        && let Some(items) = map.get("items")
    {
        match items {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    extract_one(
                        item,
                        format!("{pointer}/items/{i}"),
                        objects,
                        problems,
                        false,
                    );
                }
            }
            Value::Null => {}
            other => problems.push(ExtractProblem {
                pointer: format!("{pointer}/items"),
                message: format!(
                    "`items` of a {kind} must be a list, found {}",
                    describe(other)
                ),
            }),
        }
        return;
    }

    let builtin = match (api_version, kind) {
        (Some(api_version), Some(kind)) => {
            let builtin = builtin_kind(api_version, kind);
            if builtin.is_none() && is_builtin_group(group_of(api_version)) {
                problems.push(unknown_kind(api_version, kind, &pointer));
            }
            builtin
        }
        _ => None,
    };
    let pod_template = builtin.and_then(|b| b.pod_template).and_then(|path| {
        locate_template(
            value,
            path,
            builtin.is_some_and(|b| b.template_required),
            &pointer,
            problems,
        )
    });

    let metadata = map.get("metadata");
    let meta_str = |key: &str| metadata.and_then(|m| m.get(key)).and_then(Value::as_str);
    objects.push(K8sObject {
        pointer,
        value,
        api_version,
        kind,
        namespace: meta_str("namespace"),
        name: meta_str("name").or_else(|| meta_str("generateName")),
        builtin,
        pod_template,
    });
}

fn locate_template(
    value: &Value,
    path: PodTemplatePath,
    required: bool,
    pointer: &str,
    problems: &mut Vec<ExtractProblem>,
) -> Option<PodTemplate> {
    match value.pointer(path.spec) {
        Some(Value::Object(_)) => Some(PodTemplate {
            metadata: path.metadata,
            spec: path.spec,
        }),
        Some(Value::Null) | None => {
            if required {
                problems.push(ExtractProblem {
                    pointer: format!("{pointer}{}", path.spec),
                    message: format!(
                        "missing field `{}`: this kind needs a pod spec",
                        path.spec.trim_start_matches('/').replace('/', ".")
                    ),
                });
            }
            None
        }
        // A wrong type is reported by the schema check.
        Some(_) => None,
    }
}

fn unknown_kind(api_version: &str, kind: &str, pointer: &str) -> ExtractProblem {
    let mut message = format!("unknown kind `{kind}` for apiVersion `{api_version}`");
    if let Some(suggestion) = suggest_kind(api_version, kind) {
        message.push_str(&format!("; did you mean `{suggestion}`?"));
    } else if let Some(home) = [
        "v1",
        "apps/v1",
        "batch/v1",
        "networking.k8s.io/v1",
        "rbac.authorization.k8s.io/v1",
        "policy/v1",
    ]
    .into_iter()
    .find(|v| builtin_kind(v, kind).is_some())
    {
        message.push_str(&format!("; `{kind}` is served by apiVersion `{home}`"));
    }
    ExtractProblem {
        pointer: format!("{pointer}/kind"),
        message,
    }
}

fn string_field<'a>(
    value: Option<&'a Value>,
    field: &str,
    pointer: &str,
    problems: &mut Vec<ExtractProblem>,
) -> Option<&'a str> {
    match value {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        Some(Value::String(_)) => {
            problems.push(ExtractProblem {
                pointer: format!("{pointer}/{field}"),
                message: format!("`{field}` must not be empty"),
            });
            None
        }
        None | Some(Value::Null) => {
            problems.push(ExtractProblem {
                pointer: pointer.to_string(),
                message: format!("missing field `{field}`"),
            });
            None
        }
        Some(other) => {
            problems.push(ExtractProblem {
                pointer: format!("{pointer}/{field}"),
                message: format!("`{field}` must be a string, found {}", describe(other)),
            });
            None
        }
    }
}

/// A short description of a JSON value's type, for messages.
pub(crate) fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a sequence",
        Value::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn finds_templates_in_every_workload_kind() {
        let cases = [
            ("v1", "Pod", json!({"spec": {"containers": []}}), "/spec"),
            (
                "apps/v1",
                "DaemonSet",
                json!({"spec": {"template": {"spec": {}}}}),
                "/spec/template/spec",
            ),
            (
                "apps/v1",
                "Deployment",
                json!({"spec": {"template": {"spec": {}}}}),
                "/spec/template/spec",
            ),
            (
                "apps/v1",
                "StatefulSet",
                json!({"spec": {"template": {"spec": {}}}}),
                "/spec/template/spec",
            ),
            (
                "apps/v1",
                "ReplicaSet",
                json!({"spec": {"template": {"spec": {}}}}),
                "/spec/template/spec",
            ),
            (
                "v1",
                "ReplicationController",
                json!({"spec": {"template": {"spec": {}}}}),
                "/spec/template/spec",
            ),
            (
                "batch/v1",
                "Job",
                json!({"spec": {"template": {"spec": {}}}}),
                "/spec/template/spec",
            ),
            (
                "batch/v1",
                "CronJob",
                json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {}}}}}}),
                "/spec/jobTemplate/spec/template/spec",
            ),
            (
                "v1",
                "PodTemplate",
                json!({"template": {"spec": {}}}),
                "/template/spec",
            ),
            (
                "argoproj.io/v1alpha1",
                "Rollout",
                json!({"spec": {"template": {"spec": {}}}}),
                "/spec/template/spec",
            ),
            (
                "apps.openshift.io/v1",
                "DeploymentConfig",
                json!({"spec": {"template": {"spec": {}}}}),
                "/spec/template/spec",
            ),
            (
                "keda.sh/v1alpha1",
                "ScaledJob",
                json!({"spec": {"jobTargetRef": {"template": {"spec": {}}}}}),
                "/spec/jobTargetRef/template/spec",
            ),
        ];
        for (api_version, kind, mut body, spec) in cases {
            body["apiVersion"] = json!(api_version);
            body["kind"] = json!(kind);
            let Extracted {
                objects, problems, ..
            } = extract_objects(&body);
            assert!(problems.is_empty(), "{kind}: {problems:?}");
            assert_eq!(
                objects[0].pod_template.map(|t| t.spec),
                Some(spec),
                "{kind}"
            );
            assert!(objects[0].pod_parts().is_some());
        }
    }

    #[test]
    fn unwraps_lists() {
        let list = json!({"apiVersion": "v1", "kind": "List", "items": [
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "ns"}},
            {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "b"}, "spec": {"template": {"spec": {"containers": []}}}},
        ]});
        let Extracted {
            objects, problems, ..
        } = extract_objects(&list);
        assert!(problems.is_empty());
        assert_eq!(objects.len(), 2);
        assert_eq!(objects[0].pointer, "/items/0");
        assert_eq!(objects[0].namespace, Some("ns"));
        assert_eq!(objects[1].pointer, "/items/1");
        assert!(objects[1].pod_template.is_some());
        let typed = json!({"apiVersion": "v1", "kind": "PodList", "items": []});
        assert_eq!(extract_objects(&typed).objects.len(), 0);
    }

    #[test]
    fn reports_structural_problems() {
        let problems_of = |v: Value| extract_objects(&v).problems;
        let problems = problems_of(json!({"apiVersion": "apps/v1", "kind": "Deploymnet"}));
        assert_eq!(problems[0].pointer, "/kind");
        assert!(problems[0].message.contains("did you mean `Deployment`"));
        let problems = problems_of(json!({"apiVersion": "v1", "kind": "Deployment"}));
        assert!(problems[0].message.contains("apps/v1"), "{problems:?}");
        let problems = problems_of(json!({"kind": "Pod", "spec": {}}));
        assert_eq!(problems[0].message, "missing field `apiVersion`");
        let problems =
            problems_of(json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {}}));
        assert_eq!(problems[0].pointer, "/spec/template/spec");
        let problems = problems_of(json!({"apiVersion": 1, "kind": "Pod"}));
        assert_eq!(problems[0].pointer, "/apiVersion");
    }

    #[test]
    fn skips_non_kubernetes_documents() {
        let skipped = |v: Value| {
            let e = extract_objects(&v);
            assert!(e.objects.is_empty() && e.problems.is_empty(), "{v}");
            e.skipped
        };
        assert_eq!(
            skipped(json!({"replicaCount": 2, "image": {"tag": "x"}})),
            Some(NotAnObject::NoApiVersion)
        );
        assert_eq!(
            skipped(json!({"kind": "DaemonSet", "replicaCount": 1})),
            Some(NotAnObject::NoApiVersion)
        );
        assert_eq!(
            skipped(json!([{"rule": "x"}])),
            Some(NotAnObject::NotAMapping)
        );
        assert_eq!(
            skipped(json!({"kind": "Event", "auditID": "1", "metadata": {}})),
            Some(NotAnObject::AuditEvent)
        );
        assert_eq!(
            skipped(json!({"apiVersion": "audit.k8s.io/v1", "kind": "Event"})),
            Some(NotAnObject::AuditEvent)
        );
        assert_eq!(skipped(Value::Null), None);
    }

    #[test]
    fn custom_resources_are_accepted() {
        let monitor = json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor"});
        let Extracted {
            objects, problems, ..
        } = extract_objects(&monitor);
        assert!(problems.is_empty());
        assert!(objects[0].builtin.is_none());
    }
}
