//! The cross-object RBAC view: which workloads, through their service
//! account's bindings, hold a given power.

use crate::facts::{BindingFacts, FactDetail, Grant, ObjectFacts};

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
pub fn reaches(facts: &[ObjectFacts]) -> Vec<Reach> {
    let mut out = Vec::new();
    for (index, workload) in facts.iter().enumerate() {
        let FactDetail::Workload {
            service_account,
            token_mounted: true,
            ..
        } = &workload.detail
        else {
            continue;
        };
        for binding_fact in facts.iter() {
            let FactDetail::Binding(binding) = &binding_fact.detail else {
                continue;
            };
            // A RoleBinding only grants in its own namespace.
            if !binding.cluster && binding_fact.namespace != workload.namespace {
                continue;
            }
            if !binds(
                binding,
                &binding_fact.namespace,
                service_account,
                &workload.namespace,
            ) {
                continue;
            }
            for role in facts.iter() {
                let FactDetail::Role { cluster, grants } = &role.detail else {
                    continue;
                };
                let matches_role = role.name == binding.role_name
                    && binding.role_kind == if *cluster { "ClusterRole" } else { "Role" }
                    && (*cluster || role.namespace == binding_fact.namespace);
                if !matches_role {
                    continue;
                }
                for grant in grants {
                    out.push(Reach {
                        workload: index,
                        grant: *grant,
                        path: format!(
                            "{} {} → {} {}",
                            binding_fact.kind, binding_fact.name, binding.role_kind, role.name
                        ),
                        cluster_wide: binding.cluster,
                    });
                }
            }
        }
    }
    out
}

/// Whether `binding` (in `binding_namespace`) names service account `name` of `namespace`.
fn binds(binding: &BindingFacts, binding_namespace: &str, name: &str, namespace: &str) -> bool {
    binding
        .subjects
        .iter()
        .any(|(kind, subject, subject_namespace)| match kind.as_str() {
            "ServiceAccount" => {
                let subject_namespace = if subject_namespace.is_empty() {
                    binding_namespace
                } else {
                    subject_namespace.as_str()
                };
                subject == name && subject_namespace == namespace
            }
            "Group" => {
                subject == "system:serviceaccounts"
                    || subject == "system:authenticated"
                    || *subject == format!("system:serviceaccounts:{namespace}")
            }
            "User" => *subject == format!("system:serviceaccount:{namespace}:{name}"),
            _ => false,
        })
}
