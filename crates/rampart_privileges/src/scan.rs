//! The knowledge base as the scan's privilege explainer: findings about a
//! recognised agent's privileges carry the feature that needs them.

use std::sync::Arc;

use rampart_diagnostics::AgentExplanation;
use rampart_k8s::K8sObject;
use rampart_linter::agent_privileges::{HeldPrivilege, PrivilegeExplainer};
use rampart_linter::rule::{ObjectContext, RuleSettings};
use serde_json::Value;

use crate::explain::{AgentMatch, BroaderKind, Verdict, judge};
use crate::inventory::{PrivilegeKind, inventory};
use crate::knowledge::KnowledgeBase;

/// Explains agent privileges for `rampart scan`.
#[derive(Debug)]
pub struct KnowledgeExplainer {
    base: Arc<KnowledgeBase>,
    /// `--agent-privileges strict`: explained privileges still fail the scan.
    strict: bool,
}

impl KnowledgeExplainer {
    pub fn new(base: Arc<KnowledgeBase>, strict: bool) -> Self {
        Self { base, strict }
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
        if agents.profiles.is_empty() {
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
                let explanation = (judgement.verdict == Verdict::Explained).then(|| {
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
                        note: !self.strict,
                    })
                });
                HeldPrivilege {
                    kind: judgement.privilege.kind.name(),
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
