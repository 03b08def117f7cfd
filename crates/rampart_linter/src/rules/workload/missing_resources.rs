use rampart_macros::RuleMetadata;
use serde_json::Value;

use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ContainerList, ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports init and regular containers without a memory limit, a memory
/// request or a CPU request, with one finding per container listing what
/// is missing (for example `memory limit, cpu request`).
///
/// The fields are read as the API server reads them: a container limit
/// without a request defaults the request to the limit, so
/// `limits: {memory: 256Mi}` alone satisfies both memory checks; pod-level
/// `spec.resources` (Kubernetes 1.32+) covers the containers that set
/// nothing themselves. A CPU limit is not required: CPU is compressible, a
/// CPU request already guarantees every container its share under
/// contention, and many teams omit CPU limits on purpose to avoid
/// throttling. Ephemeral debug containers cannot set resources and are not
/// reported. A namespace `LimitRange` can inject defaults at admission; this
/// rule cannot see it, so a namespace with one may suppress the rule.
///
/// ## Why is this bad?
/// Without a memory limit a container can grow until the node runs out of
/// memory, and the kernel or the kubelet then kills or evicts other pods:
/// one leaking or compromised pod (a crypto-miner, a decompression bomb)
/// degrades the whole node. Without requests the scheduler places the pod
/// as if it needed nothing, so nodes are overcommitted, the pod gets the
/// `BestEffort` QoS class and is the first evicted under pressure.
///
/// ## Example
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
///         resources:
///           requests:
///             cpu: 100m
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
///         resources:
///           requests:
///             cpu: 100m
///             memory: 128Mi
///           limits:
///             memory: 256Mi
/// ```
///
/// ## Fix
/// Set `resources.requests.cpu`, `resources.requests.memory` and `resources.limits.memory` on every container, sized from observed usage.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10: no section covers container resources;
///   see [Kubernetes: resource management for pods and containers](https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/)
/// - MITRE ATT&CK: [T1499 Endpoint Denial of Service](https://attack.mitre.org/techniques/T1499/)
/// - [Kubernetes: pod quality of service classes](https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/)
/// - [Kubernetes: limit ranges](https://kubernetes.io/docs/concepts/policy/limit-range/)
#[derive(RuleMetadata)]
#[rule(
    code = "WL007",
    name = "missing-resources",
    severity = "low",
    mitre = "T1499",
    nsa = "resource-policies"
)]
pub struct MissingResources;

/// Whether `resources.<list>.<resource>` is set in `resources`.
fn has(resources: Option<&Value>, list: &str, resource: &str) -> bool {
    resources
        .and_then(|r| r.get(list))
        .and_then(|l| l.get(resource))
        .is_some_and(|v| match v {
            Value::Null => false,
            Value::String(s) => !s.trim().is_empty(),
            _ => true,
        })
}

/// A request is set directly or defaulted from the limit.
fn has_request(resources: Option<&Value>, resource: &str) -> bool {
    has(resources, "requests", resource) || has(resources, "limits", resource)
}

impl ObjectRule for MissingResources {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        let Some(pod) = &cx.pod else { return };
        let pod_resources = pod.spec.get("resources").filter(|v| v.is_object());
        for container in &pod.containers {
            if container.list == ContainerList::Ephemeral {
                continue;
            }
            let own = container.value.get("resources").filter(|v| v.is_object());
            let mut missing = Vec::new();
            if !has(own, "limits", "memory") && !has(pod_resources, "limits", "memory") {
                missing.push("memory limit");
            }
            if !has_request(own, "memory") && !has_request(pod_resources, "memory") {
                missing.push("memory request");
            }
            if !has_request(own, "cpu") && !has_request(pod_resources, "cpu") {
                missing.push("cpu request");
            }
            if missing.is_empty() {
                continue;
            }
            out.push(
                Violation::new(
                    pod.container_pointer(container, "/resources"),
                    format!("{} has no {}", container.label(), missing.join(", ")),
                )
                .in_container(container),
            );
        }
    }
}
