use rampart_macros::RuleMetadata;

use super::apiservers;
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports kube-apiserver containers that do not enable the `NodeRestriction`
/// admission plugin: it is missing from `--enable-admission-plugins` (it is
/// not enabled by default), or listed in `--disable-admission-plugins`.
///
/// ## Why is this bad?
/// The `Node` authorizer decides which objects a kubelet may read;
/// `NodeRestriction` limits what it may write: only its own Node object and
/// the pods bound to it, and not the `node-restriction.kubernetes.io/`
/// labels that steer sensitive workloads. Without it, the credentials of one
/// compromised node can relabel other nodes, or its own to attract pods
/// (and their Secrets) meant for trusted nodes.
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
///     - --authorization-mode=Node,RBAC
///     - --enable-admission-plugins=PodSecurity
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
///     - --authorization-mode=Node,RBAC
///     - --enable-admission-plugins=NodeRestriction,PodSecurity
/// ```
///
/// ## Fix
/// Add `NodeRestriction` to `--enable-admission-plugins` (with `Node` in `--authorization-mode`), and keep it out of `--disable-admission-plugins`.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 1.2.14: ensure that the admission control plugin NodeRestriction is set
/// - [NodeRestriction](https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#noderestriction)
#[derive(RuleMetadata)]
#[rule(
    code = "CP006",
    name = "apiserver-node-restriction",
    severity = "medium",
    cis = "1.2.14",
    nsa = "authorization"
)]
pub struct ApiserverNodeRestriction;

impl ObjectRule for ApiserverNodeRestriction {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        for server in apiservers(cx) {
            let mut enabled = server.list("enable-admission-plugins");
            // The deprecated `--admission-control` lists enabled plugins too.
            enabled.extend(server.list("admission-control"));
            let disabled = server.list("disable-admission-plugins");
            let violation = if let Some((_, flag)) =
                disabled.iter().find(|(p, _)| *p == "NodeRestriction")
            {
                Violation::new(
                    flag.pointer.clone(),
                    format!(
                        "{} runs kube-apiserver with NodeRestriction in --disable-admission-plugins: kubelets can modify other nodes and their own protected labels",
                        server.label()
                    ),
                )
            } else if enabled.iter().any(|(p, _)| *p == "NodeRestriction") {
                continue;
            } else {
                let pointer = enabled.first().map_or_else(
                    || server.missing_pointer.clone(),
                    |(_, f)| f.pointer.clone(),
                );
                Violation::new(
                    pointer,
                    format!(
                        "{} runs kube-apiserver without NodeRestriction in --enable-admission-plugins (it is off by default): kubelets can modify other nodes and their own protected labels",
                        server.label()
                    ),
                )
            };
            out.push(violation.in_container(&server.container));
        }
    }
}
