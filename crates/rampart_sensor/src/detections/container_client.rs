use super::{Context, Detection, Finding};
use rampart_audit::meta::DetectionMeta;

rampart_audit::detection! {
    /// ## What it does
    /// Reports a container or cluster client (`kubectl`, `docker`,
    /// `crictl`, `ctr`, `nerdctl`, `podman`, `helm`) started inside a
    /// container, by executable name or process name.
    ///
    /// ## Why is this bad?
    /// Application images do not ship these tools. Run inside a pod, they
    /// use its service-account token or a mounted runtime socket to reach the
    /// API server or the node's container runtime: an attacker moving from
    /// one container to the cluster or the node.
    ///
    /// ## ATT&CK
    /// T1609 Container Administration Command; T1613 Container and Resource
    /// Discovery.
    ///
    /// ## Known false positives
    /// CI runners, GitOps and operator jobs that run kubectl or helm in pods:
    /// allow them by namespace or image in the sensor configuration.
    ///
    /// ## Prior art
    /// Falco "Kubernetes Client Tool Launched in Container"; Datadog
    /// `suspicious_container_client`.
    pub ContainerClient {
        code: "KR001",
        name: "container-client-in-container",
        severity: High,
        mitre: ["T1609", "T1613"],
    }
}

const CLIENTS: &[&str] = &[
    "kubectl", "docker", "crictl", "ctr", "nerdctl", "podman", "helm",
];

impl Detection for ContainerClient {
    fn meta(&self) -> &'static DetectionMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        if !cx.is_exec() || !cx.in_container() {
            return;
        }
        let name = cx.process.name();
        let client = CLIENTS
            .iter()
            .find(|c| **c == name || **c == cx.process.comm)
            .copied();
        if let Some(client) = client {
            out.push(Finding::new(format!(
                "{client} started {}: {}",
                cx.place(),
                cx.command_line()
            )));
        }
    }
}
