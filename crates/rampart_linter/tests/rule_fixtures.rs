//! Ruff-style fixture tests: every rule has a multi-document YAML file under
//! `resources/test/fixtures/pod_security/<CODE>.yaml`, is checked at its own
//! level, and its findings are rendered as text and snapshotted.
//!
//! Every document of a fixture starts with a comment saying what it tests and
//! an expectation line, checked here:
//!
//! ```yaml
//! ---
//! # Privileged init container in a Job.
//! # expect: trigger
//! ```
//!
//! `# expect: <trigger|clean> [<version>=<trigger|clean> ...]` gives the
//! outcome at `latest` (and every other tested version), with per-version
//! exceptions such as `clean v1.30=trigger`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: panics are failures

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rampart_diagnostics::render::{self, TextOptions};
use rampart_diagnostics::{Finding, ObjectRef, Report};
use rampart_k8s::extract_objects;
use rampart_linter::checker::{CheckOptions, check_file};
use rampart_linter::pss::check::all_checks;
use rampart_linter::pss::{Level, NEWEST_MINOR, PolicyVersion};
use rampart_linter::registry::RuleMeta;
use rampart_linter::rules::all_rules;
use rampart_source::{SourceFile, TextRange};
use rampart_yaml::{Limits, parse_stream};

/// Fixture directory, relative to the crate (also the file name shown in snapshots).
const FIXTURE_DIR: &str = "resources/test/fixtures/pod_security";

/// One test per rule: `name: "CODE" [, "older version" ...];`. Every rule is
/// checked at `latest`; the extra versions are for version-dependent rules.
macro_rules! rule_tests {
    ($($name:ident: $code:literal $(, $version:literal)*;)*) => {
        $(
            #[test]
            fn $name() {
                check_rule($code, &["latest" $(, $version)*]);
            }
        )*

        /// `(test function name, code, versions)` of every test above.
        const TESTS: &[(&str, &str, &[&str])] =
            &[$((stringify!($name), $code, &["latest" $(, $version)*])),*];
    };
}

rule_tests! {
    psb001_host_namespaces: "PSB001";
    psb002_privileged_container: "PSB002";
    psb003_non_default_capabilities: "PSB003";
    psb004_host_path_volume: "PSB004";
    psb005_host_port: "PSB005";
    psb006_apparmor_profile: "PSB006";
    psb007_selinux_options: "PSB007", "v1.30";
    psb008_proc_mount: "PSB008", "v1.34";
    psb009_seccomp_profile_baseline: "PSB009", "v1.18";
    psb010_unsafe_sysctls: "PSB010", "v1.26", "v1.31";
    psb011_windows_host_process: "PSB011";
    psb012_host_probe_or_lifecycle: "PSB012", "v1.33";
    psr001_restricted_volume_type: "PSR001";
    psr002_run_as_non_root: "PSR002", "v1.34";
    psr003_allow_privilege_escalation: "PSR003", "v1.24";
    psr004_seccomp_profile_restricted: "PSR004", "v1.24";
    psr005_capabilities_not_dropped: "PSR005", "v1.24";
    psr006_run_as_root_user: "PSR006", "v1.34";
    psr007_proc_mount_restricted: "PSR007", "v1.34";
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture_path(code: &str) -> PathBuf {
    crate_dir().join(FIXTURE_DIR).join(format!("{code}.yaml"))
}

/// `PSB007` at `latest`, `PSB007_v1_30` at `v1.30`.
fn snapshot_name(code: &str, version: &str) -> String {
    if version == "latest" {
        code.to_owned()
    } else {
        format!("{code}_{}", version.replace('.', "_"))
    }
}

fn rule(code: &str) -> &'static RuleMeta {
    all_rules()
        .into_iter()
        .find(|rule| rule.code == code)
        .unwrap_or_else(|| panic!("no rule {code}"))
}

/// The rule's own level: the level of its Pod Security check.
fn level_of(rule: &RuleMeta) -> Level {
    let pss = rule.pss.expect("a Pod Security rule");
    let level: Level = pss
        .split_once(':')
        .expect("level:checkId")
        .0
        .parse()
        .unwrap();
    let expected_prefix = match level {
        Level::Baseline => "PSB",
        Level::Restricted => "PSR",
        Level::Privileged => panic!("{}: privileged level", rule.code),
    };
    assert!(rule.code.starts_with(expected_prefix), "{}", rule.code);
    level
}

/// Whether the rule's check exists at `version` (at its own level).
fn in_force(code: &str, version: PolicyVersion) -> bool {
    let check = all_checks()
        .iter()
        .find(|check| check.rule.code == code)
        .expect("a check for every Pod Security rule");
    check.since_minor() <= version.effective_minor(NEWEST_MINOR)
}

/// One document of a fixture.
struct FixtureDocument {
    /// 1-based line of the document's content (for messages).
    line: usize,
    /// The document's content.
    range: TextRange,
    objects: Vec<ObjectRef>,
    /// `# expect:` line: the default outcome and per-version exceptions.
    expect_default: bool,
    expect_at: BTreeMap<String, bool>,
}

impl FixtureDocument {
    fn expects_trigger(&self, version: &str) -> bool {
        self.expect_at
            .get(version)
            .copied()
            .unwrap_or(self.expect_default)
    }
}

fn outcome(word: &str, context: &str) -> bool {
    match word {
        "trigger" => true,
        "clean" => false,
        _ => panic!("{context}: expected `trigger` or `clean`, found `{word}`"),
    }
}

/// Splits a fixture into documents, with their objects and expectations.
fn fixture_documents(file: &SourceFile) -> Vec<FixtureDocument> {
    let text = file.text();
    let stream = parse_stream(text, &Limits::default());
    assert!(
        stream.errors.is_empty(),
        "{}: YAML errors {:?}",
        file.name(),
        stream.errors
    );
    let mut documents = Vec::new();
    for document in stream.documents.iter().filter(|d| !d.is_empty) {
        let line = file.position(document.root.range.start).line;
        let context = format!("{}:{line}", file.name());
        let leading = &text[document.range.start..document.root.range.start];
        let expect_lines: Vec<&str> = leading
            .lines()
            .filter_map(|l| l.trim().strip_prefix("# expect:"))
            .collect();
        assert_eq!(
            expect_lines.len(),
            1,
            "{context}: every document needs exactly one leading `# expect:` comment"
        );
        assert!(
            leading
                .lines()
                .filter(|l| l.trim().starts_with('#'))
                .count()
                >= 2,
            "{context}: every document needs a comment saying what it tests"
        );
        let mut words = expect_lines[0].split_whitespace();
        let expect_default = outcome(words.next().unwrap_or(""), &context);
        let mut expect_at = BTreeMap::new();
        for word in words {
            let (version, result) = word
                .split_once('=')
                .unwrap_or_else(|| panic!("{context}: bad expectation `{word}`"));
            version
                .parse::<PolicyVersion>()
                .unwrap_or_else(|e| panic!("{context}: {e}"));
            expect_at.insert(version.to_owned(), outcome(result, &context));
        }
        let value = document.root.to_json();
        let extracted = extract_objects(&value);
        let objects: Vec<ObjectRef> = extracted
            .objects
            .iter()
            .map(|object| ObjectRef {
                kind: object.kind.unwrap_or("").to_owned(),
                namespace: object.namespace.map(str::to_owned),
                name: object.name.map(str::to_owned),
            })
            .collect();
        assert!(!objects.is_empty(), "{context}: no Kubernetes object");
        documents.push(FixtureDocument {
            line,
            range: document.root.range,
            objects,
            expect_default,
            expect_at,
        });
    }
    assert!(!documents.is_empty(), "{}: no documents", file.name());
    let mut seen = BTreeSet::new();
    for object in documents.iter().flat_map(|d| &d.objects) {
        assert!(
            seen.insert(object.to_string()),
            "{}: object `{object}` appears twice (findings are matched to documents by object)",
            file.name()
        );
    }
    documents
}

/// The document holding the object a finding is about.
fn document_of<'a>(documents: &'a [FixtureDocument], finding: &Finding) -> &'a FixtureDocument {
    let object = finding.object.as_ref().expect("findings name their object");
    documents
        .iter()
        .find(|d| d.objects.contains(object))
        .unwrap_or_else(|| panic!("finding for unknown object `{object}`"))
}

fn check_rule(code: &str, versions: &[&str]) {
    let rule = rule(code);
    let level = level_of(rule);
    let path = fixture_path(code);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let file = SourceFile::new(format!("{FIXTURE_DIR}/{code}.yaml"), text);
    let documents = fixture_documents(&file);

    for &label in versions {
        let version: PolicyVersion = label.parse().unwrap();
        let options = CheckOptions {
            pss_level: level,
            pss_version: version,
            ..CheckOptions::default()
        };
        let report = check_file(&file, &options);
        let context = format!("{code} at {level}:{label}");
        let errors: Vec<String> = report
            .errors
            .iter()
            .map(|e| format!("{}:{}:{}: {}", e.file, e.line, e.column, e.message))
            .collect();
        assert!(errors.is_empty(), "{context}: input errors {errors:#?}");
        assert!(
            report.skipped.is_empty(),
            "{context}: skipped documents {:?}",
            report.skipped
        );
        let object_count: usize = documents.iter().map(|d| d.objects.len()).sum();
        assert_eq!(report.objects.len(), object_count, "{context}");

        let findings: Vec<Finding> = report
            .findings
            .into_iter()
            .filter(|f| f.rule == code)
            .collect();

        // Every finding lies inside the document of its object.
        let mut triggered = BTreeSet::new();
        for finding in &findings {
            let document = document_of(&documents, finding);
            assert!(
                document.range.start <= finding.range.start
                    && finding.range.end <= document.range.end
                    && finding.range.start <= finding.range.end,
                "{context}: finding `{}` at {:?} lies outside its document (line {}, {:?})",
                finding.message,
                finding.start(),
                document.line,
                document.range
            );
            triggered.insert(document.line);
        }

        if in_force(code, version) {
            assert!(!findings.is_empty(), "{context}: no findings");
            let mismatches: Vec<String> = documents
                .iter()
                .filter(|d| d.expects_trigger(label) != triggered.contains(&d.line))
                .map(|d| {
                    let expected = if d.expects_trigger(label) {
                        "trigger"
                    } else {
                        "stay clean"
                    };
                    format!("document at line {} should {expected}", d.line)
                })
                .collect();
            assert!(mismatches.is_empty(), "{context}: {mismatches:#?}");
        } else {
            assert!(
                findings.is_empty(),
                "{context}: the check does not exist at this version"
            );
        }

        let report = Report {
            findings,
            ..Report::default()
        };
        let mut out = Vec::new();
        let options = TextOptions {
            color: false,
            show_snippets: true,
        };
        render::text_findings(&report, &options, &mut out).unwrap();
        let rendered = String::from_utf8(out).unwrap();
        insta::with_settings!({
            description => format!("{code} {} at {level}:{label}", rule.name),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(snapshot_name(code, label), rendered);
        });
    }
}

/// Every rule has a test above, a fixture and a snapshot per tested version;
/// every fixture belongs to a rule.
#[test]
fn every_rule_has_a_fixture_and_snapshots() {
    // Posture rules have their own harness (posture_fixtures.rs).
    let rules: Vec<_> = all_rules()
        .into_iter()
        .filter(|rule| rule.pss.is_some())
        .collect();
    let codes: BTreeSet<&str> = rules.iter().map(|rule| rule.code).collect();
    let tested: BTreeSet<&str> = TESTS.iter().map(|(_, code, _)| *code).collect();
    assert_eq!(tested.len(), TESTS.len(), "a rule is tested twice");
    let untested: Vec<&&str> = codes.difference(&tested).collect();
    assert!(
        untested.is_empty(),
        "rules without a fixture test: {untested:?}"
    );
    let unknown: Vec<&&str> = tested.difference(&codes).collect();
    assert!(unknown.is_empty(), "tests for unknown rules: {unknown:?}");

    let snapshots = crate_dir().join("tests/snapshots");
    for (test, code, versions) in TESTS {
        let rule = rule(code);
        let expected_name = format!("{}_{}", code.to_lowercase(), rule.name.replace('-', "_"));
        assert_eq!(*test, expected_name, "test function name for {code}");
        assert!(
            fixture_path(code).is_file(),
            "{code} has no fixture {}",
            fixture_path(code).display()
        );
        for version in *versions {
            let snapshot = snapshots.join(format!(
                "rule_fixtures__{}.snap",
                snapshot_name(code, version)
            ));
            assert!(
                snapshot.is_file(),
                "{code} has no snapshot {}",
                snapshot.display()
            );
        }
    }

    let fixtures: Vec<String> = std::fs::read_dir(crate_dir().join(FIXTURE_DIR))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for name in &fixtures {
        let code = Path::new(name)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("");
        assert!(
            name.ends_with(".yaml") && codes.contains(code),
            "fixture {name} belongs to no rule"
        );
    }
    assert_eq!(fixtures.len(), codes.len());
}
