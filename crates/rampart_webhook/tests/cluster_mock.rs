//! The cluster side against a mock API server (`tower_test::mock::pair`
//! under a real `kube::Client`): the Namespace reflector (list, then a watch
//! event), readiness, the pod lister (limit, truncation, errors), the
//! startup probe, and a review that uses the cached labels.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use http::{Request, Response, StatusCode};
use http_body::Frame;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use rampart_linter::checker::CheckOptions;
use rampart_linter::pss::{Level, PolicyVersion};
use rampart_webhook::cluster::{ClusterNamespaces, ClusterPods, probe};
use rampart_webhook::namespaces::{ListError, NamespaceLabelSource, PodLister};
use rampart_webhook::{Engine, Mode, review};
use serde_json::{Value, json};

type MockBody = BoxBody<Bytes, Infallible>;

fn full(status: StatusCode, body: Value) -> Response<MockBody> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())).boxed())
        .unwrap()
}

fn namespace(name: &str, rv: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace",
           "metadata": {"name": name, "resourceVersion": rv, "labels": labels}})
}

fn pod(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "namespace": "team"},
           "spec": {"containers": [{"name": "c", "image": "x", "securityContext": {"privileged": true}}]}})
}

/// Answers like an API server; records the request URIs.
async fn serve(
    mut handle: tower_test::mock::Handle<Request<kube::client::Body>, Response<MockBody>>,
    seen: Arc<Mutex<Vec<String>>>,
) {
    while let Some((request, respond)) = handle.next_request().await {
        let uri = request.uri().clone();
        seen.lock().unwrap().push(uri.to_string());
        let path = uri.path();
        let query = uri.query().unwrap_or("");
        let response = match path {
            "/api/v1/namespaces" if query.contains("watch=true") => {
                // One event, then the watch stays open.
                let event = json!({"type": "ADDED", "object": namespace("late", "11",
                    json!({"pod-security.kubernetes.io/enforce": "privileged"}))});
                let frames = futures::stream::iter(vec![Ok::<_, Infallible>(Frame::data(
                    Bytes::from(format!("{event}\n")),
                ))])
                .chain(futures::stream::pending());
                Response::builder()
                    .status(StatusCode::OK)
                    .header("content-type", "application/json")
                    .body(BodyExt::boxed(StreamBody::new(frames)))
                    .unwrap()
            }
            "/api/v1/namespaces" => full(
                StatusCode::OK,
                json!({"apiVersion": "v1", "kind": "NamespaceList",
                "metadata": {"resourceVersion": "10"},
                "items": [
                    namespace("team", "5", json!({
                        "pod-security.kubernetes.io/enforce": "baseline",
                        "pod-security.kubernetes.io/enforce-version": "v1.30"})),
                    namespace("plain", "6", json!({"team": "a"})),
                ]}),
            ),
            "/api/v1/namespaces/team/pods" => full(
                StatusCode::OK,
                json!({"apiVersion": "v1", "kind": "PodList",
                       "metadata": {"resourceVersion": "12", "continue": "next-page",
                                    "remainingItemCount": 10},
                       "items": [pod("web-1"), pod("web-2")]}),
            ),
            _ => full(
                StatusCode::FORBIDDEN,
                json!({"apiVersion": "v1", "kind": "Status", "status": "Failure",
                       "message": format!("{path} is forbidden"), "reason": "Forbidden",
                       "code": 403}),
            ),
        };
        respond.send_response(response);
    }
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reflector_caches_labels_and_the_lister_lists_pods() {
    let (service, handle) =
        tower_test::mock::pair::<Request<kube::client::Body>, Response<MockBody>>();
    let client = kube::Client::new(service, "default");
    let seen = Arc::new(Mutex::new(Vec::new()));

    let namespaces = ClusterNamespaces::start(client.clone());
    // Nothing answered yet: not synced, nothing known, no panic.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!namespaces.is_synced());
    assert!(namespaces.labels("team").is_none());

    tokio::spawn(serve(handle, Arc::clone(&seen)));
    wait_for("the namespace cache", || namespaces.is_synced()).await;
    let team = namespaces.labels("team").unwrap();
    assert_eq!(team.enforce.level, Some(Level::Baseline));
    assert_eq!(team.enforce.version, Some(PolicyVersion::Minor(30)));
    assert_eq!(team.warn.level, None);
    assert_eq!(namespaces.labels("plain").unwrap(), Default::default());
    assert!(namespaces.labels("missing").is_none());
    // The watch event arrives in the cache.
    wait_for("the watch event", || namespaces.labels("late").is_some()).await;
    assert_eq!(
        namespaces.labels("late").unwrap().enforce.level,
        Some(Level::Privileged)
    );

    // A review reads the cache: `team` enforces baseline, not the command
    // line's restricted.
    let engine = Engine::new(
        Arc::new(CheckOptions {
            posture_rules: false,
            ..CheckOptions::default()
        }),
        Mode::Enforce,
        Level::Restricted,
    )
    .with_namespaces(Arc::clone(&namespaces) as Arc<dyn NamespaceLabelSource>);
    assert!(engine.is_ready());
    let root_pod = |namespace: &str| {
        serde_json::to_vec(
            &json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "operation": "CREATE", "namespace": namespace,
                "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                           "spec": {"containers": [{"name": "c", "image": "x"}]}}}}),
        )
        .unwrap()
    };
    let allowed = |namespace: &str| {
        review(&root_pod(namespace), &engine).unwrap()["response"]["allowed"].clone()
    };
    assert_eq!(allowed("team"), true);
    assert_eq!(allowed("plain"), false);
    assert_eq!(allowed("missing"), false);

    // The pod lister: one page with a limit, truncation reported.
    let lister = Arc::new(ClusterPods::new(
        client.clone(),
        tokio::runtime::Handle::current(),
    ));
    let pods = Arc::clone(&lister);
    let page =
        tokio::task::spawn_blocking(move || pods.list_pods("team", 3000, Duration::from_secs(5)))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(page.pods.len(), 2);
    assert_eq!(page.pods[0]["kind"], "Pod");
    assert_eq!(page.pods[0]["metadata"]["name"], "web-1");
    assert!(page.truncated);
    assert_eq!(page.remaining, Some(10));
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .any(|uri| uri.starts_with("/api/v1/namespaces/team/pods?")
                && uri.contains("limit=3000")),
        "{seen:?}"
    );
    // An API error is an error, not a panic.
    let pods = Arc::clone(&lister);
    let error =
        tokio::task::spawn_blocking(move || pods.list_pods("secret", 10, Duration::from_secs(5)))
            .await
            .unwrap()
            .unwrap_err();
    assert!(
        matches!(&error, ListError::Api(m) if m.contains("forbidden")),
        "{error:?}"
    );

    // The startup probe lists one namespace.
    probe(&client, Duration::from_secs(5)).await.unwrap();
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .any(|uri| uri.contains("limit=1"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_api_server_times_out_instead_of_blocking() {
    // The handle is kept but never answers.
    let (service, _handle) =
        tower_test::mock::pair::<Request<kube::client::Body>, Response<MockBody>>();
    let client = kube::Client::new(service, "default");
    let lister = ClusterPods::new(client.clone(), tokio::runtime::Handle::current());
    let started = Instant::now();
    let result = tokio::task::spawn_blocking(move || {
        lister.list_pods("team", 3000, Duration::from_millis(200))
    })
    .await
    .unwrap();
    assert_eq!(result, Err(ListError::Timeout(Duration::from_millis(200))));
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(probe(&client, Duration::from_millis(100)).await.is_err());
}
