use rampart_macros::RuleMetadata;

use super::{Scope, quoted, role_rules, through};
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports each entry of a ClusterRole's `rules` that allows a verb on
/// `nodes/proxy` in the core API group (also through `*` or `*/proxy`):
/// `get`, `create`, `update`, `patch`, `delete` or `*`. Proxy requests always
/// name a node, so `list`, `watch` and `deletecollection` never apply.
///
/// ## Why is this bad?
/// `nodes/proxy` forwards requests to the kubelet API of every node: its
/// `/exec`, `/run`, `/attach` and `/portForward` endpoints run commands in
/// any pod on the node, and `/pods`, `/logs` and `/configz` read what runs
/// there. `get` is enough: the kubelet's WebSocket exec is a `GET`, and the
/// API server's `create` check for `pods/exec` (Kubernetes 1.35) does not
/// cover `nodes/proxy`. Such commands skip the `pods/exec` authorization,
/// admission webhooks and audit rules written for exec.
///
/// Monitoring agents have asked for `nodes/proxy` to scrape kubelet metrics;
/// `nodes/metrics`, `nodes/stats` (and, with fine-grained kubelet
/// authorization, `nodes/pods`, `nodes/healthz`) give them that without exec.
/// A `resourceNames` restriction does not lower the severity: every pod on
/// the named nodes is still reachable. Nodes are cluster-scoped, so the rule
/// does not apply to namespaced Roles, whose rules never match them.
///
/// ## Example
/// ```yaml
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: ClusterRole
/// metadata:
///   name: metrics-scraper
/// rules:
/// - apiGroups: [""]
///   resources: ["nodes", "nodes/proxy"]
///   verbs: ["get", "list", "watch"]
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: ClusterRole
/// metadata:
///   name: metrics-scraper
/// rules:
/// - apiGroups: [""]
///   resources: ["nodes", "nodes/metrics", "nodes/stats"]
///   verbs: ["get", "list", "watch"]
/// ```
///
/// ## Fix
/// Replace `nodes/proxy` with the kubelet subresources the workload reads, such as `nodes/metrics` and `nodes/stats`.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.1.10: minimize access to the proxy sub-resource of nodes
/// - MITRE ATT&CK: [T1609 Container Administration Command](https://attack.mitre.org/techniques/T1609/)
/// - [Kubelet authentication and authorization](https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/)
#[derive(RuleMetadata)]
#[rule(
    code = "RB004",
    name = "rbac-nodes-proxy",
    severity = "high",
    cis = "5.1.10",
    mitre = "T1609",
    nsa = "authorization"
)]
pub struct RbacNodesProxy;

/// Verbs of proxy requests: GET, POST, PUT, PATCH, DELETE (and `*`).
const PROXY_VERBS: &[&str] = &["get", "create", "update", "patch", "delete", "*"];

impl ObjectRule for RbacNodesProxy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        let Some((Scope::Cluster, rules)) = role_rules(cx) else {
            return;
        };
        for rule in &rules {
            if !rule.matches_group("") {
                continue;
            }
            let Some(item) = rule.matching_resource("nodes/proxy") else {
                continue;
            };
            // Proxy requests name a node, so only the verbs of HTTP methods
            // on a named object apply (never list, watch, deletecollection).
            let verbs: Vec<&str> = rule
                .verbs
                .iter()
                .map(|(_, v)| *v)
                .filter(|v| PROXY_VERBS.contains(v))
                .collect();
            if verbs.is_empty() {
                continue;
            }
            let exec =
                rule.matching_verb("get").is_some() || rule.matching_verb("create").is_some();
            let mut message = format!(
                "{} allows {} on nodes/proxy{}: the holder reaches every node's kubelet API",
                rule.label(),
                quoted(&verbs),
                through(item.1)
            );
            if exec {
                message.push_str(", whose /exec and /run endpoints run commands in any pod on the node without the pods/exec check");
            }
            if rule.restricted_by_name() {
                message.push_str(&format!(" ({})", rule.names_note()));
            }
            out.push(Violation::new(rule.pointer("resources", item.0), message));
        }
    }
}
