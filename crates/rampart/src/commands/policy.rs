//! `rampart policy vap`: the admission policy as ValidatingAdmissionPolicy.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use rampart_cel::evaluate::{admission_defaults, request_for};
use rampart_cel::{Evaluator, FailurePolicy, VapOptions, compile};
use rampart_linter::admission::ModeLevels;
use rampart_linter::exemptions::Config;
use rampart_source::SourceFile;
use rampart_yaml::{Limits, parse_stream};
use serde_json::{Value, json};

use crate::args::{FailurePolicyArg, PolicyCommand, VapArgs, VapFormat, WebhookMode};

pub fn run(command: &PolicyCommand) -> anyhow::Result<ExitCode> {
    match command {
        PolicyCommand::Vap(args) => vap(args),
    }
}

/// The config file, its problems printed as `file:line:col` errors.
pub(crate) fn load_config(path: Option<&Path>) -> anyhow::Result<Config> {
    match path {
        Some(path) => Config::load(path).map_err(|errors| {
            for error in &errors {
                eprintln!("error: {error}");
            }
            anyhow::anyhow!("{} problem(s) in {}", errors.len(), path.display())
        }),
        None => Ok(Config::default()),
    }
}

fn vap(args: &VapArgs) -> anyhow::Result<ExitCode> {
    let config = load_config(args.config.as_deref())?;
    let on = Some(args.pss_level);
    let (enforce, warn, audit) = match args.mode {
        WebhookMode::Enforce => (on, None, None),
        WebhookMode::Warn => (None, on, None),
        WebhookMode::Audit => (None, None, on),
    };
    let options = VapOptions {
        fallback: ModeLevels {
            enforce,
            warn,
            audit,
            version: args.pss_version,
        },
        failure_policy: match args.failure_policy {
            FailurePolicyArg::Fail => FailurePolicy::Fail,
            FailurePolicyArg::Ignore => FailurePolicy::Ignore,
        },
        exclude_namespaces: args.exclude_namespace.clone(),
        today: jiff::Zoned::now().date(),
    };
    let compiled = compile(&config, &options);
    for warning in &compiled.warnings {
        eprintln!("warning: {warning}");
    }
    if !args.test.is_empty() {
        return test(&compiled.objects, &args.test);
    }
    let text = match args.format {
        VapFormat::Yaml => rampart_cel::yaml::to_yaml_stream(&compiled.objects),
        VapFormat::Json => {
            let list = json!({"apiVersion": "v1", "kind": "List", "items": compiled.objects});
            format!("{}\n", serde_json::to_string_pretty(&list)?)
        }
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .context("cannot write to standard output")?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Judges each manifest as a CREATE in its namespace.
fn test(objects: &[Value], paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let evaluator = Evaluator::new(objects)?;
    let mut out = String::new();
    let (mut denied, mut input_errors) = (0, 0);
    for path in paths {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("error: {}: {e}", path.display());
                input_errors += 1;
                continue;
            }
        };
        let file = SourceFile::new(path.display().to_string(), text);
        let stream = parse_stream(file.text(), &Limits::default());
        for error in &stream.errors {
            let at = file.position(error.range.start);
            eprintln!(
                "error: {}:{}:{}: {}",
                path.display(),
                at.line,
                at.column,
                error.message
            );
            input_errors += 1;
        }
        for document in &stream.documents {
            let mut object = document.root.to_json();
            if !object.is_object() {
                continue;
            }
            admission_defaults(&mut object);
            let namespace = object
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or("default")
                .to_owned();
            let outcome = evaluator.admit(&request_for(&object, "CREATE", &namespace));
            let kind = object.get("kind").and_then(Value::as_str).unwrap_or("?");
            let name = object
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("?");
            let verdict = if outcome.allowed() {
                "allowed"
            } else {
                "denied"
            };
            out.push_str(&format!("{verdict}: {kind} {namespace}/{name}\n"));
            for (label, messages) in [
                ("deny", &outcome.denied),
                ("warn", &outcome.warnings),
                ("audit", &outcome.audit),
            ] {
                for message in messages {
                    out.push_str(&format!("  {label}: {message}\n"));
                }
            }
            if !outcome.allowed() {
                denied += 1;
            }
        }
    }
    std::io::stdout()
        .lock()
        .write_all(out.as_bytes())
        .context("cannot write to standard output")?;
    Ok(ExitCode::from(if input_errors > 0 {
        2
    } else if denied > 0 {
        1
    } else {
        0
    }))
}
