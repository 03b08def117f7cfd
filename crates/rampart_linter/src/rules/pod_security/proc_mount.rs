use super::prelude::*;

/// ## What it does
/// Flags containers whose `securityContext.procMount` is anything other than
/// `Default` (in practice, `Unmasked`).
///
/// This is the Pod Security Standards `procMount` check (Baseline level, all
/// policy versions). From policy v1.35 the check passes for pods that run in
/// a user namespace (`hostUsers: false`), where an unmasked `/proc` only
/// exposes the pod's own namespace. At the Restricted level it is replaced
/// from v1.35 by `procMount_restricted` (rule PSR007), which has no such
/// exemption.
///
/// ## Why is this bad?
/// The container runtime masks and makes read-only sensitive paths of
/// `/proc` (`/proc/kcore`, `/proc/sysrq-trigger`, `/proc/sys`, ...).
/// `procMount: Unmasked` removes those protections, exposing kernel memory,
/// kernel tunables and host information that help an attacker escape the
/// container.
///
/// Its legitimate use is nested containers (building images or running
/// containers inside a pod); do that in a user-namespaced pod
/// (`hostUsers: false`).
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: builder
/// spec:
///   containers:
///     - name: builder
///       image: registry.example.com/builder:1.0
///       securityContext:
///         procMount: Unmasked
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: builder
/// spec:
///   hostUsers: false
///   containers:
///     - name: builder
///       image: registry.example.com/builder:1.0
///       securityContext:
///         procMount: Unmasked
/// ```
///
/// ## Fix
/// Remove `procMount` (or set it to `Default`). If the workload needs an
/// unmasked `/proc`, run the pod in a user namespace with `hostUsers: false`
/// (allowed at Baseline from policy v1.35, never at Restricted).
///
/// ## References
/// - [Pod Security Standards: /proc Mount Type](https://kubernetes.io/docs/concepts/security/pod-security-standards/)
/// - CIS Kubernetes Benchmark 5.7.3 (apply security context to pods and containers)
/// - [MITRE ATT&CK T1611: Escape to Host](https://attack.mitre.org/techniques/T1611/)
#[derive(RuleMetadata)]
#[rule(
    code = "PSB008",
    name = "proc-mount",
    severity = "high",
    pss = "baseline:procMount",
    cis = "5.7.3",
    mitre = "T1611",
    nsa = "pod-security"
)]
pub struct ProcMount;

pub(super) static CHECK: Check = Check {
    id: "procMount",
    level: Level::Baseline,
    rule: &ProcMount::META,
    definitions: &[
        CheckDefinition {
            min_minor: 0,
            evaluate: evaluate_v1_0,
            cel: cel_v1_0,
            overrides: &[],
        },
        CheckDefinition {
            min_minor: 35,
            evaluate: evaluate_v1_35,
            cel: cel_v1_35,
            overrides: &[],
        },
    ],
};

/// v1.0–v1.34 (and `procMount_restricted`): a set `procMount` must be
/// `Default`. A non-string value reads as `""`, which is not `Default`.
pub(super) fn evaluate_v1_0(pod: &Pod<'_>) -> Option<Failure> {
    let mut bad_containers: Vec<&str> = Vec::new();
    let mut values: Vec<&str> = Vec::new();
    let mut offenders = Vec::new();
    for c in pod.containers() {
        let Some(proc_mount) = c.sc_field("procMount") else {
            continue;
        };
        let value = proc_mount.as_str().unwrap_or("");
        if value == "Default" {
            continue;
        }
        bad_containers.push(c.name);
        values.push(value);
        offenders.push(Offender::container(
            &c,
            "securityContext/procMount",
            format!(
                "{} must not set securityContext.procMount to \"{value}\"",
                c.label()
            ),
        ));
    }
    if bad_containers.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "procMount",
        detail: format!(
            "{} must not set securityContext.procMount to {}",
            containers_phrase(&bad_containers),
            quote_list(&sorted_unique(values))
        ),
        offenders,
    })
}

/// v1.35+: as v1.0, but user-namespaced pods (`hostUsers: false`) pass.
fn evaluate_v1_35(pod: &Pod<'_>) -> Option<Failure> {
    if pod.is_user_namespaced() {
        return None;
    }
    evaluate_v1_0(pod)
}

/// v1.0+ in CEL.
pub(super) fn cel_v1_0(_: &dyn CelExemptions) -> String {
    format!(
        "variables.containers.all(c, !({}) || c.securityContext.procMount == 'Default')",
        container_sc_has("c", "procMount")
    )
}

/// v1.35+ in CEL: user-namespaced pods pass.
fn cel_v1_35(exempt: &dyn CelExemptions) -> String {
    unless(USER_NAMESPACED_POD, cel_v1_0(exempt))
}
