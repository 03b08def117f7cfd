//! A runtime signal: one detection's finding on one event. The first fields
//! are the audit signals' (`rule`, `name`, `severity`, `time`, `summary`,
//! `mitre`), so one pipeline reads both; the rest say where it happened.
//! A public contract: extend, never break.

use std::net::IpAddr;

use rampart_diagnostics::Severity;
use serde::Serialize;

use crate::container::ContainerRef;
use crate::pods::PodInfo;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signal {
    pub rule: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// RFC 3339, UTC.
    pub time: String,
    pub summary: String,
    pub mitre: &'static [&'static str],
    /// Always `sensor` (audit signals have no `source` string).
    pub origin: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub node: String,
    /// The container; absent for host processes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<ContainerRef>,
    /// The pod, when the pod watch knows the container.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod: Option<PodInfo>,
    pub process: SignalProcess,
    pub event: SignalEvent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignalProcess {
    pub pid: u32,
    pub ppid: u32,
    pub uid: u32,
    pub comm: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub exe: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    pub tty: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<SignalParent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignalParent {
    pub pid: u32,
    pub comm: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub exe: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum SignalEvent {
    Exec,
    Connect {
        address: IpAddr,
        port: u16,
    },
    Open {
        path: String,
        /// `read` or `write`.
        access: &'static str,
        /// `open` or `rename`.
        operation: &'static str,
    },
}

impl Signal {
    /// One JSON object on one line.
    pub fn json_line(&self) -> String {
        let mut line = serde_json::to_string(self).unwrap_or_default();
        line.push('\n');
        line
    }

    /// `2026-12-07T10:00:00Z HIGH KR001 container-client: … [pod default/web, container 1a2b3c4d5e6f]`.
    pub fn text_line(&self) -> String {
        let mut line = format!(
            "{} {:<8} {} {}: {}",
            self.time,
            self.severity.as_str().to_uppercase(),
            self.rule,
            self.name,
            self.summary
        );
        match (&self.pod, &self.container) {
            (Some(pod), _) => {
                line.push_str(&format!(" [pod {}/{}", pod.namespace, pod.name));
                if !pod.container.is_empty() {
                    line.push_str(&format!(", container {}", pod.container));
                }
                line.push(']');
            }
            (None, Some(container)) => {
                let id = container.id.get(..12).unwrap_or(&container.id);
                line.push_str(&format!(" [container {id}]"));
            }
            (None, None) => line.push_str(" [host]"),
        }
        line.push('\n');
        line
    }
}
