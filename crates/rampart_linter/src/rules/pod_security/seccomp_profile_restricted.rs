use super::prelude::*;
use super::seccomp_profile_baseline::allowed_type;

/// ## What it does
/// Requires every container to run under a seccomp profile of type
/// `RuntimeDefault` or `Localhost`, set either on the pod
/// (`spec.securityContext.seccompProfile`, which covers all containers) or on
/// each container. Explicitly setting any other type (such as `Unconfined`)
/// fails as well.
///
/// This is the Pod Security Standards `seccompProfile_restricted` check
/// (Restricted level, from policy v1.19). From v1.25 pods with
/// `spec.os.name: windows` are exempt (seccomp is a Linux feature). It
/// replaces `seccompProfile_baseline` (rule PSB009) at the Restricted level.
///
/// ## Why is this bad?
/// Without a profile, many container runtimes (and Kubernetes, unless the
/// kubelet's `SeccompDefault` is enabled) run containers unconfined, exposing
/// the whole kernel system-call surface, including calls such as `unshare`,
/// `keyctl` or `bpf` that recur in container-escape exploits. Requiring an
/// explicit profile makes the confinement independent of node configuration.
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
///   containers:
///     - name: app
///       image: registry.example.com/app:1.0
///       securityContext:
///         allowPrivilegeEscalation: false
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
/// Add `seccompProfile: {type: RuntimeDefault}` to the pod's
/// `securityContext` (or to every container's), or use `Localhost` with a
/// profile installed on the nodes. Remove any `Unconfined` override.
///
/// ## References
/// - [Pod Security Standards: Seccomp (Restricted)](https://kubernetes.io/docs/concepts/security/pod-security-standards/)
/// - CIS Kubernetes Benchmark 5.7.2 (ensure that the seccomp profile is set to docker/default or runtime/default)
/// - [MITRE ATT&CK T1611: Escape to Host](https://attack.mitre.org/techniques/T1611/)
#[derive(RuleMetadata)]
#[rule(
    code = "PSR004",
    name = "seccomp-profile-restricted",
    severity = "low",
    pss = "restricted:seccompProfile_restricted",
    cis = "5.7.2",
    mitre = "T1611",
    nsa = "container-environments"
)]
pub struct SeccompProfileRestricted;

pub(super) static CHECK: Check = Check {
    id: "seccompProfile_restricted",
    level: Level::Restricted,
    rule: &SeccompProfileRestricted::META,
    definitions: &[
        CheckDefinition {
            min_minor: 19,
            evaluate: evaluate_v1_19,
            cel: cel_v1_19,
            overrides: &["seccompProfile_baseline"],
        },
        CheckDefinition {
            min_minor: 25,
            evaluate: evaluate_v1_25,
            cel: cel_v1_25,
            overrides: &["seccompProfile_baseline"],
        },
    ],
};

/// v1.19–v1.24: a valid pod-level profile covers containers without one;
/// any set profile must have a valid type (missing or non-string type reads
/// as `""`); annotations are ignored.
fn evaluate_v1_19(pod: &Pod<'_>) -> Option<Failure> {
    let mut bad_types: Vec<&str> = Vec::new();
    let mut offenders = Vec::new();
    let mut pod_bad = false;
    let mut pod_valid = false;
    if let Some(profile) = pod.sc_field("seccompProfile") {
        let kind = text(Some(profile), "type");
        if allowed_type(kind) {
            pod_valid = true;
        } else {
            pod_bad = true;
            bad_types.push(kind);
            offenders.push(Offender::pod(
                "/spec/securityContext/seccompProfile/type",
                format!("pod must not set securityContext.seccompProfile.type to \"{kind}\""),
            ));
        }
    }
    let mut explicit: Vec<&str> = Vec::new();
    let mut implicit: Vec<&str> = Vec::new();
    // Offenders for containers without a profile; reported only when the pod
    // level is unset (a bad pod-level profile is the one thing to fix).
    let mut implicit_offenders = Vec::new();
    for c in pod.containers() {
        if let Some(profile) = c.sc_field("seccompProfile") {
            let kind = text(Some(profile), "type");
            if !allowed_type(kind) {
                explicit.push(c.name);
                bad_types.push(kind);
                offenders.push(Offender::container(
                    &c,
                    "securityContext/seccompProfile/type",
                    format!(
                        "{} must not set securityContext.seccompProfile.type to \"{kind}\"",
                        c.label()
                    ),
                ));
            }
        } else if !pod_valid {
            implicit.push(c.name);
            if !pod_bad {
                implicit_offenders.push(Offender::container(
                    &c,
                    "securityContext/seccompProfile",
                    format!(
                        "{} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\" (here or at pod level)",
                        c.label()
                    ),
                ));
            }
        }
    }
    offenders.extend(implicit_offenders);
    let detail = if pod_bad || !explicit.is_empty() {
        format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            setters(pod_bad, &explicit),
            quote_list(&sorted_unique(bad_types))
        )
    } else if !implicit.is_empty() {
        format!(
            "pod or {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
            containers_phrase(&implicit)
        )
    } else {
        return None;
    };
    Some(Failure {
        reason: "seccompProfile",
        detail,
        offenders,
    })
}

/// v1.25+: as v1.19, but Windows pods (`spec.os.name: windows`) pass.
fn evaluate_v1_25(pod: &Pod<'_>) -> Option<Failure> {
    if pod.is_windows() {
        return None;
    }
    evaluate_v1_19(pod)
}

/// v1.19+ in CEL.
fn cel_v1_19(exempt: &dyn CelExemptions) -> String {
    let rule = &SeccompProfileRestricted::META;
    let allowed_types = string_list(&["RuntimeDefault", "Localhost"]);
    let pod_set = pod_sc_has("seccompProfile");
    let pod_type = value_or(
        "variables.spec.securityContext.seccompProfile",
        "type",
        "''",
    );
    let pod = or(
        format!("!({pod_set}) || {pod_type} in {allowed_types}"),
        and(
            format!("{pod_type} == 'Unconfined'"),
            super::seccomp_profile_baseline::cel_pod_unconfined_allowed(rule, exempt),
        ),
    );
    let own = container_sc_has("c", "seccompProfile");
    let container_type = value_or("c.securityContext.seccompProfile", "type", "''");
    let explicit = or(
        format!("{container_type} in {allowed_types}"),
        and(
            format!("{container_type} == 'Unconfined'"),
            exempt.container(rule, "c", CelPrivilege::SeccompUnconfined),
        ),
    );
    // A container without a profile fails only when the pod sets none either
    // (a bad pod-level profile is the one offender then).
    format!("({pod}) && variables.containers.all(c, ({own}) ? ({explicit}) : ({pod_set}))")
}

/// v1.25+ in CEL: Windows pods pass.
fn cel_v1_25(exempt: &dyn CelExemptions) -> String {
    unless(WINDOWS_POD, cel_v1_19(exempt))
}
