//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use rampart_linter::pss::{self, Evaluation, Level, PodRef, PolicyVersion};
use serde_json::Value;

/// `tests/data/pss` at the workspace root.
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/pss")
}

/// Parses one YAML document into JSON.
pub fn parse_yaml(text: &str) -> Value {
    serde_saphyr::from_str::<Value>(text).unwrap_or_else(|e| panic!("bad YAML: {e}\n{text}"))
}

/// Reads and parses a fixture relative to [`data_dir`], then applies the
/// API defaulting to its spec.
pub fn load_fixture(path: &str) -> Value {
    let text = std::fs::read_to_string(data_dir().join(path))
        .unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let mut pod = parse_yaml(&text);
    if let Some(spec) = pod.get_mut("spec") {
        pss::apply_api_defaults(spec);
    }
    pod
}

/// Evaluates a whole Pod object.
pub fn eval(pod: &Value, level: Level, version: PolicyVersion) -> Evaluation {
    let pod_ref = PodRef::from_pod(pod).expect("pod has a spec");
    pss::evaluate(pod_ref, level, version)
}

/// Evaluates a YAML pod at `level` and `version` strings.
pub fn eval_yaml(yaml: &str, level: &str, version: &str) -> Evaluation {
    let mut pod = parse_yaml(yaml);
    if let Some(spec) = pod.get_mut("spec") {
        pss::apply_api_defaults(spec);
    }
    eval(&pod, level.parse().unwrap(), version.parse().unwrap())
}

/// `a,b,c` or `-`.
pub fn failing_checks(evaluation: &Evaluation) -> String {
    let ids: Vec<&str> = evaluation.failing_checks().collect();
    if ids.is_empty() {
        "-".to_owned()
    } else {
        ids.join(",")
    }
}

/// Aggregate detail or `-` when allowed.
pub fn detail_or_dash(evaluation: &Evaluation) -> String {
    if evaluation.allowed {
        "-".to_owned()
    } else {
        evaluation.aggregate_detail()
    }
}

/// Aggregate reasons or `-` when allowed.
pub fn reasons_or_dash(evaluation: &Evaluation) -> String {
    if evaluation.allowed {
        "-".to_owned()
    } else {
        evaluation.aggregate_reasons()
    }
}

/// Reads a TSV with a header into rows of (header -> value).
pub fn read_tsv(name: &str) -> Vec<std::collections::HashMap<String, String>> {
    let text = std::fs::read_to_string(data_dir().join(name)).expect("read tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), header.len(), "bad TSV line: {line}");
            header
                .iter()
                .zip(fields)
                .map(|(h, f)| ((*h).to_owned(), f.to_owned()))
                .collect()
        })
        .collect()
}
