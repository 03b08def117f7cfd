//! The built-in runtime detections, one per file, in the style of the audit
//! detections: a code (`KR…`), a doc comment that is its documentation, a
//! severity, ATT&CK techniques, and a pure matcher over one event in context.

use std::collections::HashMap;
use std::sync::Arc;

use rampart_audit::meta::DetectionMeta;
use rampart_diagnostics::Severity;

use crate::config::SensorConfig;
use crate::container::ContainerRef;
use crate::engine::ProcessEntry;
use crate::event::{Event, EventKind, opens_for_write};
use crate::pods::PodInfo;

mod authorized_keys;
mod container_client;
mod core_pattern;
mod credential_read;
mod drifted_binary;
mod metadata_service;
mod nsenter_host;
mod package_manager;
mod release_agent;
mod server_shell;
mod terminal_shell;

/// One event and what is known around it.
pub struct Context<'a> {
    pub event: &'a Event,
    /// The process (after an exec: the new program).
    pub process: &'a ProcessEntry,
    /// `None` on the host.
    pub container: Option<&'a ContainerRef>,
    /// The pod, when the pod watch knows the container.
    pub pod: Option<&'a PodInfo>,
    /// When the container's first process started (Unix ns), as far as seen.
    pub container_start: Option<i64>,
    /// An open's path, made absolute when it could be.
    pub path: Option<&'a str>,
    pub config: &'a SensorConfig,
    pub(crate) processes: &'a HashMap<u32, Arc<ProcessEntry>>,
}

impl Context<'_> {
    pub fn in_container(&self) -> bool {
        self.container.is_some()
    }

    pub fn is_exec(&self) -> bool {
        matches!(self.event.kind, EventKind::Exec { .. })
    }

    /// The parent's name: from the kernel for an exec, else the process table.
    pub fn parent_name(&self) -> &str {
        if let EventKind::Exec { parent_comm, .. } = &self.event.kind {
            return parent_comm;
        }
        self.processes
            .get(&self.process.ppid)
            .map_or("", |p| p.name())
    }

    /// Parent, grandparent, … up to `depth` known ancestors.
    pub fn ancestors(&self, depth: usize) -> Vec<&ProcessEntry> {
        let mut out = Vec::new();
        let mut pid = self.process.ppid;
        while out.len() < depth && pid > 1 {
            let Some(entry) = self.processes.get(&pid) else {
                break;
            };
            if out.iter().any(|e: &&ProcessEntry| e.pid == entry.pid) {
                break;
            }
            out.push(entry);
            pid = entry.ppid;
        }
        out
    }

    /// Ancestors in the same container as the process (or on the host,
    /// for a host process): the walk stops where the container ends.
    pub fn container_ancestors(&self, depth: usize) -> Vec<&ProcessEntry> {
        let id = self.container.map(|c| c.id.as_str());
        self.ancestors(depth)
            .into_iter()
            .take_while(|a| a.container.as_deref().map(|c| c.id.as_str()) == id)
            .collect()
    }

    /// For an open: the path, and whether it was opened to write.
    pub fn opened(&self) -> Option<(&str, bool)> {
        match &self.event.kind {
            EventKind::Open { flags, path, .. } => {
                Some((self.path.unwrap_or(path), opens_for_write(*flags)))
            }
            _ => None,
        }
    }

    /// The process's name and its arguments, for summaries.
    pub fn command_line(&self) -> String {
        if self.process.args.is_empty() {
            return self.process.name().to_owned();
        }
        let mut line = self.process.args.join(" ");
        if line.len() > 200 {
            let mut cut = 200;
            while !line.is_char_boundary(cut) {
                cut -= 1;
            }
            line.truncate(cut);
            line.push('…');
        }
        line
    }

    /// `in container 1a2b3c4d5e6f` or `on the host`.
    pub fn place(&self) -> String {
        match self.container {
            Some(c) => format!("in container {}", c.id.get(..12).unwrap_or(&c.id)),
            None => "on the host".to_owned(),
        }
    }
}

/// What a detection reports about one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub summary: String,
    /// Instead of the detection's default severity.
    pub severity: Option<Severity>,
    /// Repeats with the same key stay quiet for ten minutes.
    pub quiet_key: Option<String>,
}

impl Finding {
    pub fn new(summary: String) -> Self {
        Self {
            summary,
            severity: None,
            quiet_key: None,
        }
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = Some(severity);
        self
    }

    pub fn quiet(mut self, key: String) -> Self {
        self.quiet_key = Some(key);
        self
    }
}

/// A runtime detection.
pub trait Detection: Send + Sync {
    fn meta(&self) -> &'static DetectionMeta;
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>);
}

/// Every built-in detection, by code.
pub fn all() -> Vec<&'static dyn Detection> {
    vec![
        &container_client::ContainerClient,
        &metadata_service::MetadataService,
        &terminal_shell::TerminalShell,
        &server_shell::ServerShell,
        &authorized_keys::AuthorizedKeys,
        &package_manager::PackageManager,
        &credential_read::CredentialRead,
        &drifted_binary::DriftedBinary,
        &release_agent::ReleaseAgent,
        &core_pattern::CorePattern,
        &nsenter_host::NsenterHost,
    ]
}

/// The built-in detections' metadata, by code (for docs and `rampart rule`).
pub fn metas() -> Vec<&'static DetectionMeta> {
    all().into_iter().map(Detection::meta).collect()
}

/// Last path components whose opens the kernel reports.
pub const WATCHED_FILE_NAMES: &[&str] = &[
    // authorized_keys
    "authorized_keys",
    "authorized_keys2",
    // credentials
    "shadow",
    "gshadow",
    "sudoers",
    "token",
    "config",
    "kubeconfig",
    "admin.conf",
    "super-admin.conf",
    "kubelet.conf",
    "controller-manager.conf",
    "scheduler.conf",
    "credentials",
    "application_default_credentials.json",
    "accessTokens.json",
    "msal_token_cache.json",
    // escape primitives
    "release_agent",
    "core_pattern",
];

/// Interactive shells.
pub const SHELLS: &[&str] = &[
    "sh", "bash", "dash", "ash", "zsh", "ksh", "csh", "tcsh", "fish", "busybox",
];

/// Whether a name is a shell.
pub fn is_shell(name: &str) -> bool {
    SHELLS.contains(&name)
}
