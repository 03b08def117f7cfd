//! `rampart fix`: apply the known remedies as minimal text edits.

use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use rampart_linter::checker::CheckOptions;
use rampart_linter::fix::fix_file;
use rayon::prelude::*;
use similar::TextDiff;

use super::scan::load_config;
use crate::args::FixArgs;
use crate::inputs::{self, Input};

pub fn run(args: &FixArgs) -> anyhow::Result<ExitCode> {
    let config = load_config(args.config.as_ref(), &args.paths)?;
    let options = CheckOptions {
        pss_level: args.pss_level,
        pss_version: args.pss_version,
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        config: Arc::new(config),
        inline_ignores: !args.no_inline_ignores,
        ..CheckOptions::default()
    };
    let collected = inputs::collect(&args.paths);
    let mut stdout = io::stdout().lock();
    let mut stderr = io::stderr().lock();
    let mut failed = !collected.errors.is_empty();
    for error in &collected.errors {
        writeln!(stderr, "error: {}: {}", error.file, error.message)?;
    }
    let results: Vec<_> = collected
        .inputs
        .par_iter()
        .map(|input| {
            input
                .read(options.limits.max_bytes)
                .map(|file| (fix_file(&file, &options, args.unsafe_fixes), file))
        })
        .collect();
    let (mut fixed, mut files, mut helm, mut unsafe_left) = (0, 0, 0, 0);
    for (input, result) in collected.inputs.iter().zip(results) {
        let (outcome, file) = match result {
            Ok(done) => done,
            Err(error) => {
                failed = true;
                writeln!(stderr, "error: {}: {}", error.file, error.message)?;
                continue;
            }
        };
        helm += outcome.helm_refused;
        unsafe_left += outcome.unsafe_skipped;
        let changed = outcome.text != file.text();
        if changed {
            fixed += outcome.applied.len();
            files += 1;
        }
        if args.diff {
            if changed {
                let name = file.name();
                let diff = TextDiff::from_lines(file.text(), &outcome.text);
                write!(
                    stdout,
                    "{}",
                    diff.unified_diff()
                        .context_radius(3)
                        .header(&format!("a/{name}"), &format!("b/{name}"))
                )?;
            }
            continue;
        }
        match input {
            Input::Stdin => stdout.write_all(outcome.text.as_bytes())?,
            Input::File(path) if changed && !args.dry_run => {
                std::fs::write(path, &outcome.text)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            Input::File(_) | Input::Source(_) => {}
        }
    }
    let verb = if args.diff || args.dry_run {
        "Would fix"
    } else {
        "Fixed"
    };
    writeln!(
        stderr,
        "{verb} {fixed} finding{} in {files} file{}.",
        if fixed == 1 { "" } else { "s" },
        if files == 1 { "" } else { "s" }
    )?;
    if unsafe_left > 0 {
        writeln!(
            stderr,
            "{unsafe_left} more fix{} can change what the workload may do: review, then use --unsafe-fixes.",
            if unsafe_left == 1 { "" } else { "es" }
        )?;
    }
    if helm > 0 {
        writeln!(
            stderr,
            "{helm} fixable finding{} in Helm-rendered output (`# Source:`) left alone: change the chart's values instead.",
            if helm == 1 { " is" } else { "s are" }
        )?;
    }
    Ok(if failed {
        ExitCode::from(2)
    } else if (args.diff || args.dry_run) && fixed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
