//! Evaluates ValidatingAdmissionPolicies and bindings on an admission
//! request, as the API server does, with kube-cel: resource rules, namespace
//! selectors, match conditions, variables, validations, failure policy and
//! validation actions. It is how `rampart policy vap` output is tested
//! against the webhook, and how a user can try it (`rampart policy vap --test`).

use std::collections::HashMap;
use std::sync::Arc;

use kube_cel::KubeCelExt;
use kube_cel::cel::objects::{Key, Map};
use kube_cel::cel::{Context, Program, Value as CelValue};
use serde_json::Value;

/// An admission request, as much of it as policies read.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub operation: String,
    pub namespace: String,
    /// Labels of the namespace (`kubernetes.io/metadata.name` is implied).
    pub namespace_labels: Vec<(String, String)>,
    pub group: String,
    pub version: String,
    pub kind: String,
    /// Plural resource name, e.g. `pods`.
    pub resource: String,
    pub sub_resource: String,
    pub name: String,
    pub dry_run: bool,
    pub object: Value,
    pub old_object: Option<Value>,
}

/// What the policies decided.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Messages of failed validations bound with `Deny`.
    pub denied: Vec<String>,
    pub warnings: Vec<String>,
    pub audit: Vec<String>,
}

impl Outcome {
    pub fn allowed(&self) -> bool {
        self.denied.is_empty()
    }
}

/// A compiled expression, or why it does not compile.
type Compiled = Result<Arc<Program>, String>;

/// Policies and bindings, their expressions compiled once.
pub struct Evaluator {
    policies: Vec<PolicyProgram>,
    bindings: Vec<Binding>,
}

struct PolicyProgram {
    name: String,
    policy: Value,
    fail_closed: bool,
    match_conditions: Vec<Compiled>,
    variables: Vec<(String, Compiled)>,
    validations: Vec<(Compiled, String)>,
}

struct Binding {
    policy: usize,
    actions: Vec<String>,
    namespace_selector: Option<Value>,
}

/// Errors in the objects themselves.
#[derive(Debug, thiserror::Error)]
pub enum EvaluatorError {
    #[error("binding {binding:?} names policy {policy:?}, which is not among the objects")]
    UnknownPolicy { binding: String, policy: String },
}

fn compile(expression: &str) -> Compiled {
    Program::compile(expression)
        .map(Arc::new)
        .map_err(|e| format!("{expression:?} does not compile: {e}"))
}

impl Evaluator {
    /// Compiles every ValidatingAdmissionPolicy and binding among `objects`.
    pub fn new(objects: &[Value]) -> Result<Self, EvaluatorError> {
        let kind = |o: &Value| {
            o.get("kind")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let name = |o: &Value| {
            o.pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let text =
            |v: &Value, key: &str| v.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
        let items = |o: &Value, pointer: &str| -> Vec<Value> {
            o.pointer(pointer)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let mut policies = Vec::new();
        for object in objects
            .iter()
            .filter(|o| kind(o) == "ValidatingAdmissionPolicy")
        {
            policies.push(PolicyProgram {
                name: name(object),
                fail_closed: object
                    .pointer("/spec/failurePolicy")
                    .and_then(Value::as_str)
                    != Some("Ignore"),
                match_conditions: items(object, "/spec/matchConditions")
                    .iter()
                    .map(|c| compile(&text(c, "expression")))
                    .collect(),
                variables: items(object, "/spec/variables")
                    .iter()
                    .map(|v| (text(v, "name"), compile(&text(v, "expression"))))
                    .collect(),
                validations: items(object, "/spec/validations")
                    .iter()
                    .map(|v| (compile(&text(v, "expression")), text(v, "message")))
                    .collect(),
                policy: object.clone(),
            });
        }
        let mut bindings = Vec::new();
        for object in objects
            .iter()
            .filter(|o| kind(o) == "ValidatingAdmissionPolicyBinding")
        {
            let policy_name = object
                .pointer("/spec/policyName")
                .and_then(Value::as_str)
                .unwrap_or("");
            let policy = policies
                .iter()
                .position(|p| p.name == policy_name)
                .ok_or_else(|| EvaluatorError::UnknownPolicy {
                    binding: name(object),
                    policy: policy_name.to_owned(),
                })?;
            bindings.push(Binding {
                policy,
                actions: items(object, "/spec/validationActions")
                    .iter()
                    .filter_map(|a| a.as_str().map(str::to_owned))
                    .collect(),
                namespace_selector: object
                    .pointer("/spec/matchResources/namespaceSelector")
                    .cloned(),
            });
        }
        Ok(Self { policies, bindings })
    }

    /// Every compilation error, for checking generated policies.
    pub fn compile_errors(&self) -> Vec<String> {
        let mut out = Vec::new();
        for policy in &self.policies {
            let all = policy
                .match_conditions
                .iter()
                .chain(policy.variables.iter().map(|(_, c)| c))
                .chain(policy.validations.iter().map(|(c, _)| c));
            for compiled in all {
                if let Err(e) = compiled {
                    out.push(format!("{}: {e}", policy.name));
                }
            }
        }
        out
    }

    /// Judges one request.
    pub fn admit(&self, request: &Request) -> Outcome {
        let mut outcome = Outcome::default();
        let mut base = Context::default().with_all();
        base.add_variable_from_value("object", to_cel(&request.object, None));
        base.add_variable_from_value(
            "oldObject",
            request
                .old_object
                .as_ref()
                .map_or(CelValue::Null, |o| to_cel(o, None)),
        );
        base.add_variable_from_value("request", request_to_cel(request));
        // Each policy's result, computed once however many bindings use it.
        let mut results: HashMap<usize, Option<Vec<String>>> = HashMap::new();
        for binding in &self.bindings {
            if !selector_matches(binding.namespace_selector.as_ref(), request) {
                continue;
            }
            let failures = results
                .entry(binding.policy)
                .or_insert_with(|| self.evaluate(&self.policies[binding.policy], &base, request))
                .clone();
            let Some(failures) = failures else {
                continue;
            };
            for action in &binding.actions {
                let target = match action.as_str() {
                    "Deny" => &mut outcome.denied,
                    "Warn" => &mut outcome.warnings,
                    "Audit" => &mut outcome.audit,
                    _ => continue,
                };
                target.extend(failures.iter().cloned());
            }
        }
        outcome
    }

    /// The failed validations' messages; `None` when the policy does not apply.
    fn evaluate(
        &self,
        policy: &PolicyProgram,
        base: &Context<'_>,
        request: &Request,
    ) -> Option<Vec<String>> {
        if !resource_matches(&policy.policy, request) {
            return None;
        }
        let error = |message: String| -> Option<Vec<String>> {
            policy.fail_closed.then(|| {
                vec![format!(
                    "policy {} could not be evaluated: {message}",
                    policy.name
                )]
            })
        };
        let mut context = base.new_inner_scope();
        let mut variables: HashMap<Key, CelValue> = HashMap::new();
        for (name, compiled) in &policy.variables {
            // A variable that fails stays unbound; expressions using it fail.
            if let Ok(program) = compiled
                && let Ok(value) = program.execute(&context)
            {
                variables.insert(Key::String(Arc::new(name.clone())), value);
                context.add_variable_from_value(
                    "variables",
                    CelValue::Map(Map {
                        map: Arc::new(variables.clone()),
                    }),
                );
            }
        }
        for condition in &policy.match_conditions {
            match condition.as_ref().map(|p| p.execute(&context)) {
                Ok(Ok(CelValue::Bool(true))) => {}
                Ok(Ok(CelValue::Bool(false))) => return None,
                Ok(Ok(other)) => return error(format!("a match condition returned {other:?}")),
                Ok(Err(e)) => return error(e.to_string()),
                Err(e) => return error(e.clone()),
            }
        }
        let mut failures = Vec::new();
        for (compiled, message) in &policy.validations {
            match compiled.as_ref().map(|p| p.execute(&context)) {
                Ok(Ok(CelValue::Bool(true))) => {}
                Ok(Ok(CelValue::Bool(false))) => failures.push(message.clone()),
                Ok(Ok(other)) => failures.extend(
                    error(format!("{message}: returned {other:?}"))
                        .into_iter()
                        .flatten(),
                ),
                Ok(Err(e)) => {
                    failures.extend(error(format!("{message}: {e}")).into_iter().flatten())
                }
                Err(e) => failures.extend(error(e.clone()).into_iter().flatten()),
            }
        }
        Some(failures)
    }
}

fn resource_matches(policy: &Value, request: &Request) -> bool {
    let resource = if request.sub_resource.is_empty() {
        request.resource.clone()
    } else {
        format!("{}/{}", request.resource, request.sub_resource)
    };
    let rules = policy
        .pointer("/spec/matchConstraints/resourceRules")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let has = |rule: &Value, key: &str, wanted: &str| {
        rule.get(key)
            .and_then(Value::as_array)
            .is_some_and(|items| {
                items
                    .iter()
                    .any(|i| i.as_str() == Some(wanted) || i.as_str() == Some("*"))
            })
    };
    rules.iter().any(|rule| {
        has(rule, "apiGroups", &request.group)
            && has(rule, "apiVersions", &request.version)
            && has(rule, "operations", &request.operation)
            && has(rule, "resources", &resource)
    })
}

/// A label selector (`matchLabels`, `matchExpressions`) on the request's namespace.
fn selector_matches(selector: Option<&Value>, request: &Request) -> bool {
    let Some(selector) = selector else {
        return true;
    };
    let label = |key: &str| -> Option<String> {
        if key == "kubernetes.io/metadata.name" {
            return Some(request.namespace.clone());
        }
        request
            .namespace_labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let labels_ok = selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .is_none_or(|labels| {
            labels
                .iter()
                .all(|(k, v)| label(k).as_deref() == v.as_str())
        });
    let expressions_ok = selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .is_none_or(|expressions| {
            expressions.iter().all(|e| {
                let key = e.get("key").and_then(Value::as_str).unwrap_or("");
                let values: Vec<&str> = e
                    .get("values")
                    .and_then(Value::as_array)
                    .map(|v| v.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let value = label(key);
                match e.get("operator").and_then(Value::as_str).unwrap_or("") {
                    "In" => value.is_some_and(|v| values.contains(&v.as_str())),
                    "NotIn" => value.is_none_or(|v| !values.contains(&v.as_str())),
                    "Exists" => value.is_some(),
                    "DoesNotExist" => value.is_none(),
                    _ => false,
                }
            })
        });
    labels_ok && expressions_ok
}

/// Fields of these names are maps: their keys are data, not field names.
const MAP_FIELDS: [&str; 9] = [
    "labels",
    "annotations",
    "nodeSelector",
    "limits",
    "requests",
    "overhead",
    "volumeAttributes",
    "options",
    "matchLabels",
];

/// CEL reserved words: as field names, the API server escapes them.
const RESERVED: [&str; 21] = [
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

/// A field name as CEL sees it (Kubernetes' escaping).
fn escape_field(name: &str) -> String {
    if RESERVED.contains(&name) {
        return format!("__{name}__");
    }
    let mut out = String::with_capacity(name.len());
    for ch in name.chars() {
        match ch {
            '_' => out.push_str("__"),
            '.' => out.push_str("__dot__"),
            '-' => out.push_str("__dash__"),
            '/' => out.push_str("__slash__"),
            c => out.push(c),
        }
    }
    out
}

/// JSON to CEL as the API server binds a decoded object: `null` fields are
/// absent, field names escaped, map keys kept.
fn to_cel(value: &Value, field: Option<&str>) -> CelValue {
    match value {
        Value::Null => CelValue::Null,
        Value::Bool(b) => CelValue::Bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => CelValue::Int(i),
            (None, Some(u)) => CelValue::UInt(u),
            _ => CelValue::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => CelValue::String(Arc::new(s.clone())),
        Value::Array(items) => {
            CelValue::List(Arc::new(items.iter().map(|i| to_cel(i, None)).collect()))
        }
        Value::Object(object) => {
            let is_map = field.is_some_and(|f| MAP_FIELDS.contains(&f));
            let mut map = HashMap::with_capacity(object.len());
            for (key, item) in object.iter().filter(|(_, v)| !v.is_null()) {
                let name = if is_map {
                    key.clone()
                } else {
                    escape_field(key)
                };
                map.insert(Key::String(Arc::new(name)), to_cel(item, Some(key)));
            }
            CelValue::Map(Map { map: Arc::new(map) })
        }
    }
}

fn request_to_cel(request: &Request) -> CelValue {
    let string = |s: &str| CelValue::String(Arc::new(s.to_owned()));
    let map = |entries: Vec<(&str, CelValue)>| {
        CelValue::Map(Map {
            map: Arc::new(
                entries
                    .into_iter()
                    .map(|(k, v)| (Key::String(Arc::new(k.to_owned())), v))
                    .collect(),
            ),
        })
    };
    map(vec![
        ("operation", string(&request.operation)),
        ("namespace", string(&request.namespace)),
        ("name", string(&request.name)),
        ("subResource", string(&request.sub_resource)),
        ("dryRun", CelValue::Bool(request.dry_run)),
        (
            "kind",
            map(vec![
                ("group", string(&request.group)),
                ("version", string(&request.version)),
                ("kind", string(&request.kind)),
            ]),
        ),
        (
            "resource",
            map(vec![
                ("group", string(&request.group)),
                ("version", string(&request.version)),
                ("resource", string(&request.resource)),
            ]),
        ),
    ])
}

/// The request for an object: its kind decides group, version and resource.
pub fn request_for(object: &Value, operation: &str, namespace: &str) -> Request {
    let api_version = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("v1");
    let (group, version) = match api_version.split_once('/') {
        Some((group, version)) => (group.to_owned(), version.to_owned()),
        None => (String::new(), api_version.to_owned()),
    };
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let resource = format!("{}s", kind.to_ascii_lowercase());
    Request {
        operation: operation.to_owned(),
        namespace: namespace.to_owned(),
        group,
        version,
        resource,
        kind,
        name: object
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        object: object.clone(),
        ..Request::default()
    }
}

/// The API-server defaulting that matters to Pod Security, applied as it is
/// before admission: volumes without a source become `emptyDir`; a Pod's
/// host-network ports get `hostPort`.
pub fn admission_defaults(object: &mut Value) {
    let is_pod = object.get("kind").and_then(Value::as_str) == Some("Pod");
    let pointer = match object.get("kind").and_then(Value::as_str) {
        Some("Pod") => "/spec",
        Some("CronJob") => "/spec/jobTemplate/spec/template/spec",
        _ => "/spec/template/spec",
    };
    if let Some(spec) = object.pointer_mut(pointer) {
        rampart_linter::pss::apply_api_defaults(spec);
        if is_pod {
            rampart_linter::pss::apply_pod_host_network_port_defaults(spec);
        }
    }
}
