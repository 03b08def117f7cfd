//! Judging each privilege of a workload against the knowledge base:
//! explained (a feature needs it), unexplained (none does), and broader
//! than needed.

use std::collections::BTreeSet;

use rampart_linter::rule::PodContext;
use serde::Serialize;

use crate::inventory::{Privilege, PrivilegeKind, is_ancestor};
use crate::knowledge::KnowledgeBase;
use crate::profile::{Access, Disable, Evidence, Feature, NeedKind, Profile};

/// Which profile each container of a pod belongs to.
#[derive(Debug, Clone, Default)]
pub struct AgentMatch {
    /// Profile index per container, in `PodContext::containers` order.
    pub container_profiles: Vec<Option<usize>>,
    /// The profiles present in the pod, in first-seen order.
    pub profiles: Vec<usize>,
}

impl AgentMatch {
    /// Recognises the agents of a pod: containers by image, then the
    /// profiles' other containers by name.
    pub fn of(pod: &PodContext<'_>, base: &KnowledgeBase) -> Self {
        let mut container_profiles: Vec<Option<usize>> = pod
            .containers
            .iter()
            .map(|c| {
                c.value
                    .get("image")
                    .and_then(serde_json::Value::as_str)
                    .and_then(|image| base.profile_for_image(image))
                    .map(|(index, _)| index)
            })
            .collect();
        let mut profiles: Vec<usize> = Vec::new();
        for index in container_profiles.iter().flatten() {
            if !profiles.contains(index) {
                profiles.push(*index);
            }
        }
        for (slot, container) in container_profiles.iter_mut().zip(&pod.containers) {
            if slot.is_some() {
                continue;
            }
            *slot = profiles.iter().copied().find(|&index| {
                let profile = base.profile(index);
                profile
                    .matcher
                    .containers
                    .iter()
                    .any(|n| n == container.name)
                    || profile.containers.iter().any(|r| r.name == container.name)
            });
        }
        Self {
            container_profiles,
            profiles,
        }
    }

    fn profile_of_container(&self, pod: &PodContext<'_>, name: &str) -> Option<usize> {
        pod.containers
            .iter()
            .position(|c| c.name == name)
            .and_then(|i| self.container_profiles.get(i).copied().flatten())
    }
}

/// A feature that needs a privilege; the text is borrowed from the knowledge base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason<'a> {
    pub profile: &'a str,
    pub feature: &'a str,
    pub title: &'a str,
    pub evidence: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breaks_without: Option<&'a str>,
    #[serde(
        serialize_with = "serialize_disable",
        skip_serializing_if = "is_silent"
    )]
    pub disable: &'a Disable,
    /// The access the feature needs, for host paths.
    #[serde(skip)]
    pub access: Option<Access>,
    /// The host path the feature needs, when a parent directory is mounted.
    #[serde(skip)]
    pub needed_path: Option<&'a str>,
    #[serde(skip)]
    pub evidence_level: Evidence,
}

fn serialize_disable<S: serde::Serializer>(
    disable: &&Disable,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&disable.describe().unwrap_or_default())
}

fn is_silent(disable: &&Disable) -> bool {
    disable.describe().is_none()
}

/// How a privilege is broader than what its features need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BroaderKind {
    /// Mounted read-write where every feature needs read-only.
    ReadWriteNotNeeded,
    /// A parent directory is mounted where a path inside it is needed.
    WholeDirectory,
    /// A container runtime socket: root-equivalent even read-only.
    RuntimeSocket,
    /// A volume declared but never mounted.
    UnusedVolume,
    /// hostPID together with SYS_PTRACE: a path to every process on the node.
    HostPidWithPtrace,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Broader {
    pub kind: BroaderKind,
    pub message: String,
}

/// Explained or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Explained,
    Unexplained,
}

/// One privilege with its verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Judgement<'a> {
    #[serde(flatten)]
    pub privilege: Privilege,
    pub verdict: Verdict,
    /// The features that need it (empty when unexplained).
    pub features: Vec<Reason<'a>>,
    pub broader: Vec<Broader>,
    /// What the privilege grants, whoever holds it.
    pub risk: &'static str,
    /// The profile of the container (or of the pod) that holds it.
    #[serde(skip)]
    pub profile: Option<usize>,
}

/// Judges every privilege of a pod.
pub fn judge<'a>(
    pod: &PodContext<'_>,
    privileges: Vec<Privilege>,
    agents: &AgentMatch,
    base: &'a KnowledgeBase,
) -> Vec<Judgement<'a>> {
    let ptrace_containers: BTreeSet<String> = privileges
        .iter()
        .filter_map(|p| match (&p.kind, &p.container) {
            (PrivilegeKind::Capability { name }, Some(c)) if name == "SYS_PTRACE" => {
                Some(c.clone())
            }
            (PrivilegeKind::Privileged, Some(c)) => Some(c.clone()),
            _ => None,
        })
        .collect();
    // "May run as root" does not hold when the image's own user is not root.
    let privileges: Vec<Privilege> = privileges
        .into_iter()
        .filter(|p| {
            let (PrivilegeKind::RunAsRoot { explicit: false }, Some(name)) =
                (&p.kind, &p.container)
            else {
                return true;
            };
            let Some(index) = agents.profile_of_container(pod, name) else {
                return true;
            };
            let profile = base.profile(index);
            let user = profile
                .containers
                .iter()
                .find(|r| r.name == *name)
                .and_then(|r| r.image_user)
                .or(profile.image_user);
            user.is_none_or(|u| u == 0)
        })
        .collect();
    // Host paths per container: a need is attributed to a parent directory
    // only when the container mounts nothing closer for it.
    let mounts: Vec<(Option<String>, PrivilegeKind)> = privileges
        .iter()
        .filter(|p| matches!(p.kind, PrivilegeKind::HostPath { .. }))
        .map(|p| (p.container.clone(), p.kind.clone()))
        .collect();
    let closer_mount = |container: &Option<String>, need: &NeedKind| {
        mounts
            .iter()
            .any(|(c, kind)| c == container && satisfies(need, kind) == Some(None))
    };
    let mut judgements: Vec<Judgement<'a>> = privileges
        .into_iter()
        .map(|privilege| {
            let owner = match &privilege.container {
                Some(name) => agents.profile_of_container(pod, name),
                None => agents.profiles.first().copied(),
            };
            let mut features = Vec::new();
            for &index in &agents.profiles {
                let profile = base.profile(index);
                // Another agent's profile explains a container only by naming it.
                let foreign = privilege.container.is_some() && owner != Some(index);
                for feature in &profile.features {
                    for need in &feature.needs {
                        let Some(kind) = need.resolved.as_ref() else { continue };
                        if foreign && need.containers.is_empty() {
                            continue;
                        }
                        if !container_applies(&need.containers, &privilege, pod, agents, index) {
                            continue;
                        }
                        if let Some(needed_path) = satisfies(kind, &privilege.kind) {
                            if needed_path.is_some() && closer_mount(&privilege.container, kind) {
                                continue;
                            }
                            features.push(reason(profile, feature, need, kind, needed_path));
                        }
                    }
                }
            }
            dedup_reasons(&mut features);
            let mut broader = Vec::new();
            match &privilege.kind {
                PrivilegeKind::HostPath {
                    path,
                    read_only,
                    runtime_socket,
                    ..
                } => {
                    if !features.is_empty() {
                        if !read_only
                            && features
                                .iter()
                                .all(|r| r.access != Some(Access::ReadWrite))
                        {
                            broader.push(Broader {
                                kind: BroaderKind::ReadWriteNotNeeded,
                                message: "mounted read-write where read-only is enough".into(),
                            });
                        }
                        // Whole directory: every reason needs a path strictly inside this one.
                        let inner: Vec<&str> = features
                            .iter()
                            .filter_map(|r| r.needed_path)
                            .collect();
                        if inner.len() == features.len()
                            && inner.iter().all(|needed| is_ancestor(path, needed))
                        {
                            let mut needed: Vec<&str> = inner.clone();
                            needed.sort_unstable();
                            needed.dedup();
                            broader.push(Broader {
                                kind: BroaderKind::WholeDirectory,
                                message: format!(
                                    "mounts all of {path} where only {} is needed",
                                    needed.join(", ")
                                ),
                            });
                        }
                    }
                    if *runtime_socket {
                        let whole = matches!(path.as_str(), "/run" | "/var/run");
                        broader.push(Broader {
                            kind: BroaderKind::RuntimeSocket,
                            message: if whole {
                                format!(
                                    "{path} holds the container runtime's socket: root-equivalent even read-only, and it exposes every other socket in {path}; only the socket's directory is needed"
                                )
                            } else {
                                "a container runtime socket: root-equivalent even when mounted read-only".to_string()
                            },
                        });
                    }
                }
                PrivilegeKind::UnusedHostPathVolume { .. } => broader.push(Broader {
                    kind: BroaderKind::UnusedVolume,
                    message: "declared but mounted by no container: remove the volume".into(),
                }),
                PrivilegeKind::HostPid if !ptrace_containers.is_empty() => {
                    let holders: Vec<&str> = ptrace_containers.iter().map(String::as_str).collect();
                    broader.push(Broader {
                        kind: BroaderKind::HostPidWithPtrace,
                        message: format!(
                            "hostPID together with SYS_PTRACE (or privileged) in {}: an escape path into every process on the node",
                            holders.join(", ")
                        ),
                    });
                }
                _ => {}
            }
            Judgement {
                verdict: if features.is_empty() {
                    Verdict::Unexplained
                } else {
                    Verdict::Explained
                },
                risk: privilege.kind.generic_risk(),
                privilege,
                features,
                broader,
                profile: owner,
            }
        })
        .collect();
    judgements.sort_by_key(|j| j.privilege.container.is_some());
    judgements
}

/// Whether a need scoped to `containers` applies to the privilege.
fn container_applies(
    containers: &[String],
    privilege: &Privilege,
    pod: &PodContext<'_>,
    agents: &AgentMatch,
    profile: usize,
) -> bool {
    if containers.is_empty() {
        return true;
    }
    match &privilege.container {
        Some(name) => containers.iter().any(|c| c == name),
        // A pod-level need of a container: that container must be in the pod.
        None => pod.containers.iter().enumerate().any(|(i, c)| {
            agents.container_profiles.get(i).copied().flatten() == Some(profile)
                && containers.iter().any(|n| n == c.name)
        }),
    }
}

/// Whether the need covers the privilege; for host paths, the needed path
/// that matched (to tell a whole-directory mount).
fn satisfies<'n>(need: &'n NeedKind, privilege: &PrivilegeKind) -> Option<Option<&'n str>> {
    let plain = |ok: bool| ok.then_some(None);
    match (need, privilege) {
        (NeedKind::HostPid, PrivilegeKind::HostPid)
        | (NeedKind::HostIpc, PrivilegeKind::HostIpc)
        | (NeedKind::HostNetwork, PrivilegeKind::HostNetwork)
        | (NeedKind::Privileged, PrivilegeKind::Privileged)
        | (NeedKind::RunAsRoot, PrivilegeKind::RunAsRoot { .. })
        | (NeedKind::WritableRootFilesystem, PrivilegeKind::WritableRootFilesystem)
        | (NeedKind::SeccompUnconfined, PrivilegeKind::SeccompUnconfined)
        | (NeedKind::AppArmorUnconfined, PrivilegeKind::AppArmorUnconfined)
        | (NeedKind::ServiceAccountToken, PrivilegeKind::ServiceAccountToken) => Some(None),
        (
            NeedKind::HostPort { port, protocol },
            PrivilegeKind::HostPort {
                port: held,
                protocol: held_protocol,
                ..
            },
        ) => plain(i64::from(*port) == *held && protocol == held_protocol),
        (NeedKind::Capability(need), PrivilegeKind::Capability { name }) => plain(need == name),
        (NeedKind::HostPath { paths, .. }, PrivilegeKind::HostPath { path, .. })
        | (NeedKind::HostPath { paths, .. }, PrivilegeKind::UnusedHostPathVolume { path, .. }) => {
            // A mount inside the needed path is narrower, so fine; but a need
            // for the whole host (`/`) is met only by mounting `/`.
            if paths
                .iter()
                .any(|p| p == path || (p != "/" && is_ancestor(p, path)))
            {
                return Some(None);
            }
            paths
                .iter()
                .find(|p| is_ancestor(path, p))
                .map(|p| Some(p.as_str()))
        }
        (NeedKind::RuntimeSocket { .. }, PrivilegeKind::HostPath { runtime_socket, .. }) => {
            plain(*runtime_socket)
        }
        (NeedKind::RuntimeSocket { .. }, PrivilegeKind::UnusedHostPathVolume { path, .. }) => {
            plain(crate::inventory::is_runtime_socket_path(path))
        }
        _ => None,
    }
}

fn reason<'a>(
    profile: &'a Profile,
    feature: &'a Feature,
    need: &'a crate::profile::Need,
    kind: &'a NeedKind,
    needed_path: Option<&'a str>,
) -> Reason<'a> {
    let access = match kind {
        NeedKind::HostPath { access, .. } | NeedKind::RuntimeSocket { access } => Some(*access),
        _ => None,
    };
    Reason {
        profile: &profile.name,
        feature: &feature.id,
        title: &feature.title,
        evidence: need.evidence.as_str(),
        why: need.why.as_deref(),
        volume: need.volume.as_deref(),
        breaks_without: feature.breaks_without.as_deref(),
        disable: &feature.disable,
        access,
        needed_path,
        evidence_level: need.evidence,
    }
}

/// One reason per feature: the exact path match and the strongest access win.
fn dedup_reasons(reasons: &mut Vec<Reason<'_>>) {
    reasons.sort_by(|a, b| {
        (&a.profile, &a.feature)
            .cmp(&(&b.profile, &b.feature))
            .then(a.needed_path.is_some().cmp(&b.needed_path.is_some()))
            .then((b.access == Some(Access::ReadWrite)).cmp(&(a.access == Some(Access::ReadWrite))))
            .then(a.evidence_level.cmp(&b.evidence_level))
    });
    reasons
        .dedup_by(|later, first| later.profile == first.profile && later.feature == first.feature);
}

/// Every feature of the workload's agents, and whether the workload uses it.
/// A feature with settings (`config`) is in use when they are present, or
/// when it alone explains some privilege among features whose settings are
/// off; a feature without settings is in use when one of its privileges is held.
pub fn features_present(
    workload: &crate::analysis::Workload<'_>,
    base: &KnowledgeBase,
) -> Vec<(usize, usize, bool)> {
    use std::collections::HashMap;
    // (profile name, feature id) -> (has settings, settings present)
    // The pod is rebuilt once for every feature's settings.
    let configured: HashMap<(&str, &str), (bool, bool)> = workload
        .with_pod(|pod| {
            let mut configured = HashMap::new();
            for &index in &workload.agents.profiles {
                let profile = base.profile(index);
                for feature in &profile.features {
                    let on = feature
                        .config
                        .iter()
                        .any(|item| config_present(item, pod, &workload.agents, index));
                    configured.insert(
                        (profile.name.as_str(), feature.id.as_str()),
                        (!feature.config.is_empty(), on),
                    );
                }
            }
            configured
        })
        .unwrap_or_default();
    // A reason that certainly uses the privilege: settings on, or no settings.
    let active = |r: &Reason| {
        configured
            .get(&(r.profile, r.feature))
            .is_none_or(|&(has, on)| !has || on)
    };
    let mut out = Vec::new();
    for &index in &workload.agents.profiles {
        let profile = base.profile(index);
        for (feature_index, feature) in profile.features.iter().enumerate() {
            let (has_config, config_on) = configured
                .get(&(profile.name.as_str(), feature.id.as_str()))
                .copied()
                .unwrap_or((false, false));
            let mine = |r: &Reason| r.profile == profile.name && r.feature == feature.id;
            let present = config_on
                || workload.judgements.iter().any(|j| {
                    // The whole host mounted does not show that a feature
                    // needing a path inside it is in use.
                    let whole_host = matches!(
                        &j.privilege.kind,
                        PrivilegeKind::HostPath { path, .. } if path == "/"
                    );
                    j.features
                        .iter()
                        .any(|r| mine(r) && !(whole_host && r.needed_path.is_some()))
                        && (!has_config || !j.features.iter().any(|r| !mine(r) && active(r)))
                });
            out.push((index, feature_index, present));
        }
    }
    out
}

/// Whether a feature's environment setting is present (and, for lists,
/// holds one of the feature's entries) in the agent's containers.
pub fn config_present(
    item: &crate::profile::ConfigItem,
    pod: &PodContext<'_>,
    agents: &AgentMatch,
    profile: usize,
) -> bool {
    pod.containers.iter().enumerate().any(|(i, container)| {
        if agents.container_profiles.get(i).copied().flatten() != Some(profile) {
            return false;
        }
        if !item.containers.is_empty() && !item.containers.iter().any(|c| c == container.name) {
            return false;
        }
        let env = container
            .value
            .get("env")
            .and_then(serde_json::Value::as_array);
        env.into_iter().flatten().any(|entry| {
            if entry.get("name").and_then(serde_json::Value::as_str) != Some(item.env.as_str()) {
                return false;
            }
            let value = entry
                .get("value")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("");
            match &item.action {
                crate::profile::ConfigAction::RemoveItems(items) => value
                    .split(',')
                    .map(str::trim)
                    .any(|v| items.iter().any(|i| i == v)),
                crate::profile::ConfigAction::Set(off) => !value.eq_ignore_ascii_case(off),
                crate::profile::ConfigAction::Remove(_) => true,
            }
        })
    })
}
