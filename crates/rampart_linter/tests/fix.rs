//! `fix`: minimal edits that keep comments, clear the fixed findings, and are
//! idempotent; Helm output and unsafe fixes are left alone unless asked.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use rampart_linter::checker::{CheckOptions, check_file};
use rampart_linter::fix::fix_file;
use rampart_source::SourceFile;

fn fixture(name: &str) -> SourceFile {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("resources/test/fixtures")
        .join(name);
    SourceFile::new(name, std::fs::read_to_string(path).unwrap())
}

const SAFE: [&str; 6] = ["PSR002", "PSR003", "PSR004", "PSR005", "WL006", "WL008"];

#[test]
fn fixes_keep_comments_clear_findings_and_are_idempotent() {
    let options = CheckOptions::default();
    let file = fixture("fix_deployment.yaml");
    let outcome = fix_file(&file, &options, false);
    insta::assert_snapshot!(outcome.text);
    for comment in ["# Web frontend", "# the main container", "# legacy"] {
        assert!(outcome.text.contains(comment), "lost {comment}");
    }
    assert_eq!(
        outcome.unsafe_skipped, 1,
        "privileged: true needs --unsafe-fixes"
    );
    let fixed = SourceFile::new("fixed.yaml", outcome.text.clone());
    let report = check_file(&fixed, &options);
    assert!(
        report.errors.is_empty(),
        "{:?}",
        report.errors.iter().map(|e| &e.message).collect::<Vec<_>>()
    );
    let left: Vec<&str> = report
        .findings
        .iter()
        .map(|f| f.rule.as_ref())
        .filter(|r| SAFE.contains(r))
        .collect();
    assert!(left.is_empty(), "still reported after fixing: {left:?}");
    let again = fix_file(&fixed, &options, false);
    assert_eq!(again.text, outcome.text, "fixing twice changes nothing");
    assert!(again.applied.is_empty());
}

#[test]
fn unsafe_fixes_only_on_request() {
    let options = CheckOptions::default();
    let file = fixture("fix_deployment.yaml");
    let outcome = fix_file(&file, &options, true);
    assert!(
        outcome.text.contains("privileged: false # legacy"),
        "{}",
        outcome.text
    );
    assert_eq!(outcome.unsafe_skipped, 0);
}

#[test]
fn helm_output_is_not_edited() {
    let text = format!(
        "---\n# Source: web/templates/deployment.yaml\n{}",
        fixture("fix_deployment.yaml").text()
    );
    let file = SourceFile::new("rendered.yaml", text.clone());
    let outcome = fix_file(&file, &CheckOptions::default(), true);
    assert_eq!(outcome.text, text);
    assert!(outcome.helm_refused > 0);
}

/// Every fixture of every rule: fixing keeps the YAML valid and the object
/// count, and a second run changes nothing.
#[test]
fn fixing_every_fixture_is_sound() {
    let options = CheckOptions::default();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("resources/test/fixtures");
    let mut checked = 0;
    for family in std::fs::read_dir(&root).unwrap().flatten() {
        if !family.path().is_dir() {
            continue;
        }
        for entry in std::fs::read_dir(family.path()).unwrap().flatten() {
            let name = entry.path().display().to_string();
            let file = SourceFile::new(&name, std::fs::read_to_string(entry.path()).unwrap());
            let before = check_file(&file, &options);
            let outcome = fix_file(&file, &options, true);
            let fixed = SourceFile::new(&name, outcome.text.clone());
            let after = check_file(&fixed, &options);
            assert_eq!(
                after.errors.len(),
                before.errors.len(),
                "{name}: fixing broke the YAML:\n{}",
                outcome.text
            );
            assert_eq!(after.objects.len(), before.objects.len(), "{name}");
            assert!(
                after.findings.len() <= before.findings.len(),
                "{name}: fixing added findings"
            );
            assert_eq!(
                fix_file(&fixed, &options, true).text,
                outcome.text,
                "{name}: not idempotent"
            );
            checked += 1;
        }
    }
    assert!(checked > 20);
}

/// Resource defaults are applied only when the config names them.
#[test]
fn resource_defaults_from_the_config() {
    use std::path::Path;
    use std::sync::Arc;

    use rampart_linter::exemptions::Config;

    let config_text = "fix:\n  resources:\n    requests: {cpu: 100m, memory: 128Mi}\n    limits: {memory: 256Mi}\n";
    let config = Config::parse(
        &SourceFile::new("rampart.yaml", config_text),
        Path::new("."),
    )
    .unwrap();
    let options = CheckOptions {
        config: Arc::new(config),
        ..CheckOptions::default()
    };
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: c:1\n    resources:\n      limits: {cpu: \"1\"}\n";
    let outcome = fix_file(&SourceFile::new("pod.yaml", pod), &options, false);
    let fixed = SourceFile::new("pod.yaml", outcome.text.clone());
    let report = check_file(&fixed, &options);
    assert!(
        !report.findings.iter().any(|f| f.rule == "WL007"),
        "{}",
        outcome.text
    );
    assert!(
        outcome.text.contains("limits: {cpu: \"1\", memory: 256Mi}"),
        "{}",
        outcome.text
    );
    assert!(outcome.text.contains("requests:"), "{}", outcome.text);
    let without = fix_file(
        &SourceFile::new("pod.yaml", pod),
        &CheckOptions::default(),
        false,
    );
    assert!(!without.text.contains("256Mi"));
}
