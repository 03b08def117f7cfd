use rampart_macros::RuleMetadata;

use super::{Item, RBAC_GROUP, Scope, lower, role_rules};
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports each entry of a Role's or ClusterRole's `rules` that allows the
/// verbs RBAC reserves for privilege management: `escalate` or `bind` on
/// `roles` or `clusterroles` (`rbac.authorization.k8s.io`), and `impersonate`
/// on `users`, `groups` or `serviceaccounts` (core group); `*` verbs and
/// resources included.
///
/// ## Why is this bad?
/// RBAC stops users from granting permissions they do not hold, and these
/// verbs are the exceptions. `escalate` lets the holder write a Role with
/// any permission; `bind` lets them bind any role, `cluster-admin` included,
/// to themselves; `impersonate` lets them act as another user, group (for
/// example `system:masters`) or service account. Each is one step from full
/// control of the scope.
///
/// The scope of a Role is followed as the API server does: in a namespaced
/// Role, `escalate` on `clusterroles` and `impersonate` on `users` or
/// `groups` never match (those requests are cluster-scoped), while `bind` on
/// `clusterroles` does (it is checked in the namespace of the RoleBinding).
/// A `resourceNames` restriction (bind only `view`, impersonate one user) is
/// the documented way to delegate safely: it lowers the severity to high.
///
/// ## Example
/// ```yaml
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: ClusterRole
/// metadata:
///   name: access-manager
/// rules:
/// - apiGroups: ["rbac.authorization.k8s.io"]
///   resources: ["clusterroles", "clusterrolebindings"]
///   verbs: ["get", "list", "create", "bind", "escalate"]
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: ClusterRole
/// metadata:
///   name: access-manager
/// rules:
/// - apiGroups: ["rbac.authorization.k8s.io"]
///   resources: ["clusterrolebindings"]
///   verbs: ["get", "list", "create"]
/// ```
///
/// ## Fix
/// Remove `escalate`, `bind` and `impersonate` from the rule, or limit `bind` and `impersonate` with `resourceNames` to the roles and identities that may be delegated.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.1.8: limit use of the bind, impersonate and escalate permissions
/// - MITRE ATT&CK: [T1098 Account Manipulation](https://attack.mitre.org/techniques/T1098/)
/// - [Preventing privilege escalation via role creation or update](https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping)
#[derive(RuleMetadata)]
#[rule(
    code = "RB006",
    name = "rbac-escalate-bind-impersonate",
    severity = "critical",
    cis = "5.1.8",
    mitre = "T1098",
    nsa = "authorization"
)]
pub struct RbacEscalateBindImpersonate;

/// (verb, group, resource, effective in a namespaced Role).
const CHECKS: &[(&str, &str, &str, bool)] = &[
    ("escalate", RBAC_GROUP, "roles", true),
    ("escalate", RBAC_GROUP, "clusterroles", false),
    ("bind", RBAC_GROUP, "roles", true),
    ("bind", RBAC_GROUP, "clusterroles", true),
    ("impersonate", "", "users", false),
    ("impersonate", "", "groups", false),
    ("impersonate", "", "serviceaccounts", true),
];

impl ObjectRule for RbacEscalateBindImpersonate {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        let Some((scope, rules)) = role_rules(cx) else {
            return;
        };
        for rule in &rules {
            // (verb item, verb, resource, matched through a wildcard) in check order.
            let mut hits: Vec<(Item<'_>, &str, &str, bool)> = Vec::new();
            for (verb, group, resource, in_role) in CHECKS {
                if scope == Scope::Namespaced && !in_role {
                    continue;
                }
                if let Some(grant) = rule.grants(group, resource, verb) {
                    hits.push((grant.verb, verb, resource, grant.resource.1.contains('*')));
                }
            }
            let mut items: Vec<Item<'_>> = hits.iter().map(|h| h.0).collect();
            items.sort_unstable();
            items.dedup();
            for item in items {
                let mine: Vec<_> = hits.iter().filter(|h| h.0 == item).collect();
                let mut verbs: Vec<&str> = mine.iter().map(|h| h.1).collect();
                verbs.dedup();
                let granted: Vec<String> = verbs
                    .iter()
                    .map(|verb| {
                        let resources: Vec<&str> =
                            mine.iter().filter(|h| h.1 == *verb).map(|h| h.2).collect();
                        format!("`{verb}` on {}", resources.join(", "))
                    })
                    .collect();
                let mut wild = Vec::new();
                if item.1 == "*" {
                    wild.push("`*` verbs");
                }
                if mine.iter().any(|h| h.3) {
                    wild.push("wildcard resources");
                }
                let via = if wild.is_empty() {
                    String::new()
                } else {
                    format!(" (through {})", wild.join(" and "))
                };
                let mut message = format!(
                    "{} allows {}{via} {}: the holder can give themselves permissions they do not hold",
                    rule.label(),
                    granted.join("; "),
                    scope.reach()
                );
                let mut severity = None;
                if rule.restricted_by_name() {
                    severity = Some(lower(Self::META.severity));
                    message.push_str(&format!(" ({})", rule.names_note()));
                }
                out.push(Violation {
                    severity,
                    ..Violation::new(rule.pointer("verbs", item.0), message)
                });
            }
        }
    }
}
