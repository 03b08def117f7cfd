use rampart_macros::RuleMetadata;

use super::apiservers;
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports kube-apiserver containers that do not record an audit log: no
/// `--audit-policy-file` (without a policy nothing is audited), or no
/// backend to write to (neither `--audit-log-path` nor
/// `--audit-webhook-config-file`).
///
/// ## Why is this bad?
/// The audit log is the only record of who did what through the API: which
/// identity read a Secret, exec'd into a pod or created a ClusterRoleBinding.
/// Without it, an intrusion leaves no trace to detect or investigate, and
/// rules written for audit events (Falco's k8saudit, Sigma) see nothing.
///
/// A webhook backend (`--audit-webhook-config-file`) counts as a backend:
/// the CIS recommendation names the log file, but events sent to a collector
/// serve the same purpose. `--audit-log-path=-` writes to standard output,
/// which also counts.
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: kube-apiserver
///   namespace: kube-system
/// spec:
///   containers:
///   - name: kube-apiserver
///     image: registry.k8s.io/kube-apiserver:v1.31.0
///     command:
///     - kube-apiserver
///     - --audit-log-path=/var/log/kubernetes/audit.log
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: kube-apiserver
///   namespace: kube-system
/// spec:
///   containers:
///   - name: kube-apiserver
///     image: registry.k8s.io/kube-apiserver:v1.31.0
///     command:
///     - kube-apiserver
///     - --audit-policy-file=/etc/kubernetes/audit-policy.yaml
///     - --audit-log-path=/var/log/kubernetes/audit.log
///     - --audit-log-maxage=30
/// ```
///
/// ## Fix
/// Pass an audit policy with `--audit-policy-file` and a backend with `--audit-log-path` (or `--audit-webhook-config-file`), and keep the log for at least 30 days.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 1.2.16: ensure that the `--audit-log-path` argument is set (3.2.1: ensure that a minimal audit policy is created)
/// - [Auditing](https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/)
#[derive(RuleMetadata)]
#[rule(
    code = "CP004",
    name = "apiserver-audit-logging",
    severity = "medium",
    cis = "1.2.16",
    nsa = "audit-logging"
)]
pub struct ApiserverAuditLogging;

impl ObjectRule for ApiserverAuditLogging {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        for server in apiservers(cx) {
            let policy = server.is_set("audit-policy-file");
            let backend =
                server.is_set("audit-log-path") || server.is_set("audit-webhook-config-file");
            let problem = match (policy, backend) {
                (true, true) => continue,
                (false, true) => "no --audit-policy-file, so nothing is audited",
                (true, false) => {
                    "an audit policy but no --audit-log-path or --audit-webhook-config-file to write events to"
                }
                (false, false) => {
                    "no --audit-policy-file and no --audit-log-path: nothing is audited"
                }
            };
            out.push(
                Violation::new(
                    server.missing_pointer.clone(),
                    format!("{} runs kube-apiserver with {problem}", server.label()),
                )
                .in_container(&server.container),
            );
        }
    }
}
