//! The hook through which findings about a recognised agent's privileges
//! carry the feature that needs them (implemented by `rampart_privileges`).

use std::sync::Arc;

use rampart_diagnostics::AgentExplanation;
use rampart_k8s::K8sObject;

/// What a privilege is, with its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrivilegeValue {
    HostPid,
    HostIpc,
    HostNetwork,
    HostPort { port: i64, protocol: String },
    Privileged,
    Capability(String),
    HostPath { path: String, read_only: bool },
    UnusedVolume { path: String },
    RunAsRoot,
    WritableRootFilesystem,
    SeccompUnconfined,
    AppArmorUnconfined,
    ServiceAccountToken,
}

/// One privilege of an object, explained or not.
#[derive(Debug, Clone)]
pub struct HeldPrivilege {
    /// Kind name, as in `rampart explain`: `hostPID`, `hostPath`, `capability`, ...
    pub kind: &'static str,
    pub value: PrivilegeValue,
    /// The (profile, feature) pairs that need it.
    pub features: Vec<(String, String)>,
    /// The container holding it; `None` for the pod.
    pub container: Option<String>,
    /// Object-relative JSON pointers of the fields that grant it.
    pub pointers: Vec<String>,
    /// `None` when no feature of a recognised agent needs it.
    pub explanation: Option<Arc<AgentExplanation>>,
    /// A read-write host mount whose features only read: a finding about
    /// its being writable stays unexplained.
    pub write_not_needed: bool,
}

/// Explains the privileges of an object's pod.
pub trait PrivilegeExplainer: Send + Sync + std::fmt::Debug {
    /// Every privilege of a recognised agent's pod; empty for other objects.
    fn privileges(&self, object: &K8sObject<'_>) -> Vec<HeldPrivilege>;
}

/// The privilege kinds a rule's findings are about.
pub fn privilege_kinds(code: &str) -> &'static [&'static str] {
    match code {
        "PSB001" => &["hostPID", "hostIPC", "hostNetwork"],
        "PSB002" => &["privileged"],
        "PSB003" | "PSR005" | "WL001" => &["capability"],
        "PSB004" | "PSR001" | "WL002" | "WL003" | "WL004" => &["hostPath"],
        "PSB005" | "WL005" => &["hostPort"],
        "PSB006" => &["appArmorUnconfined"],
        "PSB009" | "PSR004" | "WL011" => &["seccompUnconfined"],
        "PSR002" | "PSR006" | "WL012" => &["runAsRoot"],
        "WL006" => &["writableRootFilesystem"],
        "WL008" => &["serviceAccountToken"],
        _ => &[],
    }
}

/// The privileges a finding of rule `code` at `pointer` (object-relative)
/// about `container` concerns.
pub fn related_privileges<'h>(
    held: &'h [HeldPrivilege],
    code: &str,
    pointer: &str,
    container: Option<&str>,
) -> Vec<&'h HeldPrivilege> {
    let kinds = privilege_kinds(code);
    if kinds.is_empty() {
        return Vec::new();
    }
    let related = |p: &str| {
        p == pointer
            || pointer
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('/'))
            || p.strip_prefix(pointer)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    held.iter()
        .filter(|h| kinds.contains(&h.kind))
        .filter(|h| match (container, h.container.as_deref()) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        })
        .filter(|h| h.pointers.iter().any(|p| related(p)))
        .collect()
}

/// The explanation of a finding at `pointer` (object-relative) by rule
/// `code`: present when every privilege it is about is explained.
pub fn explanation_for(
    held: &[HeldPrivilege],
    code: &str,
    pointer: &str,
    container: Option<&str>,
) -> Option<Arc<AgentExplanation>> {
    let matching = related_privileges(held, code, pointer, container);
    if code == "WL004" && matching.iter().any(|h| h.write_not_needed) {
        return None;
    }
    if matching.is_empty() || matching.iter().any(|h| h.explanation.is_none()) {
        return None;
    }
    if matching.len() == 1 {
        return matching[0].explanation.clone();
    }
    // Several mounts of one volume: one explanation naming every feature.
    let first = matching[0].explanation.as_ref()?;
    let mut features: Vec<String> = Vec::new();
    let mut texts: Vec<&str> = Vec::new();
    for h in &matching {
        let e = h.explanation.as_ref()?;
        for f in &e.features {
            if !features.contains(f) {
                features.push(f.clone());
            }
        }
        if !texts.contains(&e.text.as_str()) {
            texts.push(&e.text);
        }
    }
    Some(Arc::new(AgentExplanation {
        profile: first.profile.clone(),
        features,
        text: texts.join("; "),
        note: first.note,
    }))
}
