use rampart_macros::RuleMetadata;
use serde_json::Value;

use super::is_kind;
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports a `KubeletConfiguration` (`kubelet.config.k8s.io`) that sets
/// `authorization.mode: AlwaysAllow`.
///
/// ## Why is this bad?
/// With `AlwaysAllow` the kubelet does not ask the API server whether a
/// caller may use its API: any authenticated caller (and every anonymous one
/// if CP008 applies) can run commands in every pod of the node through
/// `/exec` and `/run`, read its logs and list its pods. `Webhook` delegates
/// each request to the API server's RBAC (`nodes/proxy`, `nodes/stats`...).
///
/// In the configuration file the default is `Webhook` (since Kubernetes
/// 1.10), so a missing mode is not reported; the `--authorization-mode`
/// command-line flag, whose default is `AlwaysAllow`, overrides the file when
/// it is passed, and is not visible here.
///
/// ## Example
/// ```yaml
/// apiVersion: kubelet.config.k8s.io/v1beta1
/// kind: KubeletConfiguration
/// authentication:
///   anonymous:
///     enabled: false
/// authorization:
///   mode: AlwaysAllow
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
/// Set `authorization.mode: Webhook` with `authentication.webhook.enabled: true`, so the API server authorizes each call to the kubelet.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 4.2.2: ensure that the `--authorization-mode` argument is not set to AlwaysAllow
/// - MITRE ATT&CK: [T1609 Container Administration Command](https://attack.mitre.org/techniques/T1609/)
/// - [Kubelet authorization](https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/#kubelet-authorization)
#[derive(RuleMetadata)]
#[rule(
    code = "CP009",
    name = "kubelet-authorization-mode",
    severity = "high",
    cis = "4.2.2",
    mitre = "T1609",
    nsa = "authorization"
)]
pub struct KubeletAuthorizationMode;

impl ObjectRule for KubeletAuthorizationMode {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        if !is_kind(cx, "kubelet.config.k8s.io", "KubeletConfiguration") {
            return;
        }
        let pointer = "/authorization/mode";
        if cx.value().pointer(pointer).and_then(Value::as_str) == Some("AlwaysAllow") {
            out.push(Violation::new(
                pointer,
                "the kubelet allows every authenticated request to its API without asking the API server, exec in any pod of the node included",
            ));
        }
    }
}
