//! The namespaces' Pod Security labels as a level source, and the warnings
//! of Namespace requests that change them (with a fake pod lister).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rampart_linter::checker::CheckOptions;
use rampart_linter::exemptions::Config;
use rampart_linter::pss::Level;
use rampart_source::SourceFile;
use rampart_webhook::namespaces::{ListError, PodLister, PodPage, StaticNamespaces};
use rampart_webhook::{Engine, Mode, review};
use serde_json::{Value, json};

const CONFIG: &str = "admission:
  namespaces:
    pinned: {enforce: baseline}
";

/// Enforce restricted on the command line; `pinned` set by rampart.yaml.
fn engine(namespaces: StaticNamespaces) -> Engine {
    let config = Config::parse(&SourceFile::new("rampart.yaml", CONFIG), Path::new(".")).unwrap();
    let options = CheckOptions {
        posture_rules: false,
        config: Arc::new(config),
        ..CheckOptions::default()
    };
    Engine::new(Arc::new(options), Mode::Enforce, Level::Restricted)
        .with_namespaces(Arc::new(namespaces))
}

fn namespaces() -> StaticNamespaces {
    StaticNamespaces::new()
        .with(
            "relaxed",
            [("pod-security.kubernetes.io/enforce", "baseline")],
        )
        .with(
            "open",
            [
                ("pod-security.kubernetes.io/enforce", "privileged"),
                ("pod-security.kubernetes.io/warn", "baseline"),
            ],
        )
        .with("typo", [("pod-security.kubernetes.io/enforce", "basline")])
        .with(
            "pinned",
            [("pod-security.kubernetes.io/enforce", "privileged")],
        )
}

fn body(request: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request
    }))
    .unwrap()
}

fn pod_review(engine: &Engine, namespace: &str, spec: Value) -> Value {
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec});
    let request = json!({"uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                         "operation": "CREATE", "namespace": namespace, "object": pod});
    review(&body(request), engine).unwrap()["response"].clone()
}

/// Passes baseline, fails restricted.
fn root_spec() -> Value {
    json!({"containers": [{"name": "c", "image": "x"}]})
}

/// Fails baseline.
fn host_pid_spec() -> Value {
    json!({"hostPID": true, "containers": [{"name": "c", "image": "x"}]})
}

#[test]
fn a_namespace_label_sets_the_level_of_its_pods() {
    let engine = engine(namespaces());
    // Not labelled: the command line's restricted.
    assert_eq!(pod_review(&engine, "plain", root_spec())["allowed"], false);
    // Labelled baseline: a root pod passes, host PID does not.
    assert_eq!(pod_review(&engine, "relaxed", root_spec())["allowed"], true);
    assert_eq!(
        pod_review(&engine, "relaxed", host_pid_spec())["allowed"],
        false
    );
    // Labelled privileged with warn baseline: allowed, warned.
    let open = pod_review(&engine, "open", host_pid_spec());
    assert_eq!(open["allowed"], true);
    assert!(
        open["warnings"][0].as_str().unwrap().contains("hostPID"),
        "{open}"
    );
    // An invalid enforce level fails closed: restricted.
    assert_eq!(pod_review(&engine, "typo", root_spec())["allowed"], false);
}

#[test]
fn the_config_entry_beats_the_labels_and_unknown_namespaces_fall_back() {
    let engine = engine(namespaces());
    // `pinned` is labelled privileged, rampart.yaml says baseline.
    assert_eq!(
        pod_review(&engine, "pinned", host_pid_spec())["allowed"],
        false
    );
    assert_eq!(pod_review(&engine, "pinned", root_spec())["allowed"], true);
    // Not in the cache (just created): the command line, no panic, no wait.
    assert_eq!(
        pod_review(&engine, "brand-new", root_spec())["allowed"],
        false
    );
}

/// Lists canned pods and records the calls.
#[derive(Default)]
struct FakePods {
    page: Mutex<Option<Result<PodPage, ListError>>>,
    calls: AtomicUsize,
    limits: Mutex<Vec<usize>>,
    delay: Duration,
}

impl FakePods {
    fn returning(result: Result<PodPage, ListError>) -> Self {
        Self {
            page: Mutex::new(Some(result)),
            ..Self::default()
        }
    }
}

impl PodLister for FakePods {
    fn list_pods(
        &self,
        _namespace: &str,
        limit: usize,
        _budget: Duration,
    ) -> Result<PodPage, ListError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.limits.lock().unwrap().push(limit);
        std::thread::sleep(self.delay);
        self.page
            .lock()
            .unwrap()
            .clone()
            .unwrap_or(Ok(PodPage::default()))
    }
}

fn pod(name: &str, owner: Option<&str>, spec: Value) -> Value {
    let mut pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "team"}, "spec": spec});
    if let Some(owner) = owner {
        pod["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "name": owner, "uid": format!("uid-{owner}"), "controller": true}]);
    }
    pod
}

fn privileged_spec(container: &str) -> Value {
    json!({"containers": [{"name": container, "image": "x", "securityContext": {"privileged": true}}]})
}

fn namespace(labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team", "labels": labels}})
}

fn namespace_review(engine: &Engine, operation: &str, old: Value, new: Value) -> Value {
    let mut request = json!({"uid": "n", "kind": {"group": "", "version": "v1", "kind": "Namespace"},
        "resource": {"group": "", "version": "v1", "resource": "namespaces"},
        "operation": operation, "name": "team", "namespace": "team", "object": new,
        "dryRun": true});
    if operation == "UPDATE" {
        request["oldObject"] = old;
    }
    review(&body(request), engine).unwrap()["response"].clone()
}

fn warnings_of(response: &Value) -> Vec<String> {
    response["warnings"]
        .as_array()
        .map(|w| w.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// Baseline engine (so that `privileged` labels mean something) with pods.
fn engine_with_pods(pods: Arc<FakePods>) -> Engine {
    let options = CheckOptions {
        posture_rules: false,
        ..CheckOptions::default()
    };
    Engine::new(Arc::new(options), Mode::Enforce, Level::Baseline)
        .with_namespaces(Arc::new(StaticNamespaces::new()))
        .with_pod_lister(pods)
}

#[test]
fn a_stricter_enforce_label_warns_about_existing_pods_aggregated() {
    let pods = Arc::new(FakePods::returning(Ok(PodPage {
        pods: vec![
            pod("web-1", Some("web"), privileged_spec("app")),
            pod("web-2", Some("web"), privileged_spec("app")),
            pod("web-3", Some("web"), privileged_spec("app")),
            pod("web-4", Some("web"), privileged_spec("app")),
            pod("db-0", None, privileged_spec("db")),
            pod(
                "ok",
                None,
                json!({"containers": [{"name": "c", "image": "x"}]}),
            ),
        ],
        truncated: false,
        remaining: None,
    })));
    let engine = engine_with_pods(Arc::clone(&pods));
    let response = namespace_review(
        &engine,
        "UPDATE",
        namespace(json!({"pod-security.kubernetes.io/enforce": "privileged"})),
        namespace(json!({"pod-security.kubernetes.io/enforce": "baseline"})),
    );
    assert_eq!(response["allowed"], true, "{response}");
    assert_eq!(response["uid"], "n");
    let warnings = warnings_of(&response);
    assert_eq!(
        warnings[0],
        "existing pods in namespace \"team\" violate the new PodSecurity enforce level \"baseline:latest\""
    );
    // One warning per distinct violation, naming the pods.
    assert_eq!(warnings.len(), 3, "{warnings:#?}");
    assert!(warnings[1].starts_with("db-0: PSB"), "{warnings:#?}");
    assert!(warnings[1].contains("container \"db\""), "{warnings:#?}");
    assert!(
        warnings[2].starts_with("web-1, web-2, web-3 (and 1 other pod): PSB"),
        "{warnings:#?}"
    );
    assert!(warnings[2].contains("privileged"), "{warnings:#?}");
    assert!(!warnings.iter().any(|w| w.contains("ok")), "{warnings:#?}");
    assert_eq!(pods.limits.lock().unwrap().as_slice(), &[3000]);
}

#[test]
fn a_truncated_list_says_so() {
    let pods = Arc::new(FakePods::returning(Ok(PodPage {
        pods: vec![pod("web-1", Some("web"), privileged_spec("app"))],
        truncated: true,
        remaining: Some(4999),
    })));
    let engine = engine_with_pods(pods);
    let response = namespace_review(
        &engine,
        "UPDATE",
        namespace(json!({})),
        namespace(json!({"pod-security.kubernetes.io/enforce": "restricted"})),
    );
    let warnings = warnings_of(&response);
    assert_eq!(
        warnings[0],
        "new PodSecurity enforce level only checked against the first 1 of 5000 existing pods"
    );
    assert!(
        warnings[1].contains("\"restricted:latest\""),
        "{warnings:#?}"
    );

    let unknown = Arc::new(FakePods::returning(Ok(PodPage {
        pods: vec![pod(
            "a",
            None,
            json!({"containers": [{"name": "c", "image": "x"}]}),
        )],
        truncated: true,
        remaining: None,
    })));
    let response = namespace_review(
        &engine_with_pods(unknown),
        "UPDATE",
        namespace(json!({})),
        namespace(json!({"pod-security.kubernetes.io/enforce": "restricted"})),
    );
    assert_eq!(
        warnings_of(&response)[0],
        "new PodSecurity enforce level only checked against the first 1 of more than 1 existing pods"
    );
}

#[test]
fn the_time_budget_stops_the_check() {
    let many: Vec<Value> = (0..50)
        .map(|i| pod(&format!("p{i:02}"), None, privileged_spec("app")))
        .collect();
    let pods = Arc::new(FakePods {
        delay: Duration::from_millis(30),
        ..FakePods::returning(Ok(PodPage {
            pods: many,
            truncated: false,
            remaining: None,
        }))
    });
    let mut engine = engine_with_pods(pods);
    engine.pod_check.budget = Duration::from_millis(20);
    let response = namespace_review(
        &engine,
        "UPDATE",
        namespace(json!({})),
        namespace(json!({"pod-security.kubernetes.io/enforce": "restricted"})),
    );
    let warnings = warnings_of(&response);
    // The listing alone used the budget: one pod judged, then stop.
    assert_eq!(
        warnings[0],
        "new PodSecurity enforce level only checked against the first 1 of 50 existing pods"
    );
    assert!(warnings.len() > 2, "{warnings:#?}");
    assert!(
        warnings[2..].iter().all(|w| w.starts_with("p00: ")),
        "{warnings:#?}"
    );
}

#[test]
fn a_failed_list_is_a_warning_and_the_namespace_is_allowed() {
    let pods = Arc::new(FakePods::returning(Err(ListError::Api(
        "pods is forbidden".into(),
    ))));
    let response = namespace_review(
        &engine_with_pods(pods),
        "UPDATE",
        namespace(json!({})),
        namespace(json!({"pod-security.kubernetes.io/enforce": "restricted"})),
    );
    assert_eq!(response["allowed"], true);
    assert_eq!(
        warnings_of(&response),
        ["failed to list pods while checking new PodSecurity enforce level: pods is forbidden"]
    );
}

#[test]
fn pods_are_checked_only_when_enforce_becomes_stricter() {
    let pods = Arc::new(FakePods::returning(Ok(PodPage {
        pods: vec![pod("web-1", None, privileged_spec("app"))],
        truncated: false,
        remaining: None,
    })));
    let engine = engine_with_pods(Arc::clone(&pods));
    let label = |level: &str| namespace(json!({"pod-security.kubernetes.io/enforce": level}));
    // Relaxed, unchanged, off, other labels, warn only, CREATE: no listing.
    for (operation, old, new) in [
        ("UPDATE", label("restricted"), label("baseline")),
        ("UPDATE", label("baseline"), label("baseline")),
        ("UPDATE", label("baseline"), label("privileged")),
        (
            "UPDATE",
            namespace(json!({"team": "a"})),
            namespace(json!({"team": "b"})),
        ),
        (
            "UPDATE",
            namespace(json!({})),
            namespace(json!({"pod-security.kubernetes.io/warn": "restricted"})),
        ),
        ("CREATE", Value::Null, label("restricted")),
        // The command line's baseline, now labelled baseline: no change.
        ("UPDATE", namespace(json!({})), label("baseline")),
    ] {
        let response = namespace_review(&engine, operation, old, new);
        assert_eq!(response["allowed"], true);
        assert!(response.get("warnings").is_none(), "{response}");
    }
    assert_eq!(pods.calls.load(Ordering::SeqCst), 0);
    // A newer version at the same level counts (as PSA).
    let versioned = |version: &str| {
        namespace(json!({"pod-security.kubernetes.io/enforce": "baseline",
                         "pod-security.kubernetes.io/enforce-version": version}))
    };
    let response = namespace_review(&engine, "UPDATE", versioned("v1.20"), versioned("v1.30"));
    assert_eq!(pods.calls.load(Ordering::SeqCst), 1);
    assert!(
        warnings_of(&response)[0].contains("\"baseline:v1.30\""),
        "{response}"
    );
}

#[test]
fn invalid_label_values_are_warned_about() {
    let pods = Arc::new(FakePods::default());
    let engine = engine_with_pods(Arc::clone(&pods));
    let response = namespace_review(
        &engine,
        "CREATE",
        Value::Null,
        namespace(json!({
            "pod-security.kubernetes.io/enforce": "strict",
            "pod-security.kubernetes.io/warn-version": "1.30",
            "pod-security.kubernetes.io/audit": "baseline",
        })),
    );
    assert_eq!(response["allowed"], true);
    assert_eq!(
        warnings_of(&response),
        [
            "metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"strict\": \
             must be one of privileged, baseline, restricted (rampart uses \"restricted\" instead)",
            "metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: \"1.30\": \
             must be \"latest\" or \"v1.x\" (rampart uses \"latest\" instead)",
        ]
    );
    // On UPDATE, only the labels that change are warned about.
    let old = namespace(json!({"pod-security.kubernetes.io/warn": "bad"}));
    let mut new = old.clone();
    new["metadata"]["labels"]["pod-security.kubernetes.io/audit"] = json!("worse");
    let response = namespace_review(&engine, "UPDATE", old, new);
    let warnings = warnings_of(&response);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(warnings[0].contains("audit]"), "{warnings:#?}");
    assert_eq!(pods.calls.load(Ordering::SeqCst), 0);
}

#[test]
fn without_cluster_access_only_the_labels_are_checked() {
    let options = CheckOptions {
        posture_rules: false,
        ..CheckOptions::default()
    };
    let engine = Engine::new(Arc::new(options), Mode::Enforce, Level::Baseline);
    let response = namespace_review(
        &engine,
        "UPDATE",
        namespace(json!({})),
        namespace(json!({"pod-security.kubernetes.io/enforce": "restrictd"})),
    );
    assert_eq!(response["allowed"], true);
    let warnings = warnings_of(&response);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(warnings[0].contains("Invalid value: \"restrictd\""));
}

#[test]
fn a_label_the_config_overrides_is_pointed_out_and_checks_nothing() {
    let pods = Arc::new(FakePods::returning(Ok(PodPage {
        pods: vec![pod("web-1", None, privileged_spec("app"))],
        truncated: false,
        remaining: None,
    })));
    let config = Config::parse(
        &SourceFile::new(
            "rampart.yaml",
            "admission:\n  namespaces:\n    team: {enforce: baseline}\n",
        ),
        Path::new("."),
    )
    .unwrap();
    let options = CheckOptions {
        posture_rules: false,
        config: Arc::new(config),
        ..CheckOptions::default()
    };
    let engine = Engine::new(Arc::new(options), Mode::Enforce, Level::Baseline)
        .with_namespaces(Arc::new(StaticNamespaces::new()))
        .with_pod_lister(Arc::clone(&pods) as Arc<dyn PodLister>);
    let response = namespace_review(
        &engine,
        "UPDATE",
        namespace(json!({})),
        namespace(json!({"pod-security.kubernetes.io/enforce": "restricted"})),
    );
    assert_eq!(
        warnings_of(&response),
        [
            "rampart.yaml sets the enforce level of namespace \"team\": its label \
          pod-security.kubernetes.io/enforce does not change what rampart checks there"
        ]
    );
    assert_eq!(pods.calls.load(Ordering::SeqCst), 0);
}

#[test]
fn namespace_deletes_and_status_updates_are_allowed_silently() {
    let engine = engine_with_pods(Arc::new(FakePods::default()));
    let request = json!({"uid": "d", "kind": {"group": "", "version": "v1", "kind": "Namespace"},
        "operation": "DELETE", "name": "team", "oldObject": namespace(json!({}))});
    let response = review(&body(request), &engine).unwrap();
    assert_eq!(response["response"]["allowed"], true);
    let request = json!({"uid": "s", "kind": {"group": "", "version": "v1", "kind": "Namespace"},
        "operation": "UPDATE", "subResource": "status", "name": "team",
        "object": namespace(json!({"pod-security.kubernetes.io/enforce": "bad"})),
        "oldObject": namespace(json!({}))});
    let response = review(&body(request), &engine).unwrap();
    assert_eq!(response["response"]["allowed"], true);
    assert!(response["response"].get("warnings").is_none());
}

#[tokio::test]
async fn readyz_waits_for_the_namespace_cache() {
    use axum::body::Body;
    use rampart_webhook::server::{Metrics, router};
    use tower::ServiceExt;

    let namespaces = Arc::new(StaticNamespaces::new());
    namespaces.set_synced(false);
    let options = Arc::new(CheckOptions::default());
    let engine = Arc::new(
        Engine::new(options, Mode::Enforce, Level::Restricted)
            .with_namespaces(Arc::clone(&namespaces) as _),
    );
    let status = |path: &'static str| {
        let app = router(
            Arc::clone(&engine),
            2,
            Duration::from_secs(1),
            Arc::new(Metrics::default()),
        );
        async move {
            let request = http::Request::get(path).body(Body::empty()).unwrap();
            app.oneshot(request).await.unwrap().status().as_u16()
        }
    };
    assert_eq!(status("/readyz").await, 503);
    // Alive all the same.
    assert_eq!(status("/healthz").await, 200);
    namespaces.set_synced(true);
    assert_eq!(status("/readyz").await, 200);
    // Without labels there is nothing to wait for.
    let plain = Engine::new(
        Arc::new(CheckOptions::default()),
        Mode::Enforce,
        Level::Restricted,
    );
    assert!(plain.is_ready());
}
