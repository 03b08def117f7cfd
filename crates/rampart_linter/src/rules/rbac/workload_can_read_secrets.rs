use rampart_macros::RuleMetadata;

use crate::cluster::{ClusterRule, ClusterViolation};
use crate::cluster_rbac::reaches;
use crate::facts::{Grant, ObjectFacts};
use crate::registry::{RuleMeta, RuleMetadata};

/// ## What it does
/// Reports workloads whose service account can read Secrets, following the
/// scanned RoleBindings and ClusterRoleBindings (service account subjects,
/// `system:serviceaccounts` groups) to the Roles and ClusterRoles they
/// reference, each Role rule judged on its own. Workloads that do not mount
/// their token (`automountServiceAccountToken: false`) are left out.
///
/// ## Why is this bad?
/// Whoever compromises the pod gets the token, and with it every Secret the
/// account can read: database passwords, cloud keys, other accounts' tokens.
/// Cluster-wide read (through a ClusterRoleBinding) is reported at critical
/// severity. Operators and some agents need it; name the Secrets with
/// `resourceNames`, or bind per namespace.
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
///       serviceAccountName: web
///       containers:
///       - name: web
///         image: web:1.0
/// ---
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: ClusterRole
/// metadata:
///   name: secret-reader
/// rules:
/// - apiGroups: [""]
///   resources: ["secrets"]
///   verbs: ["get", "list"]
/// ---
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: ClusterRoleBinding
/// metadata:
///   name: web-reads-secrets
/// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}
/// subjects:
/// - kind: ServiceAccount
///   name: web
///   namespace: shop
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
///       serviceAccountName: web
///       automountServiceAccountToken: false
///       containers:
///       - name: web
///         image: web:1.0
/// ```
///
/// ## Fix
/// Remove the binding, or narrow the Role to the Secrets the workload needs (`resourceNames`) in its own namespace; if the workload does not call the API, set `automountServiceAccountToken: false`.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.1.2: minimize access to secrets
/// - MITRE ATT&CK: [T1552.007 Container API](https://attack.mitre.org/techniques/T1552/007/)
/// - [RBAC good practices](https://kubernetes.io/docs/concepts/security/rbac-good-practices/)
#[derive(RuleMetadata)]
#[rule(
    code = "RB010",
    name = "workload-can-read-secrets",
    severity = "high",
    cis = "5.1.2",
    mitre = "T1552.007",
    nsa = "authorization, secrets"
)]
pub struct WorkloadCanReadSecrets;

impl ClusterRule for WorkloadCanReadSecrets {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &[ObjectFacts], out: &mut Vec<ClusterViolation>) {
        report_grant(facts, Grant::ReadSecrets, out);
    }
}

/// One violation per workload holding `grant`, naming every path to it.
pub(crate) fn report_grant(facts: &[ObjectFacts], grant: Grant, out: &mut Vec<ClusterViolation>) {
    let mut by_workload: std::collections::BTreeMap<usize, Vec<(String, bool)>> =
        std::collections::BTreeMap::new();
    for reach in reaches(facts).into_iter().filter(|r| r.grant == grant) {
        by_workload
            .entry(reach.workload)
            .or_default()
            .push((reach.path, reach.cluster_wide));
    }
    for (workload, paths) in by_workload {
        let fact = &facts[workload];
        let cluster_wide = paths.iter().any(|(_, c)| *c);
        let account = match &fact.detail {
            crate::facts::FactDetail::Workload {
                service_account, ..
            } => service_account.as_str(),
            _ => "",
        };
        let via: Vec<&str> = paths.iter().map(|(p, _)| p.as_str()).collect();
        out.push(ClusterViolation {
            object: workload,
            message: format!(
                "{} {} can {}{} through service account \"{account}\": {}",
                fact.kind,
                fact.name,
                grant.describe(),
                if cluster_wide {
                    " in every namespace"
                } else {
                    " in its namespace"
                },
                via.join("; ")
            ),
            severity: cluster_wide.then_some(rampart_diagnostics::Severity::Critical),
        });
    }
}
