//! `rampart policy vap`: the objects it writes, the same in YAML and JSON,
//! and `--test` judging manifests with them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{json_of, rampart, temp_dir, text};
use rampart_yaml::{Limits, parse_stream};
use serde_json::Value;

const CONFIG: &str = "admission:
  default: {enforce: restricted, warn: restricted}
  namespaces:
    monitoring: {enforce: baseline, warn: restricted}
exceptions:
  - reason: node-exporter reads host /proc
    namespaces: [monitoring]
    containers: [node-exporter]
    images: [\"quay.io/prometheus/node-exporter\"]
    privileges:
      - hostPID: true
      - hostPath: {path: /proc, readOnly: true}
";

const POD: &str = "apiVersion: v1
kind: Pod
metadata: {name: node-exporter, namespace: NAMESPACE}
spec:
  hostPID: true
  containers:
    - name: node-exporter
      image: quay.io/prometheus/node-exporter:v1.8.2
      volumeMounts: [{name: proc, mountPath: /host/proc, readOnly: true}]
  volumes: [{name: proc, hostPath: {path: /proc}}]
";

#[test]
fn yaml_and_json_outputs_hold_the_same_objects() {
    let dir = temp_dir("policy-vap");
    std::fs::write(dir.join("rampart.yaml"), CONFIG).unwrap();
    let yaml = rampart(
        &[
            "policy",
            "vap",
            "--config",
            "rampart.yaml",
            "--exclude-namespace",
            "kube-system",
        ],
        None,
        &dir,
    );
    assert!(yaml.status.success(), "{}", text(&yaml.stderr));
    let json = rampart(
        &[
            "policy",
            "vap",
            "--config",
            "rampart.yaml",
            "--exclude-namespace",
            "kube-system",
            "--format",
            "json",
        ],
        None,
        &dir,
    );
    let items = json_of(&json)["items"].as_array().unwrap().clone();
    let stream = parse_stream(&text(&yaml.stdout), &Limits::default());
    assert!(stream.errors.is_empty(), "{:?}", stream.errors);
    let from_yaml: Vec<Value> = stream.documents.iter().map(|d| d.root.to_json()).collect();
    assert_eq!(from_yaml, items);
    // Two levels in use, three object shapes each; a binding per mode, level, selection and shape.
    let kinds: Vec<&str> = items.iter().map(|o| o["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == "ValidatingAdmissionPolicy")
            .count(),
        6
    );
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == "ValidatingAdmissionPolicyBinding")
            .count(),
        12
    );
    let default_enforce = items
        .iter()
        .find(|o| o["metadata"]["name"] == "rampart-enforce-restricted-latest-pods-default")
        .unwrap();
    assert_eq!(
        default_enforce["spec"]["validationActions"],
        serde_json::json!(["Deny"])
    );
    assert_eq!(
        default_enforce["spec"]["matchResources"]["namespaceSelector"]["matchExpressions"][0]["values"],
        serde_json::json!(["kube-system", "monitoring"])
    );
}

#[test]
fn test_judges_manifests_with_the_generated_policy() {
    let dir = temp_dir("policy-vap-test");
    std::fs::write(dir.join("rampart.yaml"), CONFIG).unwrap();
    std::fs::write(dir.join("ok.yaml"), POD.replace("NAMESPACE", "monitoring")).unwrap();
    std::fs::write(dir.join("elsewhere.yaml"), POD.replace("NAMESPACE", "apps")).unwrap();

    let ok = rampart(
        &[
            "policy",
            "vap",
            "--config",
            "rampart.yaml",
            "--test",
            "ok.yaml",
        ],
        None,
        &dir,
    );
    let out = text(&ok.stdout);
    assert_eq!(ok.status.code(), Some(0), "{out}");
    assert!(
        out.starts_with("allowed: Pod monitoring/node-exporter"),
        "{out}"
    );
    // Baseline is enforced in monitoring; restricted still warns.
    assert!(out.contains("warn: PSR"), "{out}");

    let denied = rampart(
        &[
            "policy",
            "vap",
            "--config",
            "rampart.yaml",
            "--test",
            "elsewhere.yaml",
        ],
        None,
        &dir,
    );
    let out = text(&denied.stdout);
    assert_eq!(denied.status.code(), Some(1), "{out}");
    assert!(out.contains("denied: Pod apps/node-exporter"), "{out}");
    assert!(out.contains("deny: PSB001 host-namespaces"), "{out}");

    std::fs::write(dir.join("broken.yaml"), "kind: Pod\nmetadata: [\n").unwrap();
    let broken = rampart(
        &[
            "policy",
            "vap",
            "--config",
            "rampart.yaml",
            "--test",
            "broken.yaml",
            "ok.yaml",
        ],
        None,
        &dir,
    );
    assert_eq!(broken.status.code(), Some(2));
    assert!(
        text(&broken.stderr).contains("broken.yaml:"),
        "{}",
        text(&broken.stderr)
    );
    assert!(text(&broken.stdout).contains("allowed: Pod monitoring/node-exporter"));
}
