//! Scans all of ../shared/corpus (when present) with the real binary: no
//! panic, and input errors only where a file really is invalid.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;

/// Files of the corpus that are invalid as they stand, and why.
const KNOWN_INVALID: &[(&str, &str)] = &[
    (
        "cilium-1.14.0-talos-helm-template.yaml",
        "Secret data redacted to non-base64 text",
    ),
    (
        "persistent-volume-label-initializer-config.yaml",
        "InitializerConfiguration was removed in Kubernetes 1.14",
    ),
    (
        "scheduler-policy-config-with-extender.json",
        "kube-scheduler Policy file, not an API object",
    ),
    (
        "scheduler-policy-config.json",
        "kube-scheduler Policy file, not an API object",
    ),
    ("etcd-controller.yaml", "duplicate key `selector`"),
    ("etcd-discovery-controller.yaml", "duplicate key `selector`"),
    ("openshift-controller.yaml", "duplicate key `selector`"),
    ("quobyte-admin-secret.yaml", "duplicate key `type`"),
    ("sc-pvc.yaml", "duplicate key `storageClassName`"),
    (
        "fc.yaml",
        "placeholder `<ADD LUN ID Here>` where an integer is required",
    ),
];

#[test]
fn corpus_scans_without_spurious_errors() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if !corpus.exists() {
        println!("skipped: {} is not present", corpus.display());
        return;
    }
    let output = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["scan", "--format", "json"])
        .arg(&corpus)
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(1 | 2)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let objects = report["objects"].as_array().unwrap().len();
    println!("{objects} objects, summary {}", report["summary"]);
    assert!(objects > 2000, "the corpus holds thousands of objects");
    let unexpected: Vec<String> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            let file = e["file"].as_str().unwrap();
            !KNOWN_INVALID
                .iter()
                .any(|(known, _)| file.ends_with(&format!("/{known}")))
        })
        .map(|e| {
            format!(
                "{}:{}:{} {}",
                e["file"], e["line"], e["column"], e["message"]
            )
        })
        .collect();
    assert!(
        unexpected.is_empty(),
        "unexpected errors:\n{}",
        unexpected.join("\n")
    );
}
