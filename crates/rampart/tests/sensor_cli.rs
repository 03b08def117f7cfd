//! `rampart sensor` loaded for real: each detection is triggered by real
//! processes in a stand-in container (a cgroup named as containerd names
//! them), and the signals are read back. Needs root and kernel BTF; skips
//! with a message otherwise. The metadata service is stood in for by a
//! local listener: the real address is never contacted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Why these tests cannot run here, if they cannot.
fn unsupported() -> Option<String> {
    let uid = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(str::to_owned))
        });
    if uid.as_deref() != Some("0") {
        return Some("not root".to_owned());
    }
    if !Path::new("/sys/kernel/btf/vmlinux").exists() {
        return Some("no kernel BTF (/sys/kernel/btf/vmlinux)".to_owned());
    }
    if cgroup_root().is_none() {
        return Some("no writable cgroup hierarchy".to_owned());
    }
    None
}

macro_rules! require_sensor {
    () => {
        if let Some(reason) = unsupported() {
            eprintln!("skipped: the eBPF sensor tests need root and BTF: {reason}");
            return;
        }
    };
}

/// Where a stand-in container's cgroup goes: cgroup v2 when mounted at
/// /sys/fs/cgroup, else the v1 memory hierarchy (hybrid hosts).
fn cgroup_root() -> Option<PathBuf> {
    [
        "/sys/fs/cgroup",
        "/sys/fs/cgroup/memory",
        "/sys/fs/cgroup/unified",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|dir| {
        let probe = dir.join(format!("rampart-probe-{}", std::process::id()));
        dir.join("cgroup.procs").exists()
            && std::fs::create_dir(&probe).is_ok()
            && std::fs::remove_dir(&probe).is_ok()
    })
}

/// A cgroup named like a containerd container of a burstable pod.
struct StandInContainer {
    id: String,
    pod_uid: String,
    slice: PathBuf,
    scope: PathBuf,
}

impl StandInContainer {
    fn new(tag: u8) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let id = format!(
            "{tag:02x}{:014x}{:016x}{nanos:032x}",
            0xc0ffee_u64,
            std::process::id()
        );
        assert_eq!(id.len(), 64);
        let pod_uid = format!(
            "1b2c3d4e-0000-4000-8000-{:010x}{tag:02x}",
            std::process::id()
        );
        let slice = cgroup_root().unwrap().join(format!(
            "kubepods-burstable-pod{}.slice",
            pod_uid.replace('-', "_")
        ));
        let scope = slice.join(format!("cri-containerd-{id}.scope"));
        std::fs::create_dir_all(&scope).unwrap();
        Self {
            id,
            pod_uid,
            slice,
            scope,
        }
    }

    /// Runs `script` with sh inside the container (it moves itself in first).
    fn run(&self, script: &str) {
        let status = Command::new("/bin/sh")
            .arg("-c")
            .arg(format!(
                "echo $$ > {}/cgroup.procs && sleep 0.3 && {script}",
                self.scope.display()
            ))
            .stdin(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success() || status.code().is_some());
    }
}

impl Drop for StandInContainer {
    fn drop(&mut self) {
        // The cgroup can go once its processes have exited.
        for _ in 0..50 {
            if std::fs::remove_dir(&self.scope).is_ok() || !self.scope.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = std::fs::remove_dir(&self.slice);
    }
}

/// A running `rampart sensor`.
struct Sensor {
    child: Child,
    output: PathBuf,
    events: PathBuf,
    dir: PathBuf,
}

/// What a sensor run produced.
struct Run {
    signals: Vec<Value>,
    stderr: String,
    /// Every event, as JSON lines.
    events: Vec<String>,
}

impl Run {
    /// With RAMPART_RECORD_SENSOR_FIXTURES=DIR, writes the events of
    /// `containers` to DIR/CODE.jsonl: the replayed fixtures of
    /// crates/rampart_sensor/tests/fixtures.rs are recorded this way.
    fn record(&self, code: &str, containers: &[&StandInContainer]) {
        let Some(dir) = std::env::var_os("RAMPART_RECORD_SENSOR_FIXTURES") else {
            return;
        };
        let events: Vec<Value> = self
            .events
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let key = |e: &Value| {
            (
                e["task"]["cgroupId"].clone(),
                e["task"]["cgroupV1Id"].clone(),
            )
        };
        let keys: Vec<(Value, Value)> = events
            .iter()
            .filter(|e| {
                let names = e["cgroups"].to_string();
                containers.iter().any(|c| names.contains(&c.id))
            })
            .map(key)
            .collect();
        let mut out = String::new();
        for (event, line) in events.iter().zip(&self.events) {
            if keys.contains(&key(event)) {
                out.push_str(line);
                out.push('\n');
            }
        }
        std::fs::write(Path::new(&dir).join(format!("{code}.jsonl")), out).unwrap();
    }
}

impl Sensor {
    fn start(name: &str, config: &str, extra: &[&str]) -> Self {
        let dir = common::temp_dir(&format!("sensor-{name}"));
        let output = dir.join("signals.jsonl");
        let ready = dir.join("ready");
        let events = dir.join("events.jsonl");
        let config_path = dir.join("sensor.yaml");
        std::fs::write(&config_path, config).unwrap();
        let mut args: Vec<String> = vec![
            "sensor".into(),
            "--config".into(),
            config_path.display().to_string(),
            "--output".into(),
            output.display().to_string(),
            "--ready-file".into(),
            ready.display().to_string(),
            "--pods".into(),
            "off".into(),
            "--events".into(),
            events.display().to_string(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let child = Command::new(env!("CARGO_BIN_EXE_rampart"))
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut sensor = Self {
            child,
            output,
            events,
            dir,
        };
        let started = Instant::now();
        while !ready.exists() {
            if let Ok(Some(status)) = sensor.child.try_wait() {
                let mut err = String::new();
                sensor
                    .child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                panic!("the sensor exited before attaching ({status}): {err}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the sensor did not attach"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        sensor
    }

    /// SIGTERM, then what it wrote.
    fn stop(mut self) -> Run {
        // Let the last events cross the ring buffer.
        std::thread::sleep(Duration::from_millis(400));
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let out = std::mem::replace(&mut self.child, Command::new("true").spawn().unwrap())
            .wait_with_output()
            .unwrap();
        let stderr = common::text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert!(stderr.contains("0 events lost"), "{stderr}");
        let signals = std::fs::read_to_string(&self.output)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let events = std::fs::read_to_string(&self.events)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect();
        let _ = std::fs::remove_dir_all(&self.dir);
        Run {
            signals,
            stderr,
            events,
        }
    }
}

/// The signals of `rule` about `container`.
fn of<'a>(signals: &'a [Value], rule: &str, container: &StandInContainer) -> Vec<&'a Value> {
    signals
        .iter()
        .filter(|s| s["rule"] == rule && s["container"]["id"] == container.id.as_str())
        .collect()
}

/// A copy of `source` named `name` in `dir` (a program that looks like
/// another), made by `cp`: a file this multi-threaded test process had open
/// for writing could be inherited by a concurrent fork (ETXTBSY on exec).
fn named(dir: &Path, name: &str, source: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(name);
    assert!(
        Command::new("cp")
            .arg(source)
            .arg(&path)
            .status()
            .unwrap()
            .success()
    );
    path
}

#[test]
fn container_clients_are_detected_in_containers_only() {
    require_sensor!();
    let bin = common::temp_dir("sensor-bin-clients");
    let kubectl = named(&bin, "kubectl", "/bin/true");
    let crictl = named(&bin, "crictl", "/bin/true");
    let sensor = Sensor::start("clients", "{}", &[]);
    let container = StandInContainer::new(1);
    container.run(&format!(
        "{} get pods -A; {} ps",
        kubectl.display(),
        crictl.display()
    ));
    // The same client on the host is not reported.
    Command::new(&kubectl).arg("version").status().unwrap();
    let run = sensor.stop();
    let signals = &run.signals;
    run.record("KR001", &[&container]);
    let found = of(signals, "KR001", &container);
    assert_eq!(found.len(), 2, "{signals:#?}");
    let signal = found[0];
    assert_eq!(signal["name"], "container-client-in-container");
    assert_eq!(signal["severity"], "high");
    assert_eq!(signal["origin"], "sensor");
    assert_eq!(signal["container"]["runtime"], "containerd");
    assert_eq!(signal["container"]["podUID"], container.pod_uid.as_str());
    assert_eq!(
        signal["process"]["args"],
        serde_json::json!([kubectl.display().to_string(), "get", "pods", "-A"])
    );
    assert_eq!(signal["event"]["type"], "exec");
    assert!(
        signal["mitre"]
            .as_array()
            .unwrap()
            .contains(&"T1609".into())
    );
    assert!(
        !signals
            .iter()
            .any(|s| s["rule"] == "KR001" && s["container"].is_null()),
        "{signals:#?}"
    );
    let _ = std::fs::remove_dir_all(bin);
}

#[test]
fn metadata_service_contact_is_detected_and_raised_with_a_terminal() {
    require_sensor!();
    if Command::new("curl").arg("--version").output().is_err()
        || Command::new("script").arg("--version").output().is_err()
    {
        eprintln!("skipped: needs curl and script (util-linux)");
        return;
    }
    // A local listener stands in for 169.254.169.254.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.write_all(b"HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok");
        }
    });
    let config = format!("metadataEndpoints: [\"127.0.0.1:{port}\"]\n");
    let sensor = Sensor::start("metadata", &config, &[]);
    let plain = StandInContainer::new(2);
    plain.run(&format!(
        "curl -s -m 2 http://127.0.0.1:{port}/latest/meta-data/ > /dev/null"
    ));
    let interactive = StandInContainer::new(3);
    interactive.run(&format!(
        "script -qec 'curl -s -m 2 http://127.0.0.1:{port}/latest/meta-data/iam/' /dev/null > /dev/null"
    ));
    let run = sensor.stop();
    let signals = &run.signals;
    run.record("KR002", &[&plain, &interactive]);
    let found = of(signals, "KR002", &plain);
    assert_eq!(found.len(), 1, "{signals:#?}");
    assert_eq!(found[0]["severity"], "medium");
    assert_eq!(found[0]["event"]["type"], "connect");
    assert_eq!(found[0]["event"]["address"], "127.0.0.1");
    assert_eq!(found[0]["event"]["port"], port);
    let found = of(signals, "KR002", &interactive);
    assert_eq!(found.len(), 1, "{signals:#?}");
    assert_eq!(found[0]["severity"], "high");
    assert_eq!(found[0]["process"]["tty"], true);
    assert!(
        found[0]["summary"]
            .as_str()
            .unwrap()
            .contains("from a terminal")
    );
}

#[test]
fn terminal_shells_are_detected_once_per_session() {
    require_sensor!();
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: needs script (util-linux)");
        return;
    }
    let sensor = Sensor::start("terminal", "{}", &[]);
    let container = StandInContainer::new(4);
    // A terminal shell that starts another shell: one session, one signal.
    container.run(
        "SHELL=/bin/sh script -qec '/bin/sh -c \"/bin/sh -c true; true\"' /dev/null > /dev/null",
    );
    let quiet = StandInContainer::new(5);
    quiet.run("/bin/sh -c 'true; true'");
    let run = sensor.stop();
    let signals = &run.signals;
    run.record("KR003", &[&container, &quiet]);
    let found = of(signals, "KR003", &container);
    assert_eq!(found.len(), 1, "{signals:#?}");
    assert_eq!(found[0]["process"]["tty"], true);
    assert!(
        of(signals, "KR003", &quiet).is_empty(),
        "no terminal, no signal"
    );
}

#[test]
fn shells_spawned_by_servers_are_detected() {
    require_sensor!();
    let bin = common::temp_dir("sensor-bin-servers");
    let nginx = named(&bin, "nginx", "/bin/sh");
    let sensor = Sensor::start("servers", "{}", &[]);
    let container = StandInContainer::new(6);
    container.run(&format!("{} -c '/bin/sh -c true; true'", nginx.display()));
    let run = sensor.stop();
    let signals = &run.signals;
    run.record("KR004", &[&container]);
    let found = of(signals, "KR004", &container);
    assert_eq!(found.len(), 1, "{signals:#?}");
    assert!(
        found[0]["summary"]
            .as_str()
            .unwrap()
            .starts_with("web server nginx spawned")
    );
    let _ = std::fs::remove_dir_all(bin);
}

#[test]
fn authorized_keys_writes_are_detected_including_renames() {
    require_sensor!();
    let home = common::temp_dir("sensor-home");
    let ssh = home.join("user/.ssh");
    std::fs::create_dir_all(&ssh).unwrap();
    let sensor = Sensor::start("keys", "{}", &[]);
    let container = StandInContainer::new(7);
    container.run(&format!(
        "echo 'ssh-ed25519 AAAA test' >> {keys}; echo 'ssh-ed25519 BBBB test' > {ssh}/new && mv {ssh}/new {ssh}/authorized_keys2; cat {keys} > /dev/null; cd {ssh} && echo 'ssh-ed25519 CCCC test' >> authorized_keys",
        keys = ssh.join("authorized_keys").display(),
        ssh = ssh.display()
    ));
    let run = sensor.stop();
    let signals = &run.signals;
    run.record("KR005", &[&container]);
    let found = of(signals, "KR005", &container);
    assert_eq!(
        found.len(),
        3,
        "two writes and a rename, not the read: {signals:#?}"
    );
    assert_eq!(found[0]["event"]["access"], "write");
    assert_eq!(found[0]["event"]["operation"], "open");
    assert_eq!(found[1]["event"]["operation"], "rename");
    assert!(
        found[1]["event"]["path"]
            .as_str()
            .unwrap()
            .ends_with("/.ssh/authorized_keys2")
    );
    // A relative path, resolved from the working directory the kernel read
    // at the call (the shell is gone before the sensor looks).
    assert_eq!(
        found[2]["event"]["path"],
        ssh.join("authorized_keys").display().to_string()
    );
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn package_managers_are_detected_once_per_install() {
    require_sensor!();
    let bin = common::temp_dir("sensor-bin-apt");
    let dpkg = named(&bin, "dpkg", "/bin/true");
    // apt-get (a shell here) runs dpkg: one install, one signal.
    let apt = bin.join("apt-get");
    // Written by a child process: a file this multi-threaded test process
    // had open for writing could be inherited by a concurrent fork (ETXTBSY).
    let written = Command::new("/bin/sh")
        .arg("-c")
        .arg(format!(
            "printf '#!/bin/sh\\n{} --configure -a\\n' > {apt} && chmod +x {apt}",
            dpkg.display(),
            apt = apt.display()
        ))
        .status()
        .unwrap();
    assert!(written.success());
    let sensor = Sensor::start("packages", "{}", &[]);
    let container = StandInContainer::new(8);
    container.run(&format!("{} install -y nmap", apt.display()));
    let run = sensor.stop();
    let signals = &run.signals;
    run.record("KR006", &[&container]);
    let found = of(signals, "KR006", &container);
    assert_eq!(found.len(), 1, "{signals:#?}");
    assert!(
        found[0]["summary"]
            .as_str()
            .unwrap()
            .contains("install -y nmap")
    );
    let _ = std::fs::remove_dir_all(bin);
}

#[test]
fn credential_reads_are_detected() {
    require_sensor!();
    let sensor = Sensor::start("credentials", "{}", &[]);
    let container = StandInContainer::new(9);
    // The token does not exist here: the attempt is what counts.
    container.run("cat /etc/shadow > /dev/null; cat /var/run/secrets/kubernetes.io/serviceaccount/token 2>/dev/null; cat /etc/shadow > /dev/null; cd /etc && head -c 0 shadow");
    let run = sensor.stop();
    let signals = &run.signals;
    run.record("KR007", &[&container]);
    let found = of(signals, "KR007", &container);
    assert_eq!(
        found.len(),
        3,
        "the second shadow read by cat is a repeat: {signals:#?}"
    );
    assert_eq!(found[0]["event"]["path"], "/etc/shadow");
    assert_eq!(found[0]["event"]["access"], "read");
    assert_eq!(
        found[1]["event"]["path"],
        "/var/run/secrets/kubernetes.io/serviceaccount/token"
    );
    // `shadow` opened from /etc is /etc/shadow.
    assert_eq!(found[2]["event"]["path"], "/etc/shadow");
    assert_eq!(found[2]["process"]["comm"], "head");
}

#[test]
fn binaries_written_after_the_container_started_are_detected() {
    require_sensor!();
    let bin = common::temp_dir("sensor-bin-drift");
    let sensor = Sensor::start("drift", "{}", &[]);
    let container = StandInContainer::new(10);
    let dropped = bin.join("miner");
    container.run(&format!(
        "cp /bin/true {d} && chmod +x {d} && {d}; /bin/true",
        d = dropped.display()
    ));
    let run = sensor.stop();
    let signals = &run.signals;
    run.record("KR008", &[&container]);
    let found = of(signals, "KR008", &container);
    assert_eq!(
        found.len(),
        1,
        "only the new binary, not /bin/true: {signals:#?}"
    );
    assert_eq!(found[0]["process"]["exe"], dropped.display().to_string());
    let _ = std::fs::remove_dir_all(bin);
}

#[test]
fn escape_primitives_are_detected() {
    require_sensor!();
    let bin = common::temp_dir("sensor-bin-escape");
    let nsenter = named(&bin, "nsenter", "/bin/true");
    let cgroupfs = bin.join("cgrp");
    std::fs::create_dir_all(&cgroupfs).unwrap();
    let sensor = Sensor::start("escape", "{}", &[]);
    let container = StandInContainer::new(11);
    // nsenter is a stand-in (it enters nothing); the release agent is a plain
    // file where an attacker would mount cgroupfs; core_pattern is opened
    // for writing and closed without a write.
    container.run(&format!(
        "{nsenter} -t 1 -m -u -i -n sh; {nsenter} --target=12 -n true; echo /tmp/x > {agent}; : >> /proc/sys/kernel/core_pattern",
        nsenter = nsenter.display(),
        agent = cgroupfs.join("release_agent").display()
    ));
    let run = sensor.stop();
    let signals = &run.signals;
    run.record("KR009", &[&container]);
    run.record("KR010", &[&container]);
    run.record("KR011", &[&container]);
    let nsenter_found = of(signals, "KR011", &container);
    assert_eq!(nsenter_found.len(), 1, "{signals:#?}");
    assert_eq!(nsenter_found[0]["severity"], "critical");
    assert_eq!(of(signals, "KR009", &container).len(), 1, "{signals:#?}");
    let core = of(signals, "KR010", &container);
    assert_eq!(core.len(), 1, "{signals:#?}");
    assert_eq!(core[0]["event"]["path"], "/proc/sys/kernel/core_pattern");
    let _ = std::fs::remove_dir_all(bin);
}

#[test]
fn classic_tracepoints_serve_when_asked_and_metrics_count_events() {
    require_sensor!();
    let port = {
        let probe = TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let addr = format!("127.0.0.1:{port}");
    let bin = common::temp_dir("sensor-bin-classic");
    let kubectl = named(&bin, "kubectl", "/bin/true");
    let sensor = Sensor::start(
        "classic",
        "{}",
        &["--hooks", "tracepoint", "--metrics-addr", &addr],
    );
    let container = StandInContainer::new(12);
    // Drift too: the fallback reads the executed file from the new mm.
    container.run(&format!(
        "{} get secrets; cp /bin/true {d} && {d}",
        kubectl.display(),
        d = bin.join("dropped").display()
    ));
    std::thread::sleep(Duration::from_millis(300));
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.0\r\nhost: x\r\n\r\n")
        .unwrap();
    let mut metrics = String::new();
    stream.read_to_string(&mut metrics).unwrap();
    let run = sensor.stop();
    let (signals, stderr) = (&run.signals, &run.stderr);
    assert!(
        stderr.contains("tracepoint/sched/sched_process_exec"),
        "{stderr}"
    );
    assert_eq!(of(signals, "KR001", &container).len(), 1, "{signals:#?}");
    assert_eq!(of(signals, "KR008", &container).len(), 1, "{signals:#?}");
    assert!(
        metrics.contains("rampart_sensor_lost_events_total{type=\"exec\"} 0"),
        "{metrics}"
    );
    assert!(
        metrics.contains("rampart_sensor_signals_total{rule=\"KR001\"}"),
        "{metrics}"
    );
    let execs: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("rampart_sensor_events_total{type=\"exec\"} "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(execs >= 3, "{metrics}");
    let _ = std::fs::remove_dir_all(bin);
}

#[test]
fn recorded_events_replay_to_the_same_signals() {
    require_sensor!();
    let bin = common::temp_dir("sensor-bin-replay");
    let kubectl = named(&bin, "kubectl", "/bin/true");
    let events = bin.join("events.jsonl");
    let sensor = Sensor::start("replay", "{}", &[]);
    let container = StandInContainer::new(13);
    container.run(&format!("{} auth can-i --list", kubectl.display()));
    let run = sensor.stop();
    let live = of(&run.signals, "KR001", &container).len();
    assert_eq!(live, 1);
    std::fs::write(&events, run.events.join("\n")).unwrap();
    let out = common::rampart(
        &[
            "sensor",
            "replay",
            events.to_str().unwrap(),
            "--select",
            "KR001",
        ],
        None,
        &common::repo(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", common::text(&out.stderr));
    let replayed: Vec<Value> = common::text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(of(&replayed, "KR001", &container).len(), 1, "{replayed:#?}");
    let _ = std::fs::remove_dir_all(bin);
}

/// A minimal HTTP endpoint: answers 200 to every POST and hands over the bodies.
fn http_sink() -> (u16, std::sync::mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (sender, bodies) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = Vec::new();
            let mut buffer = [0u8; 8192];
            loop {
                let n = stream.read(&mut buffer).unwrap_or(0);
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buffer[..n]);
                let text = String::from_utf8_lossy(&request).into_owned();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length: usize = head
                        .lines()
                        .find_map(|l| {
                            let (name, value) = l.split_once(':')?;
                            name.eq_ignore_ascii_case("content-length")
                                .then(|| value.trim().parse().ok())?
                        })
                        .unwrap_or(0);
                    if body.len() >= length {
                        let _ = sender.send(body.to_owned());
                        break;
                    }
                }
            }
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    (port, bodies)
}

#[test]
fn user_detections_run_live_and_signals_reach_the_webhook() {
    require_sensor!();
    let bin = common::temp_dir("sensor-bin-user");
    let nc = named(&bin, "nc", "/bin/true");
    let (port, bodies) = http_sink();
    let config = r#"
detections:
  - code: X100
    name: netcat-listener-in-container
    severity: high
    summary: "{process} listening {place}: {cmdline}"
    mitre: [T1059]
    match:
      event.type: exec
      container.id: {exists: true}
      process.name: [nc, ncat, netcat]
      process.args: {any: ["-l", "-lp", "-lvp"]}
"#;
    let url = format!("http://127.0.0.1:{port}/signals");
    let sensor = Sensor::start("user", config, &["--webhook-url", &url]);
    let container = StandInContainer::new(14);
    container.run(&format!(
        "{nc} -lvp 4444; {nc} example.com 80",
        nc = nc.display()
    ));
    let run = sensor.stop();
    let signals = &run.signals;
    let found = of(signals, "X100", &container);
    assert_eq!(found.len(), 1, "the listener only: {signals:#?}");
    assert_eq!(found[0]["name"], "netcat-listener-in-container");
    assert!(found[0]["summary"].as_str().unwrap().contains("-lvp 4444"));
    // The same signals, as JSON lines, at the webhook.
    let posted: String = bodies.try_iter().collect();
    let posted: Vec<Value> = posted
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(of(&posted, "X100", &container).len(), 1, "{posted:#?}");
    let _ = std::fs::remove_dir_all(bin);
}
