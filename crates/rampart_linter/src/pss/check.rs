//! The check table plumbing: versioned check definitions, which definition is
//! in force at a policy version, and the restricted-over-baseline overrides
//! (SPEC §2).

use super::Offender;
use super::level::Level;
use super::pod::Pod;
use crate::registry::RuleMeta;

/// What a failing check reports before aggregation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Short reason, e.g. `host namespaces`.
    pub reason: &'static str,
    /// Upstream-compatible detail, e.g. `hostNetwork=true`.
    pub detail: String,
    /// One entry per offending field.
    pub offenders: Vec<Offender>,
}

/// A check's behaviour at one definition: `None` when the pod passes.
pub type CheckFn = for<'a, 'b> fn(&'b Pod<'a>) -> Option<Failure>;

/// One versioned definition of a check.
#[derive(Debug, Clone, Copy)]
pub struct CheckDefinition {
    /// First policy minor version (`v1.<min_minor>`) this definition applies to.
    pub min_minor: u32,
    /// The evaluation function.
    pub evaluate: CheckFn,
    /// The same check as a CEL expression, true when the pod passes.
    pub cel: super::cel::CelFn,
    /// Baseline check IDs this (restricted) definition replaces while in force.
    pub overrides: &'static [&'static str],
}

/// A Pod Security Standards check: its ID, level, rule and definitions.
#[derive(Debug)]
pub struct Check {
    /// Upstream check ID, e.g. `capabilities_baseline`.
    pub id: &'static str,
    /// `Baseline` or `Restricted`.
    pub level: Level,
    /// The rule documenting this check.
    pub rule: &'static RuleMeta,
    /// Definitions, ascending by `min_minor`.
    pub definitions: &'static [CheckDefinition],
}

impl Check {
    /// The definition in force at `minor`: the one with the greatest
    /// `min_minor <= minor`. `None` if the check does not exist yet.
    pub fn definition_at(&'static self, minor: u32) -> Option<&'static CheckDefinition> {
        self.definitions
            .iter()
            .rev()
            .find(|definition| definition.min_minor <= minor)
    }

    /// The first policy minor version the check exists at.
    pub fn since_minor(&self) -> u32 {
        self.definitions.first().map_or(0, |d| d.min_minor)
    }
}

/// Every check, in upstream evaluation order.
pub fn all_checks() -> &'static [&'static Check] {
    crate::rules::pod_security::CHECKS
}

/// Looks a check up by its upstream ID.
pub fn check_by_id(id: &str) -> Option<&'static Check> {
    all_checks().iter().copied().find(|check| check.id == id)
}

/// The checks (and their definitions) that run for `level` at policy minor
/// `minor`, in upstream evaluation order:
///
/// * privileged: none;
/// * baseline: every baseline check in force;
/// * restricted: every restricted check in force, plus every baseline check in
///   force that no restricted definition in force overrides.
pub fn checks_in_force(
    level: Level,
    minor: u32,
) -> impl Iterator<Item = (&'static Check, &'static CheckDefinition)> {
    all_checks().iter().filter_map(move |&check| {
        if level == Level::Privileged || check.level > level {
            return None;
        }
        let definition = check.definition_at(minor)?;
        if level == Level::Restricted
            && check.level == Level::Baseline
            && is_overridden(check.id, minor)
        {
            return None;
        }
        Some((check, definition))
    })
}

/// Whether a restricted definition in force at `minor` overrides `id`.
fn is_overridden(id: &str, minor: u32) -> bool {
    all_checks().iter().any(|check| {
        check.level == Level::Restricted
            && check
                .definition_at(minor)
                .is_some_and(|definition| definition.overrides.contains(&id))
    })
}

/// The newest minor any definition mentions (must equal
/// [`super::NEWEST_MINOR`]).
pub fn newest_minor_in_table() -> u32 {
    all_checks()
        .iter()
        .flat_map(|check| check.definitions.iter())
        .map(|definition| definition.min_minor)
        .max()
        .unwrap_or(0)
}
