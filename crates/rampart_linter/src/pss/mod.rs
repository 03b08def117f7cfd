//! The Pod Security Standards evaluator: judges a pod exactly as upstream Pod
//! Security Admission does (levels, versions, checks, aggregated messages),
//! and adds field-precise [`Offender`]s.
//!
//! The checks themselves live in [`crate::rules::pod_security`], one rule per
//! file. This module holds the levels and versions, the check table plumbing,
//! aggregation and the public API.
//!
//! ```
//! use rampart_linter::pss::{evaluate, Level, PodRef, PolicyVersion};
//! let spec = serde_json::json!({"hostPID": true, "containers": [{"name": "app"}]});
//! let result = evaluate(PodRef::new(None, &spec), Level::Baseline, PolicyVersion::Latest);
//! assert!(!result.allowed);
//! assert_eq!(result.aggregate_detail(), "host namespaces (hostPID=true)");
//! assert_eq!(result.violations[0].offenders[0].pointer, "/spec/hostPID");
//! ```

pub mod cel;
pub mod check;
mod defaults;
pub(crate) mod format;
mod level;
pub mod pod;

pub use check::{Check, CheckDefinition, Failure, checks_in_force};
pub use defaults::{apply_api_defaults, apply_pod_host_network_port_defaults};
pub use level::{Level, NEWEST_MINOR, ParseLevelError, ParseVersionError, PolicyVersion};
pub use pod::PodRef;

use crate::registry::RuleMeta;

/// Reason shown for a failing check with an empty reason (none of the
/// built-in checks has one).
pub const UNKNOWN_FORBIDDEN_REASON: &str = "unknown forbidden reason";

/// One offending field of a pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offender {
    /// RFC 6901 JSON pointer relative to the pod object, e.g.
    /// `/spec/containers/0/securityContext/privileged`. For a field that must
    /// be set but is missing, the path where it belongs (callers resolve it to
    /// the nearest existing ancestor).
    pub pointer: String,
    /// The container concerned, `None` for pod-level fields.
    pub container: Option<String>,
    /// A message about this one offender.
    pub message: String,
}

impl Offender {
    /// A pod-level offender.
    pub fn pod(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            container: None,
            message: message.into(),
        }
    }

    /// An offender inside `container`; `suffix` is the pointer below it.
    pub fn container(container: &pod::Container<'_>, suffix: &str, message: String) -> Self {
        Self {
            pointer: container.pointer(suffix),
            container: Some(container.name.to_owned()),
            message,
        }
    }
}

/// One failing check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckViolation {
    /// Upstream check ID, e.g. `privileged`.
    pub check: &'static str,
    /// The rule documenting the check.
    pub rule: &'static RuleMeta,
    /// Upstream reason, e.g. `privileged`.
    pub reason: String,
    /// Upstream detail, e.g. `container "a" must not set securityContext.privileged=true`.
    pub detail: String,
    /// The offending fields.
    pub offenders: Vec<Offender>,
}

/// The result of evaluating one pod at one level and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub level: Level,
    /// The version as requested (its label appears in messages).
    pub version: PolicyVersion,
    pub allowed: bool,
    /// Failing checks, in upstream evaluation order.
    pub violations: Vec<CheckViolation>,
}

impl Evaluation {
    /// IDs of the failing checks, in order.
    pub fn failing_checks(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.violations.iter().map(|v| v.check)
    }

    /// The reasons joined by `", "` (upstream's aggregate `ForbiddenReason`).
    pub fn aggregate_reasons(&self) -> String {
        let mut out = String::new();
        for (i, violation) in self.violations.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(reason_of(violation));
        }
        out
    }

    /// Each reason followed by ` (detail)` when the detail is non-empty,
    /// joined by `", "` (upstream's aggregate `ForbiddenDetail`).
    pub fn aggregate_detail(&self) -> String {
        let mut out = String::new();
        for (i, violation) in self.violations.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(reason_of(violation));
            if !violation.detail.is_empty() {
                out.push_str(" (");
                out.push_str(&violation.detail);
                out.push(')');
            }
        }
        out
    }

    /// `level:version-label`, e.g. `restricted:latest`.
    pub fn policy_label(&self) -> String {
        format!("{}:{}", self.level, self.version)
    }

    /// The enforce denial text,
    /// `violates PodSecurity "restricted:latest": <aggregate detail>`;
    /// `None` when allowed.
    pub fn forbidden_message(&self) -> Option<String> {
        (!self.allowed).then(|| {
            format!(
                "violates PodSecurity \"{}\": {}",
                self.policy_label(),
                self.aggregate_detail()
            )
        })
    }

    /// The warn / audit text,
    /// `would violate PodSecurity "restricted:latest": <aggregate detail>`;
    /// `None` when allowed.
    pub fn warning_message(&self) -> Option<String> {
        (!self.allowed).then(|| {
            format!(
                "would violate PodSecurity \"{}\": {}",
                self.policy_label(),
                self.aggregate_detail()
            )
        })
    }
}

fn reason_of(violation: &CheckViolation) -> &str {
    if violation.reason.is_empty() {
        UNKNOWN_FORBIDDEN_REASON
    } else {
        &violation.reason
    }
}

/// Evaluates `pod` at `level` and `version` with every rule this evaluator
/// knows (`latest` = `v1.`[`NEWEST_MINOR`]).
pub fn evaluate(pod: PodRef<'_>, level: Level, version: PolicyVersion) -> Evaluation {
    evaluate_as(pod, level, version, NEWEST_MINOR)
}

/// Evaluates `pod` as a cluster of minor version `cluster_minor` would
/// (SPEC §1 emulation): `latest` and any version above `cluster_minor`
/// evaluate as `v1.<cluster_minor>`. A `cluster_minor` above
/// [`NEWEST_MINOR`] changes nothing.
pub fn evaluate_as(
    pod: PodRef<'_>,
    level: Level,
    version: PolicyVersion,
    cluster_minor: u32,
) -> Evaluation {
    let minor = version.effective_minor(cluster_minor.min(NEWEST_MINOR));
    if level == Level::Privileged {
        return Evaluation {
            level,
            version,
            allowed: true,
            violations: Vec::new(),
        };
    }
    let view = pod::Pod::new(pod);
    let violations: Vec<CheckViolation> = checks_in_force(level, minor)
        .filter_map(|(check, definition)| {
            let failure = (definition.evaluate)(&view)?;
            Some(CheckViolation {
                check: check.id,
                rule: check.rule,
                reason: failure.reason.to_owned(),
                detail: failure.detail,
                offenders: failure.offenders,
            })
        })
        .collect();
    Evaluation {
        level,
        version,
        allowed: violations.is_empty(),
        violations,
    }
}
