use rampart_macros::RuleMetadata;

use super::{ENFORCE_LABEL, namespace_labels};
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports Namespace objects without the label
/// `pod-security.kubernetes.io/enforce`.
///
/// ## Why is this bad?
/// Pod Security admission enforces a Pod Security Standard in a namespace
/// only when the namespace says which: without the label it falls back to
/// the cluster default, which is `privileged` (nothing enforced) unless the
/// API server's admission configuration says otherwise. Pods with host
/// namespaces, privileged containers and host mounts are then admitted. The
/// `warn` and `audit` labels only report violations; they block nothing.
///
/// Clusters that set a stricter default in the PodSecurity
/// AdmissionConfiguration, or that enforce pod security with another
/// admission controller (Kyverno, Gatekeeper), can turn this rule off.
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Namespace
/// metadata:
///   name: shop
///   labels:
///     pod-security.kubernetes.io/warn: restricted
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
///     pod-security.kubernetes.io/warn: restricted
/// ```
///
/// ## Fix
/// Label the namespace with `pod-security.kubernetes.io/enforce: baseline` (or `restricted`), after checking the current pods with `kubectl label --dry-run=server`.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.2.1: ensure that the cluster has at least one active policy control mechanism in place
/// - MITRE ATT&CK: [T1610 Deploy Container](https://attack.mitre.org/techniques/T1610/)
/// - [Enforce Pod Security Standards with namespace labels](https://kubernetes.io/docs/tasks/configure-pod-container/enforce-standards-namespace-labels/)
#[derive(RuleMetadata)]
#[rule(
    code = "NS001",
    name = "namespace-without-pss-enforce",
    severity = "medium",
    cis = "5.2.1",
    mitre = "T1610",
    nsa = "pod-security"
)]
pub struct NamespaceWithoutPssEnforce;

impl ObjectRule for NamespaceWithoutPssEnforce {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        let Some(labels) = namespace_labels(cx) else {
            return;
        };
        if labels.is_some_and(|l| l.get(ENFORCE_LABEL).is_some()) {
            return;
        }
        let reporting: Vec<&str> = ["warn", "audit"]
            .into_iter()
            .filter(|mode| {
                labels
                    .and_then(|l| l.get(format!("pod-security.kubernetes.io/{mode}")))
                    .is_some_and(|v| !v.is_null())
            })
            .collect();
        let name = cx.object.name.unwrap_or("");
        let mut message = format!(
            "namespace {name} has no {ENFORCE_LABEL} label: Pod Security admission enforces the cluster default there, privileged unless configured"
        );
        if !reporting.is_empty() {
            let (labels, verb) = if reporting.len() > 1 {
                ("labels", "report")
            } else {
                ("label", "reports")
            };
            message.push_str(&format!(
                " (its {} {labels} only {verb} violations)",
                reporting.join(" and ")
            ));
        }
        out.push(Violation::new(
            "/metadata/labels/pod-security.kubernetes.io~1enforce",
            message,
        ));
    }
}
