//! rampart's own manifests (deploy/) pass its own restricted scan, every rule
//! included (explained privileges are notes), and hold no privilege its own
//! profile does not explain.
#![allow(clippy::unwrap_used)]

mod common;

use serde_json::Value;

fn rampart(args: &[&str]) -> std::process::Output {
    common::rampart(args, None, &common::repo())
}

#[test]
fn deploy_passes_the_restricted_scan_with_every_rule() {
    let out = rampart(&[
        "scan",
        "deploy/",
        "--pss-level",
        "restricted",
        "--select",
        "ALL",
        "--allowed-registry",
        "registry.example.com/",
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["findings"], 0, "{report:#}");
    // Only notes: privileges rampart's own profile explains (the webhook's
    // service-account token, for the namespaces' Pod Security labels).
    for note in report["findings"].as_array().unwrap() {
        assert_eq!(note["explanation"]["note"], true, "{note:#}");
        assert_eq!(note["explanation"]["profile"], "rampart", "{note:#}");
    }
    assert_eq!(
        report["summary"]["notes"].as_u64().unwrap(),
        report["findings"].as_array().unwrap().len() as u64
    );
    assert_eq!(report["errors"], Value::Array(Vec::new()));
    assert_eq!(out.status.code(), Some(0));
    assert!(report["summary"]["objects"].as_u64().unwrap() >= 8);
}

#[test]
fn deploy_holds_only_privileges_rampart_explains() {
    let out = rampart(&["explain", "deploy/", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let workloads = report["workloads"].as_array().unwrap();
    assert!(!workloads.is_empty());
    for workload in workloads {
        assert_eq!(workload["agents"][0]["profile"], "rampart", "{workload:#}");
        for privilege in workload["privileges"].as_array().unwrap() {
            assert_eq!(privilege["verdict"], "explained", "{privilege:#}");
        }
    }
}
