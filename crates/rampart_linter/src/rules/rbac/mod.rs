//! RBAC rules: each Role and ClusterRole rule judged on its own, and risky bindings.
//!
//! Rule entries are matched the way the API server's RBAC authorizer does
//! (`rbac/v1/evaluation_helpers.go`): `*` or an exact, case-sensitive match
//! for API groups and verbs; for resources `*`, an exact `resource/subresource`
//! match, or `*/subresource`; a rule with `resourceNames` only matches
//! requests for those names (so never a `create` of a new object, whose name
//! the authorizer does not know).

use rampart_diagnostics::Severity;
use serde_json::Value;

use crate::rule::{ObjectContext, ObjectRule};

pub use binding_to_anonymous::BindingToAnonymous;
pub use cluster_admin_binding::ClusterAdminBinding;
pub use create_workloads::RbacCreateWorkloads;
pub use escalate_bind_impersonate::RbacEscalateBindImpersonate;
pub use nodes_proxy::RbacNodesProxy;
pub use pod_exec::RbacPodExec;
pub use read_secrets::RbacReadSecrets;
pub use token_create::RbacTokenCreate;
pub use wildcard::RbacWildcard;
pub use workload_can_exec_pods::WorkloadCanExecPods;
pub use workload_can_read_secrets::WorkloadCanReadSecrets;

mod binding_to_anonymous;
mod cluster_admin_binding;
mod create_workloads;
mod escalate_bind_impersonate;
mod nodes_proxy;
mod pod_exec;
mod read_secrets;
mod token_create;
mod wildcard;
mod workload_can_exec_pods;
mod workload_can_read_secrets;

/// The cross-object rules of this family: what workloads reach through their bindings.
pub static CLUSTER_RULES: &[&dyn crate::cluster::ClusterRule] =
    &[&WorkloadCanReadSecrets, &WorkloadCanExecPods];

/// The rules of this family, in code order.
pub static RULES: &[&dyn ObjectRule] = &[
    &RbacWildcard,
    &RbacReadSecrets,
    &RbacPodExec,
    &RbacNodesProxy,
    &RbacCreateWorkloads,
    &RbacEscalateBindImpersonate,
    &RbacTokenCreate,
    &ClusterAdminBinding,
    &BindingToAnonymous,
];

/// The API group of RBAC objects.
pub(crate) const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// Whether the object is of the RBAC API group (any version) and one of `kinds`.
pub(crate) fn is_rbac_kind(cx: &ObjectContext<'_>, kinds: &[&str]) -> bool {
    let group = cx
        .object
        .api_version
        .and_then(|v| v.rsplit_once('/'))
        .map(|(group, _)| group);
    group == Some(RBAC_GROUP) && kinds.contains(&cx.kind())
}

/// Where a role's rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// A Role: its rules never match cluster-scoped requests (nodes,
    /// ClusterRoles, impersonation of users and groups).
    Namespaced,
    /// A ClusterRole: bound by a ClusterRoleBinding it applies everywhere,
    /// by a RoleBinding in that namespace.
    Cluster,
}

impl Scope {
    /// `in its namespace` / `in every namespace it is bound for`.
    pub fn reach(self) -> &'static str {
        match self {
            Scope::Namespaced => "in the Role's namespace",
            Scope::Cluster => "cluster-wide if bound by a ClusterRoleBinding",
        }
    }
}

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// One item of a list of strings, with its index.
pub(crate) type Item<'a> = (usize, &'a str);

/// One entry of a Role's or ClusterRole's `rules`.
pub(crate) struct PolicyRule<'a> {
    pub index: usize,
    pub api_groups: Vec<Item<'a>>,
    pub resources: Vec<Item<'a>>,
    pub verbs: Vec<Item<'a>>,
    pub resource_names: Vec<&'a str>,
    pub non_resource_urls: Vec<Item<'a>>,
}

/// Where a rule grants a verb on a resource: the list items that match.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Grant<'a> {
    pub verb: Item<'a>,
    pub resource: Item<'a>,
}

fn strings(value: Option<&Value>) -> Vec<Item<'_>> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, v)| v.as_str().map(|s| (i, s)))
        .collect()
}

/// The item that matches `wanted` exactly, or else the first `*`.
fn exact_or_star<'a>(items: &[Item<'a>], wanted: &str) -> Option<Item<'a>> {
    items
        .iter()
        .find(|(_, s)| *s == wanted)
        .or_else(|| items.iter().find(|(_, s)| *s == "*"))
        .copied()
}

impl<'a> PolicyRule<'a> {
    fn parse(index: usize, value: &'a Value) -> Self {
        Self {
            index,
            api_groups: strings(value.get("apiGroups")),
            resources: strings(value.get("resources")),
            verbs: strings(value.get("verbs")),
            resource_names: strings(value.get("resourceNames"))
                .into_iter()
                .map(|(_, s)| s)
                .collect(),
            non_resource_urls: strings(value.get("nonResourceURLs")),
        }
    }

    /// Pointer of item `i` of `list` (`/rules/2/verbs/0`).
    pub fn pointer(&self, list: &str, i: usize) -> String {
        format!("/rules/{}/{list}/{i}", self.index)
    }

    /// `rules[2]`, for messages.
    pub fn label(&self) -> String {
        format!("rules[{}]", self.index)
    }

    /// A rule about API resources (as opposed to non-resource URLs).
    pub fn is_resource_rule(&self) -> bool {
        !self.resources.is_empty()
    }

    pub fn restricted_by_name(&self) -> bool {
        !self.resource_names.is_empty()
    }

    /// `resourceNames a, b` for messages.
    pub fn names_note(&self) -> String {
        format!("only for resourceNames {}", self.resource_names.join(", "))
    }

    pub fn matches_group(&self, group: &str) -> bool {
        self.api_groups
            .iter()
            .any(|(_, g)| *g == "*" || *g == group)
    }

    /// The item of `resources` that matches `resource` (`pods` or
    /// `pods/exec`): exact first, then `*/exec`, then `*`.
    pub fn matching_resource(&self, resource: &str) -> Option<Item<'a>> {
        if let Some(exact) = self.resources.iter().find(|(_, r)| *r == resource) {
            return Some(*exact);
        }
        if let Some((_, sub)) = resource.split_once('/') {
            let wanted = format!("*/{sub}");
            if let Some(item) = self.resources.iter().find(|(_, r)| *r == wanted) {
                return Some(*item);
            }
        }
        self.resources.iter().find(|(_, r)| *r == "*").copied()
    }

    pub fn matching_verb(&self, verb: &str) -> Option<Item<'a>> {
        exact_or_star(&self.verbs, verb)
    }

    /// Whether this entry lets `verb` on `resource` in `group`, ignoring
    /// `resourceNames` (callers decide what a name restriction means).
    pub fn grants(&self, group: &str, resource: &str, verb: &str) -> Option<Grant<'a>> {
        if !self.matches_group(group) {
            return None;
        }
        Some(Grant {
            resource: self.matching_resource(resource)?,
            verb: self.matching_verb(verb)?,
        })
    }
}

/// The rules of a Role or ClusterRole with the role's scope; `None` for other
/// objects and for aggregated ClusterRoles, whose `rules` the aggregation
/// controller overwrites with those of the ClusterRoles it selects.
pub(crate) fn role_rules<'a>(cx: &ObjectContext<'a>) -> Option<(Scope, Vec<PolicyRule<'a>>)> {
    if !is_rbac_kind(cx, &["Role", "ClusterRole"]) {
        return None;
    }
    let value = cx.value();
    let scope = if cx.kind() == "ClusterRole" {
        if value.get("aggregationRule").is_some_and(Value::is_object) {
            return None;
        }
        Scope::Cluster
    } else {
        Scope::Namespaced
    };
    let rules = value
        .get("rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter(|(_, v)| v.is_object())
        .map(|(i, v)| PolicyRule::parse(i, v))
        .collect();
    Some((scope, rules))
}

/// One severity lower (a `resourceNames` restriction).
pub(crate) fn lower(severity: Severity) -> Severity {
    match severity {
        Severity::Critical => Severity::High,
        Severity::High => Severity::Medium,
        Severity::Medium => Severity::Low,
        Severity::Low | Severity::Info => Severity::Info,
    }
}

/// `` `get`, `list` `` for messages.
pub(crate) fn quoted(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// ` (through `*`)` when the matching item is a wildcard.
pub(crate) fn through(item: &str) -> String {
    if item.contains('*') {
        format!(" (through `{item}`)")
    } else {
        String::new()
    }
}

/// One subject of a RoleBinding or ClusterRoleBinding.
pub(crate) struct Subject<'a> {
    pub index: usize,
    pub kind: &'a str,
    pub name: &'a str,
    pub namespace: Option<&'a str>,
}

impl Subject<'_> {
    /// `User alice`, `ServiceAccount ns/name`.
    pub fn describe(&self) -> String {
        match (self.kind, self.namespace) {
            ("ServiceAccount", Some(ns)) => format!("ServiceAccount {ns}/{}", self.name),
            (kind, _) => format!("{kind} {}", self.name),
        }
    }
}

/// The subjects of a binding (entries that are not mappings or lack a
/// string `kind`/`name` are skipped).
pub(crate) fn subjects<'a>(cx: &ObjectContext<'a>) -> Vec<Subject<'a>> {
    cx.value()
        .get("subjects")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(index, s)| {
            Some(Subject {
                index,
                kind: s.get("kind").and_then(Value::as_str)?,
                name: s.get("name").and_then(Value::as_str)?,
                namespace: s.get("namespace").and_then(Value::as_str),
            })
        })
        .collect()
}

/// Whether a binding is one of the cluster's bootstrap (built-in) bindings:
/// named `system:…` or labelled `kubernetes.io/bootstrapping: rbac-defaults`.
pub(crate) fn is_builtin_binding(cx: &ObjectContext<'_>) -> bool {
    cx.object.name.is_some_and(|n| n.starts_with("system:"))
        || cx
            .value()
            .pointer("/metadata/labels/kubernetes.io~1bootstrapping")
            .and_then(Value::as_str)
            == Some("rbac-defaults")
}

/// `roleRef.kind` and `roleRef.name` of a binding.
pub(crate) fn role_ref<'a>(cx: &ObjectContext<'a>) -> Option<(&'a str, &'a str)> {
    let role_ref = cx.value().get("roleRef")?;
    Some((
        role_ref.get("kind").and_then(Value::as_str)?,
        role_ref.get("name").and_then(Value::as_str)?,
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn matches_like_the_authorizer() {
        let value = json!({
            "apiGroups": [""],
            "resources": ["pods", "*/exec", "secrets"],
            "verbs": ["get", "create"]
        });
        let rule = PolicyRule::parse(0, &value);
        assert_eq!(rule.matching_resource("pods/exec").map(|r| r.0), Some(1));
        assert_eq!(rule.matching_resource("pods/attach"), None);
        assert_eq!(rule.matching_resource("secrets").map(|r| r.0), Some(2));
        assert!(rule.grants("", "pods", "create").is_some());
        assert!(rule.grants("apps", "pods", "create").is_none());
        assert!(rule.grants("", "pods", "delete").is_none());
        let star = json!({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]});
        let rule = PolicyRule::parse(3, &star);
        let grant = rule.grants("rbac.authorization.k8s.io", "roles", "bind");
        assert_eq!(grant.map(|g| g.verb.1), Some("*"));
        assert_eq!(rule.pointer("verbs", 0), "/rules/3/verbs/0");
        // Case matters, and `pods/*` is not a wildcard.
        let odd = json!({"apiGroups": [""], "resources": ["Secrets", "pods/*"], "verbs": ["GET"]});
        let rule = PolicyRule::parse(0, &odd);
        assert!(rule.grants("", "secrets", "get").is_none());
        assert!(rule.matching_resource("pods/exec").is_none());
    }

    #[test]
    fn wrong_types_are_ignored() {
        let value = json!({"apiGroups": "", "resources": [1, null, "pods"], "verbs": {"a": 1}});
        let rule = PolicyRule::parse(0, &value);
        assert!(rule.api_groups.is_empty());
        assert_eq!(rule.resources, vec![(2, "pods")]);
        assert!(rule.verbs.is_empty());
    }
}
