//! Levels per namespace and per mode (`admission:` in rampart.yaml): the
//! generated bindings deny, warn and audit exactly where the webhook does,
//! for Pods and for workload templates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use rampart_cel::evaluate::{admission_defaults, request_for};
use rampart_cel::{Evaluator, FailurePolicy, VapOptions, compile};
use rampart_linter::admission::ModeLevels;
use rampart_linter::checker::CheckOptions;
use rampart_linter::exemptions::Config;
use rampart_linter::pss::{Level, PolicyVersion};
use rampart_source::SourceFile;
use rampart_webhook::{Engine, Mode, review};
use serde_json::{Value, json};

const CONFIG: &str = "admission:
  default: {enforce: baseline, warn: restricted, audit: restricted}
  namespaces:
    monitoring: {enforce: privileged}
    legacy: {warn: baseline, version: v1.22}
    strict: {enforce: restricted, audit: off}
    quiet: {warn: off}
";

fn config() -> Config {
    Config::parse(&SourceFile::new("rampart.yaml", CONFIG), Path::new(".")).unwrap()
}

fn codes(lines: &[String]) -> BTreeSet<String> {
    lines
        .iter()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|code| code.starts_with("PS"))
        .map(str::to_owned)
        .collect()
}

fn containers(privileged: bool, hardened: bool) -> Value {
    let mut sc = json!({"privileged": privileged});
    if hardened {
        sc = json!({"allowPrivilegeEscalation": false, "runAsNonRoot": true,
                    "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}});
    }
    json!([{"name": "c", "image": "registry.example.com/c:1", "securityContext": sc}])
}

#[test]
fn namespaces_and_modes_agree() {
    let webhook = Engine::new(
        Arc::new(CheckOptions {
            posture_rules: false,
            config: Arc::new(config()),
            ..CheckOptions::default()
        }),
        Mode::Enforce,
        Level::Restricted,
    );
    let compiled = compile(
        &config(),
        &VapOptions {
            fallback: ModeLevels {
                enforce: Some(Level::Restricted),
                warn: None,
                audit: None,
                version: PolicyVersion::Latest,
            },
            failure_policy: FailurePolicy::Fail,
            exclude_namespaces: Vec::new(),
            today: jiff::Zoned::now().date(),
        },
    );
    let vap = Evaluator::new(&compiled.objects).unwrap();
    assert_eq!(vap.compile_errors(), Vec::<String>::new());

    let mut judged = 0;
    for namespace in ["monitoring", "legacy", "strict", "quiet", "other"] {
        for (privileged, hardened) in [(true, false), (false, false), (false, true)] {
            let spec = json!({"containers": containers(privileged, hardened)});
            let pod = json!({"apiVersion": "v1", "kind": "Pod",
                             "metadata": {"name": "p", "namespace": namespace}, "spec": spec});
            let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "d", "namespace": namespace},
                "spec": {"selector": {"matchLabels": {"a": "b"}},
                         "template": {"metadata": {"labels": {"a": "b"}}, "spec": spec}}});
            let cronjob = json!({"apiVersion": "batch/v1", "kind": "CronJob",
                "metadata": {"name": "j", "namespace": namespace},
                "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": spec}}}}});
            for object in [pod, deployment, cronjob] {
                let (group, version) = match object["apiVersion"].as_str().unwrap().split_once('/')
                {
                    Some((g, v)) => (g.to_owned(), v.to_owned()),
                    None => (String::new(), "v1".to_owned()),
                };
                let body = serde_json::to_vec(&json!({
                    "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                    "request": {"uid": "u", "kind": {"group": group, "version": version, "kind": object["kind"]},
                                "operation": "CREATE", "namespace": namespace, "object": object}
                }))
                .unwrap();
                let response = review(&body, &webhook).unwrap()["response"].clone();
                let strings = |v: &Value| -> Vec<String> {
                    match v {
                        Value::Array(items) => items
                            .iter()
                            .filter_map(|i| i.as_str().map(str::to_owned))
                            .collect(),
                        Value::String(s) => s.split("; ").map(str::to_owned).collect(),
                        _ => Vec::new(),
                    }
                };
                let webhook_allowed = response["allowed"].as_bool().unwrap();
                let webhook_warned = codes(&strings(&response["warnings"]));
                let webhook_audited = codes(&strings(
                    &response["auditAnnotations"]["rampart.dev/violations"],
                ));

                let mut defaulted = object.clone();
                admission_defaults(&mut defaulted);
                let outcome = vap.admit(&request_for(&defaulted, "CREATE", namespace));
                let context = format!(
                    "{} in {namespace} (privileged={privileged}, hardened={hardened})",
                    object["kind"]
                );
                assert_eq!(
                    outcome.allowed(),
                    webhook_allowed,
                    "allowed: {context}: {outcome:?}"
                );
                assert_eq!(
                    codes(&outcome.warnings),
                    webhook_warned,
                    "warnings: {context}"
                );
                // Denied validations are in the audit record too, as the API server keeps them.
                let recorded: Vec<String> = outcome
                    .audit
                    .iter()
                    .chain(&outcome.denied)
                    .cloned()
                    .collect();
                assert_eq!(codes(&recorded), webhook_audited, "audit: {context}");
                judged += 1;
            }
        }
    }
    assert_eq!(judged, 45);
}
