//! End-to-end conformance: every upstream Pod Security fixture goes through the
//! whole scan path (positioned YAML reader, object model, defaulting, evaluator)
//! and must reproduce expected.tsv: verdict, failing checks, reasons, details.

use std::path::PathBuf;

use rampart_linter::checker::{CheckOptions, check_file};
use rampart_linter::pss::{Level, PolicyVersion};
use rampart_source::SourceFile;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/pss")
}

fn aggregate_detail(pss: &serde_json::Value) -> String {
    pss["violations"]
        .as_array()
        .map(|violations| {
            violations
                .iter()
                .map(|v| {
                    let reason = v["reason"].as_str().unwrap_or_default();
                    let detail = v["detail"].as_str().unwrap_or_default();
                    if detail.is_empty() {
                        reason.to_string()
                    } else {
                        format!("{reason} ({detail})")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

#[test]
fn every_fixture_through_the_scanner() {
    let expected = std::fs::read_to_string(data_dir().join("expected.tsv")).unwrap();
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for row in expected.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        let (path, level, version, verdict, failing, detail) =
            (cols[0], cols[1], cols[2], cols[3], cols[6], cols[8]);
        let text = std::fs::read_to_string(data_dir().join(path)).unwrap();
        let file = SourceFile::new(path, text);
        for label in versions_for(version) {
            let options = CheckOptions {
                pss_level: level.parse::<Level>().unwrap(),
                pss_version: label.parse::<PolicyVersion>().unwrap(),
                ..CheckOptions::default()
            };
            let report = check_file(&file, &options);
            checked += 1;
            if !report.errors.is_empty() || report.objects.len() != 1 {
                mismatches.push(format!(
                    "{path}@{label}: {} errors, {} objects",
                    report.errors.len(),
                    report.objects.len()
                ));
                continue;
            }
            let pss = &report.objects[0].pss;
            let allowed = pss["allowed"].as_bool().unwrap();
            let checks: Vec<&str> = pss["violations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["check"].as_str().unwrap())
                .collect();
            let got_failing = if checks.is_empty() {
                "-".to_string()
            } else {
                checks.join(",")
            };
            let got_detail = if allowed {
                "-".to_string()
            } else {
                aggregate_detail(pss)
            };
            if allowed != (verdict == "allowed") || got_failing != failing || got_detail != detail {
                mismatches.push(format!(
                    "{path}@{label}: got {allowed} [{got_failing}] {got_detail:?}; want {verdict} [{failing}] {detail:?}"
                ));
            }
            // Every violation is reported as at least one positioned finding.
            if !allowed && report.findings.is_empty() {
                mismatches.push(format!("{path}@{label}: forbidden but no findings"));
            }
            for finding in &report.findings {
                if finding.range.end > file.text().len() || finding.range.start > finding.range.end
                {
                    mismatches.push(format!("{path}@{label}: bad range {:?}", finding.range));
                }
            }
        }
    }
    println!("checked {checked} fixture evaluations through the scanner");
    assert!(checked >= 4537);
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// The row's own version, plus `latest` for the newest one.
fn versions_for(version: &str) -> Vec<&str> {
    if version == "v1.37" {
        vec![version, "latest"]
    } else {
        vec![version]
    }
}
