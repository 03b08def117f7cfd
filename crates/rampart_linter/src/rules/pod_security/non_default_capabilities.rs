use super::prelude::*;

/// ## What it does
/// Flags containers that add a Linux capability outside the container
/// runtime's default set through `securityContext.capabilities.add`.
///
/// The allowed capabilities are exactly (case-sensitive, without the `CAP_`
/// prefix): `AUDIT_WRITE`, `CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `FSETID`,
/// `KILL`, `MKNOD`, `NET_BIND_SERVICE`, `SETFCAP`, `SETGID`, `SETPCAP`,
/// `SETUID`, `SYS_CHROOT`. `drop` is not inspected.
///
/// This is the Pod Security Standards `capabilities_baseline` check (Baseline
/// level, all policy versions; at the Restricted level it is replaced from
/// v1.22 by `capabilities_restricted`, rule PSR005).
///
/// ## Why is this bad?
/// Capabilities split root's power into pieces, and several pieces are enough
/// to escape a container on their own: `SYS_ADMIN` allows mounting
/// filesystems and many kernel interfaces, `SYS_PTRACE` allows reading and
/// injecting into other processes, `SYS_MODULE` loads kernel modules,
/// `NET_ADMIN` and `NET_RAW` allow reconfiguring and spoofing network traffic,
/// `BPF`/`PERFMON` open the kernel's tracing interfaces. Adding them widens
/// the kernel attack surface reachable from a compromised container.
///
/// Node agents sometimes need one: Datadog's system-probe and Falco's eBPF
/// driver use `SYS_ADMIN`/`BPF`/`PERFMON`/`SYS_PTRACE`, CNI plugins use
/// `NET_ADMIN`. Grant those in a dedicated, privileged namespace and keep
/// application namespaces at Baseline or Restricted.
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
///       securityContext:
///         capabilities:
///           add: ["SYS_ADMIN", "NET_RAW"]
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
///       securityContext:
///         capabilities:
///           drop: ["ALL"]
///           add: ["NET_BIND_SERVICE"]
/// ```
///
/// ## Fix
/// Remove the extra entries from `capabilities.add`. Most applications need
/// none; a server binding a port below 1024 needs only `NET_BIND_SERVICE`
/// (or listen on a higher port). Drop everything else with `drop: ["ALL"]`.
///
/// ## References
/// - [Pod Security Standards: Capabilities](https://kubernetes.io/docs/concepts/security/pod-security-standards/)
/// - CIS Kubernetes Benchmark 5.2.8 (containers with added capabilities), 5.2.9 (assigned capabilities)
/// - [MITRE ATT&CK T1611: Escape to Host](https://attack.mitre.org/techniques/T1611/)
/// - [MITRE ATT&CK T1068: Exploitation for Privilege Escalation](https://attack.mitre.org/techniques/T1068/)
#[derive(RuleMetadata)]
#[rule(
    code = "PSB003",
    name = "non-default-capabilities",
    severity = "high",
    pss = "baseline:capabilities_baseline",
    cis = "5.2.8, 5.2.9",
    mitre = "T1611, T1068",
    nsa = "pod-security"
)]
pub struct NonDefaultCapabilities;

pub(super) static CHECK: Check = Check {
    id: "capabilities_baseline",
    level: Level::Baseline,
    rule: &NonDefaultCapabilities::META,
    definitions: &[CheckDefinition {
        min_minor: 0,
        evaluate: evaluate_v1_0,
        cel: cel_v1_0,
        overrides: &[],
    }],
};

/// The capabilities a container may add at Baseline.
const ALLOWED: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// v1.0+: every `capabilities.add` entry must be in [`ALLOWED`]. A non-string
/// entry reads as `""`, which is not allowed.
fn evaluate_v1_0(pod: &Pod<'_>) -> Option<Failure> {
    let mut bad_containers: Vec<&str> = Vec::new();
    let mut bad_caps: Vec<&str> = Vec::new();
    let mut offenders = Vec::new();
    for c in pod.containers() {
        let Some(capabilities) = c.sc_field("capabilities") else {
            continue;
        };
        let mut container_bad = false;
        for (j, entry) in list(Some(capabilities), "add").iter().enumerate() {
            let cap = entry.as_str().unwrap_or("");
            if ALLOWED.contains(&cap) {
                continue;
            }
            container_bad = true;
            bad_caps.push(cap);
            offenders.push(Offender::container(
                &c,
                &format!("securityContext/capabilities/add/{j}"),
                format!(
                    "{} must not include \"{cap}\" in securityContext.capabilities.add",
                    c.label()
                ),
            ));
        }
        if container_bad {
            bad_containers.push(c.name);
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "non-default capabilities",
        detail: format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&bad_containers),
            quote_list(&sorted_unique(bad_caps))
        ),
        offenders,
    })
}

/// v1.0+ in CEL.
fn cel_v1_0(exempt: &dyn CelExemptions) -> String {
    let allowed = exempt.container(
        &NonDefaultCapabilities::META,
        "c",
        CelPrivilege::Capability("cap"),
    );
    format!(
        "variables.containers.all(c, !({}) || c.securityContext.capabilities.add.all(cap, {}))",
        container_sc_has("c", "capabilities.add"),
        or(format!("cap in {}", string_list(&ALLOWED)), allowed)
    )
}
