//! `--webhook-url`: signals POSTed to an HTTP(S) endpoint, batched as JSON
//! lines (`Content-Type: application/x-ndjson`, one signal per line, the
//! same objects as `--format json`).
//!
//! Detection never waits for the endpoint: signals go into a bounded buffer
//! drained by a thread of its own; when the buffer is full, signals are
//! counted as dropped (they are still in the main output) and reported on
//! standard error. A failed POST is retried with backoff, then its batch is
//! counted as dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::output::json_line;
use crate::signal::Signal;

/// How signals are forwarded.
#[derive(Debug, Clone)]
pub struct ForwardConfig {
    pub url: String,
    /// Signals per POST at most.
    pub batch: usize,
    /// Signals waiting at most; more are dropped (and counted).
    pub buffer: usize,
    /// How long a batch waits for more signals.
    pub linger: Duration,
    /// Per-POST budget.
    pub timeout: Duration,
    /// Attempts per batch.
    pub attempts: u32,
    /// More trusted CA certificates (PEM), beside the system's.
    pub ca_pem: Option<Vec<u8>>,
}

impl ForwardConfig {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            batch: 500,
            buffer: 10_000,
            linger: Duration::from_millis(200),
            timeout: Duration::from_secs(10),
            attempts: 5,
            ca_pem: None,
        }
    }
}

/// What the forwarder did.
#[derive(Debug, Default)]
pub struct ForwardMetrics {
    /// Signals the endpoint accepted.
    pub sent: AtomicU64,
    /// Signals given up (buffer full or every attempt failed).
    pub dropped: AtomicU64,
    /// POSTs that failed (each attempt).
    pub failures: AtomicU64,
}

/// A problem starting the forwarder.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    #[error("the webhook URL {0:?} is not an http(s) URL")]
    Url(String),
    #[error("the CA certificates are not valid PEM: {0}")]
    Ca(String),
    #[error("cannot start the forwarder: {0}")]
    Io(std::io::Error),
}

/// Sends signals to the endpoint from a thread of its own.
pub struct Forwarder {
    sender: Option<SyncSender<String>>,
    thread: Option<JoinHandle<()>>,
    metrics: Arc<ForwardMetrics>,
}

type HttpsClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

impl Forwarder {
    pub fn start(config: ForwardConfig) -> Result<Self, ForwardError> {
        let uri: http::Uri = config
            .url
            .parse()
            .map_err(|_| ForwardError::Url(config.url.clone()))?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
            return Err(ForwardError::Url(config.url.clone()));
        }
        let client = client(config.ca_pem.as_deref())?;
        let (sender, receiver) = std::sync::mpsc::sync_channel(config.buffer.max(1));
        let metrics = Arc::new(ForwardMetrics::default());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(ForwardError::Io)?;
        let worker = Worker {
            config,
            uri,
            client,
            receiver,
            metrics: Arc::clone(&metrics),
        };
        let thread = std::thread::Builder::new()
            .name("rampart-forward".to_owned())
            .spawn(move || worker.run(&runtime))
            .map_err(ForwardError::Io)?;
        Ok(Self {
            sender: Some(sender),
            thread: Some(thread),
            metrics,
        })
    }

    pub fn metrics(&self) -> Arc<ForwardMetrics> {
        Arc::clone(&self.metrics)
    }

    /// Queues a signal; never blocks.
    pub fn send(&self, signal: &Signal) {
        self.send_line(json_line(signal));
    }

    /// Queues one JSON line (ending in a newline), such as a runtime
    /// signal; never blocks.
    pub fn send_line(&self, line: String) {
        let Some(sender) = &self.sender else {
            return;
        };
        match sender.try_send(line) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                let dropped = self.metrics.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                if dropped == 1 || dropped.is_multiple_of(1000) {
                    eprintln!(
                        "warning: the webhook endpoint is not keeping up: {dropped} signals not forwarded"
                    );
                }
            }
        }
    }

    /// Sends what is queued (with the usual retries) and stops.
    pub fn finish(mut self) {
        self.close();
    }

    fn close(&mut self) {
        self.sender = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.close();
    }
}

fn client(ca_pem: Option<&[u8]>) -> Result<HttpsClient, ForwardError> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    if let Some(pem) = ca_pem {
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| ForwardError::Ca(e.to_string()))?;
            roots
                .add(cert)
                .map_err(|e| ForwardError::Ca(e.to_string()))?;
        }
    }
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| ForwardError::Io(std::io::Error::other(e)))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .build();
    Ok(Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector))
}

struct Worker {
    config: ForwardConfig,
    uri: http::Uri,
    client: HttpsClient,
    receiver: Receiver<String>,
    metrics: Arc<ForwardMetrics>,
}

impl Worker {
    fn run(self, runtime: &tokio::runtime::Runtime) {
        let mut warned_at: Option<Instant> = None;
        while let Ok(first) = self.receiver.recv() {
            let mut batch = vec![first];
            let deadline = Instant::now() + self.config.linger;
            while batch.len() < self.config.batch.max(1) {
                let left = deadline.saturating_duration_since(Instant::now());
                match self.receiver.recv_timeout(left) {
                    Ok(line) => batch.push(line),
                    Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
                }
            }
            let count = batch.len() as u64;
            let body = Bytes::from(batch.concat());
            let mut backoff = Duration::from_millis(500);
            let mut attempt = 0;
            loop {
                attempt += 1;
                match runtime.block_on(self.post(body.clone())) {
                    Ok(()) => {
                        self.metrics.sent.fetch_add(count, Ordering::Relaxed);
                        break;
                    }
                    Err(error) => {
                        self.metrics.failures.fetch_add(1, Ordering::Relaxed);
                        // Closing too: the last signals of a run deserve their retries.
                        let last = attempt >= self.config.attempts.max(1);
                        if warned_at.is_none_or(|at| at.elapsed() > Duration::from_secs(10)) || last
                        {
                            eprintln!(
                                "warning: POST {} failed (attempt {attempt}): {error}",
                                self.config.url
                            );
                            warned_at = Some(Instant::now());
                        }
                        if last {
                            self.metrics.dropped.fetch_add(count, Ordering::Relaxed);
                            eprintln!(
                                "warning: {count} signals not forwarded to {}",
                                self.config.url
                            );
                            break;
                        }
                        std::thread::sleep(backoff);
                        backoff = (backoff * 2).min(Duration::from_secs(10));
                    }
                }
            }
        }
    }

    async fn post(&self, body: Bytes) -> Result<(), String> {
        let request = http::Request::post(self.uri.clone())
            .header(http::header::CONTENT_TYPE, "application/x-ndjson")
            .header(http::header::USER_AGENT, "rampart-audit")
            .body(Full::new(body))
            .map_err(|e| e.to_string())?;
        let response = tokio::time::timeout(self.config.timeout, async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| format!("{e:?}"))?;
            let status = response.status();
            // Read the answer so the connection can be reused.
            let _ = response.into_body().collect().await;
            Ok::<_, String>(status)
        })
        .await
        .map_err(|_| "timed out".to_owned())??;
        if response.is_success() {
            Ok(())
        } else {
            Err(format!("HTTP {response}"))
        }
    }
}
