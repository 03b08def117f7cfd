use rampart_macros::RuleMetadata;
use serde_json::Value;

use super::is_kind;
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports a `KubeletConfiguration` (`kubelet.config.k8s.io`) that sets
/// `readOnlyPort` to a port other than `0`.
///
/// ## Why is this bad?
/// The read-only port (traditionally 10255) serves part of the kubelet API
/// over plain HTTP with no authentication and no authorization: `/pods`
/// lists every pod of the node with its full spec, environment variables
/// included (where Secrets often end up), and `/metrics` and `/stats` map
/// the node. Anyone who reaches the node's network reads it.
///
/// In the configuration file the default is `0` (off, since Kubernetes
/// 1.10), so only an explicit port is reported. Old metrics collectors
/// (Heapster, early agents) read this port; current ones use the
/// authenticated port 10250 with `nodes/metrics` and `nodes/stats`.
///
/// ## Example
/// ```yaml
/// apiVersion: kubelet.config.k8s.io/v1beta1
/// kind: KubeletConfiguration
/// readOnlyPort: 10255
/// authorization:
///   mode: Webhook
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: kubelet.config.k8s.io/v1beta1
/// kind: KubeletConfiguration
/// readOnlyPort: 0
/// authorization:
///   mode: Webhook
/// ```
///
/// ## Fix
/// Set `readOnlyPort: 0` (or remove it) and move metrics collectors to the authenticated kubelet port 10250.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 4.2.4: verify that the `--read-only-port` argument is set to 0
/// - MITRE ATT&CK: [T1613 Container and Resource Discovery](https://attack.mitre.org/techniques/T1613/)
/// - [KubeletConfiguration](https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/)
#[derive(RuleMetadata)]
#[rule(
    code = "CP010",
    name = "kubelet-read-only-port",
    severity = "medium",
    cis = "4.2.4",
    mitre = "T1613",
    nsa = "control-plane"
)]
pub struct KubeletReadOnlyPort;

impl ObjectRule for KubeletReadOnlyPort {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        if !is_kind(cx, "kubelet.config.k8s.io", "KubeletConfiguration") {
            return;
        }
        let port = match cx.value().get("readOnlyPort") {
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        let Some(port) = port.filter(|p| *p != 0.0) else {
            return;
        };
        out.push(Violation::new(
            "/readOnlyPort",
            format!(
                "the kubelet serves its read-only API on port {port} without authentication: every pod spec of the node, environment included, is readable"
            ),
        ));
    }
}
