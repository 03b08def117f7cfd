use rampart_macros::RuleMetadata;

use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation, added_capabilities, normalize_capability};

/// ## What it does
/// Reports containers that add a Linux capability that gives power over the
/// node: `SYS_ADMIN`, `SYS_PTRACE`, `SYS_MODULE`, `NET_ADMIN`, `NET_RAW`,
/// `BPF`, `PERFMON`, `DAC_READ_SEARCH` (also `ALL`).
///
/// ## Why is this bad?
/// These capabilities are each a known container-escape or host-tampering
/// path: `SYS_ADMIN` can mount filesystems and is "the new root";
/// `SYS_MODULE` loads kernel modules; `SYS_PTRACE` attaches to processes
/// (with `hostPID`, those of the node); `BPF` and `PERFMON` load eBPF programs
/// that read any memory; `NET_ADMIN` and `NET_RAW` rewrite routes and spoof
/// traffic; `DAC_READ_SEARCH` reads any file by handle (the "shocker" escape).
/// Security and network agents (Falco, Datadog's system-probe, Cilium) need
/// some of them for real features: keep those, and document why.
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: tracer
/// spec:
///   containers:
///   - name: tracer
///     image: tracer:1.0
///     securityContext:
///       capabilities:
///         add: ["SYS_ADMIN", "NET_BIND_SERVICE"]
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: tracer
/// spec:
///   containers:
///   - name: tracer
///     image: tracer:1.0
///     securityContext:
///       capabilities:
///         drop: ["ALL"]
///         add: ["NET_BIND_SERVICE"]
/// ```
///
/// ## Fix
/// Remove the capability from `securityContext.capabilities.add`, or keep it only where a feature needs it and document that feature. There is no automatic fix: removing a capability can break the workload.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.2.9: minimize the admission of containers with added capabilities
/// - MITRE ATT&CK: [T1611 Escape to Host](https://attack.mitre.org/techniques/T1611/),
///   [T1068 Exploitation for Privilege Escalation](https://attack.mitre.org/techniques/T1068/)
/// - [capabilities(7)](https://man7.org/linux/man-pages/man7/capabilities.7.html)
#[derive(RuleMetadata)]
#[rule(
    code = "WL001",
    name = "dangerous-capabilities",
    severity = "high",
    cis = "5.2.9",
    mitre = "T1611, T1068",
    nsa = "pod-security"
)]
pub struct DangerousCapabilities;

/// Capabilities that give power over the node, with why.
const DANGEROUS: &[(&str, &str)] = &[
    ("ALL", "every capability"),
    ("SYS_ADMIN", "mounts, namespaces and most of root"),
    ("SYS_PTRACE", "attaching to other processes"),
    ("SYS_MODULE", "loading kernel modules"),
    ("NET_ADMIN", "reconfiguring the network"),
    ("NET_RAW", "raw sockets and spoofing"),
    ("BPF", "loading eBPF programs"),
    ("PERFMON", "kernel tracing and eBPF"),
    ("DAC_READ_SEARCH", "reading any file by handle"),
];

impl ObjectRule for DangerousCapabilities {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        let Some(pod) = &cx.pod else { return };
        for container in &pod.containers {
            for (index, cap) in added_capabilities(container) {
                let normalized = normalize_capability(cap);
                if let Some((_, why)) = DANGEROUS.iter().find(|(name, _)| *name == normalized) {
                    out.push(
                        Violation::new(
                            pod.container_pointer(
                                container,
                                &format!("/securityContext/capabilities/add/{index}"),
                            ),
                            format!("{} adds capability {normalized} ({why})", container.label()),
                        )
                        .in_container(container),
                    );
                }
            }
        }
    }
}
