use rampart_macros::RuleMetadata;

use super::workload_can_read_secrets::report_grant;
use crate::cluster::{ClusterRule, ClusterViolation};
use crate::facts::{Grant, ObjectFacts};
use crate::registry::{RuleMeta, RuleMetadata};

/// ## What it does
/// Reports workloads whose service account can exec into or attach to pods
/// (`create` or `get` on `pods/exec` or `pods/attach`), following the scanned
/// bindings to their Roles and ClusterRoles, each rule judged on its own.
///
/// ## Why is this bad?
/// Exec runs any command in any pod the account reaches, with that pod's
/// identity and secrets: from one compromised pod to all of them. Through a
/// ClusterRoleBinding it reaches every namespace (critical).
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: debugger
///   namespace: tools
/// spec:
///   serviceAccountName: debugger
///   containers:
///   - name: shell
///     image: tools:1.0
/// ---
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: Role
/// metadata:
///   name: exec
///   namespace: tools
/// rules:
/// - apiGroups: [""]
///   resources: ["pods/exec"]
///   verbs: ["create"]
/// ---
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: RoleBinding
/// metadata:
///   name: debugger-exec
///   namespace: tools
/// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: exec}
/// subjects:
/// - kind: ServiceAccount
///   name: debugger
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: debugger
///   namespace: tools
/// spec:
///   serviceAccountName: debugger
///   containers:
///   - name: shell
///     image: tools:1.0
/// ---
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: Role
/// metadata:
///   name: read-pods
///   namespace: tools
/// rules:
/// - apiGroups: [""]
///   resources: ["pods"]
///   verbs: ["get", "list"]
/// ---
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: RoleBinding
/// metadata:
///   name: debugger-read
///   namespace: tools
/// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: read-pods}
/// subjects:
/// - kind: ServiceAccount
///   name: debugger
/// ```
///
/// ## Fix
/// Remove `pods/exec` and `pods/attach` from the workload's Roles; give exec to people through short-lived, audited access instead of to workloads.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10: no dedicated control; see 5.1.1–5.1.8 on least privilege
/// - MITRE ATT&CK: [T1609 Container Administration Command](https://attack.mitre.org/techniques/T1609/)
/// - [RBAC good practices](https://kubernetes.io/docs/concepts/security/rbac-good-practices/)
#[derive(RuleMetadata)]
#[rule(
    code = "RB011",
    name = "workload-can-exec-pods",
    severity = "high",
    mitre = "T1609",
    nsa = "authorization"
)]
pub struct WorkloadCanExecPods;

impl ClusterRule for WorkloadCanExecPods {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &[ObjectFacts], out: &mut Vec<ClusterViolation>) {
        report_grant(facts, Grant::ExecIntoPods, out);
    }
}
