use super::prelude::*;

/// ## What it does
/// Flags pods and containers that explicitly set a seccomp profile other
/// than `RuntimeDefault` or `Localhost` (for example `Unconfined`). Leaving
/// seccomp unset is fine at the Baseline level.
///
/// This is the Pod Security Standards `seccompProfile_baseline` check
/// (Baseline level). Policy versions v1.0–v1.18 inspect only the legacy
/// annotations `seccomp.security.alpha.kubernetes.io/pod` and
/// `container.seccomp.security.alpha.kubernetes.io/<container>` (allowed:
/// `runtime/default`, `docker/default`, `localhost/<profile>`); v1.19 and
/// later inspect only the `securityContext.seccompProfile` fields. At the
/// Restricted level it is replaced from v1.19 by `seccompProfile_restricted`
/// (rule PSR004).
///
/// ## Why is this bad?
/// Seccomp filters the system calls a container may make. The runtime's
/// default profile blocks a few dozen rarely needed but dangerous calls
/// (`unshare`, `keyctl`, `bpf`, `mount`, `ptrace` on older kernels, ...) that
/// appear again and again in container-escape exploits. `Unconfined` exposes
/// the whole kernel system-call surface to the workload.
///
/// Tracing and security agents (Falco, Datadog's system-probe, eBPF-based
/// profilers) sometimes run unconfined because they call `bpf` or
/// `perf_event_open`. Give them a `Localhost` profile that allows just those
/// calls, or keep them in a dedicated privileged namespace.
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: app
/// spec:
///   securityContext:
///     seccompProfile:
///       type: Unconfined
///   containers:
///     - name: app
///       image: registry.example.com/app:1.0
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
///     seccompProfile:
///       type: RuntimeDefault
///   containers:
///     - name: app
///       image: registry.example.com/app:1.0
/// ```
///
/// ## Fix
/// Set `seccompProfile.type` to `RuntimeDefault` (or `Localhost` with a
/// `localhostProfile` present on the nodes), or remove the override. Replace
/// legacy seccomp annotations with the `seccompProfile` field.
///
/// ## References
/// - [Pod Security Standards: Seccomp](https://kubernetes.io/docs/concepts/security/pod-security-standards/)
/// - CIS Kubernetes Benchmark 5.7.2 (ensure that the seccomp profile is set to docker/default or runtime/default)
/// - [MITRE ATT&CK T1611: Escape to Host](https://attack.mitre.org/techniques/T1611/)
#[derive(RuleMetadata)]
#[rule(
    code = "PSB009",
    name = "seccomp-profile-baseline",
    severity = "medium",
    pss = "baseline:seccompProfile_baseline",
    cis = "5.7.2",
    mitre = "T1611",
    nsa = "container-environments"
)]
pub struct SeccompProfileBaseline;

pub(super) static CHECK: Check = Check {
    id: "seccompProfile_baseline",
    level: Level::Baseline,
    rule: &SeccompProfileBaseline::META,
    definitions: &[
        CheckDefinition {
            min_minor: 0,
            evaluate: evaluate_v1_0,
            cel: cel_v1_0,
            overrides: &[],
        },
        CheckDefinition {
            min_minor: 19,
            evaluate: evaluate_v1_19,
            cel: cel_v1_19,
            overrides: &[],
        },
    ],
};

const POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const CONTAINER_ANNOTATION_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

/// An allowed legacy annotation value (an empty value is not allowed).
fn allowed_annotation_value(value: &str) -> bool {
    value == "runtime/default" || value == "docker/default" || value.starts_with("localhost/")
}

/// `RuntimeDefault` or `Localhost`.
pub(super) fn allowed_type(kind: &str) -> bool {
    matches!(kind, "RuntimeDefault" | "Localhost")
}

/// v1.0–v1.18: the pod annotation and the annotations of existing containers
/// must have allowed values; fields are ignored.
fn evaluate_v1_0(pod: &Pod<'_>) -> Option<Failure> {
    // Cheap pre-filter: most pods carry no legacy seccomp annotation at all.
    let relevant = pod
        .annotations?
        .keys()
        .any(|key| key == POD_ANNOTATION || key.starts_with(CONTAINER_ANNOTATION_PREFIX));
    if !relevant {
        return None;
    }
    // (rendering, key, container)
    let mut bad: Vec<(String, String, Option<&str>)> = Vec::new();
    let value_of = |key: &str| pod.annotation(key);
    if let Some(value) = value_of(POD_ANNOTATION)
        && !allowed_annotation_value(value)
    {
        bad.push((
            format!("{POD_ANNOTATION}={}", go_quote(value)),
            POD_ANNOTATION.to_owned(),
            None,
        ));
    }
    for c in pod.containers() {
        let key = format!("{CONTAINER_ANNOTATION_PREFIX}{}", c.name);
        if let Some(value) = value_of(&key)
            && !allowed_annotation_value(value)
            && !bad.iter().any(|(_, seen, _)| *seen == key)
        {
            bad.push((format!("{key}={}", go_quote(value)), key, Some(c.name)));
        }
    }
    if bad.is_empty() {
        return None;
    }
    bad.sort_unstable();
    let offenders = bad
        .iter()
        .map(|(rendering, key, container)| Offender {
            pointer: annotation_pointer(key),
            container: container.map(str::to_owned),
            message: format!("forbidden seccomp annotation {rendering}"),
        })
        .collect();
    let renderings: Vec<&str> = bad.iter().map(|(r, _, _)| r.as_str()).collect();
    Some(Failure {
        reason: "seccompProfile",
        detail: format!(
            "forbidden {} {}",
            plural("annotation", "annotations", renderings.len()),
            renderings.join(", ")
        ),
        offenders,
    })
}

/// v1.19+: a set pod or container `seccompProfile` must have an allowed
/// `type` (a missing or non-string type reads as `""`); annotations are
/// ignored; unset is fine.
fn evaluate_v1_19(pod: &Pod<'_>) -> Option<Failure> {
    let mut bad_types: Vec<&str> = Vec::new();
    let mut offenders = Vec::new();
    let mut pod_bad = false;
    if let Some(profile) = pod.sc_field("seccompProfile") {
        let kind = text(Some(profile), "type");
        if !allowed_type(kind) {
            pod_bad = true;
            bad_types.push(kind);
            offenders.push(Offender::pod(
                "/spec/securityContext/seccompProfile/type",
                format!("pod must not set securityContext.seccompProfile.type to \"{kind}\""),
            ));
        }
    }
    let mut bad_containers: Vec<&str> = Vec::new();
    for c in pod.containers() {
        let Some(profile) = c.sc_field("seccompProfile") else {
            continue;
        };
        let kind = text(Some(profile), "type");
        if !allowed_type(kind) {
            bad_containers.push(c.name);
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
    }
    if !pod_bad && bad_containers.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "seccompProfile",
        detail: format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            setters(pod_bad, &bad_containers),
            quote_list(&sorted_unique(bad_types))
        ),
        offenders,
    })
}

/// A CEL condition: the annotation value `value` is allowed.
fn cel_allowed_annotation(value: &str) -> String {
    format!(
        "({value} in ['runtime/default', 'docker/default'] || {value}.startsWith('localhost/'))"
    )
}

/// v1.0+ in CEL (annotations; no exception applies to them).
fn cel_v1_0(_: &dyn CelExemptions) -> String {
    let pod_key = quote(POD_ANNOTATION);
    let container_key = format!("{} + c.name", quote(CONTAINER_ANNOTATION_PREFIX));
    format!(
        "(!({pod_key} in variables.annotations) || {}) && variables.containers.all(c, !(({container_key}) in variables.annotations) || {})",
        cel_allowed_annotation(&format!("variables.annotations[{pod_key}]")),
        cel_allowed_annotation(&format!("variables.annotations[{container_key}]")),
    )
}

/// A CEL condition: the pod-level `seccompProfile.type` Unconfined is allowed
/// for every container that takes it from the pod (no type of its own, no
/// legacy annotation), and at least one does.
pub(super) fn cel_pod_unconfined_allowed(
    rule: &'static crate::registry::RuleMeta,
    exempt: &dyn CelExemptions,
) -> String {
    let allowed = exempt.container(rule, "c", CelPrivilege::SeccompUnconfined);
    if allowed == crate::pss::cel::FALSE {
        return allowed;
    }
    let inherits = format!(
        "!({}) && !(({} + c.name) in variables.annotations)",
        container_sc_has("c", "seccompProfile.type"),
        quote(CONTAINER_ANNOTATION_PREFIX)
    );
    format!(
        "variables.containers.exists(c, {inherits}) && variables.containers.all(c, !({inherits}) || ({allowed}))"
    )
}

/// v1.19+ in CEL.
fn cel_v1_19(exempt: &dyn CelExemptions) -> String {
    let rule = &SeccompProfileBaseline::META;
    let allowed_types = string_list(&["RuntimeDefault", "Localhost"]);
    let pod_type = value_or(
        "variables.spec.securityContext.seccompProfile",
        "type",
        "''",
    );
    let pod = or(
        format!(
            "!({}) || {pod_type} in {allowed_types}",
            pod_sc_has("seccompProfile")
        ),
        and(
            format!("{pod_type} == 'Unconfined'"),
            cel_pod_unconfined_allowed(rule, exempt),
        ),
    );
    let container_type = value_or("c.securityContext.seccompProfile", "type", "''");
    let containers = or(
        format!(
            "!({}) || {container_type} in {allowed_types}",
            container_sc_has("c", "seccompProfile")
        ),
        and(
            format!("{container_type} == 'Unconfined'"),
            exempt.container(rule, "c", CelPrivilege::SeccompUnconfined),
        ),
    );
    format!("({pod}) && variables.containers.all(c, {containers})")
}
