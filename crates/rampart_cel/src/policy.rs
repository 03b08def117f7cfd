//! The policy file compiled to ValidatingAdmissionPolicies and bindings.
//!
//! One policy per Pod Security level, version and object shape (Pods; the
//! workload controllers with a pod template; CronJobs), each holding one
//! validation per check in force, exceptions woven in. Bindings select
//! namespaces as `admission:` assigns them levels: Pods are denied at the
//! enforce level; workload templates warn at it, as Pod Security Admission
//! (and `rampart webhook`) do; warn and audit bind with `Warn` and `Audit`.

use jiff::civil::Date;
use rampart_linter::admission::ModeLevels;
use rampart_linter::exemptions::{Config, names_rule};
use rampart_linter::pss::cel::{CelExemptions, quote};
use rampart_linter::pss::{Level, NEWEST_MINOR, PolicyVersion, checks_in_force};
use serde_json::{Value, json};

use crate::exemptions::ConfigExemptions;

/// What a VAP validates: the object's kind and where its pod spec lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Pod,
    /// Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, ReplicationControllers.
    Template,
    CronJob,
}

impl Shape {
    pub const ALL: [Shape; 3] = [Shape::Pod, Shape::Template, Shape::CronJob];

    fn slug(self) -> &'static str {
        match self {
            Shape::Pod => "pods",
            Shape::Template => "workloads",
            Shape::CronJob => "cronjobs",
        }
    }

    /// (pod spec, pod metadata) as CEL paths.
    fn paths(self) -> (&'static str, &'static str) {
        match self {
            Shape::Pod => ("object.spec", "object.metadata"),
            Shape::Template => ("object.spec.template.spec", "object.spec.template.metadata"),
            Shape::CronJob => (
                "object.spec.jobTemplate.spec.template.spec",
                "object.spec.jobTemplate.spec.template.metadata",
            ),
        }
    }

    fn resource_rules(self) -> Value {
        let operations = json!(["CREATE", "UPDATE"]);
        match self {
            Shape::Pod => {
                json!([{"apiGroups": [""], "apiVersions": ["v1"], "operations": operations,
                                   "resources": ["pods", "pods/ephemeralcontainers"]}])
            }
            Shape::Template => json!([
                {"apiGroups": ["apps"], "apiVersions": ["v1"], "operations": operations,
                 "resources": ["deployments", "replicasets", "statefulsets", "daemonsets"]},
                {"apiGroups": ["batch"], "apiVersions": ["v1"], "operations": operations, "resources": ["jobs"]},
                {"apiGroups": [""], "apiVersions": ["v1"], "operations": operations, "resources": ["replicationcontrollers"]},
            ]),
            Shape::CronJob => {
                json!([{"apiGroups": ["batch"], "apiVersions": ["v1"], "operations": operations,
                                       "resources": ["cronjobs"]}])
            }
        }
    }
}

/// `Fail` (deny when a policy cannot be evaluated) or `Ignore`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailurePolicy {
    Fail,
    Ignore,
}

impl FailurePolicy {
    fn as_str(self) -> &'static str {
        match self {
            FailurePolicy::Fail => "Fail",
            FailurePolicy::Ignore => "Ignore",
        }
    }
}

/// How to compile.
#[derive(Debug, Clone)]
pub struct VapOptions {
    /// Levels for namespaces the config's `admission:` section does not cover.
    pub fallback: ModeLevels,
    pub failure_policy: FailurePolicy,
    /// Namespaces no binding selects (e.g. `kube-system`).
    pub exclude_namespaces: Vec<String>,
    /// Exceptions expired on this date are left out.
    pub today: Date,
}

/// The compiled objects, and what the compilation could not carry over.
#[derive(Debug, Clone, Default)]
pub struct Compiled {
    /// Policies first, then bindings.
    pub objects: Vec<Value>,
    pub warnings: Vec<String>,
}

/// The policy name for a level, version and shape.
pub fn policy_name(level: Level, version: PolicyVersion, shape: Shape) -> String {
    format!("rampart-{level}-{version}-{}", shape.slug())
}

/// One ValidatingAdmissionPolicy: the checks of `level` at `version` for
/// `shape`, with the config's exceptions and ignored rules.
pub fn policy(
    level: Level,
    version: PolicyVersion,
    shape: Shape,
    config: &Config,
    exemptions: &dyn CelExemptions,
    failure_policy: FailurePolicy,
) -> Value {
    let (spec, metadata) = shape.paths();
    let label = format!("{level}:{version}");
    let minor = version.effective_minor(NEWEST_MINOR);
    let validations: Vec<Value> = checks_in_force(level, minor)
        .filter(|(check, _)| !names_rule(&config.ignore, check.rule))
        .map(|(check, definition)| {
            json!({
                "expression": (definition.cel)(exemptions),
                "message": format!(
                    "{} {}: violates PodSecurity \"{label}\" ({}): {}",
                    check.rule.code, check.rule.name, check.id, check.rule.summary
                ),
                "reason": "Forbidden",
            })
        })
        .collect();
    let mut spec_value = json!({
        "failurePolicy": failure_policy.as_str(),
        "matchConstraints": {"resourceRules": shape.resource_rules()},
        "variables": variables(spec, metadata),
        "validations": validations,
    });
    if shape == Shape::Pod {
        spec_value["matchConditions"] = json!([{
            "name": "significant-pod-update",
            "expression": significant_pod_update(),
        }]);
    }
    json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {
            "name": policy_name(level, version, shape),
            "labels": {"app.kubernetes.io/managed-by": "rampart"},
            "annotations": {"rampart.dev/pod-security": label},
        },
        "spec": spec_value,
    })
}

fn variables(spec: &str, metadata: &str) -> Value {
    let list = |field: &str| format!("(has(variables.spec.{field}) ? variables.spec.{field} : [])");
    let metadata_parts: Vec<&str> = metadata.split('.').collect();
    let annotations_guard = (2..=metadata_parts.len())
        .map(|n| format!("has({})", metadata_parts[..n].join(".")))
        .chain(std::iter::once(format!("has({metadata}.annotations)")))
        .collect::<Vec<_>>()
        .join(" && ");
    json!([
        {"name": "spec", "expression": spec},
        {"name": "annotations", "expression": format!("{annotations_guard} ? {metadata}.annotations : {{}}")},
        {"name": "containers", "expression": format!(
            "{} + {} + {}", list("initContainers"), list("containers"), list("ephemeralContainers"))},
        {"name": "volumes", "expression": list("volumes")},
        {"name": "serviceAccount", "expression":
            "has(variables.spec.serviceAccountName) ? variables.spec.serviceAccountName : (has(variables.spec.serviceAccount) ? variables.spec.serviceAccount : 'default')"},
    ])
}

/// Pod Security Admission's rule: a Pod update is judged again only when it
/// changes an image, the containers, a seccomp annotation, or adds an
/// ephemeral container.
fn significant_pod_update() -> String {
    let annotation = |object: &str, key: &str| {
        format!(
            "(has({object}.metadata.annotations) && {key} in {object}.metadata.annotations ? 'set:' + {object}.metadata.annotations[{key}] : 'unset')"
        )
    };
    let list = |object: &str, field: &str| {
        format!("(has({object}.spec.{field}) ? {object}.spec.{field} : [])")
    };
    let pod_key = quote("seccomp.security.alpha.kubernetes.io/pod");
    let mut parts = vec![format!(
        "{} != {}",
        annotation("object", &pod_key),
        annotation("oldObject", &pod_key)
    )];
    for field in ["containers", "initContainers"] {
        let (new, old) = (list("object", field), list("oldObject", field));
        let key = format!(
            "{} + (has(c.name) ? c.name : '')",
            quote("container.seccomp.security.alpha.kubernetes.io/")
        );
        parts.push(format!("size({new}) != size({old})"));
        parts.push(format!(
            "{new}.map(c, has(c.image) ? c.image : '') != {old}.map(c, has(c.image) ? c.image : '')"
        ));
        parts.push(format!(
            "{new}.exists(c, {} != {})",
            annotation("object", &key),
            annotation("oldObject", &key)
        ));
    }
    let (new, old) = (
        list("object", "ephemeralContainers"),
        list("oldObject", "ephemeralContainers"),
    );
    parts.push(format!(
        "{new}.exists(c, !has(c.name) || !(c.name in {old}.filter(o, has(o.name)).map(o, o.name)))"
    ));
    format!(
        "request.operation != 'UPDATE' || request.subResource == 'ephemeralcontainers' || oldObject == null || {}",
        parts.join(" || ")
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Enforce,
    Warn,
    Audit,
}

impl Mode {
    fn slug(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Warn => "warn",
            Mode::Audit => "audit",
        }
    }

    fn level(self, levels: &ModeLevels) -> Option<Level> {
        match self {
            Mode::Enforce => levels.enforce,
            Mode::Warn => levels.warn,
            Mode::Audit => levels.audit,
        }
        .filter(|level| *level != Level::Privileged)
    }

    fn action(self, shape: Shape) -> &'static str {
        match (self, shape) {
            (Mode::Enforce, Shape::Pod) => "Deny",
            (Mode::Enforce | Mode::Warn, _) => "Warn",
            (Mode::Audit, _) => "Audit",
        }
    }
}

/// Which namespaces a binding selects.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Selection {
    /// Exactly these.
    Named(Vec<String>),
    /// All but these.
    AllBut(Vec<String>),
}

/// Compiles the config: policies for every level and version in use, and
/// their bindings.
pub fn compile(config: &Config, options: &VapOptions) -> Compiled {
    let mut compiled = Compiled::default();
    let exemptions = ConfigExemptions::new(&config.exceptions, options.today);
    for exception in &config.exceptions {
        if exception.is_expired(options.today) {
            compiled.warnings.push(format!(
                "rampart.yaml:{}: the exception has expired and is left out",
                exception.line
            ));
        } else if exception.expires.is_some() {
            compiled.warnings.push(format!(
                "rampart.yaml:{}: the exception expires, but a ValidatingAdmissionPolicy cannot: compile the policy again when it does",
                exception.line
            ));
        }
        if exception.agent.is_some() {
            compiled.warnings.push(format!(
                "rampart.yaml:{}: an agent grant (`agent:`) needs the knowledge base at admission; the ValidatingAdmissionPolicy carries only the privileges the exception names",
                exception.line
            ));
        }
    }
    if !config.exemptions.is_empty() {
        compiled.warnings.push(
            "`exemptions:` scope findings by file and object for scans; they are not compiled into admission policies (use `exceptions:`)".to_owned(),
        );
    }

    let default = config.admission.default.unwrap_or(options.fallback);
    let named: Vec<(String, ModeLevels)> = config
        .admission
        .namespaces
        .iter()
        .filter(|(name, _)| !options.exclude_namespaces.contains(name))
        .map(|(name, _)| (name.clone(), namespace_levels(config, name, default)))
        .collect();
    // (mode, level, version, selection)
    let mut assignments: Vec<(Mode, Level, PolicyVersion, Selection)> = Vec::new();
    for mode in [Mode::Enforce, Mode::Warn, Mode::Audit] {
        let mut groups: Vec<(Level, PolicyVersion, Vec<String>)> = Vec::new();
        for (name, levels) in &named {
            let Some(level) = mode.level(levels) else {
                continue;
            };
            match groups
                .iter_mut()
                .find(|(l, v, _)| *l == level && *v == levels.version)
            {
                Some((_, _, names)) => names.push(name.clone()),
                None => groups.push((level, levels.version, vec![name.clone()])),
            }
        }
        for (level, version, names) in groups {
            assignments.push((mode, level, version, Selection::Named(names)));
        }
        if let Some(level) = mode.level(&default) {
            let mut others: Vec<String> = config
                .admission
                .namespaces
                .iter()
                .map(|(name, _)| name.clone())
                .chain(options.exclude_namespaces.iter().cloned())
                .collect();
            others.sort();
            others.dedup();
            assignments.push((mode, level, default.version, Selection::AllBut(others)));
        }
    }

    let mut policies: Vec<(Level, PolicyVersion)> = Vec::new();
    for (_, level, version, _) in &assignments {
        if !policies.contains(&(*level, *version)) {
            policies.push((*level, *version));
        }
    }
    for (level, version) in &policies {
        for shape in Shape::ALL {
            compiled.objects.push(policy(
                *level,
                *version,
                shape,
                config,
                &exemptions,
                options.failure_policy,
            ));
        }
    }
    for (mode, level, version, selection) in &assignments {
        for shape in Shape::ALL {
            let (suffix, expression) = match selection {
                Selection::Named(names) => (
                    format!("ns-{}", short_hash(&names.join(","))),
                    json!({"key": "kubernetes.io/metadata.name", "operator": "In", "values": names}),
                ),
                Selection::AllBut(names) => (
                    "default".to_owned(),
                    json!({"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": names}),
                ),
            };
            let mut match_resources = json!({});
            if !matches!(selection, Selection::AllBut(names) if names.is_empty()) {
                match_resources["namespaceSelector"] = json!({"matchExpressions": [expression]});
            }
            compiled.objects.push(json!({
                "apiVersion": "admissionregistration.k8s.io/v1",
                "kind": "ValidatingAdmissionPolicyBinding",
                "metadata": {
                    "name": format!("rampart-{}-{level}-{version}-{}-{suffix}", mode.slug(), shape.slug()),
                    "labels": {"app.kubernetes.io/managed-by": "rampart"},
                },
                "spec": {
                    "policyName": policy_name(*level, *version, shape),
                    "validationActions": [mode.action(shape)],
                    "matchResources": match_resources,
                },
            }));
        }
    }
    compiled
}

/// A namespace's levels as the webhook resolves them without labels: the
/// modes (and version) its entry names, the rest from `base`.
fn namespace_levels(config: &Config, namespace: &str, base: ModeLevels) -> ModeLevels {
    let Some((levels, set)) = config.admission.namespace_entry(namespace) else {
        return base;
    };
    ModeLevels {
        enforce: if set.enforce {
            levels.enforce
        } else {
            base.enforce
        },
        warn: if set.warn { levels.warn } else { base.warn },
        audit: if set.audit { levels.audit } else { base.audit },
        version: if set.version {
            levels.version
        } else {
            base.version
        },
    }
}

/// A short, stable name suffix (FNV-1a of the text).
fn short_hash(text: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in text.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{hash:08x}")
}
