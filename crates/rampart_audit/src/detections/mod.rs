//! The built-in detections, one per file. Each has a code (`KA…`), a doc
//! comment that is its documentation, a severity and ATT&CK techniques, and
//! a pure matcher over a borrowed event.

use std::cell::OnceCell;

use serde_json::Value;

use crate::event::AuditEvent;
use crate::meta::DetectionMeta;
use crate::pod::{PodObject, Spec};
use crate::signal::Signal;

mod access_review;
mod anonymous_allowed;
mod cluster_admin_binding;
mod dangerous_role;
mod denied_burst;
mod host_namespaces;
mod kube_system_workload;
mod kubectl_in_pod;
mod pod_exec;
mod privileged_pod;
mod psa_violation;
mod secrets_harvesting;
mod sensitive_host_path;
mod token_minted;

/// An event and what detections derive from it once.
pub struct Context<'e, 'a> {
    pub event: &'e AuditEvent<'a>,
    request: OnceCell<Option<Value>>,
    pod: OnceCell<Option<PodObject>>,
}

impl<'e, 'a> Context<'e, 'a> {
    pub fn new(event: &'e AuditEvent<'a>) -> Self {
        Self {
            event,
            request: OnceCell::new(),
            pod: OnceCell::new(),
        }
    }

    /// The request object read as a pod or workload (only the fields
    /// detections use), parsed on first use.
    pub fn pod_object(&self) -> Option<&PodObject> {
        self.pod
            .get_or_init(|| {
                self.event
                    .request_object
                    .as_ref()
                    .and_then(|raw| PodObject::parse(raw.as_raw_str()))
            })
            .as_ref()
    }

    /// The request object, parsed on first use (once for all detections).
    pub fn request(&self) -> Option<&Value> {
        self.request
            .get_or_init(|| self.event.request_json())
            .as_ref()
    }
}

/// A threshold over a sliding window, per group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Observations needed in the window.
    pub count: usize,
    /// Distinct values needed among them.
    pub distinct: usize,
    pub seconds: i64,
}

/// What a detection reports for one event.
#[derive(Debug, Clone)]
pub enum Candidate {
    /// A signal. The engine reports one per rule and audit ID, and with a
    /// `quiet_key`, one per rule and key within ten minutes.
    Signal {
        signal: Box<Signal>,
        quiet_key: Option<String>,
    },
    /// One observation for a windowed detection: the signal to raise when
    /// the group crosses the threshold.
    Observation {
        group: String,
        distinct: String,
        signal: Box<Signal>,
    },
}

impl Candidate {
    pub fn signal(signal: Signal) -> Self {
        Candidate::Signal {
            signal: Box::new(signal),
            quiet_key: None,
        }
    }
}

/// A detection.
pub trait Detection: Send + Sync {
    fn meta(&self) -> &'static DetectionMeta;
    /// The window of a stateful detection; `None` for single-event ones.
    fn window(&self) -> Option<Window> {
        None
    }
    fn check(&self, cx: &Context<'_, '_>, out: &mut Vec<Candidate>);
}

/// Every built-in detection, in code order.
pub fn builtin() -> Vec<Box<dyn Detection>> {
    vec![
        Box::new(pod_exec::PodExec),
        Box::new(privileged_pod::PrivilegedPod),
        Box::new(sensitive_host_path::SensitiveHostPath),
        Box::new(host_namespaces::HostNamespaces),
        Box::new(cluster_admin_binding::ClusterAdminBinding),
        Box::new(anonymous_allowed::AnonymousAllowed),
        Box::new(dangerous_role::DangerousRole),
        Box::new(kube_system_workload::KubeSystemWorkload),
        Box::new(secrets_harvesting::SecretsHarvesting),
        Box::new(token_minted::TokenMinted),
        Box::new(denied_burst::DeniedBurst),
        Box::new(access_review::AccessReview),
        Box::new(kubectl_in_pod::KubectlInPod),
        Box::new(psa_violation::PsaViolation),
    ]
}

/// The pod specs a creation of a pod or workload carries: `create` of a pod
/// or workload, or an ephemeral container added to a pod. A failed request
/// carries none.
pub fn created_pod_specs<'c>(cx: &'c Context<'_, '_>) -> Vec<&'c Spec> {
    let event = cx.event;
    if !event.is_complete() || !event.succeeded() {
        return Vec::new();
    }
    let adds_ephemeral = event.subresource() == "ephemeralcontainers"
        && matches!(event.verb(), "update" | "patch" | "create");
    let created = event.verb() == "create" && event.subresource().is_empty();
    if !(created || adds_ephemeral) {
        return Vec::new();
    }
    cx.pod_object()
        .and_then(|object| object.pod_spec(event.resource()))
        .into_iter()
        .collect()
}

/// `pods default/nginx` or `deployments default/web`.
pub fn object_phrase(event: &AuditEvent<'_>) -> String {
    let resource = event.resource();
    match (event.namespace(), event.name()) {
        ("", "") => resource.to_owned(),
        ("", name) => format!("{resource} {name}"),
        (ns, "") => format!("{resource} in {ns}"),
        (ns, name) => format!("{resource} {ns}/{name}"),
    }
}

/// The name a created object has: `objectRef.name`, else the request
/// object's `metadata.name` (a create's objectRef often has none).
pub fn created_name(cx: &Context<'_, '_>) -> String {
    let name = cx.event.name();
    if !name.is_empty() {
        return name.to_owned();
    }
    if let Some(meta) = cx.pod_object().map(|o| &o.metadata)
        && let Some(name) = meta.name.as_ref().or(meta.generate_name.as_ref())
    {
        return name.clone();
    }
    cx.request()
        .and_then(|o| {
            o.pointer("/metadata/name")
                .or_else(|| o.pointer("/metadata/generateName"))
        })
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

/// `pods default/nginx`, naming a created object from its request.
pub fn created_phrase(cx: &Context<'_, '_>) -> String {
    let name = created_name(cx);
    let resource = cx.event.resource();
    match (cx.event.namespace(), name.as_str()) {
        ("", "") => resource.to_owned(),
        ("", name) => format!("{resource} {name}"),
        (ns, "") => format!("{resource} in {ns}"),
        (ns, name) => format!("{resource} {ns}/{name}"),
    }
}

/// The identities of the control plane and nodes (not service accounts):
/// they create, read and mint as part of running the cluster.
pub fn is_control_plane(user: &str) -> bool {
    user.starts_with("system:node:")
        || matches!(
            user,
            "system:kube-controller-manager"
                | "system:kube-scheduler"
                | "system:apiserver"
                | "system:kube-proxy"
                | "system:addon-manager"
                | "system:cloud-controller-manager"
        )
        || user.starts_with("system:serviceaccount:kube-system:")
}

/// For a pod its controller created (a ReplicaSet's, a DaemonSet's, a Job's
/// pod), the controller: the signal is then held for the controller's other
/// pods for ten minutes, since the workload's own creation is reported.
pub fn controller_key(cx: &Context<'_, '_>) -> Option<String> {
    if cx.event.resource() != "pods" {
        return None;
    }
    let owners = cx
        .request()?
        .pointer("/metadata/ownerReferences")?
        .as_array()?;
    let owner = owners
        .iter()
        .find(|o| o.get("controller").and_then(Value::as_bool) == Some(true))?;
    Some(format!(
        "{}/{}/{}",
        cx.event.namespace(),
        owner.get("kind").and_then(Value::as_str).unwrap_or(""),
        owner.get("name").and_then(Value::as_str).unwrap_or("")
    ))
}
