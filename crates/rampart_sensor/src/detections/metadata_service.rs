use rampart_diagnostics::Severity;

use super::{Context, Detection, Finding};
use crate::event::EventKind;
use rampart_audit::meta::DetectionMeta;

rampart_audit::detection! {
    /// ## What it does
    /// Reports a connection from a container to the cloud metadata service
    /// (169.254.169.254, fd00:ec2::254, and the ECS and EKS Pod Identity
    /// credential endpoints; the list is `metadataEndpoints` in the sensor
    /// configuration). The signal is high when the process is `curl` or
    /// `wget` with a terminal attached: a person exploring by hand.
    ///
    /// ## Why is this bad?
    /// The metadata service hands out the node's cloud credentials. From a
    /// pod, they are the node's identity, usually far more than the
    /// workload's: the classic path from one container to the cloud account.
    ///
    /// ## ATT&CK
    /// T1552.005 Unsecured Credentials: Cloud Instance Metadata API.
    ///
    /// ## Known false positives
    /// Node agents and cloud controllers (CNI, CSI drivers, cloud
    /// controller managers, monitoring agents reading instance tags) talk to
    /// it by design: allow them by namespace and process. One signal per
    /// container, process and endpoint every ten minutes.
    ///
    /// ## Prior art
    /// Falco "Contact cloud metadata service from container"; Datadog
    /// `aws_imds`, `gcp_imds`, `azure_imds`.
    pub MetadataService {
        code: "KR002",
        name: "metadata-service-from-container",
        severity: Medium,
        mitre: ["T1552.005"],
    }
}

const HTTP_TOOLS: &[&str] = &["curl", "wget"];

impl Detection for MetadataService {
    fn meta(&self) -> &'static DetectionMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let EventKind::Connect { address, port } = cx.event.kind else {
            return;
        };
        let Some(container) = cx.container else {
            return;
        };
        if !cx
            .config
            .metadata_endpoints
            .iter()
            .any(|e| e.matches(address, port))
        {
            return;
        }
        let name = cx.process.name();
        let interactive_tool = cx.process.tty
            && (HTTP_TOOLS.contains(&name) || HTTP_TOOLS.contains(&cx.process.comm.as_str()));
        let mut finding = Finding::new(format!(
            "{name} connected to the metadata service {address}:{port} {}{}",
            cx.place(),
            if interactive_tool {
                " from a terminal"
            } else {
                ""
            }
        ))
        .quiet(format!(
            "{}|{}|{address}:{port}",
            container.id, cx.process.comm
        ));
        if interactive_tool {
            finding = finding.severity(Severity::High);
        }
        out.push(finding);
    }
}
