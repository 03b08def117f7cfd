use rampart_macros::RuleMetadata;

use super::{Namespaces, namespace_label};
use crate::cluster::{ClusterRule, ClusterViolation};
use crate::facts::ObjectFacts;
use crate::registry::{RuleMeta, RuleMetadata};

/// ## What it does
/// Reports namespaces that have NetworkPolicies, but none that denies ingress
/// to every pod by default (a policy with an empty `podSelector`, ingress
/// isolation and no ingress rule), judged across every file of the scan.
///
/// ## Why is this bad?
/// Policies that select only some pods leave every other pod open: a new
/// workload, or one whose labels change, accepts traffic from the whole
/// cluster. A default deny makes "open" an explicit decision.
///
/// ## Example
/// ```yaml
/// apiVersion: networking.k8s.io/v1
/// kind: NetworkPolicy
/// metadata:
///   name: allow-web
///   namespace: shop
/// spec:
///   podSelector: {matchLabels: {app: web}}
///   ingress:
///   - from: [{podSelector: {matchLabels: {app: frontend}}}]
/// ---
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: web
///   namespace: shop
///   labels: {app: web}
/// spec:
///   containers:
///   - name: web
///     image: web:1.0
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: networking.k8s.io/v1
/// kind: NetworkPolicy
/// metadata:
///   name: default-deny-ingress
///   namespace: shop
/// spec:
///   podSelector: {}
///   policyTypes: [Ingress]
/// ---
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: web
///   namespace: shop
///   labels: {app: web}
/// spec:
///   containers:
///   - name: web
///     image: web:1.0
/// ```
///
/// ## Fix
/// Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Ingress]` (and no `ingress` rules) to the namespace, then allow what each workload needs.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.3.2: ensure that all namespaces have NetworkPolicies defined
/// - MITRE ATT&CK: [T1046 Network Service Discovery](https://attack.mitre.org/techniques/T1046/)
/// - [Default policies](https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies)
#[derive(RuleMetadata)]
#[rule(
    code = "NP002",
    name = "namespace-without-default-deny",
    severity = "low",
    cis = "5.3.2",
    mitre = "T1046",
    nsa = "network-policies"
)]
pub struct NamespaceWithoutDefaultDeny;

impl ClusterRule for NamespaceWithoutDefaultDeny {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &[ObjectFacts], out: &mut Vec<ClusterViolation>) {
        let view = Namespaces::of(facts);
        let cluster_default_deny = view
            .cluster_wide
            .iter()
            .any(|p| p.selects_all && p.denies_all_ingress);
        if cluster_default_deny {
            return;
        }
        for (name, namespace) in &view.by_name {
            let Some(&first) = namespace.workloads.first() else {
                continue;
            };
            // NP001 reports namespaces without any policy.
            if namespace.policies.is_empty() && view.cluster_wide.is_empty() {
                continue;
            }
            let has_default_deny = namespace
                .policies
                .iter()
                .any(|p| p.selects_all && p.denies_all_ingress);
            if !has_default_deny {
                out.push(ClusterViolation {
                    object: namespace.namespace_object.unwrap_or(first),
                    message: format!(
                        "{} has NetworkPolicies but no default deny for ingress",
                        namespace_label(name)
                    ),
                    severity: None,
                });
            }
        }
    }
}
