//! Control plane and namespace rules: kube-apiserver flags, EncryptionConfiguration, KubeletConfiguration, Pod Security labels.
//!
//! The kube-apiserver rules read the command line of a container that runs
//! `kube-apiserver` (the kubeadm static pod in `kube-system`, or a hosted
//! control plane's Deployment or StatefulSet) the way the binary does: the
//! container's `command` followed by its `args`, flags as `--flag=value` or
//! `--flag value` (boolean flags only take `--flag=value`), the last value of
//! a repeated flag winning, and list flags (`--authorization-mode`,
//! `--enable-admission-plugins`) accumulating.

use serde_json::Value;

use crate::rule::{ContainerList, ContainerRef, ObjectContext, ObjectRule};
use crate::rules::image::reference::ImageReference;

pub use apiserver_anonymous_auth::ApiserverAnonymousAuth;
pub use apiserver_audit_logging::ApiserverAuditLogging;
pub use apiserver_authorization_mode::ApiserverAuthorizationMode;
pub use apiserver_encryption_at_rest::ApiserverEncryptionAtRest;
pub use apiserver_node_restriction::ApiserverNodeRestriction;
pub use apiserver_profiling::ApiserverProfiling;
pub use encryption_config_weak::EncryptionConfigWeak;
pub use kubelet_anonymous_auth::KubeletAnonymousAuth;
pub use kubelet_authorization_mode::KubeletAuthorizationMode;
pub use kubelet_read_only_port::KubeletReadOnlyPort;
pub use namespace_enforce_privileged::NamespaceEnforcePrivileged;
pub use namespace_without_pss_enforce::NamespaceWithoutPssEnforce;

mod apiserver_anonymous_auth;
mod apiserver_audit_logging;
mod apiserver_authorization_mode;
mod apiserver_encryption_at_rest;
mod apiserver_node_restriction;
mod apiserver_profiling;
mod encryption_config_weak;
mod kubelet_anonymous_auth;
mod kubelet_authorization_mode;
mod kubelet_read_only_port;
mod namespace_enforce_privileged;
mod namespace_without_pss_enforce;

/// The rules of this family, in code order.
pub static RULES: &[&dyn ObjectRule] = &[
    &ApiserverAnonymousAuth,
    &ApiserverAuthorizationMode,
    &ApiserverEncryptionAtRest,
    &ApiserverAuditLogging,
    &ApiserverProfiling,
    &ApiserverNodeRestriction,
    &EncryptionConfigWeak,
    &KubeletAnonymousAuth,
    &KubeletAuthorizationMode,
    &KubeletReadOnlyPort,
    &NamespaceWithoutPssEnforce,
    &NamespaceEnforcePrivileged,
];

/// The group of an `apiVersion` (`kubelet.config.k8s.io/v1beta1` → `kubelet.config.k8s.io`).
pub(crate) fn api_group<'a>(cx: &ObjectContext<'a>) -> Option<&'a str> {
    let api_version = cx.object.api_version?;
    Some(api_version.rsplit_once('/').map_or("", |(group, _)| group))
}

/// Whether the object is `kind` in API group `group` (any version).
pub(crate) fn is_kind(cx: &ObjectContext<'_>, group: &str, kind: &str) -> bool {
    api_group(cx) == Some(group) && cx.kind() == kind
}

/// One flag on a kube-apiserver command line.
#[derive(Debug, Clone)]
pub(crate) struct Flag<'a> {
    /// Without the leading `--`.
    pub name: &'a str,
    /// `None` for a bare `--flag`.
    pub value: Option<&'a str>,
    /// Pointer (relative to the object) of the array item holding the flag.
    pub pointer: String,
    /// The token after a bare boolean flag (`--profiling false`), which the
    /// binary does not read as its value.
    pub stray: Option<&'a str>,
}

/// A container running kube-apiserver, with its flags in order.
pub(crate) struct ApiServer<'a> {
    pub container: ContainerRef<'a>,
    pub flags: Vec<Flag<'a>>,
    /// Where a missing flag belongs: `args` when the flags are there, else `command`.
    pub missing_pointer: String,
}

/// Boolean flags: their value is only read from `--flag=value`.
const BOOL_FLAGS: &[&str] = &[
    "anonymous-auth",
    "profiling",
    "allow-privileged",
    "contention-profiling",
    "enable-aggregator-routing",
    "enable-bootstrap-token-auth",
    "enable-garbage-collector",
    "enable-priority-and-fairness",
    "logtostderr",
    "service-account-lookup",
    "storage-migration-enabled",
    "v",
];

fn is_apiserver_binary(word: &str) -> bool {
    word.rsplit('/').next() == Some("kube-apiserver")
}

fn is_hyperkube(word: &str) -> bool {
    word.rsplit('/').next() == Some("hyperkube")
}

/// `strconv.ParseBool`.
pub(crate) fn parse_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

impl<'a> ApiServer<'a> {
    /// The last value of a scalar flag.
    pub fn last(&self, name: &str) -> Option<&Flag<'a>> {
        self.flags.iter().rev().find(|f| f.name == name)
    }

    pub fn has(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f.name == name)
    }

    /// Whether a scalar flag is set to a non-empty value.
    pub fn is_set(&self, name: &str) -> bool {
        self.last(name)
            .and_then(|f| f.value)
            .is_some_and(|v| !v.trim().is_empty())
    }

    /// Every value of a list flag, across repeats, with the flag carrying it.
    pub fn list(&self, name: &str) -> Vec<(&'a str, &Flag<'a>)> {
        self.flags
            .iter()
            .filter(|f| f.name == name)
            .flat_map(|f| {
                f.value
                    .unwrap_or("")
                    .split(',')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(move |v| (v, f))
            })
            .collect()
    }

    /// The boolean value of a flag: `Some(true)` for a bare flag, `None`
    /// when absent (or not a boolean).
    pub fn bool(&self, name: &str) -> Option<(bool, &Flag<'a>)> {
        let flag = self.last(name)?;
        match flag.value {
            None => Some((true, flag)),
            Some(v) => parse_bool(v).map(|b| (b, flag)),
        }
    }

    /// `container "kube-apiserver"`.
    pub fn label(&self) -> String {
        self.container.label()
    }
}

/// The containers of the object's pod that run kube-apiserver. Init and
/// ephemeral containers are not the server and are not read.
pub(crate) fn apiservers<'a>(cx: &ObjectContext<'a>) -> Vec<ApiServer<'a>> {
    let Some(pod) = &cx.pod else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for container in pod
        .containers
        .iter()
        .filter(|c| c.list == ContainerList::Regular)
    {
        // (word, pointer, may start a program) of command then args; the
        // script after `sh -c` is split into words that share its pointer.
        let mut words: Vec<(&str, String, bool)> = Vec::new();
        let mut has_command = false;
        let mut has_args = false;
        let mut previous = "";
        for field in ["command", "args"] {
            let items = container.value.get(field).and_then(Value::as_array);
            for (i, item) in items.into_iter().flatten().enumerate() {
                let Some(text) = item.as_str() else { continue };
                if field == "command" {
                    has_command = true;
                } else {
                    has_args = true;
                }
                let pointer = pod.container_pointer(container, &format!("/{field}/{i}"));
                if previous == "-c" {
                    // A shell script: its words, the first one a program.
                    for (w, word) in text.split_whitespace().enumerate() {
                        words.push((word, pointer.clone(), w == 0));
                    }
                } else {
                    words.push((text, pointer, field == "command" && i == 0));
                }
                previous = text;
            }
        }
        let start = words
            .iter()
            .enumerate()
            .find_map(|(i, (word, _, program))| {
                let after = |prev: &[&str]| {
                    i.checked_sub(1)
                        .and_then(|p| words.get(p))
                        .is_some_and(|w| prev.contains(&w.0))
                };
                if !(*program || after(&["exec", "--", "&&", ";"])) {
                    None
                } else if is_apiserver_binary(word) {
                    Some(i + 1)
                } else if is_hyperkube(word)
                    && matches!(
                        words.get(i + 1).map(|w| w.0),
                        Some("kube-apiserver" | "apiserver")
                    )
                {
                    Some(i + 2)
                } else {
                    None
                }
            })
            .or_else(|| {
                // No command: the image's entrypoint runs, which is the
                // server itself for the kube-apiserver images.
                let image = container.value.get("image").and_then(Value::as_str)?;
                let reference = ImageReference::parse(image).ok()?;
                (!has_command
                    && has_args
                    && reference.path.rsplit('/').next() == Some("kube-apiserver"))
                .then_some(0)
            });
        let Some(start) = start else { continue };
        let mut flags = Vec::new();
        let mut i = start;
        while i < words.len() {
            let (word, pointer, _) = &words[i];
            i += 1;
            let Some(body) = word.strip_prefix("--") else {
                continue;
            };
            let (name, value) = match body.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (body, None),
            };
            let next = words.get(i).map(|w| w.0).filter(|w| !w.starts_with('-'));
            let (value, stray) = match (value, next) {
                (Some(v), _) => (Some(v), None),
                (None, Some(next)) if BOOL_FLAGS.contains(&name) => (None, Some(next)),
                (None, Some(next)) => {
                    i += 1;
                    (Some(next), None)
                }
                (None, None) => (None, None),
            };
            flags.push(Flag {
                name,
                value,
                pointer: pointer.clone(),
                stray,
            });
        }
        let field = if has_args { "args" } else { "command" };
        found.push(ApiServer {
            container: *container,
            flags,
            missing_pointer: pod.container_pointer(container, &format!("/{field}")),
        });
    }
    found
}

/// The labels of a Namespace, when it is one (`v1`, kind `Namespace`).
pub(crate) fn namespace_labels<'a>(cx: &ObjectContext<'a>) -> Option<Option<&'a Value>> {
    if !is_kind(cx, "", "Namespace") {
        return None;
    }
    Some(
        cx.value()
            .pointer("/metadata/labels")
            .filter(|v| v.is_object()),
    )
}

/// The Pod Security `enforce` label.
pub(crate) const ENFORCE_LABEL: &str = "pod-security.kubernetes.io/enforce";

#[cfg(test)]
mod tests {
    use rampart_k8s::extract_objects;
    use serde_json::json;

    use super::*;
    use crate::rule::RuleSettings;

    fn flags_of(pod: Value) -> Vec<(String, Option<String>, String)> {
        let extracted = extract_objects(&pod);
        let settings = RuleSettings::default();
        let cx = ObjectContext::new(&extracted.objects[0], &settings);
        apiservers(&cx)
            .into_iter()
            .flat_map(|a| a.flags)
            .map(|f| (f.name.to_string(), f.value.map(String::from), f.pointer))
            .collect()
    }

    #[test]
    fn parses_command_and_args() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [
            {"name": "x", "image": "registry.k8s.io/kube-apiserver:v1.31.0",
             "command": ["kube-apiserver", "--a=1", "--b", "2", "--profiling", "false"],
             "args": ["--c=3", "--d"]}
        ]}});
        let flags = flags_of(pod);
        assert_eq!(
            flags,
            vec![
                (
                    "a".into(),
                    Some("1".into()),
                    "/spec/containers/0/command/1".into()
                ),
                (
                    "b".into(),
                    Some("2".into()),
                    "/spec/containers/0/command/2".into()
                ),
                (
                    "profiling".into(),
                    None,
                    "/spec/containers/0/command/4".into()
                ),
                (
                    "c".into(),
                    Some("3".into()),
                    "/spec/containers/0/args/0".into()
                ),
                ("d".into(), None, "/spec/containers/0/args/1".into()),
            ]
        );
    }

    #[test]
    fn finds_the_server_in_hyperkube_shells_and_images() {
        let hyperkube = json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [
            {"name": "x", "image": "hyperkube", "command": ["/hyperkube", "apiserver", "--a=1"]}]}});
        assert_eq!(flags_of(hyperkube).len(), 1);
        let shell = json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [
            {"name": "x", "image": "x", "command": ["/bin/sh", "-c", "exec /usr/local/bin/kube-apiserver --a=1 --b=2"]}]}});
        assert_eq!(flags_of(shell).len(), 2);
        let image = json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [
            {"name": "x", "image": "registry.k8s.io/kube-apiserver:v1.31.0", "args": ["--a=1"]}]}});
        assert_eq!(flags_of(image).len(), 1);
        let other = json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [
            {"name": "x", "image": "nginx", "command": ["nginx", "--kube-apiserver=1"]},
            {"name": "w", "image": "kubectl", "command": ["kubectl", "wait", "pod/kube-apiserver", "--for=condition=Ready"]},
            {"name": "y", "image": "registry.k8s.io/kube-apiserver:v1.31.0", "command": ["sleep"], "args": ["--a"]}]}});
        assert!(flags_of(other).is_empty());
    }
}
