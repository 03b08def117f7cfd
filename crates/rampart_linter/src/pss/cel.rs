//! The CEL form of each Pod Security check, for ValidatingAdmissionPolicy
//! output (`rampart policy vap`).
//!
//! A check's CEL expression is true when the pod passes. It reads the
//! policy's variables (`variables.spec`, `variables.containers`,
//! `variables.volumes`, `variables.annotations`, `variables.serviceAccount`)
//! and uses `has()` guards only, never `?.`. Where a privilege exception may
//! allow an offender, the expression asks a [`CelExemptions`] for the CEL
//! condition under which it does.

use crate::registry::RuleMeta;

/// A privilege an offender holds, with CEL expressions for its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CelPrivilege<'a> {
    HostPid,
    HostIpc,
    HostNetwork,
    Privileged,
    /// The capability name as written (a CEL string expression).
    Capability(&'a str),
    /// The host port and its protocol (CEL expressions; protocol upper-case).
    HostPort {
        port: &'a str,
        protocol: &'a str,
    },
    RunAsRoot,
    SeccompUnconfined,
    AppArmorUnconfined,
}

/// Writes the CEL conditions under which exceptions allow an offender.
/// Each method returns a CEL boolean expression; `"false"` when none can.
pub trait CelExemptions {
    /// `privilege`, held by the container bound to the CEL variable `container`.
    fn container(
        &self,
        rule: &'static RuleMeta,
        container: &str,
        privilege: CelPrivilege<'_>,
    ) -> String;
    /// A pod-level `privilege`: it serves every container.
    fn pod(&self, rule: &'static RuleMeta, privilege: CelPrivilege<'_>) -> String;
    /// The hostPath volume bound to the CEL variable `volume`: every mount of
    /// it, by the container that mounts it, with its path and read-only flag.
    fn host_path_volume(&self, rule: &'static RuleMeta, volume: &str) -> String;
}

/// No exceptions: nothing is ever allowed.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoExemptions;

impl CelExemptions for NoExemptions {
    fn container(&self, _: &'static RuleMeta, _: &str, _: CelPrivilege<'_>) -> String {
        FALSE.to_owned()
    }
    fn pod(&self, _: &'static RuleMeta, _: CelPrivilege<'_>) -> String {
        FALSE.to_owned()
    }
    fn host_path_volume(&self, _: &'static RuleMeta, _: &str) -> String {
        FALSE.to_owned()
    }
}

/// A check definition's CEL form: true when the pod passes.
pub type CelFn = fn(&dyn CelExemptions) -> String;

pub const FALSE: &str = "false";

/// `a || b`, dropping `b` when it is `false`.
pub fn or(a: impl Into<String>, b: impl Into<String>) -> String {
    let (a, b) = (a.into(), b.into());
    if b == FALSE {
        a
    } else {
        format!("({a}) || ({b})")
    }
}

/// `a && b`, `false` when `b` is.
pub fn and(a: impl Into<String>, b: impl Into<String>) -> String {
    let (a, b) = (a.into(), b.into());
    if b == FALSE {
        FALSE.to_owned()
    } else {
        format!("({a}) && ({b})")
    }
}

/// `has(base.a) && has(base.a.b) && …`: every step of `path` below `base` is set.
pub fn has_path(base: &str, path: &str) -> String {
    let mut out = Vec::new();
    let mut current = base.to_owned();
    for step in path.split('.') {
        current = format!("{current}.{step}");
        out.push(format!("has({current})"));
    }
    out.join(" && ")
}

/// `base.path` when set, else `fallback` (a CEL literal).
pub fn value_or(base: &str, path: &str, fallback: &str) -> String {
    format!("({} ? {base}.{path} : {fallback})", has_path(base, path))
}

/// A CEL list literal of string constants.
pub fn string_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// A CEL single-quoted string literal.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// `spec.os.name == "windows"` (the restricted checks' Windows exemption).
pub const WINDOWS_POD: &str = "(has(variables.spec.os) && has(variables.spec.os.name) && variables.spec.os.name == 'windows')";

/// `spec.hostUsers: false` (a user-namespaced pod).
pub const USER_NAMESPACED_POD: &str =
    "(has(variables.spec.hostUsers) && variables.spec.hostUsers == false)";

/// A Windows pod as the privilege inventory sees it (no root or writable-root
/// privileges there): hostProcess, `os.name` or the `kubernetes.io/os` node selector.
pub const WINDOWS_FOR_PRIVILEGES: &str = "((has(variables.spec.securityContext) && has(variables.spec.securityContext.windowsOptions) && has(variables.spec.securityContext.windowsOptions.hostProcess) && variables.spec.securityContext.windowsOptions.hostProcess == true) || (has(variables.spec.os) && has(variables.spec.os.name) && variables.spec.os.name == 'windows') || (has(variables.spec.nodeSelector) && 'kubernetes.io/os' in variables.spec.nodeSelector && variables.spec.nodeSelector['kubernetes.io/os'] == 'windows'))";

/// The pod's `securityContext.<path>` is set.
pub fn pod_sc_has(path: &str) -> String {
    has_path("variables.spec", &format!("securityContext.{path}"))
}

/// Container `c`'s `securityContext.<path>` is set.
pub fn container_sc_has(container: &str, path: &str) -> String {
    has_path(container, &format!("securityContext.{path}"))
}

/// `pass` unless the check is skipped for the pod (`skip` is true).
pub fn unless(skip: &str, pass: String) -> String {
    format!("{skip} || ({pass})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_build_guarded_expressions() {
        assert_eq!(has_path("c", "a.b"), "has(c.a) && has(c.a.b)");
        assert_eq!(value_or("c", "a", "''"), "(has(c.a) ? c.a : '')");
        assert_eq!(quote("it's"), "'it\\'s'");
        assert_eq!(or("x", FALSE), "x");
        assert_eq!(and("x", FALSE), FALSE);
        assert_eq!(or("x", "y"), "(x) || (y)");
    }
}
