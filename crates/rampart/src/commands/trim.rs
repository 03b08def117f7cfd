//! `rampart trim`: the least-privilege manifest for the features kept.

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::{Context, bail};
use rampart_privileges::trim::{self, TrimRequest, WorkloadTrim};
use serde::Serialize;
use similar::TextDiff;

use super::explain::{load_knowledge, read_input};
use crate::args::{ExplainFormat, TrimArgs};

#[derive(Serialize)]
struct ListedWorkload {
    #[serde(flatten)]
    workload: rampart_privileges::analysis::WorkloadRef,
    features: Vec<rampart_privileges::report::FeatureReport>,
}

pub fn run(args: &TrimArgs) -> anyhow::Result<ExitCode> {
    let base = load_knowledge(&args.profiles)?;
    let (input, problems) = read_input(&args.paths);
    let mut stdout = io::stdout().lock();
    let mut stderr = io::stderr().lock();
    let mut failed = false;
    for problem in problems.iter().chain(&input.problems) {
        failed = true;
        writeln!(
            stderr,
            "error: {}:{}:{}: {}",
            problem.file, problem.line, problem.column, problem.message
        )?;
    }
    let workloads = input.workloads(&base);
    let recognised: Vec<_> = workloads
        .iter()
        .filter(|w| !w.agents.profiles.is_empty())
        .collect();

    if args.list {
        let report = rampart_privileges::report::build(workloads, Vec::new(), &base);
        let listed: Vec<ListedWorkload> = report
            .workloads
            .into_iter()
            .filter(|w| !w.agents.is_empty())
            .map(|w| ListedWorkload {
                workload: w.workload,
                features: w.features,
            })
            .collect();
        match args.format {
            ExplainFormat::Json => {
                serde_json::to_writer_pretty(&mut stdout, &listed)?;
                writeln!(stdout)?;
            }
            ExplainFormat::Text => {
                for w in &listed {
                    writeln!(
                        stdout,
                        "{} {} ({}:{})",
                        w.workload.kind, w.workload.name, w.workload.file, w.workload.line
                    )?;
                    for f in &w.features {
                        let marks = [
                            (f.present, "in use"),
                            (f.default, "default"),
                            (f.required, "required"),
                        ]
                        .iter()
                        .filter(|(on, _)| *on)
                        .map(|(_, m)| *m)
                        .collect::<Vec<_>>()
                        .join(", ");
                        writeln!(stdout, "  {:<32} {}  [{marks}]", f.id, f.title)?;
                    }
                }
                if listed.is_empty() {
                    writeln!(stdout, "No recognised agent in the input.")?;
                }
            }
        }
        return Ok(if failed {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        });
    }

    let request = TrimRequest {
        keep: (!args.keep.is_empty()).then(|| args.keep.clone()),
        drop: args.drop.clone(),
        non_root: args.non_root,
        keep_unexplained: args.keep_unexplained,
    };
    if request.keep.is_none() && request.drop.is_empty() && !request.non_root {
        bail!(
            "say which features to keep (--keep) or drop (--drop); `rampart trim --list PATH` lists them"
        );
    }
    if recognised.is_empty() {
        bail!("no recognised agent in the input; `rampart explain PATH` shows what was found");
    }
    let unknown = trim::unknown_features(&request, &workloads, &base);
    if !unknown.is_empty() {
        bail!(
            "unknown feature(s) {}: `rampart trim --list PATH` lists the features of the agents found",
            unknown.join(", ")
        );
    }
    let required = trim::required_dropped(&request, &workloads, &base);
    if !required.is_empty() {
        bail!(
            "the agent cannot run without {}: these features cannot be dropped",
            required.join(", ")
        );
    }
    if args.output.is_some() && input.files.len() != 1 {
        bail!("--output needs exactly one input file");
    }

    let outcome = trim::trim_input(&input, &workloads, &base, &request);
    let plans = &outcome.plans;
    // Report first (to stderr when the manifest goes to stdout).
    let manifest_to_stdout = args.output.as_ref().is_some_and(|p| p.as_os_str() == "-")
        || input.files.iter().any(|f| f.source.name() == "<stdin>");
    {
        let out: &mut dyn Write = if manifest_to_stdout || args.diff {
            &mut stderr
        } else {
            &mut stdout
        };
        match args.format {
            ExplainFormat::Json => {
                serde_json::to_writer_pretty(&mut *out, plans)?;
                writeln!(out)?;
            }
            ExplainFormat::Text => write_report(plans, out)?,
        }
    }

    for (file_index, message) in &outcome.broken {
        failed = true;
        let name = input
            .files
            .get(*file_index)
            .map_or("?", |f| f.source.name());
        writeln!(
            stderr,
            "error: {name}: the trimmed manifest does not parse ({message}); nothing written"
        )?;
    }
    for (file_index, trimmed) in &outcome.files {
        let Some(file) = input.files.get(*file_index) else {
            continue;
        };
        let original = file.source.text();
        let name = file.source.name();
        if args.diff {
            let diff = TextDiff::from_lines(original, trimmed.as_str());
            write!(
                stdout,
                "{}",
                diff.unified_diff()
                    .header(&format!("a/{name}"), &format!("b/{name}"))
            )?;
        } else if args.dry_run {
            continue;
        } else if let Some(path) = &args.output {
            if path.as_os_str() == "-" {
                stdout.write_all(trimmed.as_bytes())?;
            } else {
                std::fs::write(path, trimmed)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
        } else if name == "<stdin>" {
            stdout.write_all(trimmed.as_bytes())?;
        } else {
            std::fs::write(name, trimmed).with_context(|| format!("cannot write {name}"))?;
        }
    }
    // Nothing to change: `--output` still gets the manifest.
    if let (Some(path), true, false, false) = (
        &args.output,
        outcome.files.is_empty() && outcome.broken.is_empty(),
        args.diff,
        args.dry_run,
    ) && let Some(file) = input.files.first()
    {
        if path.as_os_str() == "-" {
            stdout.write_all(file.source.text().as_bytes())?;
        } else {
            std::fs::write(path, file.source.text())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn write_report(plans: &[WorkloadTrim], out: &mut dyn Write) -> io::Result<()> {
    for plan in plans {
        let w = &plan.workload;
        writeln!(
            out,
            "{} {} ({}:{}), agent {}",
            w.kind,
            w.name,
            w.file,
            w.line,
            plan.profiles.join(", ")
        )?;
        let ids = |features: &[trim::FeatureRef]| {
            features
                .iter()
                .map(|f| f.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(
            out,
            "  kept: {}",
            if plan.kept.is_empty() {
                "-".into()
            } else {
                ids(&plan.kept)
            }
        )?;
        if !plan.dropped.is_empty() {
            writeln!(out, "  what will stop working:")?;
            for feature in &plan.dropped {
                writeln!(
                    out,
                    "    {} ({}): {}",
                    feature.id,
                    feature.title,
                    feature
                        .breaks_without
                        .as_deref()
                        .unwrap_or("see the profile")
                )?;
            }
        }
        for (label, changes) in [
            ("removed", &plan.removed),
            ("made read-only", &plan.narrowed),
            ("configuration", &plan.config),
            ("left as is", &plan.left),
        ] {
            for change in changes {
                let container = change
                    .container
                    .as_ref()
                    .map(|c| format!(" [{c}]"))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "  {label}: {}{container} (line {}): {}",
                    change.what, change.line, change.why
                )?;
            }
        }
        if let Some(non_root) = &plan.non_root {
            let group = non_root
                .group
                .map(|g| format!(", group {g}"))
                .unwrap_or_default();
            writeln!(out, "  non-root: user {}{group}", non_root.user)?;
            for change in &non_root.node_changes {
                writeln!(out, "    every node needs: {change}")?;
            }
            for item in &non_root.may_break {
                writeln!(out, "    may stop working: {item}")?;
            }
        }
        if let Some(source) = &plan.helm_source {
            writeln!(
                out,
                "  note: this document is Helm output ({source}); make the change in your values too:"
            )?;
            for feature in &plan.dropped {
                if let Some(disable) = &feature.disable {
                    writeln!(out, "    {}: {disable}", feature.id)?;
                }
            }
        }
        writeln!(out)?;
    }
    Ok(())
}
