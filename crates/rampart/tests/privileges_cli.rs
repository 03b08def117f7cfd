//! `rampart explain` and `rampart trim` end to end: outputs, exit codes, bad input.
#![allow(clippy::unwrap_used)]

mod common;

use common::{rampart, repo, temp_dir, text};
use serde_json::Value;

const DATAKIT: &str = "tests/data/agents/datakit-1.84.1.yaml";

#[test]
fn explain_json_judges_every_privilege() {
    let out = rampart(&["explain", DATAKIT, "--format", "json"], None, &repo());
    // DataKit's hostIPC is unexplained, so the run has findings.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["version"], 1);
    let workload = &report["workloads"][0];
    assert_eq!(workload["kind"], "DaemonSet");
    assert_eq!(workload["agents"][0]["profile"], "datakit");
    let privileges = workload["privileges"].as_array().unwrap();
    let find = |kind: &str| privileges.iter().find(|p| p["type"] == kind).unwrap();
    let ipc = find("hostIPC");
    assert_eq!(ipc["verdict"], "unexplained");
    assert!(ipc["line"].as_u64().unwrap() > 0 && ipc["column"].as_u64().unwrap() > 0);
    let pid = find("hostPID");
    assert_eq!(pid["verdict"], "explained");
    let features: Vec<&str> = pid["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["feature"].as_str().unwrap())
        .collect();
    assert!(features.contains(&"host_processes"), "{features:?}");
    // hostPID with privileged: an escape path.
    assert!(
        pid["broader"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["kind"] == "host-pid-with-ptrace")
    );
    let rootfs = privileges
        .iter()
        .find(|p| p["type"] == "hostPath" && p["path"] == "/")
        .unwrap();
    assert!(
        rootfs["broader"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["kind"] == "read-write-not-needed")
    );
    let summary = &report["summary"];
    assert_eq!(
        summary["privileges"].as_u64(),
        Some(privileges.len() as u64)
    );
}

#[test]
fn explain_of_an_unknown_workload_gives_the_inventory() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  hostNetwork: true\n  containers:\n  - name: c\n    image: example.com/unknown:1\n    securityContext:\n      runAsNonRoot: true\n      readOnlyRootFilesystem: true\n  automountServiceAccountToken: false\n";
    let out = rampart(&["explain", "-"], Some(pod), &repo());
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("agent: not recognised"), "{stdout}");
    assert!(stdout.contains("UNEXPLAINED hostNetwork: true"), "{stdout}");
    assert!(stdout.contains("<stdin>:6:3"), "{stdout}");
}

#[test]
fn explain_reports_bad_input_and_goes_on() {
    let dir = temp_dir("bad-input");
    std::fs::write(dir.join("broken.yaml"), "a: [unclosed\n").unwrap();
    std::fs::copy(repo().join(DATAKIT), dir.join("datakit.yaml")).unwrap();
    let out = rampart(&["explain", ".", "--format", "json"], None, &dir);
    assert_eq!(out.status.code(), Some(2));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["workloads"].as_array().unwrap().len(), 1);
    let error = &report["errors"][0];
    assert!(error["file"].as_str().unwrap().ends_with("broken.yaml"));
    assert!(error["line"].as_u64().unwrap() >= 1);
}

#[test]
fn user_profiles_extend_the_knowledge_base_and_their_errors_have_positions() {
    let dir = temp_dir("profiles");
    let profiles = dir.join("profiles");
    std::fs::create_dir_all(&profiles).unwrap();
    std::fs::write(
        profiles.join("acme.yaml"),
        "apiVersion: rampart.dev/v1alpha1\nkind: AgentProfile\nname: acme\ntitle: Acme agent\nmatch:\n  images: [\"example.com/acme\"]\nfeatures:\n  - id: host-net\n    title: Host network\n    needs:\n      - hostNetwork: true\n        evidence: vendor-doc\n    breaksWithout: No node metrics.\n    disable:\n      manual: hostNetwork false\n",
    )
    .unwrap();
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  hostNetwork: true\n  automountServiceAccountToken: false\n  containers:\n  - name: c\n    image: example.com/acme:2\n    securityContext:\n      runAsNonRoot: true\n      readOnlyRootFilesystem: true\n";
    let out = rampart(&["explain", "-", "--profiles", "profiles"], Some(pod), &dir);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("needed by host-net"));

    std::fs::write(profiles.join("bad.yaml"), "apiVersion: rampart.dev/v1alpha1\nkind: AgentProfile\nname: bad\ntitle: Bad\nmatch:\n  images: [x]\nfeatures:\n  - id: f\n    title: F\n    needs:\n      - hostPID: true\n        hostIPC: true\n").unwrap();
    let out = rampart(&["explain", "-", "--profiles", "profiles"], Some(pod), &dir);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("bad.yaml:11:9: a need names exactly one privilege"),
        "{stderr}"
    );
}

#[test]
fn trim_list_names_the_features() {
    let out = rampart(
        &["trim", "--list", DATAKIT, "--format", "json"],
        None,
        &repo(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = listed[0]["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    for id in ["host_processes", "ebpf", "net", "statsd", "opentelemetry"] {
        assert!(ids.contains(&id), "{id} not in {ids:?}");
    }
}

#[test]
fn trim_diff_dry_run_output_and_in_place() {
    let dir = temp_dir("trim");
    let file = dir.join("datakit.yaml");
    std::fs::copy(repo().join(DATAKIT), &file).unwrap();
    let original = std::fs::read_to_string(&file).unwrap();

    let out = rampart(
        &["trim", "datakit.yaml", "--drop", "ebpf", "--diff"],
        None,
        &dir,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let diff = text(&out.stdout);
    assert!(diff.contains("-          privileged: true"), "{diff}");
    assert!(diff.contains("+          privileged: false"), "{diff}");
    // The report says what stops working.
    assert!(text(&out.stderr).contains("what will stop working"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original);

    let out = rampart(
        &["trim", "datakit.yaml", "--drop", "ebpf", "--dry-run"],
        None,
        &dir,
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original);

    let out = rampart(
        &["trim", "datakit.yaml", "--drop", "ebpf", "-o", "-"],
        None,
        &dir,
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("privileged: false"));

    let out = rampart(&["trim", "datakit.yaml", "--drop", "ebpf"], None, &dir);
    assert_eq!(out.status.code(), Some(0));
    let trimmed = std::fs::read_to_string(&file).unwrap();
    assert!(trimmed.contains("privileged: false"));
    // Comments survive.
    assert_eq!(
        original
            .lines()
            .filter(|l| l.trim_start().starts_with('#'))
            .count(),
        trimmed
            .lines()
            .filter(|l| l.trim_start().starts_with('#'))
            .count()
    );
}

#[test]
fn trim_rejects_unknown_and_required_features() {
    let out = rampart(
        &["trim", DATAKIT, "--drop", "no-such-feature"],
        None,
        &repo(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown feature(s) no-such-feature"));
    let out = rampart(&["trim", DATAKIT, "--drop", "dk"], None, &repo());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot run without dk"));
    let out = rampart(&["trim", DATAKIT], None, &repo());
    assert_eq!(out.status.code(), Some(2));
    let out = rampart(
        &["trim", DATAKIT, "--keep", "net", "--drop", "ebpf"],
        None,
        &repo(),
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn scan_reports_explained_agent_privileges_as_notes() {
    let out = rampart(&["scan", DATAKIT, "--format", "json"], None, &repo());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let privileged = findings.iter().find(|f| f["rule"] == "PSB002").unwrap();
    assert_eq!(privileged["explanation"]["note"], true);
    assert_eq!(privileged["explanation"]["profile"], "datakit");
    assert!(
        privileged["explanation"]["features"]
            .as_array()
            .unwrap()
            .contains(&Value::from("ebpf"))
    );
    // hostIPC is not explained: it stays a finding.
    let ipc = findings
        .iter()
        .find(|f| f["rule"] == "PSB001" && f["message"].as_str().unwrap().contains("hostIPC"))
        .unwrap();
    assert!(ipc.get("explanation").is_none());
    let notes = report["summary"]["notes"].as_u64().unwrap();
    assert!(notes > 0);
    assert_eq!(
        report["summary"]["findings"].as_u64().unwrap() + notes,
        findings.len() as u64
    );

    let strict = rampart(
        &[
            "scan",
            DATAKIT,
            "--format",
            "json",
            "--agent-privileges",
            "strict",
        ],
        None,
        &repo(),
    );
    let report: Value = serde_json::from_slice(&strict.stdout).unwrap();
    assert_eq!(report["summary"]["notes"], 0);
    let privileged = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "PSB002")
        .unwrap();
    assert_eq!(privileged["explanation"]["note"], false);
}

#[test]
fn notes_alone_do_not_fail_the_scan() {
    // Only explained privileges: the scan passes unless --agent-privileges strict.
    let dir = temp_dir("notes");
    std::fs::write(
        dir.join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  hostNetwork: true\n  containers:\n  - name: c\n    image: example.com/acme:2\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("profiles")).unwrap();
    std::fs::write(
        dir.join("profiles/acme.yaml"),
        "apiVersion: rampart.dev/v1alpha1\nkind: AgentProfile\nname: acme\ntitle: Acme\nmatch:\n  images: [\"example.com/acme\"]\nfeatures:\n  - id: host-net\n    title: Host network\n    needs:\n      - hostNetwork: true\n    breaksWithout: x\n    disable:\n      manual: y\n",
    )
    .unwrap();
    let args = [
        "scan",
        "pod.yaml",
        "--profiles",
        "profiles",
        "--pss-level",
        "baseline",
        "--select",
        "PSB",
    ];
    let out = rampart(&args, None, &dir);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("note[PSB001]"));
    let mut strict = args.to_vec();
    strict.extend(["--agent-privileges", "strict"]);
    assert_eq!(rampart(&strict, None, &dir).status.code(), Some(1));
}

#[test]
fn privilege_exceptions_are_reported_with_their_matches() {
    let dir = temp_dir("exceptions");
    std::fs::copy(repo().join(DATAKIT), dir.join("datakit.yaml")).unwrap();
    std::fs::write(
        dir.join("rampart.yaml"),
        "exceptions:\n  - reason: DataKit eBPF tracing\n    namespaces: [datakit]\n    containers: [datakit]\n    privileges:\n      - privileged: true\n  - reason: stale\n    namespaces: [elsewhere]\n    privileges:\n      - hostPID: true\n",
    )
    .unwrap();
    let out = rampart(
        &[
            "scan",
            "datakit.yaml",
            "--format",
            "json",
            "--agent-privileges",
            "off",
        ],
        None,
        &dir,
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert!(
        !findings.iter().any(|f| f["rule"] == "PSB002"),
        "privileged is excepted"
    );
    assert!(report["summary"]["suppressed"].as_u64().unwrap() >= 1);
    let exemptions = report["exemptions"].as_array().unwrap();
    assert_eq!(
        exemptions[0]["rules"],
        serde_json::json!(["privilege:privileged"])
    );
    assert!(exemptions[0]["matched"].as_u64().unwrap() >= 1);
    assert_eq!(exemptions[1]["matched"], 0);

    std::fs::write(
        dir.join("rampart.yaml"),
        "exceptions:\n  - reason: x\n    privileges:\n      - hostPath: relative/path\n",
    )
    .unwrap();
    let out = rampart(&["scan", "datakit.yaml"], None, &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("rampart.yaml:4:9"),
        "{}",
        text(&out.stderr)
    );
}
