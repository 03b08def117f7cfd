//! The generated ValidatingAdmissionPolicy and the webhook agree on scoped
//! exceptions: the webhook's exception suite (every scoping dimension, the
//! kyverno#9836 / #6615 leaks), and pods generated at random against a
//! config that uses every kind of scope and privilege.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::{Arc, OnceLock};

use proptest::prelude::*;
use rampart_cel::evaluate::{admission_defaults, request_for};
use rampart_cel::{Evaluator, FailurePolicy, VapOptions, compile};
use rampart_linter::admission::ModeLevels;
use rampart_linter::checker::CheckOptions;
use rampart_linter::exemptions::Config;
use rampart_linter::pss::{Level, PolicyVersion};
use rampart_privileges::KnowledgeBase;
use rampart_privileges::scan::{ExplainMode, KnowledgeExplainer};
use rampart_source::SourceFile;
use rampart_webhook::{Engine, Mode, review};
use serde_json::{Value, json};

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn config_text() -> String {
    format!(
        "exceptions:
  - reason: the agent reads host processes
    namespaces: [monitoring]
    serviceAccounts: [agent]
    containers: [agent]
    images: [\"registry.example.com/agent\"]
    privileges:
      - hostPath: {{path: /proc, readOnly: true}}
      - hostPID: true
      - capability: SYS_PTRACE
  - reason: the network agent
    namespaces: [monitoring, kube-system]
    images: [\"registry.example.com/*\"]
    privileges:
      - hostNetwork: true
      - hostPort: {{port: 9100, protocol: TCP}}
      - capability: NET_ADMIN
  - reason: a pinned image may run privileged
    images: [\"{DIGEST}\"]
    privileges:
      - privileged: true
      - hostPath: /var/run
  - reason: only the capability rule, only the sidecar
    rules: [PSB003]
    containers: [sidecar]
    privileges:
      - capability: SYS_ADMIN
  - reason: the legacy namespace runs as root, unconfined
    namespaces: [legacy]
    privileges:
      - runAsRoot: true
      - seccomp: unconfined
      - appArmor: unconfined
  - reason: expired long ago
    expires: 2020-01-01
    privileges:
      - hostIPC: true
"
    )
}

fn config() -> Config {
    Config::parse(
        &SourceFile::new("rampart.yaml", config_text()),
        Path::new("."),
    )
    .unwrap()
}

fn engine(level: Level) -> Engine {
    let (base, errors) = KnowledgeBase::builtin();
    assert!(errors.is_empty());
    Engine::new(
        Arc::new(CheckOptions {
            posture_rules: false,
            pss_level: level,
            config: Arc::new(config()),
            agent_privileges: Some(Arc::new(KnowledgeExplainer::new(
                Arc::new(base),
                ExplainMode::Off,
                true,
            ))),
            ..CheckOptions::default()
        }),
        Mode::Enforce,
        level,
    )
}

fn evaluator(level: Level) -> Evaluator {
    let options = VapOptions {
        fallback: ModeLevels {
            enforce: Some(level),
            warn: None,
            audit: None,
            version: PolicyVersion::Latest,
        },
        failure_policy: FailurePolicy::Fail,
        exclude_namespaces: Vec::new(),
        today: jiff::Zoned::now().date(),
    };
    let compiled = compile(&config(), &options);
    let evaluator = Evaluator::new(&compiled.objects).unwrap();
    assert_eq!(evaluator.compile_errors(), Vec::<String>::new());
    evaluator
}

struct Judges {
    engines: Vec<(Level, Engine, Evaluator)>,
}

fn judges() -> &'static Judges {
    static JUDGES: OnceLock<Judges> = OnceLock::new();
    JUDGES.get_or_init(|| Judges {
        engines: [Level::Baseline, Level::Restricted]
            .into_iter()
            .map(|level| (level, engine(level), evaluator(level)))
            .collect(),
    })
}

/// (webhook allowed, VAP allowed, VAP messages) at `level`.
fn verdicts(object: &Value, level: Level) -> (bool, bool, Vec<String>) {
    let namespace = object["metadata"]["namespace"]
        .as_str()
        .unwrap_or("default");
    let (_, engine, evaluator) = judges()
        .engines
        .iter()
        .find(|(l, _, _)| *l == level)
        .unwrap();
    let body = serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                    "operation": "CREATE", "namespace": namespace, "object": object}
    }))
    .unwrap();
    let webhook = review(&body, engine).unwrap()["response"]["allowed"]
        .as_bool()
        .unwrap();
    // The API server defaults the object before admission.
    let mut defaulted = object.clone();
    admission_defaults(&mut defaulted);
    let outcome = evaluator.admit(&request_for(&defaulted, "CREATE", namespace));
    (webhook, outcome.allowed(), outcome.denied)
}

fn assert_agree(object: &Value, level: Level) -> bool {
    let (webhook, vap, messages) = verdicts(object, level);
    assert_eq!(
        webhook, vap,
        "at {level}: webhook allowed={webhook}, VAP allowed={vap} {messages:?}\n{object:#}"
    );
    webhook
}

/// A pod whose containers each mount host /proc.
fn proc_pod(namespace: &str, account: &str, containers: &[(&str, &str, bool)]) -> Value {
    let list: Vec<Value> = containers
        .iter()
        .map(|(name, image, read_only)| {
            json!({"name": name, "image": image,
                   "volumeMounts": [{"name": "proc", "mountPath": "/host/proc", "readOnly": read_only}]})
        })
        .collect();
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": namespace},
           "spec": {"serviceAccountName": account, "containers": list,
                    "volumes": [{"name": "proc", "hostPath": {"path": "/proc"}}]}})
}

const AGENT: (&str, &str, bool) = ("agent", "registry.example.com/agent:1", true);

#[test]
fn the_webhook_exception_suite_agrees() {
    let cases = [
        (proc_pod("monitoring", "agent", &[AGENT]), true),
        (proc_pod("other", "agent", &[AGENT]), false),
        (proc_pod("monitoring", "default", &[AGENT]), false),
        (
            proc_pod(
                "monitoring",
                "agent",
                &[("worker", "registry.example.com/agent:1", true)],
            ),
            false,
        ),
        (
            proc_pod(
                "monitoring",
                "agent",
                &[("agent", "docker.io/evil/agent:1", true)],
            ),
            false,
        ),
        (
            proc_pod(
                "monitoring",
                "agent",
                &[("agent", "registry.example.com/agent:1", false)],
            ),
            false,
        ),
        // kyverno#9836 / #6615: another container with the same volume is not covered.
        (
            proc_pod(
                "monitoring",
                "agent",
                &[AGENT, ("sidecar", "busybox", true)],
            ),
            false,
        ),
        (
            proc_pod(
                "monitoring",
                "agent",
                &[AGENT, ("sidecar", "registry.example.com/agent:1", true)],
            ),
            false,
        ),
        // A digest pins the image, a tag does not; spellings of the path normalise.
        (
            proc_pod(
                "monitoring",
                "agent",
                &[("agent", "registry.example.com/agent:1@sha256:00", true)],
            ),
            true,
        ),
    ];
    for (object, allowed) in cases {
        assert_eq!(
            assert_agree(&object, Level::Baseline),
            allowed,
            "{object:#}"
        );
    }
}

#[test]
fn pod_level_privileges_need_every_container_in_scope() {
    let pod = |containers: Value| {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "monitoring"},
               "spec": {"serviceAccountName": "agent", "hostPID": true, "containers": containers}})
    };
    assert!(assert_agree(
        &pod(json!([{"name": "agent", "image": "registry.example.com/agent:7"}])),
        Level::Baseline
    ));
    assert!(!assert_agree(
        &pod(
            json!([{"name": "agent", "image": "registry.example.com/agent:7"},
                    {"name": "shell", "image": "busybox"}])
        ),
        Level::Baseline
    ));
    // hostIPC was allowed by an exception that has expired.
    let ipc = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "x"},
                     "spec": {"hostIPC": true, "containers": [{"name": "a", "image": "a"}]}});
    assert!(!assert_agree(&ipc, Level::Baseline));
}

#[test]
fn exact_values_and_rule_filters_agree() {
    let pod = |namespace: &str, container: Value| {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": namespace},
               "spec": {"containers": [container]}})
    };
    let cases = [
        // The port and protocol must be the ones named.
        (
            pod(
                "monitoring",
                json!({"name": "n", "image": "registry.example.com/node:1", "ports": [{"containerPort": 9100, "hostPort": 9100}]}),
            ),
            true,
        ),
        (
            pod(
                "monitoring",
                json!({"name": "n", "image": "registry.example.com/node:1", "ports": [{"containerPort": 9100, "hostPort": 9100, "protocol": "UDP"}]}),
            ),
            false,
        ),
        (
            pod(
                "monitoring",
                json!({"name": "n", "image": "registry.example.com/node:1", "ports": [{"containerPort": 9101, "hostPort": 9101}]}),
            ),
            false,
        ),
        // Capabilities are compared normalised.
        (
            pod(
                "monitoring",
                json!({"name": "n", "image": "registry.example.com/x", "securityContext": {"capabilities": {"add": ["cap_net_admin"]}}}),
            ),
            true,
        ),
        (
            pod(
                "monitoring",
                json!({"name": "n", "image": "registry.example.com/x", "securityContext": {"capabilities": {"add": ["NET_ADMIN", "SYS_ADMIN"]}}}),
            ),
            false,
        ),
        // SYS_ADMIN is allowed to the sidecar for PSB003 only.
        (
            pod(
                "any",
                json!({"name": "sidecar", "image": "x", "securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}),
            ),
            true,
        ),
        (
            pod(
                "any",
                json!({"name": "other", "image": "x", "securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}),
            ),
            false,
        ),
        // Privileged only for the pinned digest.
        (
            pod(
                "any",
                json!({"name": "p", "image": format!("x/y@{DIGEST}"), "securityContext": {"privileged": true}}),
            ),
            true,
        ),
        (
            pod(
                "any",
                json!({"name": "p", "image": "x/y:1", "securityContext": {"privileged": true}}),
            ),
            false,
        ),
    ];
    for (object, allowed) in cases {
        assert_eq!(
            assert_agree(&object, Level::Baseline),
            allowed,
            "{object:#}"
        );
    }
    // At restricted, the capability rule is PSR005: the PSB003-only exception does not apply.
    let sidecar = pod(
        "any",
        json!({"name": "sidecar", "image": "x", "securityContext": {"capabilities": {"add": ["SYS_ADMIN"], "drop": ["ALL"]}}}),
    );
    assert_agree(&sidecar, Level::Restricted);
}

#[test]
fn root_and_unconfined_exceptions_agree_at_restricted() {
    let hardened = json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}});
    let pod = |namespace: &str, pod_sc: Value, container_sc: Value| {
        let mut sc = hardened.clone();
        for (k, v) in container_sc.as_object().unwrap() {
            sc[k] = v.clone();
        }
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": namespace},
               "spec": {"securityContext": pod_sc, "containers": [{"name": "c", "image": "x", "securityContext": sc}]}})
    };
    let runtime_default = json!({"seccompProfile": {"type": "RuntimeDefault"}});
    let cases = [
        (pod("legacy", runtime_default.clone(), json!({})), true),
        (pod("other", runtime_default.clone(), json!({})), false),
        (
            pod(
                "legacy",
                json!({"seccompProfile": {"type": "RuntimeDefault"}, "runAsUser": 0}),
                json!({}),
            ),
            true,
        ),
        (
            pod(
                "legacy",
                json!({"seccompProfile": {"type": "Unconfined"}}),
                json!({}),
            ),
            true,
        ),
        (
            pod(
                "legacy",
                json!({}),
                json!({"seccompProfile": {"type": "Unconfined"}}),
            ),
            true,
        ),
        (
            pod(
                "other",
                json!({}),
                json!({"seccompProfile": {"type": "Unconfined"}, "runAsNonRoot": true}),
            ),
            false,
        ),
        (
            pod(
                "legacy",
                json!({"runAsNonRoot": false, "seccompProfile": {"type": "RuntimeDefault"}}),
                json!({}),
            ),
            true,
        ),
        (
            pod(
                "other",
                json!({"runAsNonRoot": false, "seccompProfile": {"type": "RuntimeDefault"}}),
                json!({}),
            ),
            false,
        ),
        (
            pod(
                "legacy",
                runtime_default,
                json!({"appArmorProfile": {"type": "Unconfined"}}),
            ),
            true,
        ),
    ];
    for (object, _) in &cases {
        assert_agree(object, Level::Restricted);
    }
    let allowed: Vec<bool> = cases
        .iter()
        .map(|(o, _)| verdicts(o, Level::Restricted).0)
        .collect();
    let wanted: Vec<bool> = cases.iter().map(|(_, a)| *a).collect();
    assert_eq!(allowed, wanted);
}

fn container_strategy() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["agent", "sidecar", "worker"]),
        prop::sample::select(vec![
            "registry.example.com/agent:1".to_owned(),
            "registry.example.com/agent".to_owned(),
            "registry.example.com/other:2".to_owned(),
            format!("docker.io/x/agent@{DIGEST}"),
            "docker.io/evil/agent:1".to_owned(),
        ]),
        any::<bool>(),
        prop::collection::vec(prop::sample::select(vec!["SYS_PTRACE", "NET_ADMIN", "cap_sys_admin", "CHOWN", "NET_BIND_SERVICE"]), 0..3),
        prop::option::of((prop::sample::select(vec![9100, 53, 8080]), prop::sample::select(vec!["TCP", "UDP"]))),
        prop::collection::vec((prop::sample::select(vec!["proc", "run", "data"]), any::<bool>()), 0..3),
        prop::option::of(prop::sample::select(vec!["Unconfined", "RuntimeDefault"])),
        prop::option::of(prop::sample::select(vec![0, 1000])),
        any::<bool>(),
    )
        .prop_map(|(name, image, privileged, caps, port, mounts, seccomp, user, hardened)| {
            let mut sc = json!({"privileged": privileged, "capabilities": {"add": caps}});
            if hardened {
                sc["allowPrivilegeEscalation"] = json!(false);
                sc["capabilities"]["drop"] = json!(["ALL"]);
            }
            if let Some(kind) = seccomp {
                sc["seccompProfile"] = json!({"type": kind});
            }
            if let Some(user) = user {
                sc["runAsUser"] = json!(user);
            }
            let mut container = json!({"name": name, "image": image, "securityContext": sc});
            if let Some((port, protocol)) = port {
                container["ports"] = json!([{"containerPort": port, "hostPort": port, "protocol": protocol}]);
            }
            let mounts: Vec<Value> = mounts
                .into_iter()
                .map(|(volume, read_only)| json!({"name": volume, "mountPath": format!("/host/{volume}"), "readOnly": read_only}))
                .collect();
            container["volumeMounts"] = json!(mounts);
            container
        })
}

fn pod_strategy() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["monitoring", "kube-system", "legacy", "apps"]),
        prop::sample::select(vec!["agent", "default", "other"]),
        prop::collection::vec(container_strategy(), 1..3),
        (any::<bool>(), any::<bool>(), any::<bool>()),
        prop::option::of(prop::sample::select(vec!["Unconfined", "RuntimeDefault"])),
        prop::option::of(any::<bool>()),
    )
        .prop_map(|(namespace, account, containers, (pid, network, ipc), seccomp, non_root)| {
            // Unique container names, as the API server requires.
            let mut seen = Vec::new();
            let containers: Vec<Value> = containers
                .into_iter()
                .filter(|c| {
                    let name = c["name"].as_str().unwrap_or("").to_owned();
                    let fresh = !seen.contains(&name);
                    seen.push(name);
                    fresh
                })
                .collect();
            let mut sc = json!({});
            if let Some(kind) = seccomp {
                sc["seccompProfile"] = json!({"type": kind});
            }
            if let Some(non_root) = non_root {
                sc["runAsNonRoot"] = json!(non_root);
            }
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": namespace},
                   "spec": {"serviceAccountName": account, "hostPID": pid, "hostNetwork": network, "hostIPC": ipc,
                            "securityContext": sc, "containers": containers,
                            "volumes": [{"name": "proc", "hostPath": {"path": "/proc/"}},
                                        {"name": "run", "hostPath": {"path": "/var/run"}},
                                        {"name": "data", "emptyDir": {}}]}})
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn generated_pods_get_the_same_verdict(object in pod_strategy()) {
        for level in [Level::Baseline, Level::Restricted] {
            let (webhook, vap, messages) = verdicts(&object, level);
            prop_assert_eq!(webhook, vap, "at {}: VAP says {:?}\n{:#}", level, messages, object);
        }
    }
}
