//! A controller's pods repeat its workload's template: one signal per
//! controller, not one per pod.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rampart_audit::{Engine, State};
use serde_json::json;

fn pod_create(id: usize, owner: &str, second: usize) -> String {
    json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Request",
        "auditID": format!("a-{id}"), "stage": "ResponseComplete", "verb": "create",
        "requestURI": "/api/v1/namespaces/apps/pods",
        "user": {"username": "system:serviceaccount:kube-system:replicaset-controller"},
        "objectRef": {"resource": "pods", "namespace": "apps", "apiVersion": "v1"},
        "responseStatus": {"code": 201},
        "requestObject": {"metadata": {"generateName": format!("{owner}-"),
            "ownerReferences": [{"kind": "ReplicaSet", "name": owner, "controller": true}]},
            "spec": {"hostPID": true, "containers": [{"name": "c", "image": "x",
                "securityContext": {"privileged": true}}]}},
        "stageTimestamp": format!("2026-01-01T00:{:02}:{:02}.000000Z", second / 60, second % 60),
    })
    .to_string()
}

#[test]
fn one_signal_per_controller_within_ten_minutes() {
    let mut log = String::new();
    for (id, owner, second) in [
        (1, "web-1", 0),
        (2, "web-1", 5),
        (3, "web-1", 9),
        (4, "api-1", 10),
        (5, "web-1", 700),
    ] {
        log.push_str(&pod_create(id, owner, second));
        log.push('\n');
    }
    let engine = Engine::builtin();
    let mut signals = Vec::new();
    engine
        .run(
            &mut log.as_bytes(),
            "log",
            &mut State::default(),
            &mut |s| signals.push(s),
        )
        .unwrap();
    let ids = |rule: &str| -> Vec<String> {
        signals
            .iter()
            .filter(|s| s.rule == rule)
            .map(|s| s.audit_id.clone())
            .collect()
    };
    // web-1's first pod, api-1's, and web-1's again after ten minutes.
    assert_eq!(ids("KA002"), ["a-1", "a-4", "a-5"]);
    assert_eq!(ids("KA004"), ["a-1", "a-4", "a-5"]);
}
