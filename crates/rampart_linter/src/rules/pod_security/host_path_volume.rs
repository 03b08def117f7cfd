use super::prelude::*;

/// ## What it does
/// Flags pods that mount a directory or file of the node through a `hostPath`
/// volume.
///
/// This is the Pod Security Standards `hostPathVolumes` check (Baseline level,
/// all policy versions; at the Restricted level it is replaced by
/// `restrictedVolumes`, rule PSR001, which forbids `hostPath` as well).
///
/// ## Why is this bad?
/// A `hostPath` volume gives the container direct access to the node's
/// filesystem. Mounting `/`, `/etc`, `/var/lib/kubelet` or `/root` exposes
/// credentials (kubelet certificates, service-account tokens of every pod on
/// the node, SSH keys); mounting the container runtime socket
/// (`/var/run/docker.sock`, `/run/containerd/containerd.sock`) lets the
/// container start a privileged container and take over the node; a writable
/// mount of `/etc` or a cron directory is a direct path to code execution as
/// root. Even read-only mounts leak secrets.
///
/// Node agents are the legitimate exception: log shippers (Fluent Bit,
/// Datadog's log agent) read `/var/log`, monitoring agents read `/proc` and
/// `/sys`, Falco reads `/proc` and `/boot`. Run them in a dedicated namespace
/// with the `privileged` level, mount only what they need, and mount it
/// `readOnly: true`.
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: app
/// spec:
///   containers:
///     - name: app
///       image: registry.example.com/app:1.0
///       volumeMounts:
///         - name: docker
///           mountPath: /var/run/docker.sock
///   volumes:
///     - name: docker
///       hostPath:
///         path: /var/run/docker.sock
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: app
/// spec:
///   containers:
///     - name: app
///       image: registry.example.com/app:1.0
///       volumeMounts:
///         - name: scratch
///           mountPath: /scratch
///   volumes:
///     - name: scratch
///       emptyDir: {}
/// ```
///
/// ## Fix
/// Replace the `hostPath` volume with `emptyDir` for scratch space, a
/// `persistentVolumeClaim` for durable data, or a `configMap`, `secret` or
/// `projected` volume for configuration. Never mount the container runtime
/// socket into an application pod.
///
/// ## References
/// - [Pod Security Standards: HostPath Volumes](https://kubernetes.io/docs/concepts/security/pod-security-standards/)
/// - CIS Kubernetes Benchmark 5.2.12 (minimize the admission of HostPath volumes)
/// - [MITRE ATT&CK T1611: Escape to Host](https://attack.mitre.org/techniques/T1611/)
/// - [MITRE ATT&CK T1552.001: Unsecured Credentials: Credentials In Files](https://attack.mitre.org/techniques/T1552/001/)
#[derive(RuleMetadata)]
#[rule(
    code = "PSB004",
    name = "host-path-volume",
    severity = "high",
    pss = "baseline:hostPathVolumes",
    cis = "5.2.12",
    mitre = "T1611, T1552.001",
    nsa = "pod-security"
)]
pub struct HostPathVolume;

pub(super) static CHECK: Check = Check {
    id: "hostPathVolumes",
    level: Level::Baseline,
    rule: &HostPathVolume::META,
    definitions: &[CheckDefinition {
        min_minor: 0,
        evaluate: evaluate_v1_0,
        cel: cel_v1_0,
        overrides: &[],
    }],
};

/// v1.0+: no volume may have `hostPath` set.
fn evaluate_v1_0(pod: &Pod<'_>) -> Option<Failure> {
    let mut names: Vec<&str> = Vec::new();
    let mut offenders = Vec::new();
    for (i, volume) in list(Some(pod.spec), "volumes").iter().enumerate() {
        let Some(host_path) = child(Some(volume), "hostPath") else {
            continue;
        };
        let name = text(Some(volume), "name");
        names.push(name);
        let path = text(Some(host_path), "path");
        let message = if path.is_empty() {
            format!("volume \"{name}\" uses a hostPath volume")
        } else {
            format!("volume \"{name}\" uses a hostPath volume ({path})")
        };
        offenders.push(Offender::pod(
            format!("/spec/volumes/{i}/hostPath"),
            message,
        ));
    }
    if names.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "hostPath volumes",
        detail: volumes_phrase(&names),
        offenders,
    })
}

/// v1.0+ in CEL.
fn cel_v1_0(exempt: &dyn CelExemptions) -> String {
    format!(
        "variables.volumes.all(v, {})",
        or(
            "!has(v.hostPath)",
            exempt.host_path_volume(&HostPathVolume::META, "v")
        )
    )
}
