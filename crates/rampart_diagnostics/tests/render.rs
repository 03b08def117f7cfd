//! Snapshot and contract tests of the text, JSON and SARIF renderers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use rampart_diagnostics::render::{self, TextOptions};
use rampart_diagnostics::{
    Finding, InputError, ObjectRef, ObjectSummary, Report, RuleDescriptor, Severity, SkippedInput,
};
use rampart_source::{SourceFile, TextRange};
use serde_json::{Value, json};

const DAEMONSET: &str = r#"apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: datadog-agent
  namespace: datadog
  annotations:
    description: "Agent de surveillance — collecte des métriques 📈"
spec:
  selector:
    matchLabels:
      app: datadog-agent
  template:
    metadata:
      labels:
        app: datadog-agent
    spec:
      hostPID: true
      containers:
        - name: agent
          image: "gcr.io/datadoghq/agent:latest"
          securityContext:
            privileged: true
          env:
            - name: GREETING
              value: "grüße"
"#;

const HELM_POD: &str = "---
# Source: web/templates/pod.yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: nginx
      image: nginx:1.27
      securityContext:
        allowPrivilegeEscalation: true
";

const BROKEN: &str = "apiVersion: v1\nkind: ConfigMap\ndata: [a, b\n";

/// The byte range of the `nth` occurrence (0-based) of `needle`.
fn range_of(text: &str, needle: &str) -> TextRange {
    let start = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not found"));
    TextRange::new(start, start + needle.len())
}

fn daemonset_ref() -> ObjectRef {
    ObjectRef {
        kind: "DaemonSet".into(),
        namespace: Some("datadog".into()),
        name: Some("datadog-agent".into()),
    }
}

#[allow(clippy::too_many_arguments)]
fn finding(
    file: &SourceFile,
    needle: &str,
    rule: &str,
    rule_name: &str,
    severity: Severity,
    message: &str,
    help: Option<&str>,
    container: Option<&str>,
    standards: &[&str],
) -> Finding {
    Finding {
        rule: rule.to_string().into(),
        rule_name: rule_name.to_string().into(),
        severity,
        message: message.into(),
        help: help.map(|h| h.to_string().into()),
        file: file.clone(),
        range: range_of(file.text(), needle),
        object: Some(daemonset_ref().into()),
        container: container.map(Into::into),
        standards: standards.iter().map(|s| s.to_string().into()).collect(),
        helm_source: None,
        explanation: None,
        pointer: None,
    }
}

fn sample_report() -> Report {
    let ds = SourceFile::new("examples/datadog/daemonset.yaml", DAEMONSET);
    let pod = SourceFile::new("rendered/web.yaml", HELM_POD);
    let broken = SourceFile::new("manifests/broken.yaml", BROKEN);

    // Deliberately out of order: renderers sort by file, line, column, rule.
    let mut findings = vec![
        finding(
            &ds,
            "privileged: true",
            "PSB002",
            "privileged-container",
            Severity::High,
            "container \"agent\" must not set securityContext.privileged=true",
            Some("remove securityContext.privileged or set it to false"),
            Some("agent"),
            &["pss:baseline:privileged", "cis-k8s:5.2.1", "mitre:T1611"],
        ),
        finding(
            &ds,
            "hostPID: true",
            "PSB001",
            "host-namespaces",
            Severity::Critical,
            "pod must not share the host's process namespace (hostPID=true)",
            Some("remove spec.hostPID or set it to false"),
            None,
            &["pss:baseline:host-namespaces", "cis-k8s:5.2.3"],
        ),
        finding(
            &ds,
            "\"gcr.io/datadoghq/agent:latest\"",
            "IMG001",
            "latest-tag",
            Severity::Medium,
            "container \"agent\" uses the mutable tag \":latest\"",
            Some("pin the image to a version or a digest"),
            Some("agent"),
            &[],
        ),
        finding(
            &ds,
            "name: agent",
            "RES001",
            "missing-resource-limits",
            Severity::Low,
            "container \"agent\" has no resources.limits",
            None,
            Some("agent"),
            &["cis-k8s:5.7.4"],
        ),
        finding(
            &ds,
            "\"grüße\"",
            "ENV001",
            "literal-env-value",
            Severity::Info,
            "environment variable \"GREETING\" has the literal value «grüße»",
            Some("consider a ConfigMap or Secret reference"),
            Some("agent"),
            &[],
        ),
    ];
    findings.push(Finding {
        rule: "PSR001".into(),
        rule_name: "allow-privilege-escalation".into(),
        severity: Severity::Medium,
        message: "container \"nginx\" must set securityContext.allowPrivilegeEscalation=false"
            .into(),
        help: Some("set securityContext.allowPrivilegeEscalation to false".into()),
        file: pod.clone(),
        range: range_of(HELM_POD, "allowPrivilegeEscalation: true"),
        object: Some(
            ObjectRef {
                kind: "Pod".into(),
                namespace: None,
                name: Some("web".into()),
            }
            .into(),
        ),
        container: Some("nginx".into()),
        standards: vec!["pss:restricted:allowPrivilegeEscalation".into()].into(),
        helm_source: Some("web/templates/pod.yaml".into()),
        explanation: None,
        pointer: None,
    });

    let objects = vec![
        ObjectSummary {
            file: "rendered/web.yaml".into(),
            line: 2,
            api_version: Some("v1".into()),
            kind: Some("Pod".into()),
            namespace: None,
            name: Some("web".into()),
            helm_source: Some("web/templates/pod.yaml".into()),
            origin: Default::default(),
            pss: json!({
                "level": "baseline",
                "version": "latest",
                "allowed": true,
                "violations": []
            }),
        },
        ObjectSummary {
            file: "examples/datadog/daemonset.yaml".into(),
            line: 1,
            api_version: Some("apps/v1".into()),
            kind: Some("DaemonSet".into()),
            namespace: Some("datadog".into()),
            name: Some("datadog-agent".into()),
            helm_source: None,
            origin: Default::default(),
            pss: json!({
                "level": "baseline",
                "version": "latest",
                "allowed": false,
                "violations": [
                    {"check": "hostNamespaces", "reason": "host namespaces", "detail": "hostPID=true"},
                    {"check": "privileged", "reason": "privileged", "detail": "container \"agent\" must not set securityContext.privileged=true"}
                ]
            }),
        },
    ];

    let errors = vec![
        InputError::new(
            "manifests/missing.yaml",
            "cannot read file: No such file or directory (os error 2)",
        ),
        InputError::at(
            &broken,
            TextRange::empty(BROKEN.len() - 1),
            "invalid YAML: did not find expected ',' or ']'",
        ),
    ];

    Report {
        objects,
        findings,
        errors,
        suppressed: 0,
        exemptions: Vec::new(),
        skipped: vec![SkippedInput {
            file: "manifests/values.yaml".into(),
            line: 1,
            reason: "no apiVersion and no object fields".into(),
        }],
    }
}

fn rules() -> Vec<RuleDescriptor> {
    let rule = |code: &str, name: &str, summary: &str, severity, tags: &[&str]| RuleDescriptor {
        code: code.into(),
        name: name.into(),
        summary: summary.into(),
        documentation: format!(
            "# {name}\n\n{summary}.\n\n## Why\n\nSee the Pod Security Standards — « baseline ».\n"
        ),
        severity,
        help_uri: Some(format!("https://example.invalid/rampart/rules/{code}")),
        tags: tags.iter().map(|t| t.to_string()).collect(),
    };
    // ENV001 is left out on purpose: the renderer must synthesize it.
    vec![
        rule(
            "PSB001",
            "host-namespaces",
            "Pods must not share host namespaces",
            Severity::Critical,
            &["security", "pss"],
        ),
        rule(
            "PSB002",
            "privileged-container",
            "Containers must not run privileged",
            Severity::High,
            &["pss"],
        ),
        rule(
            "PSR001",
            "allow-privilege-escalation",
            "Containers must disallow privilege escalation",
            Severity::Medium,
            &["pss"],
        ),
        rule(
            "IMG001",
            "latest-tag",
            "Images must be pinned",
            Severity::Medium,
            &["supply-chain"],
        ),
        rule(
            "RES001",
            "missing-resource-limits",
            "Containers should set resource limits",
            Severity::Low,
            &[],
        ),
    ]
}

fn text_of(report: &Report, options: TextOptions) -> String {
    let mut out = Vec::new();
    render::text(report, &options, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn json_of(report: &Report) -> String {
    let mut out = Vec::new();
    render::json(report, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn sarif_of(report: &Report) -> String {
    let mut out = Vec::new();
    render::sarif(report, &rules(), "0.1.0-test", &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

const PLAIN: TextOptions = TextOptions {
    color: false,
    show_snippets: true,
};

#[test]
fn text_snapshot() {
    insta::assert_snapshot!(text_of(&sample_report(), PLAIN));
}

#[test]
fn text_without_snippets_snapshot() {
    let options = TextOptions {
        color: false,
        show_snippets: false,
    };
    insta::assert_snapshot!(text_of(&sample_report(), options));
}

#[test]
fn text_color_only_when_asked() {
    let report = sample_report();
    assert!(!text_of(&report, PLAIN).contains('\x1b'));
    let colored = text_of(
        &report,
        TextOptions {
            color: true,
            show_snippets: true,
        },
    );
    assert!(colored.contains("\x1b["));
}

#[test]
fn text_matches_the_documented_layout() {
    let out = text_of(&sample_report(), PLAIN);
    let expected = "error[PSB002]: container \"agent\" must not set securityContext.privileged=true
  --> examples/datadog/daemonset.yaml:22:13
   |
22 |             privileged: true
   |             ^^^^^^^^^^^^^^^^ privileged-container
   |
   = help: remove securityContext.privileged or set it to false
   = note: DaemonSet datadog/datadog-agent, container \"agent\"; pss:baseline:privileged, cis-k8s:5.2.1, mitre:T1611
";
    assert!(out.contains(expected), "{out}");
}

#[test]
fn text_neutralizes_control_characters() {
    let mut report = sample_report();
    report.findings[0].message = "evil \x1b[31mred\x1b[0m".into();
    let out = text_of(&report, PLAIN);
    assert!(!out.contains('\x1b'));
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!(json_of(&sample_report()));
}

#[test]
fn json_field_order_and_nulls() {
    let out = json_of(&sample_report());
    let value: Value = serde_json::from_str(&out).unwrap();
    let keys = |v: &Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    assert_eq!(
        keys(&value),
        [
            "version",
            "objects",
            "findings",
            "errors",
            "skipped",
            "exemptions",
            "summary"
        ]
    );
    assert_eq!(value["version"], 1);
    assert_eq!(
        keys(&value["objects"][0]),
        [
            "file",
            "line",
            "apiVersion",
            "kind",
            "namespace",
            "name",
            "helm_source",
            "pss"
        ]
    );
    assert_eq!(
        keys(&value["findings"][0]),
        [
            "rule",
            "rule_name",
            "severity",
            "message",
            "help",
            "file",
            "line",
            "column",
            "end_line",
            "end_column",
            "object",
            "container",
            "standards",
            "helm_source"
        ]
    );
    assert_eq!(
        keys(&value["errors"][0]),
        ["file", "line", "column", "message"]
    );
    assert_eq!(
        keys(&value["summary"]["by_severity"]),
        ["critical", "high", "medium", "low", "info"]
    );
    // Objects sorted by file then line; nulls are explicit.
    assert_eq!(
        value["objects"][0]["file"],
        "examples/datadog/daemonset.yaml"
    );
    assert_eq!(value["objects"][0]["helm_source"], Value::Null);
    assert_eq!(value["objects"][1]["namespace"], Value::Null);
    // Findings sorted by file, line, column, rule.
    let order: Vec<&str> = value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        ["PSB001", "RES001", "IMG001", "PSB002", "ENV001", "PSR001"]
    );
    let hostpid = &value["findings"][0];
    assert_eq!(hostpid["container"], Value::Null);
    assert_eq!(
        hostpid["object"],
        json!({"kind": "DaemonSet", "namespace": "datadog", "name": "datadog-agent"})
    );
    assert_eq!(value["errors"][0]["file"], "manifests/broken.yaml");
    assert_eq!(value["errors"][1]["line"], 0);
    assert_eq!(
        value["summary"],
        json!({"objects": 2, "findings": 6, "notes": 0, "errors": 2, "skipped": 1, "suppressed": 0,
               "by_severity": {"critical": 1, "high": 1, "medium": 2, "low": 1, "info": 1}})
    );
}

#[test]
fn json_of_an_empty_report() {
    let value: Value = serde_json::from_str(&json_of(&Report::default())).unwrap();
    assert_eq!(
        value,
        json!({"version": 1, "objects": [], "findings": [], "errors": [], "skipped": [], "exemptions": [],
               "summary": {"objects": 0, "findings": 0, "notes": 0, "errors": 0, "skipped": 0, "suppressed": 0,
                           "by_severity": {"critical": 0, "high": 0, "medium": 0, "low": 0, "info": 0}}})
    );
}

fn one_finding(file: &SourceFile, range: TextRange) -> Report {
    Report {
        skipped: Vec::new(),
        suppressed: 0,
        exemptions: Vec::new(),
        objects: Vec::new(),
        findings: vec![Finding {
            rule: "T001".into(),
            rule_name: "test-rule".into(),
            severity: Severity::High,
            message: "m".into(),
            help: None,
            file: file.clone(),
            range,
            object: None,
            container: None,
            standards: Default::default(),
            helm_source: None,
            explanation: None,
            pointer: None,
        }],
        errors: Vec::new(),
    }
}

fn json_position(report: &Report) -> [u64; 4] {
    let value: Value = serde_json::from_str(&json_of(report)).unwrap();
    let f = &value["findings"][0];
    ["line", "column", "end_line", "end_column"].map(|k| f[k].as_u64().unwrap())
}

#[test]
fn positions_count_characters_with_multibyte_text() {
    let text = "a: \"日本語\" # ü\nb: ünïcödé: true\n";
    let file = SourceFile::new("m.yaml", text);
    let range = range_of(text, "true");
    let report = one_finding(&file, range);
    // "b: ünïcödé: " is 12 characters (17 bytes).
    assert_eq!(json_position(&report), [2, 13, 2, 17]);
    let out = text_of(&report, PLAIN);
    assert!(out.contains("--> m.yaml:2:13"), "{out}");
    assert!(
        out.contains("2 | b: ünïcödé: true\n  |             ^^^^ test-rule"),
        "{out}"
    );

    let sarif: Value = serde_json::from_str(&sarif_of(&report)).unwrap();
    let region = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        *region,
        json!({"charLength": 4, "charOffset": 25, "endColumn": 17, "endLine": 2,
               "snippet": {"text": "true"}, "startColumn": 13, "startLine": 2})
    );
}

#[test]
fn positions_with_crlf_line_endings() {
    let text = "kind: Pod\r\nspec:\r\n  hostPID: true\r\n  hostIPC: true\r\n";
    let file = SourceFile::new("crlf.yaml", text);
    let report = one_finding(&file, range_of(text, "hostPID: true"));
    assert_eq!(json_position(&report), [3, 3, 3, 16]);
    let out = text_of(&report, PLAIN);
    assert!(
        out.contains(
            " --> crlf.yaml:3:3\n  |\n3 |   hostPID: true\n  |   ^^^^^^^^^^^^^ test-rule\n"
        ),
        "{out}"
    );
    assert!(!out.contains('\r'));
    assert!(!out.contains('␍'));

    // A range spanning two CRLF lines.
    let report = one_finding(&file, range_of(text, "hostPID: true\r\n  hostIPC: true"));
    assert_eq!(json_position(&report), [3, 3, 4, 16]);
    let out = text_of(&report, PLAIN);
    assert!(
        out.contains(
            "3 | /   hostPID: true\n4 | |   hostIPC: true\n  | |_______________^ test-rule"
        ),
        "{out}"
    );
    assert!(!out.contains('␍'));
}

#[test]
fn range_ending_with_newline_keeps_sarif_end_on_its_line() {
    let text = "a: 1\nb: 2\n";
    let file = SourceFile::new("n.yaml", text);
    let report = one_finding(&file, range_of(text, "a: 1\n"));
    // JSON reports the exclusive end offset literally...
    assert_eq!(json_position(&report), [1, 1, 2, 1]);
    // ...SARIF's endLine is the line of the last character.
    let sarif: Value = serde_json::from_str(&sarif_of(&report)).unwrap();
    let region = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["endLine"], 1);
    assert_eq!(region["endColumn"], 5);
}

#[test]
fn huge_inputs_render_quickly() {
    // One 4 MB line: no snippet, but the position is still exact.
    let text = format!("items: [{}\"needle\"]\n", "1, ".repeat(1_000_000));
    let file = SourceFile::new("big.json", text.as_str());
    let report = one_finding(&file, range_of(&text, "\"needle\""));
    let started = Instant::now();
    let out = text_of(&report, PLAIN);
    assert!(out.contains("--> big.json:1:3000009"), "{out}");
    assert!(out.len() < 500);

    // 200,000 lines: only the relevant line is shown.
    let mut text = "x: 1\n".repeat(200_000);
    text.push_str("privileged: true\n");
    let file = SourceFile::new("long.yaml", text.as_str());
    let mut report = one_finding(&file, range_of(&text, "privileged: true"));
    for _ in 0..200 {
        let finding = report.findings[0].clone();
        report.findings.push(finding);
    }
    let out = text_of(&report, PLAIN);
    assert!(out.contains("200001 | privileged: true"));
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn input_error_without_position() {
    let report = Report {
        errors: vec![InputError::new("gone.yaml", "cannot read file")],
        ..Report::default()
    };
    assert_eq!(
        text_of(&report, PLAIN),
        "error: cannot read file\n--> gone.yaml\n\nNo findings in 0 objects; 1 input error.\n"
    );
}

fn summary_line(findings: &[Severity], objects: usize, errors: usize) -> String {
    let file = SourceFile::new("s.yaml", "a: 1\n");
    let mut report = Report::default();
    for severity in findings {
        let mut finding = one_finding(&file, TextRange::new(0, 1)).findings.remove(0);
        finding.severity = *severity;
        report.findings.push(finding);
    }
    for _ in 0..objects {
        report.objects.push(ObjectSummary {
            file: "s.yaml".into(),
            line: 1,
            api_version: None,
            kind: None,
            namespace: None,
            name: None,
            helm_source: None,
            origin: Default::default(),
            pss: Value::Null,
        });
    }
    for _ in 0..errors {
        report.errors.push(InputError::new("e.yaml", "bad"));
    }
    report.summary().to_string()
}

#[test]
fn summary_wording() {
    use Severity::*;
    assert_eq!(summary_line(&[], 7, 0), "No findings in 7 objects.");
    assert_eq!(summary_line(&[], 1, 0), "No findings in 1 object.");
    assert_eq!(summary_line(&[], 0, 0), "No findings in 0 objects.");
    assert_eq!(
        summary_line(&[High], 1, 0),
        "Found 1 finding (1 high) in 1 object."
    );
    assert_eq!(
        summary_line(&[Medium, Critical, High, High, Info, Low], 4, 1),
        "Found 6 findings (1 critical, 2 high, 1 medium, 1 low, 1 info) in 4 objects; 1 input error."
    );
    assert_eq!(
        summary_line(&[], 3, 2),
        "No findings in 3 objects; 2 input errors."
    );
    let out = text_of(&sample_report(), PLAIN);
    assert!(out.ends_with(
        "\nFound 6 findings (1 critical, 1 high, 2 medium, 1 low, 1 info) in 2 objects; 2 input errors.\n"
    ));
    assert_eq!(
        text_of(&Report::default(), PLAIN),
        "No findings in 0 objects.\n"
    );
}

#[test]
fn severity_parsing_and_display() {
    for severity in Severity::ALL {
        assert_eq!(severity.to_string().parse::<Severity>(), Ok(severity));
    }
    assert_eq!("CRITICAL".parse::<Severity>(), Ok(Severity::Critical));
    assert_eq!("Medium".parse::<Severity>(), Ok(Severity::Medium));
    assert_eq!("info".parse::<Severity>(), Ok(Severity::Info));
    let err = "severe".parse::<Severity>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown severity `severe` (expected one of: info, low, medium, high, critical)"
    );
    assert!("".parse::<Severity>().is_err());
    assert!(Severity::Info < Severity::Low && Severity::High < Severity::Critical);
    assert_eq!(serde_json::to_string(&Severity::High).unwrap(), "\"high\"");
    assert_eq!(
        serde_json::from_str::<Severity>("\"low\"").unwrap(),
        Severity::Low
    );
}

#[test]
fn report_helpers() {
    let report = sample_report();
    assert_eq!(report.max_severity(), Some(Severity::Critical));
    assert!(report.has_findings_at_or_above(Severity::Critical));
    assert_eq!(Report::default().max_severity(), None);
    assert!(!Report::default().has_findings_at_or_above(Severity::Info));
}

/// The stray `]` of the `language` patterns in the 2.1.0 schema (fixed in
/// OASIS errata, see oasis-tcs/sarif-spec#490) is not a valid ECMA 262 regex
/// in unicode mode, so `jsonschema` refuses to compile the schema. Only that
/// pattern is replaced, in memory; rampart never emits `language`.
const LANGUAGE_PATTERN: &str = r#""pattern": "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
const LANGUAGE_PATTERN_FIXED: &str = r#""pattern": "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#;

fn sarif_validator() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/sarif-schema-2.1.0.json"
    );
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(text.matches(LANGUAGE_PATTERN).count(), 2);
    let text = text.replace(LANGUAGE_PATTERN, LANGUAGE_PATTERN_FIXED);
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn assert_valid_sarif(sarif: &Value) {
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let sarif: Value = serde_json::from_str(&sarif_of(&sample_report())).unwrap();
    assert_valid_sarif(&sarif);
    assert!(sarif["runs"][0].get("language").is_none());
    let empty: Value = serde_json::from_str(&{
        let mut out = Vec::new();
        render::sarif(&Report::default(), &[], "0.1.0", &mut out).unwrap();
        String::from_utf8(out).unwrap()
    })
    .unwrap();
    assert_valid_sarif(&empty);
    assert_eq!(empty["runs"][0]["results"], json!([]));
    assert_eq!(
        empty["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
}

#[test]
fn the_schema_rejects_broken_sarif() {
    // Guards against a validator that accepts everything.
    let mut sarif: Value = serde_json::from_str(&sarif_of(&sample_report())).unwrap();
    sarif["runs"][0]["results"][0]["level"] = json!("critical");
    assert!(!sarif_validator().is_valid(&sarif));
}

#[test]
fn sarif_snapshot() {
    insta::assert_snapshot!(sarif_of(&sample_report()));
}

#[test]
fn sarif_contents() {
    let sarif: Value = serde_json::from_str(&sarif_of(&sample_report())).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "rampart");
    assert_eq!(driver["version"], "0.1.0-test");
    assert_eq!(run["columnKind"], "unicodeCodePoints");

    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["PSB001", "PSB002", "PSR001", "IMG001", "RES001", "ENV001"]
    );
    let psb002 = &rules[1];
    assert_eq!(psb002["name"], "privileged-container");
    assert_eq!(
        psb002["shortDescription"]["text"],
        "Containers must not run privileged"
    );
    assert_eq!(
        psb002["fullDescription"]["text"],
        "Containers must not run privileged"
    );
    assert_eq!(psb002["help"]["text"], psb002["help"]["markdown"]);
    assert_eq!(
        psb002["helpUri"],
        "https://example.invalid/rampart/rules/PSB002"
    );
    assert_eq!(psb002["defaultConfiguration"]["level"], "error");
    assert_eq!(psb002["properties"]["security-severity"], "8.0");
    assert_eq!(psb002["properties"]["tags"], json!(["pss", "security"]));
    assert_eq!(rules[0]["properties"]["security-severity"], "9.5");
    assert_eq!(rules[0]["properties"]["tags"], json!(["security", "pss"]));
    assert_eq!(rules[4]["defaultConfiguration"]["level"], "warning");
    assert_eq!(rules[5]["defaultConfiguration"]["level"], "note");
    assert_eq!(rules[5]["properties"]["security-severity"], "1.0");

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 6);
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
    let privileged = results.iter().find(|r| r["ruleId"] == "PSB002").unwrap();
    assert_eq!(privileged["level"], "error");
    let location = &privileged["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"],
        json!({"uri": "examples/datadog/daemonset.yaml", "uriBaseId": "%SRCROOT%"})
    );
    assert_eq!(location["region"]["startLine"], 22);
    assert_eq!(location["region"]["startColumn"], 13);
    assert_eq!(location["region"]["snippet"]["text"], "privileged: true");
    assert_eq!(
        privileged["properties"]["object"],
        json!({"kind": "DaemonSet", "namespace": "datadog", "name": "datadog-agent"})
    );
    assert_eq!(privileged["properties"]["container"], "agent");
    assert_eq!(
        privileged["properties"]["standards"],
        json!(["pss:baseline:privileged", "cis-k8s:5.2.1", "mitre:T1611"])
    );

    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0]["level"], "error");
    assert_eq!(
        notes[0]["locations"][0]["physicalLocation"],
        json!({"artifactLocation": {"uri": "manifests/broken.yaml", "uriBaseId": "%SRCROOT%"},
               "region": {"startLine": 3, "startColumn": 12}})
    );
    assert_eq!(
        notes[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "manifests/missing.yaml"
    );
}

#[test]
fn sarif_fingerprints_ignore_line_numbers() {
    let fingerprint = |report: &Report| -> Vec<Value> {
        let sarif: Value = serde_json::from_str(&sarif_of(report)).unwrap();
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"].clone())
            .collect()
    };
    let before = sample_report();
    // Insert lines at the top of every file: positions move, fingerprints don't.
    let mut after = sample_report();
    for finding in &mut after.findings {
        let text = format!("# comment\n# another\n{}", finding.file.text());
        let shifted = SourceFile::new(finding.file.name(), text);
        finding.range = TextRange::new(finding.range.start + 20, finding.range.end + 20);
        finding.file = shifted;
    }
    let a = fingerprint(&before);
    assert_eq!(a, fingerprint(&after));
    let unique: std::collections::HashSet<String> = a.iter().map(|v| v.to_string()).collect();
    assert_eq!(unique.len(), a.len());

    // Identical findings get distinct occurrence numbers.
    let mut twice = sample_report();
    let copy = twice.findings[0].clone();
    twice.findings.push(copy);
    let prints: Vec<String> = fingerprint(&twice)
        .iter()
        .map(|p| p["rampartFingerprint/v1"].as_str().unwrap().to_owned())
        .collect();
    assert!(prints.iter().any(|p| p.ends_with(":2")));
}

#[test]
fn sarif_uris_for_absolute_and_odd_paths() {
    let text = "a: 1\n";
    for (name, uri, base) in [
        ("/abs/dir/x.yaml", "file:///abs/dir/x.yaml", None),
        (
            "./rel dir/é.yaml",
            "rel%20dir/%C3%A9.yaml",
            Some("%SRCROOT%"),
        ),
        ("win\\path\\x.yaml", "win/path/x.yaml", Some("%SRCROOT%")),
    ] {
        let file = SourceFile::new(name, text);
        let report = one_finding(&file, TextRange::new(0, 1));
        let sarif: Value = serde_json::from_str(&sarif_of(&report)).unwrap();
        assert_valid_sarif(&sarif);
        let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], uri);
        assert_eq!(
            location["artifactLocation"]
                .get("uriBaseId")
                .and_then(Value::as_str),
            base
        );
    }
}

#[test]
fn degenerate_ranges_do_not_panic() {
    for (text, range) in [
        ("", TextRange::new(0, 0)),
        ("", TextRange::new(5, 9)),
        ("a: 1", TextRange::new(4, 4)),
        ("a: 1", TextRange::new(3, 1)),
        ("k: é\r\n", TextRange::new(4, 6)),
        ("\t- x: y\n", TextRange::new(0, 8)),
    ] {
        let file = SourceFile::new("d.yaml", text);
        let report = one_finding(&file, range);
        let out = text_of(&report, PLAIN);
        assert!(out.contains("d.yaml:1:"), "{out}");
        let sarif: Value = serde_json::from_str(&sarif_of(&report)).unwrap();
        assert_valid_sarif(&sarif);
        json_of(&report);
    }
}

/// The example in docs/json-output.md has exactly the renderer's fields, in order.
#[test]
fn documented_example_matches_the_contract() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/json-output.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let start = doc.find("```json\n").unwrap() + "```json\n".len();
    let end = start + doc[start..].find("```").unwrap();
    let example: Value = serde_json::from_str(&doc[start..end]).unwrap();
    let rendered: Value = serde_json::from_str(&json_of(&sample_report())).unwrap();

    fn shape(value: &Value, path: &str, out: &mut Vec<String>) {
        if let Value::Object(map) = value {
            out.push(format!("{path}: {:?}", map.keys().collect::<Vec<_>>()));
            for (key, child) in map {
                if key != "pss" {
                    shape(child, &format!("{path}.{key}"), out);
                }
            }
        } else if let Value::Array(items) = value
            && let Some(first) = items.first()
        {
            shape(first, &format!("{path}[]"), out);
        }
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    shape(&example, "", &mut a);
    shape(&rendered, "", &mut b);
    assert_eq!(a, b);
    assert_eq!(example["version"], rendered["version"]);
}

/// The streamed JSON document equals the one-shot document.
#[test]
fn json_stream_matches_json() {
    let report = sample_report();
    let mut out = Vec::new();
    let mut stream = render::JsonStream::new(&mut out, std::io::Cursor::new(Vec::new())).unwrap();
    stream.add(&report).unwrap();
    stream.finish().unwrap();
    let streamed: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(streamed, render::json_value(&report).unwrap());

    let mut out = Vec::new();
    let stream = render::JsonStream::new(&mut out, std::io::Cursor::new(Vec::new())).unwrap();
    stream.finish().unwrap();
    let empty: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(empty, render::json_value(&Report::default()).unwrap());
}
