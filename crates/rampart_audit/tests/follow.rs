//! `--follow` on a real file: growth, a partial last line, rotation (rename
//! and a new file, with lines still written to the old one), truncation,
//! and restarts from the checkpoint, also across a rotation that happened
//! while stopped: every event is judged exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rampart_audit::follow::{Checkpoint, FollowOptions, Follower, SignalWriter};
use rampart_audit::{Engine, Signal, Stats};

/// A pod exec: one KA001 signal per audit ID.
fn event(id: u32) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"id-{id}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods/web/exec?command=sh&container=c","verb":"create","user":{{"username":"alice"}},"sourceIPs":["10.0.0.1"],"objectRef":{{"resource":"pods","namespace":"default","name":"web","subresource":"exec","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":101}},"requestReceivedTimestamp":"2024-05-01T10:00:00.000000Z","stageTimestamp":"2024-05-01T10:00:00.000000Z"}}"#
    )
}

fn append(path: &Path, text: &str) {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

fn lines(ids: std::ops::RangeInclusive<u32>) -> String {
    ids.map(|id| event(id) + "\n").collect()
}

#[derive(Clone, Default)]
struct Collect(Arc<Mutex<Vec<String>>>);

impl SignalWriter for Collect {
    fn signal(&mut self, signal: Signal) {
        self.0.lock().unwrap().push(signal.audit_id);
    }
    fn commit(&mut self) -> std::io::Result<Option<u64>> {
        Ok(None)
    }
}

struct Running {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Stats>,
}

fn start(options: &FollowOptions, out: &Collect, notices: &Arc<Mutex<Vec<String>>>) -> Running {
    let stop = Arc::new(AtomicBool::new(false));
    let (options, mut out, notices) = (options.clone(), out.clone(), Arc::clone(notices));
    let flag = Arc::clone(&stop);
    let thread = std::thread::spawn(move || {
        let engine = Engine::builtin();
        let mut notice = |m: String| notices.lock().unwrap().push(m);
        Follower::new(&engine, &options, &mut out, &mut notice)
            .run(&flag)
            .unwrap()
    });
    Running { stop, thread }
}

impl Running {
    fn stop(self) -> Stats {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.join().unwrap()
    }
}

fn wait_for(out: &Collect, count: usize) {
    let started = Instant::now();
    while out.0.lock().unwrap().len() < count {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "waited for {count} signals, have {:?}",
            out.0.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rampart-follow-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn counts(out: &Collect) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for id in out.0.lock().unwrap().iter() {
        *counts.entry(id.clone()).or_default() += 1;
    }
    counts
}

#[test]
fn follows_through_rotation_truncation_and_restarts() {
    let dir = temp_dir("rotation");
    let log = dir.join("audit.log");
    let options = FollowOptions {
        path: log.clone(),
        checkpoint: Some(dir.join("checkpoint.json")),
        poll: Duration::from_millis(20),
    };
    let out = Collect::default();
    let notices = Arc::new(Mutex::new(Vec::new()));

    // Growth, with a partial last line that must wait.
    append(&log, &lines(1..=5));
    let partial = event(6);
    append(&log, &partial[..40]);
    let running = start(&options, &out, &notices);
    wait_for(&out, 5);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        out.0.lock().unwrap().len(),
        5,
        "the partial line was judged"
    );
    append(&log, &format!("{}\n", &partial[40..]));
    append(&log, &lines(7..=10));
    wait_for(&out, 10);

    // Rotation: renamed, one more line lands in the old file, a new file.
    std::fs::rename(&log, dir.join("audit.log.1")).unwrap();
    append(&dir.join("audit.log.1"), &lines(11..=11));
    append(&log, &lines(12..=15));
    wait_for(&out, 15);

    // Truncation (copytruncate), then shorter new content.
    std::fs::File::create(&log).unwrap();
    append(&log, &lines(16..=17));
    wait_for(&out, 17);
    let stats = running.stop();
    assert_eq!(stats.events, 17);

    // Stopped: more lines, then a rotation, then a new file.
    append(&log, &lines(18..=20));
    std::fs::rename(&log, dir.join("audit.log.2")).unwrap();
    append(&log, &lines(21..=22));
    let running = start(&options, &out, &notices);
    wait_for(&out, 22);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(running.stop().events, 5);

    // A restart with nothing new judges nothing again.
    let running = start(&options, &out, &notices);
    std::thread::sleep(Duration::from_millis(300));
    let stats = running.stop();
    assert_eq!(stats.events, 0);

    let counts = counts(&out);
    let expected: BTreeMap<String, usize> = (1..=22).map(|id| (format!("id-{id}"), 1)).collect();
    assert_eq!(counts, expected, "notices: {:?}", notices.lock().unwrap());
    let checkpoint = Checkpoint::load(&dir.join("checkpoint.json"))
        .unwrap()
        .unwrap();
    assert_eq!(checkpoint.line, 2);
    let notices = notices.lock().unwrap().join("\n");
    assert!(notices.contains("rotated"), "{notices}");
    assert!(notices.contains("truncated"), "{notices}");
}

#[test]
fn a_restart_resumes_after_the_last_complete_line() {
    let dir = temp_dir("resume");
    let log = dir.join("audit.log");
    let options = FollowOptions {
        path: log.clone(),
        checkpoint: Some(dir.join("checkpoint.json")),
        poll: Duration::from_millis(20),
    };
    let notices = Arc::new(Mutex::new(Vec::new()));
    append(&log, &lines(1..=3));
    let partial = event(4);
    append(&log, &partial[..100]);
    let first = Collect::default();
    let running = start(&options, &first, &notices);
    wait_for(&first, 3);
    running.stop();
    let checkpoint = Checkpoint::load(&dir.join("checkpoint.json"))
        .unwrap()
        .unwrap();
    assert_eq!(checkpoint.line, 3);
    assert_eq!(
        checkpoint.offset,
        std::fs::metadata(&log).unwrap().len() - 100
    );

    append(&log, &format!("{}\n", &partial[100..]));
    append(&log, &lines(5..=6));
    let second = Collect::default();
    let running = start(&options, &second, &notices);
    wait_for(&second, 3);
    std::thread::sleep(Duration::from_millis(200));
    running.stop();
    assert_eq!(*second.0.lock().unwrap(), ["id-4", "id-5", "id-6"]);
}
