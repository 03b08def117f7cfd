//! Conformance of the Pod Security Standards evaluator against the upstream
//! Pod Security Admission fixture corpus (`tests/data/pss`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: panics are failures

mod common;

use std::collections::HashMap;

use common::*;
use rampart_linter::pss::{Level, NEWEST_MINOR, PolicyVersion};
use serde_json::Value;

fn fail_with(mismatches: &[String], checked: usize, what: &str) {
    println!(
        "{what}: {checked} evaluations checked, {} mismatches",
        mismatches.len()
    );
    if !mismatches.is_empty() {
        let shown: Vec<&String> = mismatches.iter().take(60).collect();
        panic!(
            "{} {what} mismatches (of {checked}); first {}:\n{}",
            mismatches.len(),
            shown.len(),
            shown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

#[test]
fn expected_tsv() {
    let rows = read_tsv("expected.tsv");
    assert_eq!(rows.len(), 4537, "expected.tsv row count");
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for row in &rows {
        let path = &row["path"];
        let level: Level = row["level"].parse().unwrap();
        let version: PolicyVersion = row["version"].parse().unwrap();
        let pod = load_fixture(path);
        let evaluation = eval(&pod, level, version);
        checked += 1;

        let mut problems = Vec::new();
        let verdict = if evaluation.allowed {
            "allowed"
        } else {
            "forbidden"
        };
        if verdict != row["expected"] {
            problems.push(format!("verdict {verdict} != {}", row["expected"]));
        }
        let checks = failing_checks(&evaluation);
        if checks != row["failing_checks"] {
            problems.push(format!("checks {checks} != {}", row["failing_checks"]));
        }
        let reasons = reasons_or_dash(&evaluation);
        if reasons != row["forbidden_reasons"] {
            problems.push(format!(
                "reasons {reasons:?} != {:?}",
                row["forbidden_reasons"]
            ));
        }
        let detail = detail_or_dash(&evaluation);
        if detail != row["forbidden_detail"] {
            problems.push(format!(
                "detail {detail:?} != {:?}",
                row["forbidden_detail"]
            ));
        }
        let substring = &row["expect_substring"];
        if substring != "-" && !detail.contains(substring.as_str()) {
            problems.push(format!("detail lacks {substring:?}"));
        }
        if !evaluation.allowed {
            let message = evaluation.forbidden_message().unwrap();
            let prefix = format!(
                "violates PodSecurity \"{}:{}\": ",
                row["level"], row["version"]
            );
            if message != format!("{prefix}{detail}") {
                problems.push(format!("forbidden message {message:?}"));
            }
            // Every failing check names at least one offender.
            for violation in &evaluation.violations {
                if violation.offenders.is_empty() {
                    problems.push(format!("{} has no offender", violation.check));
                }
            }
        }

        // v1.37 is the newest: `latest` and anything above evaluate the same.
        if row["version"] == format!("v1.{NEWEST_MINOR}") {
            for other in [PolicyVersion::Latest, PolicyVersion::Minor(99)] {
                let again = eval(&pod, level, other);
                checked += 1;
                if again.allowed != evaluation.allowed || again.violations != evaluation.violations
                {
                    problems.push(format!("differs at {other}"));
                }
                assert_eq!(again.version, other);
            }
        }
        if !problems.is_empty() {
            mismatches.push(format!("{path}: {}", problems.join("; ")));
        }
    }
    fail_with(&mismatches, checked, "expected.tsv");
}

#[test]
fn matrix_tsv() {
    let rows = read_tsv("matrix.tsv");
    assert_eq!(rows.len(), 1805, "matrix.tsv row count");
    let mut pods: HashMap<String, Value> = HashMap::new();
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for row in &rows {
        let path = &row["example_path"];
        let pod = pods
            .entry(path.clone())
            .or_insert_with(|| load_fixture(path));
        let level: Level = row["level"].parse().unwrap();
        let minor = |v: &str| match v.parse::<PolicyVersion>().unwrap() {
            PolicyVersion::Minor(m) => m,
            PolicyVersion::Latest => unreachable!(),
        };
        let from = minor(&row["version_from"]);
        let to = minor(&row["version_to"]);
        let mut versions: Vec<PolicyVersion> = (from..=to).map(PolicyVersion::Minor).collect();
        if row["also_latest_and_newer"] == "yes" {
            versions.extend([
                PolicyVersion::Latest,
                PolicyVersion::Minor(NEWEST_MINOR + 1),
            ]);
        }
        for version in versions {
            let evaluation = eval(pod, level, version);
            checked += 1;
            let result = if evaluation.allowed {
                "allowed"
            } else {
                "forbidden"
            };
            let checks = failing_checks(&evaluation);
            let detail = detail_or_dash(&evaluation);
            if result != row["result"]
                || checks != row["failing_checks"]
                || detail != row["forbidden_detail"]
            {
                mismatches.push(format!(
                    "{} ({path}) {level}:{version}: got {result} [{checks}] {detail:?}; want {} [{}] {:?}",
                    row["spec_id"], row["result"], row["failing_checks"], row["forbidden_detail"]
                ));
            }
        }
    }
    fail_with(&mismatches, checked, "matrix.tsv");
}
