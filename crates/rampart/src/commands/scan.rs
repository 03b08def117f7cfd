//! `rampart scan`: judge manifests and report.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;
use std::path::PathBuf;
use std::sync::Arc;

use rampart_privileges::scan::{ExplainMode, KnowledgeExplainer};

use rampart_diagnostics::{ExemptionStatus, Report, RuleDescriptor, Summary, render};
use rampart_linter::checker::{CheckOptions, FileReport, check_file};
use std::collections::BTreeMap;

use rampart_diagnostics::{InputError, SkippedInput};
use rampart_linter::cluster;
use rampart_linter::exemptions::Config;
use rampart_linter::facts::ObjectFacts;
use rampart_linter::pss;
use rampart_linter::rule::RuleSettings;
use rampart_source::SourceFile;
use rampart_yaml::parse_stream;
use rayon::prelude::*;
use serde_json::json;

use crate::args::{AgentPrivileges, ColorChoice, Format, PolicyReportApiArg, ScanArgs};
use crate::inputs::{self, Input};

/// Files checked together before their results are merged; bounds the memory held by sources.
const CHUNK: usize = 64;

pub fn run(args: &ScanArgs) -> anyhow::Result<ExitCode> {
    if let Some(threads) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build_global()
            .context("cannot start the thread pool")?;
    }
    if !args.cluster
        && (args.kubeconfig.is_some()
            || args.context.is_some()
            || !args.namespace.is_empty()
            || args.include_owned)
    {
        anyhow::bail!("--kubeconfig, --context, --namespace and --include-owned need --cluster");
    }
    // The config first: a broken one stops the scan before any work.
    let (config, options) = prepare(args)?;
    if args.cluster {
        let snapshot = super::cluster::snapshot(args)?;
        let inputs = snapshot.sources().into_iter().map(Input::Source).collect();
        let mut out = open_output(args)?;
        return scan_inputs(
            args,
            &config,
            &options,
            inputs,
            Vec::new(),
            Vec::new(),
            &mut out,
        );
    }
    let inputs::Collected {
        inputs,
        errors: walk_errors,
        skipped: walk_skipped,
    } = inputs::collect(&args.paths);
    let mut out = open_output(args)?;
    scan_inputs(
        args,
        &config,
        &options,
        inputs,
        walk_errors,
        walk_skipped,
        &mut out,
    )
}

/// Scans sources already in memory (a cluster snapshot) with the options of
/// `args`, writing the report to `out`: what `run` does after reading.
pub fn scan_sources(
    args: &ScanArgs,
    sources: Vec<SourceFile>,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let (config, options) = prepare(args)?;
    let inputs = sources.into_iter().map(Input::Source).collect();
    scan_inputs(args, &config, &options, inputs, Vec::new(), Vec::new(), out)
}

/// The config file and the check options `args` ask for.
fn prepare(args: &ScanArgs) -> anyhow::Result<(Arc<Config>, CheckOptions)> {
    let config = load_config(args.config.as_ref(), &args.paths)?;
    let mut allowed_registries = args.allowed_registry.clone();
    allowed_registries.extend(config.allowed_registries.iter().cloned());
    let config = Arc::new(config);
    let options = CheckOptions {
        pss_level: args.pss_level,
        pss_version: args.pss_version,
        cluster_minor: args.cluster_version.unwrap_or(pss::NEWEST_MINOR),
        posture_rules: !args.pss_only,
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        settings: RuleSettings { allowed_registries },
        config: Arc::clone(&config),
        inline_ignores: !args.no_inline_ignores,
        agent_privileges: {
            let mode = match args.agent_privileges {
                AgentPrivileges::Explained => ExplainMode::Notes,
                AgentPrivileges::Strict => ExplainMode::Strict,
                AgentPrivileges::Off => ExplainMode::Off,
            };
            let exceptions = !config.exceptions.is_empty();
            if !exceptions && (args.pss_only || mode == ExplainMode::Off) {
                None
            } else {
                let base = super::explain::load_knowledge(&args.profiles)?;
                Some(Arc::new(KnowledgeExplainer::new(
                    Arc::new(base),
                    if args.pss_only {
                        ExplainMode::Off
                    } else {
                        mode
                    },
                    exceptions,
                )))
            }
        },
        ..CheckOptions::default()
    };
    Ok((config, options))
}

fn scan_inputs(
    args: &ScanArgs,
    config: &Config,
    options: &CheckOptions,
    inputs: Vec<Input>,
    walk_errors: Vec<InputError>,
    walk_skipped: Vec<SkippedInput>,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let mut out = out;
    if args.parse_only {
        return parse_only(&inputs, options, walk_errors.len(), &mut out);
    }

    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.output.is_none()
                && io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let text_options = render::TextOptions {
        color,
        show_snippets: true,
    };
    let walk = Report {
        errors: walk_errors,
        skipped: walk_skipped,
        ..Report::default()
    };
    let facts = std::cell::RefCell::new(Vec::new());
    let chunks = inputs.chunks(CHUNK).map(|chunk| {
        let mut part = Report::default();
        let results: Vec<FileReport> = chunk
            .par_iter()
            .map(|input| check_input(input, options))
            .collect();
        // Reserve once: findings are large, and growing the vector moves them all.
        part.objects
            .reserve(results.iter().map(|r| r.objects.len()).sum());
        part.findings
            .reserve(results.iter().map(|r| r.findings.len()).sum());
        facts
            .borrow_mut()
            .reserve(results.iter().map(|r| r.facts.len()).sum());
        for result in results {
            part.objects.extend(result.objects);
            part.findings.extend(result.findings);
            part.errors.extend(result.errors);
            part.skipped.extend(result.skipped);
            part.suppressed += result.suppressed;
            facts.borrow_mut().extend(result.facts);
        }
        part
    });
    // The cross-object rules run once every file has been checked.
    let cluster_parts = |each: &mut dyn FnMut(Report) -> anyhow::Result<()>| {
        cluster_reports(&facts.borrow(), options, each)
    };

    // Text and JSON are written chunk by chunk, so memory stays bounded by the
    // chunk, not the whole input; SARIF needs the whole report.
    let mut failed = false;
    let mut has_errors = !walk.errors.is_empty();
    match args.format {
        Format::Text => {
            let mut summary = Summary::default();
            let mut errors = walk;
            for part in chunks {
                render::text_findings(&part, &text_options, &mut out)?;
                failed |= part.has_findings_at_or_above(args.fail_on);
                add_counts(&mut summary, &part);
                errors.errors.extend(part.errors);
                errors.skipped.extend(part.skipped);
                errors.suppressed += part.suppressed;
            }
            cluster_parts(&mut |part| {
                render::text_findings(&part, &text_options, &mut out)?;
                failed |= part.has_findings_at_or_above(args.fail_on);
                add_counts(&mut summary, &part);
                errors.suppressed += part.suppressed;
                errors.errors.extend(part.errors);
                Ok(())
            })?;
            render::text_errors(&errors, &text_options, &mut out)?;
            summary.errors = errors.errors.len();
            has_errors |= summary.errors > 0;
            render::text_summary(&summary, &text_options, &mut out)?;
            if errors.suppressed > 0 {
                writeln!(
                    out,
                    "{} finding(s) exempted by rampart.dev/ignore annotations or the config file.",
                    errors.suppressed
                )?;
            }
            for status in exemption_statuses(config, options.today) {
                let rules = status.rules.join(",");
                if status.expired {
                    writeln!(
                        out,
                        "warning: exemption {}:{} ({rules}) has expired and no longer applies",
                        status.file, status.line
                    )?;
                } else if status.matched == 0 {
                    writeln!(
                        out,
                        "note: exemption {}:{} ({rules}) matched nothing",
                        status.file, status.line
                    )?;
                }
            }
            let skipped = errors.skipped.len();
            if skipped > 0 {
                let plural = if skipped == 1 { "" } else { "s" };
                writeln!(
                    out,
                    "Skipped {skipped} document{plural} or file{plural} holding no Kubernetes object (see `skipped` in --format json)."
                )?;
            }
        }
        Format::Json => {
            let spool = tempfile::tempfile().context("cannot create a spool file")?;
            let mut stream = render::JsonStream::new(&mut out, spool)?;
            stream.add(&walk)?;
            for part in chunks {
                failed |= part.has_findings_at_or_above(args.fail_on);
                has_errors |= !part.errors.is_empty();
                stream.add(&part)?;
            }
            cluster_parts(&mut |part| {
                failed |= part.has_findings_at_or_above(args.fail_on);
                has_errors |= !part.errors.is_empty();
                stream.add(&part)?;
                Ok(())
            })?;
            stream.add(&Report {
                exemptions: exemption_statuses(config, options.today),
                ..Report::default()
            })?;
            stream.finish()?;
        }
        // These formats need the whole report at once.
        Format::Sarif | Format::Junit | Format::PolicyReport => {
            let mut report = walk;
            for part in chunks {
                report.objects.extend(part.objects);
                report.findings.extend(part.findings);
                report.errors.extend(part.errors);
                report.skipped.extend(part.skipped);
                report.suppressed += part.suppressed;
            }
            cluster_parts(&mut |part| {
                report.findings.extend(part.findings);
                report.errors.extend(part.errors);
                report.suppressed += part.suppressed;
                Ok(())
            })?;
            report.exemptions = exemption_statuses(config, options.today);
            failed = report.has_findings_at_or_above(args.fail_on);
            has_errors = !report.errors.is_empty();
            if args.format == Format::Sarif {
                let rules = rule_descriptors();
                render::sarif(&report, &rules, env!("CARGO_PKG_VERSION"), &mut out)?;
            } else if args.format == Format::Junit {
                render::junit(&report, &mut out)?;
            } else {
                let api = match args.policy_report_api {
                    PolicyReportApiArg::OpenReports => render::PolicyReportApi::OpenReports,
                    PolicyReportApiArg::WgPolicyV1Alpha2 => {
                        render::PolicyReportApi::WgPolicyV1Alpha2
                    }
                };
                render::policy_report(&report, api, &mut out)?;
            }
        }
    }
    out.flush().context("cannot write the report")?;

    Ok(if has_errors {
        ExitCode::from(2)
    } else if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Runs the cross-object rules and hands their findings to `each`, a few
/// hundred files at a time: the files they point into are read back (only
/// those), and each batch is dropped once handled, so memory stays bounded.
fn cluster_reports(
    facts: &[ObjectFacts],
    options: &CheckOptions,
    each: &mut dyn FnMut(Report) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let (findings, suppressed) = cluster::analyze(facts, options);
    let mut by_file: BTreeMap<&str, Vec<cluster::ClusterFinding>> = BTreeMap::new();
    for finding in findings {
        if let Some(fact) = facts.get(finding.violation.object) {
            by_file.entry(fact.file.as_str()).or_default().push(finding);
        }
    }
    each(Report {
        suppressed,
        ..Report::default()
    })?;
    let files: Vec<_> = by_file.into_iter().collect();
    for batch in files.chunks(CHUNK) {
        let mut report = Report::default();
        for (name, findings) in batch {
            let fact_source = findings
                .first()
                .and_then(|f| facts.get(f.violation.object))
                .and_then(|fact| fact.source.clone());
            let source = match fact_source {
                Some(source) => Some(source),
                None => Input::File((*name).into())
                    .read(options.limits.max_bytes)
                    .ok(),
            };
            let Some(file) = source else {
                report.errors.push(InputError::new(
                    *name,
                    "cannot read the file again to report a cross-object finding",
                ));
                continue;
            };
            for finding in findings {
                let Some(fact) = facts.get(finding.violation.object) else {
                    continue;
                };
                report.findings.push(finding.to_finding(fact, file.clone()));
            }
        }
        each(report)?;
    }
    Ok(())
}

/// The config file: `--config`, or the nearest `rampart.yaml` at or above
/// the first path. Config errors stop the scan (exit 2) with their positions.
pub(crate) fn load_config(explicit: Option<&PathBuf>, paths: &[PathBuf]) -> anyhow::Result<Config> {
    let path = match explicit {
        Some(path) => Some(path.clone()),
        None => paths
            .iter()
            .find(|p| p.as_os_str() != "-")
            .and_then(|p| Config::discover(p)),
    };
    let Some(path) = path else {
        return Ok(Config::default());
    };
    Config::load(&path).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("invalid config:\n{}", lines.join("\n"))
    })
}

fn exemption_statuses(config: &Config, today: jiff::civil::Date) -> Vec<ExemptionStatus> {
    let file = config
        .file
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    config
        .exemptions
        .iter()
        .map(|e| ExemptionStatus {
            file: file.clone(),
            line: e.line,
            rules: e.rules.clone(),
            reason: e.reason.clone(),
            matched: e.matched(),
            expired: e.is_expired(today),
        })
        .chain(config.exceptions.iter().map(|e| ExemptionStatus {
            file: file.clone(),
            line: e.line,
            rules: e.describe(),
            reason: e.reason.clone(),
            matched: e.matched(),
            expired: e.is_expired(today),
        }))
        .collect()
}

fn add_counts(summary: &mut Summary, part: &Report) {
    let counts = part.summary();
    summary.objects += counts.objects;
    summary.findings += counts.findings;
    summary.notes += counts.notes;
    for (total, count) in summary.by_severity.iter_mut().zip(counts.by_severity) {
        *total += count;
    }
}

fn check_input(input: &Input, options: &CheckOptions) -> FileReport {
    match input.read(options.limits.max_bytes) {
        Ok(file) => check_file(&file, options),
        Err(error) => FileReport {
            errors: vec![error],
            ..FileReport::default()
        },
    }
}

fn open_output(args: &ScanArgs) -> anyhow::Result<Box<dyn Write>> {
    Ok(match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    })
}

/// Reads and parses every input, nothing more: the floor a full scan is measured against.
fn parse_only(
    inputs: &[Input],
    options: &CheckOptions,
    walk_errors: usize,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let (documents, errors) = inputs
        .par_iter()
        .map(|input| match input.read(options.limits.max_bytes) {
            Ok(file) => {
                let stream = parse_stream(file.text(), &options.limits);
                let documents = stream.documents.iter().filter(|d| !d.is_empty).count();
                (documents, stream.errors.len())
            }
            Err(_) => (0, 1),
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let errors = errors + walk_errors;
    let summary = json!({"files": inputs.len(), "documents": documents, "errors": errors});
    writeln!(out, "{summary}")?;
    out.flush()?;
    Ok(if errors > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// Every rule's metadata, for SARIF.
pub fn rule_descriptors() -> Vec<RuleDescriptor> {
    rampart_linter::rules::all_rules()
        .iter()
        .map(|rule| RuleDescriptor {
            code: rule.code.to_string(),
            name: rule.name.to_string(),
            summary: rule.summary.to_string(),
            documentation: rule.documentation.to_string(),
            severity: rule.severity,
            help_uri: None,
            tags: rule.standards().iter().map(|t| t.to_string()).collect(),
        })
        .collect()
}
