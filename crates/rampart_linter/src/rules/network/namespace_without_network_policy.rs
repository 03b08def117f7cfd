use rampart_macros::RuleMetadata;

use super::{Namespaces, namespace_label};
use crate::cluster::{ClusterRule, ClusterViolation};
use crate::facts::ObjectFacts;
use crate::registry::{RuleMeta, RuleMetadata};

/// ## What it does
/// Reports namespaces that run workloads but have no NetworkPolicy at all
/// (Kubernetes `NetworkPolicy`, Calico `NetworkPolicy`/`GlobalNetworkPolicy`,
/// Cilium `CiliumNetworkPolicy`/`CiliumClusterwideNetworkPolicy`), judged
/// across every file of the scan.
///
/// ## Why is this bad?
/// Without a policy every pod accepts traffic from every other pod in the
/// cluster and can reach anything: one compromised pod can scan and attack
/// the rest (lateral movement). The finding sits on the Namespace object when
/// it was scanned, else on the first workload of the namespace. Scan the
/// whole application (all its manifests) at once, or the policies in other
/// files are not seen.
///
/// ## Example
/// ```yaml
/// apiVersion: apps/v1
/// kind: Deployment
/// metadata:
///   name: web
///   namespace: shop
/// spec:
///   selector: {matchLabels: {app: web}}
///   template:
///     metadata: {labels: {app: web}}
///     spec:
///       containers:
///       - name: web
///         image: web:1.0
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: apps/v1
/// kind: Deployment
/// metadata:
///   name: web
///   namespace: shop
/// spec:
///   selector: {matchLabels: {app: web}}
///   template:
///     metadata: {labels: {app: web}}
///     spec:
///       containers:
///       - name: web
///         image: web:1.0
/// ---
/// apiVersion: networking.k8s.io/v1
/// kind: NetworkPolicy
/// metadata:
///   name: default-deny
///   namespace: shop
/// spec:
///   podSelector: {}
///   policyTypes: [Ingress, Egress]
/// ```
///
/// ## Fix
/// Add a default-deny NetworkPolicy to the namespace and allow the traffic each workload needs. The CNI must enforce NetworkPolicies (Calico, Cilium, and most managed clusters with the option on).
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.3.2: ensure that all namespaces have NetworkPolicies defined
/// - MITRE ATT&CK: [T1046 Network Service Discovery](https://attack.mitre.org/techniques/T1046/)
/// - [Network Policies](https://kubernetes.io/docs/concepts/services-networking/network-policies/)
#[derive(RuleMetadata)]
#[rule(
    code = "NP001",
    name = "namespace-without-network-policy",
    severity = "medium",
    cis = "5.3.2",
    mitre = "T1046",
    nsa = "network-policies"
)]
pub struct NamespaceWithoutNetworkPolicy;

impl ClusterRule for NamespaceWithoutNetworkPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &[ObjectFacts], out: &mut Vec<ClusterViolation>) {
        let view = Namespaces::of(facts);
        if !view.cluster_wide.is_empty() {
            return;
        }
        for (name, namespace) in &view.by_name {
            let Some(&first) = namespace.workloads.first() else {
                continue;
            };
            if !namespace.policies.is_empty() {
                continue;
            }
            let count = namespace.workloads.len();
            out.push(ClusterViolation {
                object: namespace.namespace_object.unwrap_or(first),
                message: format!(
                    "{} runs {count} workload{} but has no NetworkPolicy",
                    namespace_label(name),
                    if count == 1 { "" } else { "s" }
                ),
                severity: None,
            });
        }
    }
}
