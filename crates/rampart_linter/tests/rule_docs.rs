//! Every rule's documentation is complete, and the examples in the Pod
//! Security rules' docs really trigger (and really fix) their check.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: panics are failures

mod common;

use std::collections::HashSet;

use common::*;
use rampart_linter::pss::check::all_checks;
use rampart_linter::rules::all_rules;

const SECTIONS: [&str; 6] = [
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## Fix",
    "## References",
];

/// The body of section `heading` (up to the next `## `).
fn section<'a>(doc: &'a str, heading: &str) -> &'a str {
    let start = doc.find(heading).unwrap_or_else(|| panic!("no {heading}")) + heading.len();
    let rest = &doc[start..];
    match rest.find("\n## ") {
        Some(end) => &rest[..end],
        None => rest,
    }
}

/// The first ```yaml block of `text`.
fn yaml_block(text: &str) -> &str {
    let start = text.find("```yaml\n").expect("a ```yaml block") + "```yaml\n".len();
    let end = text[start..].find("```").expect("closing ```");
    &text[start..start + end]
}

fn is_kebab_case(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[test]
fn every_rule_is_documented() {
    let rules = all_rules();
    assert!(rules.len() >= 19);
    let mut codes = HashSet::new();
    let mut names = HashSet::new();
    for rule in &rules {
        assert!(codes.insert(rule.code), "duplicate code {}", rule.code);
        assert!(names.insert(rule.name), "duplicate name {}", rule.name);
        assert!(is_kebab_case(rule.name), "{} is not kebab-case", rule.name);
        let doc = rule.documentation;
        let mut last = 0;
        for heading in SECTIONS {
            let at = doc
                .find(heading)
                .unwrap_or_else(|| panic!("{} lacks {heading}", rule.code));
            assert!(at >= last, "{}: {heading} out of order", rule.code);
            last = at;
            assert!(
                section(doc, heading).trim().len() > 20,
                "{}: {heading} is empty",
                rule.code
            );
        }
        assert!(!rule.summary.is_empty(), "{} has no summary", rule.code);
        let references = section(doc, "## References");
        if rule.pss.is_some() {
            assert!(
                references.contains(
                    "https://kubernetes.io/docs/concepts/security/pod-security-standards/"
                ),
                "{}: no PSS link",
                rule.code
            );
        }
        assert!(
            references.contains("CIS Kubernetes Benchmark"),
            "{}",
            rule.code
        );
        for cis in rule.cis {
            assert!(
                references.contains(cis),
                "{}: CIS {cis} not referenced",
                rule.code
            );
        }
        for technique in rule.mitre {
            let path = technique.replace('.', "/");
            let link = format!("https://attack.mitre.org/techniques/{path}/");
            assert!(references.contains(&link), "{}: no link {link}", rule.code);
        }
        assert!(!rule.nsa.is_empty(), "{}: no NSA/CISA mapping", rule.code);
        // The standards tags are the mappings, each once.
        let mut expected: Vec<String> = rule.pss.iter().map(|p| format!("pss:{p}")).collect();
        expected.extend(rule.cis.iter().map(|c| format!("cis-k8s:{c}")));
        expected.extend(rule.mitre.iter().map(|m| format!("mitre:{m}")));
        expected.extend(rule.nsa.iter().map(|n| format!("nsa:{}", n.slug)));
        let tags: Vec<&str> = rule.standards().iter().map(|t| t.as_ref()).collect();
        assert_eq!(tags, expected, "{}", rule.code);
    }
}

#[test]
fn pod_security_examples_fail_and_fixes_pass() {
    let checks = all_checks();
    let mut seen = 0;
    for rule in all_rules() {
        let Some(pss) = rule.pss else { continue };
        let (level, check_id) = pss.split_once(':').expect("level:checkId");
        assert!(
            checks
                .iter()
                .any(|c| c.id == check_id && c.rule.code == rule.code),
            "{}: {check_id} is not a registered check of this rule",
            rule.code
        );
        let doc = rule.documentation;
        let example = yaml_block(section(doc, "## Example"));
        let fixed = yaml_block(section(doc, "## Use instead"));

        let bad = eval_yaml(example, level, "latest");
        assert!(
            bad.failing_checks().any(|c| c == check_id),
            "{}: the Example does not fail {check_id} at {level}:latest: {:?}",
            rule.code,
            bad.aggregate_detail()
        );
        let good = eval_yaml(fixed, level, "latest");
        assert!(
            !good.failing_checks().any(|c| c == check_id),
            "{}: the Use instead example still fails {check_id}: {}",
            rule.code,
            good.aggregate_detail()
        );
        assert!(
            good.allowed,
            "{}: the Use instead example is not {level}-compliant: {}",
            rule.code,
            good.aggregate_detail()
        );
        for yaml in [example, fixed] {
            let pod = parse_yaml(yaml);
            assert_eq!(pod["apiVersion"], "v1", "{}", rule.code);
            assert_eq!(pod["kind"], "Pod", "{}", rule.code);
        }
        seen += 1;
    }
    assert_eq!(seen, 19);
}

/// Every posture rule's documented Example triggers it, and its "Use instead"
/// does not (so the docs cannot lie).
#[test]
fn posture_examples_fail_and_fixes_pass() {
    use rampart_linter::checker::{CheckOptions, check_file};
    use rampart_linter::pss::Level;
    use rampart_linter::rules::object_rules;
    use rampart_source::SourceFile;

    // The same settings as the fixtures: image-registry-not-allowed (IM004)
    // needs an allowed registry to fire at all.
    let options = CheckOptions {
        pss_level: Level::Privileged,
        select: vec!["ALL".into()],
        settings: rampart_linter::rule::RuleSettings {
            allowed_registries: vec!["registry.example.com/".into()],
        },
        ..CheckOptions::default()
    };
    let metas = object_rules().iter().map(|r| r.meta()).chain(
        rampart_linter::cluster::cluster_rules()
            .iter()
            .map(|r| r.meta()),
    );
    for meta in metas {
        let doc = meta.documentation;
        for (heading, should_trigger) in [("## Example", true), ("## Use instead", false)] {
            let yaml = yaml_block(section(doc, heading));
            let file = SourceFile::new(format!("{} {heading}", meta.code), yaml);
            let report = check_file(&file, &options);
            assert!(
                report.errors.is_empty(),
                "{} {heading}: {:?}",
                meta.code,
                report.errors.iter().map(|e| &e.message).collect::<Vec<_>>()
            );
            let (cluster, _) = rampart_linter::cluster::analyze(&report.facts, &options);
            let triggered = report.findings.iter().any(|f| f.rule == meta.code)
                || cluster.iter().any(|f| f.rule.code == meta.code);
            assert_eq!(
                triggered,
                should_trigger,
                "{}: {heading} {} the rule",
                meta.code,
                if triggered {
                    "triggers"
                } else {
                    "does not trigger"
                }
            );
        }
    }
}
