//! `rampart audit` from the command line: inputs (files, gzip, stdin),
//! exit codes, the JSON-lines contract, the detection list.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;

use common::{rampart, temp_dir, text};

const EXEC: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a1","stage":"ResponseStarted","verb":"create","requestURI":"/api/v1/namespaces/shop/pods/web/exec?command=cat&command=%2Fvar%2Frun%2Fsecrets%2Fkubernetes.io%2Fserviceaccount%2Ftoken&container=app","user":{"username":"mallory","groups":["devs"]},"sourceIPs":["10.1.2.3"],"userAgent":"kubectl/v1.31.0","objectRef":{"resource":"pods","namespace":"shop","name":"web","subresource":"exec"},"responseStatus":{"code":101},"stageTimestamp":"2026-01-01T00:00:00.000000Z"}"#;
const QUIET: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a2","stage":"ResponseComplete","verb":"get","user":{"username":"system:node:n1"},"objectRef":{"resource":"leases","namespace":"kube-node-lease","name":"n1"},"responseStatus":{"code":200}}"#;

#[test]
fn exit_codes_follow_the_signals_and_the_input() {
    let dir = temp_dir("audit-cli-codes");
    std::fs::write(dir.join("quiet.log"), format!("{QUIET}\n")).unwrap();
    std::fs::write(dir.join("exec.log"), format!("{QUIET}\n{EXEC}\n")).unwrap();
    std::fs::write(
        dir.join("broken.log"),
        format!("{QUIET}\n{{\"kind\": 0}}\n"),
    )
    .unwrap();

    assert_eq!(
        rampart(&["audit", "quiet.log"], None, &dir).status.code(),
        Some(0)
    );
    let exec = rampart(&["audit", "exec.log"], None, &dir);
    assert_eq!(exec.status.code(), Some(1));
    assert!(text(&exec.stdout).contains("CRITICAL KA001 pod-exec: mallory ran `cat /var/run/secrets/kubernetes.io/serviceaccount/token` in pod shop/web (container app)"), "{}", text(&exec.stdout));
    // Below the minimum severity: not reported, and the exit code says so.
    let filtered = rampart(
        &[
            "audit",
            "--min-severity",
            "critical",
            "--ignore",
            "KA013",
            "quiet.log",
        ],
        None,
        &dir,
    );
    assert_eq!(filtered.status.code(), Some(0));
    let broken = rampart(&["audit", "broken.log", "exec.log"], None, &dir);
    assert_eq!(broken.status.code(), Some(2));
    assert!(
        text(&broken.stderr).contains("broken.log:2: not valid JSON"),
        "{}",
        text(&broken.stderr)
    );
    // The other input is still read.
    assert!(text(&broken.stdout).contains("KA001"));
    let missing = rampart(&["audit", "nope.log"], None, &dir);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn json_lines_from_gzip_and_stdin() {
    let dir = temp_dir("audit-cli-json");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(format!("{EXEC}\n").as_bytes()).unwrap();
    // The name says nothing: gzip is recognised by its bytes.
    std::fs::write(dir.join("audit.log"), gz.finish().unwrap()).unwrap();
    for (args, stdin) in [
        (vec!["audit", "--format", "json", "audit.log"], None),
        (vec!["audit", "--format", "json", "-"], Some(EXEC)),
    ] {
        let out = rampart(&args, stdin, &dir);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        let lines: Vec<serde_json::Value> = text(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let exec = lines.iter().find(|s| s["rule"] == "KA001").unwrap();
        assert_eq!(exec["severity"], "critical");
        assert_eq!(exec["user"], "mallory");
        assert_eq!(exec["groups"], serde_json::json!(["devs"]));
        assert_eq!(exec["sourceIPs"], serde_json::json!(["10.1.2.3"]));
        assert_eq!(exec["object"]["subresource"], "exec");
        assert_eq!(exec["auditID"], "a1");
        assert_eq!(exec["derivedFrom"]["author"], "Leo Tsaousis (@laripping)");
        assert!(
            exec["mitre"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t == "T1609")
        );
        assert_eq!(exec["source"]["line"], 1);
    }
}

#[test]
fn the_list_and_a_broken_detections_file() {
    let dir = temp_dir("audit-cli-list");
    let list = rampart(&["audit", "--list"], None, &dir);
    let codes: Vec<String> = text(&list.stdout)
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or("").to_owned())
        .collect();
    assert_eq!(codes.len(), 14);
    assert_eq!(codes[0], "KA001");
    std::fs::write(dir.join("mine.yaml"), "detections:\n  - code: X1\n    name: n\n    severity: low\n    summary: s\n    match: {nope: 1}\n").unwrap();
    let broken = rampart(&["audit", "--detections", "mine.yaml", "-"], Some(""), &dir);
    assert_eq!(broken.status.code(), Some(2));
    assert!(
        text(&broken.stderr).contains("mine.yaml:6:13: unknown field `nope`"),
        "{}",
        text(&broken.stderr)
    );
}
