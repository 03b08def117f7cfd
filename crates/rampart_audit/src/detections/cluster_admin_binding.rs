use serde_json::Value;

use super::{Candidate, Context, Detection, created_phrase};
use crate::meta::DetectionMeta;
use crate::signal::Signal;

crate::detection! {
    /// ## What it does
    /// Reports a ClusterRoleBinding or RoleBinding created, updated or
    /// patched to grant the `cluster-admin` ClusterRole.
    ///
    /// ## Why is this bad?
    /// `cluster-admin` is every permission on every object. A new binding to
    /// it is the classic persistence and privilege-escalation step.
    ///
    /// ## ATT&CK
    /// T1098 Account Manipulation; T1078 Valid Accounts.
    ///
    /// ## Known false positives
    /// Cluster bootstrap and installers of cluster-wide operators.
    pub ClusterAdminBinding {
        code: "KA005",
        name: "cluster-admin-binding",
        severity: Critical,
        mitre: ["T1098", "T1078"],
    }
}

impl Detection for ClusterAdminBinding {
    fn meta(&self) -> &'static DetectionMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_, '_>, out: &mut Vec<Candidate>) {
        let event = cx.event;
        if !matches!(event.resource(), "clusterrolebindings" | "rolebindings")
            || !matches!(event.verb(), "create" | "update" | "patch")
            || !event.subresource().is_empty()
            || !event.is_complete()
            || !event.succeeded()
        {
            return;
        }
        let Some(object) = cx.request() else {
            return;
        };
        if object.pointer("/roleRef/name").and_then(Value::as_str) != Some("cluster-admin") {
            return;
        }
        let subjects: Vec<String> = object
            .get("subjects")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|s| {
                let kind = s.get("kind").and_then(Value::as_str).unwrap_or("?");
                let name = s.get("name").and_then(Value::as_str).unwrap_or("?");
                match s.get("namespace").and_then(Value::as_str) {
                    Some(ns) => format!("{kind} {ns}/{name}"),
                    None => format!("{kind} {name}"),
                }
            })
            .collect();
        let summary = format!(
            "{} bound cluster-admin to {} ({})",
            event.username(),
            if subjects.is_empty() {
                "no subject".to_owned()
            } else {
                subjects.join(", ")
            },
            created_phrase(cx)
        );
        out.push(Candidate::signal(Signal::of(&Self::META, event, summary)));
    }
}
