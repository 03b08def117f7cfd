//! `rampart audit`: threat detection on Kubernetes audit logs.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use rampart_audit::custom::parse as parse_detections;
use rampart_audit::detections::Detection;
use rampart_audit::output::{json_line, summary_table, text_line};
use rampart_audit::{Engine, Signal, State, Stats};
use rampart_source::SourceFile;

use crate::args::{AuditArgs, AuditFormat};

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
        (args.select.is_empty() || named(&args.select, d.as_ref()))
            && !named(&args.ignore, d.as_ref())
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

    let mut writer: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut write_error: Option<std::io::Error> = None;
    let mut sink = |signal: Signal| {
        if signal.severity < args.min_severity || write_error.is_some() {
            return;
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
    if let Some(e) = write_error {
        return Err(e).context("cannot write the signals");
    }
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
        eprint!("{}", summary_table(&stats, &names));
    }
    Ok(if unreadable || stats.malformed > 0 || stats.oversize > 0 {
        ExitCode::from(2)
    } else if stats.signals > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
