//! Every privilege a workload holds, per pod and per container, with the
//! JSON pointer (relative to the object) of the field that grants it.

use std::fmt;

use rampart_linter::rule::{
    ContainerList, ContainerRef, PodContext, added_capabilities, normalize_capability,
};
use serde::Serialize;
use serde_json::Value;

use crate::profile::normalize_path;

/// Where the container runtimes keep their API sockets.
pub const RUNTIME_SOCKETS: &[&str] = &[
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/containerd/containerd.sock",
    "/run/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
    "/var/run/cri-dockerd.sock",
    "/run/cri-dockerd.sock",
    "/var/run/dockershim.sock",
    "/run/k3s/containerd/containerd.sock",
    "/var/run/k3s/containerd/containerd.sock",
    "/run/podman/podman.sock",
    "/var/run/podman/podman.sock",
    "/run/host-containerd/containerd.sock",
    "/run/containerd/containerd.sock.ttrpc",
    // Windows named pipes.
    "\\\\.\\pipe\\docker_engine",
    "\\\\.\\pipe\\containerd-containerd",
];

/// One kind of privilege.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum PrivilegeKind {
    #[serde(rename = "hostPID")]
    HostPid,
    #[serde(rename = "hostIPC")]
    HostIpc,
    HostNetwork,
    #[serde(rename_all = "camelCase")]
    HostPort {
        port: i64,
        protocol: String,
        /// Set by the API server from `containerPort` because the pod uses hostNetwork.
        defaulted: bool,
    },
    Privileged,
    Capability {
        name: String,
    },
    #[serde(rename_all = "camelCase")]
    HostPath {
        volume: String,
        path: String,
        mount_path: String,
        read_only: bool,
        /// `hostPath.type` as written (`Socket`, `DirectoryOrCreate`, ...).
        path_type: Option<String>,
        /// The mount reaches a container runtime's API socket.
        runtime_socket: bool,
    },
    /// A hostPath volume that no container mounts.
    #[serde(rename_all = "camelCase")]
    UnusedHostPathVolume {
        volume: String,
        path: String,
    },
    #[serde(rename_all = "camelCase")]
    RunAsRoot {
        /// `runAsUser: 0` is written; otherwise the image's user applies and
        /// nothing (`runAsNonRoot`) stops it from being root.
        explicit: bool,
    },
    WritableRootFilesystem,
    SeccompUnconfined,
    AppArmorUnconfined,
    ServiceAccountToken,
}

impl PrivilegeKind {
    /// A stable short name: `hostPID`, `hostPath`, `capability`, ...
    pub fn name(&self) -> &'static str {
        match self {
            PrivilegeKind::HostPid => "hostPID",
            PrivilegeKind::HostIpc => "hostIPC",
            PrivilegeKind::HostNetwork => "hostNetwork",
            PrivilegeKind::HostPort { .. } => "hostPort",
            PrivilegeKind::Privileged => "privileged",
            PrivilegeKind::Capability { .. } => "capability",
            PrivilegeKind::HostPath { .. } => "hostPath",
            PrivilegeKind::UnusedHostPathVolume { .. } => "unusedHostPathVolume",
            PrivilegeKind::RunAsRoot { .. } => "runAsRoot",
            PrivilegeKind::WritableRootFilesystem => "writableRootFilesystem",
            PrivilegeKind::SeccompUnconfined => "seccompUnconfined",
            PrivilegeKind::AppArmorUnconfined => "appArmorUnconfined",
            PrivilegeKind::ServiceAccountToken => "serviceAccountToken",
        }
    }

    /// What the privilege lets a compromised container do, whoever holds it.
    pub fn generic_risk(&self) -> &'static str {
        match self {
            PrivilegeKind::HostPid => {
                "sees every process on the node; with SYS_PTRACE it can read their memory and enter their namespaces"
            }
            PrivilegeKind::HostIpc => {
                "shares the node's System V IPC and POSIX shared memory, readable by other host processes"
            }
            PrivilegeKind::HostNetwork => {
                "uses the node's network stack: it can bind host ports, sniff node traffic with NET_RAW and reach services bound to localhost"
            }
            PrivilegeKind::HostPort { .. } => {
                "listens on the node's IP address, outside NetworkPolicies that select pods"
            }
            PrivilegeKind::Privileged => {
                "every capability and every device: equivalent to root on the node"
            }
            PrivilegeKind::Capability { .. } => "a root power beyond the runtime's default set",
            PrivilegeKind::HostPath {
                runtime_socket: true,
                ..
            } => {
                "the container runtime's API: it can start a privileged container on the node (root-equivalent, even when mounted read-only)"
            }
            PrivilegeKind::HostPath {
                read_only: false, ..
            } => "writes to the node's filesystem",
            PrivilegeKind::HostPath { .. } => "reads the node's filesystem",
            PrivilegeKind::UnusedHostPathVolume { .. } => {
                "declared but mounted by no container: it grants nothing today and will be used by whoever adds a mount"
            }
            PrivilegeKind::RunAsRoot { .. } => {
                "root inside the container: any escape or writable host mount is root on the node"
            }
            PrivilegeKind::WritableRootFilesystem => {
                "an attacker can drop tools and modify binaries inside the container"
            }
            PrivilegeKind::SeccompUnconfined => {
                "every system call is allowed, including those most kernel exploits need"
            }
            PrivilegeKind::AppArmorUnconfined => {
                "no AppArmor mandatory access control (mount, ptrace and file rules)"
            }
            PrivilegeKind::ServiceAccountToken => {
                "a token for the Kubernetes API with the service account's RBAC rights"
            }
        }
    }
}

impl fmt::Display for PrivilegeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrivilegeKind::HostPid => f.write_str("hostPID: true"),
            PrivilegeKind::HostIpc => f.write_str("hostIPC: true"),
            PrivilegeKind::HostNetwork => f.write_str("hostNetwork: true"),
            PrivilegeKind::HostPort {
                port,
                protocol,
                defaulted,
            } => {
                write!(f, "hostPort {port}/{protocol}")?;
                if *defaulted {
                    f.write_str(" (containerPort on hostNetwork)")?;
                }
                Ok(())
            }
            PrivilegeKind::Privileged => f.write_str("privileged: true"),
            PrivilegeKind::Capability { name } => write!(f, "capability {name}"),
            PrivilegeKind::HostPath {
                path,
                mount_path,
                read_only,
                ..
            } => write!(
                f,
                "hostPath {path} -> {mount_path} ({})",
                if *read_only {
                    "read-only"
                } else {
                    "read-write"
                }
            ),
            PrivilegeKind::UnusedHostPathVolume { volume, path } => {
                write!(
                    f,
                    "hostPath volume {volume} ({path}) mounted by no container"
                )
            }
            PrivilegeKind::RunAsRoot { explicit: true } => f.write_str("runs as root (UID 0)"),
            PrivilegeKind::RunAsRoot { explicit: false } => {
                f.write_str("may run as root (no runAsUser, no runAsNonRoot)")
            }
            PrivilegeKind::WritableRootFilesystem => f.write_str("writable root filesystem"),
            PrivilegeKind::SeccompUnconfined => f.write_str("seccomp Unconfined"),
            PrivilegeKind::AppArmorUnconfined => f.write_str("AppArmor unconfined"),
            PrivilegeKind::ServiceAccountToken => f.write_str("service-account token mounted"),
        }
    }
}

/// One privilege held by a pod or one of its containers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Privilege {
    #[serde(flatten)]
    pub kind: PrivilegeKind,
    /// The container that holds it; `None` for the pod.
    pub container: Option<String>,
    /// JSON pointer, relative to the object, of the field that grants it.
    #[serde(skip)]
    pub pointer: String,
}

/// The `securityContext` field of a container, falling back to the pod's.
fn effective<'a>(
    pod: &PodContext<'a>,
    container: &ContainerRef<'a>,
    field: &str,
) -> Option<(String, &'a Value)> {
    if let Some(value) = container.security_context().and_then(|sc| sc.get(field)) {
        return Some((
            pod.container_pointer(container, &format!("/securityContext/{field}")),
            value,
        ));
    }
    pod.security_context()
        .and_then(|sc| sc.get(field))
        .map(|value| {
            (
                pod.spec_pointer(&format!("/securityContext/{field}")),
                value,
            )
        })
}

/// Every privilege of the pod `pod`. `automount_by_account` is the
/// `automountServiceAccountToken` of the pod's ServiceAccount, when known.
pub fn inventory(pod: &PodContext<'_>, automount_by_account: Option<bool>) -> Vec<Privilege> {
    let mut out = Vec::new();
    let windows = pod
        .spec
        .pointer("/securityContext/windowsOptions/hostProcess")
        .and_then(Value::as_bool)
        == Some(true)
        || pod.spec.pointer("/os/name").and_then(Value::as_str) == Some("windows")
        || pod
            .spec
            .pointer("/nodeSelector/kubernetes.io~1os")
            .and_then(Value::as_str)
            == Some("windows");
    let host_network = pod.flag("hostNetwork");
    for (field, kind) in [
        ("hostPID", PrivilegeKind::HostPid),
        ("hostIPC", PrivilegeKind::HostIpc),
        ("hostNetwork", PrivilegeKind::HostNetwork),
    ] {
        if pod.flag(field) {
            out.push(Privilege {
                kind,
                container: None,
                pointer: pod.spec_pointer(&format!("/{field}")),
            });
        }
    }
    let automount = pod
        .spec
        .get("automountServiceAccountToken")
        .and_then(Value::as_bool)
        .or(automount_by_account);
    if automount != Some(false) {
        let pointer = if pod.spec.get("automountServiceAccountToken").is_some() {
            pod.spec_pointer("/automountServiceAccountToken")
        } else if pod.spec.get("serviceAccountName").is_some() {
            pod.spec_pointer("/serviceAccountName")
        } else {
            pod.spec_pointer("")
        };
        out.push(Privilege {
            kind: PrivilegeKind::ServiceAccountToken,
            container: None,
            pointer,
        });
    }
    if pod_apparmor_unconfined(pod) {
        out.push(Privilege {
            kind: PrivilegeKind::AppArmorUnconfined,
            container: None,
            pointer: pod.spec_pointer("/securityContext/appArmorProfile/type"),
        });
    }

    let volumes: Vec<(usize, &Value)> = pod.volumes().collect();
    let mut mounted = vec![false; volumes.len()];
    for container in &pod.containers {
        let name = Some(container.name.to_string());
        let sc = container.security_context();
        let flag = |field: &str| sc.and_then(|sc| sc.get(field)).and_then(Value::as_bool);
        if flag("privileged") == Some(true) {
            out.push(Privilege {
                kind: PrivilegeKind::Privileged,
                container: name.clone(),
                pointer: pod.container_pointer(container, "/securityContext/privileged"),
            });
        }
        for (index, cap) in added_capabilities(container) {
            out.push(Privilege {
                kind: PrivilegeKind::Capability {
                    name: normalize_capability(cap),
                },
                container: name.clone(),
                pointer: pod.container_pointer(
                    container,
                    &format!("/securityContext/capabilities/add/{index}"),
                ),
            });
        }
        let ports = container.value.get("ports").and_then(Value::as_array);
        for (index, port) in ports.into_iter().flatten().enumerate() {
            let protocol = port
                .get("protocol")
                .and_then(Value::as_str)
                .unwrap_or("TCP")
                .to_ascii_uppercase();
            let explicit = port
                .get("hostPort")
                .and_then(Value::as_i64)
                .filter(|p| *p > 0);
            let (number, defaulted, field) = match explicit {
                Some(number) => (number, false, "hostPort"),
                None if host_network && container.list != ContainerList::Ephemeral => {
                    match port.get("containerPort").and_then(Value::as_i64) {
                        Some(number) => (number, true, "containerPort"),
                        None => continue,
                    }
                }
                None => continue,
            };
            out.push(Privilege {
                kind: PrivilegeKind::HostPort {
                    port: number,
                    protocol,
                    defaulted,
                },
                container: name.clone(),
                pointer: pod.container_pointer(container, &format!("/ports/{index}/{field}")),
            });
        }
        let mounts = container
            .value
            .get("volumeMounts")
            .and_then(Value::as_array);
        for (index, mount) in mounts.into_iter().flatten().enumerate() {
            let Some(volume_name) = mount.get("name").and_then(Value::as_str) else {
                continue;
            };
            let Some(position) = volumes
                .iter()
                .position(|(_, v)| v.get("name").and_then(Value::as_str) == Some(volume_name))
            else {
                continue;
            };
            mounted[position] = true;
            let volume = volumes[position].1;
            let Some(host_path) = volume.pointer("/hostPath/path").and_then(Value::as_str) else {
                continue;
            };
            let path = normalize_path(host_path);
            out.push(Privilege {
                kind: PrivilegeKind::HostPath {
                    volume: volume_name.to_string(),
                    runtime_socket: is_runtime_socket_path(&path),
                    path,
                    mount_path: mount
                        .get("mountPath")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    read_only: mount.get("readOnly").and_then(Value::as_bool) == Some(true),
                    path_type: volume
                        .pointer("/hostPath/type")
                        .and_then(Value::as_str)
                        .filter(|t| !t.is_empty())
                        .map(str::to_string),
                },
                container: name.clone(),
                pointer: pod.container_pointer(container, &format!("/volumeMounts/{index}")),
            });
        }
        if !windows {
            let user = effective(pod, container, "runAsUser");
            let non_root = effective(pod, container, "runAsNonRoot").and_then(|(_, v)| v.as_bool())
                == Some(true);
            match user {
                Some((pointer, value)) if value.as_i64() == Some(0) => out.push(Privilege {
                    kind: PrivilegeKind::RunAsRoot { explicit: true },
                    container: name.clone(),
                    pointer,
                }),
                None if !non_root => out.push(Privilege {
                    kind: PrivilegeKind::RunAsRoot { explicit: false },
                    container: name.clone(),
                    pointer: pod.container_pointer(container, ""),
                }),
                _ => {}
            }
            if flag("readOnlyRootFilesystem") != Some(true) {
                let pointer = if sc.and_then(|sc| sc.get("readOnlyRootFilesystem")).is_some() {
                    pod.container_pointer(container, "/securityContext/readOnlyRootFilesystem")
                } else {
                    pod.container_pointer(container, "")
                };
                out.push(Privilege {
                    kind: PrivilegeKind::WritableRootFilesystem,
                    container: name.clone(),
                    pointer,
                });
            }
        }
        if let Some(pointer) = seccomp_unconfined(pod, container) {
            out.push(Privilege {
                kind: PrivilegeKind::SeccompUnconfined,
                container: name.clone(),
                pointer,
            });
        }
        if let Some(pointer) = container_apparmor_unconfined(pod, container) {
            out.push(Privilege {
                kind: PrivilegeKind::AppArmorUnconfined,
                container: name.clone(),
                pointer,
            });
        }
    }
    for ((index, volume), used) in volumes.iter().zip(&mounted) {
        if *used {
            continue;
        }
        if let Some(path) = volume.pointer("/hostPath/path").and_then(Value::as_str) {
            out.push(Privilege {
                kind: PrivilegeKind::UnusedHostPathVolume {
                    volume: volume
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    path: normalize_path(path),
                },
                container: None,
                pointer: pod.spec_pointer(&format!("/volumes/{index}")),
            });
        }
    }
    out
}

/// Whether a host path is a runtime socket or a directory that holds one
/// (`/var/run`, `/run/containerd`); `/` and `/var` hold them too but are
/// judged as what they are, the whole host or most of it.
pub fn is_runtime_socket_path(path: &str) -> bool {
    if matches!(path, "/" | "/var") {
        return false;
    }
    RUNTIME_SOCKETS
        .iter()
        .any(|socket| *socket == path || is_ancestor(path, socket))
}

/// Whether `ancestor` is a strict parent directory of `path`.
pub fn is_ancestor(ancestor: &str, path: &str) -> bool {
    if ancestor == "/" {
        return path != "/";
    }
    path.strip_prefix(ancestor)
        .is_some_and(|rest| rest.starts_with('/'))
}

fn seccomp_unconfined(pod: &PodContext<'_>, container: &ContainerRef<'_>) -> Option<String> {
    fn field(sc: Option<&Value>) -> Option<&str> {
        sc.and_then(|sc| sc.pointer("/seccompProfile/type"))
            .and_then(Value::as_str)
    }
    if let Some(kind) = field(container.security_context()) {
        return (kind == "Unconfined")
            .then(|| pod.container_pointer(container, "/securityContext/seccompProfile/type"));
    }
    let annotations = pod.metadata.and_then(|m| m.get("annotations"));
    let annotation = |key: &str| annotations.and_then(|a| a.get(key)).and_then(Value::as_str);
    let container_key = format!(
        "container.seccomp.security.alpha.kubernetes.io/{}",
        container.name
    );
    if let Some(value) = annotation(&container_key) {
        return (value == "unconfined").then(|| {
            pod.metadata_pointer(&format!(
                "/annotations/{}",
                container_key.replace('~', "~0").replace('/', "~1")
            ))
        });
    }
    if let Some(kind) = field(pod.security_context()) {
        return (kind == "Unconfined")
            .then(|| pod.spec_pointer("/securityContext/seccompProfile/type"));
    }
    let pod_key = "seccomp.security.alpha.kubernetes.io/pod";
    annotation(pod_key)
        .filter(|v| *v == "unconfined")
        .map(|_| pod.metadata_pointer(&format!("/annotations/{}", pod_key.replace('/', "~1"))))
}

fn pod_apparmor_unconfined(pod: &PodContext<'_>) -> bool {
    pod.security_context()
        .and_then(|sc| sc.pointer("/appArmorProfile/type"))
        .and_then(Value::as_str)
        == Some("Unconfined")
}

fn container_apparmor_unconfined(
    pod: &PodContext<'_>,
    container: &ContainerRef<'_>,
) -> Option<String> {
    if let Some(kind) = container
        .security_context()
        .and_then(|sc| sc.pointer("/appArmorProfile/type"))
        .and_then(Value::as_str)
    {
        return (kind == "Unconfined")
            .then(|| pod.container_pointer(container, "/securityContext/appArmorProfile/type"));
    }
    let key = format!(
        "container.apparmor.security.beta.kubernetes.io/{}",
        container.name
    );
    pod.metadata
        .and_then(|m| m.pointer("/annotations"))
        .and_then(|a| a.get(&key))
        .and_then(Value::as_str)
        .filter(|v| *v == "unconfined")
        .map(|_| pod.metadata_pointer(&format!("/annotations/{}", key.replace('/', "~1"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_socket_paths() {
        for path in [
            "/var/run",
            "/run",
            "/run/containerd",
            "/var/run/docker.sock",
            "/var/run/crio",
        ] {
            assert!(is_runtime_socket_path(path), "{path}");
        }
        for path in ["/", "/var", "/var/log", "/var/run/datadog", "/proc"] {
            assert!(!is_runtime_socket_path(path), "{path}");
        }
    }

    #[test]
    fn ancestors() {
        assert!(is_ancestor("/var/run", "/var/run/containerd"));
        assert!(is_ancestor("/", "/proc"));
        assert!(!is_ancestor("/var/run", "/var/running"));
        assert!(!is_ancestor("/proc", "/proc"));
    }
}
