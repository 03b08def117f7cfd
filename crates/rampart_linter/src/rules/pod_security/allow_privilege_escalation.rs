use super::prelude::*;

/// ## What it does
/// Requires every container (including init and ephemeral containers) to set
/// `securityContext.allowPrivilegeEscalation: false` explicitly. There is no
/// pod-level field; a missing value fails.
///
/// This is the Pod Security Standards `allowPrivilegeEscalation` check
/// (Restricted level, from policy v1.8). From v1.25 pods with
/// `spec.os.name: windows` are exempt (the setting is Linux-only).
///
/// ## Why is this bad?
/// `allowPrivilegeEscalation` defaults to `true`, which lets a process gain
/// more privileges than its parent: set-user-ID binaries such as `su`,
/// `sudo` or `ping` run as root, and file capabilities take effect. Setting
/// it to `false` sets the kernel's `no_new_privs` flag, so an attacker who
/// lands in the container as a non-root user cannot climb to root through a
/// setuid binary or a file capability.
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
///         capabilities:
///           drop: ["ALL"]
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
/// ```
///
/// ## Fix
/// Add `allowPrivilegeEscalation: false` to the `securityContext` of every
/// container, init container and ephemeral container. Workloads that rely on
/// setuid binaries should be changed to run with the needed user (or a
/// specific capability) from the start.
///
/// ## References
/// - [Pod Security Standards: Privilege Escalation](https://kubernetes.io/docs/concepts/security/pod-security-standards/)
/// - CIS Kubernetes Benchmark 5.2.6 (minimize the admission of containers with allowPrivilegeEscalation)
/// - [MITRE ATT&CK T1548: Abuse Elevation Control Mechanism](https://attack.mitre.org/techniques/T1548/)
#[derive(RuleMetadata)]
#[rule(
    code = "PSR003",
    name = "allow-privilege-escalation",
    severity = "medium",
    pss = "restricted:allowPrivilegeEscalation",
    cis = "5.2.6",
    mitre = "T1548",
    nsa = "pod-security"
)]
pub struct AllowPrivilegeEscalation;

pub(super) static CHECK: Check = Check {
    id: "allowPrivilegeEscalation",
    level: Level::Restricted,
    rule: &AllowPrivilegeEscalation::META,
    definitions: &[
        CheckDefinition {
            min_minor: 8,
            evaluate: evaluate_v1_8,
            cel: cel_v1_8,
            overrides: &[],
        },
        CheckDefinition {
            min_minor: 25,
            evaluate: evaluate_v1_25,
            cel: cel_v1_25,
            overrides: &[],
        },
    ],
};

/// v1.8–v1.24: every container must set `allowPrivilegeEscalation: false`
/// (missing, `true` or a non-boolean value fails).
fn evaluate_v1_8(pod: &Pod<'_>) -> Option<Failure> {
    let bad: Vec<Container<'_>> = pod
        .containers()
        .filter(|c| flag(c.security_context, "allowPrivilegeEscalation") != Some(false))
        .collect();
    if bad.is_empty() {
        return None;
    }
    let names: Vec<&str> = bad.iter().map(|c| c.name).collect();
    let offenders = bad
        .iter()
        .map(|c| {
            Offender::container(
                c,
                "securityContext/allowPrivilegeEscalation",
                format!(
                    "{} must set securityContext.allowPrivilegeEscalation=false",
                    c.label()
                ),
            )
        })
        .collect();
    Some(Failure {
        reason: "allowPrivilegeEscalation != false",
        detail: format!(
            "{} must set securityContext.allowPrivilegeEscalation=false",
            containers_phrase(&names)
        ),
        offenders,
    })
}

/// v1.25+: as v1.8, but Windows pods (`spec.os.name: windows`) pass.
fn evaluate_v1_25(pod: &Pod<'_>) -> Option<Failure> {
    if pod.is_windows() {
        return None;
    }
    evaluate_v1_8(pod)
}

/// v1.8+ in CEL.
fn cel_v1_8(_: &dyn CelExemptions) -> String {
    format!(
        "variables.containers.all(c, {} && c.securityContext.allowPrivilegeEscalation == false)",
        container_sc_has("c", "allowPrivilegeEscalation")
    )
}

/// v1.25+ in CEL: Windows pods pass.
fn cel_v1_25(exempt: &dyn CelExemptions) -> String {
    unless(WINDOWS_POD, cel_v1_8(exempt))
}
