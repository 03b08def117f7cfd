use rampart_macros::RuleMetadata;
use serde_json::Value;

use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports container ports that open a privileged port (1 to 1023) on the
/// node: `ports[*].hostPort` in that range.
///
/// In a pod with
/// `hostNetwork: true` the API server sets `hostPort` to `containerPort`
/// when it is omitted, so there a `containerPort` below 1024 without
/// `hostPort` is reported too.
///
/// The Pod Security check PSB005 forbids every `hostPort`; this rule singles
/// out the ports that matter most, and still applies where hostPorts are
/// allowed.
///
/// ## Why is this bad?
/// Ports below 1024 are where the node's own services live (SSH 22, DNS 53,
/// HTTP 80 and 443, the kubelet's neighbours) and where other machines
/// expect a trusted, root-started service. A pod binding one of them on the
/// node can shadow or intercept a node service, receive traffic meant for
/// it, and act as a proxy inside the node network, outside the reach of
/// Services and NetworkPolicies. It also pins the pod to nodes where the
/// port is free.
///
/// Ingress controllers and DNS caches (NodeLocal DNSCache) bind 53, 80 or
/// 443 on the node on purpose; keep those in their own namespace and
/// suppress the finding with the reason.
///
/// ## Example
/// ```yaml
/// apiVersion: apps/v1
/// kind: DaemonSet
/// metadata:
///   name: edge
///   namespace: edge
/// spec:
///   selector:
///     matchLabels: {app: edge}
///   template:
///     metadata:
///       labels: {app: edge}
///     spec:
///       containers:
///       - name: proxy
///         image: registry.example.com/proxy:1.0
///         ports:
///         - containerPort: 8443
///           hostPort: 443
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: apps/v1
/// kind: DaemonSet
/// metadata:
///   name: edge
///   namespace: edge
/// spec:
///   selector:
///     matchLabels: {app: edge}
///   template:
///     metadata:
///       labels: {app: edge}
///     spec:
///       containers:
///       - name: proxy
///         image: registry.example.com/proxy:1.0
///         ports:
///         - containerPort: 8443
/// ---
/// apiVersion: v1
/// kind: Service
/// metadata:
///   name: edge
///   namespace: edge
/// spec:
///   type: LoadBalancer
///   selector: {app: edge}
///   ports:
///   - port: 443
///     targetPort: 8443
/// ```
///
/// ## Fix
/// Remove the `hostPort` and expose the pod through a Service (`NodePort` or `LoadBalancer`) or an Ingress.
/// If the pod must own the node's port, document why.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.2.13: minimize the admission of containers which use HostPorts
/// - MITRE ATT&CK: [T1090 Proxy](https://attack.mitre.org/techniques/T1090/)
/// - [Kubernetes: configuration best practices (hostPort)](https://kubernetes.io/docs/concepts/configuration/overview/#services)
#[derive(RuleMetadata)]
#[rule(
    code = "WL005",
    name = "privileged-host-port",
    severity = "medium",
    cis = "5.2.13",
    mitre = "T1090",
    nsa = "pod-security"
)]
pub struct PrivilegedHostPort;

/// A port number in 1..=1023.
fn privileged(value: Option<&Value>) -> Option<i64> {
    value
        .and_then(Value::as_i64)
        .filter(|port| (1..=1023).contains(port))
}

impl ObjectRule for PrivilegedHostPort {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        let Some(pod) = &cx.pod else { return };
        let host_network = pod.flag("hostNetwork");
        for container in &pod.containers {
            let ports = container.value.get("ports").and_then(Value::as_array);
            for (index, port) in ports.into_iter().flatten().enumerate() {
                let protocol = port
                    .get("protocol")
                    .and_then(Value::as_str)
                    .unwrap_or("TCP");
                let host_port = port.get("hostPort").filter(|v| !v.is_null());
                let (field, number, how) = match host_port {
                    Some(value) => match privileged(Some(value)) {
                        Some(number) => ("hostPort", number, "hostPort"),
                        None => continue,
                    },
                    None if host_network => match privileged(port.get("containerPort")) {
                        Some(number) => (
                            "containerPort",
                            number,
                            "containerPort with hostNetwork: true",
                        ),
                        None => continue,
                    },
                    None => continue,
                };
                out.push(
                    Violation::new(
                        pod.container_pointer(container, &format!("/ports/{index}/{field}")),
                        format!(
                            "{} opens privileged port {number}/{protocol} on the node ({how})",
                            container.label()
                        ),
                    )
                    .in_container(container),
                );
            }
        }
    }
}
