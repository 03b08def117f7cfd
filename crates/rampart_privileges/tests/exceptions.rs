//! Scoped privilege exceptions never widen: they cover exactly the
//! containers and values they name (properties over generated pods), and
//! cover what they name.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;

use proptest::prelude::*;
use rampart_diagnostics::Finding;
use rampart_linter::checker::{CheckOptions, check_file};
use rampart_linter::exemptions::Config;
use rampart_privileges::KnowledgeBase;
use rampart_privileges::scan::{ExplainMode, KnowledgeExplainer};
use rampart_source::SourceFile;

const CAPS: [&str; 3] = ["SYS_PTRACE", "NET_ADMIN", "SYS_ADMIN"];

#[derive(Debug, Clone)]
struct Container {
    caps: Vec<usize>,
    /// None: no /proc mount; Some(read_only).
    proc_mount: Option<bool>,
}

fn pod_yaml(host_pid: bool, containers: &[Container]) -> String {
    let mut text = String::from(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: ns\nspec:\n  serviceAccountName: sa\n",
    );
    text.push_str(&format!("  hostPID: {host_pid}\n  containers:\n"));
    for (i, c) in containers.iter().enumerate() {
        text.push_str(&format!(
            "  - name: c{i}\n    image: registry.example.com/img{i}:1\n"
        ));
        let caps: Vec<&str> = c.caps.iter().map(|&k| CAPS[k]).collect();
        text.push_str(&format!(
            "    securityContext:\n      capabilities:\n        add: [{}]\n",
            caps.join(", ")
        ));
        if let Some(read_only) = c.proc_mount {
            text.push_str(&format!(
                "    volumeMounts:\n    - name: proc\n      mountPath: /host/proc\n      readOnly: {read_only}\n"
            ));
        }
    }
    text.push_str("  volumes:\n  - name: proc\n    hostPath:\n      path: /proc\n");
    text
}

fn scan(text: &str, config: &str) -> (Vec<Finding>, usize) {
    let config = Config::parse(&SourceFile::new("rampart.yaml", config), Path::new("."))
        .unwrap_or_else(|e| panic!("{e:?}"));
    let (base, errors) = KnowledgeBase::builtin();
    assert!(errors.is_empty());
    let options = CheckOptions {
        select: vec!["ALL".into()],
        agent_privileges: Some(Arc::new(KnowledgeExplainer::new(
            Arc::new(base),
            ExplainMode::Off,
            true,
        ))),
        config: Arc::new(config),
        ..CheckOptions::default()
    };
    let report = check_file(&SourceFile::new("pod.yaml", text), &options);
    (report.findings, report.suppressed)
}

fn key(f: &Finding) -> (String, Option<String>, usize, String) {
    (
        f.rule.to_string(),
        f.container.clone(),
        f.range.start,
        f.message.clone(),
    )
}

fn exception(container: usize, cap: usize, read_only: Option<bool>, host_pid: bool) -> String {
    let mut privileges = vec![format!("      - capability: {}", CAPS[cap])];
    match read_only {
        Some(ro) => privileges.push(format!("      - hostPath: {{path: /proc, readOnly: {ro}}}")),
        None => privileges.push("      - hostPath: /proc".to_string()),
    }
    if host_pid {
        privileges.push("      - hostPID: true".into());
    }
    format!(
        "exceptions:\n  - reason: test\n    namespaces: [ns]\n    serviceAccounts: [sa]\n    containers: [c{container}]\n    images: [\"registry.example.com/img{container}\"]\n    privileges:\n{}\n",
        privileges.join("\n")
    )
}

fn container() -> impl Strategy<Value = Container> {
    (
        proptest::collection::btree_set(0..CAPS.len(), 0..=CAPS.len()),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(|(caps, proc_mount)| Container {
            caps: caps.into_iter().collect(),
            proc_mount,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn exceptions_never_widen(
        host_pid in any::<bool>(),
        containers in proptest::collection::vec(container(), 1..4),
        target in 0usize..3,
        cap in 0..CAPS.len(),
        read_only in proptest::option::of(any::<bool>()),
        allow_pid in any::<bool>(),
    ) {
        let target = target % containers.len();
        let text = pod_yaml(host_pid, &containers);
        let (before, _) = scan(&text, "");
        let (after, suppressed) = scan(&text, &exception(target, cap, read_only, allow_pid));
        let after_keys: Vec<_> = after.iter().map(key).collect();
        let gone: Vec<&Finding> = before.iter().filter(|f| !after_keys.contains(&key(f))).collect();
        prop_assert_eq!(gone.len(), suppressed);
        let name = format!("c{target}");
        for f in &gone {
            match &f.container {
                // A container finding goes only for the named container...
                Some(c) => prop_assert_eq!(c, &name, "{} suppressed in {}", f.rule, c),
                // ...a volume finding only when the named container is its only user...
                None if f.message.contains("\"proc\"") => {
                    for (i, c) in containers.iter().enumerate() {
                        prop_assert!(c.proc_mount.is_none() || i == target, "{} suppressed for c{}", f.rule, i);
                    }
                }
                // ...and a pod-level one only when the pod has no other container.
                None => prop_assert_eq!(containers.len(), 1, "{} suppressed for the pod", f.rule),
            }
            // Only findings about the named values go.
            let text = f.message.as_str();
            let about_named = text.contains(CAPS[cap])
                || text.contains("/proc")
                || text.contains("\"proc\"")
                || text.contains("hostPID");
            prop_assert!(about_named, "{}: {}", f.rule, text);
            if text.contains("writable") {
                prop_assert!(read_only != Some(true), "a read-only exception covered a writable mount: {}", text);
            }
            if text.contains("hostPID") {
                prop_assert!(allow_pid);
            }
        }
    }
}

#[test]
fn an_exception_covers_what_it_names() {
    let containers = [Container {
        caps: vec![0],
        proc_mount: Some(true),
    }];
    let text = pod_yaml(true, &containers);
    let (before, _) = scan(&text, "");
    let rules = |findings: &[Finding]| -> Vec<String> {
        findings.iter().map(|f| f.rule.to_string()).collect()
    };
    assert!(
        rules(&before).contains(&"WL001".to_string()),
        "{:?}",
        rules(&before)
    );
    let (after, suppressed) = scan(&text, &exception(0, 0, Some(true), true));
    assert!(suppressed > 0);
    for f in &after {
        // WL009 judges hostPID and SYS_PTRACE together: an exemption by rule, not by privilege.
        assert!(
            f.rule == "WL009"
                || !(f.message.contains("SYS_PTRACE") && f.container.as_deref() == Some("c0")),
            "{}: {}",
            f.rule,
            f.message
        );
        assert!(
            f.rule == "WL009" || !f.message.contains("hostPID=true"),
            "{}",
            f.message
        );
    }
    // Another namespace, service account or image: nothing is covered.
    for other in [
        exception(0, 0, Some(true), true).replace("namespaces: [ns]", "namespaces: [other]"),
        exception(0, 0, Some(true), true)
            .replace("serviceAccounts: [sa]", "serviceAccounts: [other]"),
        exception(0, 0, Some(true), true).replace("img0\"", "imgX\""),
    ] {
        let (_, suppressed) = scan(&text, &other);
        assert_eq!(suppressed, 0, "{other}");
    }
}

#[test]
fn an_agent_grant_covers_its_features_only() {
    let datakit = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/agents/datakit-1.84.1.yaml"),
    )
    .unwrap();
    let grant = "exceptions:\n  - reason: DataKit eBPF\n    namespaces: [datakit]\n    agent: {profile: datakit, features: [ebpf]}\n";
    let (before, _) = scan(&datakit, "");
    let (after, suppressed) = scan(&datakit, grant);
    assert!(suppressed > 0);
    let privileged = |findings: &[Finding]| findings.iter().any(|f| f.rule == "PSB002");
    assert!(privileged(&before) && !privileged(&after));
    // hostIPC is no feature's: it stays.
    assert!(
        after
            .iter()
            .any(|f| f.rule == "PSB001" && f.message.contains("hostIPC"))
    );
}
