//! The HTTPS server: `/validate` (AdmissionReview v1), `/healthz`,
//! `/readyz` and Prometheus `/metrics`, with a bound on request size,
//! per-request timeouts, bounded concurrency, certificate hot reload and
//! graceful shutdown.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;
use tokio::sync::Semaphore;

use crate::review::{Engine, review};

/// The API server sends at most 3 MiB; a little more for the envelope.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub cert: PathBuf,
    pub key: PathBuf,
    /// Reviews judged at once; more wait (up to the timeout).
    pub max_concurrency: usize,
    /// Per-request budget, below the webhook configuration's timeoutSeconds.
    pub timeout: Duration,
    /// How often the certificate files are checked for changes.
    pub reload_interval: Duration,
}

/// Request counters for `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    pub allowed: AtomicU64,
    pub denied: AtomicU64,
    pub bad_requests: AtomicU64,
    pub timeouts: AtomicU64,
    /// Sum of review durations, in microseconds.
    pub micros: AtomicU64,
}

#[derive(Clone)]
struct AppState {
    engine: Arc<Engine>,
    permits: Arc<Semaphore>,
    timeout: Duration,
    metrics: Arc<Metrics>,
}

/// The routes, without TLS (tests drive them directly).
pub fn router(
    engine: Arc<Engine>,
    max_concurrency: usize,
    timeout: Duration,
    metrics: Arc<Metrics>,
) -> Router {
    let state = AppState {
        engine,
        permits: Arc::new(Semaphore::new(max_concurrency.max(1))),
        timeout,
        metrics,
    };
    Router::new()
        .route("/validate", post(validate))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Ready once the namespace cache (when labels are read) has synced.
async fn readyz(State(state): State<AppState>) -> Response {
    if state.engine.is_ready() {
        "ok".into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "the namespace cache has not synced yet\n",
        )
            .into_response()
    }
}

async fn validate(State(state): State<AppState>, body: Bytes) -> Response {
    let started = Instant::now();
    let work = async {
        let _permit = state.permits.acquire().await.ok()?;
        let engine = Arc::clone(&state.engine);
        tokio::task::spawn_blocking(move || review(&body, &engine))
            .await
            .ok()
    };
    let outcome = tokio::time::timeout(state.timeout, work).await;
    state
        .metrics
        .micros
        .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
    match outcome {
        Ok(Some(Ok(response))) => {
            let allowed = response["response"]["allowed"].as_bool().unwrap_or(true);
            let counter = if allowed {
                &state.metrics.allowed
            } else {
                &state.metrics.denied
            };
            counter.fetch_add(1, Ordering::Relaxed);
            log_review(&response, started);
            axum::Json(response).into_response()
        }
        Ok(Some(Err(error))) => {
            state.metrics.bad_requests.fetch_add(1, Ordering::Relaxed);
            (StatusCode::BAD_REQUEST, format!("{error}\n")).into_response()
        }
        Ok(None) => (StatusCode::INTERNAL_SERVER_ERROR, "the review failed\n").into_response(),
        Err(_) => {
            state.metrics.timeouts.fetch_add(1, Ordering::Relaxed);
            (StatusCode::SERVICE_UNAVAILABLE, "the review timed out\n").into_response()
        }
    }
}

/// One JSON line per review on standard error.
fn log_review(response: &serde_json::Value, started: Instant) {
    let line = serde_json::json!({
        "msg": "review",
        "uid": response["response"]["uid"],
        "allowed": response["response"]["allowed"],
        "warnings": response["response"]["warnings"].as_array().map_or(0, Vec::len),
        "micros": started.elapsed().as_micros() as u64,
    });
    eprintln!("{line}");
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    let m = &state.metrics;
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let body = format!(
        "# HELP rampart_webhook_reviews_total AdmissionReviews answered, by result.\n\
         # TYPE rampart_webhook_reviews_total counter\n\
         rampart_webhook_reviews_total{{result=\"allowed\"}} {}\n\
         rampart_webhook_reviews_total{{result=\"denied\"}} {}\n\
         rampart_webhook_reviews_total{{result=\"bad_request\"}} {}\n\
         rampart_webhook_reviews_total{{result=\"timeout\"}} {}\n\
         # HELP rampart_webhook_review_seconds_sum Time spent on reviews.\n\
         # TYPE rampart_webhook_review_seconds_sum counter\n\
         rampart_webhook_review_seconds_sum {:.6}\n",
        load(&m.allowed),
        load(&m.denied),
        load(&m.bad_requests),
        load(&m.timeouts),
        load(&m.micros) as f64 / 1e6,
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// A problem starting the server.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot load the certificate or key: {0}")]
    Tls(std::io::Error),
    #[error("the server failed: {0}")]
    Io(std::io::Error),
}

/// Serves until SIGTERM or Ctrl-C, then drains in-flight requests.
pub async fn serve(
    config: ServerConfig,
    engine: Arc<Engine>,
    metrics: Arc<Metrics>,
) -> Result<(), ServeError> {
    let handle = Handle::new();
    tokio::spawn(rampart_https::shutdown_on_signal(handle.clone()));
    serve_with(config, engine, metrics, handle).await
}

/// Serves until `handle` shuts the server down (`handle.listening()` gives
/// the bound address, e.g. for port 0).
pub async fn serve_with(
    config: ServerConfig,
    engine: Arc<Engine>,
    metrics: Arc<Metrics>,
    handle: Handle<SocketAddr>,
) -> Result<(), ServeError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tls = RustlsConfig::from_pem_file(&config.cert, &config.key)
        .await
        .map_err(ServeError::Tls)?;
    let app = router(engine, config.max_concurrency, config.timeout, metrics);
    tokio::spawn(rampart_https::reload_certificates(
        tls.clone(),
        config.cert.clone(),
        config.key.clone(),
        config.reload_interval,
    ));
    eprintln!(
        "{}",
        serde_json::json!({"msg": "listening", "address": config.listen.to_string()})
    );
    axum_server::bind_rustls(config.listen, tls)
        .handle(handle)
        .serve(app.into_make_service())
        .await
        .map_err(ServeError::Io)
}
