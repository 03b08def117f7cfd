use super::prelude::*;

/// ## What it does
/// Requires containers to be declared as running as a non-root user:
/// `securityContext.runAsNonRoot: true` on the pod (covering every
/// container) or on each container, and never `runAsNonRoot: false`.
/// A non-zero `runAsUser` alone does not satisfy this check.
///
/// This is the Pod Security Standards `runAsNonRoot` check (Restricted level,
/// all policy versions). From policy v1.35 pods running in a user namespace
/// (`hostUsers: false`) pass: root inside the pod is then an unprivileged
/// user on the node. Windows pods are not exempt.
///
/// ## Why is this bad?
/// Many images run as root by default. Root in a container is root on the
/// node as far as the kernel is concerned (without user namespaces): any
/// file it reaches through a mount, any capability it regains, any
/// container-escape bug it exploits, it uses with UID 0. With
/// `runAsNonRoot: true` the kubelet refuses to start a container whose image
/// would run as UID 0.
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
/// ## Use instead
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: app
/// spec:
///   securityContext:
///     runAsNonRoot: true
///     runAsUser: 10001
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
/// Set `runAsNonRoot: true` in the pod's `securityContext` and make sure the
/// image runs as a non-root user (a numeric `USER` in the Dockerfile, or
/// `runAsUser` with a non-zero UID). Remove any `runAsNonRoot: false`.
///
/// ## References
/// - [Pod Security Standards: Running as Non-root](https://kubernetes.io/docs/concepts/security/pod-security-standards/)
/// - CIS Kubernetes Benchmark 5.2.7 (minimize the admission of root containers)
/// - [MITRE ATT&CK T1611: Escape to Host](https://attack.mitre.org/techniques/T1611/)
#[derive(RuleMetadata)]
#[rule(
    code = "PSR002",
    name = "run-as-non-root",
    severity = "medium",
    pss = "restricted:runAsNonRoot",
    cis = "5.2.7",
    mitre = "T1611",
    nsa = "non-root-containers"
)]
pub struct RunAsNonRoot;

pub(super) static CHECK: Check = Check {
    id: "runAsNonRoot",
    level: Level::Restricted,
    rule: &RunAsNonRoot::META,
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

/// v1.0–v1.34: pod-level `true` covers containers without the field;
/// explicit `false` anywhere fails. A non-boolean value reads as unset.
fn evaluate_v1_0(pod: &Pod<'_>) -> Option<Failure> {
    let pod_value = flag(pod.security_context, "runAsNonRoot");
    let pod_bad = pod_value == Some(false);
    let mut offenders = Vec::new();
    if pod_bad {
        offenders.push(Offender::pod(
            "/spec/securityContext/runAsNonRoot",
            "pod must not set securityContext.runAsNonRoot=false",
        ));
    }
    let mut explicit: Vec<&str> = Vec::new();
    let mut implicit: Vec<&str> = Vec::new();
    let mut implicit_offenders = Vec::new();
    for c in pod.containers() {
        match flag(c.security_context, "runAsNonRoot") {
            Some(true) => {}
            Some(false) => {
                explicit.push(c.name);
                offenders.push(Offender::container(
                    &c,
                    "securityContext/runAsNonRoot",
                    format!(
                        "{} must not set securityContext.runAsNonRoot=false",
                        c.label()
                    ),
                ));
            }
            None if pod_value == Some(true) => {}
            None => {
                implicit.push(c.name);
                // With a pod-level `false`, fixing the pod fixes this container.
                if !pod_bad {
                    implicit_offenders.push(Offender::container(
                        &c,
                        "securityContext/runAsNonRoot",
                        format!(
                            "{} must set securityContext.runAsNonRoot=true (here or at pod level)",
                            c.label()
                        ),
                    ));
                }
            }
        }
    }
    offenders.extend(implicit_offenders);
    let detail = if pod_bad || !explicit.is_empty() {
        format!(
            "{} must not set securityContext.runAsNonRoot=false",
            setters(pod_bad, &explicit)
        )
    } else if !implicit.is_empty() {
        format!(
            "pod or {} must set securityContext.runAsNonRoot=true",
            containers_phrase(&implicit)
        )
    } else {
        return None;
    };
    Some(Failure {
        reason: "runAsNonRoot != true",
        detail,
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

/// v1.0+ in CEL. A container that runs as root (user 0, or no user set
/// here or at pod level) holds the privilege an exception (`runAsRoot`) may
/// allow; a pod-level `runAsNonRoot: false` is allowed when every container
/// it lets run as root is.
fn cel_v1_0(exempt: &dyn CelExemptions) -> String {
    let pod_set = pod_sc_has("runAsNonRoot");
    let pod_false = format!("{pod_set} && variables.spec.securityContext.runAsNonRoot == false");
    let pod_true = format!("{pod_set} && variables.spec.securityContext.runAsNonRoot == true");
    let own = container_sc_has("c", "runAsNonRoot");
    let ok =
        format!("({own} && c.securityContext.runAsNonRoot == true) || (!({own}) && {pod_true})");
    let allowed = exempt.container(&RunAsNonRoot::META, "c", CelPrivilege::RunAsRoot);
    if allowed == crate::pss::cel::FALSE {
        return format!("!({pod_false}) && variables.containers.all(c, {ok})");
    }
    let own_user = container_sc_has("c", "runAsUser");
    let pod_user = pod_sc_has("runAsUser");
    let holds_root = format!(
        "!{WINDOWS_FOR_PRIVILEGES} && (({own_user}) ? c.securityContext.runAsUser == 0 : (({pod_user}) ? variables.spec.securityContext.runAsUser == 0 : !({ok})))"
    );
    let pod = format!(
        "!({pod_false}) || (variables.containers.exists(c, {holds_root}) && variables.containers.all(c, !({holds_root}) || ({allowed})))"
    );
    // Under a pod-level `false`, containers that do not set it themselves
    // are the pod's offender, not their own.
    format!(
        "({pod}) && variables.containers.all(c, ({ok}) || (({pod_false}) && !({own})) || (({holds_root}) && ({allowed})))"
    )
}

/// v1.35+ in CEL: user-namespaced pods pass.
fn cel_v1_35(exempt: &dyn CelExemptions) -> String {
    unless(USER_NAMESPACED_POD, cel_v1_0(exempt))
}
