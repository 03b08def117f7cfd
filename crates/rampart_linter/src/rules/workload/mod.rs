//! Pod and container posture rules beyond the Pod Security Standards: what is
//! risky, why, and what to change. Each finding names its container.

mod container_runtime_socket;
mod dangerous_capabilities;
mod default_namespace;
mod host_pid_with_ptrace;
mod missing_resources;
mod privileged_host_port;
mod run_as_root;
mod seccomp_unconfined;
mod sensitive_host_path;
mod service_account_token_automount;
mod writable_host_path_mount;
mod writable_root_filesystem;

pub use container_runtime_socket::ContainerRuntimeSocket;
pub use dangerous_capabilities::DangerousCapabilities;
pub use default_namespace::DefaultNamespace;
pub use host_pid_with_ptrace::HostPidWithPtrace;
pub use missing_resources::MissingResources;
pub use privileged_host_port::PrivilegedHostPort;
pub use run_as_root::RunAsRoot;
pub use seccomp_unconfined::SeccompUnconfined;
pub use sensitive_host_path::SensitiveHostPath;
pub use service_account_token_automount::ServiceAccountTokenAutomount;
pub use writable_host_path_mount::WritableHostPathMount;
pub use writable_root_filesystem::WritableRootFilesystem;

use serde_json::Value;

use crate::rule::{ContainerRef, ObjectRule, PodContext};

/// The rules of this family, in code order.
pub static RULES: &[&dyn ObjectRule] = &[
    &DangerousCapabilities,
    &SensitiveHostPath,
    &ContainerRuntimeSocket,
    &WritableHostPathMount,
    &PrivilegedHostPort,
    &WritableRootFilesystem,
    &MissingResources,
    &ServiceAccountTokenAutomount,
    &HostPidWithPtrace,
    &DefaultNamespace,
    &SeccompUnconfined,
    &RunAsRoot,
];

/// Lexically cleans a `hostPath` path the way Go's `filepath.Clean` does,
/// rooted at `/`: repeated and trailing slashes, `.` and `..` are resolved
/// (`//etc/./kubernetes/` → `/etc/kubernetes`, `/var/../etc` → `/etc`). A
/// relative path is read from `/` (the kubelet's working directory).
///
/// Windows paths are read as Windows does: a drive path loses its drive
/// letter, takes `\` as a separator and is lowercased
/// (`C:\var\lib\Kubelet\` → `/var/lib/kubelet`); a named pipe becomes
/// `\\.\pipe\<name>` in lower case.
pub(crate) fn clean_host_path(path: &str) -> String {
    if let Some(name) = windows_pipe(path) {
        return format!(r"\\.\pipe\{name}");
    }
    let drive = windows_drive_path(path);
    let rest = drive.unwrap_or(path);
    let lowered;
    let rest = if drive.is_some() {
        lowered = rest.to_lowercase();
        lowered.as_str()
    } else {
        rest
    };
    let separators: &[char] = if drive.is_some() {
        &['/', '\\']
    } else {
        &['/']
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in rest.split(separators) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The lower-case name of a Windows named pipe (`\\.\pipe\docker_engine`).
fn windows_pipe(path: &str) -> Option<String> {
    let normalized = path.replace('/', "\\").to_ascii_lowercase();
    normalized
        .strip_prefix(r"\\.\pipe\")
        .map(|name| name.trim_end_matches('\\').to_string())
}

/// The rest of a Windows drive path (`C:\var` → `\var`).
fn windows_drive_path(path: &str) -> Option<&str> {
    let bytes = path.as_bytes();
    (bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':').then(|| &path[2..])
}

/// Whether a cleaned path is a Windows named pipe.
pub(crate) fn is_named_pipe(clean: &str) -> bool {
    clean.starts_with(r"\\")
}

/// Whether `path` is `dir` or lies under it (both cleaned).
pub(crate) fn is_under(path: &str, dir: &str) -> bool {
    if dir == "/" {
        return true;
    }
    path == dir
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// One `hostPath` volume of a pod.
#[derive(Debug, Clone)]
pub(crate) struct HostPathVolume<'a> {
    pub index: usize,
    pub name: &'a str,
    /// The path as written.
    pub path: &'a str,
    /// The path cleaned with [`clean_host_path`].
    pub clean: String,
    /// `hostPath.type` (`""` when unset).
    pub kind: &'a str,
}

impl HostPathVolume<'_> {
    /// Pointer (relative to the object) of the volume's `hostPath.path`.
    pub fn path_pointer(&self, pod: &PodContext<'_>) -> String {
        pod.spec_pointer(&format!("/volumes/{}/hostPath/path", self.index))
    }

    /// The cleaned path, with the written form when they differ:
    /// `/etc (written "/etc//")`.
    pub fn display(&self) -> String {
        if self.path == self.clean {
            self.clean.clone()
        } else {
            format!("{} (written \"{}\")", self.clean, self.path)
        }
    }
}

/// The `hostPath` volumes of a pod that have a string `path`.
pub(crate) fn host_path_volumes<'a>(pod: &PodContext<'a>) -> Vec<HostPathVolume<'a>> {
    pod.volumes()
        .filter_map(|(index, volume)| {
            let host_path = volume.get("hostPath")?;
            let path = host_path.get("path")?.as_str()?;
            Some(HostPathVolume {
                index,
                name: volume.get("name").and_then(Value::as_str).unwrap_or(""),
                path,
                clean: clean_host_path(path),
                kind: host_path.get("type").and_then(Value::as_str).unwrap_or(""),
            })
        })
        .collect()
}

/// One `volumeMounts` entry of a container.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mount<'a> {
    pub container: ContainerRef<'a>,
    pub index: usize,
    pub value: &'a Value,
}

impl Mount<'_> {
    /// `readOnly: true` (`recursiveReadOnly` requires it, so it is the test).
    pub fn read_only(&self) -> bool {
        self.value.get("readOnly").and_then(Value::as_bool) == Some(true)
    }

    pub fn mount_path(&self) -> &str {
        self.value
            .get("mountPath")
            .and_then(Value::as_str)
            .unwrap_or("?")
    }

    /// The `subPath`, when set and not empty.
    pub fn sub_path(&self) -> Option<&str> {
        self.value
            .get("subPath")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    /// Pointer of `relative` inside this mount.
    pub fn pointer(&self, pod: &PodContext<'_>, relative: &str) -> String {
        pod.container_pointer(
            &self.container,
            &format!("/volumeMounts/{}{relative}", self.index),
        )
    }
}

/// Every mount of volume `name`, in container order.
pub(crate) fn mounts_of<'a>(pod: &PodContext<'a>, name: &str) -> Vec<Mount<'a>> {
    let mut mounts = Vec::new();
    for container in &pod.containers {
        let items = container
            .value
            .get("volumeMounts")
            .and_then(Value::as_array);
        for (index, value) in items.into_iter().flatten().enumerate() {
            if value.get("name").and_then(Value::as_str) == Some(name) {
                mounts.push(Mount {
                    container: *container,
                    index,
                    value,
                });
            }
        }
    }
    mounts
}

/// `mounted by container "a" at /host (read-only) and init container "b" at /x`,
/// or a note that no container mounts the volume.
pub(crate) fn mounts_phrase(mounts: &[Mount<'_>]) -> String {
    if mounts.is_empty() {
        return "not mounted by any container (an ephemeral debug container can still mount it)"
            .to_string();
    }
    let parts: Vec<String> = mounts
        .iter()
        .map(|m| {
            format!(
                "{} at {}{}",
                m.container.label(),
                m.mount_path(),
                if m.read_only() { " (read-only)" } else { "" }
            )
        })
        .collect();
    format!("mounted by {}", join_and(&parts))
}

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn join_and(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// `spec.os.name: windows`.
pub(crate) fn is_windows(pod: &PodContext<'_>) -> bool {
    pod.spec.pointer("/os/name").and_then(Value::as_str) == Some("windows")
}

/// Device files that expose nothing, even writable.
const HARMLESS_DEVICES: &[&str] = &["/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"];

/// `/dev/null` and the like (cleaned path).
pub(crate) fn is_harmless_device(clean: &str) -> bool {
    HARMLESS_DEVICES.contains(&clean)
}

/// Container runtime sockets and the directories that hold them, with what they are.
const RUNTIME_SOCKETS: &[(&str, &str)] = &[
    ("/var/run/docker.sock", "the Docker socket"),
    (r"\\.\pipe\docker_engine", "the Docker named pipe"),
    (
        r"\\.\pipe\containerd-containerd",
        "the containerd named pipe",
    ),
    ("/run/docker.sock", "the Docker socket"),
    ("/var/run/dockershim.sock", "the dockershim socket"),
    ("/run/dockershim.sock", "the dockershim socket"),
    ("/var/run/cri-dockerd.sock", "the cri-dockerd socket"),
    ("/run/cri-dockerd.sock", "the cri-dockerd socket"),
    (
        "/var/run/containerd/containerd.sock",
        "the containerd socket",
    ),
    ("/run/containerd/containerd.sock", "the containerd socket"),
    ("/var/run/crio/crio.sock", "the CRI-O socket"),
    ("/run/crio/crio.sock", "the CRI-O socket"),
    (
        "/run/k3s/containerd/containerd.sock",
        "the k3s containerd socket",
    ),
    (
        "/var/snap/microk8s/common/run/containerd.sock",
        "the MicroK8s containerd socket",
    ),
    ("/var/run/podman/podman.sock", "the Podman socket"),
    ("/run/podman/podman.sock", "the Podman socket"),
    (
        "/var/run",
        "the directory holding the container runtime sockets",
    ),
    (
        "/run",
        "the directory holding the container runtime sockets",
    ),
    (
        "/var/run/containerd",
        "the directory of the containerd socket",
    ),
    ("/run/containerd", "the directory of the containerd socket"),
    ("/var/run/crio", "the directory of the CRI-O socket"),
    ("/run/crio", "the directory of the CRI-O socket"),
    (
        "/run/k3s/containerd",
        "the directory of the k3s containerd socket",
    ),
    (
        "/var/snap/microk8s/common/run",
        "the directory of the MicroK8s containerd socket",
    ),
    ("/var/run/podman", "the directory of the Podman socket"),
    ("/run/podman", "the directory of the Podman socket"),
];

/// What a cleaned host path is, when it is a container runtime socket or its directory.
pub(crate) fn runtime_socket(clean: &str) -> Option<&'static str> {
    RUNTIME_SOCKETS
        .iter()
        .find(|(path, _)| *path == clean)
        .map(|(_, what)| *what)
}

/// Where an effective securityContext value comes from.
pub(crate) struct Effective<'a> {
    pub value: &'a Value,
    pub pointer: String,
    /// Inherited from the pod's securityContext.
    pub from_pod: bool,
}

/// The effective value of a securityContext field for a container: the
/// container's own, else the pod's (null reads as unset).
pub(crate) fn effective_security_field<'a>(
    pod: &PodContext<'a>,
    container: &ContainerRef<'a>,
    field: &str,
) -> Option<Effective<'a>> {
    if let Some(value) = container
        .security_context()
        .and_then(|sc| sc.get(field))
        .filter(|v| !v.is_null())
    {
        return Some(Effective {
            value,
            pointer: pod.container_pointer(container, &format!("/securityContext/{field}")),
            from_pod: false,
        });
    }
    pod.security_context()
        .and_then(|sc| sc.get(field))
        .filter(|v| !v.is_null())
        .map(|value| Effective {
            value,
            pointer: pod.spec_pointer(&format!("/securityContext/{field}")),
            from_pod: true,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_host_paths() {
        assert_eq!(clean_host_path("/"), "/");
        assert_eq!(clean_host_path(""), "/");
        assert_eq!(clean_host_path("//etc//kubernetes/"), "/etc/kubernetes");
        assert_eq!(clean_host_path("/var/lib/../../etc/./"), "/etc");
        assert_eq!(clean_host_path("/../.."), "/");
        assert_eq!(clean_host_path("var/log"), "/var/log");
        assert!(is_under("/etc/kubernetes", "/etc"));
        assert!(is_under("/etc", "/etc"));
        assert!(!is_under("/etcd", "/etc"));
        assert!(is_under("/anything", "/"));
        assert_eq!(clean_host_path(r"C:\var\lib\Kubelet\"), "/var/lib/kubelet");
        assert_eq!(clean_host_path("c:/"), "/");
        assert_eq!(
            clean_host_path(r"\\.\pipe\Docker_Engine"),
            r"\\.\pipe\docker_engine"
        );
        assert_eq!(
            runtime_socket(&clean_host_path(r"\\.\pipe\containerd-containerd")),
            Some("the containerd named pipe")
        );
        assert!(is_named_pipe(&clean_host_path(
            "//./pipe/csi-proxy-disk-v1"
        )));
    }
}
