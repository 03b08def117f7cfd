//! A signal: one detection's finding on one event (or one window of events),
//! with the facts a responder needs.

use rampart_diagnostics::Severity;
use serde::Serialize;

use crate::event::AuditEvent;
use crate::meta::DetectionMeta;

/// The object of a request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SignalObject {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub resource: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subresource: String,
    #[serde(skip_serializing_if = "String::is_empty", rename = "apiGroup")]
    pub api_group: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
}

/// Where the event was read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SignalSource {
    pub input: String,
    pub line: u64,
}

/// One signal, as written to JSON lines (a public contract: extend, never break).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signal {
    pub rule: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub time: String,
    pub user: String,
    pub groups: Vec<String>,
    #[serde(rename = "sourceIPs")]
    pub source_ips: Vec<String>,
    #[serde(rename = "userAgent")]
    pub user_agent: String,
    pub verb: String,
    pub object: SignalObject,
    #[serde(rename = "auditID")]
    pub audit_id: String,
    pub summary: String,
    pub mitre: &'static [&'static str],
    /// For a rule derived from another rule set: that rule and its author.
    #[serde(skip_serializing_if = "Option::is_none", rename = "derivedFrom")]
    pub derived_from: Option<DerivedFrom>,
    pub source: SignalSource,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DerivedFrom {
    pub rule: &'static str,
    pub author: &'static str,
}

impl Signal {
    /// A signal of `meta` about `event`.
    pub fn of(meta: &'static DetectionMeta, event: &AuditEvent<'_>, summary: String) -> Self {
        Self::with(
            meta.code,
            meta.name,
            meta.severity,
            meta.mitre,
            event,
            summary,
        )
        .derived(meta.derived_from)
    }

    /// A signal with explicit metadata (user-defined detections).
    pub fn with(
        rule: &'static str,
        name: &'static str,
        severity: Severity,
        mitre: &'static [&'static str],
        event: &AuditEvent<'_>,
        summary: String,
    ) -> Self {
        let object = event.object_ref.as_ref().map(|o| SignalObject {
            resource: o.resource.as_deref().unwrap_or("").to_owned(),
            subresource: o.subresource.as_deref().unwrap_or("").to_owned(),
            api_group: o.api_group.as_deref().unwrap_or("").to_owned(),
            namespace: o.namespace.as_deref().unwrap_or("").to_owned(),
            name: o.name.as_deref().unwrap_or("").to_owned(),
        });
        Self {
            rule,
            name,
            severity,
            time: event.time().to_owned(),
            user: event.username().to_owned(),
            groups: event.user.groups.iter().map(|g| g.to_string()).collect(),
            source_ips: event.source_ips.iter().map(|g| g.to_string()).collect(),
            user_agent: event.user_agent.as_deref().unwrap_or("").to_owned(),
            verb: event.verb().to_owned(),
            object: object.unwrap_or_default(),
            audit_id: event.audit_id.as_deref().unwrap_or("").to_owned(),
            summary,
            mitre,
            derived_from: None,
            source: SignalSource::default(),
        }
    }

    fn derived(mut self, derived_from: Option<(&'static str, &'static str)>) -> Self {
        self.derived_from = derived_from.map(|(rule, author)| DerivedFrom { rule, author });
        self
    }

    /// `Kind namespace/name` style: `pods kube-system/x`.
    pub fn object_label(&self) -> String {
        let resource = if self.object.subresource.is_empty() {
            self.object.resource.clone()
        } else {
            format!("{}/{}", self.object.resource, self.object.subresource)
        };
        match (self.object.namespace.as_str(), self.object.name.as_str()) {
            ("", "") => resource,
            ("", name) => format!("{resource} {name}"),
            (ns, "") => format!("{resource} in {ns}"),
            (ns, name) => format!("{resource} {ns}/{name}"),
        }
    }
}
