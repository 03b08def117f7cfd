//! Every built-in detection replayed over events the sensor recorded from
//! real processes (crates/rampart/tests/sensor_cli.rs writes them with
//! RAMPART_RECORD_SENSOR_FIXTURES): runs without root, and snapshots the
//! signals.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use rampart_sensor::{Engine, Event, SensorConfig};
use rampart_source::SourceFile;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The signals of replaying CODE.jsonl (with CODE.yaml as configuration).
fn replay(code: &str) -> Vec<rampart_sensor::Signal> {
    let config_path = fixtures().join(format!("{code}.yaml"));
    let config = match std::fs::read_to_string(&config_path) {
        Ok(text) => {
            SensorConfig::parse(&SourceFile::new(config_path.display().to_string(), text)).unwrap()
        }
        Err(_) => SensorConfig::default(),
    };
    let mut engine = Engine::new(config, "node-1".into());
    let text = std::fs::read_to_string(fixtures().join(format!("{code}.jsonl")))
        .unwrap_or_else(|e| panic!("every detection has a recorded fixture: {code}.jsonl: {e}"));
    let mut signals = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let event: Event = serde_json::from_str(line).unwrap();
        signals.extend(engine.handle(&event));
    }
    signals
}

#[test]
fn every_detection_fires_on_its_recorded_fixture() {
    for meta in rampart_sensor::detections::metas() {
        let signals = replay(meta.code);
        assert!(
            signals.iter().any(|s| s.rule == meta.code),
            "{} did not fire on its fixture: {signals:#?}",
            meta.code
        );
        let lines: String = signals.iter().map(|s| s.json_line()).collect();
        insta::assert_snapshot!(meta.code, lines);
    }
}

#[test]
fn fixtures_raise_only_the_expected_neighbours() {
    // A stand-in container runs a few commands: each fixture's other signals
    // must be ones the scenario really does (a shell writing a file is not
    // a package manager, and so on).
    let allowed: &[(&str, &[&str])] = &[
        ("KR001", &["KR001"]),
        // `script` runs the curl through `bash -c` on a terminal.
        ("KR002", &["KR002", "KR003"]),
        ("KR003", &["KR003"]),
        ("KR004", &["KR004"]),
        ("KR005", &["KR005"]),
        ("KR006", &["KR006"]),
        ("KR007", &["KR007"]),
        ("KR008", &["KR008"]),
        // One scenario: nsenter, release_agent, core_pattern together.
        ("KR009", &["KR009", "KR010", "KR011"]),
        ("KR010", &["KR009", "KR010", "KR011"]),
        ("KR011", &["KR009", "KR010", "KR011"]),
    ];
    for (code, expected) in allowed {
        for signal in replay(code) {
            assert!(
                expected.contains(&signal.rule),
                "{code}'s fixture raised {}: {}",
                signal.rule,
                signal.summary
            );
        }
    }
}

#[test]
fn every_detection_is_documented_with_a_stable_code() {
    let metas = rampart_sensor::detections::metas();
    for (index, meta) in metas.iter().enumerate() {
        assert_eq!(
            meta.code,
            format!("KR{:03}", index + 1),
            "codes are dense and ordered"
        );
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## ATT&CK",
            "## Known false positives",
        ] {
            assert!(
                meta.documentation.contains(section),
                "{} lacks {section}",
                meta.code
            );
        }
        assert!(!meta.mitre.is_empty(), "{}", meta.code);
        assert!(!meta.summary().is_empty(), "{}", meta.code);
        assert!(
            meta.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-'),
            "{} is kebab-case",
            meta.name
        );
    }
}

#[test]
fn signals_name_the_pod_and_workload_the_pod_watch_knows() {
    use std::sync::{Arc, RwLock};

    use rampart_sensor::pods::PodIndex;

    let text = std::fs::read_to_string(fixtures().join("KR001.jsonl")).unwrap();
    let events: Vec<Event> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let id = events
        .iter()
        .find_map(|e| match &e.kind {
            rampart_sensor::event::EventKind::Exec { cgroups, .. } => {
                let leaf = if cgroups.v2_leaf.is_empty() {
                    &cgroups.v1_leaf
                } else {
                    &cgroups.v2_leaf
                };
                rampart_sensor::container::from_cgroup_names(leaf, "").map(|c| c.id)
            }
            _ => None,
        })
        .unwrap();
    let k8s_pod: k8s_openapi::api::core::v1::Pod = serde_json::from_value(serde_json::json!({
        "metadata": {
            "name": "ci-runner-7d9f8-x2x4q", "namespace": "ci", "uid": "0b5a6c1e-2f3d-4e5f-8a9b-0c1d2e3f4a5b",
            "labels": {"pod-template-hash": "7d9f8"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "ci-runner-7d9f8", "uid": "u", "controller": true}]
        },
        "spec": {"containers": [{"name": "runner", "image": "registry.example/ci-runner:2"}]},
        "status": {"containerStatuses": [{
            "name": "runner", "image": "registry.example/ci-runner:2", "imageID": "", "ready": true,
            "restartCount": 0, "containerID": format!("containerd://{id}")
        }]}
    }))
    .unwrap();
    let mut index = PodIndex::default();
    index.upsert(&k8s_pod);
    let mut engine = Engine::new(SensorConfig::default(), "node-1".into())
        .with_pods(Arc::new(RwLock::new(index)));
    let signals: Vec<_> = events.iter().flat_map(|e| engine.handle(e)).collect();
    let signal = signals.iter().find(|s| s.rule == "KR001").unwrap();
    let pod = signal.pod.as_ref().unwrap();
    assert_eq!(
        (
            pod.namespace.as_str(),
            pod.name.as_str(),
            pod.container.as_str()
        ),
        ("ci", "ci-runner-7d9f8-x2x4q", "runner")
    );
    assert_eq!(pod.image, "registry.example/ci-runner:2");
    let workload = pod.workload.as_ref().unwrap();
    assert_eq!(
        (workload.kind.as_str(), workload.name.as_str()),
        ("Deployment", "ci-runner")
    );
    // An allow entry by namespace applies once the pod is known.
    let config = SensorConfig::parse(&SourceFile::new(
        "s.yaml",
        "allow: [{rule: KR001, namespace: ci}]",
    ))
    .unwrap();
    let mut index = PodIndex::default();
    index.upsert(&k8s_pod);
    let mut allowed = Engine::new(config, String::new()).with_pods(Arc::new(RwLock::new(index)));
    let signals: Vec<_> = events.iter().flat_map(|e| allowed.handle(e)).collect();
    assert!(signals.iter().all(|s| s.rule != "KR001"), "{signals:#?}");
    assert_eq!(allowed.stats.allowed, 2);
}
