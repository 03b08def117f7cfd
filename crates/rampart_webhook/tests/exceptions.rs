//! Scoped exceptions at admission: each scoping dimension, and the leaks
//! reported against other engines (an exception for one container allowing
//! another: kyverno#9836, kyverno#6615).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;

use rampart_linter::checker::CheckOptions;
use rampart_linter::exemptions::Config;
use rampart_privileges::KnowledgeBase;
use rampart_privileges::scan::{ExplainMode, KnowledgeExplainer};
use rampart_source::SourceFile;
use rampart_webhook::{Engine, Mode, review};
use serde_json::{Value, json};

const CONFIG: &str = "exceptions:
  - reason: the agent reads host processes
    namespaces: [monitoring]
    serviceAccounts: [agent]
    containers: [agent]
    images: [\"registry.example.com/agent\"]
    privileges:
      - hostPath: {path: /proc, readOnly: true}
";

fn engine() -> Engine {
    let config = Config::parse(&SourceFile::new("rampart.yaml", CONFIG), Path::new(".")).unwrap();
    let (base, errors) = KnowledgeBase::builtin();
    assert!(errors.is_empty());
    Engine::new(
        Arc::new(CheckOptions {
            posture_rules: false,
            pss_level: rampart_linter::pss::Level::Baseline,
            config: Arc::new(config),
            agent_privileges: Some(Arc::new(KnowledgeExplainer::new(
                Arc::new(base),
                ExplainMode::Off,
                true,
            ))),
            ..CheckOptions::default()
        }),
        Mode::Enforce,
        rampart_linter::pss::Level::Baseline,
    )
}

/// A pod whose containers each mount host /proc.
fn pod(namespace: &str, account: &str, containers: &[(&str, &str, bool)]) -> Value {
    let list: Vec<Value> = containers
        .iter()
        .map(|(name, image, read_only)| {
            json!({"name": name, "image": image,
                   "volumeMounts": [{"name": "proc", "mountPath": "/host/proc", "readOnly": read_only}]})
        })
        .collect();
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": namespace},
           "spec": {"serviceAccountName": account, "containers": list,
                    "volumes": [{"name": "proc", "hostPath": {"path": "/proc"}}]}})
}

fn allowed(object: Value) -> bool {
    let namespace = object["metadata"]["namespace"].clone();
    let body = serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                    "operation": "CREATE", "namespace": namespace, "object": object}
    }))
    .unwrap();
    review(&body, &engine()).unwrap()["response"]["allowed"]
        .as_bool()
        .unwrap()
}

const AGENT: (&str, &str, bool) = ("agent", "registry.example.com/agent:1", true);

#[test]
fn the_named_scope_is_allowed() {
    assert!(allowed(pod("monitoring", "agent", &[AGENT])));
}

#[test]
fn each_scoping_dimension_is_enforced() {
    assert!(!allowed(pod("other", "agent", &[AGENT])), "namespace");
    assert!(
        !allowed(pod("monitoring", "default", &[AGENT])),
        "service account"
    );
    assert!(
        !allowed(pod(
            "monitoring",
            "agent",
            &[("worker", "registry.example.com/agent:1", true)]
        )),
        "container"
    );
    assert!(
        !allowed(pod(
            "monitoring",
            "agent",
            &[("agent", "docker.io/evil/agent:1", true)]
        )),
        "image"
    );
    assert!(
        !allowed(pod(
            "monitoring",
            "agent",
            &[("agent", "registry.example.com/agent:1", false)]
        )),
        "read-write"
    );
}

#[test]
fn an_exception_does_not_leak_to_another_container() {
    // kyverno#9836 / #6615: a second container with the same volume is not covered.
    assert!(!allowed(pod(
        "monitoring",
        "agent",
        &[AGENT, ("sidecar", "busybox", true)]
    )));
    assert!(!allowed(pod(
        "monitoring",
        "agent",
        &[AGENT, ("sidecar", "registry.example.com/agent:1", true)]
    )));
}
