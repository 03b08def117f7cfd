//! SARIF 2.1.0 output (for GitHub code scanning and other SARIF viewers).

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use rampart_source::{Position, TextRange};
use serde_json::{Value, json};
use serde_sarif::sarif::{
    ArtifactContent, ArtifactLocation, Invocation, Location, LogicalLocation, Message,
    MultiformatMessageString, Notification, PhysicalLocation, PropertyBag, Region,
    ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif,
    Tool, ToolComponent,
};

use super::floor_char_boundary;
use crate::{Finding, InputError, Report, RuleDescriptor, Severity};

/// `tool.driver.informationUri`.
pub const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");
/// `$schema` of the emitted log.
const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Base id of relative artifact URIs (the scanned repository's root).
const SRCROOT: &str = "%SRCROOT%";
/// Key of the stable fingerprint in `partialFingerprints`.
const FINGERPRINT_KEY: &str = "rampartFingerprint/v1";
/// Regions longer than this carry no `snippet`.
const MAX_SNIPPET_BYTES: usize = 4096;

/// Writes the report as a pretty-printed SARIF 2.1.0 log with one run.
///
/// `rules` become `tool.driver.rules`; findings whose rule is missing there get
/// a minimal descriptor so that every `ruleIndex` is valid.
pub fn sarif(
    report: &Report,
    rules: &[RuleDescriptor],
    tool_version: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    let log = sarif_log(report, rules, tool_version);
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

/// The SARIF log for `report`, as a typed value.
pub fn sarif_log(report: &Report, rules: &[RuleDescriptor], tool_version: &str) -> Sarif {
    let mut descriptors: Vec<ReportingDescriptor> = Vec::with_capacity(rules.len());
    let mut rule_index: HashMap<&str, usize> = HashMap::new();
    for rule in rules {
        if !rule_index.contains_key(rule.code.as_str()) {
            rule_index.insert(&rule.code, descriptors.len());
            descriptors.push(descriptor(rule));
        }
    }
    let findings = report.sorted_findings();
    for finding in &findings {
        if !rule_index.contains_key(finding.rule.as_ref()) {
            rule_index.insert(&finding.rule, descriptors.len());
            descriptors.push(descriptor(&RuleDescriptor {
                code: finding.rule.to_string(),
                name: finding.rule_name.to_string(),
                summary: finding.rule_name.to_string(),
                documentation: String::new(),
                severity: finding.severity,
                help_uri: None,
                tags: Vec::new(),
            }));
        }
    }

    let mut occurrences: HashMap<String, usize> = HashMap::new();
    let results: Vec<SarifResult> = findings
        .iter()
        .map(|finding| {
            let index = rule_index.get(finding.rule.as_ref()).copied().unwrap_or(0);
            let hash = fingerprint(finding);
            let seen = occurrences.entry(hash.clone()).or_insert(0);
            *seen += 1;
            result(finding, index, format!("{hash}:{seen}"))
        })
        .collect();

    let mut invocation = Invocation::builder()
        .execution_successful(report.errors.is_empty())
        .build();
    if !report.errors.is_empty() {
        invocation.tool_execution_notifications = Some(
            report
                .sorted_errors()
                .into_iter()
                .map(notification)
                .collect(),
        );
    }

    let driver = ToolComponent::builder()
        .name("rampart")
        .version(tool_version)
        .information_uri(INFORMATION_URI)
        .rules(descriptors)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .invocations(vec![invocation])
        .results(results)
        .column_kind(json!("unicodeCodePoints"))
        .build();
    Sarif::builder()
        .schema(SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build()
}

/// The SARIF level of a severity.
fn level_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "note",
    }
}

fn result_level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium | Severity::Low => ResultLevel::Warning,
        Severity::Info => ResultLevel::Note,
    }
}

fn text(text: &str) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(text).build()
}

fn descriptor(rule: &RuleDescriptor) -> ReportingDescriptor {
    let documentation = if rule.documentation.is_empty() {
        &rule.summary
    } else {
        &rule.documentation
    };
    let mut tags = rule.tags.clone();
    // GitHub code scanning treats a rule as a security rule only with this tag.
    if !tags.iter().any(|t| t == "security") {
        tags.push("security".to_owned());
    }
    let mut properties = BTreeMap::new();
    properties.insert(
        "security-severity".to_owned(),
        json!(rule.severity.security_severity()),
    );
    let mut descriptor = ReportingDescriptor::builder()
        .id(rule.code.as_str())
        .name(rule.name.as_str())
        .short_description(text(&rule.summary))
        .full_description(text(&rule.summary))
        .help(
            MultiformatMessageString::builder()
                .text(documentation.as_str())
                .markdown(documentation.as_str())
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(level_name(rule.severity)))
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(tags)
                .additional_properties(properties)
                .build(),
        )
        .build();
    descriptor.help_uri = rule.help_uri.clone();
    descriptor
}

fn result(finding: &Finding, rule_index: usize, fingerprint: String) -> SarifResult {
    let mut properties = BTreeMap::new();
    properties.insert("severity".to_owned(), json!(finding.severity));
    if let Some(object) = &finding.object {
        properties.insert("object".to_owned(), json!(object.as_ref()));
    }
    if let Some(container) = &finding.container {
        properties.insert("container".to_owned(), json!(container));
    }
    properties.insert("standards".to_owned(), json!(finding.standards));
    if let Some(source) = &finding.helm_source {
        properties.insert("helmSource".to_owned(), json!(source.as_ref()));
    }
    if let Some(pointer) = &finding.pointer {
        properties.insert("pointer".to_owned(), json!(pointer));
    }
    if let Some(explanation) = &finding.explanation {
        properties.insert("explanation".to_owned(), json!(explanation.as_ref()));
    }
    let mut partial_fingerprints = BTreeMap::new();
    partial_fingerprints.insert(FINGERPRINT_KEY.to_owned(), fingerprint);

    SarifResult::builder()
        .rule_id(finding.rule.as_ref())
        .rule_index(i64::try_from(rule_index).unwrap_or(i64::MAX))
        .level(if finding.is_note() {
            ResultLevel::Note
        } else {
            result_level(finding.severity)
        })
        .message(Message::builder().text(finding.message.as_str()).build())
        .locations(vec![location(finding)])
        .partial_fingerprints(partial_fingerprints)
        .properties(
            PropertyBag::builder()
                .additional_properties(properties)
                .build(),
        )
        .build()
}

/// Where the finding is: a region of a file, or, for a live cluster object
/// (whose source lines mean nothing), the object's URI and a logical location
/// `Kind/namespace/name` (the pointer is in the properties).
fn location(finding: &Finding) -> Location {
    if finding.is_cluster() {
        let mut physical = PhysicalLocation::builder()
            .artifact_location(ArtifactLocation::builder().uri(finding.file.name()).build())
            .build();
        physical.region = None;
        let mut location = Location::builder().physical_location(physical).build();
        if let Some(object) = &finding.object {
            let mut name = object.kind.clone();
            for part in [&object.namespace, &object.name].into_iter().flatten() {
                name.push('/');
                name.push_str(part);
            }
            location.logical_locations = Some(vec![
                LogicalLocation::builder()
                    .fully_qualified_name(name)
                    .kind("resource")
                    .build(),
            ]);
        }
        return location;
    }
    Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(artifact_location(finding.file.name()))
                .region(region(finding))
                .build(),
        )
        .build()
}

fn int(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn region(finding: &Finding) -> Region {
    let text = finding.file.text();
    let range: TextRange = finding.range;
    let start = floor_char_boundary(text, range.start);
    let mut end = floor_char_boundary(text, range.end).max(start);
    // A trailing line break is not part of the region: endLine is the line of
    // its last character.
    let covered = &text[start..end];
    let trimmed = covered.trim_end_matches(['\n', '\r']);
    if !trimmed.is_empty() {
        end = start + trimmed.len();
    }
    let start_pos: Position = finding.file.position(start);
    let end_pos: Position = finding.file.position(end);
    let snippet = &text[start..end];
    let mut region = Region::builder()
        .start_line(int(start_pos.line))
        .start_column(int(start_pos.column))
        .end_line(int(end_pos.line))
        .end_column(int(end_pos.column))
        .char_offset(int(text[..start].chars().count()))
        .char_length(int(snippet.chars().count()))
        .build();
    if snippet.len() <= MAX_SNIPPET_BYTES {
        region.snippet = Some(ArtifactContent::builder().text(snippet).build());
    }
    region
}

fn notification(error: &InputError) -> Notification {
    let mut physical = PhysicalLocation::builder()
        .artifact_location(artifact_location(&error.file))
        .build();
    if error.line > 0 {
        let mut region = Region::builder().start_line(int(error.line)).build();
        if error.column > 0 {
            region.start_column = Some(int(error.column));
        }
        physical.region = Some(region);
    }
    Notification::builder()
        .level(json!("error"))
        .message(Message::builder().text(error.message.as_str()).build())
        .locations(vec![
            Location::builder().physical_location(physical).build(),
        ])
        .build()
}

/// `uri` (+ `uriBaseId` when relative) for a path as given on the command line.
fn artifact_location(path: &str) -> ArtifactLocation {
    let (uri, relative) = path_to_uri(path);
    let mut location = ArtifactLocation::builder().uri(uri).build();
    if relative {
        location.uri_base_id = Some(SRCROOT.to_owned());
    }
    location
}

/// Converts a file path to a URI reference; returns whether it is relative.
pub(crate) fn path_to_uri(path: &str) -> (String, bool) {
    let path = path.replace('\\', "/");
    let bytes = path.as_bytes();
    if bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/' {
        // Windows drive path: file:///C:/dir/file
        let (drive, rest) = path.split_at(2);
        return (format!("file:///{drive}{}", encode(rest, true)), false);
    }
    if path.starts_with('/') {
        return (format!("file://{}", encode(&path, true)), false);
    }
    let mut relative = path.as_str();
    while let Some(rest) = relative.strip_prefix("./") {
        relative = rest;
    }
    // A ':' in a relative reference could be read as a scheme: encode it.
    (encode(relative, false), true)
}

/// Percent-encodes everything but unreserved characters, sub-delims, `/`, `@`
/// (and `:` when `keep_colon`).
fn encode(path: &str, keep_colon: bool) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        let keep = b.is_ascii_alphanumeric()
            || b"-._~!$&'()*+,;=/@".contains(&b)
            || (keep_colon && b == b':');
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A stable hash of rule, file, object, container and message (not of lines),
/// so that alerts survive unrelated edits.
fn fingerprint(finding: &Finding) -> String {
    let mut hash = Fnv64::new();
    hash.field(&finding.rule);
    hash.field(finding.file.name());
    match &finding.object {
        Some(object) => {
            hash.field(&object.kind);
            hash.field(object.namespace.as_deref().unwrap_or(""));
            hash.field(object.name.as_deref().unwrap_or(""));
        }
        None => {
            hash.field("");
            hash.field("");
            hash.field("");
        }
    }
    hash.field(finding.container.as_deref().unwrap_or(""));
    hash.field(&finding.message);
    format!("{:016x}", hash.0)
}

/// FNV-1a, 64 bits: tiny, fixed forever, good enough for fingerprints.
struct Fnv64(u64);

impl Fnv64 {
    fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    fn field(&mut self, value: &str) {
        for &b in value.as_bytes().iter().chain(&[0xff]) {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// JSON of a SARIF log, for tests and callers wanting a value.
pub fn sarif_value(report: &Report, rules: &[RuleDescriptor], tool_version: &str) -> Value {
    serde_json::to_value(sarif_log(report, rules, tool_version)).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(path_to_uri("a/b.yaml"), ("a/b.yaml".into(), true));
        assert_eq!(path_to_uri("./a/b.yaml"), ("a/b.yaml".into(), true));
        assert_eq!(path_to_uri("a\\b c.yaml"), ("a/b%20c.yaml".into(), true));
        assert_eq!(path_to_uri("c:x.yaml"), ("c%3Ax.yaml".into(), true));
        assert_eq!(
            path_to_uri("déjà.yaml"),
            ("d%C3%A9j%C3%A0.yaml".into(), true)
        );
        assert_eq!(
            path_to_uri("/tmp/x#1.yaml"),
            ("file:///tmp/x%231.yaml".into(), false)
        );
        assert_eq!(
            path_to_uri("C:\\k8s\\a.yaml"),
            ("file:///C:/k8s/a.yaml".into(), false)
        );
    }

    #[test]
    fn fnv_is_stable() {
        let mut h = Fnv64::new();
        h.field("");
        // FNV-1a of the single byte 0xff.
        assert_eq!(h.0, 0xaf64_724c_8602_eb6e);
    }
}
