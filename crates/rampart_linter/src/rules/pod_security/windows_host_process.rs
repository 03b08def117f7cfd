use super::prelude::*;

/// ## What it does
/// Flags Windows HostProcess pods: `securityContext.windowsOptions.hostProcess:
/// true` on the pod or on any container.
///
/// This is the Pod Security Standards `windowsHostProcess` check (Baseline
/// level, all policy versions; it applies whatever `spec.os.name` says).
///
/// ## Why is this bad?
/// A HostProcess container is not isolated at all: it runs as a process
/// directly on the Windows node, with the node's network and filesystem and,
/// typically, as `NT AUTHORITY\SYSTEM`. It is the Windows equivalent of a
/// privileged container with every host namespace, and compromising it
/// compromises the node. The API also requires `hostNetwork: true` for such
/// pods.
///
/// It exists for node agents: CNI plugins, kube-proxy, CSI node plugins,
/// and monitoring or logging agents on Windows nodes (Datadog, Fluent Bit,
/// the Prometheus windows-exporter). Deploy those in a dedicated namespace
/// with the `privileged` level.
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: agent
/// spec:
///   os:
///     name: windows
///   hostNetwork: true
///   securityContext:
///     windowsOptions:
///       hostProcess: true
///       runAsUserName: "NT AUTHORITY\\SYSTEM"
///   containers:
///     - name: agent
///       image: registry.example.com/agent:1.0
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: agent
/// spec:
///   os:
///     name: windows
///   securityContext:
///     windowsOptions:
///       runAsUserName: "ContainerUser"
///   containers:
///     - name: agent
///       image: registry.example.com/agent:1.0
/// ```
///
/// ## Fix
/// Remove `windowsOptions.hostProcess` (and the `hostNetwork: true` it
/// requires) and run the workload as a regular Windows container, as
/// `ContainerUser` rather than `ContainerAdministrator` where possible.
/// Keep genuine node agents in a privileged namespace.
///
/// ## References
/// - [Pod Security Standards: HostProcess](https://kubernetes.io/docs/concepts/security/pod-security-standards/)
/// - CIS Kubernetes Benchmark 5.2.11 (minimize the admission of Windows HostProcess containers)
/// - [MITRE ATT&CK T1611: Escape to Host](https://attack.mitre.org/techniques/T1611/)
#[derive(RuleMetadata)]
#[rule(
    code = "PSB011",
    name = "windows-host-process",
    severity = "critical",
    pss = "baseline:windowsHostProcess",
    cis = "5.2.11",
    mitre = "T1611",
    nsa = "pod-security"
)]
pub struct WindowsHostProcess;

pub(super) static CHECK: Check = Check {
    id: "windowsHostProcess",
    level: Level::Baseline,
    rule: &WindowsHostProcess::META,
    definitions: &[CheckDefinition {
        min_minor: 0,
        evaluate: evaluate_v1_0,
        cel: cel_v1_0,
        overrides: &[],
    }],
};

fn host_process(security_context: Option<&serde_json::Value>) -> bool {
    flag(child(security_context, "windowsOptions"), "hostProcess") == Some(true)
}

/// v1.0+: neither the pod nor any container may set
/// `windowsOptions.hostProcess: true`.
fn evaluate_v1_0(pod: &Pod<'_>) -> Option<Failure> {
    let mut offenders = Vec::new();
    let pod_bad = host_process(pod.security_context);
    if pod_bad {
        offenders.push(Offender::pod(
            "/spec/securityContext/windowsOptions/hostProcess",
            "pod must not set securityContext.windowsOptions.hostProcess=true",
        ));
    }
    let mut bad_containers: Vec<&str> = Vec::new();
    for c in pod.containers() {
        if host_process(c.security_context) {
            bad_containers.push(c.name);
            offenders.push(Offender::container(
                &c,
                "securityContext/windowsOptions/hostProcess",
                format!(
                    "{} must not set securityContext.windowsOptions.hostProcess=true",
                    c.label()
                ),
            ));
        }
    }
    if !pod_bad && bad_containers.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "hostProcess",
        detail: format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            setters(pod_bad, &bad_containers)
        ),
        offenders,
    })
}

/// v1.0+ in CEL.
fn cel_v1_0(_: &dyn CelExemptions) -> String {
    format!(
        "!({} && variables.spec.securityContext.windowsOptions.hostProcess == true) && variables.containers.all(c, !({} && c.securityContext.windowsOptions.hostProcess == true))",
        pod_sc_has("windowsOptions.hostProcess"),
        container_sc_has("c", "windowsOptions.hostProcess"),
    )
}
