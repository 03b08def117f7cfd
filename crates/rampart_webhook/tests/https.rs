//! The real HTTPS server on loopback: AdmissionReview over TLS, health,
//! metrics, malformed input, and a certificate rotated while it runs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rampart_https::testing::{Response, request, write_self_signed};
use rampart_linter::checker::CheckOptions;
use rampart_webhook::server::{Metrics, ServerConfig, serve_with};
use rampart_webhook::{Engine, Mode};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rampart-webhook-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const PRIVILEGED: &str = r#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"abc","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","namespace":"ns","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"x","securityContext":{"privileged":true}}]}}}}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_reviews_over_tls_and_reloads_the_certificate() {
    let dir = temp_dir("tls");
    let first = write_self_signed(&dir).unwrap();
    let engine = Arc::new(Engine::new(
        Arc::new(CheckOptions {
            posture_rules: false,
            pss_level: rampart_linter::pss::Level::Baseline,
            ..CheckOptions::default()
        }),
        Mode::Enforce,
        rampart_linter::pss::Level::Baseline,
    ));
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        cert: dir.join("tls.crt"),
        key: dir.join("tls.key"),
        max_concurrency: 4,
        timeout: Duration::from_secs(5),
        reload_interval: Duration::from_millis(100),
    };
    let handle = axum_server::Handle::new();
    let metrics = Arc::new(Metrics::default());
    tokio::spawn(serve_with(
        config,
        engine,
        Arc::clone(&metrics),
        handle.clone(),
    ));
    let addr = handle.listening().await.unwrap();

    let Response { status, body, .. } =
        request(addr, &first, "POST", "/validate", PRIVILEGED.as_bytes())
            .await
            .unwrap();
    assert_eq!(status, 200, "{body}");
    let review: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(review["response"]["uid"], "abc");
    assert_eq!(review["response"]["allowed"], false);
    assert!(
        review["response"]["status"]["message"]
            .as_str()
            .unwrap()
            .contains("PSB002")
    );

    let Response { status, body, .. } = request(addr, &first, "POST", "/validate", b"{not json")
        .await
        .unwrap();
    assert_eq!(status, 400, "{body}");
    let Response { status, .. } = request(addr, &first, "GET", "/healthz", b"").await.unwrap();
    assert_eq!(status, 200);
    let Response { status, body, .. } =
        request(addr, &first, "GET", "/metrics", b"").await.unwrap();
    assert_eq!(status, 200);
    assert!(
        body.contains("rampart_webhook_reviews_total{result=\"denied\"} 1"),
        "{body}"
    );
    assert!(
        body.contains("rampart_webhook_reviews_total{result=\"bad_request\"} 1"),
        "{body}"
    );

    // Rotate the certificate: after a reload the server presents the new one.
    tokio::time::sleep(Duration::from_millis(1100)).await; // a different mtime
    let second = write_self_signed(&dir).unwrap();
    let mut rotated = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if request(addr, &second, "GET", "/readyz", b"")
            .await
            .is_ok_and(|r| r.status == 200)
        {
            rotated = true;
            break;
        }
    }
    assert!(rotated, "the rotated certificate was not picked up");
    assert!(
        request(addr, &first, "GET", "/readyz", b"").await.is_err(),
        "the old certificate is still served"
    );
    handle.graceful_shutdown(Some(Duration::from_secs(1)));
}

/// One privileged pod, whatever the namespace.
struct OnePod;

impl rampart_webhook::namespaces::PodLister for OnePod {
    fn list_pods(
        &self,
        _namespace: &str,
        _limit: usize,
        _budget: Duration,
    ) -> Result<rampart_webhook::namespaces::PodPage, rampart_webhook::namespaces::ListError> {
        let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "old-pod", "namespace": "team"},
            "spec": {"containers": [{"name": "c", "image": "x", "securityContext": {"privileged": true}}]}});
        Ok(rampart_webhook::namespaces::PodPage {
            pods: vec![pod],
            ..Default::default()
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_labels_over_tls_readiness_and_warnings() {
    use rampart_webhook::namespaces::StaticNamespaces;

    let dir = temp_dir("labels");
    let ca = write_self_signed(&dir).unwrap();
    let namespaces = Arc::new(StaticNamespaces::new().with(
        "team",
        [("pod-security.kubernetes.io/enforce", "privileged")],
    ));
    namespaces.set_synced(false);
    let engine = Engine::new(
        Arc::new(CheckOptions {
            posture_rules: false,
            ..CheckOptions::default()
        }),
        Mode::Enforce,
        rampart_linter::pss::Level::Restricted,
    )
    .with_namespaces(Arc::clone(&namespaces) as _)
    .with_pod_lister(Arc::new(OnePod));
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        cert: dir.join("tls.crt"),
        key: dir.join("tls.key"),
        max_concurrency: 2,
        timeout: Duration::from_secs(5),
        reload_interval: Duration::from_secs(60),
    };
    let handle = axum_server::Handle::new();
    tokio::spawn(serve_with(
        config,
        Arc::new(engine),
        Arc::new(Metrics::default()),
        handle.clone(),
    ));
    let addr = handle.listening().await.unwrap();

    let Response { status, body, .. } = request(addr, &ca, "GET", "/readyz", b"").await.unwrap();
    assert_eq!(status, 503, "{body}");
    namespaces.set_synced(true);
    let Response { status, .. } = request(addr, &ca, "GET", "/readyz", b"").await.unwrap();
    assert_eq!(status, 200);

    // `team` is labelled privileged: the privileged pod is allowed there.
    let pod = PRIVILEGED.replace("\"namespace\":\"ns\"", "\"namespace\":\"team\"");
    let Response { status, body, .. } = request(addr, &ca, "POST", "/validate", pod.as_bytes())
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    let review: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(review["response"]["allowed"], true, "{review}");

    // Relabelling it restricted (dry run): allowed, with the existing pod named.
    let relabel = serde_json::json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "ns1", "kind": {"group": "", "version": "v1", "kind": "Namespace"},
            "operation": "UPDATE", "name": "team", "dryRun": true,
            "object": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team",
                "labels": {"pod-security.kubernetes.io/enforce": "restricted"}}},
            "oldObject": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team",
                "labels": {"pod-security.kubernetes.io/enforce": "privileged"}}}}});
    let Response { status, body, .. } = request(
        addr,
        &ca,
        "POST",
        "/validate",
        relabel.to_string().as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let review: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(review["response"]["uid"], "ns1");
    assert_eq!(review["response"]["allowed"], true);
    let warnings = review["response"]["warnings"].as_array().unwrap();
    assert_eq!(
        warnings[0],
        "existing pods in namespace \"team\" violate the new PodSecurity enforce level \"restricted:latest\""
    );
    assert!(
        warnings[1..]
            .iter()
            .all(|w| w.as_str().unwrap().starts_with("old-pod: ")),
        "{warnings:?}"
    );
    handle.graceful_shutdown(Some(Duration::from_secs(1)));
}
