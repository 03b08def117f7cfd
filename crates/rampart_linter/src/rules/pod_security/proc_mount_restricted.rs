use super::prelude::*;

/// ## What it does
/// Flags containers whose `securityContext.procMount` is anything other than
/// `Default`, even in user-namespaced pods.
///
/// This is the Pod Security Standards `procMount_restricted` check
/// (Restricted level, from policy v1.35). It replaces the Baseline
/// `procMount` check (rule PSB008) at the Restricted level, keeping the
/// original rule without the `hostUsers: false` exemption: the Restricted
/// level never allows an unmasked `/proc`.
///
/// ## Why is this bad?
/// An unmasked `/proc` exposes kernel interfaces the runtime normally hides
/// (`/proc/sys`, `/proc/sysrq-trigger`, `/proc/kcore`). A user namespace
/// limits what a process can do with them, but a kernel bug reachable
/// through those files is still reachable. Restricted workloads have no need
/// for it.
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: builder
/// spec:
///   hostUsers: false
///   securityContext:
///     runAsNonRoot: true
///     seccompProfile:
///       type: RuntimeDefault
///   containers:
///     - name: builder
///       image: registry.example.com/builder:1.0
///       securityContext:
///         procMount: Unmasked
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
///   name: builder
/// spec:
///   hostUsers: false
///   securityContext:
///     runAsNonRoot: true
///     seccompProfile:
///       type: RuntimeDefault
///   containers:
///     - name: builder
///       image: registry.example.com/builder:1.0
///       securityContext:
///         allowPrivilegeEscalation: false
///         capabilities:
///           drop: ["ALL"]
/// ```
///
/// ## Fix
/// Remove `procMount` (or set it to `Default`). Workloads that really need an
/// unmasked `/proc` (nested containers) belong in a Baseline namespace and
/// must run with `hostUsers: false`.
///
/// ## References
/// - [Pod Security Standards: /proc Mount Type](https://kubernetes.io/docs/concepts/security/pod-security-standards/)
/// - CIS Kubernetes Benchmark 5.7.3 (apply security context to pods and containers)
/// - [MITRE ATT&CK T1611: Escape to Host](https://attack.mitre.org/techniques/T1611/)
#[derive(RuleMetadata)]
#[rule(
    code = "PSR007",
    name = "proc-mount-restricted",
    severity = "high",
    pss = "restricted:procMount_restricted",
    cis = "5.7.3",
    mitre = "T1611",
    nsa = "pod-security"
)]
pub struct ProcMountRestricted;

pub(super) static CHECK: Check = Check {
    id: "procMount_restricted",
    level: Level::Restricted,
    rule: &ProcMountRestricted::META,
    definitions: &[CheckDefinition {
        min_minor: 35,
        evaluate: super::proc_mount::evaluate_v1_0,
        cel: super::proc_mount::cel_v1_0,
        overrides: &["procMount"],
    }],
};
