//! The knowledge base as the scan's privilege explainer: findings about a
//! recognised agent's privileges carry the feature that needs them.

use std::sync::Arc;

use rampart_diagnostics::AgentExplanation;
use rampart_k8s::K8sObject;
use rampart_linter::agent_privileges::{HeldPrivilege, PrivilegeExplainer, PrivilegeValue};
use rampart_linter::rule::{ObjectContext, RuleSettings};
use serde_json::Value;

use crate::explain::{AgentMatch, BroaderKind, Verdict, judge};
use crate::inventory::{PrivilegeKind, inventory};
use crate::knowledge::KnowledgeBase;

/// How the scan uses explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExplainMode {
    /// Explained privileges are notes that do not fail the scan.
    Notes,
    /// Explained privileges stay findings, with their explanation.
    Strict,
    /// No explanations: privileges are still listed, for exceptions.
    Off,
}

/// Explains agent privileges for `rampart scan`, and lists the privileges of
/// every pod for the privilege exceptions of the config file.
#[derive(Debug)]
pub struct KnowledgeExplainer {
    base: Arc<KnowledgeBase>,
    mode: ExplainMode,
    /// List the privileges of pods no profile recognises too (exceptions need them).
    all_pods: bool,
}

impl KnowledgeExplainer {
    pub fn new(base: Arc<KnowledgeBase>, mode: ExplainMode, all_pods: bool) -> Self {
        Self {
            base,
            mode,
            all_pods,
        }
    }
}

impl PrivilegeExplainer for KnowledgeExplainer {
    fn privileges(&self, object: &K8sObject<'_>) -> Vec<HeldPrivilege> {
        let settings = RuleSettings::default();
        let cx = ObjectContext::new(object, &settings);
        let Some(pod) = cx.pod.as_ref() else {
            return Vec::new();
        };
        let agents = AgentMatch::of(pod, &self.base);
        if agents.profiles.is_empty() && !self.all_pods {
            return Vec::new();
        }
        let volume_pointer = |name: &str| {
            pod.volumes()
                .find(|(_, v)| v.get("name").and_then(Value::as_str) == Some(name))
                .map(|(i, _)| pod.spec_pointer(&format!("/volumes/{i}")))
        };
        let privileges = inventory(pod, None);
        judge(pod, privileges, &agents, &self.base)
            .into_iter()
            .map(|judgement| {
                let mut pointers = vec![judgement.privilege.pointer.clone()];
                if judgement.privilege.kind == PrivilegeKind::ServiceAccountToken {
                    pointers.push(pod.spec_pointer("/automountServiceAccountToken"));
                }
                if let PrivilegeKind::HostPath { volume, .. } = &judgement.privilege.kind
                    && let Some(pointer) = volume_pointer(volume)
                {
                    pointers.push(pointer);
                }
                // Root is what a missing or false runAsNonRoot allows, here or at pod level.
                if matches!(judgement.privilege.kind, PrivilegeKind::RunAsRoot { .. })
                    && let Some(container) = pod
                        .containers
                        .iter()
                        .find(|c| judgement.privilege.container.as_deref() == Some(c.name))
                {
                    pointers
                        .push(pod.container_pointer(container, "/securityContext/runAsNonRoot"));
                    pointers.push(pod.spec_pointer("/securityContext/runAsNonRoot"));
                }
                let explained =
                    judgement.verdict == Verdict::Explained && self.mode != ExplainMode::Off;
                let explanation = explained.then(|| {
                    let mut features: Vec<String> = Vec::new();
                    let mut parts: Vec<String> = Vec::new();
                    for reason in &judgement.features {
                        if !features.iter().any(|f| f == reason.feature) {
                            features.push(reason.feature.to_string());
                            parts.push(format!("{} ({})", reason.feature, reason.title));
                        }
                    }
                    Arc::new(AgentExplanation {
                        profile: judgement
                            .features
                            .first()
                            .map(|r| r.profile.to_string())
                            .unwrap_or_default(),
                        features,
                        text: format!("needed by {}", parts.join(", ")),
                        note: self.mode == ExplainMode::Notes,
                    })
                });
                HeldPrivilege {
                    kind: judgement.privilege.kind.name(),
                    value: value_of(&judgement.privilege.kind),
                    features: judgement
                        .features
                        .iter()
                        .map(|r| (r.profile.to_string(), r.feature.to_string()))
                        .collect(),
                    container: judgement.privilege.container.clone(),
                    pointers,
                    explanation,
                    write_not_needed: judgement
                        .broader
                        .iter()
                        .any(|b| b.kind == BroaderKind::ReadWriteNotNeeded),
                }
            })
            .collect()
    }
}

fn value_of(kind: &PrivilegeKind) -> PrivilegeValue {
    match kind {
        PrivilegeKind::HostPid => PrivilegeValue::HostPid,
        PrivilegeKind::HostIpc => PrivilegeValue::HostIpc,
        PrivilegeKind::HostNetwork => PrivilegeValue::HostNetwork,
        PrivilegeKind::HostPort { port, protocol, .. } => PrivilegeValue::HostPort {
            port: *port,
            protocol: protocol.clone(),
        },
        PrivilegeKind::Privileged => PrivilegeValue::Privileged,
        PrivilegeKind::Capability { name } => PrivilegeValue::Capability(name.clone()),
        PrivilegeKind::HostPath {
            path, read_only, ..
        } => PrivilegeValue::HostPath {
            path: path.clone(),
            read_only: *read_only,
        },
        PrivilegeKind::UnusedHostPathVolume { path, .. } => {
            PrivilegeValue::UnusedVolume { path: path.clone() }
        }
        PrivilegeKind::RunAsRoot { .. } => PrivilegeValue::RunAsRoot,
        PrivilegeKind::WritableRootFilesystem => PrivilegeValue::WritableRootFilesystem,
        PrivilegeKind::SeccompUnconfined => PrivilegeValue::SeccompUnconfined,
        PrivilegeKind::AppArmorUnconfined => PrivilegeValue::AppArmorUnconfined,
        PrivilegeKind::ServiceAccountToken => PrivilegeValue::ServiceAccountToken,
    }
}
