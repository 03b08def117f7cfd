use super::prelude::*;

/// ## What it does
/// Flags pods and containers that explicitly set `runAsUser: 0` (root) in
/// their `securityContext`. Leaving `runAsUser` unset is fine for this check
/// (rule PSR002 `run-as-non-root` covers images that default to root).
///
/// This is the Pod Security Standards `runAsUser` check (Restricted level,
/// from policy v1.23). From policy v1.35 pods running in a user namespace
/// (`hostUsers: false`) pass: UID 0 in the pod maps to an unprivileged UID on
/// the node.
///
/// ## Why is this bad?
/// `runAsUser: 0` forces the container's processes to run as root,
/// overriding a non-root `USER` in the image. Without a user namespace,
/// root in the container is UID 0 on the node: files reachable through
/// volumes, kernel interfaces and container-escape bugs are all exploited
/// with full root rights. It also conflicts with `runAsNonRoot: true`, which
/// makes the container fail to start.
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
///     runAsUser: 0
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
/// Remove `runAsUser: 0` or set a non-zero UID (and matching `runAsGroup`).
/// If the workload really needs root inside the container, run it with
/// `hostUsers: false` so that root is not root on the node.
///
/// ## References
/// - [Pod Security Standards: Running as Non-root user](https://kubernetes.io/docs/concepts/security/pod-security-standards/)
/// - CIS Kubernetes Benchmark 5.2.7 (minimize the admission of root containers)
/// - [MITRE ATT&CK T1611: Escape to Host](https://attack.mitre.org/techniques/T1611/)
#[derive(RuleMetadata)]
#[rule(
    code = "PSR006",
    name = "run-as-root-user",
    severity = "medium",
    pss = "restricted:runAsUser",
    cis = "5.2.7",
    mitre = "T1611",
    nsa = "non-root-containers"
)]
pub struct RunAsRootUser;

pub(super) static CHECK: Check = Check {
    id: "runAsUser",
    level: Level::Restricted,
    rule: &RunAsRootUser::META,
    definitions: &[
        CheckDefinition {
            min_minor: 23,
            evaluate: evaluate_v1_23,
            cel: cel_v1_23,
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

fn is_root(security_context: Option<&serde_json::Value>) -> bool {
    number(security_context, "runAsUser").is_some_and(is_zero)
}

/// v1.23–v1.34: neither the pod nor any container may set `runAsUser: 0`
/// (a non-number value reads as unset).
fn evaluate_v1_23(pod: &Pod<'_>) -> Option<Failure> {
    let mut offenders = Vec::new();
    let pod_bad = is_root(pod.security_context);
    if pod_bad {
        offenders.push(Offender::pod(
            "/spec/securityContext/runAsUser",
            "pod must not set runAsUser=0",
        ));
    }
    let mut bad_containers: Vec<&str> = Vec::new();
    for c in pod.containers() {
        if is_root(c.security_context) {
            bad_containers.push(c.name);
            offenders.push(Offender::container(
                &c,
                "securityContext/runAsUser",
                format!("{} must not set runAsUser=0", c.label()),
            ));
        }
    }
    if !pod_bad && bad_containers.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "runAsUser=0",
        detail: format!(
            "{} must not set runAsUser=0",
            setters(pod_bad, &bad_containers)
        ),
        offenders,
    })
}

/// v1.35+: as v1.23, but user-namespaced pods (`hostUsers: false`) pass.
fn evaluate_v1_35(pod: &Pod<'_>) -> Option<Failure> {
    if pod.is_user_namespaced() {
        return None;
    }
    evaluate_v1_23(pod)
}

/// v1.23+ in CEL.
fn cel_v1_23(exempt: &dyn CelExemptions) -> String {
    let rule = &RunAsRootUser::META;
    let own = container_sc_has("c", "runAsUser");
    let allowed = exempt.container(rule, "c", CelPrivilege::RunAsRoot);
    let pod_allowed = if allowed == crate::pss::cel::FALSE {
        allowed.clone()
    } else {
        format!(
            "!{WINDOWS_FOR_PRIVILEGES} && variables.containers.exists(c, !({own})) && variables.containers.all(c, ({own}) || ({allowed}))"
        )
    };
    let container_allowed = if allowed == crate::pss::cel::FALSE {
        allowed
    } else {
        format!("!{WINDOWS_FOR_PRIVILEGES} && ({allowed})")
    };
    let pod = or(
        format!(
            "!({} && variables.spec.securityContext.runAsUser == 0)",
            pod_sc_has("runAsUser")
        ),
        pod_allowed,
    );
    let containers = or(
        format!("!({own} && c.securityContext.runAsUser == 0)"),
        container_allowed,
    );
    format!("({pod}) && variables.containers.all(c, {containers})")
}

/// v1.35+ in CEL: user-namespaced pods pass.
fn cel_v1_35(exempt: &dyn CelExemptions) -> String {
    unless(USER_NAMESPACED_POD, cel_v1_23(exempt))
}
