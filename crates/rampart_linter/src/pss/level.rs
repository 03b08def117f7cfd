//! Policy levels and policy versions (SPEC §1).

use std::fmt;
use std::str::FromStr;

/// The newest policy minor version that any check definition mentions
/// (`MAX` in SPEC §1). `latest` and every version above it evaluate as
/// `v1.NEWEST_MINOR`.
pub const NEWEST_MINOR: u32 = 37;

/// A Pod Security Standards level. Ordered by strictness:
/// `Privileged < Baseline < Restricted`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Unrestricted: runs no checks, always allowed.
    Privileged,
    /// Prevents known privilege escalations.
    Baseline,
    /// Current pod hardening best practice.
    Restricted,
}

impl Level {
    /// All levels, least strict first.
    pub const ALL: [Level; 3] = [Level::Privileged, Level::Baseline, Level::Restricted];

    /// The lowercase label used in namespace labels and messages.
    pub const fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error returned when a level string is not exactly `privileged`,
/// `baseline` or `restricted`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid Pod Security level {input:?}: must be one of privileged, baseline, restricted")]
pub struct ParseLevelError {
    /// The rejected input.
    pub input: String,
}

impl FromStr for Level {
    type Err = ParseLevelError;

    /// Parses the exact lowercase label (as upstream does; `Baseline` is rejected).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "privileged" => Ok(Level::Privileged),
            "baseline" => Ok(Level::Baseline),
            "restricted" => Ok(Level::Restricted),
            _ => Err(ParseLevelError {
                input: s.to_owned(),
            }),
        }
    }
}

/// A policy version: `latest` or `v1.<minor>`.
///
/// The version is kept as written (its label is what messages show), and
/// resolved to the rules in force with [`PolicyVersion::effective_minor`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyVersion {
    /// The newest rules the evaluator (or the emulated cluster) knows.
    Latest,
    /// `v1.<minor>`.
    Minor(u32),
}

impl PolicyVersion {
    /// The minor version whose rules apply, given the newest minor `max` the
    /// evaluator knows (normally [`NEWEST_MINOR`], or the emulated cluster's
    /// minor if that is older). `latest` and anything above `max` become `max`.
    pub fn effective_minor(&self, max: u32) -> u32 {
        match *self {
            PolicyVersion::Latest => max,
            PolicyVersion::Minor(minor) => minor.min(max),
        }
    }
}

impl fmt::Display for PolicyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyVersion::Latest => f.write_str("latest"),
            PolicyVersion::Minor(minor) => write!(f, "v1.{minor}"),
        }
    }
}

/// Error returned for a version string that is neither `latest` nor matches
/// `^v1\.(0|[1-9][0-9]*)$`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid Pod Security version {input:?}: must be \"latest\" or \"v1.x\" \
     (e.g. \"v1.30\"; no leading zeros, no patch version{extra})"
)]
pub struct ParseVersionError {
    /// The rejected input.
    pub input: String,
    extra: &'static str,
}

impl FromStr for PolicyVersion {
    type Err = ParseVersionError;

    /// Accepts `latest` or exactly `^v1\.(0|[1-9][0-9]*)$`. A minor that does
    /// not fit in a `u32` is rejected as well.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "latest" {
            return Ok(PolicyVersion::Latest);
        }
        let err = |extra| ParseVersionError {
            input: s.to_owned(),
            extra,
        };
        let digits = s.strip_prefix("v1.").ok_or_else(|| err(""))?;
        let well_formed = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'));
        if !well_formed {
            return Err(err(""));
        }
        digits
            .parse::<u32>()
            .map(PolicyVersion::Minor)
            .map_err(|_| err("; the minor version is too large"))
    }
}
