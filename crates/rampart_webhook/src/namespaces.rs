//! Namespaces: where their Pod Security labels come from (a cache the
//! webhook keeps, behind [`NamespaceLabelSource`]), and the warnings for a
//! Namespace CREATE or UPDATE that adds or changes those labels.
//!
//! As Pod Security Admission does, a label change that makes the enforce
//! level stricter has the namespace's existing pods judged at the new level
//! (at most [`PodCheckLimits::max_pods`] of them, within
//! [`PodCheckLimits::budget`]) and answered with warnings, never a denial.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use crate::policy::{ModePolicy, PsaLabels, PsaMode, config_overrides, resolve};
use crate::review::{Engine, judge};

/// The Pod Security labels of the cluster's namespaces, as a cache: a
/// lookup must be fast and never wait on the network.
pub trait NamespaceLabelSource: Send + Sync {
    /// The namespace's Pod Security labels; `None` when the namespace is not
    /// in the cache (for instance just created): the next source applies.
    fn labels(&self, namespace: &str) -> Option<PsaLabels>;

    /// Whether the cache has been filled once (`/readyz` waits for it).
    fn is_synced(&self) -> bool;
}

/// A fixed set of namespaces and their labels (tests, or a snapshot).
#[derive(Debug, Default)]
pub struct StaticNamespaces {
    namespaces: HashMap<String, PsaLabels>,
    synced: AtomicBool,
}

impl StaticNamespaces {
    /// An empty set, synced.
    pub fn new() -> Self {
        Self {
            namespaces: HashMap::new(),
            synced: AtomicBool::new(true),
        }
    }

    /// Adds a namespace with its labels (all of them; only the Pod Security
    /// ones count).
    pub fn with<'a>(
        mut self,
        name: &str,
        labels: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Self {
        let labels: HashMap<&str, &str> = labels.into_iter().collect();
        let parsed = PsaLabels::parse(|key| labels.get(key).copied());
        self.namespaces.insert(name.to_string(), parsed);
        self
    }

    /// Marks the set synced or not (to test readiness).
    pub fn set_synced(&self, synced: bool) {
        self.synced.store(synced, Ordering::Relaxed);
    }
}

impl NamespaceLabelSource for StaticNamespaces {
    fn labels(&self, namespace: &str) -> Option<PsaLabels> {
        self.namespaces.get(namespace).copied()
    }

    fn is_synced(&self) -> bool {
        self.synced.load(Ordering::Relaxed)
    }
}

/// Some pods of a namespace, as the API lists them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PodPage {
    /// Pod objects (JSON, with `apiVersion` and `kind`).
    pub pods: Vec<Value>,
    /// More pods exist than were listed.
    pub truncated: bool,
    /// How many more, when the API says.
    pub remaining: Option<u64>,
}

/// Listing pods failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListError {
    #[error("listing pods took longer than {0:?}")]
    Timeout(Duration),
    #[error("{0}")]
    Api(String),
}

/// Lists a namespace's pods (through the API server).
pub trait PodLister: Send + Sync {
    /// Up to `limit` pods of `namespace`, waiting at most `budget`. Called
    /// from a blocking thread, never from an async task.
    fn list_pods(
        &self,
        namespace: &str,
        limit: usize,
        budget: Duration,
    ) -> Result<PodPage, ListError>;
}

/// How far the check of existing pods goes (PSA's defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodCheckLimits {
    /// Pods listed and judged at most.
    pub max_pods: usize,
    /// Time for listing and judging them.
    pub budget: Duration,
    /// Distinct violations reported at most.
    pub max_violations: usize,
}

impl Default for PodCheckLimits {
    fn default() -> Self {
        Self {
            max_pods: 3000,
            budget: Duration::from_secs(1),
            max_violations: 25,
        }
    }
}

/// Pod names shown per violation; the others are counted.
const NAMES_SHOWN: usize = 3;

type Labels<'a> = Option<&'a Map<String, Value>>;

fn label<'a>(labels: Labels<'a>, key: &str) -> Option<&'a str> {
    labels.and_then(|l| l.get(key)).and_then(Value::as_str)
}

/// The warnings for a Namespace CREATE or UPDATE (`old` is the old object on
/// UPDATE). Namespaces are always allowed.
pub(crate) fn namespace_warnings(
    object: &Value,
    old: Option<&Value>,
    engine: &Engine,
) -> Vec<String> {
    let Some(name) = object.pointer("/metadata/name").and_then(Value::as_str) else {
        return Vec::new();
    };
    let new_labels: Labels = object
        .pointer("/metadata/labels")
        .and_then(Value::as_object);
    let old_labels: Labels = old
        .and_then(|o| o.pointer("/metadata/labels"))
        .and_then(Value::as_object);
    let mut changed: Vec<(PsaMode, bool, String)> = Vec::new();
    for mode in PsaMode::ALL {
        for (version, key) in [(false, mode.level_label()), (true, mode.version_label())] {
            if label(new_labels, &key) != label(old_labels, &key) {
                changed.push((mode, version, key));
            }
        }
    }
    if changed.is_empty() {
        return Vec::new();
    }
    let is_changed = |key: &str| changed.iter().any(|(_, _, k)| k == key);
    let (new_parsed, problems) = PsaLabels::parse_checked(|key| label(new_labels, key));
    let mut warnings: Vec<String> = problems
        .iter()
        .filter(|p| is_changed(&p.label))
        .map(ToString::to_string)
        .collect();
    if engine.namespaces.is_none() {
        // Labels are not read: they change nothing rampart does.
        return warnings;
    }
    let admission = &engine.options.config.admission;
    for (mode, version, key) in &changed {
        if label(new_labels, key).is_some() && config_overrides(admission, name, *mode, *version) {
            warnings.push(format!(
                "rampart.yaml sets the {}{} of namespace {name:?}: its label {key} does not change what rampart checks there",
                mode.as_str(),
                if *version { " version" } else { " level" },
            ));
        }
    }
    // Existing pods are judged on UPDATE only (a new namespace has none).
    if old.is_none() {
        return warnings;
    }
    let old_parsed = PsaLabels::parse(|key| label(old_labels, key));
    let before = resolve(admission, name, Some(&old_parsed), engine.fallback).enforce;
    let after = resolve(admission, name, Some(&new_parsed), engine.fallback).enforce;
    if !is_stricter(before, after) {
        return warnings;
    }
    if let Some(pods) = engine.pods.as_ref() {
        warnings.extend(check_existing_pods(name, after, engine, pods.as_ref()));
    }
    warnings
}

/// PSA's rule: existing pods are judged again unless the enforce policy is
/// unchanged, off (or privileged), or only relaxed at the same version.
pub fn is_stricter(before: ModePolicy, after: ModePolicy) -> bool {
    if before == after || after.is_off() {
        return false;
    }
    if before.is_off() {
        return true;
    }
    !(before.version == after.version && after.level <= before.level)
}

/// Judges the namespace's pods at `policy`; PSA-style warnings.
pub fn check_existing_pods(
    namespace: &str,
    policy: ModePolicy,
    engine: &Engine,
    lister: &dyn PodLister,
) -> Vec<String> {
    let Some(level) = policy.level else {
        return Vec::new();
    };
    let limits = engine.pod_check;
    let deadline = Instant::now() + limits.budget;
    let page = match lister.list_pods(namespace, limits.max_pods, limits.budget) {
        Ok(page) => page,
        Err(error) => {
            return vec![format!(
                "failed to list pods while checking new PodSecurity enforce level: {error}"
            )];
        }
    };
    let listed = page.pods.len();
    let pods = prioritize(page.pods);
    // violation -> names of the pods that have it
    let mut violations: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut checked = 0;
    for pod in pods.iter().take(limits.max_pods) {
        let pod_name = pod
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("?");
        for finding in judge(pod, engine, level, policy.version) {
            let text = format!(
                "{} {}: {}",
                finding.rule, finding.rule_name, finding.message
            );
            violations
                .entry(text)
                .or_default()
                .insert(pod_name.to_string());
        }
        checked += 1;
        if Instant::now() >= deadline {
            break;
        }
    }
    let mut warnings = Vec::new();
    let total = listed.max(checked) as u64;
    if checked < listed || page.truncated {
        let of = match (page.truncated, page.remaining) {
            (true, Some(more)) => format!("{}", total + more),
            (true, None) => format!("more than {total}"),
            (false, _) => format!("{total}"),
        };
        warnings.push(format!(
            "new PodSecurity enforce level only checked against the first {checked} of {of} existing pods"
        ));
    }
    if violations.is_empty() {
        return warnings;
    }
    warnings.push(format!(
        "existing pods in namespace {namespace:?} violate the new PodSecurity enforce level {:?}",
        policy.to_string()
    ));
    let distinct = violations.len();
    let mut lines = Vec::new();
    for (violation, names) in violations.into_iter().take(limits.max_violations) {
        let shown: Vec<&str> = names.iter().take(NAMES_SHOWN).map(String::as_str).collect();
        let others = names.len() - shown.len();
        let more = match others {
            0 => String::new(),
            1 => " (and 1 other pod)".to_string(),
            n => format!(" (and {n} other pods)"),
        };
        lines.push(format!("{}{more}: {violation}", shown.join(", ")));
    }
    // In a stable order, by pod names (as PSA sorts them).
    lines.sort();
    warnings.extend(lines);
    if distinct > limits.max_violations {
        warnings.push(format!(
            "and {} more distinct violations",
            distinct - limits.max_violations
        ));
    }
    warnings
}

/// One pod of each controller first (as PSA orders them), so a truncated
/// check still covers every workload; then the others, in list order.
fn prioritize(pods: Vec<Value>) -> Vec<Value> {
    let mut seen: HashSet<String> = HashSet::new();
    let (mut first, mut rest) = (Vec::new(), Vec::new());
    for pod in pods {
        let owner = pod
            .pointer("/metadata/ownerReferences")
            .and_then(Value::as_array)
            .and_then(|owners| {
                owners
                    .iter()
                    .find(|o| o.get("controller").and_then(Value::as_bool) == Some(true))
            })
            .and_then(|o| o.get("uid").or(o.get("name")))
            .and_then(Value::as_str)
            .map(str::to_string);
        let repeated = owner.is_some_and(|owner| !seen.insert(owner));
        if repeated {
            rest.push(pod);
        } else {
            first.push(pod);
        }
    }
    first.extend(rest);
    first
}

#[cfg(test)]
mod tests {
    use rampart_linter::pss::{Level, PolicyVersion};
    use serde_json::json;

    use super::*;

    fn at(level: Option<Level>, version: PolicyVersion) -> ModePolicy {
        ModePolicy { level, version }
    }

    #[test]
    fn stricter_follows_psa() {
        let latest = PolicyVersion::Latest;
        let v30 = PolicyVersion::Minor(30);
        let baseline = at(Some(Level::Baseline), latest);
        let restricted = at(Some(Level::Restricted), latest);
        assert!(is_stricter(baseline, restricted));
        assert!(is_stricter(at(None, latest), baseline));
        assert!(is_stricter(at(Some(Level::Privileged), latest), baseline));
        assert!(!is_stricter(restricted, baseline));
        assert!(!is_stricter(baseline, baseline));
        assert!(!is_stricter(baseline, at(None, latest)));
        assert!(!is_stricter(baseline, at(Some(Level::Privileged), latest)));
        // Another version: judged again, even at a lower level.
        assert!(is_stricter(restricted, at(Some(Level::Baseline), v30)));
    }

    #[test]
    fn one_pod_per_controller_comes_first() {
        let pod = |name: &str, owner: Option<&str>| {
            let mut pod = json!({"metadata": {"name": name}});
            if let Some(owner) = owner {
                pod["metadata"]["ownerReferences"] =
                    json!([{"uid": owner, "controller": true}, {"uid": "x", "controller": false}]);
            }
            pod
        };
        let ordered = prioritize(vec![
            pod("a1", Some("a")),
            pod("a2", Some("a")),
            pod("a3", Some("a")),
            pod("b1", Some("b")),
            pod("lone", None),
            pod("b2", Some("b")),
        ]);
        let names: Vec<&str> = ordered
            .iter()
            .filter_map(|p| p.pointer("/metadata/name").and_then(Value::as_str))
            .collect();
        assert_eq!(names, ["a1", "b1", "lone", "a2", "a3", "b2"]);
    }
}
