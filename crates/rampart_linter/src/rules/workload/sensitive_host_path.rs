use rampart_diagnostics::Severity;
use rampart_macros::RuleMetadata;

use super::{
    clean_host_path, host_path_volumes, is_harmless_device, is_under, mounts_of, mounts_phrase,
};
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports `hostPath` volumes whose path is, or lies under, a sensitive
/// directory of the node: `/` itself, `/etc` (with `/etc/kubernetes`),
/// `/root`, `/home`, `/proc`, `/sys`, `/dev`, `/boot`, `/var/log`,
/// `/var/lib/kubelet` and `/var/lib/etcd`.
///
/// Paths are compared after cleaning (`//etc/kubernetes/` and `/var/../etc` count), and a `subPath`
/// that reaches a sensitive directory from a harmless volume counts too.
/// Windows paths are read without their drive letter and case
/// (`C:\var\lib\kubelet` is `/var/lib/kubelet`). One finding per volume,
/// naming the containers that mount it.
///
/// Informational files and public certificate directories (`/etc/os-release`
/// and the other release files, `/etc/localtime`, `/etc/timezone`,
/// `/etc/machine-id`, `/etc/hostname`, `/etc/passwd`, `/etc/group`,
/// `/etc/ssl/certs`, `/etc/pki/tls/certs`) are not reported unless a
/// container mounts them writable, and `/dev/null`, `/dev/zero`,
/// `/dev/random` and `/dev/urandom` never are.
///
/// The severity follows what the mount gives. It is high by default, and
/// medium when every container mounts the volume read-only and it holds no
/// credentials: `/proc`, `/sys`, `/boot`, `/var/log`, or a subdirectory of
/// `/etc` or `/var/lib/kubelet` away from their secrets (such as `/etc/apt`,
/// but not `/etc/ssh`, `/etc/cni/net.d` or `/var/lib/kubelet/pods`). A
/// subdirectory of `/root` away from its dotfiles (an agent's cache) is
/// medium even when writable, since writing there reaches nothing else. The
/// kubelet's plugin socket directories (`/var/lib/kubelet/plugins`,
/// `plugins_registry`, `device-plugins`, `pod-resources`), which CSI drivers
/// and device plugins need, are medium, and `/var/lib/kubelet/seccomp` is
/// medium (low when read-only). Writable mounts of any `hostPath` are
/// also reported one by one by WL004; the runtime sockets under `/run` by
/// WL003; any `hostPath` at all by the Pod Security check PSB004.
///
/// ## Why is this bad?
/// These directories are the node's credentials and control surfaces.
/// `/var/lib/kubelet` holds every pod's Secrets and service-account tokens
/// and the kubelet's client certificate; `/etc/kubernetes` holds kubeconfig
/// files and, on control-plane nodes, static pod manifests (writing one runs
/// any pod as root); `/var/lib/etcd` is the whole cluster state, Secrets
/// included; `/root` and `/home` hold SSH keys and cloud credentials; `/etc`
/// holds `/etc/shadow`, sudoers and cron. A writable `/var/log` lets a
/// container plant symlinks that the kubelet follows when serving logs, and
/// reading the logs leaks whatever applications printed; `/proc`, `/sys` and
/// `/dev` expose host processes, kernel settings and raw devices (device
/// files stay writable through a read-only mount).
///
/// Node agents mount some of these on purpose: log shippers (Fluent Bit,
/// Vector, Datadog) read `/var/log`, monitoring agents (node-exporter,
/// Datadog, cAdvisor) read `/proc` and `/sys`, Falco reads `/proc`, `/boot`
/// and `/dev`, CSI node plugins need `/var/lib/kubelet` and `/dev`. Keep
/// those read-only where the feature allows, narrow them to the
/// subdirectory needed (`/var/log/pods`, `/sys/fs/cgroup`), and suppress the
/// finding with the reason.
///
/// ## Example
/// ```yaml
/// apiVersion: apps/v1
/// kind: Deployment
/// metadata:
///   name: backup
///   namespace: tools
/// spec:
///   selector:
///     matchLabels: {app: backup}
///   template:
///     metadata:
///       labels: {app: backup}
///     spec:
///       containers:
///       - name: backup
///         image: registry.example.com/backup:1.0
///         volumeMounts:
///         - name: kubelet
///           mountPath: /data
///       volumes:
///       - name: kubelet
///         hostPath:
///           path: /var/lib/kubelet/
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: apps/v1
/// kind: Deployment
/// metadata:
///   name: backup
///   namespace: tools
/// spec:
///   selector:
///     matchLabels: {app: backup}
///   template:
///     metadata:
///       labels: {app: backup}
///     spec:
///       containers:
///       - name: backup
///         image: registry.example.com/backup:1.0
///         volumeMounts:
///         - name: data
///           mountPath: /data
///       volumes:
///       - name: data
///         persistentVolumeClaim:
///           claimName: backup-data
/// ```
///
/// ## Fix
/// Replace the `hostPath` volume with a `persistentVolumeClaim`, `emptyDir`, `configMap` or `secret` volume, or narrow it to the one harmless subdirectory the workload needs and mount it `readOnly: true`.
/// Node agents that truly need the directory should be documented and
/// suppressed with that reason.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.2.12: minimize the admission of HostPath volumes
/// - MITRE ATT&CK: [T1611 Escape to Host](https://attack.mitre.org/techniques/T1611/),
///   [T1552.001 Unsecured Credentials: Credentials In Files](https://attack.mitre.org/techniques/T1552/001/)
/// - [Kubernetes: hostPath volumes](https://kubernetes.io/docs/concepts/storage/volumes/#hostpath)
/// - [Aqua: Kubernetes pod escape using log mounts](https://www.aquasec.com/blog/kubernetes-security-pod-escape-log-mounts/)
#[derive(RuleMetadata)]
#[rule(
    code = "WL002",
    name = "sensitive-host-path",
    severity = "high",
    cis = "5.2.12",
    mitre = "T1611, T1552.001",
    nsa = "pod-security"
)]
pub struct SensitiveHostPath;

/// A sensitive directory: what it holds, the severity of a finding when some
/// container may write to it and when every container mounts it read-only,
/// and the places under it that hold credentials (a read-only mount of a
/// subdirectory that contains none of them is lowered to medium).
struct Sensitive {
    path: &'static str,
    what: &'static str,
    writable: Severity,
    read_only: Severity,
    secrets: &'static [&'static str],
    /// Writing to a subdirectory away from `secrets` gives nothing more than
    /// that subdirectory (true for a home directory, not for `/etc`).
    writable_subdir_is_contained: bool,
}

const fn entry(
    path: &'static str,
    what: &'static str,
    writable: Severity,
    read_only: Severity,
) -> Sensitive {
    Sensitive {
        path,
        what,
        writable,
        read_only,
        secrets: &[],
        writable_subdir_is_contained: false,
    }
}

use Severity::{High, Low, Medium};

const SENSITIVE: &[Sensitive] = &[
    entry("/", "the node's whole filesystem", High, High),
    Sensitive {
        path: "/etc",
        what: "the node's configuration, with /etc/shadow, SSH host keys and cron",
        writable: High,
        read_only: High,
        secrets: &[
            "/etc/shadow",
            "/etc/gshadow",
            "/etc/sudoers",
            "/etc/sudoers.d",
            "/etc/ssh",
            "/etc/ssl/private",
            "/etc/pki/tls/private",
            "/etc/cni/net.d",
            "/etc/docker",
            "/etc/containerd",
            "/etc/crio",
            "/etc/kubernetes",
            "/etc/pki/entitlement",
        ],
        writable_subdir_is_contained: false,
    },
    entry(
        "/etc/kubernetes",
        "kubeconfig files, PKI and static pod manifests",
        High,
        High,
    ),
    entry(
        "/proc",
        "every process of the node and kernel settings",
        High,
        Medium,
    ),
    entry("/sys", "kernel settings and devices", High, Medium),
    Sensitive {
        path: "/var/lib/kubelet",
        what: "every pod's Secrets and tokens and the kubelet's credentials",
        writable: High,
        read_only: High,
        secrets: &[
            "/var/lib/kubelet/pods",
            "/var/lib/kubelet/pki",
            "/var/lib/kubelet/kubeconfig",
        ],
        writable_subdir_is_contained: false,
    },
    entry(
        "/var/lib/kubelet/plugins",
        "kubelet plugin sockets, through which a plugin hands devices and mounts to pods",
        Medium,
        Medium,
    ),
    entry(
        "/var/lib/kubelet/plugins_registry",
        "kubelet plugin registration sockets, through which a plugin hands devices and mounts to pods",
        Medium,
        Medium,
    ),
    entry(
        "/var/lib/kubelet/device-plugins",
        "kubelet device plugin sockets, through which a plugin hands devices to pods",
        Medium,
        Medium,
    ),
    entry(
        "/var/lib/kubelet/pod-resources",
        "the kubelet's pod-resources API socket",
        Medium,
        Medium,
    ),
    entry(
        "/var/lib/kubelet/seccomp",
        "the seccomp profiles other pods run under",
        Medium,
        Low,
    ),
    Sensitive {
        path: "/root",
        what: "root's home with SSH keys, cloud and cluster credentials",
        writable: High,
        read_only: High,
        secrets: &[
            "/root/.ssh",
            "/root/.kube",
            "/root/.aws",
            "/root/.azure",
            "/root/.docker",
            "/root/.config",
            "/root/.gnupg",
            "/root/.bashrc",
            "/root/.profile",
            "/root/.bash_profile",
        ],
        writable_subdir_is_contained: true,
    },
    entry(
        "/home",
        "users' homes with SSH keys and credentials",
        High,
        High,
    ),
    entry("/var/log", "the node's logs", High, Medium),
    entry(
        "/dev",
        "the node's devices, writable even through a read-only mount",
        High,
        High,
    ),
    entry("/boot", "the kernel and boot loader", High, Medium),
    entry(
        "/var/lib/etcd",
        "the cluster's etcd data, every Secret included",
        High,
        High,
    ),
];

/// Files and directories that reveal nothing secret when read.
const INFORMATIONAL: &[&str] = &[
    "/etc/os-release",
    "/etc/lsb-release",
    "/etc/redhat-release",
    "/etc/system-release",
    "/etc/fedora-release",
    "/etc/centos-release",
    "/etc/debian_version",
    "/etc/localtime",
    "/etc/timezone",
    "/etc/machine-id",
    "/etc/hostname",
    "/etc/passwd",
    "/etc/group",
    "/etc/ssl/certs",
    "/etc/pki/ca-trust/extracted",
    "/etc/pki/tls/certs",
    "/etc/ca-certificates",
];

/// The most specific sensitive directory containing `clean`.
fn sensitive(clean: &str) -> Option<&'static Sensitive> {
    SENSITIVE
        .iter()
        .filter(|s| {
            if s.path == "/" {
                clean == "/"
            } else {
                is_under(clean, s.path)
            }
        })
        .max_by_key(|s| s.path.len())
}

/// A short name of a sensitive directory, for paths below it.
fn area(path: &str) -> &'static str {
    match path {
        "/etc" => "the node's configuration",
        "/etc/kubernetes" => "the Kubernetes configuration and PKI",
        "/proc" => "the node's process and kernel interface",
        "/sys" => "the kernel's sysfs",
        "/var/lib/kubelet" => "the kubelet's state",
        "/root" => "root's home",
        "/home" => "the users' homes",
        "/var/log" => "the node's logs",
        "/dev" => "the node's devices",
        "/boot" => "the boot files",
        "/var/lib/etcd" => "etcd's data",
        _ => "a sensitive directory",
    }
}

/// Whether `reached` is, contains or lies in one of the entry's credential places.
fn holds_secrets(entry: &Sensitive, reached: &str) -> bool {
    entry
        .secrets
        .iter()
        .any(|secret| is_under(reached, secret) || is_under(secret, reached))
}

/// The severity of a finding on `reached` (inside `entry`).
fn severity(entry: &Sensitive, reached: &str, all_read_only: bool) -> Severity {
    let plain_subdir =
        reached != entry.path && !entry.secrets.is_empty() && !holds_secrets(entry, reached);
    match (all_read_only, plain_subdir) {
        (true, true) => entry.read_only.min(Medium),
        (true, false) => entry.read_only,
        (false, true) if entry.writable_subdir_is_contained => entry.writable.min(Medium),
        (false, _) => entry.writable,
    }
}

impl ObjectRule for SensitiveHostPath {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        let Some(pod) = &cx.pod else { return };
        for volume in host_path_volumes(pod) {
            if is_harmless_device(&volume.clean) {
                continue;
            }
            let mounts = mounts_of(pod, volume.name);
            let all_read_only = !mounts.is_empty() && mounts.iter().all(|m| m.read_only());
            // The volume's own path, else the first subPath reaching a sensitive directory.
            let found = match sensitive(&volume.clean) {
                Some(s) => Some((s, volume.clean.clone(), None)),
                None => mounts.iter().find_map(|m| {
                    let sub = m.sub_path()?;
                    let reached = clean_host_path(&format!("{}/{sub}", volume.clean));
                    sensitive(&reached).map(|s| (s, reached, Some(*m)))
                }),
            };
            let Some((entry, reached, via)) = found else {
                continue;
            };
            // Informational files are skipped unless some container may write them.
            if mounts.iter().all(|m| m.read_only())
                && INFORMATIONAL.iter().any(|info| is_under(&reached, info))
            {
                continue;
            }
            let what = if reached == entry.path {
                entry.what.to_string()
            } else if holds_secrets(entry, &reached) {
                format!(
                    "part of {} ({}) that holds credentials",
                    area(entry.path),
                    entry.path
                )
            } else {
                format!("part of {} ({})", area(entry.path), entry.path)
            };
            let exposes = match via {
                None => format!("exposes {}, {what}", volume.display()),
                Some(m) => format!(
                    "exposes {reached}, {what}, through subPath \"{}\" of {}",
                    m.sub_path().unwrap_or_default(),
                    m.container.label()
                ),
            };
            let mut violation = Violation::new(
                volume.path_pointer(pod),
                format!(
                    "hostPath volume \"{}\" {exposes}; {}",
                    volume.name,
                    mounts_phrase(&mounts)
                ),
            );
            if let [only] = mounts.as_slice() {
                violation = violation.in_container(&only.container);
            }
            let severity = severity(entry, &reached, all_read_only);
            if severity != Self::META.severity {
                violation.severity = Some(severity);
            }
            out.push(violation);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn severity_of(path: &str, all_read_only: bool) -> Option<Severity> {
        sensitive(path).map(|entry| severity(entry, path, all_read_only))
    }

    #[test]
    fn severities_follow_the_mount() {
        assert_eq!(severity_of("/", true), Some(High));
        assert_eq!(severity_of("/etc", true), Some(High));
        assert_eq!(severity_of("/etc/apt", true), Some(Medium));
        assert_eq!(severity_of("/etc/apt", false), Some(High));
        assert_eq!(severity_of("/etc/ssh", true), Some(High));
        assert_eq!(severity_of("/etc/pki", true), Some(High));
        assert_eq!(severity_of("/etc/kubernetes/pki", true), Some(High));
        assert_eq!(severity_of("/proc", true), Some(Medium));
        assert_eq!(severity_of("/proc", false), Some(High));
        assert_eq!(severity_of("/var/lib/kubelet/pods", true), Some(High));
        assert_eq!(
            severity_of("/var/lib/kubelet/plugins/x", false),
            Some(Medium)
        );
        assert_eq!(severity_of("/var/lib/kubelet/seccomp", true), Some(Low));
        assert_eq!(severity_of("/root/agent_cache", false), Some(Medium));
        assert_eq!(severity_of("/root/.ssh", true), Some(High));
        assert_eq!(severity_of("/root", true), Some(High));
        assert_eq!(severity_of("/etcd", true), None);
        assert_eq!(severity_of("/var/lib/kubelet-data", true), None);
    }
}
