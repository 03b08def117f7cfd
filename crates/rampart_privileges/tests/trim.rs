//! `trim` reproduces the vendors' own trimming tables, keeps exactly what the
//! kept features need, and edits only the lines concerned.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use rampart_privileges::KnowledgeBase;
use rampart_privileges::analysis::Input;
use rampart_privileges::explain::{BroaderKind, Verdict};
use rampart_privileges::trim::{TrimRequest, trim_input};
use rampart_source::SourceFile;
use serde_json::Value;

fn data(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/agents")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn base() -> KnowledgeBase {
    let (base, errors) = KnowledgeBase::builtin();
    assert!(errors.is_empty(), "{errors:?}");
    base
}

fn drop(features: &[&str]) -> TrimRequest {
    TrimRequest {
        drop: features.iter().map(|s| s.to_string()).collect(),
        ..TrimRequest::default()
    }
}

/// Trims `text` and returns the result (the input when nothing changes).
fn trim(name: &str, text: &str, request: &TrimRequest) -> String {
    let base = base();
    let input = Input::parse(vec![SourceFile::new(name, text)]);
    let workloads = input.workloads(&base);
    let outcome = trim_input(&input, &workloads, &base, request);
    assert!(outcome.broken.is_empty(), "{:?}", outcome.broken);
    outcome
        .files
        .into_iter()
        .next()
        .map_or_else(|| text.to_string(), |(_, text)| text)
}

/// The first workload's pod spec, as JSON.
fn pod_spec(text: &str) -> Value {
    let input = Input::parse(vec![SourceFile::new("x.yaml", text)]);
    for file in &input.files {
        for value in &file.values {
            let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
            if matches!(kind, "DaemonSet" | "Deployment") {
                return value.pointer("/spec/template/spec").cloned().unwrap();
            }
        }
    }
    panic!("no workload")
}

fn flag(spec: &Value, field: &str) -> bool {
    spec.get(field).and_then(Value::as_bool) == Some(true)
}

fn container<'a>(spec: &'a Value, name: &str) -> &'a Value {
    spec["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no container {name}"))
}

fn env<'a>(container: &'a Value, name: &str) -> Option<&'a str> {
    container["env"]
        .as_array()?
        .iter()
        .find(|e| e["name"] == name)
        .and_then(|e| e["value"].as_str())
}

fn mounts(container: &Value) -> Vec<String> {
    container["volumeMounts"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|m| m["mountPath"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn host_ports(spec: &Value) -> Vec<i64> {
    spec["containers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["ports"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| p["hostPort"].as_i64())
        .collect()
}

/// Every line the trim changed mentions one of `allowed`.
fn only_lines_concerned(before: &str, after: &str, allowed: &[&str]) {
    let diff = similar::TextDiff::from_lines(before, after);
    for change in diff.iter_all_changes() {
        if change.tag() == similar::ChangeTag::Equal {
            continue;
        }
        let line = change.value();
        assert!(
            allowed.iter().any(|a| line.contains(a)),
            "unexpected change: {}{line}",
            change.tag()
        );
    }
}

const DATAKIT: &str = "datakit-1.84.1.yaml";

#[test]
fn datakit_without_host_processes_and_ebpf_has_no_host_pid() {
    let before = data(DATAKIT);
    assert!(flag(&pod_spec(&before), "hostPID"));
    let after = trim(DATAKIT, &before, &drop(&["host_processes", "ebpf"]));
    let spec = pod_spec(&after);
    assert!(!flag(&spec, "hostPID"));
    let inputs = env(container(&spec, "datakit"), "ENV_DEFAULT_ENABLED_INPUTS").unwrap();
    assert!(
        !inputs.split(',').any(|i| i == "host_processes"),
        "{inputs}"
    );
}

#[test]
fn datakit_without_ebpf_is_not_privileged_and_keeps_host_pid_for_host_processes() {
    let before = data(DATAKIT);
    let after = trim(DATAKIT, &before, &drop(&["ebpf"]));
    let spec = pod_spec(&after);
    let datakit = container(&spec, "datakit");
    assert_eq!(
        datakit.pointer("/securityContext/privileged"),
        Some(&Value::Bool(false))
    );
    assert!(!mounts(datakit).iter().any(|m| m == "/sys/kernel/debug"));
    assert!(
        !spec["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["name"] == "debugfs")
    );
    let inputs = env(datakit, "ENV_DEFAULT_ENABLED_INPUTS").unwrap();
    assert!(
        !inputs.split(',').any(|i| i.starts_with("ebpf")),
        "{inputs}"
    );
    // host_processes is kept, so hostPID stays: the union of what kept features need.
    assert!(flag(&spec, "hostPID"));
    // Once host_processes goes too, so does hostPID.
    let after = trim(DATAKIT, &after, &drop(&["ebpf", "host_processes"]));
    assert!(!flag(&pod_spec(&after), "hostPID"));
}

#[test]
fn datakit_without_node_local_reception_has_no_host_network_or_host_ports() {
    let before = data(DATAKIT);
    // `net` alone: statsd and the other receivers still need hostNetwork.
    let after = trim(DATAKIT, &before, &drop(&["net"]));
    assert!(flag(&pod_spec(&after), "hostNetwork"));
    let receivers = [
        "net",
        "statsd",
        "opentelemetry",
        "ddtrace",
        "logfwdserver",
        "ebpf",
    ];
    let after = trim(DATAKIT, &before, &drop(&receivers));
    let spec = pod_spec(&after);
    assert!(!flag(&spec, "hostNetwork"));
    assert!(host_ports(&spec).is_empty(), "{:?}", host_ports(&spec));
    // The container ports stay: the datakit-service Service still reaches them.
    assert!(
        !container(&spec, "datakit")["ports"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    only_lines_concerned(
        &before,
        &after,
        &[
            "hostNetwork",
            "hostPort",
            "hostPID",
            "hostIPC",
            "privileged",
            "readOnly",
            "debug",
            "hostPath:",
            "ENV_DEFAULT_ENABLED_INPUTS",
            "value: ",
        ],
    );
}

#[test]
fn trimmed_datakit_holds_only_what_kept_features_need() {
    let base = base();
    let before = data(DATAKIT);
    let dropped = ["host_processes", "ebpf", "net", "statsd"];
    let after = trim(DATAKIT, &before, &drop(&dropped));
    let input = Input::parse(vec![SourceFile::new(DATAKIT, after.as_str())]);
    let workloads = input.workloads(&base);
    assert_eq!(workloads.len(), 1);
    for judgement in &workloads[0].judgements {
        assert_eq!(
            judgement.verdict,
            Verdict::Explained,
            "{} is left unexplained",
            judgement.privilege.kind
        );
        assert!(
            judgement
                .features
                .iter()
                .any(|r| !dropped.contains(&r.feature)),
            "{} is only needed by dropped features",
            judgement.privilege.kind
        );
        assert!(
            !judgement
                .broader
                .iter()
                .any(|b| b.kind == BroaderKind::ReadWriteNotNeeded),
            "{} stays read-write",
            judgement.privilege.kind
        );
    }
    // Trimming again changes nothing: the result is a fixed point.
    assert_eq!(trim(DATAKIT, &after, &drop(&dropped)), after);
}

#[test]
fn keep_lists_the_features_to_keep() {
    let before = data(DATAKIT);
    let request = TrimRequest {
        keep: Some(vec!["host_metrics".into(), "container".into()]),
        ..TrimRequest::default()
    };
    let after = trim(DATAKIT, &before, &request);
    let spec = pod_spec(&after);
    for field in ["hostPID", "hostIPC", "hostNetwork"] {
        assert!(!flag(&spec, field), "{field}");
    }
    assert_eq!(
        container(&spec, "datakit").pointer("/securityContext/privileged"),
        Some(&Value::Bool(false))
    );
    assert!(host_ports(&spec).is_empty());
}

const DATADOG: &str = "datadog-daemonset-7.49.1.yaml";

fn keep(features: &[&str]) -> TrimRequest {
    TrimRequest {
        keep: Some(features.iter().map(|s| s.to_string()).collect()),
        ..TrimRequest::default()
    }
}

#[test]
fn datadog_without_origin_detection_has_no_host_pid() {
    let before = data(DATADOG);
    assert!(flag(&pod_spec(&before), "hostPID"));
    let metrics = ["system-check", "container-metadata", "dogstatsd-socket"];
    let after = trim(DATADOG, &before, &keep(&metrics));
    let spec = pod_spec(&after);
    assert!(!flag(&spec, "hostPID"));
    // The eBPF, security and APM containers exist only for dropped features.
    let names: Vec<&str> = spec["containers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(names.contains(&"agent"), "{names:?}");
    for gone in ["system-probe", "security-agent", "trace-agent"] {
        assert!(!names.contains(&gone), "{gone} is still there: {names:?}");
    }
    // With origin detection kept, hostPID stays.
    let mut with_origin = metrics.to_vec();
    with_origin.push("dogstatsd-origin-detection");
    let after = trim(DATADOG, &before, &keep(&with_origin));
    assert!(flag(&pod_spec(&after), "hostPID"));
}

#[test]
fn datadog_without_logs_has_no_log_mounts() {
    let before = data(DATADOG);
    let log_paths = [
        "/var/log/pods",
        "/var/lib/docker/containers",
        "/opt/datadog-agent/run",
    ];
    let agent_before = mounts(container(&pod_spec(&before), "agent"));
    assert!(
        log_paths
            .iter()
            .any(|p| agent_before.iter().any(|m| m == p)),
        "{agent_before:?}"
    );
    let after = trim(DATADOG, &before, &drop(&["logs"]));
    let spec = pod_spec(&after);
    let agent = container(&spec, "agent");
    for path in log_paths {
        assert!(
            !mounts(agent).iter().any(|m| m == path),
            "{path} is still mounted"
        );
    }
    assert_ne!(env(agent, "DD_LOGS_ENABLED"), Some("true"));
    // Everything else stays.
    assert!(flag(&spec, "hostPID"));
    assert!(mounts(agent).iter().any(|m| m == "/host/proc"));
}

fn non_root_user(text: &str) -> Option<i64> {
    let request = TrimRequest {
        non_root: true,
        ..TrimRequest::default()
    };
    let after = trim(DATADOG, text, &request);
    pod_spec(&after)
        .pointer("/securityContext/runAsUser")
        .and_then(Value::as_i64)
}

#[test]
fn datadog_non_root_user_follows_the_agent_version() {
    let before = data(DATADOG);
    assert!(before.contains("agent:7.49.1"));
    assert_eq!(non_root_user(&before), Some(100));
    assert_eq!(
        non_root_user(&before.replace("agent:7.49.1", "agent:7.47.0")),
        Some(101)
    );
    assert_eq!(
        non_root_user(&before.replace("agent:7.49.1", "agent:7.21.1-jmx")),
        Some(101)
    );
    assert_eq!(
        non_root_user(&before.replace("agent:7.49.1", "agent:7.48.0")),
        Some(100)
    );
    // No container keeps an explicit root user.
    let request = TrimRequest {
        non_root: true,
        ..TrimRequest::default()
    };
    let after = trim(DATADOG, &before, &request);
    let spec = pod_spec(&after);
    for container in spec["containers"].as_array().unwrap() {
        assert_ne!(
            container.pointer("/securityContext/runAsUser"),
            Some(&Value::from(0))
        );
    }
}

/// Dropping any one feature in use, or all of them, leaves a manifest that
/// parses and whose every privilege a kept feature needs.
#[test]
fn every_single_drop_rescans_with_only_kept_features() {
    let base = base();
    for name in [
        DATAKIT,
        DATADOG,
        "falco-daemonset.yaml",
        "datadog-helm-daemonset-default.yaml",
    ] {
        let before = data(name);
        let input = Input::parse(vec![SourceFile::new(name, before.as_str())]);
        let workloads = input.workloads(&base);
        let mut in_use: Vec<(String, bool)> = Vec::new();
        for workload in workloads.iter().filter(|w| !w.agents.profiles.is_empty()) {
            for (p, f, present) in rampart_privileges::explain::features_present(workload, &base) {
                let feature = &base.profile(p).features[f];
                if present && !in_use.iter().any(|(id, _)| *id == feature.id) {
                    in_use.push((feature.id.clone(), feature.required));
                }
            }
        }
        let optional: Vec<&str> = in_use
            .iter()
            .filter(|(_, r)| !r)
            .map(|(id, _)| id.as_str())
            .collect();
        assert!(!optional.is_empty(), "{name}: no optional feature in use");
        let mut cases: Vec<Vec<&str>> = optional.iter().map(|f| vec![*f]).collect();
        cases.push(optional.clone());
        for dropped in cases {
            let after = trim(name, &before, &drop(&dropped));
            let input = Input::parse(vec![SourceFile::new(name, after.as_str())]);
            assert!(
                input.problems.is_empty(),
                "{name} without {dropped:?}: {:?}",
                input.problems
            );
            for workload in input
                .workloads(&base)
                .iter()
                .filter(|w| !w.agents.profiles.is_empty())
            {
                for judgement in &workload.judgements {
                    // The user changes only with --non-root.
                    if matches!(
                        judgement.privilege.kind,
                        rampart_privileges::inventory::PrivilegeKind::RunAsRoot { .. }
                    ) {
                        continue;
                    }
                    if judgement.verdict == Verdict::Unexplained {
                        // Only containers outside the agent keep unexplained privileges.
                        assert!(
                            judgement.profile.is_none() && judgement.privilege.container.is_some(),
                            "{name} without {dropped:?}: {} stays unexplained",
                            judgement.privilege.kind
                        );
                        continue;
                    }
                    assert!(
                        judgement
                            .features
                            .iter()
                            .any(|r| !dropped.contains(&r.feature)),
                        "{name} without {dropped:?}: {} [{:?}] is only needed by dropped features",
                        judgement.privilege.kind,
                        judgement.privilege.container
                    );
                }
            }
        }
    }
}
