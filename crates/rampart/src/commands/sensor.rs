//! `rampart sensor`: eBPF runtime detection on this node, and `rampart
//! sensor replay` over recorded events.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use anyhow::{Context as _, bail};
use rampart_audit::forward::{ForwardConfig, Forwarder};
use rampart_diagnostics::Severity;
use rampart_sensor::metrics::MetricsSnapshot;
use rampart_sensor::pods::PodIndex;
use rampart_sensor::{Engine, Event, SensorConfig, Signal};
use rampart_source::SourceFile;

use crate::args::{PodSource, SensorArgs, SensorCommand, SensorFormat};

pub fn run(args: &SensorArgs) -> anyhow::Result<ExitCode> {
    let config = match load_config(args.config.as_deref()) {
        Ok(config) => config,
        Err(code) => return Ok(code),
    };
    let mut engine = Engine::new(config, args.node_name.clone().unwrap_or_default());
    if let Err(message) = engine.select(&args.filter.select, &args.filter.ignore) {
        eprintln!("error: {message}; `rampart rules` lists the detections");
        return Ok(ExitCode::from(2));
    }
    match &args.command {
        Some(SensorCommand::Replay(replay)) => run_replay(args, engine, &replay.paths),
        None => live::run(args, engine),
    }
}

/// The configuration file, or the defaults; problems are printed at
/// `file:line:col` and end the run with exit code 2.
fn load_config(path: Option<&Path>) -> Result<SensorConfig, ExitCode> {
    let Some(path) = path else {
        return Ok(SensorConfig::default());
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("error: cannot read {}: {error}", path.display());
            return Err(ExitCode::from(2));
        }
    };
    let file = SourceFile::new(path.display().to_string(), text);
    SensorConfig::parse(&file).map_err(|errors| {
        for error in errors {
            eprintln!("error: {error}");
        }
        ExitCode::from(2)
    })
}

/// Where signals go: the chosen format, above the minimum severity, to a
/// file (appended) or standard output, and to the webhook.
struct Output {
    writer: Box<dyn Write + Send>,
    format: SensorFormat,
    min_severity: Severity,
    forwarder: Option<Forwarder>,
    written: u64,
}

impl Output {
    fn open(args: &SensorArgs) -> anyhow::Result<Self> {
        let writer: Box<dyn Write + Send> = match &args.output {
            Some(path) => Box::new(BufWriter::new(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .with_context(|| format!("cannot open {}", path.display()))?,
            )),
            None => Box::new(BufWriter::new(std::io::stdout())),
        };
        let forwarder = match &args.webhook_url {
            Some(url) => {
                let mut config = ForwardConfig::new(url.clone());
                if let Some(path) = &args.webhook_ca {
                    config.ca_pem = Some(
                        std::fs::read(path)
                            .with_context(|| format!("cannot read {}", path.display()))?,
                    );
                }
                Some(Forwarder::start(config)?)
            }
            None => None,
        };
        Ok(Self {
            writer,
            format: args.format,
            min_severity: args.filter.min_severity,
            forwarder,
            written: 0,
        })
    }

    fn write(&mut self, signal: &Signal) -> std::io::Result<()> {
        if signal.severity < self.min_severity {
            return Ok(());
        }
        let line = match self.format {
            SensorFormat::Json => signal.json_line(),
            SensorFormat::Text => signal.text_line(),
        };
        self.writer.write_all(line.as_bytes())?;
        if let Some(forwarder) = &self.forwarder {
            let json = match self.format {
                SensorFormat::Json => line,
                SensorFormat::Text => signal.json_line(),
            };
            forwarder.send_line(json);
        }
        self.written += 1;
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }

    fn finish(mut self) -> std::io::Result<()> {
        self.flush()?;
        if let Some(forwarder) = self.forwarder.take() {
            forwarder.finish();
        }
        Ok(())
    }
}

/// `rampart sensor replay`: detections over recorded events. Unreadable
/// lines are reported at `file:line:col` and skipped.
fn run_replay(
    args: &SensorArgs,
    mut engine: Engine,
    paths: &[PathBuf],
) -> anyhow::Result<ExitCode> {
    let mut output = Output::open(args)?;
    let mut input_errors = 0usize;
    for path in paths {
        let (name, reader): (String, Box<dyn BufRead>) = if path == Path::new("-") {
            (
                "<stdin>".to_owned(),
                Box::new(BufReader::new(std::io::stdin())),
            )
        } else {
            match File::open(path) {
                Ok(file) => (path.display().to_string(), Box::new(BufReader::new(file))),
                Err(error) => {
                    eprintln!("error: cannot read {}: {error}", path.display());
                    input_errors += 1;
                    continue;
                }
            }
        };
        for (index, line) in reader.lines().enumerate() {
            let line = match line {
                Ok(line) => line,
                Err(error) => {
                    eprintln!("error: {name}:{}:1: {error}", index + 1);
                    input_errors += 1;
                    break;
                }
            };
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Event>(&line) {
                Ok(event) => {
                    for signal in engine.handle(&event) {
                        output.write(&signal)?;
                    }
                }
                Err(error) => {
                    eprintln!(
                        "error: {name}:{}:{}: not a sensor event: {error}",
                        index + 1,
                        error.column()
                    );
                    input_errors += 1;
                }
            }
        }
    }
    let written = output.written;
    output.finish()?;
    eprintln!(
        "{} events, {} signals",
        engine.stats.events, engine.stats.signals
    );
    Ok(if input_errors > 0 {
        ExitCode::from(2)
    } else if written > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The metrics endpoint: plain HTTP, `/metrics` only.
fn serve_metrics(
    addr: std::net::SocketAddr,
    snapshot: Arc<Mutex<MetricsSnapshot>>,
) -> anyhow::Result<()> {
    use axum::routing::get;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("cannot start the metrics server's runtime")?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(addr))
        .with_context(|| format!("cannot listen on {addr}"))?;
    std::thread::Builder::new()
        .name("rampart-metrics".to_owned())
        .spawn(move || {
            let app = axum::Router::new().route(
                "/metrics",
                get(move || {
                    let text = snapshot.lock().map(|s| s.render()).unwrap_or_default();
                    async move {
                        (
                            [("content-type", "text/plain; version=0.0.4; charset=utf-8")],
                            text,
                        )
                    }
                }),
            );
            if let Err(error) = runtime.block_on(async { axum::serve(listener, app).await }) {
                eprintln!("rampart sensor: metrics server: {error}");
            }
        })
        .context("cannot start the metrics thread")?;
    Ok(())
}

/// Pod names: a watch of this node's pods, when asked or in a cluster.
fn start_pod_watch(args: &SensorArgs) -> anyhow::Result<Option<Arc<RwLock<PodIndex>>>> {
    let in_cluster = std::env::var_os("KUBERNETES_SERVICE_HOST").is_some();
    let wanted = match args.pods {
        PodSource::Off => false,
        PodSource::Kube => true,
        PodSource::Auto => in_cluster && args.node_name.is_some(),
    };
    if !wanted {
        return Ok(None);
    }
    let Some(node) = args.node_name.clone() else {
        bail!("--pods kube needs --node-name (or NODE_NAME)");
    };
    let index = Arc::new(RwLock::new(PodIndex::default()));
    match rampart_sensor::pods::spawn_watch(node, Arc::clone(&index)) {
        Ok(_) => Ok(Some(index)),
        // Asked for explicitly: an error. Found by `auto`: a warning, and
        // signals name containers without their pods.
        Err(error) if args.pods == PodSource::Kube => {
            Err(error).context("cannot start the pod watch")
        }
        Err(error) => {
            eprintln!("warning: no pod names for containers: cannot start the pod watch: {error}");
            Ok(None)
        }
    }
}

#[cfg(all(target_os = "linux", feature = "sensor"))]
mod live {
    use super::*;
    use rampart_sensor::clock::Clock;
    use rampart_sensor::probe::{self, Hook, HookMode, ProbeCounters, ProbeHandler, ProbeOptions};

    use crate::args::SensorHooks;

    struct Runner<'a> {
        engine: Engine,
        output: Output,
        events: Option<BufWriter<File>>,
        counters: &'a ProbeCounters,
        snapshot: Arc<Mutex<MetricsSnapshot>>,
        ready_file: Option<PathBuf>,
        check: Option<&'a AtomicBool>,
        stop: &'a AtomicBool,
        error: Option<std::io::Error>,
    }

    impl Runner<'_> {
        /// The first write error stops the sensor: signals that cannot be
        /// written must not be dropped silently.
        fn failed(&mut self, error: std::io::Error) {
            if self.error.is_none() {
                self.stop.store(true, Ordering::SeqCst);
                self.error = Some(error);
            }
        }
    }

    impl ProbeHandler for Runner<'_> {
        fn attached(&mut self, hooks: &[Hook]) {
            let sections: Vec<&str> = hooks.iter().map(|h| h.section.as_str()).collect();
            eprintln!("rampart sensor: attached {}", sections.join(", "));
            if let Ok(mut snapshot) = self.snapshot.lock() {
                snapshot.hooks = hooks
                    .iter()
                    .map(|h| (h.program.to_owned(), h.section.clone()))
                    .collect();
            }
            if let Some(path) = &self.ready_file
                && let Err(error) = File::create(path)
            {
                eprintln!("rampart sensor: cannot create {}: {error}", path.display());
            }
            if let Some(stop) = self.check {
                stop.store(true, Ordering::SeqCst);
            }
        }

        fn event(&mut self, event: Event) {
            if let Some(events) = &mut self.events {
                let mut line = serde_json::to_string(&event).unwrap_or_default();
                line.push('\n');
                if let Err(error) = events.write_all(line.as_bytes()) {
                    self.failed(error);
                }
            }
            for signal in self.engine.handle(&event) {
                if let Err(error) = self.output.write(&signal) {
                    self.failed(error);
                }
            }
        }

        fn tick(&mut self) {
            if let Err(error) = self.output.flush() {
                self.failed(error);
            }
            if let Some(events) = &mut self.events
                && let Err(error) = events.flush()
            {
                self.failed(error);
            }
            let now = i64::try_from(jiff::Timestamp::now().as_nanosecond()).unwrap_or(i64::MAX);
            self.engine.tick(now);
            if let Ok(mut snapshot) = self.snapshot.lock() {
                let load = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
                for i in 0..4 {
                    snapshot.events[i] = load(&self.counters.received[i]);
                    snapshot.lost[i] = load(&self.counters.lost[i]);
                }
                snapshot.malformed = load(&self.counters.malformed);
                let stats = &self.engine.stats;
                snapshot.signals = stats
                    .by_rule
                    .iter()
                    .map(|(rule, count)| ((*rule).to_owned(), *count))
                    .collect();
                snapshot.allowed = stats.allowed;
                snapshot.quieted = stats.quieted;
                snapshot.processes = self.engine.process_count() as u64;
                snapshot.forward_dropped = self
                    .output
                    .forwarder
                    .as_ref()
                    .map_or(0, |f| f.metrics().dropped.load(Ordering::Relaxed));
            }
        }
    }

    pub fn run(args: &SensorArgs, engine: Engine) -> anyhow::Result<ExitCode> {
        if !(1..=1024).contains(&args.ring_buffer_mb) || !args.ring_buffer_mb.is_power_of_two() {
            eprintln!("error: --ring-buffer-mb takes a power of two from 1 to 1024");
            return Ok(ExitCode::from(2));
        }
        let stop = rampart_audit::follow::stop_on_signal().context("cannot watch for signals")?;
        if let Some(seconds) = args.duration {
            if !(seconds.is_finite() && seconds > 0.0) {
                eprintln!("error: --duration takes a positive number of seconds");
                return Ok(ExitCode::from(2));
            }
            let timer = Arc::clone(&stop);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_secs_f64(seconds));
                timer.store(true, Ordering::SeqCst);
            });
        }
        let pods = if args.check {
            None
        } else {
            start_pod_watch(args)?
        };
        let mut engine = if args.check {
            engine
        } else {
            engine.live(&Clock::now())
        };
        if let Some(pods) = pods {
            engine = engine.with_pods(pods);
        }
        let snapshot = Arc::new(Mutex::new(MetricsSnapshot::default()));
        if let Some(addr) = args.metrics_addr {
            serve_metrics(addr, Arc::clone(&snapshot))?;
        }
        let events = match &args.events {
            Some(path) => Some(BufWriter::new(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .with_context(|| format!("cannot open {}", path.display()))?,
            )),
            None => None,
        };
        let options = ProbeOptions {
            hooks: match args.hooks {
                SensorHooks::Auto => HookMode::Auto,
                SensorHooks::Btf => HookMode::Btf,
                SensorHooks::Tracepoint => HookMode::Tracepoint,
            },
            watched_names: engine.watched_names(),
            tick: Duration::from_millis(100),
            ring_buffer_bytes: args.ring_buffer_mb.saturating_mul(1 << 20),
        };
        let counters = ProbeCounters::default();
        let mut runner = Runner {
            engine,
            output: Output::open(args)?,
            events,
            counters: &counters,
            snapshot,
            ready_file: args.ready_file.clone(),
            check: args.check.then_some(&*stop),
            stop: &stop,
            error: None,
        };
        let result = probe::run(&options, &stop, &counters, &mut runner);
        let Runner {
            engine,
            output,
            mut events,
            error,
            ..
        } = runner;
        output.finish()?;
        if let Some(events) = &mut events {
            events.flush()?;
        }
        if let Some(error) = error {
            return Err(error).context("cannot write the output");
        }
        let hooks = match result {
            Ok(hooks) => hooks,
            Err(error) => {
                eprintln!("error: {error}");
                return Ok(ExitCode::from(2));
            }
        };
        if args.check {
            for hook in &hooks {
                println!("{:<16} {}", hook.program, hook.section);
            }
            return Ok(ExitCode::SUCCESS);
        }
        let lost = counters.lost_total();
        eprintln!(
            "rampart sensor: {} events, {} signals, {lost} events lost",
            counters.received_total(),
            engine.stats.signals
        );
        if lost > 0 {
            eprintln!("warning: the kernel dropped {lost} events because the ring buffer was full");
        }
        Ok(ExitCode::SUCCESS)
    }
}

#[cfg(not(all(target_os = "linux", feature = "sensor")))]
mod live {
    use super::*;

    pub fn run(_args: &SensorArgs, _engine: Engine) -> anyhow::Result<ExitCode> {
        eprintln!(
            "error: this rampart was built without the eBPF sensor (Linux, feature `sensor`); `rampart sensor replay` works"
        );
        Ok(ExitCode::from(2))
    }
}
