//! The documented shape of `rampart.yaml`, from which `rampart_dev
//! generate-all` writes the JSON Schema (`docs/rampart.schema.json`) that
//! editors use for completion and validation. The parser
//! ([`crate::exemptions::Config::parse`]) is the authority; a test keeps the
//! two in step.

#![allow(dead_code)]

use std::collections::BTreeMap;

use schemars::JsonSchema;

/// rampart's configuration file, `rampart.yaml`: read by `rampart scan`
/// (found in the scanned directory or a parent), `rampart webhook` and
/// `rampart policy vap` (`--config`).
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields, title = "rampart.yaml")]
pub struct ConfigFile {
    /// Findings not to report, scoped by rule, file, namespace, kind, name
    /// and container (for scans).
    exemptions: Option<Vec<Exemption>>,
    /// Privileges allowed to exactly the pods, containers and images named,
    /// at scan and admission (the webhook and the ValidatingAdmissionPolicy).
    exceptions: Option<Vec<Exception>>,
    /// Pod Security level of each admission mode, by default and per namespace.
    admission: Option<Admission>,
    /// Rules switched off everywhere, by code (`WL007`) or name.
    ignore: Option<StringOrList>,
    /// Registries images may come from (rule IM003), e.g. `registry.example.com/`.
    allowed_registries: Option<StringOrList>,
    /// Values `rampart fix` uses.
    fix: Option<Fix>,
}

/// One string or a list of them.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum StringOrList {
    One(String),
    Many(Vec<String>),
}

/// A date, `YYYY-MM-DD`: the entry stops applying after it.
#[derive(JsonSchema)]
#[schemars(transparent)]
pub struct Expiry(#[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))] String);

/// A scan exemption. Empty scopes match anything.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Exemption {
    /// Rule codes or names, or `*`.
    rules: StringOrList,
    /// Why: shown in reports. Required.
    reason: String,
    /// File globs, relative to the config file's directory.
    paths: Option<StringOrList>,
    namespaces: Option<StringOrList>,
    kinds: Option<StringOrList>,
    names: Option<StringOrList>,
    containers: Option<StringOrList>,
    expires: Option<Expiry>,
}

/// A scoped privilege exception: it allows a finding only when every
/// privilege the finding is about is one it names, held by a container in
/// its scope. Give `privileges`, `agent`, or both.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Exception {
    /// Why: shown in reports. Required.
    reason: String,
    /// Only findings of these rules (codes or names).
    rules: Option<StringOrList>,
    namespaces: Option<StringOrList>,
    /// The pod's `serviceAccountName` (not the requesting user).
    #[schemars(rename = "serviceAccounts")]
    service_accounts: Option<StringOrList>,
    /// Container names.
    containers: Option<StringOrList>,
    /// Image repository globs (`gcr.io/datadoghq/agent`, `registry.example.com/*`;
    /// tag and digest ignored) or `sha256:` digests.
    images: Option<StringOrList>,
    /// The exact privileges allowed, one per entry.
    privileges: Option<Vec<Privilege>>,
    /// What a knowledge-base agent profile needs for these features.
    agent: Option<AgentGrant>,
    expires: Option<Expiry>,
}

/// The features of an agent profile (see `rampart explain`, docs/knowledge-base.md).
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct AgentGrant {
    profile: String,
    features: StringOrList,
}

/// One privilege, e.g. `hostPID: true`, `capability: SYS_PTRACE`,
/// `hostPath: {path: /proc, readOnly: true}`.
#[derive(JsonSchema)]
pub enum Privilege {
    #[schemars(rename = "hostPID")]
    HostPid(True),
    #[schemars(rename = "hostIPC")]
    HostIpc(True),
    #[schemars(rename = "hostNetwork")]
    HostNetwork(True),
    #[schemars(rename = "privileged")]
    Privileged(True),
    /// Running as user 0 (explicit or for lack of `runAsUser`/`runAsNonRoot`).
    #[schemars(rename = "runAsRoot")]
    RunAsRoot(True),
    #[schemars(rename = "writableRootFilesystem")]
    WritableRootFilesystem(True),
    #[schemars(rename = "serviceAccountToken")]
    ServiceAccountToken(True),
    #[schemars(rename = "seccomp")]
    Seccomp(Unconfined),
    #[schemars(rename = "appArmor")]
    AppArmor(Unconfined),
    /// A Linux capability (`SYS_PTRACE`; `CAP_` prefix and case ignored).
    #[schemars(rename = "capability")]
    Capability(String),
    /// An absolute host path, read-write allowed unless `readOnly: true`.
    #[schemars(rename = "hostPath")]
    HostPath(HostPath),
    /// A host port, any protocol unless one is named.
    #[schemars(rename = "hostPort")]
    HostPort(HostPort),
}

/// `true`.
#[derive(JsonSchema)]
#[schemars(transparent)]
pub struct True(#[schemars(extend("const" = true))] bool);

/// `unconfined`.
#[derive(JsonSchema)]
pub enum Unconfined {
    #[schemars(rename = "unconfined")]
    Unconfined,
}

#[derive(JsonSchema)]
#[serde(untagged)]
pub enum HostPath {
    Path(#[schemars(regex(pattern = r"^/"))] String),
    Scoped {
        #[schemars(regex(pattern = r"^/"))]
        path: String,
        #[schemars(rename = "readOnly")]
        read_only: Option<bool>,
    },
}

#[derive(JsonSchema)]
#[serde(untagged)]
pub enum HostPort {
    Port(i64),
    Scoped {
        port: i64,
        protocol: Option<Protocol>,
    },
}

#[derive(JsonSchema)]
pub enum Protocol {
    #[schemars(rename = "TCP")]
    Tcp,
    #[schemars(rename = "UDP")]
    Udp,
    #[schemars(rename = "SCTP")]
    Sctp,
}

/// Levels by mode, as the `pod-security.kubernetes.io/*` labels set them.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Admission {
    /// For namespaces not named below.
    default: Option<ModeLevels>,
    /// Per namespace; modes left out keep the default's.
    namespaces: Option<BTreeMap<String, ModeLevels>>,
}

#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ModeLevels {
    /// Denies violating Pods (workload templates get warnings).
    enforce: Option<LevelOrOff>,
    /// Warns the client.
    warn: Option<LevelOrOff>,
    /// Adds audit annotations.
    audit: Option<LevelOrOff>,
    /// `latest` or `v1.N`.
    version: Option<Version>,
}

/// A Pod Security level, or `off` (unquoted, YAML 1.1 reads it as `false`).
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum LevelOrOff {
    Level(LevelName),
    Off(False),
}

#[derive(JsonSchema)]
pub enum LevelName {
    #[schemars(rename = "privileged")]
    Privileged,
    #[schemars(rename = "baseline")]
    Baseline,
    #[schemars(rename = "restricted")]
    Restricted,
    #[schemars(rename = "off")]
    Off,
}

/// `false`.
#[derive(JsonSchema)]
#[schemars(transparent)]
pub struct False(#[schemars(extend("const" = false))] bool);

#[derive(JsonSchema)]
#[schemars(transparent)]
pub struct Version(#[schemars(regex(pattern = r"^(latest|v1\.(0|[1-9][0-9]*))$"))] String);

#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Fix {
    /// Requests and limits `rampart fix` gives containers without them.
    resources: Option<FixResources>,
}

#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct FixResources {
    requests: Option<BTreeMap<String, Quantity>>,
    limits: Option<BTreeMap<String, Quantity>>,
}

/// A quantity such as `100m` or `128Mi`.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum Quantity {
    Text(#[schemars(regex(pattern = r"^[A-Za-z0-9.]+$"))] String),
    Number(f64),
}

/// The JSON Schema of `rampart.yaml`, pretty-printed.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(ConfigFile);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
