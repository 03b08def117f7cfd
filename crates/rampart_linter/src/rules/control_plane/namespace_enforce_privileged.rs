use rampart_diagnostics::Severity;
use rampart_macros::RuleMetadata;
use serde_json::Value;

use super::{ENFORCE_LABEL, namespace_labels};
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports Namespace objects labelled
/// `pod-security.kubernetes.io/enforce: privileged`. In `kube-system`, where
/// node agents and control-plane pods need it, the finding is info.
///
/// ## Why is this bad?
/// The `privileged` level enforces nothing: privileged containers, host
/// namespaces, host paths and added capabilities are all admitted, so
/// anyone who can create a pod in the namespace can take over its node. It
/// is meant for the few namespaces that run node agents (CNI, CSI, logging,
/// security agents such as Falco or Datadog) and should hold nothing else.
///
/// The level is case-sensitive: `Privileged` is not a level, and Pod
/// Security admission then enforces `restricted`, so it is not reported.
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Namespace
/// metadata:
///   name: shop
///   labels:
///     pod-security.kubernetes.io/enforce: privileged
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: v1
/// kind: Namespace
/// metadata:
///   name: shop
///   labels:
///     pod-security.kubernetes.io/enforce: baseline
/// ```
///
/// ## Fix
/// Enforce `baseline` or `restricted`, and move workloads that need host access into a dedicated namespace for node agents.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.2.1: ensure that the cluster has at least one active policy control mechanism in place
/// - MITRE ATT&CK: [T1610 Deploy Container](https://attack.mitre.org/techniques/T1610/)
/// - [Pod Security Standards: privileged](https://kubernetes.io/docs/concepts/security/pod-security-standards/#privileged)
#[derive(RuleMetadata)]
#[rule(
    code = "NS002",
    name = "namespace-enforce-privileged",
    severity = "medium",
    cis = "5.2.1",
    mitre = "T1610",
    nsa = "pod-security"
)]
pub struct NamespaceEnforcePrivileged;

impl ObjectRule for NamespaceEnforcePrivileged {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        let Some(Some(labels)) = namespace_labels(cx) else {
            return;
        };
        if labels.get(ENFORCE_LABEL).and_then(Value::as_str) != Some("privileged") {
            return;
        }
        let name = cx.object.name.unwrap_or("");
        let system = name == "kube-system";
        out.push(Violation {
            severity: system.then_some(Severity::Info),
            ..Violation::new(
                "/metadata/labels/pod-security.kubernetes.io~1enforce",
                format!(
                    "namespace {name} enforces the privileged Pod Security level: pods may run privileged, with host namespaces and host paths{}",
                    if system { " (expected in kube-system)" } else { "" }
                ),
            )
        });
    }
}
