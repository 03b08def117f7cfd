//! Admission levels per namespace from `rampart.yaml`: enforce, warn and audit
//! each at their own level, as the Pod Security labels set them for PSA.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;

use rampart_linter::checker::CheckOptions;
use rampart_linter::exemptions::Config;
use rampart_linter::pss::Level;
use rampart_source::SourceFile;
use rampart_webhook::{Engine, Mode, review};
use serde_json::{Value, json};

const CONFIG: &str = "admission:
  default: {enforce: baseline, warn: restricted, audit: restricted}
  namespaces:
    monitoring: {enforce: privileged, warn: baseline}
    legacy: {enforce: off, warn: off, audit: baseline}
";

fn engine() -> Engine {
    let config = Config::parse(&SourceFile::new("rampart.yaml", CONFIG), Path::new(".")).unwrap();
    let options = CheckOptions {
        posture_rules: false,
        config: Arc::new(config),
        ..CheckOptions::default()
    };
    Engine::new(Arc::new(options), Mode::Enforce, Level::Restricted)
}

fn response(kind: &str, namespace: &str, spec: Value) -> Value {
    let object = if kind == "Pod" {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec})
    } else {
        json!({"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "d"},
               "spec": {"selector": {}, "template": {"metadata": {}, "spec": spec}}})
    };
    let body = serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "u", "kind": {"group": "", "version": "v1", "kind": kind},
                    "operation": "CREATE", "namespace": namespace, "object": object}
    }))
    .unwrap();
    review(&body, &engine()).unwrap()["response"].clone()
}

fn host_pid() -> Value {
    json!({"hostPID": true, "containers": [{"name": "c", "image": "x"}]})
}

/// Passes baseline, fails restricted.
fn root_pod() -> Value {
    json!({"containers": [{"name": "c", "image": "x"}]})
}

#[test]
fn the_default_enforces_baseline_and_warns_restricted() {
    let denied = response("Pod", "apps", host_pid());
    assert_eq!(denied["allowed"], false);
    let allowed = response("Pod", "apps", root_pod());
    assert_eq!(allowed["allowed"], true);
    assert!(
        !allowed["warnings"].as_array().unwrap().is_empty(),
        "{allowed}"
    );
    assert!(allowed["auditAnnotations"]["rampart.dev/violations"].is_string());
}

#[test]
fn a_namespace_entry_overrides_the_default() {
    let monitoring = response("Pod", "monitoring", host_pid());
    assert_eq!(monitoring["allowed"], true);
    let warnings = monitoring["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("hostPID")),
        "{monitoring}"
    );
    // Restricted-only problems are not warned about at baseline.
    let quiet = response("Pod", "monitoring", root_pod());
    assert!(quiet.get("warnings").is_none(), "{quiet}");

    let legacy = response("Pod", "legacy", host_pid());
    assert_eq!(legacy["allowed"], true);
    assert!(legacy.get("warnings").is_none());
    assert!(
        legacy["auditAnnotations"]["rampart.dev/violations"]
            .as_str()
            .unwrap()
            .contains("hostPID")
    );
}

#[test]
fn workloads_are_warned_not_denied() {
    let deployment = response("Deployment", "apps", host_pid());
    assert_eq!(deployment["allowed"], true);
    assert!(
        deployment["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("hostPID"))
    );
}
