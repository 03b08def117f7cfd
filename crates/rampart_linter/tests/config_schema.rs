//! The generated JSON Schema of `rampart.yaml` and the parser agree: the
//! documented examples and a config using every key pass both; broken
//! configs fail both.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use rampart_linter::config_schema::json_schema;
use rampart_linter::exemptions::Config;
use rampart_source::SourceFile;
use rampart_yaml::{Limits, parse_stream};
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&json_schema()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

/// (parser accepts, schema accepts, schema errors)
fn judge(text: &str) -> (bool, bool, Vec<String>) {
    let parsed = Config::parse(&SourceFile::new("rampart.yaml", text), Path::new(".")).is_ok();
    let stream = parse_stream(text, &Limits::default());
    let value = stream
        .documents
        .first()
        .map_or(Value::Null, |d| d.root.to_json());
    let errors: Vec<String> = validator()
        .iter_errors(&value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    (parsed, errors.is_empty(), errors)
}

const EVERY_KEY: &str = "exemptions:
  - rules: [PSB001, host-namespaces]
    reason: the agent needs host PID
    paths: ['agents/**']
    namespaces: [datadog]
    kinds: DaemonSet
    names: [datadog-agent]
    containers: [agent]
    expires: 2030-01-31
exceptions:
  - reason: every privilege kind
    rules: [PSB004]
    namespaces: [monitoring]
    serviceAccounts: agent
    containers: [agent]
    images: ['registry.example.com/*', 'sha256:0123']
    expires: 2030-01-31
    privileges:
      - hostPID: true
      - hostIPC: true
      - hostNetwork: true
      - privileged: true
      - runAsRoot: true
      - writableRootFilesystem: true
      - serviceAccountToken: true
      - seccomp: unconfined
      - appArmor: unconfined
      - capability: SYS_PTRACE
      - hostPath: /var/log
      - hostPath: {path: /proc, readOnly: true}
      - hostPort: 9100
      - hostPort: {port: 8125, protocol: UDP}
  - reason: an agent's features
    agent: {profile: datadog-agent, features: [logs, apm]}
admission:
  default: {enforce: baseline, warn: restricted, audit: restricted, version: latest}
  namespaces:
    monitoring: {enforce: privileged, warn: baseline, version: v1.30}
    legacy: {enforce: off}
ignore: [IM003]
allowed_registries: registry.example.com/
fix:
  resources:
    requests: {cpu: 100m, memory: 128Mi}
    limits: {memory: 256Mi}
";

#[test]
fn a_config_with_every_key_passes_both() {
    let (parsed, valid, errors) = judge(EVERY_KEY);
    assert!(parsed, "the parser rejects it");
    assert!(valid, "{errors:#?}");
}

#[test]
fn the_documented_examples_pass_both() {
    let doc = std::fs::read_to_string(repo().join("docs/configuration.md")).unwrap();
    let mut checked = 0;
    for block in doc.split("```yaml\n").skip(1) {
        let block = block.split("```").next().unwrap_or("");
        let first_key = block
            .lines()
            .find(|l| !l.starts_with('#') && !l.trim().is_empty())
            .unwrap_or("");
        if ![
            "exemptions:",
            "exceptions:",
            "admission:",
            "ignore:",
            "fix:",
            "allowed_registries:",
        ]
        .iter()
        .any(|k| first_key.starts_with(k))
        {
            continue;
        }
        let (parsed, valid, errors) = judge(block);
        assert!(parsed, "the parser rejects:\n{block}");
        assert!(valid, "{errors:#?}\n{block}");
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} examples");
}

#[test]
fn broken_configs_fail_both() {
    let broken = [
        "unknown: 1\n",
        "exemptions:\n  - rules: [X]\n    reason: r\n    typo: 1\n",
        "exceptions:\n  - reason: r\n    privileges: [{hostPID: false}]\n",
        "exceptions:\n  - reason: r\n    privileges: [{hostPath: relative/path}]\n",
        "exceptions:\n  - reason: r\n    privileges: [{madeUp: true}]\n",
        "exceptions:\n  - reason: r\n    privileges: [{hostPID: true}]\n    serviceaccounts: [x]\n",
        "admission:\n  default: {enforce: strict}\n",
        "admission:\n  default: {enforce: baseline, version: v1.030}\n",
        "admission:\n  namespaces:\n    x: {audit: baseline, mode: y}\n",
        "fix:\n  resources:\n    requests: {cpu: '1 core'}\n",
        "fix:\n  other: {}\n",
    ];
    for text in broken {
        let (parsed, valid, _) = judge(text);
        assert!(!parsed, "the parser accepts:\n{text}");
        assert!(!valid, "the schema accepts:\n{text}");
    }
}

#[test]
fn the_schema_on_disk_is_current() {
    let on_disk = std::fs::read_to_string(repo().join("docs/rampart.schema.json")).unwrap();
    assert_eq!(
        on_disk,
        json_schema(),
        "run `cargo run -p rampart_dev -- generate-all`"
    );
}
