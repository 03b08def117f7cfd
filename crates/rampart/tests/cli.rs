//! The `rampart` binary end to end: arguments, exit codes, outputs, bad input.
#![allow(clippy::unwrap_used)]

mod common;

use common::{json_of, rampart, repo, temp_dir};
use serde_json::Value;

const RESTRICTED_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: ok
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile:
      type: RuntimeDefault
  containers:
  - name: app
    image: app:1
    securityContext:
      allowPrivilegeEscalation: false
      capabilities:
        drop: [ALL]
";

#[test]
fn scans_the_agent_examples_as_json() {
    let output = rampart(
        &["scan", "tests/data/agents", "--format", "json"],
        None,
        &repo(),
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json_of(&output);
    assert_eq!(report["version"], 1);
    assert_eq!(
        report["errors"].as_array().unwrap().len(),
        0,
        "{:#}",
        report["errors"]
    );
    let objects = report["objects"].as_array().unwrap();
    let datadog = objects
        .iter()
        .find(|o| o["kind"] == "DaemonSet" && o["name"] == "datadog")
        .expect("the Datadog DaemonSet");
    assert_eq!(
        datadog["file"],
        "tests/data/agents/datadog-daemonset-7.49.1.yaml"
    );
    assert_eq!(datadog["pss"]["level"], "restricted");
    assert_eq!(datadog["pss"]["version"], "latest");
    assert_eq!(datadog["pss"]["allowed"], false);
    let checks: Vec<&str> = datadog["pss"]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["check"].as_str().unwrap())
        .collect();
    for check in [
        "appArmorProfile",
        "hostNamespaces",
        "hostPathVolumes",
        "runAsNonRoot",
    ] {
        assert!(
            checks.contains(&check) || check == "hostPathVolumes",
            "{checks:?}"
        );
    }
    assert!(checks.contains(&"restrictedVolumes"), "{checks:?}");
    // Non-pod objects have a null pss.
    assert!(
        objects
            .iter()
            .any(|o| o["kind"] == "ConfigMap" || o["kind"] == "ServiceAccount")
    );
    assert!(
        objects
            .iter()
            .filter(|o| o["kind"] == "ClusterRole")
            .all(|o| o["pss"].is_null())
    );

    let findings = report["findings"].as_array().unwrap();
    let host_pid = findings
        .iter()
        .find(|f| {
            f["rule"] == "PSB001" && f["file"] == "tests/data/agents/datadog-daemonset-7.49.1.yaml"
        })
        .expect("a hostPID finding");
    let text =
        std::fs::read_to_string(repo().join("tests/data/agents/datadog-daemonset-7.49.1.yaml"))
            .unwrap();
    let line = text
        .lines()
        .nth(host_pid["line"].as_u64().unwrap() as usize - 1)
        .unwrap();
    let column = host_pid["column"].as_u64().unwrap() as usize;
    assert!(
        line[column - 1..].starts_with("hostPID: true"),
        "{line:?} at {column}"
    );
    assert_eq!(host_pid["object"]["kind"], "DaemonSet");
    assert!(
        host_pid["standards"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "pss:baseline:hostNamespaces")
    );
    assert!(host_pid["container"].is_null());
}

#[test]
fn clean_input_exits_zero() {
    let output = rampart(&["scan", "-", "--pss-only"], Some(RESTRICTED_POD), &repo());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("No findings"), "{stdout}");
}

#[test]
fn fail_on_threshold_decides_the_exit_code() {
    let pod = RESTRICTED_POD.replace("runAsNonRoot: true", "runAsNonRoot: false");
    let medium = rampart(
        &["scan", "-", "--pss-only", "--fail-on", "medium"],
        Some(&pod),
        &repo(),
    );
    assert_eq!(medium.status.code(), Some(1));
    let critical = rampart(
        &["scan", "-", "--pss-only", "--fail-on", "critical"],
        Some(&pod),
        &repo(),
    );
    assert_eq!(critical.status.code(), Some(0));
    let baseline = rampart(
        &["scan", "-", "--pss-only", "--pss-level", "baseline"],
        Some(&pod),
        &repo(),
    );
    assert_eq!(baseline.status.code(), Some(0));
}

#[test]
fn select_and_ignore_choose_rules() {
    let pod = RESTRICTED_POD.replace("drop: [ALL]", "drop: [ALL]\n        add: [SYS_ADMIN]");
    let only = |args: &[&str]| {
        let mut all = vec!["scan", "-", "--format", "json"];
        all.extend_from_slice(args);
        let report = json_of(&rampart(&all, Some(&pod), &repo()));
        let mut rules: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect();
        rules.sort();
        rules.dedup();
        rules
    };
    assert_eq!(only(&["--select", "WL001"]), ["WL001"]);
    assert_eq!(only(&["--select", "dangerous-capabilities"]), ["WL001"]);
    assert!(
        only(&["--select", "PS"])
            .iter()
            .all(|r| r.starts_with("PS"))
    );
    assert!(
        !only(&["--ignore", "WL001,PSR005"])
            .iter()
            .any(|r| r == "WL001" || r == "PSR005")
    );
    assert!(!only(&["--pss-only"]).iter().any(|r| !r.starts_with("PS")));
}

#[test]
fn text_output_points_at_the_field() {
    let pod = RESTRICTED_POD.replace(
        "      allowPrivilegeEscalation: false\n",
        "      privileged: true\n      allowPrivilegeEscalation: false\n",
    );
    let output = rampart(
        &["scan", "-", "--pss-only", "--color", "never"],
        Some(&pod),
        &repo(),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(
            "error[PSB002]: container \"app\" must not set securityContext.privileged=true"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("--> <stdin>:14:7"), "{stdout}");
    assert!(
        stdout.contains("^^^^^^^^^^^^^^^^ privileged-container"),
        "{stdout}"
    );
    assert!(stdout.contains("= help:"), "{stdout}");
    assert!(stdout.contains("Found 1 finding"), "{stdout}");
}

#[test]
fn broken_input_is_reported_and_the_rest_is_scanned() {
    let dir = temp_dir("broken");
    std::fs::write(
        dir.join("a-bad.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: x\n---\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("b-wrong.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: w\nspec:\n  containers:\n  - name: c\n    securityContext:\n      privileged: maybe\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("c-unknown.yaml"),
        "apiVersion: apps/v1\nkind: Deploymnet\nmetadata:\n  name: d\n",
    )
    .unwrap();
    std::fs::write(dir.join("d-good.yaml"), RESTRICTED_POD).unwrap();
    std::fs::write(dir.join("e-binary.yaml"), b"kind: \xff\xfe\n").unwrap();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    std::fs::write(dir.join("f-deep.json"), deep).unwrap();
    std::fs::write(
        dir.join("g-values.yaml"),
        "replicaCount: 2\nimage:\n  tag: x\n",
    )
    .unwrap();
    let output = rampart(&["scan", ".", "--format", "json"], None, &dir);
    assert_eq!(output.status.code(), Some(2));
    let report = json_of(&output);
    let errors = report["errors"].as_array().unwrap();
    let find = |file: &str| {
        errors
            .iter()
            .find(|e| e["file"].as_str().unwrap().ends_with(file))
            .unwrap_or_else(|| panic!("no error for {file}: {errors:#?}"))
    };
    assert_eq!(find("a-bad.yaml")["line"], 3);
    let wrong = find("b-wrong.yaml");
    assert_eq!(
        (wrong["line"].as_u64(), wrong["column"].as_u64()),
        (Some(9), Some(7))
    );
    assert!(
        wrong["message"].as_str().unwrap().contains("boolean"),
        "{wrong}"
    );
    let unknown = find("c-unknown.yaml");
    assert!(
        unknown["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `Deployment`")
    );
    assert_eq!(unknown["line"], 2);
    assert!(
        find("e-binary.yaml")["message"]
            .as_str()
            .unwrap()
            .contains("UTF-8")
    );
    assert!(
        find("f-deep.json")["message"]
            .as_str()
            .unwrap()
            .contains("deep")
    );
    // The good file was still scanned.
    let objects = report["objects"].as_array().unwrap();
    assert!(
        objects
            .iter()
            .any(|o| o["name"] == "ok" && o["pss"]["allowed"] == true)
    );
    // Helm values files are not Kubernetes objects and not errors.
    assert!(
        !errors
            .iter()
            .any(|e| e["file"].as_str().unwrap().ends_with("g-values.yaml"))
    );
}

#[test]
fn directories_honour_gitignore_and_extensions() {
    let dir = temp_dir("walk");
    std::fs::create_dir_all(dir.join("sub/ignored")).unwrap();
    std::fs::write(dir.join(".gitignore"), "ignored/\n").unwrap();
    std::fs::write(dir.join("sub/pod.yml"), RESTRICTED_POD).unwrap();
    std::fs::write(dir.join("sub/pod.json"), r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"j"},"spec":{"containers":[{"name":"c","image":"i"}]}}"#).unwrap();
    std::fs::write(dir.join("sub/ignored/pod.yaml"), RESTRICTED_POD).unwrap();
    std::fs::write(dir.join("sub/notes.txt"), "kind: [").unwrap();
    let output = rampart(&["scan", ".", "--format", "json"], None, &dir);
    let report = json_of(&output);
    let files: Vec<&str> = report["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["file"].as_str().unwrap())
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files.iter().all(|f| !f.contains("ignored")));
    assert!(files.iter().any(|f| f.ends_with("pod.json")));
}

#[test]
fn lists_and_helm_output_from_stdin() {
    let list = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: apps/v1\n  kind: DaemonSet\n  metadata:\n    name: agent\n    namespace: monitoring\n  spec:\n    template:\n      spec:\n        hostNetwork: true\n        containers:\n        - name: a\n          image: a\n";
    let helm = format!(
        "---\n# Source: agent/templates/daemonset.yaml\n{}",
        &list[list.find("- ").unwrap() + 2..].replace("\n  ", "\n")
    );
    let output = rampart(&["scan", "-", "--format", "json"], Some(list), &repo());
    let report = json_of(&output);
    let object = &report["objects"][0];
    assert_eq!(object["kind"], "DaemonSet");
    assert_eq!(object["namespace"], "monitoring");
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "PSB001")
        .unwrap();
    assert_eq!(finding["line"], 12);

    let output = rampart(&["scan", "-", "--format", "json"], Some(&helm), &repo());
    let report = json_of(&output);
    assert_eq!(
        report["objects"][0]["helm_source"], "agent/templates/daemonset.yaml",
        "{report:#}"
    );
    assert_eq!(
        report["findings"][0]["helm_source"],
        "agent/templates/daemonset.yaml"
    );
}

#[test]
fn pod_annotations_come_from_the_template() {
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  annotations:\n    container.apparmor.security.beta.kubernetes.io/c: unconfined\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata:\n      labels: {a: b}\n    spec:\n      containers:\n      - name: c\n        image: i\n";
    let output = rampart(
        &[
            "scan",
            "-",
            "--format",
            "json",
            "--pss-only",
            "--pss-level",
            "baseline",
        ],
        Some(deployment),
        &repo(),
    );
    assert_eq!(output.status.code(), Some(0));
    let moved = deployment.replace("  annotations:\n    container.apparmor.security.beta.kubernetes.io/c: unconfined\n", "").replace("      labels: {a: b}\n", "      labels: {a: b}\n      annotations:\n        container.apparmor.security.beta.kubernetes.io/c: unconfined\n");
    let output = rampart(
        &[
            "scan",
            "-",
            "--format",
            "json",
            "--pss-only",
            "--pss-level",
            "baseline",
        ],
        Some(&moved),
        &repo(),
    );
    assert_eq!(output.status.code(), Some(1));
    let report = json_of(&output);
    assert_eq!(report["findings"][0]["rule"], "PSB006");
    assert_eq!(report["findings"][0]["line"], 11);
}

#[test]
fn sarif_output_is_sarif() {
    let output = rampart(
        &["scan", "tests/data/agents", "--format", "sarif"],
        None,
        &repo(),
    );
    let sarif = json_of(&output);
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "rampart");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| {
        r["id"] == "PSB002"
            && r["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("## What it does")
    }));
    let result = &run["results"][0];
    assert!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[test]
fn usage_errors_exit_two() {
    for args in [
        vec!["scan", "--pss-version", "v1.05"],
        vec!["scan", "--pss-level", "strict"],
        vec!["scan", "--format", "xml"],
        vec!["scan", "--fail-on", "severe"],
        vec!["frobnicate"],
    ] {
        let output = rampart(&args, None, &repo());
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
    let output = rampart(&["scan", "does/not/exist.yaml"], None, &repo());
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stdout).contains("does/not/exist.yaml"));
}

#[test]
fn output_file_and_rule_docs() {
    let dir = temp_dir("out");
    let report = dir.join("report.json");
    let output = rampart(
        &[
            "scan",
            "-",
            "--format",
            "json",
            "--pss-only",
            "--output",
            report.to_str().unwrap(),
        ],
        Some(RESTRICTED_POD),
        &repo(),
    );
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty());
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(written["summary"]["objects"], 1);

    let output = rampart(&["rule", "PSB002"], None, &repo());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("privileged-container") && text.contains("## Why is this bad?"),
        "{text}"
    );
    let output = rampart(&["rule", "--format", "json"], None, &repo());
    let rules = json_of(&output);
    assert!(rules.as_array().unwrap().len() > 19);
    let output = rampart(&["rule", "NOPE999"], None, &repo());
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn cluster_version_emulation() {
    let pod = RESTRICTED_POD.replace(
        "    runAsNonRoot: true\n",
        "    runAsNonRoot: true\n    seLinuxOptions: {type: container_engine_t}\n",
    );
    let newest = rampart(&["scan", "-", "--pss-only"], Some(&pod), &repo());
    assert_eq!(
        newest.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&newest.stdout)
    );
    let old = rampart(
        &["scan", "-", "--cluster-version", "v1.30"],
        Some(&pod),
        &repo(),
    );
    assert_eq!(old.status.code(), Some(1));
}

const PRIVILEGED_AGENT: &str = "apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  namespace: monitoring
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata:
      labels: {app: agent}
      annotations:
        rampart.dev/ignore.probe: \"PSB002: eBPF probes need privileged mode\"
    spec:
      hostPID: true
      containers:
      - name: probe
        image: probe:1
        securityContext: {privileged: true}
      - name: shipper
        image: shipper:1
        securityContext: {privileged: true}
";

fn rule_count(report: &Value, rule: &str) -> usize {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .count()
}

#[test]
fn inline_ignores_are_scoped_to_the_container() {
    let args = ["scan", "-", "--format", "json", "--pss-level", "baseline"];
    let report = json_of(&rampart(&args, Some(PRIVILEGED_AGENT), &repo()));
    let privileged: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "PSB002")
        .collect();
    assert_eq!(privileged.len(), 1, "{privileged:#?}");
    assert_eq!(privileged[0]["container"], "shipper");
    assert_eq!(report["summary"]["suppressed"], 1);

    let mut strict = args.to_vec();
    strict.push("--no-inline-ignores");
    let report = json_of(&rampart(&strict, Some(PRIVILEGED_AGENT), &repo()));
    assert_eq!(rule_count(&report, "PSB002"), 2);

    let no_reason = PRIVILEGED_AGENT.replace("PSB002: eBPF probes need privileged mode", "PSB002");
    let output = rampart(&args, Some(&no_reason), &repo());
    assert_eq!(output.status.code(), Some(2));
    let report = json_of(&output);
    assert_eq!(report["errors"][0]["line"], 12);
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("reason")
    );
}

#[test]
fn config_exemptions_scope_expire_and_report_unused() {
    let dir = temp_dir("config");
    std::fs::create_dir_all(dir.join("deploy/agents")).unwrap();
    std::fs::write(dir.join("deploy/agents/agent.yaml"), PRIVILEGED_AGENT).unwrap();
    std::fs::write(
        dir.join("rampart.yaml"),
        "exemptions:
- rules: [host-namespaces]
  reason: DogStatsD origin detection needs the host PID namespace
  paths: ['deploy/agents/**']
  namespaces: [monitoring]
  kinds: [DaemonSet]
- rules: [PSB002]
  reason: old exemption
  containers: [shipper]
  expires: 2001-01-01
- rules: [WL001]
  reason: nothing adds capabilities here
ignore: [WL006]
",
    )
    .unwrap();
    let output = rampart(
        &[
            "scan",
            "deploy",
            "--format",
            "json",
            "--pss-level",
            "baseline",
        ],
        None,
        &dir,
    );
    let report = json_of(&output);
    assert_eq!(rule_count(&report, "PSB001"), 0, "{report:#}");
    assert_eq!(
        rule_count(&report, "PSB002"),
        1,
        "expired exemptions apply no more"
    );
    assert_eq!(rule_count(&report, "WL006"), 0, "ignored in the config");
    let exemptions = report["exemptions"].as_array().unwrap();
    assert_eq!(exemptions.len(), 3);
    assert_eq!(exemptions[0]["matched"], 1);
    assert_eq!(exemptions[0]["line"], 2);
    assert_eq!(exemptions[1]["expired"], true);
    assert_eq!(exemptions[2]["matched"], 0);

    let text = rampart(
        &[
            "scan",
            "deploy",
            "--pss-level",
            "baseline",
            "--color",
            "never",
        ],
        None,
        &dir,
    );
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("has expired"), "{stdout}");
    assert!(stdout.contains("matched nothing"), "{stdout}");

    std::fs::write(
        dir.join("bad.yaml"),
        "exemptions:\n- rules: [WL001]\n  namespace: [x]\n  reason: r\n",
    )
    .unwrap();
    let output = rampart(&["scan", "deploy", "--config", "bad.yaml"], None, &dir);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.yaml:3:3") && stderr.contains("unknown exemption key"),
        "{stderr}"
    );
}

#[test]
fn fix_writes_diffs_and_files() {
    let dir = temp_dir("fix");
    let original = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p # keep me\nspec:\n  containers:\n  - name: c\n    image: c:1\n";
    std::fs::write(dir.join("pod.yaml"), original).unwrap();
    let diff = rampart(&["fix", "pod.yaml", "--diff"], None, &dir);
    assert_eq!(diff.status.code(), Some(1), "changes pending");
    let text = String::from_utf8_lossy(&diff.stdout);
    assert!(
        text.contains("+++ b/pod.yaml") && text.contains("+    securityContext:"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("pod.yaml")).unwrap(),
        original,
        "--diff writes nothing"
    );

    let fixed = rampart(&["fix", "pod.yaml"], None, &dir);
    assert_eq!(fixed.status.code(), Some(0));
    let after = std::fs::read_to_string(dir.join("pod.yaml")).unwrap();
    assert!(
        after.contains("# keep me") && after.contains("allowPrivilegeEscalation: false"),
        "{after}"
    );
    let again = rampart(&["fix", "pod.yaml", "--diff"], None, &dir);
    assert_eq!(again.status.code(), Some(0), "idempotent");
    assert!(again.stdout.is_empty());

    let stdin = rampart(&["fix", "-"], Some(original), &repo());
    assert!(String::from_utf8_lossy(&stdin.stdout).contains("runAsNonRoot: true"));
}

#[test]
fn webhook_with_namespace_labels_on_fails_at_startup_without_a_cluster() {
    let dir = temp_dir("webhook-no-cluster");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args([
            "webhook",
            "--cert",
            "missing.crt",
            "--key",
            "missing.key",
            "--listen",
            "127.0.0.1:0",
            "--namespace-labels",
            "on",
        ])
        .current_dir(&dir)
        .env("KUBECONFIG", dir.join("no-kubeconfig"))
        .env("HOME", &dir)
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("KUBERNETES_SERVICE_PORT")
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--namespace-labels=on, but the cluster cannot be used"),
        "{stderr}"
    );
}
