use rampart_macros::RuleMetadata;

use super::{host_path_volumes, is_harmless_device, is_named_pipe, mounts_of, runtime_socket};
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports every container `volumeMounts` entry that mounts a `hostPath`
/// volume without `readOnly: true`.
///
/// The judgement is per mount: the same
/// volume may be read-only in one container and writable in another, and
/// each writable mount is one finding, in its container.
///
/// Not reported: container runtime sockets and their directories (rule
/// WL003 reports them whatever the mount mode, since a read-only mount does
/// not protect a socket), volumes of `type: Socket` and Windows named pipes
/// (for the same reason), and `/dev/null`-like devices. Which host paths are sensitive is rule
/// WL002's concern; this rule is about the write access itself.
///
/// ## Why is this bad?
/// A writable mount lets the container change the node's files. Depending on
/// the path that means planting a cron job, a systemd unit, an SSH key or a
/// static pod manifest (code execution as root on the node), tampering with
/// other pods' data or logs, filling the node's disk, or leaving a setuid
/// binary for a later escape. A read-only mount removes all of that while
/// keeping the data readable. Setting `recursiveReadOnly: Enabled` (Kubernetes
/// 1.33+) also makes the mounts below the host directory read-only.
///
/// Some node components must write to the host: CSI node plugins (under
/// `/var/lib/kubelet`), CNI installers (`/opt/cni/bin`, `/etc/cni/net.d`),
/// log shippers keeping their read position, agents creating a socket for
/// applications (Datadog's `/var/run/datadog`). Mount exactly the directory
/// they write, and suppress the finding with the reason.
///
/// ## Example
/// ```yaml
/// apiVersion: apps/v1
/// kind: DaemonSet
/// metadata:
///   name: log-reader
///   namespace: logging
/// spec:
///   selector:
///     matchLabels: {app: log-reader}
///   template:
///     metadata:
///       labels: {app: log-reader}
///     spec:
///       containers:
///       - name: reader
///         image: registry.example.com/reader:1.0
///         volumeMounts:
///         - name: pods
///           mountPath: /var/log/pods
///       volumes:
///       - name: pods
///         hostPath:
///           path: /var/log/pods
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: apps/v1
/// kind: DaemonSet
/// metadata:
///   name: log-reader
///   namespace: logging
/// spec:
///   selector:
///     matchLabels: {app: log-reader}
///   template:
///     metadata:
///       labels: {app: log-reader}
///     spec:
///       containers:
///       - name: reader
///         image: registry.example.com/reader:1.0
///         volumeMounts:
///         - name: pods
///           mountPath: /var/log/pods
///           readOnly: true
///       volumes:
///       - name: pods
///         hostPath:
///           path: /var/log/pods
/// ```
///
/// ## Fix
/// Add `readOnly: true` to the volume mount, or replace the `hostPath` volume with an `emptyDir` or `persistentVolumeClaim` when the container only needs somewhere to write.
/// Keep writable host mounts only for node components that must write
/// there, narrowed to the directory they write.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.2.12: minimize the admission of HostPath volumes
/// - MITRE ATT&CK: [T1611 Escape to Host](https://attack.mitre.org/techniques/T1611/)
/// - [Kubernetes: hostPath volumes](https://kubernetes.io/docs/concepts/storage/volumes/#hostpath)
/// - [Kubernetes: read-only mounts](https://kubernetes.io/docs/concepts/storage/volumes/#read-only-mounts)
#[derive(RuleMetadata)]
#[rule(
    code = "WL004",
    name = "writable-host-path-mount",
    severity = "medium",
    cis = "5.2.12",
    mitre = "T1611",
    nsa = "pod-security, immutable-filesystems"
)]
pub struct WritableHostPathMount;

impl ObjectRule for WritableHostPathMount {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        let Some(pod) = &cx.pod else { return };
        for volume in host_path_volumes(pod) {
            if volume.kind == "Socket"
                || is_named_pipe(&volume.clean)
                || runtime_socket(&volume.clean).is_some()
                || is_harmless_device(&volume.clean)
            {
                continue;
            }
            for mount in mounts_of(pod, volume.name) {
                if mount.read_only() {
                    continue;
                }
                let source = match mount.sub_path() {
                    Some(sub) => format!("{}, subPath \"{sub}\"", volume.path),
                    None => volume.path.to_string(),
                };
                let how = match mount.value.get("readOnly") {
                    Some(value) if !value.is_null() => format!("readOnly: {value}"),
                    _ => "no readOnly: true".to_string(),
                };
                let pointer = mount.pointer(pod, "/readOnly");
                out.push(
                    Violation::new(
                        pointer,
                        format!(
                            "{} mounts hostPath volume \"{}\" ({source}) writable at {} ({how})",
                            mount.container.label(),
                            volume.name,
                            mount.mount_path()
                        ),
                    )
                    .in_container(&mount.container),
                );
            }
        }
    }
}
