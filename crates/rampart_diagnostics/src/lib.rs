//! The report model of a rampart scan and its renderers (text, JSON, SARIF).
//!
//! The CLI fills a [`Report`] with the scanned objects, the findings and the
//! input errors, then hands it to one of the functions in [`render`].
//!
//! ```
//! use rampart_diagnostics::{Finding, Report, Severity, render};
//! use rampart_source::{SourceFile, TextRange};
//!
//! let file = SourceFile::new("pod.yaml", "spec:\n  hostPID: true\n");
//! let finding = Finding {
//!     rule: "PSB001".into(),
//!     rule_name: "host-namespaces".into(),
//!     severity: Severity::High,
//!     message: "pod must not set hostPID=true".into(),
//!     help: None,
//!     file: file.clone(),
//!     range: TextRange::new(8, 21),
//!     object: None,
//!     container: None,
//!     standards: Default::default(),
//!     helm_source: None,
//!     explanation: None,
//!     pointer: None,
//! };
//! let report = Report { findings: vec![finding], ..Report::default() };
//! let mut out = Vec::new();
//! render::text(&report, &render::TextOptions::default(), &mut out)?;
//! let text = String::from_utf8(out)?;
//! assert!(text.starts_with("error[PSB001]: pod must not set hostPID=true\n --> pod.yaml:2:3\n"));
//! assert!(text.ends_with("Found 1 finding (1 high) in 0 objects.\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

pub use rampart_source::Origin;
use rampart_source::{Position, SourceFile, TextRange};
use serde::{Deserialize, Serialize};

pub mod render;

/// How serious a finding is, from [`Severity::Info`] up to [`Severity::Critical`].
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// All severities, lowest first.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lowercase name, as used in JSON and on the command line.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The numeric `security-severity` GitHub code scanning expects (0.0–10.0).
    pub const fn security_severity(self) -> &'static str {
        match self {
            Severity::Info => "1.0",
            Severity::Low => "3.0",
            Severity::Medium => "5.5",
            Severity::High => "8.0",
            Severity::Critical => "9.5",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a string names no severity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity `{0}` (expected one of: info, low, medium, high, critical)")]
pub struct ParseSeverityError(pub String);

impl FromStr for Severity {
    type Err = ParseSeverityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|severity| severity.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| ParseSeverityError(s.to_owned()))
    }
}

/// The Kubernetes object a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ObjectRef {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

impl fmt::Display for ObjectRef {
    /// `Kind namespace/name`, `Kind name` or `Kind`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.kind)?;
        match (&self.namespace, &self.name) {
            (Some(namespace), Some(name)) => write!(f, " {namespace}/{name}"),
            (None, Some(name)) => write!(f, " {name}"),
            (Some(namespace), None) => write!(f, " in namespace {namespace}"),
            (None, None) => Ok(()),
        }
    }
}

/// One mapping of a rule to a standard, e.g. `cis-k8s:5.2.2`. Borrowed from
/// the rule's static metadata in the common case, so findings do not copy it.
pub type StandardTag = Cow<'static, str>;

/// One rule violation at a place in a source file.
///
/// The per-rule parts (code, name, help, standards) are usually borrowed from
/// static rule metadata, and the per-object parts are shared, so a finding
/// costs little more than its message.
#[derive(Clone, Debug)]
pub struct Finding {
    /// Stable code, e.g. `PSB002`.
    pub rule: Cow<'static, str>,
    /// Kebab-case rule name, e.g. `privileged-container`.
    pub rule_name: Cow<'static, str>,
    pub severity: Severity,
    pub message: String,
    /// One-line how-to-fix.
    pub help: Option<Cow<'static, str>>,
    pub file: SourceFile,
    /// Byte range of the offending field.
    pub range: TextRange,
    pub object: Option<Arc<ObjectRef>>,
    pub container: Option<String>,
    /// Standards references, e.g. `pss:baseline:privileged`, `cis-k8s:5.2.2`.
    pub standards: Cow<'static, [StandardTag]>,
    /// Helm template that produced the document (`# Source:`).
    pub helm_source: Option<Arc<str>>,
    /// The privilege is one a recognised agent's feature needs.
    pub explanation: Option<Arc<AgentExplanation>>,
    /// JSON pointer of the offending field inside its document
    /// (`/spec/template/spec/containers/0/securityContext/privileged`), when known.
    pub pointer: Option<String>,
}

/// Why a recognised agent holds the privilege a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AgentExplanation {
    /// The agent profile, e.g. `datadog-agent`.
    pub profile: String,
    /// The features that need the privilege.
    pub features: Vec<String>,
    /// One line: `needed by dogstatsd-origin-detection (DogStatsD origin detection)`.
    pub text: String,
    /// Reported as a note that does not fail the scan
    /// (`--agent-privileges explained`, the default).
    pub note: bool,
}

impl Finding {
    /// An explained agent privilege reported as a note: it never fails the scan.
    pub fn is_note(&self) -> bool {
        self.explanation.as_ref().is_some_and(|e| e.note)
    }
}

impl Finding {
    /// Whether the finding is about a live cluster object (`rampart scan --cluster`).
    pub fn is_cluster(&self) -> bool {
        self.file.is_cluster()
    }

    /// What locates a finding about a live cluster object, whose source
    /// lines mean nothing: `Kind namespace/name /json/pointer`. `None` for
    /// findings in files.
    pub fn cluster_location(&self) -> Option<String> {
        if !self.is_cluster() {
            return None;
        }
        let mut location = match &self.object {
            Some(object) => object.to_string(),
            None => self.file.name().to_string(),
        };
        if let Some(pointer) = &self.pointer {
            location.push(' ');
            location.push_str(pointer);
        }
        Some(location)
    }

    /// 1-based position of the start of the range.
    pub fn start(&self) -> Position {
        self.file.position(self.range.start)
    }

    /// 1-based position just past the end of the range (exclusive).
    pub fn end(&self) -> Position {
        self.file.position(self.range.end.max(self.range.start))
    }
}

/// A problem with the input itself (unreadable file, invalid YAML, ...).
#[derive(Clone, Debug)]
pub struct InputError {
    pub file: String,
    /// 1-based; 0 when unknown.
    pub line: usize,
    /// 1-based, in characters; 0 when unknown.
    pub column: usize,
    pub message: String,
    /// Source and range for a snippet in text output.
    pub source: Option<(SourceFile, TextRange)>,
}

impl InputError {
    /// An error about a whole file, without a position.
    pub fn new(file: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            line: 0,
            column: 0,
            message: message.into(),
            source: None,
        }
    }

    /// An error at `range` in `file`, with its position computed and a snippet.
    pub fn at(file: &SourceFile, range: TextRange, message: impl Into<String>) -> Self {
        let position = file.position(range.start);
        Self {
            file: file.name().to_owned(),
            line: position.line,
            column: position.column,
            message: message.into(),
            source: Some((file.clone(), range)),
        }
    }
}

/// One scanned Kubernetes object (the JSON `objects` array).
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectSummary {
    pub file: String,
    /// 1-based line where the document starts.
    pub line: usize,
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub helm_source: Option<String>,
    /// Pod Security Standards evaluation, `null` for non-pod objects.
    pub pss: serde_json::Value,
    /// A file, or a live cluster object.
    pub origin: Origin,
}

/// Metadata of a rule, for SARIF `tool.driver.rules`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleDescriptor {
    pub code: String,
    pub name: String,
    /// One line.
    pub summary: String,
    /// Full Markdown documentation.
    pub documentation: String,
    pub severity: Severity,
    pub help_uri: Option<String>,
    pub tags: Vec<String>,
}

/// A document or file that was read but holds no Kubernetes object to check
/// (Helm values, rule files, audit events, kustomize patches).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedInput {
    pub file: String,
    /// 1-based line of the document; 0 for a whole file.
    pub line: usize,
    pub reason: String,
}

/// A config-file exemption and what it did in this scan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExemptionStatus {
    pub file: String,
    pub line: usize,
    pub rules: Vec<String>,
    pub reason: String,
    /// Findings it suppressed.
    pub matched: usize,
    /// Past its `expires` date (it then suppresses nothing).
    pub expired: bool,
}

/// Everything one scan produced.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub objects: Vec<ObjectSummary>,
    pub findings: Vec<Finding>,
    pub errors: Vec<InputError>,
    pub skipped: Vec<SkippedInput>,
    /// Findings left out because an exemption covers them.
    pub suppressed: usize,
    /// The config file's exemptions, with their use.
    pub exemptions: Vec<ExemptionStatus>,
}

impl Report {
    /// Counts of objects, findings by severity and errors.
    pub fn summary(&self) -> Summary {
        let mut by_severity = [0; 5];
        let mut notes = 0;
        for finding in &self.findings {
            if finding.is_note() {
                notes += 1;
            } else {
                by_severity[finding.severity as usize] += 1;
            }
        }
        Summary {
            objects: self.objects.len(),
            findings: self.findings.len() - notes,
            notes,
            errors: self.errors.len(),
            by_severity,
        }
    }

    /// The highest severity among the findings.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// Whether any finding is at or above `threshold` (for `--fail-on`).
    pub fn has_findings_at_or_above(&self, threshold: Severity) -> bool {
        self.findings
            .iter()
            .any(|f| !f.is_note() && f.severity >= threshold)
    }

    /// The findings sorted by file, line, column, rule (the order every renderer uses).
    pub fn sorted_findings(&self) -> Vec<&Finding> {
        let mut keyed: Vec<_> = self
            .findings
            .iter()
            .map(|f| {
                let start = f.start();
                (
                    (f.file.name(), start.line, start.column, f.rule.as_ref()),
                    f,
                )
            })
            .collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        keyed.into_iter().map(|(_, f)| f).collect()
    }

    /// The input errors sorted by file, line, column (stable otherwise).
    pub fn sorted_errors(&self) -> Vec<&InputError> {
        let mut errors: Vec<_> = self.errors.iter().collect();
        errors.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        errors
    }

    /// The objects sorted by file, line (stable otherwise).
    pub fn sorted_objects(&self) -> Vec<&ObjectSummary> {
        let mut objects: Vec<_> = self.objects.iter().collect();
        objects.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        objects
    }
}

/// Counts over a [`Report`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Summary {
    pub objects: usize,
    /// Findings that count (explained agent privileges reported as notes excluded).
    pub findings: usize,
    /// Explained agent privileges reported as notes.
    pub notes: usize,
    pub errors: usize,
    /// Indexed by `Severity as usize` (info first).
    pub by_severity: [usize; 5],
}

impl Summary {
    /// Number of findings of exactly `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.by_severity[severity as usize]
    }
}

impl fmt::Display for Summary {
    /// `Found 3 findings (1 critical, 2 high) in 4 objects; 1 input error.`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.findings == 0 {
            f.write_str("No findings")?;
        } else {
            write!(f, "Found {}", plural(self.findings, "finding", "findings"))?;
            let parts: Vec<String> = Severity::ALL
                .iter()
                .rev()
                .filter(|s| self.count(**s) > 0)
                .map(|s| format!("{} {s}", self.count(*s)))
                .collect();
            write!(f, " ({})", parts.join(", "))?;
        }
        write!(f, " in {}", plural(self.objects, "object", "objects"))?;
        if self.notes > 0 {
            write!(
                f,
                "; {} explained by agent features (notes)",
                plural(self.notes, "privilege", "privileges")
            )?;
        }
        if self.errors > 0 {
            write!(
                f,
                "; {}",
                plural(self.errors, "input error", "input errors")
            )?;
        }
        f.write_str(".")
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}
