//! The audit webhook receiver over real HTTPS on loopback: EventList POSTs
//! judged into signals, 429 when the queue is over its bound, malformed
//! bodies, metrics, and a stop in the middle of a stream followed by a new
//! server on the same spool: every accepted event is judged exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum_server::Handle;
use rampart_audit::follow::SignalWriter;
use rampart_audit::receiver::{ReceiverConfig, ReceiverMetrics, serve_with};
use rampart_audit::{Engine, Signal, Stats};
use rampart_https::testing::{Response, request, write_self_signed};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rampart-receiver-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A pod exec: one KA001 signal per audit ID.
fn event(id: u32) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"id-{id}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods/web/exec?command=sh&container=c","verb":"create","user":{{"username":"alice"}},"sourceIPs":["10.0.0.1"],"objectRef":{{"resource":"pods","namespace":"default","name":"web","subresource":"exec","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":101}},"requestReceivedTimestamp":"2024-05-01T10:00:00.000000Z","stageTimestamp":"2024-05-01T10:00:00.000000Z"}}"#
    )
}

/// An EventList as the API server sends it.
fn event_list(ids: impl Iterator<Item = u32>) -> Vec<u8> {
    let items: Vec<String> = ids.map(event).collect();
    format!(
        r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{{}},"items":[{}]}}"#,
        items.join(",")
    )
    .into_bytes()
}

/// Collects audit IDs; holds the judging thread while the gate is closed.
#[derive(Clone)]
struct Gated {
    ids: Arc<Mutex<Vec<String>>>,
    open: Arc<AtomicBool>,
}

impl Gated {
    fn new(open: bool) -> Self {
        Self {
            ids: Arc::default(),
            open: Arc::new(AtomicBool::new(open)),
        }
    }
    fn count(&self) -> usize {
        self.ids.lock().unwrap().len()
    }
}

impl SignalWriter for Gated {
    fn signal(&mut self, signal: Signal) {
        while !self.open.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(5));
        }
        self.ids.lock().unwrap().push(signal.audit_id);
    }
    fn commit(&mut self) -> std::io::Result<Option<u64>> {
        Ok(None)
    }
}

struct Server {
    addr: SocketAddr,
    handle: Handle<SocketAddr>,
    task: tokio::task::JoinHandle<Stats>,
    metrics: Arc<ReceiverMetrics>,
}

async fn start(dir: &Path, queue_events: u64, drain: bool, writer: &Gated) -> Server {
    let mut config = ReceiverConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        dir.join("tls.crt"),
        dir.join("tls.key"),
        dir.join("spool"),
    );
    config.queue_events = queue_events;
    config.retry_after = 2;
    config.drain = drain;
    let handle = Handle::new();
    let metrics = Arc::new(ReceiverMetrics::default());
    let task = tokio::spawn(serve_with(
        config,
        Arc::new(Engine::builtin()),
        Box::new(writer.clone()),
        Arc::clone(&metrics),
        handle.clone(),
    ));
    let addr = tokio::time::timeout(Duration::from_secs(20), handle.listening())
        .await
        .unwrap()
        .unwrap();
    Server {
        addr,
        handle,
        task: tokio::spawn(async move { task.await.unwrap().unwrap() }),
        metrics,
    }
}

impl Server {
    async fn stop(self) -> Stats {
        self.handle.graceful_shutdown(Some(Duration::from_secs(5)));
        tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .unwrap()
            .unwrap()
    }
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "waited for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn judges_batches_and_answers_429_when_over_the_bound() {
    let dir = temp_dir("overload");
    let ca = write_self_signed(&dir).unwrap();
    let out = Gated::new(false);
    let server = start(&dir, 4, true, &out).await;
    let addr = server.addr;

    let Response { status, body, .. } = request(addr, &ca, "GET", "/healthz", b"").await.unwrap();
    assert_eq!((status, body.as_str()), (200, "ok"));

    // Three events wait (the judge is held): two more are over the bound of 4.
    let Response { status, .. } = request(addr, &ca, "POST", "/", &event_list(1..=3))
        .await
        .unwrap();
    assert_eq!(status, 200);
    let Response { status, head, .. } = request(addr, &ca, "POST", "/audit", &event_list(4..=5))
        .await
        .unwrap();
    assert_eq!(status, 429);
    assert!(
        head.to_ascii_lowercase().contains("retry-after: 2"),
        "{head}"
    );
    let Response { body: text, .. } = request(addr, &ca, "GET", "/metrics", b"").await.unwrap();
    assert_eq!(metric(&text, "rampart_audit_queue_events"), 3, "{text}");
    assert_eq!(metric(&text, "rampart_audit_rejected_batches_total"), 1);
    assert_eq!(metric(&text, "rampart_audit_rejected_events_total"), 2);
    assert_eq!(out.count(), 0);

    // Released, the queue drains and the retry is accepted.
    out.open.store(true, Ordering::SeqCst);
    let metrics = Arc::clone(&server.metrics);
    wait_until("the queue to drain", || {
        metrics.queue.load(Ordering::SeqCst) == 0
    })
    .await;
    let Response { status, .. } = request(addr, &ca, "POST", "/audit", &event_list(4..=5))
        .await
        .unwrap();
    assert_eq!(status, 200);
    // JSON lines of events are taken too.
    let lines = format!("{}\n{}\n", event(6), event(7));
    let Response { status, .. } = request(addr, &ca, "POST", "/", lines.as_bytes())
        .await
        .unwrap();
    assert_eq!(status, 200);
    // Not audit events: 400, counted, nothing spooled.
    for bad in [
        &b"{\"kind\":\"Pod\"}"[..],
        b"not json",
        b"{\"kind\":\"EventList\",\"items\":[1]}",
    ] {
        let Response { status, .. } = request(addr, &ca, "POST", "/", bad).await.unwrap();
        assert_eq!(status, 400, "{}", String::from_utf8_lossy(bad));
    }
    wait_until("7 signals", || out.count() == 7).await;
    wait_until("7 judged events", || {
        metrics.judged_events.load(Ordering::SeqCst) == 7
    })
    .await;
    let Response { body: text, .. } = request(addr, &ca, "GET", "/metrics", b"").await.unwrap();
    assert_eq!(
        metric(&text, "rampart_audit_received_events_total"),
        7,
        "{text}"
    );
    assert_eq!(metric(&text, "rampart_audit_judged_events_total"), 7);
    assert_eq!(metric(&text, "rampart_audit_malformed_total"), 3);
    assert_eq!(
        metric(&text, "rampart_audit_signals_total{rule=\"KA001\"}"),
        7
    );

    let stats = server.stop().await;
    assert_eq!(stats.events, 7);
    let mut ids = out.ids.lock().unwrap().clone();
    ids.sort();
    let mut expected: Vec<String> = (1..=7).map(|i| format!("id-{i}")).collect();
    expected.sort();
    assert_eq!(ids, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_mid_stream_judges_every_accepted_event_once() {
    let dir = temp_dir("restart");
    let ca = write_self_signed(&dir).unwrap();
    let out = Gated::new(false);
    // The first server stops without draining (as if killed after its
    // current block): what it accepted and did not judge stays spooled.
    let server = start(&dir, 10_000, false, &out).await;
    let addr = server.addr;
    let accepted = Arc::new(Mutex::new(Vec::<u32>::new()));
    let client = {
        let (accepted, ca) = (Arc::clone(&accepted), ca.clone());
        tokio::spawn(async move {
            for batch in 0..40u32 {
                let ids = batch * 10 + 1..=batch * 10 + 10;
                let answer = request(addr, &ca, "POST", "/", &event_list(ids.clone())).await;
                if answer.is_ok_and(|r| r.status == 200) {
                    accepted.lock().unwrap().extend(ids);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    wait_until("some accepted batches", || {
        accepted.lock().unwrap().len() >= 50
    })
    .await;
    server
        .handle
        .graceful_shutdown(Some(Duration::from_secs(5)));
    // Once the listener is closed (and the server has told its judge to
    // stop), let the judge, held mid-block, finish that block only.
    let started = Instant::now();
    while tokio::net::TcpStream::connect(addr).await.is_ok() {
        assert!(started.elapsed() < Duration::from_secs(20));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    out.open.store(true, Ordering::SeqCst);
    let first = tokio::time::timeout(Duration::from_secs(30), server.task)
        .await
        .unwrap()
        .unwrap();
    client.await.unwrap();
    let accepted_first = accepted.lock().unwrap().len();
    assert!(accepted_first >= 50);
    assert!(
        (first.events as usize) < accepted_first,
        "the first server judged everything ({} of {accepted_first}): no backlog was left",
        first.events
    );

    // A torn append (a crash while writing) is cut off on restart.
    let spool = dir.join("spool");
    let segment = std::fs::read_dir(&spool)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .max()
        .unwrap();
    let mut torn = std::fs::OpenOptions::new()
        .append(true)
        .open(&segment)
        .unwrap();
    std::io::Write::write_all(&mut torn, b"{\"kind\":\"Event\",\"auditID\":\"torn").unwrap();
    drop(torn);

    let server = start(&dir, 10_000, true, &out).await;
    for batch in 40..45u32 {
        let ids = batch * 10 + 1..=batch * 10 + 10;
        let Response { status, .. } =
            request(server.addr, &ca, "POST", "/", &event_list(ids.clone()))
                .await
                .unwrap();
        assert_eq!(status, 200);
        accepted.lock().unwrap().extend(ids);
    }
    let second = server.stop().await;
    let accepted = accepted.lock().unwrap().clone();
    assert_eq!((first.events + second.events) as usize, accepted.len());

    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for id in out.ids.lock().unwrap().iter() {
        *counts.entry(id.clone()).or_default() += 1;
    }
    let expected: BTreeMap<String, usize> =
        accepted.iter().map(|id| (format!("id-{id}"), 1)).collect();
    assert_eq!(counts, expected);
}
