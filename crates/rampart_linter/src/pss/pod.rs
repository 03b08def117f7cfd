//! Read-only, panic-free access to an untrusted pod (or pod template) as JSON.
//!
//! ## How wrongly typed input is read
//!
//! The evaluator sees arbitrary JSON, not a decoded Kubernetes object, so it
//! defines one reading for every field and never panics:
//!
//! * A field is **set** when it is present and not `null` (SPEC §3). A set
//!   value of the wrong type (say `seccompProfile: "RuntimeDefault"`) still
//!   counts as set; its sub-fields then read as unset.
//! * A **boolean** field reads as `Some(b)` only when it holds a JSON boolean.
//!   Anything else (missing, `null`, `"true"`, `1`) reads as unset (`None`).
//!   Checks that forbid `true` therefore treat a wrong type as "not true"
//!   (the SPEC's "missing booleans are false"), and checks that require an
//!   explicit value (`allowPrivilegeEscalation: false`, `runAsNonRoot: true`)
//!   treat it as missing, which fails.
//! * A **string** field that is missing or not a string reads as `""`.
//! * An **integer** field reads as a number only if it is a JSON number;
//!   anything else reads as unset (`0`).
//! * A **list** field that is not an array reads as empty. Every entry of a
//!   container list is visited, even one that is not an object (all of its
//!   fields then read as unset, so checks that require settings flag it).
//!
//! The Kubernetes API server would reject most of these objects at decoding;
//! the reading above only matters for offline manifests and keeps the
//! evaluator total.

use serde_json::{Map, Value};

/// A pod to evaluate: a `Pod`, or the pod template of a workload.
#[derive(Debug, Clone, Copy)]
pub struct PodRef<'a> {
    /// The pod's (or template's) `metadata`; only `annotations` is read.
    pub metadata: Option<&'a Value>,
    /// The pod's (or template's) `spec`.
    pub spec: &'a Value,
}

impl<'a> PodRef<'a> {
    /// A pod from its `metadata` and `spec`.
    pub fn new(metadata: Option<&'a Value>, spec: &'a Value) -> Self {
        Self { metadata, spec }
    }

    /// Splits a whole `Pod` object (`{"metadata": ..., "spec": ...}`).
    /// Returns `None` when it has no `spec`.
    pub fn from_pod(pod: &'a Value) -> Option<Self> {
        Some(Self {
            metadata: set(pod.get("metadata")),
            spec: set(pod.get("spec"))?,
        })
    }
}

/// The three container lists, in the order upstream visits them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    Init,
    Regular,
    Ephemeral,
}

impl ContainerKind {
    /// The field of the pod spec holding this kind of container.
    pub const fn field(self) -> &'static str {
        match self {
            ContainerKind::Init => "initContainers",
            ContainerKind::Regular => "containers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }
}

/// One container of the pod, with where it sits.
#[derive(Debug, Clone, Copy)]
pub struct Container<'a> {
    pub kind: ContainerKind,
    pub index: usize,
    /// `name`, or `""` if missing or not a string.
    pub name: &'a str,
    pub value: &'a Value,
    /// `securityContext` when set.
    pub security_context: Option<&'a Value>,
}

impl<'a> Container<'a> {
    /// JSON pointer (relative to the pod object) of `suffix` inside this
    /// container. `suffix` must already be an escaped pointer fragment
    /// without a leading slash.
    pub fn pointer(&self, suffix: &str) -> String {
        format!("/spec/{}/{}/{}", self.kind.field(), self.index, suffix)
    }

    /// `field` of the container's `securityContext`, when set.
    pub fn sc_field(&self, field: &str) -> Option<&'a Value> {
        child(self.security_context, field)
    }

    /// The name rendered for messages: `container "name"`.
    pub fn label(&self) -> String {
        format!("container \"{}\"", self.name)
    }
}

/// The pod as the checks read it.
#[derive(Debug, Clone)]
pub struct Pod<'a> {
    pub annotations: Option<&'a Map<String, Value>>,
    pub spec: &'a Value,
    /// `spec.securityContext` when set.
    pub security_context: Option<&'a Value>,
    /// Every container, looked up once (one allocation per evaluation saves
    /// each check from re-reading the three container lists).
    containers: Vec<Container<'a>>,
}

impl<'a> Pod<'a> {
    pub fn new(pod: PodRef<'a>) -> Self {
        let kinds = [
            ContainerKind::Init,
            ContainerKind::Regular,
            ContainerKind::Ephemeral,
        ];
        let lists = kinds.map(|kind| list(Some(pod.spec), kind.field()));
        let mut containers = Vec::with_capacity(lists.iter().map(|l| l.len()).sum());
        for (kind, items) in kinds.into_iter().zip(lists) {
            containers.extend(items.iter().enumerate().map(|(index, value)| Container {
                kind,
                index,
                name: text(Some(value), "name"),
                value,
                security_context: child(Some(value), "securityContext"),
            }));
        }
        Self {
            annotations: child(pod.metadata, "annotations").and_then(Value::as_object),
            spec: pod.spec,
            security_context: child(Some(pod.spec), "securityContext"),
            containers,
        }
    }

    /// Every container: `initContainers`, then `containers`, then
    /// `ephemeralContainers`.
    pub fn containers(&self) -> impl Iterator<Item = Container<'a>> + '_ {
        self.containers.iter().copied()
    }

    /// `field` of `spec.securityContext`, when set.
    pub fn sc_field(&self, field: &str) -> Option<&'a Value> {
        child(self.security_context, field)
    }

    /// `spec.os.name == "windows"` exactly.
    pub fn is_windows(&self) -> bool {
        text(child(Some(self.spec), "os"), "name") == "windows"
    }

    /// `spec.hostUsers` is present and `false` (a user-namespaced pod).
    pub fn is_user_namespaced(&self) -> bool {
        flag(Some(self.spec), "hostUsers") == Some(false)
    }

    /// The annotation `key` when present, its value read as a string (`""` if
    /// it is not one).
    pub fn annotation(&self, key: &str) -> Option<&'a str> {
        self.annotations
            .and_then(|a| a.get(key))
            .map(|v| v.as_str().unwrap_or(""))
    }
}

/// `v` itself when it is set (present and not `null`).
pub fn set(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !v.is_null())
}

/// `parent[key]` when set. A parent that is not an object has no fields.
pub fn child<'a>(parent: Option<&'a Value>, key: &str) -> Option<&'a Value> {
    set(parent?.get(key))
}

/// `parent[key]` as a boolean; `None` if missing or not a boolean.
pub fn flag(parent: Option<&Value>, key: &str) -> Option<bool> {
    child(parent, key)?.as_bool()
}

/// `parent[key]` as a string; `""` if missing or not a string.
pub fn text<'a>(parent: Option<&'a Value>, key: &str) -> &'a str {
    child(parent, key).and_then(Value::as_str).unwrap_or("")
}

/// `parent[key]` as a list; empty if missing or not an array.
pub fn list<'a>(parent: Option<&'a Value>, key: &str) -> &'a [Value] {
    child(parent, key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// An integer field: `Some` only for a JSON number.
pub fn number<'a>(parent: Option<&'a Value>, key: &str) -> Option<&'a serde_json::Number> {
    match child(parent, key)? {
        Value::Number(n) => Some(n),
        _ => None,
    }
}

/// Whether a JSON number is zero (`0`, `-0`, `0.0`).
pub fn is_zero(n: &serde_json::Number) -> bool {
    if let Some(i) = n.as_i64() {
        i == 0
    } else if let Some(u) = n.as_u64() {
        u == 0
    } else {
        n.as_f64() == Some(0.0)
    }
}

/// A number rendered like an integer when it is one (`80`, not `80.0`).
pub fn number_text(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{f:.0}"),
        _ => n.to_string(),
    }
}

/// Escapes one JSON-pointer reference token (RFC 6901: `~` → `~0`, `/` → `~1`).
pub fn escape_pointer_token(token: &str) -> String {
    let mut out = String::with_capacity(token.len() + 4);
    for ch in token.chars() {
        match ch {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

/// Pointer to a pod annotation.
pub fn annotation_pointer(key: &str) -> String {
    format!("/metadata/annotations/{}", escape_pointer_token(key))
}
