use rampart_diagnostics::Severity;
use rampart_macros::RuleMetadata;

use super::{Item, lower, role_rules, through};
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports each entry of a Role's or ClusterRole's `rules` that lets its
/// holder into running pods: `create` on `pods/exec` or `pods/attach` (high),
/// `get` on them (medium, see below), `create` or `get` on `pods/portforward`
/// (medium), and `update` or `patch` on `pods/ephemeralcontainers` (high, what
/// `kubectl debug` uses). Subresources match through `*` and `*/exec` too.
///
/// ## Why is this bad?
/// `kubectl exec` runs any command in a container: whoever can do it gets
/// the container's files, its mounted Secrets and service account token (and
/// so its RBAC permissions), and its network position. `attach` reaches the
/// main process's stdin, which is often a shell. Adding an ephemeral
/// container starts a new container of the attacker's choosing inside the
/// pod. Port-forwarding does not run code, but it reaches every port of the
/// pod, bypassing Services and NetworkPolicies.
///
/// `kubectl` used SPDY (`POST`, the `create` verb); WebSocket clients
/// (kubectl from 1.31, the Python and JavaScript clients) send `GET`, which
/// the API server authorized as `get` on `pods/exec` until Kubernetes 1.35.
/// From 1.35 it also requires `create` (feature gate
/// `AuthorizePodWebsocketUpgradeCreatePermission`, on by default), so `get`
/// alone is reported at medium severity: it is exec on older clusters and on
/// clusters that turn the gate off.
///
/// Debugging tools and CI runners legitimately need exec; give it to people
/// through short-lived bindings rather than to workloads' service accounts.
/// DataKit's ClusterRole (Guance Cloud), for example, asks for `get` on `pods/exec`.
///
/// ## Example
/// ```yaml
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: Role
/// metadata:
///   name: debugger
///   namespace: app
/// rules:
/// - apiGroups: [""]
///   resources: ["pods", "pods/log"]
///   verbs: ["get", "list"]
/// - apiGroups: [""]
///   resources: ["pods/exec"]
///   verbs: ["create"]
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: Role
/// metadata:
///   name: debugger
///   namespace: app
/// rules:
/// - apiGroups: [""]
///   resources: ["pods", "pods/log"]
///   verbs: ["get", "list"]
/// ```
///
/// ## Fix
/// Remove `pods/exec`, `pods/attach`, `pods/portforward` and `pods/ephemeralcontainers` from the rule, or grant them only to people, in one namespace, through a binding that expires.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10: no recommendation covers exec; 5.1.4 (create pods) is the nearest
/// - MITRE ATT&CK: [T1609 Container Administration Command](https://attack.mitre.org/techniques/T1609/)
/// - [RBAC good practices](https://kubernetes.io/docs/concepts/security/rbac-good-practices/)
/// - [KEP-4006: WebSocket transition and the `create` check](https://github.com/kubernetes/enhancements/tree/master/keps/sig-api-machinery/4006-transition-spdy-to-websockets)
#[derive(RuleMetadata)]
#[rule(
    code = "RB003",
    name = "rbac-pod-exec",
    severity = "high",
    mitre = "T1609",
    nsa = "authorization"
)]
pub struct RbacPodExec;

/// A way into a pod: subresource, verbs in order of preference, severity per verb.
struct Target {
    resource: &'static str,
    verbs: &'static [(&'static str, Severity)],
}

const TARGETS: &[Target] = &[
    Target {
        resource: "pods/exec",
        verbs: &[("create", Severity::High), ("get", Severity::Medium)],
    },
    Target {
        resource: "pods/attach",
        verbs: &[("create", Severity::High), ("get", Severity::Medium)],
    },
    Target {
        resource: "pods/portforward",
        verbs: &[("create", Severity::Medium), ("get", Severity::Medium)],
    },
    Target {
        resource: "pods/ephemeralcontainers",
        verbs: &[("update", Severity::High), ("patch", Severity::High)],
    },
];

struct Hit<'a> {
    resource_item: Item<'a>,
    resource: &'static str,
    verb: &'static str,
    verb_item: Item<'a>,
    severity: Severity,
}

impl ObjectRule for RbacPodExec {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        let Some((scope, rules)) = role_rules(cx) else {
            return;
        };
        for rule in &rules {
            let hits: Vec<Hit<'_>> = TARGETS
                .iter()
                .filter_map(|target| {
                    target.verbs.iter().find_map(|(verb, severity)| {
                        let grant = rule.grants("", target.resource, verb)?;
                        Some(Hit {
                            resource_item: grant.resource,
                            resource: target.resource,
                            verb,
                            verb_item: grant.verb,
                            severity: *severity,
                        })
                    })
                })
                .collect();
            // One finding per item of `resources` (`*` covers several subresources).
            let mut items: Vec<Item<'_>> = hits.iter().map(|h| h.resource_item).collect();
            items.sort_unstable();
            items.dedup();
            for item in items {
                let group: Vec<&Hit<'_>> =
                    hits.iter().filter(|h| h.resource_item == item).collect();
                let Some(mut severity) = group.iter().map(|h| h.severity).max() else {
                    continue;
                };
                let granted: Vec<String> = group
                    .iter()
                    .map(|h| format!("`{}` on {}{}", h.verb, h.resource, through(h.verb_item.1)))
                    .collect();
                let mut effects = Vec::new();
                if group.iter().any(|h| {
                    matches!(h.resource, "pods/exec" | "pods/attach") && h.verb == "create"
                }) {
                    effects.push("the holder runs commands in the pods' containers, with their service account tokens and mounted Secrets");
                }
                if group
                    .iter()
                    .any(|h| h.resource == "pods/ephemeralcontainers")
                {
                    effects.push("adds a container of the holder's choosing to running pods");
                }
                if group
                    .iter()
                    .any(|h| matches!(h.resource, "pods/exec" | "pods/attach") && h.verb == "get")
                {
                    effects.push("`get` is enough for exec over WebSockets before Kubernetes 1.35 (or with the AuthorizePodWebsocketUpgradeCreatePermission gate off)");
                }
                if group.iter().any(|h| h.resource == "pods/portforward") {
                    effects.push(
                        "port-forwarding reaches every port of the pods, bypassing NetworkPolicies",
                    );
                }
                let mut message = format!(
                    "{} allows {}{} {}: {}",
                    rule.label(),
                    granted.join(", "),
                    through(item.1),
                    scope.reach(),
                    effects.join("; ")
                );
                if rule.restricted_by_name() {
                    severity = lower(severity);
                    message.push_str(&format!(" ({})", rule.names_note()));
                }
                out.push(Violation {
                    severity: Some(severity).filter(|s| *s != Self::META.severity),
                    ..Violation::new(rule.pointer("resources", item.0), message)
                });
            }
        }
    }
}
