//! Snapshot and round-trip tests of the JUnit XML and policy report renderers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{SystemTime, UNIX_EPOCH};

use rampart_diagnostics::render::{self, PolicyReportApi};
use rampart_diagnostics::{Finding, InputError, ObjectRef, ObjectSummary, Report, Severity};
use rampart_source::{SourceFile, TextRange};
use rampart_yaml::{Limits, parse_stream};
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

const WEB: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
  namespace: web
spec:
  template:
    spec:
      containers:
        - name: nginx
          image: nginx:1.27
          securityContext:
            allowPrivilegeEscalation: true
---
apiVersion: v1
kind: Service
metadata:
  name: frontend
  namespace: web
spec:
  ports:
    - port: 80
";

const RBAC: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: scanner
rules:
  - apiGroups: [\"*\"]
    resources: [\"*\"]
    verbs: [\"get\"]
---
apiVersion: v1
kind: Namespace
metadata:
  name: web
";

const BROKEN: &str = "apiVersion: v1\nkind: ConfigMap\ndata: [a, b\n";

fn range_of(text: &str, needle: &str) -> TextRange {
    let start = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not found"));
    TextRange::new(start, start + needle.len())
}

fn object(kind: &str, namespace: Option<&str>, name: &str) -> ObjectRef {
    ObjectRef {
        kind: kind.into(),
        namespace: namespace.map(Into::into),
        name: Some(name.into()),
    }
}

#[allow(clippy::too_many_arguments)]
fn finding(
    file: &SourceFile,
    needle: &str,
    object: ObjectRef,
    (rule, rule_name, severity): (&str, &str, Severity),
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
        object: Some(object.into()),
        container: container.map(Into::into),
        standards: standards.iter().map(|s| s.to_string().into()).collect(),
        helm_source: None,
        explanation: None,
        pointer: None,
    }
}

fn summary(
    file: &str,
    line: usize,
    api_version: &str,
    kind: &str,
    namespace: Option<&str>,
    name: &str,
) -> ObjectSummary {
    ObjectSummary {
        file: file.into(),
        line,
        api_version: Some(api_version.into()),
        kind: Some(kind.into()),
        namespace: namespace.map(Into::into),
        name: Some(name.into()),
        helm_source: None,
        origin: Default::default(),
        pss: Value::Null,
    }
}

/// A DaemonSet (namespace `datadog`) with five findings, a Deployment with a
/// finding and a clean Service (namespace `web`), a cluster-scoped ClusterRole
/// with a finding and a clean Namespace, and two input errors.
fn sample_report() -> Report {
    let ds = SourceFile::new("examples/datadog/daemonset.yaml", DAEMONSET);
    let web = SourceFile::new("manifests/web.yaml", WEB);
    let rbac = SourceFile::new("manifests/rbac.yaml", RBAC);
    let broken = SourceFile::new("manifests/broken.yaml", BROKEN);
    let agent = || object("DaemonSet", Some("datadog"), "datadog-agent");

    // Deliberately out of order: renderers sort.
    let findings = vec![
        finding(
            &rbac,
            "resources: [\"*\"]",
            object("ClusterRole", None, "scanner"),
            ("RB001", "wildcard-permissions", Severity::High),
            "ClusterRole grants \"*\" on <all> resources & API groups",
            Some("list the resources and verbs the role needs"),
            None,
            &["cis-k8s:5.1.3"],
        ),
        finding(
            &ds,
            "privileged: true",
            agent(),
            ("PSB002", "privileged-container", Severity::High),
            "container \"agent\" must not set securityContext.privileged=true",
            Some("remove securityContext.privileged or set it to false"),
            Some("agent"),
            &["pss:baseline:privileged", "cis-k8s:5.2.1", "mitre:T1611"],
        ),
        finding(
            &ds,
            "hostPID: true",
            agent(),
            ("PSB001", "host-namespaces", Severity::Critical),
            "pod must not share the host's process namespace (hostPID=true)",
            Some("remove spec.hostPID or set it to false"),
            None,
            &["pss:baseline:host-namespaces", "cis-k8s:5.2.3"],
        ),
        finding(
            &ds,
            "\"gcr.io/datadoghq/agent:latest\"",
            agent(),
            ("IM001", "latest-tag", Severity::Medium),
            "container \"agent\" uses the mutable tag \":latest\"",
            Some("pin the image to a version or a digest"),
            Some("agent"),
            &[],
        ),
        finding(
            &ds,
            "name: agent",
            agent(),
            ("WL003", "missing-resource-limits", Severity::Low),
            "container \"agent\" has no resources.limits",
            None,
            Some("agent"),
            &["cis-k8s:5.7.4"],
        ),
        finding(
            &ds,
            "\"grüße\"",
            agent(),
            ("SE001", "literal-env-value", Severity::Info),
            "environment variable \"GREETING\" has the literal value «grüße»",
            Some("consider a ConfigMap or Secret reference"),
            Some("agent"),
            &[],
        ),
        finding(
            &web,
            "allowPrivilegeEscalation: true",
            object("Deployment", Some("web"), "frontend"),
            ("PSR001", "allow-privilege-escalation", Severity::Medium),
            "container \"nginx\" must set securityContext.allowPrivilegeEscalation=false",
            Some("set securityContext.allowPrivilegeEscalation to false"),
            Some("nginx"),
            &["pss:restricted:allowPrivilegeEscalation"],
        ),
    ];

    let objects = vec![
        summary(
            "manifests/web.yaml",
            15,
            "v1",
            "Service",
            Some("web"),
            "frontend",
        ),
        summary(
            "manifests/web.yaml",
            1,
            "apps/v1",
            "Deployment",
            Some("web"),
            "frontend",
        ),
        summary(
            "examples/datadog/daemonset.yaml",
            1,
            "apps/v1",
            "DaemonSet",
            Some("datadog"),
            "datadog-agent",
        ),
        summary(
            "manifests/rbac.yaml",
            1,
            "rbac.authorization.k8s.io/v1",
            "ClusterRole",
            None,
            "scanner",
        ),
        summary("manifests/rbac.yaml", 10, "v1", "Namespace", None, "web"),
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
        ..Report::default()
    }
}

fn junit_of(report: &Report) -> String {
    let mut out = Vec::new();
    render::junit(report, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn policy_report_of(report: &Report, api: PolicyReportApi) -> String {
    let mut out = Vec::new();
    render::policy_report(report, api, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The documents of a YAML stream, as JSON; fails on any parse error.
fn yaml_documents(yaml: &str) -> Vec<Value> {
    let stream = parse_stream(yaml, &Limits::default());
    assert!(stream.errors.is_empty(), "{:?}\n{yaml}", stream.errors);
    stream
        .documents
        .iter()
        .filter(|d| !d.is_empty)
        .map(|d| d.root.to_json())
        .collect()
}

fn attr_count(node: roxmltree::Node<'_, '_>, name: &str) -> usize {
    node.attribute(name)
        .unwrap_or_else(|| panic!("no {name} on <{}>", node.tag_name().name()))
        .parse()
        .unwrap()
}

// ---------------------------------------------------------------- JUnit

#[test]
fn junit_snapshot() {
    insta::assert_snapshot!(junit_of(&sample_report()));
}

#[test]
fn junit_parses_back_with_consistent_counts() {
    let report = sample_report();
    let xml = junit_of(&report);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("name"), Some("rampart"));
    // 5 objects + 2 input errors; 3 objects have findings.
    assert_eq!(attr_count(root, "tests"), 7);
    assert_eq!(attr_count(root, "failures"), 3);
    assert_eq!(attr_count(root, "errors"), 2);

    let suites: Vec<_> = root.children().filter(|n| n.is_element()).collect();
    let names: Vec<_> = suites
        .iter()
        .map(|s| s.attribute("name").unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "examples/datadog/daemonset.yaml",
            "manifests/broken.yaml",
            "manifests/missing.yaml",
            "manifests/rbac.yaml",
            "manifests/web.yaml",
        ]
    );
    let (mut tests, mut failures, mut errors, mut failure_elements) = (0, 0, 0, 0);
    for suite in &suites {
        assert_eq!(suite.tag_name().name(), "testsuite");
        let cases: Vec<_> = suite.children().filter(|n| n.is_element()).collect();
        assert_eq!(attr_count(*suite, "tests"), cases.len());
        let failed = cases
            .iter()
            .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
            .count();
        let errored = cases
            .iter()
            .filter(|c| c.children().any(|n| n.has_tag_name("error")))
            .count();
        assert_eq!(attr_count(*suite, "failures"), failed);
        assert_eq!(attr_count(*suite, "errors"), errored);
        for case in &cases {
            assert_eq!(case.tag_name().name(), "testcase");
            assert_eq!(case.attribute("classname"), suite.attribute("name"));
            assert!(case.attribute("name").is_some_and(|n| !n.is_empty()));
            failure_elements += case
                .children()
                .filter(|n| n.has_tag_name("failure"))
                .count();
        }
        tests += cases.len();
        failures += failed;
        errors += errored;
    }
    assert_eq!((tests, failures, errors), (7, 3, 2));
    assert_eq!(failure_elements, report.findings.len());

    // Every finding is a failure of its object, with the exact message.
    for finding in &report.findings {
        let object = finding.object.as_ref().unwrap().to_string();
        let case = doc
            .descendants()
            .find(|n| {
                n.has_tag_name("testcase")
                    && n.attribute("name") == Some(object.as_str())
                    && n.attribute("classname") == Some(finding.file.name())
            })
            .unwrap_or_else(|| panic!("no testcase {object}"));
        let failure = case
            .children()
            .find(|n| n.has_tag_name("failure") && n.attribute("type") == Some(&finding.rule))
            .unwrap();
        assert_eq!(failure.attribute("message"), Some(finding.message.as_str()));
        let text = failure.text().unwrap();
        let start = finding.start();
        let location = format!("{}:{}:{}", finding.file.name(), start.line, start.column);
        assert!(text.starts_with(&location), "{text}");
        assert!(text.contains(finding.rule_name.as_ref()));
        for standard in finding.standards.iter() {
            assert!(text.contains(standard.as_ref()), "{text}");
        }
        if let Some(help) = &finding.help {
            assert!(text.contains(help.as_ref()));
        }
    }

    // The clean objects pass; the input errors are errors.
    for name in ["Service web/frontend", "Namespace web"] {
        let case = doc
            .descendants()
            .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(name))
            .unwrap();
        assert_eq!(case.children().filter(|n| n.is_element()).count(), 0);
    }
    let error = doc
        .descendants()
        .find(|n| n.has_tag_name("error") && n.attribute("message").unwrap().contains("','"))
        .unwrap();
    assert_eq!(
        error.parent().unwrap().attribute("classname"),
        Some("manifests/broken.yaml")
    );
    assert!(
        error
            .text()
            .unwrap()
            .starts_with("manifests/broken.yaml:3:")
    );
}

#[test]
fn junit_escapes_markup_and_replaces_control_characters() {
    let nasty = "a <b> & \"c\" 'd' ]]> \u{1b}[31mred\u{0}\u{7} tab\there\r\nnext é📈";
    let file = SourceFile::new("x&<y>.yaml", "kind: Pod\n");
    let report = Report {
        findings: vec![Finding {
            rule: "WL001".into(),
            rule_name: "r<&>".into(),
            severity: Severity::Low,
            message: nasty.into(),
            help: Some(nasty.to_string().into()),
            file: file.clone(),
            range: TextRange::new(0, 4),
            object: Some(object("Pod", Some("n\"s"), "p<1>").into()),
            container: None,
            standards: Default::default(),
            helm_source: None,
            explanation: None,
            pointer: None,
        }],
        errors: vec![InputError::new("e\u{1b}.yaml", nasty)],
        ..Report::default()
    };
    let xml = junit_of(&report);
    assert!(!xml.contains('\u{1b}') && !xml.contains('\u{0}') && !xml.contains('\u{7}'));
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let expected = "a <b> & \"c\" 'd' ]]> \u{FFFD}[31mred\u{FFFD}\u{FFFD} tab\there\r\nnext é📈";
    let failure = doc
        .descendants()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert_eq!(failure.attribute("message"), Some(expected));
    assert!(failure.text().unwrap().contains(expected));
    let case = failure.parent().unwrap();
    assert_eq!(case.attribute("name"), Some("Pod n\"s/p<1>"));
    assert_eq!(case.attribute("classname"), Some("x&<y>.yaml"));
    let error = doc.descendants().find(|n| n.has_tag_name("error")).unwrap();
    assert_eq!(error.attribute("message"), Some(expected));
    assert_eq!(
        error.parent().unwrap().attribute("classname"),
        Some("e\u{FFFD}.yaml")
    );
}

#[test]
fn junit_of_an_empty_report() {
    let xml = junit_of(&Report::default());
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert_eq!(attr_count(root, "tests"), 0);
    assert_eq!(root.children().filter(|n| n.is_element()).count(), 0);
}

// ---------------------------------------------------------------- policy reports

/// The timestamp changes with every run.
const TIMESTAMP_FILTER: (&str, &str) = (r"seconds: \d+", "seconds: [timestamp]");

#[test]
fn policy_report_snapshot() {
    let yaml = policy_report_of(&sample_report(), PolicyReportApi::OpenReports);
    insta::with_settings!({filters => vec![TIMESTAMP_FILTER]}, {
        insta::assert_snapshot!(yaml);
    });
}

#[test]
fn policy_report_wgpolicy_snapshot() {
    let yaml = policy_report_of(&sample_report(), PolicyReportApi::WgPolicyV1Alpha2);
    insta::with_settings!({filters => vec![TIMESTAMP_FILTER]}, {
        insta::assert_snapshot!(yaml);
    });
}

const RESULTS: [&str; 5] = ["pass", "fail", "warn", "error", "skip"];
const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

/// Checks one parsed report against the schema's shape and returns
/// `(kind, namespace, name, [pass, fail, warn, error, skip])`.
fn check_report(
    doc: &Value,
    api: PolicyReportApi,
    now: u64,
) -> (String, Option<String>, String, [u64; 5]) {
    assert_eq!(doc["apiVersion"], api.api_version());
    let kind = doc["kind"].as_str().unwrap().to_owned();
    let namespace = doc["metadata"]["namespace"].as_str().map(str::to_owned);
    let name = doc["metadata"]["name"].as_str().unwrap().to_owned();
    match &namespace {
        Some(ns) => {
            assert_eq!(kind, api.namespaced_kind());
            assert_eq!(name, format!("rampart-{ns}"));
        }
        None => {
            assert_eq!(kind, api.cluster_kind());
            assert_eq!(name, "rampart-cluster");
        }
    }
    match api {
        PolicyReportApi::OpenReports => assert_eq!(doc["source"], "rampart"),
        PolicyReportApi::WgPolicyV1Alpha2 => assert!(doc.get("source").is_none()),
    }
    let summary = RESULTS.map(|r| doc["summary"][r].as_u64().unwrap());
    let results = doc["results"].as_array().unwrap();
    for (i, r) in RESULTS.iter().enumerate().skip(1) {
        let n = results.iter().filter(|x| x["result"] == *r).count() as u64;
        assert_eq!(summary[i], n, "summary.{r} of {name}");
    }
    for result in results {
        assert_eq!(result["source"], "rampart");
        assert!(result["policy"].as_str().is_some_and(|p| !p.is_empty()));
        assert!(RESULTS.contains(&result["result"].as_str().unwrap()));
        assert!(result["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(result["category"].as_str().is_some());
        assert_eq!(result["scored"], true);
        let seconds = result["timestamp"]["seconds"].as_u64().unwrap();
        assert!(seconds.abs_diff(now) < 600, "{seconds} vs {now}");
        assert_eq!(result["timestamp"]["nanos"], 0);
        let properties = result["properties"].as_object().unwrap();
        assert!(properties.values().all(Value::is_string), "{properties:?}");
        assert!(properties.contains_key("file"));
        if result["result"] == "error" {
            continue;
        }
        assert!(result["rule"].as_str().is_some());
        assert!(SEVERITIES.contains(&result["severity"].as_str().unwrap()));
        for key in ["line", "column"] {
            let value = properties[key].as_str().unwrap();
            assert!(value.parse::<u32>().unwrap() > 0);
        }
        let resources = result["resources"].as_array().unwrap();
        assert_eq!(resources.len(), 1);
        let resource = &resources[0];
        for key in ["apiVersion", "kind", "name"] {
            assert!(resource[key].is_string(), "{key} in {resource}");
        }
        assert_eq!(resource.get("namespace"), doc["metadata"].get("namespace"));
    }
    (kind, namespace, name, summary)
}

#[test]
fn policy_reports_parse_back_and_follow_the_schemas() {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for api in [
        PolicyReportApi::OpenReports,
        PolicyReportApi::WgPolicyV1Alpha2,
    ] {
        let yaml = policy_report_of(&sample_report(), api);
        assert!(yaml.starts_with("---\n"));
        let docs = yaml_documents(&yaml);
        let reports: Vec<_> = docs.iter().map(|d| check_report(d, api, now)).collect();
        let brief: Vec<_> = reports
            .iter()
            .map(|(_, ns, name, summary)| (ns.as_deref(), name.as_str(), *summary))
            .collect();
        assert_eq!(
            brief,
            [
                // Namespace web passes; ClusterRole fails; two input errors.
                (None, "rampart-cluster", [1, 1, 0, 2, 0]),
                // PSB001, PSB002, IM001 fail; WL003, SE001 warn.
                (Some("datadog"), "rampart-datadog", [0, 3, 2, 0, 0]),
                // Service passes; Deployment fails.
                (Some("web"), "rampart-web", [1, 1, 0, 0, 0]),
            ]
        );

        let datadog = &docs[1]["results"];
        let first = &datadog[0];
        assert_eq!(first["policy"], "PSB001");
        assert_eq!(first["rule"], "host-namespaces");
        assert_eq!(first["severity"], "critical");
        assert_eq!(first["result"], "fail");
        assert_eq!(first["category"], "Pod Security Standards");
        assert_eq!(
            first["resources"][0],
            json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "datadog-agent", "namespace": "datadog"})
        );
        assert_eq!(first["properties"]["line"], "17");
        assert_eq!(
            first["properties"]["standards"],
            "pss:baseline:host-namespaces,cis-k8s:5.2.3"
        );
        let info = &datadog[4];
        assert_eq!(
            (info["severity"].as_str(), info["result"].as_str()),
            (Some("info"), Some("warn"))
        );
        assert_eq!(info["category"], "Secrets");
        assert_eq!(info["properties"]["container"], "agent");

        let cluster = &docs[0]["results"];
        assert_eq!(cluster[0]["category"], "RBAC");
        assert_eq!(
            cluster[0]["message"],
            "ClusterRole grants \"*\" on <all> resources & API groups"
        );
        assert_eq!(
            cluster[0]["resources"][0],
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "name": "scanner"})
        );
        assert_eq!(cluster[1]["result"], "error");
        assert_eq!(cluster[1]["properties"]["file"], "manifests/broken.yaml");
        assert_eq!(cluster[1]["properties"]["line"], "3");
        assert_eq!(cluster[2]["properties"]["file"], "manifests/missing.yaml");
        assert!(cluster[2]["properties"].get("line").is_none());
    }
}

#[test]
fn policy_report_strings_round_trip() {
    let nasty = "a: b # c \"q\" \\ 'x' {y} [z] &anchor *alias !tag % @ ` | > - ? \
                 \u{1b}[0m\u{0}\u{7f}\u{85}\u{a0}\u{2028}\u{2029}\u{feff}\t\r\n line2 é📈 yes no null ~ 0x1F 1e3";
    let file = SourceFile::new(nasty, "kind: Pod\n");
    let report = Report {
        findings: vec![Finding {
            rule: "XX001".into(),
            rule_name: nasty.into(),
            severity: Severity::Medium,
            message: nasty.into(),
            help: Some(nasty.to_string().into()),
            file,
            range: TextRange::new(0, 4),
            object: Some(object("Pod", Some("ns"), nasty).into()),
            container: Some(nasty.into()),
            standards: vec![nasty.to_string().into(), "b".into()].into(),
            helm_source: Some(nasty.into()),
            explanation: None,
            pointer: None,
        }],
        errors: vec![InputError::new(nasty, nasty)],
        ..Report::default()
    };
    for api in [
        PolicyReportApi::OpenReports,
        PolicyReportApi::WgPolicyV1Alpha2,
    ] {
        let yaml = policy_report_of(&report, api);
        let docs = yaml_documents(&yaml);
        assert_eq!(docs.len(), 2);
        let result = &docs[1]["results"][0];
        assert_eq!(result["category"], "Other");
        assert_eq!(result["rule"], nasty);
        assert_eq!(result["message"], nasty);
        assert_eq!(result["resources"][0]["name"], nasty);
        assert_eq!(result["resources"][0].get("apiVersion"), None);
        let properties = &result["properties"];
        for key in ["file", "container", "help", "helmSource"] {
            assert_eq!(properties[key], nasty, "{key}");
        }
        assert_eq!(properties["standards"], format!("{nasty},b"));
        let error = &docs[0]["results"][0];
        assert_eq!(error["message"], nasty);
        assert_eq!(error["properties"]["file"], nasty);
    }
}

#[test]
fn policy_report_of_an_empty_report_is_one_clean_cluster_report() {
    let yaml = policy_report_of(&Report::default(), PolicyReportApi::OpenReports);
    let docs = yaml_documents(&yaml);
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["kind"], "ClusterReport");
    assert_eq!(
        docs[0]["summary"],
        json!({"pass": 0, "fail": 0, "warn": 0, "error": 0, "skip": 0})
    );
    assert_eq!(docs[0]["results"], json!([]));
}
