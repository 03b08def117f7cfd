use rampart_macros::RuleMetadata;
use serde_json::Value;

use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports workloads (objects that carry a pod: Pod, Deployment, DaemonSet,
/// StatefulSet, Job, CronJob, ...) whose `metadata.namespace` is `default`.
///
/// Objects without `metadata.namespace` are not reported: they get their
/// namespace when they are applied (`kubectl apply -n`, Helm's
/// `--namespace`, Kustomize's `namespace:`, Argo CD's destination), and most
/// repositories rely on that. Only an explicit `default` is a decision this
/// rule can see. For the same reason, objects rendered by Helm (labelled
/// `helm.sh/chart` or `app.kubernetes.io/managed-by: Helm`) are not reported:
/// `helm template` without `--namespace` writes `default` for
/// `{{ .Release.Namespace }}`, and the real namespace is chosen at install.
///
/// ## Why is this bad?
/// Namespaces are the unit of isolation in Kubernetes: RBAC bindings,
/// NetworkPolicies, ResourceQuotas, LimitRanges and Pod Security admission
/// labels are all set per namespace. The `default` namespace exists in
/// every cluster, is where anything without a namespace lands, and rarely
/// has policies of its own; a workload there shares its service accounts,
/// Secrets and network with whatever else was dropped there, and escapes
/// the policies written for its real team or application.
///
/// ## Example
/// ```yaml
/// apiVersion: apps/v1
/// kind: Deployment
/// metadata:
///   name: api
///   namespace: default
/// spec:
///   selector:
///     matchLabels: {app: api}
///   template:
///     metadata:
///       labels: {app: api}
///     spec:
///       containers:
///       - name: api
///         image: registry.example.com/api:1.0
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: apps/v1
/// kind: Deployment
/// metadata:
///   name: api
///   namespace: shop
/// spec:
///   selector:
///     matchLabels: {app: api}
///   template:
///     metadata:
///       labels: {app: api}
///     spec:
///       containers:
///       - name: api
///         image: registry.example.com/api:1.0
/// ```
///
/// ## Fix
/// Move the workload to a namespace of its own, with its RBAC, NetworkPolicies and Pod Security labels, or leave `metadata.namespace` out and choose the namespace at deploy time.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.7.4: the default namespace should not be used
/// - MITRE ATT&CK: [T1078 Valid Accounts](https://attack.mitre.org/techniques/T1078/)
/// - [Kubernetes: namespaces](https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/)
#[derive(RuleMetadata)]
#[rule(
    code = "WL010",
    name = "default-namespace",
    severity = "low",
    cis = "5.7.4",
    mitre = "T1078",
    nsa = "namespaces"
)]
pub struct DefaultNamespace;

/// Whether the object carries Helm's standard labels.
fn rendered_by_helm(cx: &ObjectContext<'_>) -> bool {
    let Some(labels) = cx
        .value()
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
    else {
        return false;
    };
    labels.contains_key("helm.sh/chart")
        || labels
            .get("app.kubernetes.io/managed-by")
            .and_then(Value::as_str)
            .is_some_and(|v| v.eq_ignore_ascii_case("helm"))
}

impl ObjectRule for DefaultNamespace {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        if cx.pod.is_none() || cx.object.namespace != Some("default") || rendered_by_helm(cx) {
            return;
        }
        out.push(Violation::new(
            "/metadata/namespace",
            format!(
                "{} {} runs in the default namespace",
                cx.kind(),
                cx.object.name.unwrap_or("(unnamed)")
            ),
        ));
    }
}
