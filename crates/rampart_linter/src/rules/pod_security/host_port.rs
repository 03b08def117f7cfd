use super::prelude::*;

/// ## What it does
/// Flags containers that bind a port of the node through
/// `ports[*].hostPort` (any non-zero value).
///
/// This is the Pod Security Standards `hostPorts` check (Baseline level, all
/// policy versions). Note that for Pods (not pod templates) with
/// `hostNetwork: true` the API server defaults every `hostPort` to its
/// `containerPort`, so such pods fail this check in a live cluster too.
///
/// ## Why is this bad?
/// A host port publishes the container directly on the node's IP address,
/// bypassing Services and, with most CNI plugins, NetworkPolicy. It exposes
/// the workload to anything that can reach the node, lets a compromised pod
/// intercept or shadow traffic meant for node services, and pins the pod to
/// nodes where the port is free (a port can be bound only once per node).
///
/// Node agents sometimes use it: Datadog's agent receives DogStatsD metrics
/// and APM traces on host ports `8125`/`8126`, ingress controllers run as a
/// DaemonSet on ports 80/443. Prefer a Service (with
/// `internalTrafficPolicy: Local` for node-local agents) or a Unix domain
/// socket in a `hostPath` only the agent namespace may use.
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: web
/// spec:
///   containers:
///     - name: web
///       image: registry.example.com/web:1.0
///       ports:
///         - containerPort: 8080
///           hostPort: 80
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: web
/// spec:
///   containers:
///     - name: web
///       image: registry.example.com/web:1.0
///       ports:
///         - containerPort: 8080
/// ```
///
/// ## Fix
/// Remove `hostPort` (keep `containerPort`) and expose the workload through a
/// Service of type `ClusterIP`, `NodePort` or `LoadBalancer`, or an Ingress.
///
/// ## References
/// - [Pod Security Standards: Host Ports](https://kubernetes.io/docs/concepts/security/pod-security-standards/)
/// - CIS Kubernetes Benchmark 5.2.13 (minimize the admission of containers which use HostPorts)
/// - [MITRE ATT&CK T1599: Network Boundary Bridging](https://attack.mitre.org/techniques/T1599/)
#[derive(RuleMetadata)]
#[rule(
    code = "PSB005",
    name = "host-port",
    severity = "medium",
    pss = "baseline:hostPorts",
    cis = "5.2.13",
    mitre = "T1599",
    nsa = "pod-security"
)]
pub struct HostPort;

pub(super) static CHECK: Check = Check {
    id: "hostPorts",
    level: Level::Baseline,
    rule: &HostPort::META,
    definitions: &[CheckDefinition {
        min_minor: 0,
        evaluate: evaluate_v1_0,
        cel: cel_v1_0,
        overrides: &[],
    }],
};

/// v1.0+: every `ports[*].hostPort` must be absent or 0. A `hostPort` that
/// is not a JSON number reads as absent.
fn evaluate_v1_0(pod: &Pod<'_>) -> Option<Failure> {
    let mut bad_containers: Vec<&str> = Vec::new();
    let mut ports: Vec<String> = Vec::new();
    let mut offenders = Vec::new();
    for c in pod.containers() {
        let mut container_bad = false;
        for (j, port) in list(Some(c.value), "ports").iter().enumerate() {
            let Some(host_port) = number(Some(port), "hostPort").filter(|n| !is_zero(n)) else {
                continue;
            };
            container_bad = true;
            let port_text = number_text(host_port);
            offenders.push(Offender::container(
                &c,
                &format!("ports/{j}/hostPort"),
                format!("{} must not use hostPort {port_text}", c.label()),
            ));
            ports.push(port_text);
        }
        if container_bad {
            bad_containers.push(c.name);
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    // Distinct ports, sorted as strings ("10000" before "80").
    ports.sort_unstable();
    ports.dedup();
    Some(Failure {
        reason: "hostPort",
        detail: format!(
            "{} {} {} {}",
            containers_phrase(&bad_containers),
            plural("uses", "use", bad_containers.len()),
            plural("hostPort", "hostPorts", ports.len()),
            ports.join(", ")
        ),
        offenders,
    })
}

/// v1.0+ in CEL.
fn cel_v1_0(exempt: &dyn CelExemptions) -> String {
    let allowed = exempt.container(
        &HostPort::META,
        "c",
        CelPrivilege::HostPort {
            port: "p.hostPort",
            protocol: "(has(p.protocol) ? p.protocol.upperAscii() : 'TCP')",
        },
    );
    format!(
        "variables.containers.all(c, !has(c.ports) || c.ports.all(p, {}))",
        or("!has(p.hostPort) || p.hostPort == 0", allowed)
    )
}
