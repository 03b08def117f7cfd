//! `trim`: the least-privilege manifest for the features a user keeps.
//!
//! A privilege stays exactly when some kept feature needs it: the result
//! holds the union of what the kept features need, and nothing more. The
//! changes are minimal text edits (comments, order and layout survive), and
//! the configuration of dropped features goes with them.

use std::collections::{BTreeMap, BTreeSet};

use rampart_linter::fix::{Edit, remove_item, remove_key, set_scalar};
use rampart_linter::rule::PodContext;
use serde::Serialize;
use serde_json::Value;

use crate::analysis::{Workload, WorkloadRef};
use crate::explain::{BroaderKind, Verdict, config_present, features_present};
use crate::inventory::PrivilegeKind;
use crate::knowledge::KnowledgeBase;
use crate::profile::{Access, ConfigAction, Profile};

/// What the user asked for.
#[derive(Debug, Clone, Default)]
pub struct TrimRequest {
    /// Keep only these features (plus required ones); `None`: keep all but `drop`.
    pub keep: Option<Vec<String>>,
    pub drop: Vec<String>,
    /// Move the agent to its documented non-root user.
    pub non_root: bool,
    /// Leave privileges that no known feature needs.
    pub keep_unexplained: bool,
}

/// A feature, for reports.
#[derive(Debug, Clone, Serialize)]
pub struct FeatureRef {
    pub profile: String,
    pub id: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breaks_without: Option<String>,
    /// How to turn it off at the source (Helm value, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disable: Option<String>,
}

/// One change, for reports.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub what: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    pub line: usize,
    pub why: String,
}

/// The non-root move.
#[derive(Debug, Clone, Serialize)]
pub struct NonRootPlan {
    pub user: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<u32>,
    pub node_changes: Vec<String>,
    pub may_break: Vec<String>,
}

/// The trim of one workload.
#[derive(Debug, Clone, Serialize)]
pub struct WorkloadTrim {
    #[serde(flatten)]
    pub workload: WorkloadRef,
    pub profiles: Vec<String>,
    pub kept: Vec<FeatureRef>,
    /// Features in use that are dropped: what will stop working.
    pub dropped: Vec<FeatureRef>,
    pub removed: Vec<Change>,
    pub narrowed: Vec<Change>,
    pub config: Vec<Change>,
    /// Privileges left as they are, and why.
    pub left: Vec<Change>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub non_root: Option<NonRootPlan>,
    /// The document is Helm output: the values to change at the source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub helm_source: Option<String>,
    #[serde(skip)]
    pub edits: Vec<Edit>,
    #[serde(skip)]
    pub file_index: usize,
}

/// Feature ids the request names that no recognised agent has.
pub fn unknown_features(
    request: &TrimRequest,
    workloads: &[Workload<'_>],
    base: &KnowledgeBase,
) -> Vec<String> {
    let known: BTreeSet<&str> = workloads
        .iter()
        .flat_map(|w| w.agents.profiles.iter())
        .flat_map(|&i| base.profile(i).features.iter().map(|f| f.id.as_str()))
        .collect();
    request
        .keep
        .iter()
        .flatten()
        .chain(&request.drop)
        .filter(|id| !known.contains(id.as_str()))
        .cloned()
        .collect()
}

/// Features named in `--drop` that the agent cannot run without.
pub fn required_dropped(
    request: &TrimRequest,
    workloads: &[Workload<'_>],
    base: &KnowledgeBase,
) -> Vec<String> {
    workloads
        .iter()
        .flat_map(|w| w.agents.profiles.iter())
        .flat_map(|&i| base.profile(i).features.iter())
        .filter(|f| f.required && request.drop.contains(&f.id))
        .map(|f| f.id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Plans the trim of one recognised workload (`None` when no agent is recognised).
pub fn plan(
    workload: &Workload<'_>,
    base: &KnowledgeBase,
    request: &TrimRequest,
) -> Option<WorkloadTrim> {
    if workload.agents.profiles.is_empty() {
        return None;
    }
    workload
        .with_pod(|pod| plan_pod(workload, pod, base, request))
        .flatten()
}

fn plan_pod(
    workload: &Workload<'_>,
    pod: &PodContext<'_>,
    base: &KnowledgeBase,
    request: &TrimRequest,
) -> Option<WorkloadTrim> {
    let agents = &workload.agents;
    let feature_ref = |profile: &Profile, id: &str| {
        let feature = profile.features.iter().find(|f| f.id == id);
        FeatureRef {
            profile: profile.name.clone(),
            id: id.to_string(),
            title: feature.map(|f| f.title.clone()).unwrap_or_default(),
            breaks_without: feature.and_then(|f| f.breaks_without.clone()),
            disable: feature.and_then(|f| f.disable.describe()),
        }
    };
    let mut trim = WorkloadTrim {
        workload: workload.reference.clone(),
        profiles: agents
            .profiles
            .iter()
            .map(|&i| base.profile(i).name.clone())
            .collect(),
        kept: Vec::new(),
        dropped: Vec::new(),
        removed: Vec::new(),
        narrowed: Vec::new(),
        config: Vec::new(),
        left: Vec::new(),
        non_root: None,
        helm_source: workload.document.helm_source.clone(),
        edits: Vec::new(),
        file_index: workload.file_index,
    };
    let features = features_present(workload, base);
    let present: BTreeSet<(&str, &str)> = features
        .iter()
        .filter(|(_, _, in_use)| *in_use)
        .map(|&(profile_index, feature_index, _)| {
            let profile = base.profile(profile_index);
            (
                profile.name.as_str(),
                profile.features[feature_index].id.as_str(),
            )
        })
        .collect();
    // Kept: the required features, plus `--keep`, or what is in use but `--drop`.
    let kept_ids: BTreeSet<(&str, &str)> = agents
        .profiles
        .iter()
        .flat_map(|&i| {
            let profile = base.profile(i);
            profile.features.iter().filter_map(|f| {
                let key = (profile.name.as_str(), f.id.as_str());
                let kept = f.required
                    || match &request.keep {
                        Some(keep) => keep.contains(&f.id),
                        None => present.contains(&key) && !request.drop.contains(&f.id),
                    };
                kept.then_some(key)
            })
        })
        .collect();
    let kept_feature = |profile_name: &str, id: &str| kept_ids.contains(&(profile_name, id));
    let is_kept = |profile: &Profile, id: &str| kept_feature(&profile.name, id);
    for &(profile_index, feature_index, present) in &features {
        let profile = base.profile(profile_index);
        let feature = &profile.features[feature_index];
        if is_kept(profile, &feature.id) {
            if present {
                trim.kept.push(feature_ref(profile, &feature.id));
            }
        } else if present {
            trim.dropped.push(feature_ref(profile, &feature.id));
        }
    }

    let text = workload.source.text();
    let document = workload.document;
    let pointer = |relative: &str| workload.document_pointer(relative);
    let line_of = |relative: &str| workload.position_of(relative).0;
    let mut edits: Vec<Edit> = Vec::new();
    let mut push = |found: Option<Vec<Edit>>, what: &str, left: &mut Vec<Change>, line: usize| {
        match found {
            Some(found) => {
                edits.extend(found);
                true
            }
            None => {
                left.push(Change {
                    what: what.to_string(),
                    container: None,
                    line,
                    why: "the text cannot be edited safely there (alias, merge key or layout): change it by hand".into(),
                });
                false
            }
        }
    };

    // Containers that exist only for dropped features go, with their privileges.
    let mut removed_containers: BTreeSet<String> = BTreeSet::new();
    for (index, container) in pod.containers.iter().enumerate() {
        let Some(profile_index) = agents.container_profiles.get(index).copied().flatten() else {
            continue;
        };
        let profile = base.profile(profile_index);
        let Some(role) = profile.containers.iter().find(|r| r.name == container.name) else {
            continue;
        };
        // The container stays while a feature it exists for is kept.
        let stays = role.features.iter().any(|f| is_kept(profile, f));
        if role.features.is_empty() || stays {
            continue;
        }
        let relative = pod.container_pointer(container, "");
        let what = format!("container {}", container.name);
        if push(
            remove_item(text, document, &pointer(&relative)),
            &what,
            &mut trim.left,
            line_of(&relative),
        ) {
            removed_containers.insert(container.name.to_string());
            trim.removed.push(Change {
                what,
                container: Some(container.name.to_string()),
                line: line_of(&relative),
                why: format!(
                    "it exists only for {}, none of which is kept",
                    role.features.join(", ")
                ),
            });
        }
    }

    // Whether the pod keeps hostNetwork: then every containerPort is a host
    // port, and a dropped feature's port must go as a whole.
    let host_network_stays = workload.judgements.iter().any(|j| {
        matches!(j.privilege.kind, PrivilegeKind::HostNetwork)
            && (j
                .features
                .iter()
                .any(|r| kept_feature(r.profile, r.feature))
                || (j.verdict == Verdict::Unexplained && request.keep_unexplained))
    });
    let mut removed_mounts: BTreeSet<String> = BTreeSet::new();
    for judgement in &workload.judgements {
        let privilege = &judgement.privilege;
        if let Some(container) = &privilege.container
            && removed_containers.contains(container)
        {
            continue;
        }
        let line = line_of(&privilege.pointer);
        let what = privilege.kind.to_string();
        let change = |why: String| Change {
            what: what.clone(),
            container: privilege.container.clone(),
            line,
            why,
        };
        if privilege.container.is_some() && judgement.profile.is_none() {
            trim.left.push(change(
                "the container is not part of a recognised agent".into(),
            ));
            continue;
        }
        if let PrivilegeKind::UnusedHostPathVolume { .. } = privilege.kind {
            if push(
                remove_item(text, document, &pointer(&privilege.pointer)),
                &what,
                &mut trim.left,
                line,
            ) {
                trim.removed
                    .push(change("declared but mounted by no container".into()));
            }
            continue;
        }
        let kept_reasons: Vec<_> = judgement
            .features
            .iter()
            .filter(|r| kept_feature(r.profile, r.feature))
            .collect();
        if !kept_reasons.is_empty() {
            let needs_write = kept_reasons
                .iter()
                .any(|r| r.access == Some(Access::ReadWrite));
            if let PrivilegeKind::HostPath {
                read_only: false, ..
            } = privilege.kind
                && !needs_write
            {
                let target = pointer(&format!("{}/readOnly", privilege.pointer));
                if push(
                    set_scalar(text, document, &target, "true"),
                    &what,
                    &mut trim.left,
                    line,
                ) {
                    trim.narrowed.push(change(format!(
                        "read-only is enough for {}",
                        kept_reasons
                            .iter()
                            .map(|r| r.feature)
                            .collect::<BTreeSet<_>>()
                            .into_iter()
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            }
            if judgement.broader.iter().any(|b| {
                matches!(
                    b.kind,
                    BroaderKind::WholeDirectory | BroaderKind::RuntimeSocket
                )
            }) {
                let note: Vec<&str> = judgement
                    .broader
                    .iter()
                    .filter(|b| {
                        matches!(
                            b.kind,
                            BroaderKind::WholeDirectory | BroaderKind::RuntimeSocket
                        )
                    })
                    .map(|b| b.message.as_str())
                    .collect();
                trim.left.push(change(format!(
                    "kept for {}; narrow it by hand: {}",
                    kept_reasons[0].feature,
                    note.join("; ")
                )));
            }
            continue;
        }
        if judgement.verdict == Verdict::Unexplained && request.keep_unexplained {
            trim.left.push(change(
                "no known feature needs it (kept: --keep-unexplained)".into(),
            ));
            continue;
        }
        let why = if judgement.verdict == Verdict::Unexplained {
            "no known feature needs it".to_string()
        } else {
            let dropped: BTreeSet<&str> = judgement.features.iter().map(|r| r.feature).collect();
            format!(
                "only {} need{} it",
                dropped.iter().copied().collect::<Vec<_>>().join(", "),
                if dropped.len() == 1 { "s" } else { "" }
            )
        };
        let target = pointer(&privilege.pointer);
        let edit = match &privilege.kind {
            PrivilegeKind::HostPid | PrivilegeKind::HostIpc | PrivilegeKind::HostNetwork => {
                Some(set_scalar(text, document, &target, "false"))
            }
            PrivilegeKind::Privileged => Some(set_scalar(text, document, &target, "false")),
            PrivilegeKind::Capability { .. } => Some(remove_item(text, document, &target)),
            // On a pod that keeps hostNetwork every containerPort is a host
            // port: the port goes as a whole. Otherwise only `hostPort` goes.
            PrivilegeKind::HostPort { .. } if host_network_stays => {
                let port = target
                    .rsplit_once('/')
                    .map_or(target.as_str(), |(port, _)| port);
                Some(remove_item(text, document, port))
            }
            PrivilegeKind::HostPort {
                defaulted: false, ..
            } => Some(remove_key(text, document, &target)),
            // A containerPort on hostNetwork: it goes with hostNetwork.
            PrivilegeKind::HostPort {
                defaulted: true, ..
            } => None,
            PrivilegeKind::HostPath { .. } => {
                removed_mounts.insert(privilege.pointer.clone());
                Some(remove_item(text, document, &target))
            }
            PrivilegeKind::WritableRootFilesystem => {
                let relative =
                    container_field(pod, privilege, "/securityContext/readOnlyRootFilesystem");
                relative.map(|r| set_scalar(text, document, &pointer(&r), "true"))
            }
            PrivilegeKind::SeccompUnconfined | PrivilegeKind::AppArmorUnconfined => {
                let value = if privilege.pointer.contains("/annotations/") {
                    "runtime/default"
                } else {
                    "RuntimeDefault"
                };
                Some(set_scalar(text, document, &target, value))
            }
            PrivilegeKind::ServiceAccountToken => Some(set_scalar(
                text,
                document,
                &pointer(&pod.spec_pointer("/automountServiceAccountToken")),
                "false",
            )),
            PrivilegeKind::RunAsRoot { .. } => {
                if !request.non_root {
                    let hint = if agents
                        .profiles
                        .iter()
                        .any(|&i| base.profile(i).non_root.is_some())
                    {
                        "; --non-root moves the agent to its documented user"
                    } else {
                        ""
                    };
                    trim.left
                        .push(change(format!("{why}, but the user is not changed{hint}")));
                }
                continue;
            }
            PrivilegeKind::UnusedHostPathVolume { .. } => None,
        };
        match edit {
            Some(found) => {
                if push(found, &what, &mut trim.left, line) {
                    trim.removed.push(change(why));
                }
            }
            None => trim
                .left
                .push(change(format!("{why}; it goes with hostNetwork"))),
        }
    }

    // Volumes whose every mount is gone.
    let volumes: Vec<(usize, &Value)> = pod.volumes().collect();
    for (index, volume) in &volumes {
        let Some(name) = volume.get("name").and_then(Value::as_str) else {
            continue;
        };
        let mut mounts = 0;
        let mut remaining = 0;
        for container in &pod.containers {
            let list = container
                .value
                .get("volumeMounts")
                .and_then(Value::as_array);
            for (m, mount) in list.into_iter().flatten().enumerate() {
                if mount.get("name").and_then(Value::as_str) != Some(name) {
                    continue;
                }
                mounts += 1;
                let relative = pod.container_pointer(container, &format!("/volumeMounts/{m}"));
                if !removed_containers.contains(container.name)
                    && !removed_mounts.contains(&relative)
                {
                    remaining += 1;
                }
            }
        }
        if mounts > 0 && remaining == 0 {
            let relative = pod.spec_pointer(&format!("/volumes/{index}"));
            let what = format!("volume {name}");
            if push(
                remove_item(text, document, &pointer(&relative)),
                &what,
                &mut trim.left,
                line_of(&relative),
            ) {
                trim.removed.push(Change {
                    what,
                    container: None,
                    line: line_of(&relative),
                    why: "no container mounts it any more".into(),
                });
            }
        }
    }

    // The configuration of dropped features.
    let mut list_edits: BTreeMap<String, (String, BTreeSet<String>)> = BTreeMap::new();
    for &profile_index in &agents.profiles {
        let profile = base.profile(profile_index);
        for feature in &profile.features {
            if is_kept(profile, &feature.id) {
                continue;
            }
            for item in &feature.config {
                if !config_present(item, pod, agents, profile_index) {
                    continue;
                }
                for (index, container) in pod.containers.iter().enumerate() {
                    if agents.container_profiles.get(index).copied().flatten()
                        != Some(profile_index)
                        || removed_containers.contains(container.name)
                        || (!item.containers.is_empty()
                            && !item.containers.iter().any(|c| c == container.name))
                    {
                        continue;
                    }
                    let env = container.value.get("env").and_then(Value::as_array);
                    for (e, entry) in env.into_iter().flatten().enumerate() {
                        if entry.get("name").and_then(Value::as_str) != Some(item.env.as_str()) {
                            continue;
                        }
                        let relative = pod.container_pointer(container, &format!("/env/{e}"));
                        let value = entry.get("value").and_then(Value::as_str).unwrap_or("");
                        match &item.action {
                            ConfigAction::Remove(true) => {
                                let what =
                                    format!("env {} of container {}", item.env, container.name);
                                if push(
                                    remove_item(text, document, &pointer(&relative)),
                                    &what,
                                    &mut trim.left,
                                    line_of(&relative),
                                ) {
                                    trim.config.push(Change {
                                        what: format!("removed env {}", item.env),
                                        container: Some(container.name.to_string()),
                                        line: line_of(&relative),
                                        why: format!("configures {}", feature.id),
                                    });
                                }
                            }
                            ConfigAction::Remove(false) => {}
                            ConfigAction::Set(new) => {
                                if value == new {
                                    continue;
                                }
                                let target = pointer(&format!("{relative}/value"));
                                let what =
                                    format!("env {} of container {}", item.env, container.name);
                                if push(
                                    set_scalar(text, document, &target, &quote(new)),
                                    &what,
                                    &mut trim.left,
                                    line_of(&relative),
                                ) {
                                    trim.config.push(Change {
                                        what: format!("set env {}={new}", item.env),
                                        container: Some(container.name.to_string()),
                                        line: line_of(&relative),
                                        why: format!("turns off {}", feature.id),
                                    });
                                }
                            }
                            ConfigAction::RemoveItems(items) => {
                                let slot = list_edits
                                    .entry(format!("{relative}/value"))
                                    .or_insert_with(|| (value.to_string(), BTreeSet::new()));
                                slot.1.extend(items.iter().cloned());
                            }
                        }
                    }
                }
            }
        }
    }
    for (relative, (value, remove)) in list_edits {
        let entries: Vec<&str> = value
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect();
        let kept: Vec<&str> = entries
            .iter()
            .copied()
            .filter(|v| !remove.contains(*v))
            .collect();
        if kept.len() == entries.len() {
            continue;
        }
        let gone: Vec<&str> = entries
            .iter()
            .copied()
            .filter(|v| remove.contains(*v))
            .collect();
        let new = kept.join(",");
        let line = line_of(&relative);
        let what = format!("list value at {relative}");
        if push(
            set_scalar(text, document, &pointer(&relative), &quote(&new)),
            &what,
            &mut trim.left,
            line,
        ) {
            trim.config.push(Change {
                what: format!("removed {} from the list", gone.join(", ")),
                container: None,
                line,
                why: "inputs of dropped features".into(),
            });
        }
    }

    if request.non_root {
        non_root(workload, pod, base, text, &pointer, &mut push, &mut trim);
    }
    trim.edits = edits;
    Some(trim)
}

/// The container-relative pointer of `field` for a container privilege.
fn container_field(
    pod: &PodContext<'_>,
    privilege: &crate::inventory::Privilege,
    field: &str,
) -> Option<String> {
    let name = privilege.container.as_deref()?;
    let container = pod.containers.iter().find(|c| c.name == name)?;
    Some(pod.container_pointer(container, field))
}

/// Collects edits; records in `left` what cannot be edited safely.
type EditSink<'a> = dyn FnMut(Option<Vec<Edit>>, &str, &mut Vec<Change>, usize) -> bool + 'a;

/// Moves the agent to its documented user, picked by image version.
fn non_root(
    workload: &Workload<'_>,
    pod: &PodContext<'_>,
    base: &KnowledgeBase,
    text: &str,
    pointer: &dyn Fn(&str) -> String,
    push: &mut EditSink<'_>,
    trim: &mut WorkloadTrim,
) {
    let Some((profile_index, plan)) = workload
        .agents
        .profiles
        .iter()
        .find_map(|&i| base.profile(i).non_root.as_ref().map(|n| (i, n)))
    else {
        trim.left.push(Change {
            what: "--non-root".into(),
            container: None,
            line: workload.reference.line,
            why: "no documented non-root user for this agent".into(),
        });
        return;
    };
    let tag = pod
        .containers
        .iter()
        .zip(&workload.agents.container_profiles)
        .filter(|(_, p)| **p == Some(profile_index))
        .find_map(|(c, _)| {
            c.value
                .get("image")
                .and_then(Value::as_str)
                .and_then(image_version)
        });
    let user = tag
        .as_ref()
        .and_then(|version| {
            let mut versions: Vec<_> = plan.versions.iter().collect();
            versions.sort_by_key(|v| parse_version(&v.up_to));
            versions
                .into_iter()
                .find(|v| parse_version(&v.up_to).is_some_and(|up_to| *version <= up_to))
                .map(|v| v.user)
        })
        .unwrap_or(plan.user);
    let document = workload.document;
    let mut set = |relative: String, value: String, what: &str| {
        push(
            set_scalar(text, document, &pointer(&relative), &value),
            what,
            &mut trim.left,
            workload.position_of(&relative).0,
        )
    };
    set(
        pod.spec_pointer("/securityContext/runAsUser"),
        user.to_string(),
        "pod runAsUser",
    );
    if let Some(group) = plan.group {
        set(
            pod.spec_pointer("/securityContext/runAsGroup"),
            group.to_string(),
            "pod runAsGroup",
        );
    }
    for (container, owner) in pod
        .containers
        .iter()
        .zip(&workload.agents.container_profiles)
    {
        if *owner != Some(profile_index) {
            continue;
        }
        if container
            .security_context()
            .and_then(|sc| sc.get("runAsUser"))
            .and_then(Value::as_i64)
            == Some(0)
        {
            set(
                pod.container_pointer(container, "/securityContext/runAsUser"),
                user.to_string(),
                "container runAsUser",
            );
        }
    }
    let mut may_break = plan.may_break.clone();
    let profile = base.profile(profile_index);
    for feature in &trim.kept {
        if let Some(f) = profile.features.iter().find(|f| f.id == feature.id)
            && f.needs.iter().any(|n| n.run_as_root == Some(true))
        {
            may_break.push(format!("{} ({}) needs root", f.title, f.id));
        }
    }
    trim.non_root = Some(NonRootPlan {
        user,
        group: plan.group,
        node_changes: plan.node_changes.clone(),
        may_break,
    });
}

/// `7.47.0` from `gcr.io/datadoghq/agent:7.47.0-jmx`.
fn image_version(image: &str) -> Option<Vec<u64>> {
    let without_digest = image.split('@').next()?;
    let last_slash = without_digest.rfind('/').map_or(0, |i| i + 1);
    let tag = &without_digest[last_slash..].rsplit_once(':')?.1;
    parse_version(tag.trim_start_matches('v'))
}

fn parse_version(text: &str) -> Option<Vec<u64>> {
    let core = text.split(['-', '+']).next()?;
    let parts: Option<Vec<u64>> = core.split('.').map(|p| p.parse().ok()).collect();
    parts.filter(|p| !p.is_empty())
}

/// A YAML scalar for `value`: plain when safe, double-quoted otherwise.
fn quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b',' | b'/'))
        && !matches!(
            value.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n" | "~"
        )
        && value.parse::<f64>().is_err();
    if plain {
        value.to_string()
    } else {
        serde_json::to_string(value).unwrap_or_else(|_| format!("\"{value}\""))
    }
}

/// The trimmed text of each file that changes, with the plans of every
/// recognised workload. A file whose result would not parse is returned in
/// `broken` and left out.
pub struct TrimOutcome {
    pub plans: Vec<WorkloadTrim>,
    /// (file index, trimmed text), for files that change.
    pub files: Vec<(usize, String)>,
    /// (file index, parse error of the result).
    pub broken: Vec<(usize, String)>,
}

/// Plans and applies the trim of every recognised workload of the input.
pub fn trim_input(
    input: &crate::analysis::Input,
    workloads: &[Workload<'_>],
    base: &KnowledgeBase,
    request: &TrimRequest,
) -> TrimOutcome {
    let plans: Vec<WorkloadTrim> = workloads
        .iter()
        .filter_map(|w| plan(w, base, request))
        .collect();
    let mut by_file: BTreeMap<usize, Vec<Edit>> = BTreeMap::new();
    for plan in &plans {
        by_file
            .entry(plan.file_index)
            .or_default()
            .extend(plan.edits.iter().cloned());
    }
    let mut files = Vec::new();
    let mut broken = Vec::new();
    for (index, mut edits) in by_file {
        let Some(file) = input.files.get(index) else {
            continue;
        };
        edits.sort();
        edits.dedup();
        let original = file.source.text();
        let (trimmed, _) = rampart_linter::fix::apply(original, edits);
        let reparsed = rampart_yaml::parse_stream(&trimmed, &rampart_yaml::Limits::default());
        if let Some(error) = reparsed.errors.first() {
            broken.push((index, error.message.clone()));
        } else if trimmed != original {
            files.push((index, trimmed));
        }
    }
    TrimOutcome {
        plans,
        files,
        broken,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_from_image_tags() {
        assert_eq!(
            image_version("gcr.io/datadoghq/agent:7.47.0-jmx"),
            Some(vec![7, 47, 0])
        );
        assert_eq!(image_version("datadog/agent:7"), Some(vec![7]));
        assert_eq!(image_version("datadog/agent"), None);
        assert_eq!(image_version("localhost:5000/agent"), None);
        assert_eq!(image_version("datadog/agent:latest"), None);
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("statsd,dk,cpu"), "statsd,dk,cpu");
        assert_eq!(quote("false"), "\"false\"");
        assert_eq!(quote(""), "\"\"");
        assert_eq!(quote("a b"), "\"a b\"");
        assert_eq!(quote("8125"), "\"8125\"");
    }
}
