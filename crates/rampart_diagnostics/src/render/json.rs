//! The stable JSON contract, documented in `docs/json-output.md`.

use std::io::{self, Read, Seek, Write};

use serde::Serialize;

use crate::{
    AgentExplanation, ExemptionStatus, Finding, InputError, ObjectRef, ObjectSummary, Origin,
    Report, Severity, SkippedInput, StandardTag,
};

/// Version of the JSON contract; only additive changes within a version.
pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    objects: Vec<JsonObject<'a>>,
    findings: Vec<JsonFinding<'a>>,
    errors: Vec<JsonError<'a>>,
    skipped: Vec<JsonSkipped<'a>>,
    exemptions: &'a [ExemptionStatus],
    summary: JsonSummary,
}

#[derive(Serialize)]
struct JsonSkipped<'a> {
    file: &'a str,
    line: usize,
    reason: &'a str,
}

#[derive(Serialize)]
struct JsonObject<'a> {
    file: &'a str,
    line: usize,
    #[serde(rename = "apiVersion")]
    api_version: Option<&'a str>,
    kind: Option<&'a str>,
    namespace: Option<&'a str>,
    name: Option<&'a str>,
    helm_source: Option<&'a str>,
    pss: &'a serde_json::Value,
    /// `"cluster"` for a live object (`rampart scan --cluster`); absent for files.
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'static str>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    rule_name: &'a str,
    severity: Severity,
    message: &'a str,
    help: Option<&'a str>,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    object: Option<&'a ObjectRef>,
    container: Option<&'a str>,
    standards: &'a [StandardTag],
    helm_source: Option<&'a str>,
    /// Present when a recognised agent's feature needs the privilege.
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<&'a AgentExplanation>,
    /// JSON pointer of the field inside its document, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pointer: Option<&'a str>,
    /// `"cluster"` for a live object (`rampart scan --cluster`); absent for files.
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'static str>,
}

#[derive(Serialize)]
struct JsonError<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonSummary {
    objects: usize,
    /// Findings that count (notes excluded).
    findings: usize,
    /// Explained agent privileges reported as notes.
    notes: usize,
    errors: usize,
    skipped: usize,
    suppressed: usize,
    by_severity: BySeverity,
}

#[derive(Serialize)]
struct BySeverity {
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
    info: usize,
}

impl<'a> From<&'a ObjectSummary> for JsonObject<'a> {
    fn from(o: &'a ObjectSummary) -> Self {
        Self {
            file: &o.file,
            line: o.line,
            api_version: o.api_version.as_deref(),
            kind: o.kind.as_deref(),
            namespace: o.namespace.as_deref(),
            name: o.name.as_deref(),
            helm_source: o.helm_source.as_deref(),
            pss: &o.pss,
            source: source_of(o.origin),
        }
    }
}

impl<'a> From<&'a Finding> for JsonFinding<'a> {
    fn from(f: &'a Finding) -> Self {
        let start = f.start();
        let end = f.end();
        Self {
            rule: &f.rule,
            rule_name: &f.rule_name,
            severity: f.severity,
            message: &f.message,
            help: f.help.as_deref(),
            file: f.file.name(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            object: f.object.as_deref(),
            container: f.container.as_deref(),
            standards: &f.standards,
            helm_source: f.helm_source.as_deref(),
            explanation: f.explanation.as_deref(),
            pointer: f.pointer.as_deref(),
            source: source_of(f.file.origin()),
        }
    }
}

fn source_of(origin: Origin) -> Option<&'static str> {
    match origin {
        Origin::File => None,
        Origin::Cluster => Some("cluster"),
    }
}

impl<'a> From<&'a InputError> for JsonError<'a> {
    fn from(e: &'a InputError) -> Self {
        Self {
            file: &e.file,
            line: e.line,
            column: e.column,
            message: &e.message,
        }
    }
}

/// The JSON document for `report`, as a value.
pub fn json_value(report: &Report) -> serde_json::Result<serde_json::Value> {
    serde_json::to_value(document(report))
}

fn document(report: &Report) -> JsonReport<'_> {
    let summary = report.summary();
    JsonReport {
        version: JSON_VERSION,
        objects: report
            .sorted_objects()
            .into_iter()
            .map(Into::into)
            .collect(),
        findings: report
            .sorted_findings()
            .into_iter()
            .map(Into::into)
            .collect(),
        errors: report.sorted_errors().into_iter().map(Into::into).collect(),
        skipped: sorted_skipped(&report.skipped),
        exemptions: &report.exemptions,
        summary: JsonSummary {
            objects: summary.objects,
            findings: summary.findings,
            notes: summary.notes,
            errors: summary.errors,
            skipped: report.skipped.len(),
            suppressed: report.suppressed,
            by_severity: BySeverity {
                critical: summary.count(Severity::Critical),
                high: summary.count(Severity::High),
                medium: summary.count(Severity::Medium),
                low: summary.count(Severity::Low),
                info: summary.count(Severity::Info),
            },
        },
    }
}

fn sorted_skipped(skipped: &[SkippedInput]) -> Vec<JsonSkipped<'_>> {
    let mut sorted: Vec<&SkippedInput> = skipped.iter().collect();
    sorted.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    sorted
        .into_iter()
        .map(|s| JsonSkipped {
            file: &s.file,
            line: s.line,
            reason: &s.reason,
        })
        .collect()
}

/// Writes the report as pretty-printed JSON followed by a newline.
pub fn json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &document(report))?;
    writeln!(out)
}

/// Writes the JSON document in parts, so a scan need not hold every file's
/// source until the end: objects go straight to the output, findings to a
/// spool file that is copied in at [`JsonStream::finish`]. Parts must come in
/// file order; each part is sorted like [`json`]. The output is compact JSON.
pub struct JsonStream<'w, S: Read + Write + Seek> {
    out: &'w mut dyn Write,
    spool: io::BufWriter<S>,
    errors: Vec<u8>,
    skipped: Vec<u8>,
    exemptions: Vec<ExemptionStatus>,
    suppressed: usize,
    objects: usize,
    findings: usize,
    notes: usize,
    error_count: usize,
    skipped_count: usize,
    by_severity: [usize; 5],
}

impl<'w, S: Read + Write + Seek> JsonStream<'w, S> {
    /// Starts the document on `out`; `spool` is scratch space for findings.
    pub fn new(out: &'w mut dyn Write, spool: S) -> io::Result<Self> {
        write!(out, "{{\"version\":{JSON_VERSION},\"objects\":[")?;
        Ok(Self {
            out,
            spool: io::BufWriter::new(spool),
            errors: Vec::new(),
            skipped: Vec::new(),
            exemptions: Vec::new(),
            suppressed: 0,
            notes: 0,
            objects: 0,
            findings: 0,
            error_count: 0,
            skipped_count: 0,
            by_severity: [0; 5],
        })
    }

    /// Adds one part of the report.
    pub fn add(&mut self, part: &Report) -> io::Result<()> {
        for object in part.sorted_objects() {
            separator(&mut *self.out, self.objects)?;
            serde_json::to_writer(&mut *self.out, &JsonObject::from(object))?;
            self.objects += 1;
        }
        for finding in part.sorted_findings() {
            separator(&mut self.spool, self.findings)?;
            serde_json::to_writer(&mut self.spool, &JsonFinding::from(finding))?;
            self.findings += 1;
            if finding.is_note() {
                self.notes += 1;
            } else {
                self.by_severity[finding.severity as usize] += 1;
            }
        }
        for error in part.sorted_errors() {
            separator(&mut self.errors, self.error_count)?;
            serde_json::to_writer(&mut self.errors, &JsonError::from(error))?;
            self.error_count += 1;
        }
        self.suppressed += part.suppressed;
        self.exemptions.extend(part.exemptions.iter().cloned());
        for skipped in sorted_skipped(&part.skipped) {
            separator(&mut self.skipped, self.skipped_count)?;
            serde_json::to_writer(&mut self.skipped, &skipped)?;
            self.skipped_count += 1;
        }
        Ok(())
    }

    /// Writes the rest of the document.
    pub fn finish(self) -> io::Result<()> {
        write!(self.out, "],\"findings\":[")?;
        let mut spool = self.spool.into_inner().map_err(|e| e.into_error())?;
        spool.rewind()?;
        io::copy(&mut spool, &mut *self.out)?;
        write!(self.out, "],\"errors\":[")?;
        self.out.write_all(&self.errors)?;
        write!(self.out, "],\"skipped\":[")?;
        self.out.write_all(&self.skipped)?;
        write!(self.out, "],\"exemptions\":")?;
        serde_json::to_writer(&mut *self.out, &self.exemptions)?;
        write!(self.out, ",\"summary\":")?;
        let count = |s: Severity| self.by_severity[s as usize];
        let summary = JsonSummary {
            objects: self.objects,
            findings: self.findings - self.notes,
            notes: self.notes,
            errors: self.error_count,
            skipped: self.skipped_count,
            suppressed: self.suppressed,
            by_severity: BySeverity {
                critical: count(Severity::Critical),
                high: count(Severity::High),
                medium: count(Severity::Medium),
                low: count(Severity::Low),
                info: count(Severity::Info),
            },
        };
        serde_json::to_writer(&mut *self.out, &summary)?;
        writeln!(self.out, "}}")
    }
}

fn separator(out: &mut dyn Write, written: usize) -> io::Result<()> {
    if written > 0 {
        out.write_all(b",\n")
    } else {
        out.write_all(b"\n")
    }
}
