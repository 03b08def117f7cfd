//! The HTTPS receiver for the API server's audit webhook backend.
//!
//! `POST /` (or `/audit`) takes an `audit.k8s.io` `EventList` (or JSON lines
//! of events and lists). A batch is accepted once its events are appended to
//! the [spool](crate::spool) and synced: then the answer is `200` at once,
//! and a worker thread judges the spool with the engine. When more events
//! than `queue_events` wait to be judged, the answer is `429` with
//! `Retry-After` (the API server retries with backoff) and the batch is
//! counted: nothing is dropped silently. The worker moves the spool's
//! checkpoint after committing the signals, so a restart judges what was
//! accepted and not yet judged, and nothing twice.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State as AxumState};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::engine::{Engine, MAX_EVENT_BYTES, State, Stats};
use crate::event::{Record, parse_record};
use crate::follow::SignalWriter;
use crate::forward::ForwardMetrics;
use crate::spool::{Spool, SpoolCheckpoint, SpoolError};

/// POST bodies up to this size (Falco's `webhookMaxBatchSize`).
pub const MAX_BODY_BYTES: usize = 12 * 1024 * 1024;
/// Spool bytes judged at once (more than any body).
const BLOCK_BYTES: u64 = (MAX_BODY_BYTES + 1024 * 1024) as u64;

/// How the receiver runs.
#[derive(Debug, Clone)]
pub struct ReceiverConfig {
    pub listen: SocketAddr,
    pub cert: PathBuf,
    pub key: PathBuf,
    /// The spool directory.
    pub spool: PathBuf,
    /// Events accepted and not yet judged at most; more get `429`.
    pub queue_events: u64,
    /// The `Retry-After` of a `429`, in seconds.
    pub retry_after: u64,
    /// How often the certificate files are checked for changes.
    pub reload_interval: Duration,
    /// On shutdown, judge every accepted event before stopping (otherwise
    /// stop after the current block; the rest waits in the spool).
    pub drain: bool,
}

impl ReceiverConfig {
    pub fn new(listen: SocketAddr, cert: PathBuf, key: PathBuf, spool: PathBuf) -> Self {
        Self {
            listen,
            cert,
            key,
            spool,
            queue_events: 100_000,
            retry_after: 1,
            reload_interval: Duration::from_secs(10),
            drain: true,
        }
    }
}

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct ReceiverMetrics {
    pub received_batches: AtomicU64,
    pub received_events: AtomicU64,
    /// Batches answered `429`, and their events.
    pub rejected_batches: AtomicU64,
    pub rejected_events: AtomicU64,
    /// Bodies that are not audit events (answered `400`).
    pub malformed: AtomicU64,
    /// Appends to the spool that failed (answered `503`).
    pub spool_errors: AtomicU64,
    pub judged_events: AtomicU64,
    /// Events skipped as over the size limit while judging.
    pub oversize: AtomicU64,
    /// Events accepted and not yet judged.
    pub queue: AtomicU64,
    pub signals: Mutex<BTreeMap<&'static str, u64>>,
    /// The forwarder's counters, when signals are forwarded.
    pub forward: OnceLock<Arc<ForwardMetrics>>,
}

/// A problem running the receiver.
#[derive(Debug, thiserror::Error)]
pub enum ReceiverError {
    #[error("cannot load the certificate or key: {0}")]
    Tls(std::io::Error),
    #[error(transparent)]
    Spool(#[from] SpoolError),
    #[error("the server failed: {0}")]
    Io(std::io::Error),
}

#[derive(Clone)]
struct App {
    spool: Arc<Spool>,
    metrics: Arc<ReceiverMetrics>,
    wake: SyncSender<()>,
    queue_events: u64,
    retry_after: u64,
}

/// The routes, without TLS.
fn router(app: App) -> Router {
    Router::new()
        .route("/", post(receive))
        .route("/audit", post(receive))
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(metrics_text))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(app)
}

async fn receive(AxumState(app): AxumState<App>, body: Bytes) -> Response {
    let prepared = tokio::task::spawn_blocking(move || prepare(&body)).await;
    let (lines, events) = match prepared {
        Ok(Ok(prepared)) => prepared,
        Ok(Err(message)) => {
            app.metrics.malformed.fetch_add(1, Ordering::Relaxed);
            return (StatusCode::BAD_REQUEST, format!("{message}\n")).into_response();
        }
        Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "failed\n").into_response(),
    };
    if events == 0 {
        return "ok\n".into_response();
    }
    // Reserve room in the queue; an empty queue takes any batch.
    let bound = app.queue_events;
    let reserved = app
        .metrics
        .queue
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |queued| {
            (queued == 0 || queued + events <= bound).then_some(queued + events)
        });
    if reserved.is_err() {
        app.metrics.rejected_batches.fetch_add(1, Ordering::Relaxed);
        app.metrics
            .rejected_events
            .fetch_add(events, Ordering::Relaxed);
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, app.retry_after.to_string())],
            "the queue is full; retry later\n",
        )
            .into_response();
    }
    let spool = Arc::clone(&app.spool);
    let appended = tokio::task::spawn_blocking(move || spool.append(&lines)).await;
    match appended {
        Ok(Ok(())) => {
            app.metrics.received_batches.fetch_add(1, Ordering::Relaxed);
            app.metrics
                .received_events
                .fetch_add(events, Ordering::Relaxed);
            let _ = app.wake.try_send(());
            "ok\n".into_response()
        }
        failed => {
            release(&app.metrics.queue, events);
            app.metrics.spool_errors.fetch_add(1, Ordering::Relaxed);
            if let Ok(Err(error)) = failed {
                eprintln!(
                    "{}",
                    serde_json::json!({"msg": "spool append failed", "error": error.to_string()})
                );
            }
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, app.retry_after.to_string())],
                "cannot store the batch\n",
            )
                .into_response()
        }
    }
}

fn release(queue: &AtomicU64, n: u64) {
    let _ = queue.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |q| {
        Some(q.saturating_sub(n))
    });
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    items: Option<Vec<&'a RawValue>>,
}

/// The body as spool lines, one event per line; and their number.
fn prepare(body: &[u8]) -> Result<(Vec<u8>, u64), String> {
    let mut lines = Vec::with_capacity(body.len() + 64);
    let mut events = 0u64;
    let text = std::str::from_utf8(body).map_err(|e| format!("not UTF-8: {e}"))?;
    if serde_json::from_str::<&RawValue>(text.trim()).is_ok() {
        record(text.trim(), &mut lines, &mut events)?;
    } else {
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if !line.is_empty() {
                record(line, &mut lines, &mut events)
                    .map_err(|e| format!("line {}: {e}", number + 1))?;
            }
        }
    }
    Ok((lines, events))
}

/// One JSON value: an `EventList`'s items or an `Event`.
fn record(text: &str, lines: &mut Vec<u8>, events: &mut u64) -> Result<(), String> {
    let envelope: Envelope<'_> = serde_json::from_str(text).map_err(|e| e.to_string())?;
    match envelope.kind.as_deref() {
        Some("EventList") => {
            for item in envelope.items.unwrap_or_default() {
                event(item.get(), lines)?;
                *events += 1;
            }
        }
        None | Some("Event") => {
            event(text, lines)?;
            *events += 1;
        }
        Some(other) => return Err(format!("not an audit event (kind {other:?})")),
    }
    Ok(())
}

/// One event as one line (compacted when it spans several).
fn event(text: &str, lines: &mut Vec<u8>) -> Result<(), String> {
    let compact;
    let text = if text.contains('\n') {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        compact = value.to_string();
        compact.as_str()
    } else {
        text
    };
    // Oversize events are spooled and counted when judged, as in files.
    if text.len() <= MAX_EVENT_BYTES {
        match parse_record(text.as_bytes()) {
            Ok(Record::Event(_)) => {}
            Ok(Record::List(_)) => return Err("an EventList inside an EventList".to_owned()),
            Err(e) => return Err(e.to_string()),
        }
    }
    lines.extend_from_slice(text.as_bytes());
    lines.push(b'\n');
    Ok(())
}

async fn metrics_text(AxumState(app): AxumState<App>) -> Response {
    let m = &app.metrics;
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let mut body = format!(
        "# HELP rampart_audit_received_batches_total Batches accepted (spooled).\n\
         # TYPE rampart_audit_received_batches_total counter\n\
         rampart_audit_received_batches_total {}\n\
         # HELP rampart_audit_received_events_total Events accepted (spooled).\n\
         # TYPE rampart_audit_received_events_total counter\n\
         rampart_audit_received_events_total {}\n\
         # HELP rampart_audit_rejected_batches_total Batches answered 429 (queue full).\n\
         # TYPE rampart_audit_rejected_batches_total counter\n\
         rampart_audit_rejected_batches_total {}\n\
         # HELP rampart_audit_rejected_events_total Events in batches answered 429.\n\
         # TYPE rampart_audit_rejected_events_total counter\n\
         rampart_audit_rejected_events_total {}\n\
         # HELP rampart_audit_malformed_total Bodies that are not audit events (400).\n\
         # TYPE rampart_audit_malformed_total counter\n\
         rampart_audit_malformed_total {}\n\
         # HELP rampart_audit_spool_errors_total Batches that could not be spooled (503).\n\
         # TYPE rampart_audit_spool_errors_total counter\n\
         rampart_audit_spool_errors_total {}\n\
         # HELP rampart_audit_judged_events_total Events judged.\n\
         # TYPE rampart_audit_judged_events_total counter\n\
         rampart_audit_judged_events_total {}\n\
         # HELP rampart_audit_oversize_events_total Events skipped as over 256 KiB.\n\
         # TYPE rampart_audit_oversize_events_total counter\n\
         rampart_audit_oversize_events_total {}\n\
         # HELP rampart_audit_queue_events Events accepted and not yet judged.\n\
         # TYPE rampart_audit_queue_events gauge\n\
         rampart_audit_queue_events {}\n\
         # HELP rampart_audit_queue_limit_events The queue's bound.\n\
         # TYPE rampart_audit_queue_limit_events gauge\n\
         rampart_audit_queue_limit_events {}\n\
         # HELP rampart_audit_signals_total Signals raised, by rule.\n\
         # TYPE rampart_audit_signals_total counter\n",
        load(&m.received_batches),
        load(&m.received_events),
        load(&m.rejected_batches),
        load(&m.rejected_events),
        load(&m.malformed),
        load(&m.spool_errors),
        load(&m.judged_events),
        load(&m.oversize),
        load(&m.queue),
        app.queue_events,
    );
    {
        let signals = m.signals.lock().unwrap_or_else(|e| e.into_inner());
        for (rule, n) in signals.iter() {
            body.push_str(&format!(
                "rampart_audit_signals_total{{rule=\"{rule}\"}} {n}\n"
            ));
        }
    }
    if let Some(forward) = m.forward.get() {
        body.push_str(&format!(
            "# HELP rampart_audit_forwarded_signals_total Signals POSTed to the webhook URL, by result.\n\
             # TYPE rampart_audit_forwarded_signals_total counter\n\
             rampart_audit_forwarded_signals_total{{result=\"sent\"}} {}\n\
             rampart_audit_forwarded_signals_total{{result=\"dropped\"}} {}\n\
             # HELP rampart_audit_forward_failures_total Failed POSTs to the webhook URL.\n\
             # TYPE rampart_audit_forward_failures_total counter\n\
             rampart_audit_forward_failures_total {}\n",
            load(&forward.sent),
            load(&forward.dropped),
            load(&forward.failures),
        ));
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// Judges the spool in order.
struct Judge {
    engine: Arc<Engine>,
    spool: Arc<Spool>,
    writer: Box<dyn SignalWriter + Send>,
    position: SpoolCheckpoint,
    state: State,
    stats: Stats,
    metrics: Arc<ReceiverMetrics>,
    buffer: Vec<u8>,
}

impl Judge {
    /// Judges the next block; true when there was one.
    fn step(&mut self) -> Result<bool, SpoolError> {
        let (segment, committed) = self.spool.committed();
        let path = self.spool.segment_path(self.position.segment);
        let io = |source| SpoolError::Io {
            path: path.display().to_string(),
            source,
        };
        let limit = if self.position.segment == segment {
            committed
        } else {
            std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
        };
        if self.position.offset >= limit {
            if self.position.segment < segment {
                // This segment is finished and judged: go to the next.
                let done = self.position.segment;
                self.position = SpoolCheckpoint {
                    segment: done + 1,
                    offset: 0,
                    line: 0,
                    output_len: self.position.output_len,
                };
                self.spool.store_checkpoint(&self.position)?;
                self.spool.remove(done);
                return Ok(true);
            }
            return Ok(false);
        }
        let want = (limit - self.position.offset).min(BLOCK_BYTES) as usize;
        self.buffer.resize(want, 0);
        {
            use std::io::{Read, Seek, SeekFrom};
            let mut file = std::fs::File::open(&path).map_err(io)?;
            file.seek(SeekFrom::Start(self.position.offset))
                .map_err(io)?;
            file.read_exact(&mut self.buffer).map_err(io)?;
        }
        let end = memchr::memrchr(b'\n', &self.buffer).map_or(want, |i| i + 1);
        let block = &self.buffer[..end];
        let before = (self.stats.lines, self.stats.oversize);
        let writer = &mut self.writer;
        let metrics = &self.metrics;
        let input = format!("spool:{}", self.position.segment);
        self.engine.process_block(
            block,
            &input,
            self.position.line + 1,
            &mut self.state,
            &mut self.stats,
            &mut |signal| {
                if let Ok(mut signals) = metrics.signals.lock() {
                    *signals.entry(signal.rule).or_default() += 1;
                }
                writer.signal(signal);
            },
        );
        let lines = self.stats.lines - before.0;
        let output_len = match self.writer.commit() {
            Ok(len) => len,
            Err(source) => {
                return Err(SpoolError::Io {
                    path: "the signal output".to_owned(),
                    source,
                });
            }
        };
        self.position.offset += end as u64;
        self.position.line += lines;
        self.position.output_len = output_len;
        self.spool.store_checkpoint(&self.position)?;
        self.metrics
            .judged_events
            .fetch_add(lines, Ordering::Relaxed);
        self.metrics
            .oversize
            .fetch_add(self.stats.oversize - before.1, Ordering::Relaxed);
        release(&self.metrics.queue, lines);
        Ok(true)
    }

    /// Judges until nothing is left (or `abort`).
    fn catch_up(&mut self, abort: &AtomicBool) -> Result<(), SpoolError> {
        while !abort.load(Ordering::SeqCst) && self.step()? {}
        Ok(())
    }

    fn run(mut self, wake: &Receiver<()>, stop: &AtomicBool, abort: &AtomicBool) -> Stats {
        loop {
            if let Err(error) = self.catch_up(abort) {
                eprintln!(
                    "{}",
                    serde_json::json!({"msg": "judging the spool failed", "error": error.to_string()})
                );
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
            if abort.load(Ordering::SeqCst) || stop.load(Ordering::SeqCst) {
                break;
            }
            let _ = wake.recv_timeout(Duration::from_millis(200));
        }
        self.stats
    }
}

/// Serves until SIGTERM or Ctrl-C, then judges what was accepted.
pub async fn serve(
    config: ReceiverConfig,
    engine: Arc<Engine>,
    writer: Box<dyn SignalWriter + Send>,
    metrics: Arc<ReceiverMetrics>,
) -> Result<Stats, ReceiverError> {
    let handle = Handle::new();
    tokio::spawn(rampart_https::shutdown_on_signal(handle.clone()));
    serve_with(config, engine, writer, metrics, handle).await
}

/// Serves until `handle` shuts the server down (`handle.listening()` gives
/// the bound address); returns what was judged.
pub async fn serve_with(
    config: ReceiverConfig,
    engine: Arc<Engine>,
    writer: Box<dyn SignalWriter + Send>,
    metrics: Arc<ReceiverMetrics>,
    handle: Handle<SocketAddr>,
) -> Result<Stats, ReceiverError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tls = RustlsConfig::from_pem_file(&config.cert, &config.key)
        .await
        .map_err(ReceiverError::Tls)?;
    let (spool, position) = Spool::open(&config.spool)?;
    let spool = Arc::new(spool);
    let mut judge = Judge {
        engine,
        spool: Arc::clone(&spool),
        writer,
        position,
        state: State::default(),
        stats: Stats::default(),
        metrics: Arc::clone(&metrics),
        buffer: Vec::new(),
    };
    // What was accepted before a restart is judged first.
    let never = Arc::new(AtomicBool::new(false));
    let judge = tokio::task::spawn_blocking(move || {
        let result = judge.catch_up(&never);
        (judge, result)
    })
    .await
    .map_err(|e| ReceiverError::Io(std::io::Error::other(e)))?;
    let (judge, caught_up) = judge;
    caught_up?;
    if judge.stats.lines > 0 {
        eprintln!(
            "{}",
            serde_json::json!({"msg": "judged the spool's backlog", "events": judge.stats.lines})
        );
    }
    let (wake, woken) = std::sync::mpsc::sync_channel(1);
    let stop = Arc::new(AtomicBool::new(false));
    let abort = Arc::new(AtomicBool::new(false));
    let worker = {
        let (stop, abort) = (Arc::clone(&stop), Arc::clone(&abort));
        std::thread::Builder::new()
            .name("rampart-audit-judge".to_owned())
            .spawn(move || judge.run(&woken, &stop, &abort))
            .map_err(ReceiverError::Io)?
    };
    let app = App {
        spool,
        metrics,
        wake: wake.clone(),
        queue_events: config.queue_events.max(1),
        retry_after: config.retry_after,
    };
    let reload = tokio::spawn(rampart_https::reload_certificates(
        tls.clone(),
        config.cert.clone(),
        config.key.clone(),
        config.reload_interval,
    ));
    eprintln!(
        "{}",
        serde_json::json!({"msg": "listening", "address": config.listen.to_string()})
    );
    let served = axum_server::bind_rustls(config.listen, tls)
        .handle(handle)
        .serve(router(app).into_make_service())
        .await
        .map_err(ReceiverError::Io);
    reload.abort();
    if config.drain {
        stop.store(true, Ordering::SeqCst);
    } else {
        abort.store(true, Ordering::SeqCst);
    }
    let _ = wake.try_send(());
    let stats = tokio::task::spawn_blocking(move || worker.join())
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    served.map(|()| stats)
}
