use rampart_macros::RuleMetadata;
use serde_json::Value;

use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{
    ContainerRef, ObjectContext, ObjectRule, Violation, added_capabilities, normalize_capability,
};

/// ## What it does
/// Reports each container that can trace the node's processes: the pod
/// sets `hostPID: true` and the container is `privileged: true` or adds
/// `SYS_PTRACE` (`CAP_SYS_PTRACE`, any case) or `ALL` to its capabilities.
///
/// Capabilities are read as the container runtime applies them: an `ALL`
/// together with a `drop: [ALL]` grants nothing, and a `SYS_PTRACE` in
/// `drop` removes it again (a privileged container keeps every capability).
///
/// The parts are reported on their own by the Pod Security checks (PSB001
/// host namespaces, PSB002 privileged, PSB003 capabilities) and by WL001;
/// this rule reports the combination, which is worse than either part.
///
/// ## Why is this bad?
/// In the host PID namespace the container sees every process of the node:
/// the kubelet, the container runtime, every other pod's processes. With
/// `CAP_SYS_PTRACE` it can attach to them, read their memory (tokens, keys,
/// Secrets in environment variables) and inject code into a root process
/// outside any container: a direct escape to the node. The runtime's
/// default AppArmor profile blocks tracing unconfined processes on nodes
/// that have AppArmor, but that depends on the node, and privileged
/// containers run without it.
///
/// Profilers and security agents (Datadog's system-probe for some
/// features, eBPF profilers, debuggers) combine the two on purpose; their
/// vendors document it. Keep them in a dedicated namespace, enable the
/// combination only with the feature that needs it, and suppress the
/// finding with the reason.
///
/// ## Example
/// ```yaml
/// apiVersion: apps/v1
/// kind: DaemonSet
/// metadata:
///   name: profiler
///   namespace: observability
/// spec:
///   selector:
///     matchLabels: {app: profiler}
///   template:
///     metadata:
///       labels: {app: profiler}
///     spec:
///       hostPID: true
///       containers:
///       - name: profiler
///         image: registry.example.com/profiler:1.0
///         securityContext:
///           capabilities:
///             add: ["SYS_PTRACE"]
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: apps/v1
/// kind: DaemonSet
/// metadata:
///   name: profiler
///   namespace: observability
/// spec:
///   selector:
///     matchLabels: {app: profiler}
///   template:
///     metadata:
///       labels: {app: profiler}
///     spec:
///       shareProcessNamespace: true
///       containers:
///       - name: profiler
///         image: registry.example.com/profiler:1.0
///         securityContext:
///           capabilities:
///             add: ["SYS_PTRACE"]
/// ```
///
/// ## Fix
/// Remove `hostPID: true` from the pod, or remove `SYS_PTRACE` (and `privileged`) from the container.
/// To debug processes of the same pod, use `shareProcessNamespace: true`
/// instead of `hostPID`.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.2.3: minimize the admission of containers wishing to share the host process ID namespace;
///   5.2.9: minimize the admission of containers with added capabilities
/// - MITRE ATT&CK: [T1611 Escape to Host](https://attack.mitre.org/techniques/T1611/),
///   [T1055 Process Injection](https://attack.mitre.org/techniques/T1055/)
/// - [Datadog: Kubernetes data security (hostPID and ptrace)](https://docs.datadoghq.com/data_security/kubernetes/)
/// - [ptrace(2): access mode checking](https://man7.org/linux/man-pages/man2/ptrace.2.html)
#[derive(RuleMetadata)]
#[rule(
    code = "WL009",
    name = "host-pid-with-ptrace",
    severity = "critical",
    cis = "5.2.3, 5.2.9",
    mitre = "T1611, T1055",
    nsa = "pod-security"
)]
pub struct HostPidWithPtrace;

/// Normalized entries of `securityContext.capabilities.<list>`.
fn capability_list(container: &ContainerRef<'_>, list: &str) -> Vec<String> {
    container
        .value
        .pointer(&format!("/securityContext/capabilities/{list}"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(normalize_capability)
        .collect()
}

/// The index and spelling of the `add` entry that grants `SYS_PTRACE`, when
/// the runtime would grant it.
fn ptrace_entry<'a>(container: &ContainerRef<'a>) -> Option<(usize, &'a str)> {
    let dropped = capability_list(container, "drop");
    if dropped.iter().any(|c| c == "SYS_PTRACE") {
        return None;
    }
    let drops_all = dropped.iter().any(|c| c == "ALL");
    // An explicit SYS_PTRACE survives `drop: [ALL]`; `add: [ALL]` does not.
    added_capabilities(container)
        .find(|(_, c)| normalize_capability(c) == "SYS_PTRACE")
        .or_else(|| {
            added_capabilities(container)
                .find(|(_, c)| !drops_all && normalize_capability(c) == "ALL")
        })
}

impl ObjectRule for HostPidWithPtrace {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        let Some(pod) = &cx.pod else { return };
        if !pod.flag("hostPID") {
            return;
        }
        for container in &pod.containers {
            let privileged = container
                .security_context()
                .and_then(|sc| sc.get("privileged"))
                .and_then(Value::as_bool)
                == Some(true);
            let (pointer, how) = match (ptrace_entry(container), privileged) {
                (Some((index, cap)), _) => (
                    pod.container_pointer(
                        container,
                        &format!("/securityContext/capabilities/add/{index}"),
                    ),
                    format!(
                        "adds {}{}",
                        normalize_capability(cap),
                        if privileged { " and is privileged" } else { "" }
                    ),
                ),
                (None, true) => (
                    pod.container_pointer(container, "/securityContext/privileged"),
                    "is privileged".to_string(),
                ),
                (None, false) => continue,
            };
            out.push(
                Violation::new(
                    pointer,
                    format!(
                        "{} {how} in a pod with hostPID: true: it can attach to and inject code into any process of the node",
                        container.label()
                    ),
                )
                .in_container(container),
            );
        }
    }
}
