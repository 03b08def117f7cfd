//! The cross-object RBAC view: which workloads, through their service
//! account's bindings, hold a given power.

use std::collections::HashMap;

use crate::facts::{FactDetail, Grant, ObjectFacts};

/// One way a workload holds `grant`: through `binding` to `role`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach {
    pub workload: usize,
    pub grant: Grant,
    /// `ClusterRoleBinding crb-name → ClusterRole role-name`.
    pub path: String,
    /// Cluster-wide (through a ClusterRoleBinding) or in the binding's namespace.
    pub cluster_wide: bool,
}

/// Every (workload, grant) reachable through the scanned bindings. Workloads
/// whose token is not mounted are left out: they cannot use the account.
/// Bindings are indexed by subject and roles by name, so the join is linear.
pub fn reaches(facts: &[ObjectFacts]) -> Vec<Reach> {
    let mut roles: HashMap<(&str, &str, &str), &[Grant]> = HashMap::new();
    let mut by_account: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    let mut by_group: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, fact) in facts.iter().enumerate() {
        match &fact.detail {
            FactDetail::Role { cluster, grants } if !grants.is_empty() => {
                let (kind, namespace) = if *cluster {
                    ("ClusterRole", "")
                } else {
                    ("Role", fact.namespace.as_str())
                };
                roles.insert((kind, namespace, fact.name.as_str()), grants);
            }
            FactDetail::Binding(binding) => {
                for (kind, name, namespace) in &binding.subjects {
                    match kind.as_str() {
                        "ServiceAccount" => {
                            let namespace = if namespace.is_empty() {
                                fact.namespace.as_str()
                            } else {
                                namespace.as_str()
                            };
                            by_account
                                .entry((namespace, name.as_str()))
                                .or_default()
                                .push(index);
                        }
                        "Group" => by_group.entry(name.as_str()).or_default().push(index),
                        "User" => {
                            // system:serviceaccount:<namespace>:<name>
                            if let Some(rest) = name.strip_prefix("system:serviceaccount:")
                                && let Some((namespace, account)) = rest.split_once(':')
                            {
                                by_account
                                    .entry((namespace, account))
                                    .or_default()
                                    .push(index);
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if roles.is_empty() {
        return out;
    }
    for (index, workload) in facts.iter().enumerate() {
        let FactDetail::Workload {
            service_account,
            token_mounted: true,
            ..
        } = &workload.detail
        else {
            continue;
        };
        let namespace = workload.namespace.as_str();
        let namespace_group = format!("system:serviceaccounts:{namespace}");
        let groups = [
            "system:serviceaccounts",
            "system:authenticated",
            namespace_group.as_str(),
        ];
        let mut bindings: Vec<usize> = by_account
            .get(&(namespace, service_account.as_str()))
            .into_iter()
            .flatten()
            .chain(groups.iter().filter_map(|g| by_group.get(g)).flatten())
            .copied()
            .collect();
        bindings.sort_unstable();
        bindings.dedup();
        for binding_index in bindings {
            let binding_fact = &facts[binding_index];
            let FactDetail::Binding(binding) = &binding_fact.detail else {
                continue;
            };
            // A RoleBinding only grants in its own namespace.
            if !binding.cluster && binding_fact.namespace != workload.namespace {
                continue;
            }
            let role_namespace = if binding.role_kind == "Role" {
                binding_fact.namespace.as_str()
            } else {
                ""
            };
            let key = (
                binding.role_kind.as_str(),
                role_namespace,
                binding.role_name.as_str(),
            );
            let Some(grants) = roles.get(&key) else {
                continue;
            };
            for grant in grants.iter() {
                out.push(Reach {
                    workload: index,
                    grant: *grant,
                    path: format!(
                        "{} {} → {} {}",
                        binding_fact.kind, binding_fact.name, binding.role_kind, binding.role_name
                    ),
                    cluster_wide: binding.cluster,
                });
            }
        }
    }
    out
}
