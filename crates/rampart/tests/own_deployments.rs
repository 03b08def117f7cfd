//! rampart's own manifests (deploy/) pass its own restricted scan, every rule
//! included (explained privileges are notes), and hold no privilege its own
//! profile does not explain; the profile explains no privilege they do not hold.
#![allow(clippy::unwrap_used)]

mod common;

use rampart_privileges::KnowledgeBase;
use rampart_privileges::profile::{Access, NeedKind};
use serde_json::Value;

fn rampart(args: &[&str]) -> std::process::Output {
    common::rampart(args, None, &common::repo())
}

fn scan(extra: &[&str]) -> (Value, Option<i32>) {
    let mut args = vec![
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
    ];
    args.extend_from_slice(extra);
    let out = rampart(&args);
    (
        serde_json::from_slice(&out.stdout).unwrap(),
        out.status.code(),
    )
}

fn object_is(finding: &Value, kind: &str, name: &str) -> bool {
    finding["object"]["kind"] == kind && finding["object"]["name"] == name
}

#[test]
fn deploy_passes_the_restricted_scan_with_every_rule() {
    let (report, code) = scan(&[]);
    assert_eq!(report["summary"]["findings"], 0, "{report:#}");
    // Only notes: privileges rampart's own profile explains (the webhook's
    // service-account token, for the namespaces' Pod Security labels; the
    // sensor's host PID namespace, capabilities, root user, tracefs mount and
    // token, for runtime detection).
    let findings = report["findings"].as_array().unwrap();
    for note in findings {
        assert_eq!(note["explanation"]["note"], true, "{note:#}");
        assert_eq!(note["explanation"]["profile"], "rampart", "{note:#}");
    }
    assert_eq!(
        report["summary"]["notes"].as_u64().unwrap(),
        findings.len() as u64
    );
    assert_eq!(report["errors"], Value::Array(Vec::new()));
    assert_eq!(code, Some(0));
    assert!(report["summary"]["objects"].as_u64().unwrap() >= 8);

    // The sensor DaemonSet is scanned, and every note about it names the
    // runtime-sensor feature.
    let objects = report["objects"].as_array().unwrap();
    assert!(
        objects.iter().any(|o| o["kind"] == "DaemonSet"
            && o["namespace"] == "rampart-sensor"
            && o["name"] == "rampart-sensor"
            && o["file"] == "deploy/sensor.yaml"),
        "{objects:#?}"
    );
    let sensor: Vec<&Value> = findings
        .iter()
        .filter(|f| object_is(f, "DaemonSet", "rampart-sensor"))
        .collect();
    for note in &sensor {
        assert_eq!(
            note["explanation"]["features"],
            serde_json::json!(["runtime-sensor"]),
            "{note:#}"
        );
    }
    // Each privilege's own rules are among the notes.
    let rules: Vec<&str> = sensor.iter().map(|f| f["rule"].as_str().unwrap()).collect();
    for rule in [
        "PSB001", "PSR001", "PSR002", "PSR005", "PSR006", "WL001", "WL002", "WL008", "WL012",
    ] {
        assert!(rules.contains(&rule), "{rule} not among {rules:?}");
    }
    // The only findings the manifests exempt inline (rampart.dev/ignore):
    // they are not about one privilege, so no profile can explain them.
    assert_eq!(report["summary"]["suppressed"], 2, "{report:#}");
}

/// Without the inline exemptions, exactly two findings remain: NS002 for the
/// sensor's namespace (Pod Security `privileged`, which the sensor needs) and
/// WL009 for hostPID together with SYS_PTRACE, which judges two privileges
/// at once.
#[test]
fn deploy_exempts_inline_only_what_no_profile_can_explain() {
    let (report, code) = scan(&["--no-inline-ignores"]);
    assert_eq!(code, Some(1));
    let mut unexplained: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["explanation"]["note"] != true)
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                format!(
                    "{}/{}",
                    f["object"]["kind"].as_str().unwrap(),
                    f["object"]["name"].as_str().unwrap()
                ),
                f["container"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    unexplained.sort();
    assert_eq!(
        unexplained,
        [
            (
                "NS002".into(),
                "Namespace/rampart-sensor".into(),
                String::new()
            ),
            (
                "WL009".into(),
                "DaemonSet/rampart-sensor".into(),
                "sensor".into()
            ),
        ],
        "{report:#}"
    );
}

#[test]
fn deploy_holds_only_privileges_rampart_explains() {
    let out = rampart(&["explain", "deploy/", "--format", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["errors"], Value::Array(Vec::new()), "{report:#}");
    assert_eq!(report["summary"]["unexplained"], 0, "{report:#}");
    let workloads = report["workloads"].as_array().unwrap();
    assert!(!workloads.is_empty());
    let mut broader = Vec::new();
    for workload in workloads {
        assert_eq!(workload["agents"][0]["profile"], "rampart", "{workload:#}");
        for privilege in workload["privileges"].as_array().unwrap() {
            assert_eq!(privilege["verdict"], "explained", "{privilege:#}");
            for b in privilege["broader"].as_array().unwrap() {
                broader.push((
                    workload["name"].as_str().unwrap().to_string(),
                    privilege["type"].as_str().unwrap().to_string(),
                    b["kind"].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    // `explain` reports hostPID with SYS_PTRACE as broader than needed
    // whoever explains it (exit code 1); it is the sensor's only one, and
    // nothing else is broader.
    assert_eq!(
        broader,
        [(
            "rampart-sensor".to_string(),
            "hostPID".to_string(),
            "host-pid-with-ptrace".to_string()
        )],
        "{report:#}"
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let sensor = workloads
        .iter()
        .find(|w| w["kind"] == "DaemonSet" && w["name"] == "rampart-sensor")
        .unwrap_or_else(|| panic!("no sensor DaemonSet in {report:#}"));
    for privilege in sensor["privileges"].as_array().unwrap() {
        let features: Vec<&str> = privilege["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["feature"].as_str().unwrap())
            .collect();
        assert_eq!(features, ["runtime-sensor"], "{privilege:#}");
    }
    let present: Vec<&str> = sensor["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["present"] == true)
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(present, ["runtime-sensor"]);
}

/// Every privilege rampart's profile lists is held by a container of deploy/
/// it names: the profile explains nothing the manifests no longer hold.
#[test]
fn rampart_profile_lists_only_privileges_deploy_holds() {
    let out = rampart(&["explain", "deploy/", "--format", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let workloads = report["workloads"].as_array().unwrap();
    let (base, errors) = KnowledgeBase::builtin();
    assert!(errors.is_empty(), "{errors:?}");
    let profile = base.get("rampart").unwrap();
    for feature in &profile.features {
        for need in &feature.needs {
            let kind = need.kind().unwrap();
            let held = workloads.iter().any(|workload| {
                let containers = workload["agents"][0]["containers"].as_array().unwrap();
                let in_scope = |container: &Value| {
                    need.containers.is_empty()
                        || match container.as_str() {
                            Some(name) => need.containers.iter().any(|c| c == name),
                            // A pod-level privilege: one of the named containers is in the pod.
                            None => containers
                                .iter()
                                .any(|c| need.containers.iter().any(|n| c == n.as_str())),
                        }
                };
                workload["privileges"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|p| in_scope(&p["container"]))
                    .any(|p| matches(&kind, p))
            });
            assert!(
                held,
                "feature {} lists {kind:?}, which no container of deploy/ it names holds",
                feature.id
            );
        }
    }
}

fn matches(kind: &NeedKind, privilege: &Value) -> bool {
    let ty = privilege["type"].as_str().unwrap();
    match kind {
        NeedKind::HostPid => ty == "hostPID",
        NeedKind::HostIpc => ty == "hostIPC",
        NeedKind::HostNetwork => ty == "hostNetwork",
        NeedKind::Privileged => ty == "privileged",
        NeedKind::RunAsRoot => ty == "runAsRoot",
        NeedKind::ServiceAccountToken => ty == "serviceAccountToken",
        NeedKind::Capability(name) => ty == "capability" && privilege["name"] == name.as_str(),
        NeedKind::HostPath { paths, access } => {
            ty == "hostPath"
                && paths.iter().any(|p| privilege["path"] == p.as_str())
                && (privilege["readOnly"] == true) == (*access == Access::ReadOnly)
        }
        other => panic!("no test for {other:?} yet"),
    }
}
