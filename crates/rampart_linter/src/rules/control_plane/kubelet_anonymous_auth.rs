use rampart_macros::RuleMetadata;
use serde_json::Value;

use super::is_kind;
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports a `KubeletConfiguration` (`kubelet.config.k8s.io`) that sets
/// `authentication.anonymous.enabled: true`.
///
/// ## Why is this bad?
/// With anonymous authentication on, the kubelet's API (port 10250) serves
/// requests without credentials as `system:anonymous`. If authorization is
/// `AlwaysAllow` (CP009) that is remote code execution in every pod of the
/// node through `/exec` and `/run`; with `Webhook` it still depends on no
/// binding ever granting `nodes/proxy` to anonymous users.
///
/// In the configuration file the default is `false` (since Kubernetes 1.10),
/// so only an explicit `true` is reported; the `--anonymous-auth` command-line
/// flag, whose default is `true`, overrides the file when it is passed, and is
/// not visible here.
///
/// ## Example
/// ```yaml
/// apiVersion: kubelet.config.k8s.io/v1beta1
/// kind: KubeletConfiguration
/// authentication:
///   anonymous:
///     enabled: true
///   webhook:
///     enabled: true
/// authorization:
///   mode: Webhook
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: kubelet.config.k8s.io/v1beta1
/// kind: KubeletConfiguration
/// authentication:
///   anonymous:
///     enabled: false
///   webhook:
///     enabled: true
/// authorization:
///   mode: Webhook
/// ```
///
/// ## Fix
/// Set `authentication.anonymous.enabled: false` (and do not pass `--anonymous-auth=true` to the kubelet).
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 4.2.1: ensure that the `--anonymous-auth` argument is set to false
/// - MITRE ATT&CK: [T1609 Container Administration Command](https://attack.mitre.org/techniques/T1609/)
/// - [Kubelet authentication](https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/#kubelet-authentication)
#[derive(RuleMetadata)]
#[rule(
    code = "CP008",
    name = "kubelet-anonymous-auth",
    severity = "high",
    cis = "4.2.1",
    mitre = "T1609",
    nsa = "authorization"
)]
pub struct KubeletAnonymousAuth;

impl ObjectRule for KubeletAnonymousAuth {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        if !is_kind(cx, "kubelet.config.k8s.io", "KubeletConfiguration") {
            return;
        }
        let pointer = "/authentication/anonymous/enabled";
        if cx.value().pointer(pointer).and_then(Value::as_bool) == Some(true) {
            out.push(Violation::new(
                pointer,
                "the kubelet serves requests without credentials on its API (port 10250) as system:anonymous",
            ));
        }
    }
}
