use rampart_diagnostics::Severity;
use rampart_macros::RuleMetadata;

use super::apiservers;
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports kube-apiserver containers whose `--authorization-mode` is missing
/// (the default is `AlwaysAllow`), includes `AlwaysAllow` (critical), lacks
/// `RBAC` (high) or lacks `Node` (medium).
///
/// ## Why is this bad?
/// `AlwaysAllow` lets every authenticated request, and every anonymous one
/// when anonymous authentication is on, do anything: wherever it appears in
/// the list, it allows what the authorizers before it only declined. Without
/// `RBAC`, Roles and bindings have no effect. Without `Node`, each kubelet's
/// credentials read every Secret and pod of the cluster instead of those of
/// its own node, so one compromised node exposes all of them (the
/// NodeRestriction admission plugin, CP006, completes it).
///
/// An `--authorization-config` file (structured authorization, Kubernetes
/// 1.30 and later) replaces the flag; the rule is silent when it is set.
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
///     - --authorization-mode=RBAC,AlwaysAllow
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
/// ```
///
/// ## Fix
/// Set `--authorization-mode=Node,RBAC` (add `Webhook` if an external authorizer is used) and never `AlwaysAllow`.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 1.2.6: ensure that the `--authorization-mode` argument is not set to AlwaysAllow;
///   1.2.7: includes Node; 1.2.8: includes RBAC
/// - MITRE ATT&CK: [T1078 Valid Accounts](https://attack.mitre.org/techniques/T1078/)
/// - [Authorization modes](https://kubernetes.io/docs/reference/access-authn-authz/authorization/#authorization-modules)
#[derive(RuleMetadata)]
#[rule(
    code = "CP002",
    name = "apiserver-authorization-mode",
    severity = "high",
    cis = "1.2.6, 1.2.7, 1.2.8",
    mitre = "T1078",
    nsa = "authorization"
)]
pub struct ApiserverAuthorizationMode;

impl ObjectRule for ApiserverAuthorizationMode {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        for server in apiservers(cx) {
            if server.has("authorization-config") {
                continue;
            }
            let modes = server.list("authorization-mode");
            let Some((_, first)) = modes.first() else {
                out.push(
                    Violation {
                        severity: Some(Severity::Critical),
                        ..Violation::new(
                            server.missing_pointer.clone(),
                            format!(
                                "{} runs kube-apiserver without --authorization-mode: the default, AlwaysAllow, allows every request",
                                server.label()
                            ),
                        )
                    }
                    .in_container(&server.container),
                );
                continue;
            };
            let has = |mode: &str| modes.iter().any(|(m, _)| *m == mode);
            if let Some((_, flag)) = modes.iter().find(|(m, _)| *m == "AlwaysAllow") {
                out.push(
                    Violation {
                        severity: Some(Severity::Critical),
                        ..Violation::new(
                            flag.pointer.clone(),
                            format!(
                                "{} runs kube-apiserver with AlwaysAllow in --authorization-mode: every request the other authorizers do not allow is allowed",
                                server.label()
                            ),
                        )
                    }
                    .in_container(&server.container),
                );
            }
            if !has("RBAC") {
                out.push(
                    Violation::new(
                        first.pointer.clone(),
                        format!(
                            "{} runs kube-apiserver without RBAC in --authorization-mode: Roles and bindings have no effect",
                            server.label()
                        ),
                    )
                    .in_container(&server.container),
                );
            }
            if !has("Node") {
                out.push(
                    Violation {
                        severity: Some(Severity::Medium),
                        ..Violation::new(
                            first.pointer.clone(),
                            format!(
                                "{} runs kube-apiserver without Node in --authorization-mode: kubelets are not limited to their own node's pods and Secrets",
                                server.label()
                            ),
                        )
                    }
                    .in_container(&server.container),
                );
            }
        }
    }
}
