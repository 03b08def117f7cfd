//! `exceptions:` from `rampart.yaml` as CEL conditions, with the webhook's
//! scoping: an exception allows a privilege only in its namespaces, for its
//! service accounts, in its containers and images, and only the exact value
//! it names. A pod-level privilege needs every container in scope; a hostPath
//! volume needs every container that mounts it in scope.

use jiff::civil::Date;
use rampart_linter::exceptions::{AllowedPrivilege, ImagePattern, PrivilegeException};
use rampart_linter::exemptions::names_rule;
use rampart_linter::pss::cel::{CelExemptions, CelPrivilege, FALSE, quote};
use rampart_linter::registry::RuleMeta;

use crate::glob::glob_to_regex;

/// The exceptions in force on a date.
#[derive(Debug)]
pub struct ConfigExemptions<'a> {
    exceptions: Vec<&'a PrivilegeException>,
}

impl<'a> ConfigExemptions<'a> {
    /// The exceptions not expired on `today`. Agent grants (`agent:`) are
    /// judged by the knowledge base at admission; in CEL only the
    /// `privileges` an exception names apply.
    pub fn new(exceptions: &'a [PrivilegeException], today: Date) -> Self {
        Self {
            exceptions: exceptions.iter().filter(|e| !e.is_expired(today)).collect(),
        }
    }

    fn for_rule<'s>(
        &'s self,
        rule: &'s RuleMeta,
    ) -> impl Iterator<Item = &'a PrivilegeException> + 's {
        self.exceptions
            .iter()
            .copied()
            .filter(move |e| e.rules.is_empty() || names_rule(&e.rules, rule))
    }
}

/// `request.namespace in [...]` and the service account, or `None` when the
/// exception does not restrict them.
fn pod_scope(exception: &PrivilegeException) -> Vec<String> {
    let mut parts = Vec::new();
    if !exception.namespaces.is_empty() {
        parts.push(format!(
            "request.namespace in {}",
            list(&exception.namespaces)
        ));
    }
    if !exception.service_accounts.is_empty() {
        parts.push(format!(
            "variables.serviceAccount in {}",
            list(&exception.service_accounts)
        ));
    }
    parts
}

/// The container bound to `container` is one the exception names.
fn container_scope(exception: &PrivilegeException, container: &str) -> Vec<String> {
    let mut parts = Vec::new();
    if !exception.containers.is_empty() {
        parts.push(format!(
            "{container}.name in {}",
            list(&exception.containers)
        ));
    }
    if !exception.images.is_empty() {
        let image = format!("(has({container}.image) ? {container}.image : '')");
        let patterns: Vec<String> = exception
            .images
            .iter()
            .map(|pattern| match pattern {
                ImagePattern::Digest(digest) => format!(
                    "({image}.contains('@') && {image}.substring({image}.lastIndexOf('@') + 1) == {})",
                    quote(digest)
                ),
                ImagePattern::Repository(glob) => format!(
                    "{}.matches({})",
                    repository(&image),
                    quote(&glob_to_regex(glob.glob().glob()))
                ),
            })
            .collect();
        parts.push(format!("({})", patterns.join(" || ")));
    }
    parts
}

/// The repository of an image reference: no digest, no tag.
fn repository(image: &str) -> String {
    let bare = format!("{image}.trim().split('@')[0]");
    format!(
        "({bare}.lastIndexOf(':') > {bare}.lastIndexOf('/') ? {bare}.substring(0, {bare}.lastIndexOf(':')) : {bare})"
    )
}

/// The CEL condition under which the exception allows `privilege`; `None`
/// when it allows no value of it.
fn value_allowed(exception: &PrivilegeException, privilege: CelPrivilege<'_>) -> Option<String> {
    let mut alternatives: Vec<String> = Vec::new();
    for allowed in &exception.privileges {
        let condition = match (allowed, privilege) {
            (AllowedPrivilege::HostPid, CelPrivilege::HostPid)
            | (AllowedPrivilege::HostIpc, CelPrivilege::HostIpc)
            | (AllowedPrivilege::HostNetwork, CelPrivilege::HostNetwork)
            | (AllowedPrivilege::Privileged, CelPrivilege::Privileged)
            | (AllowedPrivilege::RunAsRoot, CelPrivilege::RunAsRoot)
            | (AllowedPrivilege::SeccompUnconfined, CelPrivilege::SeccompUnconfined)
            | (AllowedPrivilege::AppArmorUnconfined, CelPrivilege::AppArmorUnconfined) => {
                return Some("true".to_owned());
            }
            (AllowedPrivilege::Capability(name), CelPrivilege::Capability(cap)) => {
                format!("{} == {}", normalized_capability(cap), quote(name))
            }
            (
                AllowedPrivilege::HostPort { port, protocol },
                CelPrivilege::HostPort {
                    port: held,
                    protocol: held_protocol,
                },
            ) => match protocol {
                Some(protocol) => {
                    format!("{held} == {port} && {held_protocol} == {}", quote(protocol))
                }
                None => format!("{held} == {port}"),
            },
            _ => continue,
        };
        alternatives.push(condition);
    }
    (!alternatives.is_empty()).then(|| any(alternatives))
}

/// `SYS_ADMIN` from `cap_sys_admin`, ` CAP_SYS_ADMIN`, ...
fn normalized_capability(cap: &str) -> String {
    let upper = format!("{cap}.trim().upperAscii()");
    format!("({upper}.startsWith('CAP_') ? {upper}.substring(4) : {upper})")
}

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", quoted.join(", "))
}

fn all(parts: Vec<String>) -> String {
    match parts.len() {
        0 => "true".to_owned(),
        1 => parts.into_iter().next().unwrap_or_default(),
        _ => parts
            .into_iter()
            .map(|p| format!("({p})"))
            .collect::<Vec<_>>()
            .join(" && "),
    }
}

fn any(parts: Vec<String>) -> String {
    match parts.len() {
        0 => FALSE.to_owned(),
        1 => parts.into_iter().next().unwrap_or_default(),
        _ => parts
            .into_iter()
            .map(|p| format!("({p})"))
            .collect::<Vec<_>>()
            .join(" || "),
    }
}

impl CelExemptions for ConfigExemptions<'_> {
    fn container(
        &self,
        rule: &'static RuleMeta,
        container: &str,
        privilege: CelPrivilege<'_>,
    ) -> String {
        any(self
            .for_rule(rule)
            .filter_map(|exception| {
                let value = value_allowed(exception, privilege)?;
                let mut parts = pod_scope(exception);
                parts.extend(container_scope(exception, container));
                parts.push(value);
                Some(all(parts))
            })
            .collect())
    }

    fn pod(&self, rule: &'static RuleMeta, privilege: CelPrivilege<'_>) -> String {
        any(self
            .for_rule(rule)
            .filter_map(|exception| {
                let value = value_allowed(exception, privilege)?;
                let mut parts = pod_scope(exception);
                let scope = container_scope(exception, "x");
                if !scope.is_empty() {
                    parts.push(format!("variables.containers.all(x, {})", all(scope)));
                }
                parts.push(value);
                Some(all(parts))
            })
            .collect())
    }

    fn host_path_volume(&self, rule: &'static RuleMeta, volume: &str) -> String {
        // Each mount: (container `m_c`, mount `m`) of this volume.
        let per_mount: Vec<String> = self
            .for_rule(rule)
            .filter_map(|exception| {
                let mut paths = Vec::new();
                for allowed in &exception.privileges {
                    let AllowedPrivilege::HostPath { path, read_only } = allowed else {
                        continue;
                    };
                    let mut condition = format!(
                        "{volume}.hostPath.path.matches({})",
                        quote(&host_path_regex(path))
                    );
                    if *read_only == Some(true) {
                        condition.push_str(" && has(m.readOnly) && m.readOnly == true");
                    }
                    paths.push(condition);
                }
                if paths.is_empty() {
                    return None;
                }
                let mut parts = pod_scope(exception);
                parts.extend(container_scope(exception, "mc"));
                parts.push(any(paths));
                Some(all(parts))
            })
            .collect();
        if per_mount.is_empty() {
            return FALSE.to_owned();
        }
        let mounts = "(has(mc.volumeMounts) ? mc.volumeMounts : [])";
        format!(
            "has({volume}.hostPath.path) && variables.containers.exists(mc, {mounts}.exists(m, has(m.name) && m.name == {volume}.name)) && variables.containers.all(mc, {mounts}.all(m, !(has(m.name) && m.name == {volume}.name) || ({})))",
            any(per_mount)
        )
    }
}

/// Every spelling of a normalised absolute path (`/proc`): doubled slashes,
/// `.` segments and a trailing slash, as the webhook normalises host paths.
/// Other paths (Windows) match exactly.
pub fn host_path_regex(path: &str) -> String {
    if !path.starts_with('/') {
        return format!("^{}$", regex::escape(path));
    }
    let separator = r"/(?:\./|/)*";
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(regex::escape)
        .collect();
    let mut out = format!("^{separator}");
    out.push_str(&segments.join(separator));
    if segments.is_empty() {
        out.push_str(r"\.?$");
    } else {
        out.push_str(&format!(r"(?:{separator}\.?)?$"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::host_path_regex;
    use rampart_linter::exceptions::normalize_path;

    #[test]
    fn host_path_regex_matches_exactly_the_spellings_of_the_path() {
        let paths = [
            "/proc",
            "/proc/",
            "//proc",
            "/./proc",
            "/proc/.",
            "/proc//",
            "/proc/./",
            "/procs",
            "/pro",
            "/proc/x",
            "/",
            "//",
            "/.",
            "/var/run",
            "/var//run/",
            "/var/./run",
            "/var/run/docker.sock",
            "/proc.",
            "/.proc",
        ];
        for wanted in ["/proc", "/", "/var/run", "/var/run/docker.sock"] {
            let re = regex::Regex::new(&host_path_regex(wanted)).unwrap_or_else(|e| panic!("{e}"));
            for path in paths {
                assert_eq!(
                    re.is_match(path),
                    normalize_path(path) == wanted,
                    "{wanted} vs {path}"
                );
            }
        }
    }
}
