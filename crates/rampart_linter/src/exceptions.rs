//! Scoped privilege exceptions (`exceptions:` in `rampart.yaml`): "hostPath
//! /proc read-only and hostPID, for service account datadog/datadog-agent,
//! image gcr.io/datadoghq/agent, container agent". An exception covers a
//! finding only when every privilege the finding is about is one it names,
//! held by a container it names; it never widens to other containers, other
//! values or other pods.

use std::sync::atomic::{AtomicUsize, Ordering};

use globset::{GlobBuilder, GlobMatcher};
use jiff::civil::Date;
use rampart_source::SourceFile;
use rampart_yaml::Node;
use serde_json::Value;

use crate::agent_privileges::{HeldPrivilege, PrivilegeValue};
use crate::exemptions::ConfigError;
use crate::rule::normalize_capability;

/// One privilege an exception allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedPrivilege {
    HostPid,
    HostIpc,
    HostNetwork,
    Privileged,
    Capability(String),
    /// `readOnly: Some(true)` allows only read-only mounts of exactly `path`.
    HostPath {
        path: String,
        read_only: Option<bool>,
    },
    HostPort {
        port: i64,
        protocol: Option<String>,
    },
    RunAsRoot,
    WritableRootFilesystem,
    SeccompUnconfined,
    AppArmorUnconfined,
    ServiceAccountToken,
}

impl AllowedPrivilege {
    /// Whether this allows exactly the held value.
    pub fn allows(&self, held: &PrivilegeValue) -> bool {
        match (self, held) {
            (AllowedPrivilege::HostPid, PrivilegeValue::HostPid)
            | (AllowedPrivilege::HostIpc, PrivilegeValue::HostIpc)
            | (AllowedPrivilege::HostNetwork, PrivilegeValue::HostNetwork)
            | (AllowedPrivilege::Privileged, PrivilegeValue::Privileged)
            | (AllowedPrivilege::RunAsRoot, PrivilegeValue::RunAsRoot)
            | (AllowedPrivilege::WritableRootFilesystem, PrivilegeValue::WritableRootFilesystem)
            | (AllowedPrivilege::SeccompUnconfined, PrivilegeValue::SeccompUnconfined)
            | (AllowedPrivilege::AppArmorUnconfined, PrivilegeValue::AppArmorUnconfined)
            | (AllowedPrivilege::ServiceAccountToken, PrivilegeValue::ServiceAccountToken) => true,
            (AllowedPrivilege::Capability(a), PrivilegeValue::Capability(b)) => a == b,
            (
                AllowedPrivilege::HostPath { path, read_only },
                PrivilegeValue::HostPath {
                    path: held,
                    read_only: held_read_only,
                },
            ) => path == held && read_only.is_none_or(|ro| !ro || *held_read_only),
            (
                AllowedPrivilege::HostPort { port, protocol },
                PrivilegeValue::HostPort {
                    port: held,
                    protocol: held_protocol,
                },
            ) => port == held && protocol.as_deref().is_none_or(|p| p == held_protocol),
            _ => false,
        }
    }
}

/// One `exceptions:` entry.
#[derive(Debug)]
pub struct PrivilegeException {
    pub reason: String,
    /// Only findings of these rules (codes or names); empty: any rule about a privilege.
    pub rules: Vec<String>,
    pub namespaces: Vec<String>,
    pub service_accounts: Vec<String>,
    pub containers: Vec<String>,
    /// Image repository globs (tag and digest ignored) or `sha256:` digests.
    pub images: Vec<ImagePattern>,
    pub privileges: Vec<AllowedPrivilege>,
    /// An agent profile's features, granted by name.
    pub agent: Option<(String, Vec<String>)>,
    pub expires: Option<Date>,
    pub line: usize,
    matched: AtomicUsize,
}

/// An image an exception names.
#[derive(Debug)]
pub enum ImagePattern {
    Repository(GlobMatcher),
    Digest(String),
}

impl ImagePattern {
    pub fn matches(&self, image: &str) -> bool {
        match self {
            ImagePattern::Digest(digest) => image
                .rsplit_once('@')
                .is_some_and(|(_, held)| held == digest),
            ImagePattern::Repository(glob) => glob.is_match(repository_of(image)),
        }
    }
}

/// `gcr.io/datadoghq/agent` from `gcr.io/datadoghq/agent:7.50.0@sha256:…`.
pub fn repository_of(image: &str) -> &str {
    let image = image.trim();
    let without_digest = image.split('@').next().unwrap_or(image);
    let last_slash = without_digest.rfind('/').map_or(0, |i| i + 1);
    match without_digest[last_slash..].rfind(':') {
        Some(colon) => &without_digest[..last_slash + colon],
        None => without_digest,
    }
}

/// What the exceptions are judged against: the pod of the finding.
#[derive(Debug, Clone, Default)]
pub struct PodScope<'a> {
    pub namespace: &'a str,
    pub service_account: &'a str,
    /// Every container of the pod: (name, image).
    pub containers: Vec<(&'a str, &'a str)>,
}

impl<'a> PodScope<'a> {
    /// The scope of a pod spec in `namespace`.
    pub fn of(namespace: Option<&'a str>, spec: &'a Value) -> Self {
        let account = spec
            .get("serviceAccountName")
            .or_else(|| spec.get("serviceAccount"))
            .and_then(Value::as_str)
            .unwrap_or("default");
        let mut containers = Vec::new();
        for list in ["initContainers", "containers", "ephemeralContainers"] {
            for container in spec
                .get(list)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                containers.push((
                    container.get("name").and_then(Value::as_str).unwrap_or(""),
                    container.get("image").and_then(Value::as_str).unwrap_or(""),
                ));
            }
        }
        Self {
            namespace: namespace.unwrap_or("default"),
            service_account: account,
            containers,
        }
    }
}

impl PrivilegeException {
    pub fn matched(&self) -> usize {
        self.matched.load(Ordering::Relaxed)
    }

    pub fn is_expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|expires| expires < today)
    }

    fn container_in_scope(&self, name: &str, image: &str) -> bool {
        (self.containers.is_empty() || self.containers.iter().any(|c| c == name))
            && (self.images.is_empty() || self.images.iter().any(|i| i.matches(image)))
    }

    /// Whether the exception allows `held` in `pod`.
    pub fn covers(&self, held: &HeldPrivilege, pod: &PodScope<'_>) -> bool {
        if !(self.namespaces.is_empty() || self.namespaces.iter().any(|n| n == pod.namespace))
            || !(self.service_accounts.is_empty()
                || self
                    .service_accounts
                    .iter()
                    .any(|s| s == pod.service_account))
        {
            return false;
        }
        let scoped = match &held.container {
            Some(name) => pod
                .containers
                .iter()
                .find(|(n, _)| n == name)
                .is_some_and(|(n, image)| self.container_in_scope(n, image)),
            // A pod-level privilege serves every container: an exception scoped to
            // containers or images covers it only when every container is in scope.
            None => pod
                .containers
                .iter()
                .all(|(n, image)| self.container_in_scope(n, image)),
        };
        if !scoped {
            return false;
        }
        let named = self.privileges.iter().any(|p| p.allows(&held.value));
        let granted = self.agent.as_ref().is_some_and(|(profile, features)| {
            held.features
                .iter()
                .any(|(p, f)| p == profile && features.iter().any(|wanted| wanted == f))
        });
        named || granted
    }

    /// What it allows, for reports: `privilege:hostPID`, `privilege:hostPath:/proc:ro`,
    /// `agent:datadog-agent:logs`.
    pub fn describe(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .privileges
            .iter()
            .map(|p| {
                let text = match p {
                    AllowedPrivilege::HostPid => "hostPID".to_string(),
                    AllowedPrivilege::HostIpc => "hostIPC".to_string(),
                    AllowedPrivilege::HostNetwork => "hostNetwork".to_string(),
                    AllowedPrivilege::Privileged => "privileged".to_string(),
                    AllowedPrivilege::Capability(c) => format!("capability:{c}"),
                    AllowedPrivilege::HostPath { path, read_only } => match read_only {
                        Some(true) => format!("hostPath:{path}:ro"),
                        _ => format!("hostPath:{path}"),
                    },
                    AllowedPrivilege::HostPort { port, protocol } => match protocol {
                        Some(p) => format!("hostPort:{port}/{p}"),
                        None => format!("hostPort:{port}"),
                    },
                    AllowedPrivilege::RunAsRoot => "runAsRoot".to_string(),
                    AllowedPrivilege::WritableRootFilesystem => {
                        "writableRootFilesystem".to_string()
                    }
                    AllowedPrivilege::SeccompUnconfined => "seccomp:unconfined".to_string(),
                    AllowedPrivilege::AppArmorUnconfined => "appArmor:unconfined".to_string(),
                    AllowedPrivilege::ServiceAccountToken => "serviceAccountToken".to_string(),
                };
                format!("privilege:{text}")
            })
            .collect();
        if let Some((profile, features)) = &self.agent {
            out.push(format!("agent:{profile}:{}", features.join(",")));
        }
        out
    }

    fn count(&self) {
        self.matched.fetch_add(1, Ordering::Relaxed);
    }
}

/// Whether the exceptions cover every one of `related` (the privileges a
/// finding is about); counts the exceptions used.
pub fn covered(
    exceptions: &[PrivilegeException],
    rule: &crate::registry::RuleMeta,
    related: &[&HeldPrivilege],
    pod: &PodScope<'_>,
    today: Date,
) -> bool {
    if related.is_empty() {
        return false;
    }
    let mut used = Vec::new();
    for held in related {
        let Some(exception) = exceptions.iter().find(|e| {
            !e.is_expired(today)
                && (e.rules.is_empty() || crate::exemptions::names_rule(&e.rules, rule))
                && e.covers(held, pod)
        }) else {
            return false;
        };
        used.push(exception);
    }
    for exception in used {
        exception.count();
    }
    true
}

/// Parses one `exceptions:` entry.
pub(crate) fn parse_exception(
    file: &SourceFile,
    item: &Node,
) -> Result<PrivilegeException, ConfigError> {
    let line = file.position(item.range.start).line;
    let error =
        |node: &Node, message: &str| crate::exemptions::error_at(file, node.range.start, message);
    let Some(entries) = item.as_map() else {
        return Err(error(item, "an exception must be a mapping"));
    };
    let mut exception = PrivilegeException {
        reason: String::new(),
        rules: Vec::new(),
        namespaces: Vec::new(),
        service_accounts: Vec::new(),
        containers: Vec::new(),
        images: Vec::new(),
        privileges: Vec::new(),
        agent: None,
        expires: None,
        line,
        matched: AtomicUsize::new(0),
    };
    let mut errors = Vec::new();
    for entry in entries {
        let value = &entry.value;
        match entry.key.as_str().unwrap_or("") {
            "reason" => exception.reason = value.as_str().unwrap_or("").trim().to_string(),
            "rules" => exception.rules = crate::exemptions::strings(file, value, &mut errors),
            "namespaces" => exception.namespaces = crate::exemptions::strings(file, value, &mut errors),
            "serviceAccounts" => {
                exception.service_accounts = crate::exemptions::strings(file, value, &mut errors)
            }
            "containers" => exception.containers = crate::exemptions::strings(file, value, &mut errors),
            "images" => {
                for (text, node) in crate::exemptions::strings(file, value, &mut errors)
                    .into_iter()
                    .zip(value.as_seq().map(<[Node]>::to_vec).unwrap_or_else(|| vec![value.clone()]))
                {
                    if text.starts_with("sha256:") {
                        exception.images.push(ImagePattern::Digest(text));
                    } else {
                        match GlobBuilder::new(&text).literal_separator(false).build() {
                            Ok(glob) => exception.images.push(ImagePattern::Repository(glob.compile_matcher())),
                            Err(e) => errors.push(error(&node, &format!("bad image pattern: {e}"))),
                        }
                    }
                }
            }
            "privileges" => match value.as_seq() {
                Some(items) => {
                    for item in items {
                        match parse_privilege(item) {
                            Ok(p) => exception.privileges.push(p),
                            Err(message) => errors.push(error(item, &message)),
                        }
                    }
                }
                None => errors.push(error(value, "`privileges` must be a list")),
            },
            "agent" => {
                let profile = value.get("profile").and_then(Node::as_str).map(str::to_string);
                let features = value
                    .get("features")
                    .map(|f| crate::exemptions::strings(file, f, &mut errors))
                    .unwrap_or_default();
                match profile {
                    Some(profile) if !features.is_empty() => exception.agent = Some((profile, features)),
                    _ => errors.push(error(value, "`agent` needs `profile` and `features`")),
                }
            }
            "expires" => {
                exception.expires = crate::exemptions::expiry(file, value, &mut errors)
            }
            other => errors.push(error(
                &entry.key,
                &format!(
                    "unknown exception key `{other}` (expected reason, rules, namespaces, serviceAccounts, containers, images, privileges, agent, expires)"
                ),
            )),
        }
    }
    if exception.reason.is_empty() {
        errors.push(error(item, "an exception needs a `reason`"));
    }
    if exception.privileges.is_empty() && exception.agent.is_none() {
        errors.push(error(
            item,
            "an exception names the privileges it allows (`privileges`) or an agent's features (`agent`)",
        ));
    }
    match errors.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(exception),
    }
}

/// `hostPID: true`, `capability: SYS_PTRACE`, `hostPath: {path: /proc, readOnly: true}`, ...
fn parse_privilege(item: &Node) -> Result<AllowedPrivilege, String> {
    let entries = item
        .as_map()
        .ok_or("a privilege is a mapping such as `hostPID: true`")?;
    if entries.len() != 1 {
        return Err("name exactly one privilege per entry".into());
    }
    let entry = &entries[0];
    let value = &entry.value;
    let flag = |kind: AllowedPrivilege| -> Result<AllowedPrivilege, String> {
        match value.as_bool() {
            Some(true) => Ok(kind),
            _ => Err(format!(
                "`{}` takes `true`",
                entry.key.as_str().unwrap_or("")
            )),
        }
    };
    match entry.key.as_str().unwrap_or("") {
        "hostPID" => flag(AllowedPrivilege::HostPid),
        "hostIPC" => flag(AllowedPrivilege::HostIpc),
        "hostNetwork" => flag(AllowedPrivilege::HostNetwork),
        "privileged" => flag(AllowedPrivilege::Privileged),
        "runAsRoot" => flag(AllowedPrivilege::RunAsRoot),
        "writableRootFilesystem" => flag(AllowedPrivilege::WritableRootFilesystem),
        "serviceAccountToken" => flag(AllowedPrivilege::ServiceAccountToken),
        "seccomp"
            if value
                .as_str()
                .is_some_and(|v| v.eq_ignore_ascii_case("unconfined")) =>
        {
            Ok(AllowedPrivilege::SeccompUnconfined)
        }
        "appArmor"
            if value
                .as_str()
                .is_some_and(|v| v.eq_ignore_ascii_case("unconfined")) =>
        {
            Ok(AllowedPrivilege::AppArmorUnconfined)
        }
        "capability" => value
            .as_str()
            .map(|c| AllowedPrivilege::Capability(normalize_capability(c)))
            .ok_or_else(|| "`capability` takes a name such as SYS_PTRACE".into()),
        "hostPath" => {
            let (path, read_only) = match value.as_str() {
                Some(path) => (path.to_string(), None),
                None => (
                    value
                        .get("path")
                        .and_then(Node::as_str)
                        .ok_or("`hostPath` takes a path or `{path, readOnly}`")?
                        .to_string(),
                    value.get("readOnly").and_then(Node::as_bool),
                ),
            };
            if !path.starts_with('/') {
                return Err("`hostPath` needs an absolute path".into());
            }
            Ok(AllowedPrivilege::HostPath {
                path: normalize_path(&path),
                read_only,
            })
        }
        "hostPort" => {
            let (port, protocol) = match value.as_i64() {
                Some(port) => (port, None),
                None => (
                    value
                        .get("port")
                        .and_then(Node::as_i64)
                        .ok_or("`hostPort` takes a port or `{port, protocol}`")?,
                    value
                        .get("protocol")
                        .and_then(Node::as_str)
                        .map(str::to_ascii_uppercase),
                ),
            };
            Ok(AllowedPrivilege::HostPort { port, protocol })
        }
        other => Err(format!(
            "unknown privilege `{other}` (hostPID, hostIPC, hostNetwork, privileged, capability, hostPath, hostPort, runAsRoot, writableRootFilesystem, seccomp, appArmor, serviceAccountToken)"
        )),
    }
}

/// `/var/run/` → `/var/run`; `//proc` → `/proc`. Windows paths
/// (`C:\var\lib\kubelet`, `\\.\pipe\x`) are kept as written.
pub fn normalize_path(path: &str) -> String {
    if !path.starts_with('/') {
        return path.to_string();
    }
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    format!("/{}", parts.join("/"))
}
