use rampart_macros::RuleMetadata;
use serde_json::Value;

use super::is_windows;
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ContainerList, ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports init and regular containers that do not set
/// `securityContext.readOnlyRootFilesystem: true`.
///
/// The field exists only per
/// container (there is no pod-level default). Ephemeral debug containers
/// are not reported (a debugging shell usually needs to write), nor are
/// Windows pods (`spec.os.name: windows`), where the field is not
/// supported.
///
/// ## Why is this bad?
/// A writable root filesystem lets an attacker who gets code execution in
/// the container download tools, drop a web shell, replace binaries or
/// libraries of the running application, or change its configuration, and
/// keep those changes for the life of the container. A read-only root
/// filesystem turns the image into the only code that can run and makes
/// such tampering fail loudly; the paths the application really writes to
/// (`/tmp`, a cache directory) get an `emptyDir` volume.
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
///       containers:
///       - name: api
///         image: registry.example.com/api:1.0
///         securityContext:
///           readOnlyRootFilesystem: true
///         volumeMounts:
///         - name: tmp
///           mountPath: /tmp
///       volumes:
///       - name: tmp
///         emptyDir: {}
/// ```
///
/// ## Fix
/// Set `securityContext.readOnlyRootFilesystem: true` on the container and mount an `emptyDir` volume on each path it must write to (such as `/tmp`).
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.7.3: apply security context to your pods and containers
/// - MITRE ATT&CK: [T1611 Escape to Host](https://attack.mitre.org/techniques/T1611/)
/// - [Kubernetes: configure a security context](https://kubernetes.io/docs/tasks/configure-pod-container/security-context/)
#[derive(RuleMetadata)]
#[rule(
    code = "WL006",
    name = "writable-root-filesystem",
    severity = "low",
    cis = "5.7.3",
    mitre = "T1611",
    nsa = "immutable-filesystems"
)]
pub struct WritableRootFilesystem;

impl ObjectRule for WritableRootFilesystem {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        let Some(pod) = &cx.pod else { return };
        if is_windows(pod) {
            return;
        }
        for container in &pod.containers {
            if container.list == ContainerList::Ephemeral {
                continue;
            }
            let value = container
                .security_context()
                .and_then(|sc| sc.get("readOnlyRootFilesystem"));
            let message = match value.and_then(Value::as_bool) {
                Some(true) => continue,
                Some(false) => format!(
                    "{} sets readOnlyRootFilesystem: false: its root filesystem is writable",
                    container.label()
                ),
                None => format!(
                    "{} does not set securityContext.readOnlyRootFilesystem: true: its root filesystem is writable",
                    container.label()
                ),
            };
            out.push(
                Violation::new(
                    pod.container_pointer(container, "/securityContext/readOnlyRootFilesystem"),
                    message,
                )
                .in_container(container),
            );
        }
    }
}
