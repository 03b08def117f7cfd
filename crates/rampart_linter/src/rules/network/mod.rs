//! Network rules: NetworkPolicy coverage per namespace, the cloud metadata
//! service, and Service exposure. NetworkPolicy semantics (selectors,
//! policyTypes, ipBlock except; Calico and Cilium policies) are in
//! [`crate::facts`].

mod metadata_egress_not_blocked;
mod namespace_without_default_deny;
mod namespace_without_network_policy;
mod service_exposed;

pub use metadata_egress_not_blocked::MetadataEgressNotBlocked;
pub use namespace_without_default_deny::NamespaceWithoutDefaultDeny;
pub use namespace_without_network_policy::NamespaceWithoutNetworkPolicy;
pub use service_exposed::ServiceExposed;

use std::collections::BTreeMap;

use crate::cluster::ClusterRule;
use crate::facts::{FactDetail, NetworkPolicyFacts, ObjectFacts};
use crate::rule::ObjectRule;

/// The per-object rules of this family.
pub static RULES: &[&dyn ObjectRule] = &[&ServiceExposed];

/// The cross-object rules of this family, in code order.
pub static CLUSTER_RULES: &[&dyn ClusterRule] = &[
    &NamespaceWithoutNetworkPolicy,
    &NamespaceWithoutDefaultDeny,
    &MetadataEgressNotBlocked,
];

/// Workloads, namespaces and policies grouped by namespace.
#[derive(Default)]
pub(crate) struct Namespaces<'a> {
    pub by_name: BTreeMap<&'a str, NamespaceView<'a>>,
    pub cluster_wide: Vec<&'a NetworkPolicyFacts>,
}

#[derive(Default)]
pub(crate) struct NamespaceView<'a> {
    /// The Namespace object, when it was scanned.
    pub namespace_object: Option<usize>,
    pub workloads: Vec<usize>,
    pub policies: Vec<&'a NetworkPolicyFacts>,
}

impl<'a> Namespaces<'a> {
    pub fn of(facts: &'a [ObjectFacts]) -> Self {
        let mut view = Namespaces::default();
        for (index, fact) in facts.iter().enumerate() {
            match &fact.detail {
                FactDetail::Workload { .. } => view
                    .by_name
                    .entry(fact.namespace.as_str())
                    .or_default()
                    .workloads
                    .push(index),
                FactDetail::NetworkPolicy(policy) if policy.cluster_wide => {
                    view.cluster_wide.push(policy)
                }
                FactDetail::NetworkPolicy(policy) => view
                    .by_name
                    .entry(fact.namespace.as_str())
                    .or_default()
                    .policies
                    .push(policy),
                FactDetail::Namespace => {
                    view.by_name
                        .entry(fact.name.as_str())
                        .or_default()
                        .namespace_object = Some(index)
                }
                FactDetail::Other | FactDetail::Role { .. } | FactDetail::Binding(_) => {}
            }
        }
        view
    }
}

/// How a namespace is named in messages (`""`: the one `kubectl -n` picks).
pub(crate) fn namespace_label(name: &str) -> String {
    if name.is_empty() {
        "the namespace these manifests are applied to".to_string()
    } else {
        format!("namespace \"{name}\"")
    }
}
