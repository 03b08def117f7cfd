//! `--webhook-url`: signals POSTed as JSON lines, retried when the endpoint
//! fails, every one delivered once it recovers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rampart_audit::Signal;
use rampart_audit::event::AuditEvent;
use rampart_audit::forward::{ForwardConfig, Forwarder};
use rampart_diagnostics::Severity;

/// A plain-HTTP endpoint that fails its first request with 500, then
/// accepts; it records every body.
fn endpoint() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/signals", listener.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&bodies);
    std::thread::spawn(move || {
        let mut requests = 0;
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut writer = stream;
            loop {
                let mut length = 0usize;
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                loop {
                    line.clear();
                    reader.read_line(&mut line).unwrap();
                    if line == "\r\n" {
                        break;
                    }
                    if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                requests += 1;
                let status = if requests == 1 {
                    "500 Internal Server Error"
                } else {
                    "200 OK"
                };
                if requests > 1 {
                    seen.lock().unwrap().push(String::from_utf8(body).unwrap());
                }
                write!(writer, "HTTP/1.1 {status}\r\ncontent-length: 0\r\n\r\n").unwrap();
            }
        }
    });
    (url, bodies)
}

#[test]
fn signals_arrive_as_json_lines_after_a_retry() {
    let (url, bodies) = endpoint();
    let mut config = ForwardConfig::new(url);
    config.linger = Duration::from_millis(20);
    let forwarder = Forwarder::start(config).unwrap();
    let metrics = forwarder.metrics();
    let event = AuditEvent::default();
    for i in 0..3 {
        let signal = Signal::with(
            "KA001",
            "pod-exec",
            Severity::High,
            &["T1609"],
            &event,
            format!("signal {i}"),
        );
        forwarder.send(&signal);
    }
    forwarder.finish();
    let received: Vec<serde_json::Value> = bodies
        .lock()
        .unwrap()
        .iter()
        .flat_map(|body| {
            body.lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect::<Vec<_>>()
        })
        .collect();
    let summaries: Vec<&str> = received
        .iter()
        .map(|s| s["summary"].as_str().unwrap())
        .collect();
    assert_eq!(summaries, ["signal 0", "signal 1", "signal 2"]);
    assert_eq!(received[0]["rule"], "KA001");
    assert_eq!(metrics.sent.load(Ordering::Relaxed), 3);
    assert!(metrics.failures.load(Ordering::Relaxed) >= 1);
    assert_eq!(metrics.dropped.load(Ordering::Relaxed), 0);
}
