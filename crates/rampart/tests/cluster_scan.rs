//! `rampart scan --cluster`: live objects from a fake API server, judged by
//! the same engine as files (rules, Pod Security, cross-object joins,
//! config), reported by object and JSON pointer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::ExitCode;

use clap::Parser;
use rampart::args::{Cli, Command, ScanArgs};
use rampart::commands::scan::scan_sources;
use rampart_cluster::mock::{MockCluster, demo_objects};
use rampart_cluster::{ScanOptions, Snapshot, fetch};
use serde_json::Value;

fn args(extra: &[&str]) -> ScanArgs {
    let mut argv = vec!["rampart", "scan", "--cluster", "--color", "never"];
    argv.extend_from_slice(extra);
    match Cli::try_parse_from(argv).unwrap().command {
        Command::Scan(args) => args,
        _ => unreachable!(),
    }
}

fn snapshot(cluster: MockCluster, options: ScanOptions) -> Snapshot {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (connection, _) = cluster.serve();
        fetch(&connection, &options, &|_| {}).await.unwrap()
    })
}

fn run(snapshot: &Snapshot, extra: &[&str]) -> (ExitCode, String) {
    let mut out = Vec::new();
    let code = scan_sources(&args(extra), snapshot.sources(), &mut out).unwrap();
    (code, String::from_utf8(out).unwrap())
}

fn json_scan(snapshot: &Snapshot, extra: &[&str]) -> (ExitCode, Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(extra);
    let (code, out) = run(snapshot, &all);
    (code, serde_json::from_str(&out).unwrap())
}

fn demo() -> Snapshot {
    snapshot(
        MockCluster::new().with_objects(demo_objects()),
        ScanOptions::default(),
    )
}

/// `RULE Kind namespace/name pointer` of every finding.
fn findings(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}/{} {}",
                f["rule"].as_str().unwrap(),
                f["object"]["kind"].as_str().unwrap_or("-"),
                f["object"]["namespace"].as_str().unwrap_or("-"),
                f["object"]["name"].as_str().unwrap_or("-"),
                f["pointer"].as_str().unwrap_or("-"),
            )
        })
        .collect()
}

#[test]
fn live_objects_get_the_file_engines_findings_with_pointers() {
    let (code, report) = json_scan(&demo(), &[]);
    assert_eq!(code, ExitCode::from(1));
    let all = findings(&report);
    // Pod Security on the DaemonSet's template, located by pointer.
    assert!(
        all.contains(
            &"PSB002 DaemonSet monitoring/node-agent /spec/template/spec/containers/0/securityContext/privileged".to_string()
        ),
        "{all:#?}"
    );
    assert!(
        all.contains(
            &"PSB001 DaemonSet monitoring/node-agent /spec/template/spec/hostPID".to_string()
        ),
        "{all:#?}"
    );
    // The bare Pod is judged; the Pods and ReplicaSet the scanned
    // controllers own are not (their findings would repeat the controllers').
    assert!(
        all.iter()
            .any(|f| f.starts_with("PSB002 Pod shop/debug-shell "))
    );
    assert!(
        !all.iter().any(|f| f.contains("ReplicaSet")
            || f.contains("node-agent-6wq2z")
            || f.contains("frontend-7d4b9c6f8")),
        "{all:#?}"
    );
    // The well-configured Deployment has no finding.
    assert!(
        !all.iter().any(|f| f.contains("Deployment shop/frontend")),
        "{all:#?}"
    );
    let privileged = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "PSB002" && f["object"]["kind"] == "DaemonSet")
        .unwrap();
    assert_eq!(
        privileged["file"],
        "cluster://mock/monitoring/DaemonSet/node-agent"
    );
    assert_eq!(privileged["source"], "cluster");
    assert_eq!(privileged["container"], "agent");
    let objects = report["objects"].as_array().unwrap();
    assert!(objects.iter().all(|o| o["source"] == "cluster"));
    assert!(!objects.iter().any(|o| o["kind"] == "ReplicaSet"));
    let daemonset = objects.iter().find(|o| o["kind"] == "DaemonSet").unwrap();
    assert_eq!(daemonset["pss"]["allowed"], false);
}

#[test]
fn cross_object_rules_join_live_objects() {
    let (_, report) = json_scan(&demo(), &[]);
    let all = findings(&report);
    // The DaemonSet's service account is bound cluster-wide to a role that
    // reads secrets: the join of DaemonSet, ClusterRoleBinding and ClusterRole.
    assert!(
        all.iter()
            .any(|f| f.starts_with("RB010 DaemonSet monitoring/node-agent")),
        "{all:#?}"
    );
    let rb010 = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "RB010")
        .unwrap();
    assert_eq!(rb010["severity"], "critical", "{rb010:#}");
    assert!(
        rb010["message"].as_str().unwrap().contains("node-agent"),
        "{rb010:#}"
    );
    // `monitoring` has no NetworkPolicy, `shop` has a default deny.
    assert!(
        all.iter()
            .any(|f| f.starts_with("NP001 Namespace -/monitoring")),
        "{all:#?}"
    );
    assert!(
        !all.iter().any(|f| f.starts_with("NP001 Namespace -/shop")),
        "{all:#?}"
    );

    // Without the binding (403 on ClusterRoleBindings) the join finds nothing.
    let forbidden = snapshot(
        MockCluster::new()
            .with_objects(demo_objects())
            .forbid("ClusterRoleBinding"),
        ScanOptions::default(),
    );
    assert_eq!(forbidden.warnings.len(), 1);
    let (_, report) = json_scan(&forbidden, &[]);
    assert!(!findings(&report).iter().any(|f| f.starts_with("RB010")));
}

#[test]
fn include_owned_reports_the_pods_too() {
    let snapshot = snapshot(
        MockCluster::new().with_objects(demo_objects()),
        ScanOptions {
            include_owned: true,
            ..ScanOptions::default()
        },
    );
    let (_, report) = json_scan(&snapshot, &[]);
    let all = findings(&report);
    assert!(
        all.iter().any(|f| f.starts_with(
            "PSB002 Pod monitoring/node-agent-6wq2z /spec/containers/0/securityContext/privileged"
        )),
        "{all:#?}"
    );
}

#[test]
fn text_output_names_the_object_and_pointer_not_lines() {
    let (code, text) = run(&demo(), &[]);
    assert_eq!(code, ExitCode::from(1));
    assert!(
        text.contains(
            "--> DaemonSet monitoring/node-agent /spec/template/spec/containers/0/securityContext/privileged"
        ),
        "{text}"
    );
    assert!(!text.contains("cluster://"), "{text}");
    assert!(text.contains("--> Namespace monitoring"), "{text}");
}

#[test]
fn config_exemptions_apply_to_live_objects() {
    let dir = common::temp_dir("cluster-config");
    let config = dir.join("rampart.yaml");
    std::fs::write(
        &config,
        "exemptions:\n  - rules: [RB010]\n    namespaces: [monitoring]\n    reason: the agent reads its own secrets; reviewed\n",
    )
    .unwrap();
    let (_, report) = json_scan(&demo(), &["--config", config.to_str().unwrap()]);
    assert!(!findings(&report).iter().any(|f| f.starts_with("RB010")));
    assert!(report["summary"]["suppressed"].as_u64().unwrap() >= 1);
    assert_eq!(
        report["exemptions"][0]["matched"], 1,
        "{:#}",
        report["exemptions"]
    );
}

#[test]
fn policy_reports_group_live_findings_by_namespace() {
    let (_, yaml) = run(
        &demo(),
        &[
            "--format",
            "policy-report",
            "--policy-report-api",
            "wgpolicyk8s.io/v1alpha2",
        ],
    );
    assert!(yaml.contains("kind: \"ClusterPolicyReport\""), "{yaml}");
    assert!(
        yaml.contains("name: \"rampart-monitoring\"") || yaml.contains("namespace: \"monitoring\""),
        "{yaml}"
    );
    assert!(yaml.contains("namespace: \"shop\""), "{yaml}");
    assert!(
        yaml.contains("pointer: \"/spec/template/spec/containers/0/securityContext/privileged\""),
        "{yaml}"
    );
    assert!(!yaml.contains("      line: "), "{yaml}");
}

#[test]
fn sarif_locates_live_findings_logically() {
    let (_, sarif) = run(&demo(), &["--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let result = results
        .iter()
        .find(|r| r["ruleId"] == "PSB002" && r["properties"]["object"]["kind"] == "DaemonSet")
        .unwrap();
    let location = &result["locations"][0];
    assert_eq!(
        location["physicalLocation"]["artifactLocation"]["uri"],
        "cluster://mock/monitoring/DaemonSet/node-agent"
    );
    assert!(location["physicalLocation"].get("region").is_none());
    assert_eq!(
        location["logicalLocations"][0]["fullyQualifiedName"],
        "DaemonSet/monitoring/node-agent"
    );
}

#[test]
fn cluster_with_paths_is_a_usage_error() {
    let out = common::rampart(&["scan", "--cluster", "deploy/"], None, &common::repo());
    assert_eq!(out.status.code(), Some(2));
    assert!(common::text(&out.stderr).contains("cannot be used with"));
    let out = common::rampart(
        &["scan", "deploy/", "--namespace", "x"],
        None,
        &common::repo(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(common::text(&out.stderr).contains("need --cluster"));
    assert!(out.stdout.is_empty());
}

#[test]
fn unreachable_cluster_exits_2_with_a_message() {
    let dir = common::temp_dir("cluster-dead");
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: dead\n  cluster: {server: \"https://127.0.0.1:1\"}\ncontexts:\n- name: dead\n  context: {cluster: dead, user: u}\ncurrent-context: dead\nusers:\n- name: u\n  user: {token: t}\n",
    )
    .unwrap();
    let out = common::rampart(
        &[
            "scan",
            "--cluster",
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
        ],
        None,
        &dir,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = common::text(&out.stderr);
    assert!(stderr.contains("cannot scan the cluster"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.stdout.is_empty());
}

/// Against a real cluster, only when `KUBECONFIG` is set.
#[test]
fn real_cluster_when_kubeconfig_is_set() {
    if std::env::var_os("KUBECONFIG").is_none() {
        eprintln!("skipped: KUBECONFIG is not set (no real cluster to scan)");
        return;
    }
    let out = common::rampart(
        &["scan", "--cluster", "--format", "json"],
        None,
        &common::repo(),
    );
    let code = out.status.code();
    assert!(matches!(code, Some(0 | 1)), "{}", common::text(&out.stderr));
    let report = common::json_of(&out);
    assert!(report["summary"]["objects"].as_u64().unwrap() > 0);
    assert!(
        report["objects"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["source"] == "cluster"
                && o["file"].as_str().unwrap().starts_with("cluster://"))
    );
}
