//! A fixture and a snapshot for every posture rule (ruff style): each rule's
//! `resources/test/fixtures/<family>/<CODE>.yaml` is scanned, only that
//! rule's findings are kept and rendered, and every document's
//! `# expect: trigger|clean` comment must hold.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use rampart_diagnostics::{Report, render};
use rampart_linter::checker::{CheckOptions, check_file};
use rampart_linter::cluster::{analyze, cluster_rules};
use rampart_linter::pss::Level;
use rampart_linter::rule::RuleSettings;
use rampart_linter::rules::object_rules;
use rampart_source::SourceFile;
use rampart_yaml::{Limits, parse_stream};

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("resources/test/fixtures")
}

/// The fixture of a rule code, in whichever family folder holds it.
fn fixture_of(code: &str) -> Option<PathBuf> {
    std::fs::read_dir(fixtures_dir())
        .ok()?
        .flatten()
        .map(|family| family.path().join(format!("{code}.yaml")))
        .find(|path| path.is_file())
}

fn options() -> CheckOptions {
    CheckOptions {
        pss_level: Level::Privileged,
        select: vec!["ALL".into()],
        settings: RuleSettings {
            allowed_registries: vec!["registry.example.com/".into()],
        },
        ..CheckOptions::default()
    }
}

/// Findings of `code` in `file`: per-object rules from the checker, and
/// cross-object rules from the facts of the whole file.
fn findings_of(code: &str, file: &SourceFile) -> (Vec<rampart_diagnostics::Finding>, Vec<String>) {
    let report = check_file(file, &options());
    let errors = report.errors.iter().map(|e| e.message.clone()).collect();
    let mut findings: Vec<_> = report
        .findings
        .into_iter()
        .filter(|f| f.rule == code)
        .collect();
    let (cluster, _) = analyze(&report.facts, &options());
    for finding in cluster.into_iter().filter(|f| f.rule.code == code) {
        let fact = &report.facts[finding.violation.object];
        findings.push(finding.to_finding(fact, file.clone()));
    }
    (findings, errors)
}

#[test]
fn every_posture_rule_against_its_fixture() {
    let mut failures = Vec::new();
    let metas = object_rules()
        .iter()
        .map(|r| r.meta())
        .chain(cluster_rules().iter().map(|r| r.meta()));
    for meta in metas {
        let Some(path) = fixture_of(meta.code) else {
            failures.push(format!("{}: no fixture", meta.code));
            continue;
        };
        let relative = path
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap()
            .display()
            .to_string();
        let file = SourceFile::new(relative, std::fs::read_to_string(&path).unwrap());
        let (findings, errors) = findings_of(meta.code, &file);
        for error in errors {
            failures.push(format!("{}: input error {error}", meta.code));
        }
        let stream = parse_stream(file.text(), &Limits::default());
        let mut triggered_somewhere = false;
        for document in stream.documents.iter().filter(|d| !d.is_empty) {
            let leading = &file.text()[document.range.start..document.root.range.start];
            let line = file.position(document.root.range.start).line;
            let Some(expect) = leading
                .lines()
                .find_map(|l| l.trim().strip_prefix("# expect:"))
                .map(str::trim)
            else {
                failures.push(format!("{}:{line}: no `# expect:` comment", meta.code));
                continue;
            };
            let hits = findings
                .iter()
                .filter(|f| {
                    f.range.start >= document.root.range.start
                        && f.range.end <= document.root.range.end
                })
                .count();
            triggered_somewhere |= hits > 0;
            match (expect, hits) {
                ("trigger", 0) => {
                    failures.push(format!("{}:{line}: expected a finding", meta.code))
                }
                ("clean", n) if n > 0 => failures.push(format!(
                    "{}:{line}: expected no finding, got {n}",
                    meta.code
                )),
                ("trigger" | "clean", _) => {}
                (other, _) => {
                    failures.push(format!("{}:{line}: bad expectation `{other}`", meta.code))
                }
            }
        }
        if !triggered_somewhere {
            failures.push(format!("{}: the fixture never triggers", meta.code));
        }
        let mut rendered = Vec::new();
        let part = Report {
            findings,
            ..Report::default()
        };
        render::text_findings(&part, &render::TextOptions::default(), &mut rendered).unwrap();
        insta::assert_snapshot!(meta.code, String::from_utf8(rendered).unwrap());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
