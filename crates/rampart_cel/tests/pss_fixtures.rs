//! Every upstream Pod Security fixture through the generated
//! ValidatingAdmissionPolicy, evaluated by kube-cel: the verdict is the
//! expected one, and the failing checks are the ones rampart's native
//! evaluator (the webhook's engine) reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jiff::civil::date;
use rampart_cel::evaluate::{admission_defaults, request_for};
use rampart_cel::{Evaluator, FailurePolicy, VapOptions, compile};
use rampart_linter::admission::ModeLevels;
use rampart_linter::exemptions::Config;
use rampart_linter::pss::{self, Level, PodRef, PolicyVersion};
use rampart_yaml::{Limits, parse_stream};
use serde_json::Value;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/pss")
}

fn evaluator(level: Level, version: PolicyVersion) -> Evaluator {
    let options = VapOptions {
        fallback: ModeLevels {
            enforce: Some(level),
            warn: None,
            audit: None,
            version,
        },
        failure_policy: FailurePolicy::Fail,
        exclude_namespaces: Vec::new(),
        today: date(2026, 1, 1),
    };
    let config = Config::parse(
        &rampart_source::SourceFile::new("rampart.yaml", ""),
        Path::new("."),
    )
    .unwrap();
    let compiled = compile(&config, &options);
    let evaluator = Evaluator::new(&compiled.objects).unwrap();
    assert_eq!(evaluator.compile_errors(), Vec::<String>::new());
    evaluator
}

/// The object as the API server hands it to admission: defaulted.
fn defaulted(mut object: Value) -> Value {
    admission_defaults(&mut object);
    object
}

#[test]
fn every_fixture_through_the_generated_policy() {
    let expected = std::fs::read_to_string(data_dir().join("expected.tsv")).unwrap();
    let mut evaluators: HashMap<(Level, PolicyVersion), Evaluator> = HashMap::new();
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for row in expected.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        let (path, level, version, verdict) = (cols[0], cols[1], cols[2], cols[3]);
        let level: Level = level.parse().unwrap();
        let version: PolicyVersion = version.parse().unwrap();
        let text = std::fs::read_to_string(data_dir().join(path)).unwrap();
        let stream = parse_stream(&text, &Limits::default());
        let object = defaulted(stream.documents[0].root.to_json());
        let evaluator = evaluators
            .entry((level, version))
            .or_insert_with(|| evaluator(level, version));
        let outcome = evaluator.admit(&request_for(&object, "CREATE", "default"));
        checked += 1;
        if outcome.allowed() != (verdict == "allowed") {
            mismatches.push(format!(
                "{path} at {level}:{version}: allowed={}, expected {verdict}: {:?}",
                outcome.allowed(),
                outcome.denied
            ));
            continue;
        }
        // The same checks fail as in the native evaluator.
        let native = pss::evaluate(
            PodRef::new(object.get("metadata"), &object["spec"]),
            level,
            version,
        );
        let mut native_codes: Vec<&str> = native.violations.iter().map(|v| v.rule.code).collect();
        let mut cel_codes: Vec<&str> = outcome
            .denied
            .iter()
            .map(|m| m.split_whitespace().next().unwrap_or(""))
            .collect();
        native_codes.sort_unstable();
        cel_codes.sort_unstable();
        if native_codes != cel_codes {
            mismatches.push(format!(
                "{path} at {level}:{version}: native {native_codes:?}, CEL {cel_codes:?}"
            ));
        }
    }
    assert!(checked > 4000, "only {checked} fixtures");
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
