//! User detections in YAML: conditions, group-by and a threshold over a
//! window, and problems reported at `file:line:col`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rampart_audit::custom::parse;
use rampart_audit::detections::Detection;
use rampart_audit::{Engine, State};
use rampart_source::SourceFile;
use serde_json::json;

const DETECTIONS: &str = "detections:
  - code: X001
    name: configmap-deleted-in-prod
    severity: medium
    summary: \"{user} deleted {resource} {namespace}/{name}\"
    mitre: [T1485]
    match:
      verb: delete
      objectRef.resource: [configmaps, secrets]
      objectRef.namespace: {prefix: prod-}
      user.username: {not: {prefix: \"system:\"}}
      responseStatus.code: {lt: 400}
  - code: X002
    name: many-pods-deleted
    severity: high
    summary: \"{user} deleted many pods\"
    match:
      verb: delete
      objectRef.resource: pods
      annotations.authorization.k8s.io/decision: allow
    group_by: user.username
    threshold: {count: 3, distinct: objectRef.name, window: 1m}
  - code: X003
    name: host-network-request
    severity: low
    summary: a pod asked for the host network
    match:
      requestObject/spec/hostNetwork: true
";

fn event(
    id: usize,
    user: &str,
    resource: &str,
    namespace: &str,
    name: &str,
    second: usize,
) -> String {
    json!({
        "auditID": format!("e{id}"), "stage": "ResponseComplete", "verb": "delete",
        "user": {"username": user},
        "objectRef": {"resource": resource, "namespace": namespace, "name": name},
        "responseStatus": {"code": 200},
        "annotations": {"authorization.k8s.io/decision": "allow"},
        "stageTimestamp": format!("2026-01-01T00:00:{second:02}.000000Z"),
    })
    .to_string()
}

fn judge(lines: &[String]) -> Vec<(String, String, String)> {
    let custom = parse(&SourceFile::new("d.yaml", DETECTIONS)).unwrap();
    let detections: Vec<Box<dyn Detection>> = custom
        .into_iter()
        .map(|d| Box::new(d) as Box<dyn Detection>)
        .collect();
    let engine = Engine::new(detections);
    let mut out = Vec::new();
    let log = lines.join("\n");
    engine
        .run(
            &mut log.as_bytes(),
            "log",
            &mut State::default(),
            &mut |s| out.push((s.rule.to_owned(), s.audit_id, s.summary)),
        )
        .unwrap();
    out
}

#[test]
fn conditions_match_fields_annotations_and_request_objects() {
    let signals = judge(&[
        event(1, "alice", "configmaps", "prod-eu", "cfg", 1),
        event(
            2,
            "system:kube-controller-manager",
            "configmaps",
            "prod-eu",
            "cfg",
            2,
        ),
        event(3, "alice", "configmaps", "staging", "cfg", 3),
        event(4, "alice", "services", "prod-eu", "svc", 4),
        json!({"auditID": "e5", "verb": "create", "objectRef": {"resource": "pods"},
               "requestObject": {"spec": {"hostNetwork": true}}})
        .to_string(),
    ]);
    assert_eq!(
        signals,
        [
            (
                "X001".to_owned(),
                "e1".to_owned(),
                "alice deleted configmaps prod-eu/cfg".to_owned()
            ),
            (
                "X003".to_owned(),
                "e5".to_owned(),
                "a pod asked for the host network".to_owned()
            ),
        ]
    );
}

#[test]
fn thresholds_count_distinct_values_per_group_within_the_window() {
    let signals: Vec<(String, String)> = judge(&[
        event(1, "bob", "pods", "a", "p1", 0),
        event(2, "bob", "pods", "a", "p1", 1), // same pod: not distinct
        event(3, "carol", "pods", "a", "p2", 2), // another group
        event(4, "bob", "pods", "a", "p2", 3),
        event(5, "bob", "pods", "a", "p3", 4), // third distinct pod for bob
        event(6, "bob", "pods", "a", "p4", 5), // same window: no second signal
    ])
    .into_iter()
    .filter(|(rule, _, _)| rule == "X002")
    .map(|(rule, id, _)| (rule, id))
    .collect();
    assert_eq!(signals, [("X002".to_owned(), "e5".to_owned())]);
}

#[test]
fn problems_are_reported_with_their_position() {
    let broken = "detections:\n  - code: X9\n    name: n\n    severity: urgent\n    summary: s\n    match: {verb: get}\n  - code: KA999\n    name: n\n    severity: low\n    summary: s\n    match: {bogus.field: x}\n";
    let errors = parse(&SourceFile::new("d.yaml", broken)).unwrap_err();
    let texts: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(
        texts[0].starts_with("d.yaml:4:15: unknown severity `urgent`"),
        "{texts:?}"
    );
    assert!(
        texts[1].starts_with("d.yaml:7:5: codes starting with KA"),
        "{texts:?}"
    );
}
