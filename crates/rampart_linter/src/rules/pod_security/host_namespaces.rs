use super::prelude::*;

/// ## What it does
/// Flags pods that share the node's network, process ID or IPC namespace
/// (`hostNetwork`, `hostPID` or `hostIPC` set to `true`).
///
/// This is the Pod Security Standards `hostNamespaces` check (Baseline level,
/// all policy versions).
///
/// ## Why is this bad?
/// Namespaces are what isolate a container from the node. With `hostPID` a
/// container sees every process on the node, can read their environment
/// variables (often holding credentials) through `/proc`, and, with enough
/// privileges, attach to or signal them; it is the first step of most
/// container escapes (`nsenter -t 1`). With `hostIPC` it can read and write
/// the shared memory of every process on the node. With `hostNetwork` it
/// binds directly on the node's interfaces, bypasses NetworkPolicy, can sniff
/// traffic and reach services listening only on the node's loopback (the
/// kubelet's read-only port, cloud metadata proxies, local databases).
///
/// Some node agents legitimately need this: CNI plugins and kube-proxy run
/// with `hostNetwork`, and monitoring or security DaemonSets (Datadog's
/// process agent, Falco, node exporters) use `hostPID` to observe every
/// process on the node. Run those in a dedicated namespace labelled
/// `pod-security.kubernetes.io/enforce: privileged`, not in application
/// namespaces.
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: debug
/// spec:
///   hostPID: true
///   hostNetwork: true
///   containers:
///     - name: debug
///       image: registry.example.com/debug:1.0
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: debug
/// spec:
///   containers:
///     - name: debug
///       image: registry.example.com/debug:1.0
/// ```
///
/// ## Fix
/// Remove `hostNetwork`, `hostPID` and `hostIPC` from the pod spec (or set
/// them to `false`). Expose network services through a Service or a
/// `containerPort`; share processes between containers of one pod with
/// `shareProcessNamespace: true`, which does not expose the node. For node
/// agents that truly need a host namespace, isolate them in a privileged
/// namespace.
///
/// ## References
/// - [Pod Security Standards: Host Namespaces](https://kubernetes.io/docs/concepts/security/pod-security-standards/)
/// - CIS Kubernetes Benchmark 5.2.3 (hostPID), 5.2.4 (hostIPC), 5.2.5 (hostNetwork)
/// - [MITRE ATT&CK T1611: Escape to Host](https://attack.mitre.org/techniques/T1611/)
#[derive(RuleMetadata)]
#[rule(
    code = "PSB001",
    name = "host-namespaces",
    severity = "high",
    pss = "baseline:hostNamespaces",
    cis = "5.2.3, 5.2.4, 5.2.5",
    mitre = "T1611",
    nsa = "pod-security"
)]
pub struct HostNamespaces;

pub(super) static CHECK: Check = Check {
    id: "hostNamespaces",
    level: Level::Baseline,
    rule: &HostNamespaces::META,
    definitions: &[CheckDefinition {
        min_minor: 0,
        evaluate: evaluate_v1_0,
        cel: cel_v1_0,
        overrides: &[],
    }],
};

/// The namespace fields, in the order upstream reports them.
const FIELDS: [&str; 3] = ["hostNetwork", "hostPID", "hostIPC"];

/// v1.0+: `hostNetwork`, `hostPID` and `hostIPC` must not be `true`.
fn evaluate_v1_0(pod: &Pod<'_>) -> Option<Failure> {
    let bad: Vec<&str> = FIELDS
        .into_iter()
        .filter(|field| flag(Some(pod.spec), field) == Some(true))
        .collect();
    if bad.is_empty() {
        return None;
    }
    let detail = bad
        .iter()
        .map(|field| format!("{field}=true"))
        .collect::<Vec<_>>()
        .join(", ");
    let offenders = bad
        .iter()
        .map(|field| {
            Offender::pod(
                format!("/spec/{field}"),
                format!("pod must not set {field}=true"),
            )
        })
        .collect();
    Some(Failure {
        reason: "host namespaces",
        detail,
        offenders,
    })
}

/// v1.0+ in CEL.
fn cel_v1_0(exempt: &dyn CelExemptions) -> String {
    let parts: Vec<String> = [
        ("hostNetwork", CelPrivilege::HostNetwork),
        ("hostPID", CelPrivilege::HostPid),
        ("hostIPC", CelPrivilege::HostIpc),
    ]
    .into_iter()
    .map(|(field, privilege)| {
        let set = format!("has(variables.spec.{field}) && variables.spec.{field} == true");
        format!(
            "({})",
            or(
                format!("!({set})"),
                exempt.pod(&HostNamespaces::META, privilege)
            )
        )
    })
    .collect();
    parts.join(" && ")
}
