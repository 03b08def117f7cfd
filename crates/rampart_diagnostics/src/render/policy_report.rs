//! Policy reports as Kubernetes resources: the OpenReports API
//! (`openreports.io/v1alpha1` `Report`/`ClusterReport`) or its predecessor,
//! the Policy WG's `wgpolicyk8s.io/v1alpha2` `PolicyReport`/`ClusterPolicyReport`
//! (as Kyverno and policy-reporter read them). Documented in
//! `docs/output-formats.md`.
//!
//! The YAML is written by hand: block mappings with fixed plain keys, and
//! every string double-quoted with JSON-style escapes (valid YAML 1.1 and 1.2).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::io::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::{Finding, InputError, ObjectRef, Report, Severity};

/// The `source` of every result (and of OpenReports reports).
const SOURCE: &str = "rampart";
/// Name of the report holding cluster-scoped objects.
const CLUSTER_REPORT_NAME: &str = "rampart-cluster";
/// Prefix of the name of a namespace's report.
const REPORT_NAME_PREFIX: &str = "rampart-";
/// `policy` of the results standing for input errors.
const INPUT_ERROR_POLICY: &str = "input-error";

/// Which policy report API to emit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PolicyReportApi {
    /// `openreports.io/v1alpha1`: `Report` and `ClusterReport`.
    #[default]
    OpenReports,
    /// `wgpolicyk8s.io/v1alpha2`: `PolicyReport` and `ClusterPolicyReport`.
    WgPolicyV1Alpha2,
}

impl PolicyReportApi {
    /// The `apiVersion` of the emitted reports.
    pub const fn api_version(self) -> &'static str {
        match self {
            PolicyReportApi::OpenReports => "openreports.io/v1alpha1",
            PolicyReportApi::WgPolicyV1Alpha2 => "wgpolicyk8s.io/v1alpha2",
        }
    }

    /// The kind of a namespace's report.
    pub const fn namespaced_kind(self) -> &'static str {
        match self {
            PolicyReportApi::OpenReports => "Report",
            PolicyReportApi::WgPolicyV1Alpha2 => "PolicyReport",
        }
    }

    /// The kind of the report of cluster-scoped objects.
    pub const fn cluster_kind(self) -> &'static str {
        match self {
            PolicyReportApi::OpenReports => "ClusterReport",
            PolicyReportApi::WgPolicyV1Alpha2 => "ClusterPolicyReport",
        }
    }
}

/// The `category` of a rule, from its code's family prefix.
fn rule_category(code: &str) -> &'static str {
    const FAMILIES: [(&str, &str); 8] = [
        ("PS", "Pod Security Standards"),
        ("WL", "Workload"),
        ("IM", "Images"),
        ("SE", "Secrets"),
        ("RB", "RBAC"),
        ("CP", "Control plane"),
        ("NS", "Namespaces"),
        ("NP", "Network"),
    ];
    FAMILIES
        .iter()
        .find(|(prefix, _)| code.starts_with(prefix))
        .map_or("Other", |(_, category)| category)
}

/// The `result` of a finding: critical/high/medium fail, low/info warn.
fn result_of(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High | Severity::Medium => "fail",
        Severity::Low | Severity::Info => "warn",
    }
}

/// What goes into one report: a namespace's, or the cluster's (`None`).
#[derive(Default)]
struct Scope<'a> {
    /// Objects without findings.
    pass: usize,
    findings: Vec<&'a Finding>,
    errors: Vec<&'a InputError>,
}

type ObjectKey<'a> = (&'a str, Option<&'a str>, Option<&'a str>);

fn key_of(object: &ObjectRef) -> ObjectKey<'_> {
    (
        object.kind.as_str(),
        object.namespace.as_deref(),
        object.name.as_deref(),
    )
}

/// Writes the report as a multi-document YAML stream: one report per
/// namespace (in namespace order) after the cluster report, which is always
/// written so that applying the output replaces an older one.
pub fn policy_report(report: &Report, api: PolicyReportApi, out: &mut dyn Write) -> io::Result<()> {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    out.write_all(render(report, api, seconds).as_bytes())
}

fn render(report: &Report, api: PolicyReportApi, seconds: u64) -> String {
    let mut api_versions: HashMap<ObjectKey<'_>, &str> = HashMap::new();
    for object in &report.objects {
        if let Some(api_version) = &object.api_version {
            api_versions
                .entry((
                    object.kind.as_deref().unwrap_or(""),
                    object.namespace.as_deref(),
                    object.name.as_deref(),
                ))
                .or_insert(api_version);
        }
    }

    let mut scopes: BTreeMap<Option<&str>, Scope<'_>> = BTreeMap::new();
    scopes.insert(None, Scope::default());
    let findings = report.sorted_findings();
    let mut with_findings: HashSet<ObjectKey<'_>> = HashSet::new();
    for finding in &findings {
        let namespace = finding.object.as_ref().and_then(|o| o.namespace.as_deref());
        if let Some(object) = &finding.object {
            with_findings.insert(key_of(object));
        }
        scopes.entry(namespace).or_default().findings.push(finding);
    }
    for object in report.sorted_objects() {
        let key = (
            object.kind.as_deref().unwrap_or(""),
            object.namespace.as_deref(),
            object.name.as_deref(),
        );
        let scope = scopes.entry(object.namespace.as_deref()).or_default();
        if !with_findings.contains(&key) {
            scope.pass += 1;
        }
    }
    if let Some(cluster) = scopes.get_mut(&None) {
        cluster.errors = report.sorted_errors();
    }

    let mut yaml = String::with_capacity(4096);
    for (namespace, scope) in &scopes {
        write_report(&mut yaml, api, *namespace, scope, &api_versions, seconds);
    }
    yaml
}

fn write_report(
    yaml: &mut String,
    api: PolicyReportApi,
    namespace: Option<&str>,
    scope: &Scope<'_>,
    api_versions: &HashMap<ObjectKey<'_>, &str>,
    seconds: u64,
) {
    yaml.push_str("---\n");
    let _ = writeln!(yaml, "apiVersion: {}", quote(api.api_version()));
    match namespace {
        Some(namespace) => {
            let _ = writeln!(yaml, "kind: {}", quote(api.namespaced_kind()));
            yaml.push_str("metadata:\n");
            let _ = writeln!(
                yaml,
                "  name: {}",
                quote(&format!("{REPORT_NAME_PREFIX}{namespace}"))
            );
            let _ = writeln!(yaml, "  namespace: {}", quote(namespace));
        }
        None => {
            let _ = writeln!(yaml, "kind: {}", quote(api.cluster_kind()));
            yaml.push_str("metadata:\n");
            let _ = writeln!(yaml, "  name: {}", quote(CLUSTER_REPORT_NAME));
        }
    }
    yaml.push_str("  labels:\n");
    let _ = writeln!(yaml, "    app.kubernetes.io/managed-by: {}", quote(SOURCE));
    if api == PolicyReportApi::OpenReports {
        // Only OpenReports has a report-level source.
        let _ = writeln!(yaml, "source: {}", quote(SOURCE));
    }

    let fail = scope
        .findings
        .iter()
        .filter(|f| result_of(f.severity) == "fail")
        .count();
    let warn = scope.findings.len() - fail;
    yaml.push_str("summary:\n");
    let _ = writeln!(yaml, "  pass: {}", scope.pass);
    let _ = writeln!(yaml, "  fail: {fail}");
    let _ = writeln!(yaml, "  warn: {warn}");
    let _ = writeln!(yaml, "  error: {}", scope.errors.len());
    yaml.push_str("  skip: 0\n");

    if scope.findings.is_empty() && scope.errors.is_empty() {
        yaml.push_str("results: []\n");
        return;
    }
    yaml.push_str("results:\n");
    for finding in &scope.findings {
        write_finding(yaml, finding, api_versions, seconds);
    }
    for error in &scope.errors {
        write_error(yaml, error, seconds);
    }
}

fn write_finding(
    yaml: &mut String,
    finding: &Finding,
    api_versions: &HashMap<ObjectKey<'_>, &str>,
    seconds: u64,
) {
    let _ = writeln!(yaml, "  - source: {}", quote(SOURCE));
    let _ = writeln!(yaml, "    policy: {}", quote(&finding.rule));
    let _ = writeln!(yaml, "    rule: {}", quote(&finding.rule_name));
    let _ = writeln!(
        yaml,
        "    category: {}",
        quote(rule_category(&finding.rule))
    );
    let _ = writeln!(yaml, "    result: {}", quote(result_of(finding.severity)));
    let _ = writeln!(yaml, "    severity: {}", quote(finding.severity.as_str()));
    yaml.push_str("    scored: true\n");
    let _ = writeln!(yaml, "    message: {}", quote(&finding.message));
    write_timestamp(yaml, seconds);
    if let Some(object) = &finding.object {
        yaml.push_str("    resources:\n");
        let mut first = true;
        let mut field = |yaml: &mut String, key: &str, value: &str| {
            let lead = if first { "      - " } else { "        " };
            first = false;
            let _ = writeln!(yaml, "{lead}{key}: {}", quote(value));
        };
        if let Some(api_version) = api_versions.get(&key_of(object)) {
            field(yaml, "apiVersion", api_version);
        }
        field(yaml, "kind", &object.kind);
        if let Some(name) = &object.name {
            field(yaml, "name", name);
        }
        if let Some(namespace) = &object.namespace {
            field(yaml, "namespace", namespace);
        }
    }
    let start = finding.start();
    yaml.push_str("    properties:\n");
    let mut property = |key: &str, value: &str| {
        let _ = writeln!(yaml, "      {key}: {}", quote(value));
    };
    property("file", finding.file.name());
    if finding.is_cluster() {
        // A live object: the pointer locates the field, lines mean nothing.
        if let Some(pointer) = &finding.pointer {
            property("pointer", pointer);
        }
    } else {
        property("line", &start.line.to_string());
        property("column", &start.column.to_string());
    }
    if let Some(container) = &finding.container {
        property("container", container);
    }
    if !finding.standards.is_empty() {
        property("standards", &finding.standards.join(","));
    }
    if let Some(help) = &finding.help {
        property("help", help);
    }
    if let Some(source) = &finding.helm_source {
        property("helmSource", source);
    }
}

fn write_error(yaml: &mut String, error: &InputError, seconds: u64) {
    let _ = writeln!(yaml, "  - source: {}", quote(SOURCE));
    let _ = writeln!(yaml, "    policy: {}", quote(INPUT_ERROR_POLICY));
    let _ = writeln!(yaml, "    category: {}", quote("Input"));
    let _ = writeln!(yaml, "    result: {}", quote("error"));
    yaml.push_str("    scored: true\n");
    let _ = writeln!(yaml, "    message: {}", quote(&error.message));
    write_timestamp(yaml, seconds);
    yaml.push_str("    properties:\n");
    let _ = writeln!(yaml, "      file: {}", quote(&error.file));
    if error.line > 0 {
        let _ = writeln!(yaml, "      line: {}", quote(&error.line.to_string()));
        if error.column > 0 {
            let _ = writeln!(yaml, "      column: {}", quote(&error.column.to_string()));
        }
    }
}

fn write_timestamp(yaml: &mut String, seconds: u64) {
    yaml.push_str("    timestamp:\n");
    let _ = writeln!(yaml, "      seconds: {seconds}");
    yaml.push_str("      nanos: 0\n");
}

/// A double-quoted YAML scalar. Escapes what JSON escapes plus the characters
/// YAML does not allow raw (DEL, C1 controls, U+FFFE/U+FFFF) or reads as line
/// breaks in YAML 1.1 (NEL, U+2028, U+2029), and a stray BOM.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0'..='\u{1F}'
            | '\u{7F}'..='\u{9F}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{FEFF}'
            | '\u{FFFE}'
            | '\u{FFFF}' => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote("plain"), r#""plain""#);
        assert_eq!(quote("a \"b\" \\ c"), r#""a \"b\" \\ c""#);
        assert_eq!(quote("l1\nl2\t\r"), r#""l1\nl2\t\r""#);
        assert_eq!(quote("\u{1b}[0m\u{7f}\u{85}"), r#""\u001B[0m\u007F\u0085""#);
        assert_eq!(quote("\u{2028}\u{FEFF}"), r#""\u2028\uFEFF""#);
        assert_eq!(quote("grüße 📈: - #"), "\"grüße 📈: - #\"");
    }

    #[test]
    fn categories() {
        assert_eq!(rule_category("PSB001"), "Pod Security Standards");
        assert_eq!(rule_category("PSR003"), "Pod Security Standards");
        assert_eq!(rule_category("WL001"), "Workload");
        assert_eq!(rule_category("IM002"), "Images");
        assert_eq!(rule_category("SE001"), "Secrets");
        assert_eq!(rule_category("RB001"), "RBAC");
        assert_eq!(rule_category("CP001"), "Control plane");
        assert_eq!(rule_category("NS001"), "Namespaces");
        assert_eq!(rule_category("NP001"), "Network");
        assert_eq!(rule_category("XX001"), "Other");
        assert_eq!(rule_category(""), "Other");
    }

    #[test]
    fn severities_map_to_results() {
        assert_eq!(result_of(Severity::Critical), "fail");
        assert_eq!(result_of(Severity::Medium), "fail");
        assert_eq!(result_of(Severity::Low), "warn");
        assert_eq!(result_of(Severity::Info), "warn");
    }
}
