use super::prelude::*;

/// ## What it does
/// Requires every volume to use one of the volume types that cannot reach
/// outside the pod's own storage: `configMap`, `csi`, `downwardAPI`,
/// `emptyDir`, `ephemeral`, `image`, `persistentVolumeClaim`, `projected`,
/// `secret`. Anything else (`hostPath`, `nfs`, `iscsi`, `rbd`, `gitRepo`,
/// in-tree cloud disks, `flexVolume`, ...) is flagged.
///
/// This is the Pod Security Standards `restrictedVolumes` check (Restricted
/// level, all policy versions). It replaces `hostPathVolumes` (rule PSB004)
/// at the Restricted level.
///
/// ## Why is this bad?
/// Direct volume sources bypass the PersistentVolume abstraction, so the
/// pod author (not the cluster administrator) chooses what storage is
/// mounted and how: `hostPath` exposes the node, `nfs`/`iscsi`/`rbd` let a
/// pod mount arbitrary network storage with the node's network identity,
/// `gitRepo` runs `git` on the node against an attacker-chosen repository
/// (CVE-2018-11235, CVE-2024-10220), and `flexVolume` runs node-side drivers.
/// Going through a `persistentVolumeClaim` keeps the storage decision with
/// the administrator.
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: app
/// spec:
///   securityContext:
///     runAsNonRoot: true
///     seccompProfile:
///       type: RuntimeDefault
///   containers:
///     - name: app
///       image: registry.example.com/app:1.0
///       securityContext:
///         allowPrivilegeEscalation: false
///         capabilities:
///           drop: ["ALL"]
///       volumeMounts:
///         - name: shared
///           mountPath: /data
///   volumes:
///     - name: shared
///       nfs:
///         server: nfs.example.com
///         path: /exports/data
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: app
/// spec:
///   securityContext:
///     runAsNonRoot: true
///     seccompProfile:
///       type: RuntimeDefault
///   containers:
///     - name: app
///       image: registry.example.com/app:1.0
///       securityContext:
///         allowPrivilegeEscalation: false
///         capabilities:
///           drop: ["ALL"]
///       volumeMounts:
///         - name: shared
///           mountPath: /data
///   volumes:
///     - name: shared
///       persistentVolumeClaim:
///         claimName: shared-data
/// ```
///
/// ## Fix
/// Have an administrator create a PersistentVolume (or a StorageClass) for
/// the storage and reference it through a `persistentVolumeClaim`; use
/// `emptyDir`, `configMap`, `secret`, `projected` or `downwardAPI` for
/// scratch space and configuration, and an init container instead of
/// `gitRepo`.
///
/// ## References
/// - [Pod Security Standards: Volume Types](https://kubernetes.io/docs/concepts/security/pod-security-standards/)
/// - CIS Kubernetes Benchmark 5.2.12 (minimize the admission of HostPath volumes)
/// - [MITRE ATT&CK T1611: Escape to Host](https://attack.mitre.org/techniques/T1611/)
#[derive(RuleMetadata)]
#[rule(
    code = "PSR001",
    name = "restricted-volume-type",
    severity = "medium",
    pss = "restricted:restrictedVolumes",
    cis = "5.2.12",
    mitre = "T1611",
    nsa = "pod-security"
)]
pub struct RestrictedVolumeType;

pub(super) static CHECK: Check = Check {
    id: "restrictedVolumes",
    level: Level::Restricted,
    rule: &RestrictedVolumeType::META,
    definitions: &[CheckDefinition {
        min_minor: 0,
        evaluate: evaluate_v1_0,
        cel: cel_v1_0,
        overrides: &["hostPathVolumes"],
    }],
};

/// Volume sources allowed at Restricted (at every version).
const ALLOWED: [&str; 9] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// Forbidden sources, in the order upstream picks a volume's reported type.
const FORBIDDEN: [&str; 21] = [
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
];

/// v1.0+: every volume must have an allowed source set. A volume with no
/// known source is `unknown` (API defaulting turns a source-less volume into
/// `emptyDir`, see `pss::apply_api_defaults`).
fn evaluate_v1_0(pod: &Pod<'_>) -> Option<Failure> {
    let mut names: Vec<&str> = Vec::new();
    let mut types: Vec<&str> = Vec::new();
    let mut offenders = Vec::new();
    for (i, volume) in list(Some(pod.spec), "volumes").iter().enumerate() {
        if ALLOWED
            .iter()
            .any(|source| child(Some(volume), source).is_some())
        {
            continue;
        }
        let name = text(Some(volume), "name");
        let kind = FORBIDDEN
            .iter()
            .copied()
            .find(|source| child(Some(volume), source).is_some());
        let pointer = match kind {
            Some(kind) => format!("/spec/volumes/{i}/{kind}"),
            None => format!("/spec/volumes/{i}"),
        };
        let kind = kind.unwrap_or("unknown");
        names.push(name);
        types.push(kind);
        offenders.push(Offender::pod(
            pointer,
            format!("volume \"{name}\" uses restricted volume type \"{kind}\""),
        ));
    }
    if names.is_empty() {
        return None;
    }
    let types = sorted_unique(types);
    Some(Failure {
        reason: "restricted volume types",
        detail: format!(
            "{} {} {} {}",
            volumes_phrase(&names),
            plural("uses", "use", names.len()),
            plural(
                "restricted volume type",
                "restricted volume types",
                types.len()
            ),
            quote_list(&types)
        ),
        offenders,
    })
}

/// v1.0+ in CEL.
fn cel_v1_0(exempt: &dyn CelExemptions) -> String {
    let allowed: Vec<String> = ALLOWED.iter().map(|s| format!("has(v.{s})")).collect();
    let host_path = exempt.host_path_volume(&RestrictedVolumeType::META, "v");
    let host_path = if host_path == crate::pss::cel::FALSE {
        host_path
    } else {
        format!("has(v.hostPath) && ({host_path})")
    };
    format!(
        "variables.volumes.all(v, {})",
        or(allowed.join(" || "), host_path)
    )
}
