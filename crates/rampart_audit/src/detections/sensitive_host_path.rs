use super::{Candidate, Context, Detection, controller_key, created_phrase, created_pod_specs};
use crate::meta::DetectionMeta;
use crate::signal::Signal;

crate::detection! {
    /// ## What it does
    /// Reports a pod or workload created with a hostPath volume on a
    /// sensitive host path: `/`, `/etc`, `/root`, `/home`, `/proc`, `/sys`,
    /// `/boot`, `/var/lib/kubelet`, `/etc/kubernetes`, `/var/lib/etcd`, or a
    /// container runtime socket (`/var/run/docker.sock`, `/run/containerd`,
    /// `/var/run/crio`), or anything below them.
    ///
    /// ## Why is this bad?
    /// Such a mount hands the pod the node: its credentials (kubelet PKI,
    /// kubeconfigs), its processes, or the runtime that starts containers.
    ///
    /// ## ATT&CK
    /// T1611 Escape to Host.
    ///
    /// ## Known false positives
    /// Log and monitoring agents reading `/proc`, `/sys` or `/var/log`
    /// (`/var/log` is not on the list); CSI node plugins under
    /// `/var/lib/kubelet`.
    ///
    /// Pods a controller creates from a reported workload repeat it: one
    /// signal per controller (ReplicaSet, DaemonSet, Job) per ten minutes.
    pub SensitiveHostPath {
        code: "KA003",
        name: "sensitive-host-path-mount",
        severity: High,
        mitre: ["T1611"],
    }
}

/// Sensitive host paths: the path itself or anything below it (`/` only itself).
const SENSITIVE: [&str; 16] = [
    "/etc",
    "/root",
    "/home",
    "/proc",
    "/sys",
    "/boot",
    "/dev",
    "/var/lib/kubelet",
    "/etc/kubernetes",
    "/var/lib/etcd",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/containerd",
    "/run/containerd",
    "/var/run/crio",
    "/run/crio",
];

/// `/var//run/` → `/var/run`.
fn normalize(path: &str) -> String {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    format!("/{}", parts.join("/"))
}

pub(crate) fn is_sensitive(path: &str) -> bool {
    let path = normalize(path);
    path == "/"
        || SENSITIVE.iter().any(|s| {
            path == *s
                || path
                    .strip_prefix(s)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
}

impl Detection for SensitiveHostPath {
    fn meta(&self) -> &'static DetectionMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_, '_>, out: &mut Vec<Candidate>) {
        let mut paths: Vec<&str> = Vec::new();
        for spec in created_pod_specs(cx) {
            for volume in &spec.volumes {
                if let Some(host_path) = &volume.host_path
                    && is_sensitive(&host_path.path)
                    && !paths.contains(&host_path.path.as_str())
                {
                    paths.push(&host_path.path);
                }
            }
        }
        if paths.is_empty() {
            return;
        }
        let summary = format!(
            "{} created {} mounting host {}",
            cx.event.username(),
            created_phrase(cx),
            paths.join(", ")
        );
        out.push(Candidate::Signal {
            signal: Box::new(Signal::of(&Self::META, cx.event, summary)),
            quiet_key: controller_key(cx),
        });
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sensitive_paths_match_below_but_not_beside() {
        assert!(super::is_sensitive("/"));
        assert!(super::is_sensitive("/etc/kubernetes/pki"));
        assert!(super::is_sensitive("//var/run//docker.sock"));
        assert!(!super::is_sensitive("/etcd-data"));
        assert!(!super::is_sensitive("/var/log"));
        assert!(!super::is_sensitive("/tmp/x"));
    }
}
