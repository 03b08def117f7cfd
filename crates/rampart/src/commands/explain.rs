//! `rampart explain`: every privilege of each workload, judged against the
//! agent knowledge base.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use rampart_privileges::KnowledgeBase;
use rampart_privileges::analysis::{Input, InputProblem};
use rampart_privileges::report;
use rayon::prelude::*;

use crate::args::{ExplainArgs, ExplainFormat};
use crate::inputs;

pub fn run(args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let base = load_knowledge(&args.profiles)?;
    let (input, problems) = read_input(&args.paths);
    let workloads = input.workloads(&base);
    let mut errors = problems;
    errors.extend(input.problems.iter().cloned());
    let report = report::build(workloads, errors, &base);
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    match args.format {
        ExplainFormat::Text => report::text(&report, &mut out)?,
        ExplainFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
    }
    out.flush().context("cannot write the report")?;
    let s = &report.summary;
    Ok(if !report.errors.is_empty() {
        ExitCode::from(2)
    } else if s.unexplained > 0 || s.broader > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The built-in profiles plus the user's; profile errors stop the run.
pub(crate) fn load_knowledge(extra: &[PathBuf]) -> anyhow::Result<KnowledgeBase> {
    let (mut base, mut errors) = KnowledgeBase::builtin();
    for dir in extra {
        base.add_dir(dir, &mut errors);
    }
    if !errors.is_empty() {
        let mut stderr = io::stderr().lock();
        for error in &errors {
            writeln!(stderr, "error: {error}")?;
        }
        bail!("{} problem(s) in agent profiles", errors.len());
    }
    Ok(base)
}

/// Reads and parses every input (in parallel); unreadable inputs are problems.
pub(crate) fn read_input(paths: &[PathBuf]) -> (Input, Vec<InputProblem>) {
    let collected = inputs::collect(paths);
    let mut problems: Vec<InputProblem> = collected
        .errors
        .iter()
        .map(|e| InputProblem {
            file: e.file.clone(),
            line: e.line,
            column: e.column,
            message: e.message.clone(),
        })
        .collect();
    let read: Vec<_> = collected
        .inputs
        .par_iter()
        .map(|input| input.read(rampart_yaml::Limits::default().max_bytes))
        .collect();
    let mut files = Vec::new();
    for result in read {
        match result {
            Ok(file) => files.push(file),
            Err(e) => problems.push(InputProblem {
                file: e.file,
                line: e.line,
                column: e.column,
                message: e.message,
            }),
        }
    }
    (Input::parse(files), problems)
}
