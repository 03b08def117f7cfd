use std::collections::HashMap;

use rampart_macros::RuleMetadata;

use crate::cluster::{ClusterRule, ClusterViolation};
use crate::facts::{FactDetail, NetworkPolicyFacts, ObjectFacts};
use crate::registry::{RuleMeta, RuleMetadata};

/// ## What it does
/// Reports workloads whose pods can reach the cloud metadata service
/// (`169.254.169.254`, and AWS's `fd00:ec2::254`): no NetworkPolicy
/// (Kubernetes, Calico or Cilium) that selects them isolates their egress
/// without allowing that address, and none denies it explicitly. Pods on the
/// host network are reported too: NetworkPolicies do not apply to them.
///
/// ## Why is this bad?
/// The metadata service hands out the node's cloud credentials (the instance
/// role) to anyone who asks from the node's network. A compromised pod that
/// reaches it can act as the node in the cloud account: the path behind many
/// cloud breaches. Kubernetes semantics decide: an egress rule without `to`
/// allows everything; an `ipBlock` of `0.0.0.0/0` allows the metadata address
/// unless an `except` removes it; pod and namespace selectors do not reach it.
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
///   name: egress-without-metadata
///   namespace: shop
/// spec:
///   podSelector: {}
///   policyTypes: [Egress]
///   egress:
///   - to:
///     - ipBlock:
///         cidr: 0.0.0.0/0
///         except: [169.254.169.254/32]
/// ```
///
/// ## Fix
/// Add an egress NetworkPolicy whose `ipBlock` excepts `169.254.169.254/32`, or a Calico or Cilium policy that denies it; on AWS also require IMDSv2 with a hop limit of 1.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.3.2: ensure that all namespaces have NetworkPolicies defined
/// - MITRE ATT&CK: [T1552.005 Cloud Instance Metadata API](https://attack.mitre.org/techniques/T1552/005/)
/// - [Restricting access to the metadata API](https://kubernetes.io/docs/tasks/administer-cluster/securing-a-cluster/#restricting-cloud-metadata-api-access)
#[derive(RuleMetadata)]
#[rule(
    code = "NP003",
    name = "metadata-egress-not-blocked",
    severity = "medium",
    cis = "5.3.2",
    mitre = "T1552.005",
    nsa = "network-policies, cloud-infrastructure"
)]
pub struct MetadataEgressNotBlocked;

impl ClusterRule for MetadataEgressNotBlocked {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &[ObjectFacts], out: &mut Vec<ClusterViolation>) {
        // Policies indexed by namespace; cluster-wide ones apply everywhere.
        let mut by_namespace: HashMap<&str, Vec<&NetworkPolicyFacts>> = HashMap::new();
        let mut cluster_wide: Vec<&NetworkPolicyFacts> = Vec::new();
        for fact in facts {
            if let FactDetail::NetworkPolicy(policy) = &fact.detail {
                if policy.cluster_wide {
                    cluster_wide.push(policy);
                } else {
                    by_namespace
                        .entry(fact.namespace.as_str())
                        .or_default()
                        .push(policy);
                }
            }
        }
        for (index, fact) in facts.iter().enumerate() {
            let FactDetail::Workload {
                pod_labels,
                host_network,
                ..
            } = &fact.detail
            else {
                continue;
            };
            if *host_network {
                out.push(ClusterViolation {
                    object: index,
                    message: format!(
                        "{} {} uses the host network, where NetworkPolicies do not apply: its pods can reach the cloud metadata service",
                        fact.kind, fact.name
                    ),
                    severity: None,
                });
                continue;
            }
            let selecting: Vec<&NetworkPolicyFacts> = by_namespace
                .get(fact.namespace.as_str())
                .into_iter()
                .flatten()
                .chain(cluster_wide.iter())
                .filter(|p| p.selects(pod_labels))
                .copied()
                .collect();
            let denied = selecting.iter().any(|p| p.denies_metadata);
            let isolated = selecting.iter().any(|p| p.isolates_egress);
            let allowed = selecting
                .iter()
                .any(|p| p.isolates_egress && p.allows_metadata);
            if denied || (isolated && !allowed) {
                continue;
            }
            let why = if isolated {
                "an egress policy allows 169.254.169.254"
            } else {
                "no NetworkPolicy restricts its egress"
            };
            out.push(ClusterViolation {
                object: index,
                message: format!(
                    "{} {} can reach the cloud metadata service: {why}",
                    fact.kind, fact.name
                ),
                severity: None,
            });
        }
    }
}
