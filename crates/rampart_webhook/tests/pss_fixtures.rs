//! Every upstream Pod Security fixture, sent as an AdmissionReview for a Pod
//! CREATE in enforce mode: the webhook allows exactly the allowed ones, and
//! a denial names the failing checks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Arc;

use rampart_linter::checker::CheckOptions;
use rampart_linter::pss::{Level, PolicyVersion};
use rampart_webhook::{Engine, Mode, review};
use rampart_yaml::{Limits, parse_stream};
use serde_json::{Value, json};

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/pss")
}

#[test]
fn every_fixture_through_the_webhook() {
    let expected = std::fs::read_to_string(data_dir().join("expected.tsv")).unwrap();
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for row in expected.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        let (path, level, version, verdict) = (cols[0], cols[1], cols[2], cols[3]);
        let text = std::fs::read_to_string(data_dir().join(path)).unwrap();
        let stream = parse_stream(&text, &Limits::default());
        let object: Value = stream.documents[0].root.to_json();
        let body = serde_json::to_vec(&json!({
            "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": path, "kind": {"group": "", "version": "v1", "kind": "Pod"},
                        "operation": "CREATE", "namespace": "default", "object": object}
        }))
        .unwrap();
        let engine = Engine::new(
            Arc::new(CheckOptions {
                pss_level: level.parse::<Level>().unwrap(),
                pss_version: version.parse::<PolicyVersion>().unwrap(),
                posture_rules: false,
                ..CheckOptions::default()
            }),
            Mode::Enforce,
            level.parse::<Level>().unwrap(),
        );
        let out = review(&body, &engine).unwrap();
        let response = &out["response"];
        checked += 1;
        assert_eq!(response["uid"], path);
        let allowed = response["allowed"].as_bool().unwrap();
        if allowed != (verdict == "allowed") {
            mismatches.push(format!(
                "{path}: allowed={allowed}, expected {verdict}: {}",
                response["status"]["message"]
            ));
        }
        if !allowed {
            let message = response["status"]["message"].as_str().unwrap();
            assert!(
                message.starts_with("rampart denied this pod: PS"),
                "{path}: {message}"
            );
        }
    }
    assert!(checked >= 4537, "{checked}");
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(20)].join("\n")
    );
}
