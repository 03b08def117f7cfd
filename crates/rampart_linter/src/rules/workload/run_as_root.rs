use rampart_macros::RuleMetadata;
use serde_json::Value;

use super::{Effective, effective_security_field, is_windows};
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports containers that may run as root (UID 0): their effective
/// `runAsUser` (the container's own, else the pod's) is `0`, or they have
/// no effective `runAsUser` and no effective `runAsNonRoot: true`, so the
/// image's `USER` decides, and many images run as root.
///
/// Unlike the Pod Security check PSR002 (`runAsNonRoot`), a non-zero
/// `runAsUser` satisfies this rule: it is what the container runs as,
/// whatever the image says. Windows pods (`spec.os.name: windows`) are
/// skipped (they use `windowsOptions.runAsUserName`), and so are pods with
/// `hostUsers: false`, whose UID 0 is an unprivileged user of the node
/// thanks to the user namespace.
///
/// ## Why is this bad?
/// Without user namespaces, UID 0 in a container is UID 0 on the node as
/// far as the kernel is concerned. Every file reached through a volume or a
/// `hostPath`, every capability the container keeps, every escape bug in
/// the runtime or kernel, is then used as root. Running as an unprivileged
/// UID closes or blunts most of these paths and costs nothing for most
/// applications.
///
/// Some node agents run as root by default to read other users' files in
/// `/proc`, the runtime socket or kubelet logs (Datadog documents how to
/// run its agent as UID 100 instead); suppress the finding where root is
/// really needed.
///
/// ## Example
/// ```yaml
/// apiVersion: apps/v1
/// kind: Deployment
/// metadata:
///   name: api
///   namespace: shop
/// spec:
///   selector:
///     matchLabels: {app: api}
///   template:
///     metadata:
///       labels: {app: api}
///     spec:
///       containers:
///       - name: api
///         image: registry.example.com/api:1.0
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: apps/v1
/// kind: Deployment
/// metadata:
///   name: api
///   namespace: shop
/// spec:
///   selector:
///     matchLabels: {app: api}
///   template:
///     metadata:
///       labels: {app: api}
///     spec:
///       securityContext:
///         runAsUser: 10001
///         runAsNonRoot: true
///       containers:
///       - name: api
///         image: registry.example.com/api:1.0
/// ```
///
/// ## Fix
/// Set `runAsUser` to a non-zero UID and `runAsNonRoot: true` in the pod's `securityContext`, and remove any `runAsUser: 0`.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.2.7: minimize the admission of root containers
/// - MITRE ATT&CK: [T1611 Escape to Host](https://attack.mitre.org/techniques/T1611/)
/// - [Kubernetes: configure a security context](https://kubernetes.io/docs/tasks/configure-pod-container/security-context/)
/// - [Kubernetes: user namespaces](https://kubernetes.io/docs/concepts/workloads/pods/user-namespaces/)
#[derive(RuleMetadata)]
#[rule(
    code = "WL012",
    name = "run-as-root",
    severity = "medium",
    cis = "5.2.7",
    mitre = "T1611",
    nsa = "non-root-containers"
)]
pub struct RunAsRoot;

impl ObjectRule for RunAsRoot {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        let Some(pod) = &cx.pod else { return };
        if is_windows(pod) || pod.spec.get("hostUsers").and_then(Value::as_bool) == Some(false) {
            return;
        }
        for container in &pod.containers {
            let user = effective_security_field(pod, container, "runAsUser")
                .and_then(|e| e.value.as_i64().map(|uid| (uid, e)));
            let non_root = effective_security_field(pod, container, "runAsNonRoot")
                .and_then(|e| e.value.as_bool().map(|flag| (flag, e)));
            let origin = |e: &Effective<'_>| {
                if e.from_pod {
                    " inherited from the pod"
                } else {
                    ""
                }
            };
            let (pointer, message) = match (user, non_root) {
                (Some((0, e)), non_root) => {
                    let refused = if matches!(non_root, Some((true, _))) {
                        "; with runAsNonRoot: true the kubelet refuses to start it"
                    } else {
                        ""
                    };
                    let message = format!(
                        "{} runs as root: runAsUser: 0{}{refused}",
                        container.label(),
                        origin(&e)
                    );
                    (e.pointer, message)
                }
                (Some(_), _) | (None, Some((true, _))) => continue,
                (None, Some((false, e))) => {
                    let message = format!(
                        "{} has runAsNonRoot: false{} and no runAsUser: it runs as the image's user, which may be root",
                        container.label(),
                        origin(&e)
                    );
                    (e.pointer, message)
                }
                (None, None) => (
                    pod.container_pointer(container, "/securityContext/runAsNonRoot"),
                    format!(
                        "{} sets neither runAsUser nor runAsNonRoot: true: it runs as the image's user, which may be root",
                        container.label()
                    ),
                ),
            };
            out.push(Violation::new(pointer, message).in_container(container));
        }
    }
}
