use rampart_macros::RuleMetadata;
use serde_json::Value;

use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports pods that do not set `automountServiceAccountToken: false` in
/// their spec.
///
/// When the pod sets `true` explicitly, the finding says so and
/// points at the field. When the field is unset, the kubelet mounts the
/// token unless the pod's ServiceAccount (`serviceAccountName`, `default`
/// when unset) sets `automountServiceAccountToken: false`; this rule judges
/// one object at a time and cannot see that ServiceAccount, so it asks for
/// the pod-level field, which also wins over the ServiceAccount's.
///
/// ## Why is this bad?
/// The mounted token (`/var/run/secrets/kubernetes.io/serviceaccount/token`)
/// authenticates to the API server as the pod's service account. Most
/// applications never call the Kubernetes API, yet anyone who reads a file
/// in the container (path traversal, SSRF to a file URL, a compromised
/// dependency) gets a credential for the cluster, and whatever RBAC grants
/// that account, now or after a later change, is theirs. Controllers,
/// operators and agents that do talk to the API server need the token:
/// give them a dedicated service account with least-privilege RBAC and set
/// `automountServiceAccountToken: true` explicitly, then suppress the
/// finding for them.
///
/// ## Example
/// ```yaml
/// apiVersion: apps/v1
/// kind: Deployment
/// metadata:
///   name: web
///   namespace: shop
/// spec:
///   selector:
///     matchLabels: {app: web}
///   template:
///     metadata:
///       labels: {app: web}
///     spec:
///       containers:
///       - name: web
///         image: registry.example.com/web:1.0
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: apps/v1
/// kind: Deployment
/// metadata:
///   name: web
///   namespace: shop
/// spec:
///   selector:
///     matchLabels: {app: web}
///   template:
///     metadata:
///       labels: {app: web}
///     spec:
///       automountServiceAccountToken: false
///       containers:
///       - name: web
///         image: registry.example.com/web:1.0
/// ```
///
/// ## Fix
/// Set `automountServiceAccountToken: false` in the pod spec unless the pod calls the Kubernetes API.
/// Pods that do call it should use a dedicated service account with
/// least-privilege RBAC.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.1.6: ensure that Service Account Tokens are only mounted where necessary
/// - MITRE ATT&CK: [T1528 Steal Application Access Token](https://attack.mitre.org/techniques/T1528/)
/// - [Kubernetes: configure service accounts for pods](https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting)
#[derive(RuleMetadata)]
#[rule(
    code = "WL008",
    name = "service-account-token-automount",
    severity = "low",
    cis = "5.1.6",
    mitre = "T1528",
    nsa = "service-account-tokens"
)]
pub struct ServiceAccountTokenAutomount;

impl ObjectRule for ServiceAccountTokenAutomount {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        let Some(pod) = &cx.pod else { return };
        let account = ["serviceAccountName", "serviceAccount"]
            .iter()
            .find_map(|field| pod.spec.get(*field).and_then(Value::as_str))
            .filter(|name| !name.is_empty())
            .unwrap_or("default");
        let message = match pod
            .spec
            .get("automountServiceAccountToken")
            .and_then(Value::as_bool)
        {
            Some(false) => return,
            Some(true) => format!(
                "pod sets automountServiceAccountToken: true: the token of service account \"{account}\" is mounted into every container"
            ),
            None => format!(
                "pod does not set automountServiceAccountToken: false: the token of service account \"{account}\" is mounted unless that ServiceAccount sets automountServiceAccountToken: false"
            ),
        };
        out.push(Violation::new(
            pod.spec_pointer("/automountServiceAccountToken"),
            message,
        ));
    }
}
