//! `rampart audit`: threat detection on Kubernetes audit logs: files,
//! `--follow` (a live log, with a checkpoint) and `serve` (the API server's
//! audit webhook backend).

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use rampart_audit::custom::parse as parse_detections;
use rampart_audit::detections::Detection;
use rampart_audit::follow::{Checkpoint, FollowOptions, Follower, SignalWriter, stop_on_signal};
use rampart_audit::forward::{ForwardConfig, Forwarder};
use rampart_audit::output::{json_line, summary_table, text_line};
use rampart_audit::receiver::{ReceiverConfig, ReceiverMetrics};
use rampart_audit::spool::Spool;
use rampart_audit::{Engine, Signal, State, Stats};
use rampart_diagnostics::Severity;
use rampart_source::SourceFile;

use crate::args::{AuditArgs, AuditCommand, AuditFormat, AuditServeArgs};

pub fn run(args: &AuditArgs) -> anyhow::Result<ExitCode> {
    let mut detections: Vec<Box<dyn Detection>> = rampart_audit::detections::builtin();
    let mut bad_config = false;
    for path in &args.detections {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        match parse_detections(&SourceFile::new(path.display().to_string(), text)) {
            Ok(custom) => detections.extend(
                custom
                    .into_iter()
                    .map(|d| Box::new(d) as Box<dyn Detection>),
            ),
            Err(errors) => {
                for error in errors {
                    eprintln!("error: {error}");
                }
                bad_config = true;
            }
        }
    }
    if bad_config {
        return Ok(ExitCode::from(2));
    }
    let named = |list: &[String], d: &dyn Detection| {
        list.iter()
            .any(|s| s.eq_ignore_ascii_case(d.meta().code) || s == d.meta().name)
    };
    detections.retain(|d| {
        (args.filter.select.is_empty() || named(&args.filter.select, d.as_ref()))
            && !named(&args.filter.ignore, d.as_ref())
    });
    if args.list {
        let mut out = String::new();
        for d in &detections {
            let m = d.meta();
            out.push_str(&format!(
                "{} {:<40} {:<8} {}\n",
                m.code,
                m.name,
                m.severity.as_str(),
                m.summary()
            ));
        }
        std::io::stdout().write_all(out.as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    let names: Vec<(&'static str, &'static str)> = detections
        .iter()
        .map(|d| (d.meta().code, d.meta().name))
        .collect();
    let mut engine = Engine::new(detections);
    engine.parse_only = args.parse_only;
    if let Some(AuditCommand::Serve(serve)) = &args.command {
        return run_serve(args, serve, engine, &names);
    }
    if args.follow {
        return run_follow(args, &engine, &names);
    }
    let forwarder = start_forwarder(args)?;

    let mut writer: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut write_error: Option<std::io::Error> = None;
    // Signals reported (at or above the minimum severity): they set the exit code.
    let mut reported: u64 = 0;
    let mut sink = |signal: Signal| {
        if signal.severity < args.filter.min_severity || write_error.is_some() {
            return;
        }
        reported += 1;
        if let Some(forwarder) = &forwarder {
            forwarder.send(&signal);
        }
        let line = match args.format {
            AuditFormat::Json => json_line(&signal),
            AuditFormat::Text => text_line(&signal),
        };
        if let Err(e) = writer.write_all(line.as_bytes()) {
            write_error = Some(e);
        }
    };
    let mut state = State::default();
    let mut stats = Stats::default();
    let mut unreadable = false;
    for path in &args.paths {
        let name = path.display().to_string();
        let result = rampart_audit::input::open(path)
            .and_then(|mut reader| engine.run(&mut reader, &name, &mut state, &mut sink));
        match result {
            Ok(run) => stats.absorb(run),
            Err(e) => {
                eprintln!("error: {name}: {e}");
                unreadable = true;
            }
        }
    }
    writer.flush().context("cannot write the signals")?;
    if let Some(forwarder) = forwarder {
        forwarder.finish();
    }
    if let Some(e) = write_error {
        return Err(e).context("cannot write the signals");
    }
    report(&stats, args, &names);
    Ok(if unreadable || stats.malformed > 0 || stats.oversize > 0 {
        ExitCode::from(2)
    } else if reported > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The problems (and the summary table) on standard error.
fn report(stats: &Stats, args: &AuditArgs, names: &[(&'static str, &'static str)]) {
    for problem in &stats.problems {
        eprintln!(
            "warning: {}:{}: {}",
            problem.input, problem.line, problem.message
        );
    }
    let unlisted = (stats.malformed + stats.oversize + stats.unknown_fields.min(10))
        .saturating_sub(stats.problems.len() as u64);
    if unlisted > 0 {
        eprintln!("warning: {unlisted} more unreadable lines not listed");
    }
    if args.summary {
        eprint!("{}", summary_table(stats, names));
    }
}

fn start_forwarder(args: &AuditArgs) -> anyhow::Result<Option<Forwarder>> {
    let Some(url) = &args.webhook_url else {
        return Ok(None);
    };
    let mut config = ForwardConfig::new(url.clone());
    if let Some(path) = &args.webhook_ca {
        config.ca_pem =
            Some(std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?);
    }
    Ok(Some(Forwarder::start(config)?))
}

/// Where `--follow` and `serve` write: the chosen format, above the minimum
/// severity, to a file (appended to, synced at each commit) or standard
/// output; and to the webhook URL.
struct CliWriter {
    file: Option<BufWriter<File>>,
    stdout: BufWriter<std::io::Stdout>,
    format: AuditFormat,
    min_severity: Severity,
    forwarder: Option<Forwarder>,
    error: Option<std::io::Error>,
}

impl CliWriter {
    /// Opens the output; a file is cut back to `keep` bytes (the length the
    /// checkpoint recorded: later signals belong to lines judged again).
    fn open(
        args: &AuditArgs,
        keep: Option<u64>,
        forwarder: Option<Forwarder>,
    ) -> anyhow::Result<Self> {
        let file = match &args.output {
            Some(path) => Some(BufWriter::new(open_output(path, keep)?)),
            None => None,
        };
        Ok(Self {
            file,
            stdout: BufWriter::new(std::io::stdout()),
            format: args.format,
            min_severity: args.filter.min_severity,
            forwarder,
            error: None,
        })
    }
}

fn open_output(path: &Path, keep: Option<u64>) -> anyhow::Result<File> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    if let Some(keep) = keep {
        let len = file.metadata()?.len();
        if len > keep {
            file.set_len(keep)
                .with_context(|| format!("cannot cut {} back", path.display()))?;
            eprintln!(
                "note: {}: removed {} bytes of signals written after the checkpoint (their lines are judged again)",
                path.display(),
                len - keep
            );
        }
    }
    Ok(file)
}

impl SignalWriter for CliWriter {
    fn signal(&mut self, signal: Signal) {
        if signal.severity < self.min_severity || self.error.is_some() {
            return;
        }
        if let Some(forwarder) = &self.forwarder {
            forwarder.send(&signal);
        }
        let line = match self.format {
            AuditFormat::Json => json_line(&signal),
            AuditFormat::Text => text_line(&signal),
        };
        let written = match &mut self.file {
            Some(file) => file.write_all(line.as_bytes()),
            None => self.stdout.write_all(line.as_bytes()),
        };
        if let Err(e) = written {
            self.error = Some(e);
        }
    }

    fn commit(&mut self) -> std::io::Result<Option<u64>> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        match &mut self.file {
            Some(file) => {
                file.flush()?;
                file.get_ref().sync_data()?;
                Ok(Some(file.get_ref().metadata()?.len()))
            }
            None => {
                self.stdout.flush()?;
                Ok(None)
            }
        }
    }
}

/// `--follow`: one file, until SIGINT or SIGTERM.
fn run_follow(
    args: &AuditArgs,
    engine: &Engine,
    names: &[(&'static str, &'static str)],
) -> anyhow::Result<ExitCode> {
    let [path] = args.paths.as_slice() else {
        anyhow::bail!("--follow takes one file");
    };
    if path == Path::new("-") {
        anyhow::bail!("--follow needs a file, not standard input");
    }
    let keep = match &args.checkpoint {
        Some(checkpoint) => Checkpoint::load(checkpoint)?.and_then(|c| c.output_len),
        None => None,
    };
    let forwarder = start_forwarder(args)?;
    let mut writer = CliWriter::open(args, keep, forwarder)?;
    let stop = stop_on_signal().context("cannot watch for signals")?;
    let options = FollowOptions {
        path: path.clone(),
        checkpoint: args.checkpoint.clone(),
        poll: Duration::from_millis(args.poll_interval_ms.max(10)),
    };
    let mut notice = |message: String| eprintln!("note: {message}");
    let stats = Follower::new(engine, &options, &mut writer, &mut notice).run(&stop)?;
    if let Some(forwarder) = writer.forwarder.take() {
        forwarder.finish();
    }
    report(&stats, args, names);
    Ok(ExitCode::SUCCESS)
}

/// `rampart audit serve`: until SIGINT or SIGTERM, then judges what was
/// accepted.
fn run_serve(
    args: &AuditArgs,
    serve: &AuditServeArgs,
    engine: Engine,
    names: &[(&'static str, &'static str)],
) -> anyhow::Result<ExitCode> {
    let keep = Spool::checkpoint(&serve.spool)?.and_then(|c| c.output_len);
    let forwarder = start_forwarder(args)?;
    let metrics = Arc::new(ReceiverMetrics::default());
    if let Some(forwarder) = &forwarder {
        let _ = metrics.forward.set(forwarder.metrics());
    }
    let writer = CliWriter::open(args, keep, forwarder)?;
    let mut config = ReceiverConfig::new(
        serve.listen,
        serve.cert.clone(),
        serve.key.clone(),
        serve.spool.clone(),
    );
    config.queue_events = serve.queue_events;
    config.retry_after = serve.retry_after;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let stats = runtime
        .block_on(rampart_audit::receiver::serve(
            config,
            Arc::new(engine),
            Box::new(writer),
            metrics,
        ))
        .context("the receiver stopped")?;
    report(&stats, args, names);
    Ok(ExitCode::SUCCESS)
}
