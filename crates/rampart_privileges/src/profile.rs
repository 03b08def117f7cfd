//! The knowledge base: one profile per agent, read from YAML
//! (`profiles/*.yaml`, documented in docs/profiles.md).
//!
//! A profile says how to recognise an agent, which features it has, and for
//! each feature the exact privileges it needs, how sure we are, what breaks
//! without it, and how to turn it off.

use std::collections::BTreeSet;

use serde::Deserialize;

/// Host paths are compared normalised, as privilege exceptions compare them.
pub use rampart_linter::exceptions::normalize_path;

/// `apiVersion` of profile files.
pub const PROFILE_API_VERSION: &str = "rampart.dev/v1alpha1";
/// `kind` of profile files.
pub const PROFILE_KIND: &str = "AgentProfile";

/// One agent's entry in the knowledge base.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Profile {
    pub api_version: String,
    pub kind: String,
    /// Stable identifier, e.g. `datadog-agent`.
    pub name: String,
    /// Human name, e.g. `Datadog Agent`.
    pub title: String,
    #[serde(default)]
    pub vendor: Option<String>,
    /// The versions or chart this profile was written from.
    #[serde(default)]
    pub covers: Option<String>,
    #[serde(default)]
    pub references: Vec<Reference>,
    #[serde(rename = "match")]
    pub matcher: Matcher,
    /// The user the agent's images run as when the manifest sets none
    /// (the image's `USER`); non-zero means "may run as root" does not apply.
    #[serde(default)]
    pub image_user: Option<u32>,
    /// Known containers of the agent's pods and the features each exists for.
    #[serde(default)]
    pub containers: Vec<ContainerRole>,
    #[serde(default)]
    pub non_root: Option<NonRoot>,
    pub features: Vec<Feature>,
    /// Where the profile was read from (set by the loader).
    #[serde(skip)]
    pub source: String,
}

/// A document the profile's facts come from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Reference {
    pub title: String,
    pub url: String,
}

/// How a workload is recognised as this agent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Matcher {
    /// Image repository globs, without tag or digest (`*` matches any text,
    /// `/` included): `gcr.io/datadoghq/agent`, `*/datadog/agent`.
    /// Docker Hub images are matched both as `datadog/agent` and
    /// `docker.io/datadog/agent`.
    pub images: Vec<String>,
    /// Container names that also belong to the agent when a container with a
    /// matching image is in the pod (sidecars and init containers that use
    /// another image, e.g. `busybox`).
    #[serde(default)]
    pub containers: Vec<String>,
}

/// A container the agent's pods have, and why it exists.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContainerRole {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// The container exists only for these features: `trim` removes it when
    /// none of them is kept. Empty: the container always stays.
    #[serde(default)]
    pub features: Vec<String>,
    /// The user this container's image runs as (overrides the profile's `imageUser`).
    #[serde(default)]
    pub image_user: Option<u32>,
}

/// The agent's documented non-root user.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NonRoot {
    pub user: u32,
    #[serde(default)]
    pub group: Option<u32>,
    /// Older versions that use another user, by image tag.
    #[serde(default)]
    pub versions: Vec<VersionedUser>,
    /// What every node needs so that the non-root user keeps working.
    #[serde(default)]
    pub node_changes: Vec<String>,
    /// Features and integrations that may stop working without root.
    #[serde(default)]
    pub may_break: Vec<String>,
    #[serde(default)]
    pub evidence: Evidence,
}

/// `user` applies to image versions up to and including `up_to`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VersionedUser {
    pub up_to: String,
    pub user: u32,
}

/// One feature of an agent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Feature {
    /// Stable identifier used by `trim --keep/--drop` (snake or kebab case).
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    /// On in the vendor's default install.
    #[serde(default)]
    pub default: bool,
    /// The agent does not run without it: it cannot be dropped.
    #[serde(default)]
    pub required: bool,
    /// The privileges it needs.
    #[serde(default)]
    pub needs: Vec<Need>,
    /// What stops working without it.
    #[serde(default)]
    pub breaks_without: Option<String>,
    /// How to turn it off at the source.
    #[serde(default)]
    pub disable: Disable,
    /// Configuration that `trim` removes with the feature.
    #[serde(default)]
    pub config: Vec<ConfigItem>,
}

/// How to turn a feature off at its source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Disable {
    /// Helm value, e.g. `datadog.logs.enabled: false`.
    #[serde(default)]
    pub helm: Option<String>,
    /// Operator (custom resource) setting.
    #[serde(default)]
    pub operator: Option<String>,
    /// Environment variable, e.g. remove `host_processes` from `ENV_DEFAULT_ENABLED_INPUTS`.
    #[serde(default)]
    pub env: Option<String>,
    /// Anything else, in words.
    #[serde(default)]
    pub manual: Option<String>,
}

impl Disable {
    /// Every way, as `helm: …; env: …`.
    pub fn describe(&self) -> Option<String> {
        let parts: Vec<String> = [
            ("Helm", &self.helm),
            ("operator", &self.operator),
            ("env", &self.env),
            ("", &self.manual),
        ]
        .into_iter()
        .filter_map(|(label, value)| {
            value.as_ref().map(|v| {
                if label.is_empty() {
                    v.clone()
                } else {
                    format!("{label}: {v}")
                }
            })
        })
        .collect();
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// Configuration of a feature, removed by `trim` when the feature is dropped.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConfigItem {
    /// An environment variable of the agent's containers.
    pub env: String,
    /// Only in these containers (all of the agent's containers when empty).
    #[serde(default)]
    pub containers: Vec<String>,
    /// What to do with it.
    #[serde(flatten)]
    pub action: ConfigAction,
}

/// What `trim` does to a feature's environment variable.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub enum ConfigAction {
    /// Delete the variable.
    Remove(bool),
    /// Set it to this value (e.g. `"false"`).
    Set(String),
    /// Remove these entries from a comma-separated list value.
    RemoveItems(Vec<String>),
}

/// How sure a fact is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Evidence {
    /// The vendor's documentation says so.
    VendorDoc,
    /// The vendor's chart template or operator code adds the privilege only with this feature.
    ChartTemplate,
    /// Seen in a manifest the vendor rendered.
    RenderedManifest,
    /// Our reading of kernel or Kubernetes behaviour, not stated by the vendor.
    #[default]
    Inferred,
}

impl Evidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::VendorDoc => "vendor-doc",
            Evidence::ChartTemplate => "chart-template",
            Evidence::RenderedManifest => "rendered-manifest",
            Evidence::Inferred => "inferred",
        }
    }
}

/// Read-only or read-write access to a host path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    #[default]
    ReadOnly,
    ReadWrite,
}

/// One host path, or alternatives (any of them satisfies the need).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn as_slice(&self) -> &[String] {
        match self {
            OneOrMany::One(one) => std::slice::from_ref(one),
            OneOrMany::Many(many) => many,
        }
    }
}

/// One privilege a feature needs, as written in a profile: exactly one of
/// the privilege keys, plus modifiers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Need {
    #[serde(default, rename = "hostPID")]
    pub host_pid: Option<bool>,
    #[serde(default, rename = "hostIPC")]
    pub host_ipc: Option<bool>,
    #[serde(default)]
    pub host_network: Option<bool>,
    /// A host port the agent listens on.
    #[serde(default)]
    pub host_port: Option<u16>,
    #[serde(default)]
    pub privileged: Option<bool>,
    /// A Linux capability (`SYS_ADMIN`; `CAP_` prefix optional).
    #[serde(default)]
    pub capability: Option<String>,
    /// A hostPath (or alternatives). Mounting a parent directory satisfies
    /// the need but is reported as broader than needed.
    #[serde(default)]
    pub host_path: Option<OneOrMany>,
    /// Access to the container runtime's socket (docker, containerd, CRI-O),
    /// wherever the manifest mounts it from.
    #[serde(default)]
    pub runtime_socket: Option<bool>,
    /// Running as UID 0.
    #[serde(default)]
    pub run_as_root: Option<bool>,
    /// `readOnlyRootFilesystem` not set to true.
    #[serde(default)]
    pub writable_root_filesystem: Option<bool>,
    /// `allowPrivilegeEscalation` not set to false.
    #[serde(default)]
    pub allow_privilege_escalation: Option<bool>,
    /// `unconfined` seccomp.
    #[serde(default)]
    pub seccomp: Option<String>,
    /// `unconfined` AppArmor.
    #[serde(default)]
    pub app_armor: Option<String>,
    /// The service-account token (API access).
    #[serde(default)]
    pub service_account_token: Option<bool>,

    /// For `hostPath`: the volume name the vendor's manifests use
    /// (`procdir`), shown in explanations.
    #[serde(default)]
    pub volume: Option<String>,
    /// For `hostPath`: the access the feature needs (default read-only).
    #[serde(default)]
    pub access: Option<Access>,
    /// For `hostPort`: TCP (default), UDP or SCTP.
    #[serde(default)]
    pub protocol: Option<String>,
    /// Only in these containers (all of the agent's containers when empty).
    #[serde(default)]
    pub containers: Vec<String>,
    #[serde(default)]
    pub evidence: Evidence,
    /// Why the feature needs it, when more specific than the feature's description.
    #[serde(default)]
    pub why: Option<String>,
    /// [`Need::kind`], resolved once when the profile is loaded.
    #[serde(skip)]
    pub resolved: Option<NeedKind>,
}

/// The privilege a [`Need`] names, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NeedKind {
    HostPid,
    HostIpc,
    HostNetwork,
    HostPort { port: u16, protocol: String },
    Privileged,
    Capability(String),
    HostPath { paths: Vec<String>, access: Access },
    RuntimeSocket { access: Access },
    RunAsRoot,
    WritableRootFilesystem,
    AllowPrivilegeEscalation,
    SeccompUnconfined,
    AppArmorUnconfined,
    ServiceAccountToken,
}

impl Need {
    /// The one privilege this need names, or why it is malformed.
    pub fn kind(&self) -> Result<NeedKind, String> {
        let mut kinds = Vec::new();
        let flag = |value: Option<bool>, kind: NeedKind, kinds: &mut Vec<NeedKind>| {
            if value == Some(true) {
                kinds.push(kind);
            }
        };
        flag(self.host_pid, NeedKind::HostPid, &mut kinds);
        flag(self.host_ipc, NeedKind::HostIpc, &mut kinds);
        flag(self.host_network, NeedKind::HostNetwork, &mut kinds);
        flag(self.privileged, NeedKind::Privileged, &mut kinds);
        flag(self.run_as_root, NeedKind::RunAsRoot, &mut kinds);
        flag(
            self.writable_root_filesystem,
            NeedKind::WritableRootFilesystem,
            &mut kinds,
        );
        flag(
            self.allow_privilege_escalation,
            NeedKind::AllowPrivilegeEscalation,
            &mut kinds,
        );
        flag(
            self.service_account_token,
            NeedKind::ServiceAccountToken,
            &mut kinds,
        );
        let access = self.access.unwrap_or_default();
        flag(
            self.runtime_socket,
            NeedKind::RuntimeSocket { access },
            &mut kinds,
        );
        for (field, value) in [
            ("hostPID", self.host_pid),
            ("hostIPC", self.host_ipc),
            ("hostNetwork", self.host_network),
            ("privileged", self.privileged),
            ("runAsRoot", self.run_as_root),
            ("writableRootFilesystem", self.writable_root_filesystem),
            ("allowPrivilegeEscalation", self.allow_privilege_escalation),
            ("serviceAccountToken", self.service_account_token),
            ("runtimeSocket", self.runtime_socket),
        ] {
            if value == Some(false) {
                return Err(format!(
                    "`{field}: false` is not a need: list only what the feature needs"
                ));
            }
        }
        if let Some(port) = self.host_port {
            let protocol = self
                .protocol
                .as_deref()
                .unwrap_or("TCP")
                .to_ascii_uppercase();
            if !matches!(protocol.as_str(), "TCP" | "UDP" | "SCTP") {
                return Err(format!("unknown protocol `{protocol}`: TCP, UDP or SCTP"));
            }
            kinds.push(NeedKind::HostPort { port, protocol });
        } else if self.protocol.is_some() {
            return Err("`protocol` applies only to `hostPort`".into());
        }
        if let Some(cap) = &self.capability {
            kinds.push(NeedKind::Capability(
                rampart_linter::rule::normalize_capability(cap),
            ));
        }
        if let Some(paths) = &self.host_path {
            let paths = paths.as_slice();
            if paths.is_empty() {
                return Err("`hostPath` needs at least one path".into());
            }
            if let Some(bad) = paths.iter().find(|p| !is_absolute(p)) {
                return Err(format!("`hostPath` {bad:?} is not an absolute path"));
            }
            kinds.push(NeedKind::HostPath {
                paths: paths.iter().map(|p| normalize_path(p)).collect(),
                access,
            });
        } else if self.access.is_some() && self.runtime_socket.is_none() {
            return Err("`access` applies only to `hostPath` and `runtimeSocket`".into());
        }
        for (field, value, kind) in [
            ("seccomp", &self.seccomp, NeedKind::SeccompUnconfined),
            ("appArmor", &self.app_armor, NeedKind::AppArmorUnconfined),
        ] {
            match value.as_deref() {
                None => {}
                Some(v) if v.eq_ignore_ascii_case("unconfined") => kinds.push(kind),
                Some(other) => {
                    return Err(format!(
                        "`{field}: {other}` is not a privilege; only `unconfined` is"
                    ));
                }
            }
        }
        match kinds.len() {
            1 => Ok(kinds.remove(0)),
            0 => Err("a need names one privilege (hostPID, hostPath, capability, ...)".into()),
            _ => Err("a need names exactly one privilege; split it into several needs".into()),
        }
    }
}

/// Problems that make a profile unusable, each with the JSON pointer of the
/// field at fault.
pub fn validate(profile: &Profile) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    if profile.api_version != PROFILE_API_VERSION {
        problems.push((
            "/apiVersion".into(),
            format!("apiVersion must be {PROFILE_API_VERSION}"),
        ));
    }
    if profile.kind != PROFILE_KIND {
        problems.push(("/kind".into(), format!("kind must be {PROFILE_KIND}")));
    }
    if !is_identifier(&profile.name) {
        problems.push((
            "/name".into(),
            "name must be lower-case letters, digits, `-` and `_`".into(),
        ));
    }
    if profile.matcher.images.is_empty() {
        problems.push((
            "/match/images".into(),
            "a profile needs at least one image pattern".into(),
        ));
    }
    for (index, pattern) in profile.matcher.images.iter().enumerate() {
        if let Err(error) = globset::Glob::new(pattern) {
            problems.push((format!("/match/images/{index}"), error.to_string()));
        }
    }
    let mut ids = BTreeSet::new();
    for (index, feature) in profile.features.iter().enumerate() {
        if !is_identifier(&feature.id) {
            problems.push((
                format!("/features/{index}/id"),
                "feature ids are lower-case letters, digits, `-` and `_`".into(),
            ));
        }
        if !ids.insert(feature.id.as_str()) {
            problems.push((
                format!("/features/{index}/id"),
                format!("duplicate feature id `{}`", feature.id),
            ));
        }
        for (n, need) in feature.needs.iter().enumerate() {
            if let Err(message) = need.kind() {
                problems.push((format!("/features/{index}/needs/{n}"), message));
            }
        }
    }
    for (index, role) in profile.containers.iter().enumerate() {
        for feature in &role.features {
            if !ids.contains(feature.as_str()) {
                problems.push((
                    format!("/containers/{index}/features"),
                    format!("unknown feature `{feature}`"),
                ));
            }
        }
    }
    problems
}

/// `/x`, `C:\x` or `\\.\pipe\x`.
fn is_absolute(path: &str) -> bool {
    let bytes = path.as_bytes();
    path.starts_with('/')
        || path.starts_with("\\\\")
        || (bytes.len() >= 3
            && bytes[0].is_ascii_alphabetic()
            && bytes[1] == b':'
            && matches!(bytes[2], b'\\' | b'/'))
}

fn is_identifier(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}
