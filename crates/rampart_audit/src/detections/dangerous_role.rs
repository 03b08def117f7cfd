use serde_json::Value;

use super::{Candidate, Context, Detection, created_phrase};
use crate::meta::DetectionMeta;
use crate::signal::Signal;

crate::detection! {
    /// ## What it does
    /// Reports a Role or ClusterRole created, updated or patched with a
    /// dangerous rule: `*` in verbs or resources; the `escalate`, `bind` or
    /// `impersonate` verbs; `pods/exec`, `pods/attach` or `nodes/proxy`
    /// (also granted by RBAC's `*/exec`, `*/attach` and `*/proxy` forms); or
    /// read access to `secrets`.
    ///
    /// ## Why is this bad?
    /// Each grants a way to more privilege: wildcards grant everything to
    /// come, escalate/bind/impersonate sidestep RBAC's own guard, exec and
    /// node proxy run commands in other workloads or on kubelets, and
    /// secrets hold tokens and keys.
    ///
    /// ## ATT&CK
    /// T1098 Account Manipulation; T1078 Valid Accounts.
    ///
    /// ## Known false positives
    /// Operators and controllers installed by Helm or OLM that need broad
    /// roles; aggregated admin/edit roles.
    pub DangerousRole {
        code: "KA007",
        name: "dangerous-role",
        severity: High,
        mitre: ["T1098", "T1078"],
    }
}

fn strings(rule: &Value, field: &str) -> Vec<String> {
    rule.get(field)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// What is dangerous in one policy rule.
pub(crate) fn dangers(rule: &Value) -> Vec<String> {
    let verbs = strings(rule, "verbs");
    let resources = strings(rule, "resources");
    let mut out = Vec::new();
    if verbs.iter().any(|v| v == "*") {
        out.push("verbs *".to_owned());
    }
    if resources.iter().any(|r| r == "*") {
        out.push("resources *".to_owned());
    }
    for verb in ["escalate", "bind", "impersonate"] {
        if verbs.iter().any(|v| v == verb) {
            out.push(format!("verb {verb}"));
        }
    }
    for resource in ["pods/exec", "pods/attach", "nodes/proxy"] {
        // RBAC matches `*/exec` against every resource's `exec` subresource.
        let subresource = resource.split_once('/').map_or("", |(_, s)| s);
        if resources
            .iter()
            .any(|r| r == resource || r.strip_prefix("*/") == Some(subresource))
        {
            out.push(resource.to_owned());
        }
    }
    let reads = verbs
        .iter()
        .any(|v| matches!(v.as_str(), "get" | "list" | "watch" | "*"));
    if reads && resources.iter().any(|r| r == "secrets") {
        out.push("read secrets".to_owned());
    }
    out
}

impl Detection for DangerousRole {
    fn meta(&self) -> &'static DetectionMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_, '_>, out: &mut Vec<Candidate>) {
        let event = cx.event;
        if !matches!(event.resource(), "roles" | "clusterroles")
            || !matches!(event.verb(), "create" | "update" | "patch")
            || !event.is_complete()
            || !event.succeeded()
        {
            return;
        }
        let Some(object) = cx.request() else {
            return;
        };
        let mut found: Vec<String> = Vec::new();
        for rule in object
            .get("rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for danger in dangers(rule) {
                if !found.contains(&danger) {
                    found.push(danger);
                }
            }
        }
        if found.is_empty() {
            return;
        }
        let summary = format!(
            "{} {} {} granting {}",
            event.username(),
            match event.verb() {
                "create" => "created",
                _ => "changed",
            },
            created_phrase(cx),
            found.join(", ")
        );
        out.push(Candidate::signal(Signal::of(&Self::META, event, summary)));
    }
}
