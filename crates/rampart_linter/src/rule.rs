//! The engine for posture rules: rules that judge one object at a time and
//! report violations as JSON pointers into that object. The checker turns
//! pointers into file spans (or keeps them, for live objects).

use rampart_diagnostics::Severity;
use rampart_k8s::{K8sObject, PodTemplate};
use serde_json::Value;

use crate::registry::RuleMeta;

/// One violation of a rule, found in one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer relative to the object; a missing field may be named,
    /// its nearest existing ancestor is then shown.
    pub pointer: String,
    pub container: Option<String>,
    pub message: String,
    /// Overrides the rule's default severity for this violation.
    pub severity: Option<Severity>,
}

impl Violation {
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            container: None,
            message: message.into(),
            severity: None,
        }
    }

    pub fn in_container(mut self, container: &ContainerRef<'_>) -> Self {
        self.container = Some(container.name.to_string());
        self
    }
}

/// A rule that judges one object.
pub trait ObjectRule: Sync + Send {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>);
}

/// Settings that rules read (from the config file and command line).
#[derive(Debug, Clone, Default)]
pub struct RuleSettings {
    /// Registries images may come from (prefix match, e.g. `registry.example.com/`);
    /// empty: any registry.
    pub allowed_registries: Vec<String>,
}

/// What a rule sees: the object, its pod when it has one, and the settings.
pub struct ObjectContext<'a> {
    pub object: &'a K8sObject<'a>,
    pub pod: Option<PodContext<'a>>,
    pub settings: &'a RuleSettings,
}

impl<'a> ObjectContext<'a> {
    pub fn new(object: &'a K8sObject<'a>, settings: &'a RuleSettings) -> Self {
        let pod = match (object.pod_template, object.pod_parts()) {
            (Some(template), Some((metadata, spec))) => {
                Some(PodContext::new(template, metadata, spec))
            }
            _ => None,
        };
        Self {
            object,
            pod,
            settings,
        }
    }

    pub fn kind(&self) -> &str {
        self.object.kind.unwrap_or("")
    }

    pub fn value(&self) -> &'a Value {
        self.object.value
    }
}

/// Which list a container is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerList {
    Init,
    Regular,
    Ephemeral,
}

impl ContainerList {
    pub fn field(self) -> &'static str {
        match self {
            ContainerList::Init => "initContainers",
            ContainerList::Regular => "containers",
            ContainerList::Ephemeral => "ephemeralContainers",
        }
    }
}

/// One container of a pod, with where it is.
#[derive(Debug, Clone, Copy)]
pub struct ContainerRef<'a> {
    pub list: ContainerList,
    pub index: usize,
    pub name: &'a str,
    pub value: &'a Value,
}

impl<'a> ContainerRef<'a> {
    /// `container "name"` (`init container`, `ephemeral container`).
    pub fn label(&self) -> String {
        let kind = match self.list {
            ContainerList::Init => "init container",
            ContainerList::Regular => "container",
            ContainerList::Ephemeral => "ephemeral container",
        };
        format!("{kind} \"{}\"", self.name)
    }

    pub fn security_context(&self) -> Option<&'a Value> {
        self.value.get("securityContext").filter(|v| v.is_object())
    }
}

/// The pod (template) of an object.
pub struct PodContext<'a> {
    pub template: PodTemplate,
    pub metadata: Option<&'a Value>,
    pub spec: &'a Value,
    pub containers: Vec<ContainerRef<'a>>,
}

impl<'a> PodContext<'a> {
    fn new(template: PodTemplate, metadata: Option<&'a Value>, spec: &'a Value) -> Self {
        let mut containers = Vec::new();
        for list in [
            ContainerList::Init,
            ContainerList::Regular,
            ContainerList::Ephemeral,
        ] {
            let items = spec.get(list.field()).and_then(Value::as_array);
            for (index, value) in items.into_iter().flatten().enumerate() {
                if value.is_object() {
                    let name = value.get("name").and_then(Value::as_str).unwrap_or("");
                    containers.push(ContainerRef {
                        list,
                        index,
                        name,
                        value,
                    });
                }
            }
        }
        Self {
            template,
            metadata,
            spec,
            containers,
        }
    }

    /// Pointer (relative to the object) of `relative` inside the pod spec.
    pub fn spec_pointer(&self, relative: &str) -> String {
        format!("{}{relative}", self.template.spec)
    }

    /// Pointer of `relative` inside the pod metadata.
    pub fn metadata_pointer(&self, relative: &str) -> String {
        format!("{}{relative}", self.template.metadata)
    }

    /// Pointer of `relative` inside a container (`/securityContext/privileged`).
    pub fn container_pointer(&self, container: &ContainerRef<'_>, relative: &str) -> String {
        format!(
            "{}/{}/{}{relative}",
            self.template.spec,
            container.list.field(),
            container.index
        )
    }

    /// The pod-level securityContext, when it is a mapping.
    pub fn security_context(&self) -> Option<&'a Value> {
        self.spec.get("securityContext").filter(|v| v.is_object())
    }

    pub fn flag(&self, field: &str) -> bool {
        self.spec.get(field).and_then(Value::as_bool) == Some(true)
    }

    /// `spec.volumes` with their indexes.
    pub fn volumes(&self) -> impl Iterator<Item = (usize, &'a Value)> {
        self.spec
            .get("volumes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
    }

    /// Whether the container runs with capability `cap` added (with or without `CAP_`).
    pub fn adds_capability(container: &ContainerRef<'_>, cap: &str) -> bool {
        added_capabilities(container).any(|(_, c)| normalize_capability(c) == cap)
    }
}

/// `securityContext.capabilities.add` entries of a container, with indexes.
pub fn added_capabilities<'a>(
    container: &ContainerRef<'a>,
) -> impl Iterator<Item = (usize, &'a str)> {
    container
        .value
        .pointer("/securityContext/capabilities/add")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, v)| v.as_str().map(|s| (i, s)))
}

/// `CAP_SYS_ADMIN`, `sys_admin` → `SYS_ADMIN` (the runtime accepts both forms).
pub fn normalize_capability(cap: &str) -> String {
    let upper = cap.trim().to_ascii_uppercase();
    upper
        .strip_prefix("CAP_")
        .map(str::to_string)
        .unwrap_or(upper)
}
