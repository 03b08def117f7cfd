use super::prelude::*;

/// ## What it does
/// Flags containers that run privileged (`securityContext.privileged: true`),
/// including init and ephemeral containers.
///
/// This is the Pod Security Standards `privileged` check (Baseline level,
/// all policy versions).
///
/// ## Why is this bad?
/// A privileged container gets every Linux capability, all devices of the
/// node under `/dev`, no seccomp or AppArmor confinement and a writable
/// `/sys`. It is root on the node in all but name: it can mount the host's
/// disk, load kernel modules or write to the host's cgroups and escape in a
/// single command. Whoever compromises the workload owns the node and every
/// secret of every pod scheduled on it.
///
/// A few node agents need it: CSI storage drivers and device plugins that
/// mount devices, CNI plugins, and security agents such as Falco loading a
/// kernel module or eBPF probes. Keep them in a dedicated namespace with the
/// `privileged` Pod Security level, and prefer agents that run with specific
/// capabilities (Falco's "least privileged" eBPF mode, Datadog's system-probe
/// with `SYS_ADMIN`/`BPF` only) over full privilege.
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: agent
/// spec:
///   containers:
///     - name: agent
///       image: registry.example.com/agent:1.0
///       securityContext:
///         privileged: true
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: agent
/// spec:
///   containers:
///     - name: agent
///       image: registry.example.com/agent:1.0
///       securityContext:
///         privileged: false
/// ```
///
/// ## Fix
/// Remove `securityContext.privileged` (or set it to `false`). If the
/// workload needs a specific kernel feature, grant only that capability
/// (`capabilities.add`) in a namespace whose level allows it, or mount only
/// the device it needs through a device plugin.
///
/// ## References
/// - [Pod Security Standards: Privileged Containers](https://kubernetes.io/docs/concepts/security/pod-security-standards/)
/// - CIS Kubernetes Benchmark 5.2.2 (minimize the admission of privileged containers)
/// - [MITRE ATT&CK T1611: Escape to Host](https://attack.mitre.org/techniques/T1611/)
/// - [MITRE ATT&CK T1610: Deploy Container](https://attack.mitre.org/techniques/T1610/)
#[derive(RuleMetadata)]
#[rule(
    code = "PSB002",
    name = "privileged-container",
    severity = "critical",
    pss = "baseline:privileged",
    cis = "5.2.2",
    mitre = "T1611, T1610",
    nsa = "pod-security"
)]
pub struct PrivilegedContainer;

pub(super) static CHECK: Check = Check {
    id: "privileged",
    level: Level::Baseline,
    rule: &PrivilegedContainer::META,
    definitions: &[CheckDefinition {
        min_minor: 0,
        evaluate: evaluate_v1_0,
        cel: cel_v1_0,
        overrides: &[],
    }],
};

/// v1.0+: no container may set `securityContext.privileged: true`.
fn evaluate_v1_0(pod: &Pod<'_>) -> Option<Failure> {
    let bad: Vec<Container<'_>> = pod
        .containers()
        .filter(|c| flag(c.security_context, "privileged") == Some(true))
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
                "securityContext/privileged",
                format!("{} must not set securityContext.privileged=true", c.label()),
            )
        })
        .collect();
    Some(Failure {
        reason: "privileged",
        detail: format!(
            "{} must not set securityContext.privileged=true",
            containers_phrase(&names)
        ),
        offenders,
    })
}

/// v1.0+ in CEL.
fn cel_v1_0(exempt: &dyn CelExemptions) -> String {
    let privileged = format!(
        "{} && c.securityContext.privileged == true",
        container_sc_has("c", "privileged")
    );
    let allowed = exempt.container(&PrivilegedContainer::META, "c", CelPrivilege::Privileged);
    format!(
        "variables.containers.all(c, {})",
        or(format!("!({privileged})"), allowed)
    )
}
