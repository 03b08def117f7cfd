use rampart_macros::RuleMetadata;

use super::{host_path_volumes, mounts_of, mounts_phrase, runtime_socket};
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports `hostPath` volumes that are a container runtime socket (Docker,
/// containerd, CRI-O, cri-dockerd, k3s, MicroK8s, Podman, and their Windows
/// named pipes) or the directory holding one, read-only or not.
///
/// The paths are `/var/run/docker.sock`, `/run/containerd/containerd.sock`,
/// `/run/crio/crio.sock`, `/var/run/cri-dockerd.sock`,
/// `/run/k3s/containerd/containerd.sock`, the MicroK8s and Podman sockets,
/// and the directories `/var/run`, `/run`, `/run/containerd`, `/run/crio`
/// (under `/var/run` or `/run`); on Windows nodes the named pipes
/// `\\.\pipe\docker_engine` and `\\.\pipe\containerd-containerd`. Paths are
/// compared after cleaning (`/var/run//docker.sock/`). One finding per
/// volume, naming the containers that mount it.
///
/// ## Why is this bad?
/// The runtime socket is the API that starts containers on the node. Whoever
/// can connect to it can start a privileged container with the node's root
/// filesystem mounted, read every container's environment and files, or
/// exec into any container: it is root on the node, and every Secret of
/// every pod scheduled there. A `readOnly: true` mount does not help: Linux
/// refuses writes through a read-only mount only for regular files,
/// directories and symlinks, so `connect()` on the socket still works.
/// Mounting all of `/var/run` or `/run` exposes the runtime socket and every
/// other socket of the node.
///
/// Monitoring and security agents (Datadog, Falco, cAdvisor, some log
/// shippers) mount the socket to read container metadata. That is a
/// deliberate, root-equivalent grant: mount only the socket file (not
/// `/var/run`), prefer the kubelet or CRI read-only endpoints the agent
/// supports, keep the agent in its own namespace, and suppress the finding
/// with the reason. Application pods and CI runners should never have it
/// (build images with rootless builders such as BuildKit rootless or Kaniko).
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: ci-runner
///   namespace: ci
/// spec:
///   containers:
///   - name: runner
///     image: registry.example.com/runner:1.0
///     volumeMounts:
///     - name: docker
///       mountPath: /var/run/docker.sock
///       readOnly: true
///   volumes:
///   - name: docker
///     hostPath:
///       path: /var/run/docker.sock
///       type: Socket
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: ci-runner
///   namespace: ci
/// spec:
///   containers:
///   - name: runner
///     image: registry.example.com/buildkit:rootless
///     volumeMounts:
///     - name: buildkitd
///       mountPath: /home/user/.local/share/buildkit
///   volumes:
///   - name: buildkitd
///     emptyDir: {}
/// ```
///
/// ## Fix
/// Remove the runtime socket volume: build images with a rootless builder and read container metadata from the kubelet instead.
/// If a node agent truly needs the runtime API, mount only the socket file,
/// never `/var/run` or `/run`, and document why.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.2.12: minimize the admission of HostPath volumes
/// - MITRE ATT&CK: [T1611 Escape to Host](https://attack.mitre.org/techniques/T1611/),
///   [T1610 Deploy Container](https://attack.mitre.org/techniques/T1610/)
/// - [Docker: protect the Docker daemon socket](https://docs.docker.com/engine/security/protect-access/)
/// - [Kubernetes: hostPath volumes](https://kubernetes.io/docs/concepts/storage/volumes/#hostpath)
#[derive(RuleMetadata)]
#[rule(
    code = "WL003",
    name = "container-runtime-socket",
    severity = "critical",
    cis = "5.2.12",
    mitre = "T1611, T1610",
    nsa = "pod-security"
)]
pub struct ContainerRuntimeSocket;

impl ObjectRule for ContainerRuntimeSocket {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        let Some(pod) = &cx.pod else { return };
        for volume in host_path_volumes(pod) {
            let Some(what) = runtime_socket(&volume.clean) else {
                continue;
            };
            let mounts = mounts_of(pod, volume.name);
            let read_only_note = if mounts.iter().any(|m| m.read_only()) {
                " (readOnly does not protect a socket: connect() works through a read-only mount)"
            } else {
                ""
            };
            let mut violation = Violation::new(
                volume.path_pointer(pod),
                format!(
                    "hostPath volume \"{}\" mounts {}, {what}: root on the node{read_only_note}; {}",
                    volume.name,
                    volume.display(),
                    mounts_phrase(&mounts)
                ),
            );
            if let [only] = mounts.as_slice() {
                violation = violation.in_container(&only.container);
            }
            out.push(violation);
        }
    }
}
