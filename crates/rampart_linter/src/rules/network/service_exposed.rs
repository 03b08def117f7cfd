use rampart_macros::RuleMetadata;
use serde_json::Value;

use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports Services of type `LoadBalancer` or `NodePort`, which expose pods
/// outside the cluster, and says whether a LoadBalancer limits its clients
/// with `loadBalancerSourceRanges`.
///
/// ## Why is this bad?
/// A LoadBalancer is reachable from the internet by default on most clouds;
/// a NodePort opens the port on every node. Exposure is sometimes the point,
/// but it should be a decision: internal services exposed by accident are a
/// common way in.
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Service
/// metadata:
///   name: admin
/// spec:
///   type: LoadBalancer
///   selector: {app: admin}
///   ports:
///   - port: 443
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: v1
/// kind: Service
/// metadata:
///   name: admin
/// spec:
///   type: ClusterIP
///   selector: {app: admin}
///   ports:
///   - port: 443
/// ```
///
/// ## Fix
/// Use `type: ClusterIP` behind an Ingress or Gateway, or keep the LoadBalancer and restrict it with `loadBalancerSourceRanges` or an internal load-balancer annotation.
///
/// ## References
/// - CIS Kubernetes Benchmark: no control; this follows the NSA/CISA Kubernetes Hardening Guide (network separation)
/// - MITRE ATT&CK: [T1133 External Remote Services](https://attack.mitre.org/techniques/T1133/)
/// - [Service types](https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types)
#[derive(RuleMetadata)]
#[rule(
    code = "NP004",
    name = "service-exposed",
    severity = "low",
    mitre = "T1133",
    nsa = "network-separation"
)]
pub struct ServiceExposed;

impl ObjectRule for ServiceExposed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        if cx.kind() != "Service" || cx.object.api_version != Some("v1") {
            return;
        }
        let spec = cx.value().get("spec").unwrap_or(&Value::Null);
        let message = match spec.get("type").and_then(Value::as_str) {
            Some("LoadBalancer") => {
                let limited = spec
                    .get("loadBalancerSourceRanges")
                    .and_then(Value::as_array)
                    .is_some_and(|r| !r.is_empty());
                if limited {
                    "Service is a LoadBalancer (reachable from outside the cluster; limited by loadBalancerSourceRanges)"
                } else {
                    "Service is a LoadBalancer reachable from any address (no loadBalancerSourceRanges)"
                }
            }
            Some("NodePort") => "Service is a NodePort: its port is open on every node",
            _ => return,
        };
        out.push(Violation::new("/spec/type", message));
    }
}
