//! `rampart rule`: a rule's documentation in the terminal, or the list of rules.

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::bail;
use rampart_linter::registry::RuleMeta;
use serde_json::json;

use crate::args::{RuleArgs, RuleFormat};

pub fn run(args: &RuleArgs) -> anyhow::Result<ExitCode> {
    let rules = rampart_linter::rules::all_rules();
    let mut out = io::stdout().lock();
    match &args.rule {
        None => match args.format {
            RuleFormat::Text => {
                for rule in rules.iter() {
                    writeln!(
                        out,
                        "{:<8} {:<28} {:<9} {}",
                        rule.code,
                        rule.name,
                        rule.severity.to_string(),
                        rule.summary
                    )?;
                }
            }
            RuleFormat::Json => {
                let list: Vec<_> = rules.iter().map(|r| rule_json(r)).collect();
                writeln!(out, "{}", serde_json::to_string_pretty(&list)?)?;
            }
        },
        Some(wanted) => {
            let Some(rule) = rules
                .iter()
                .find(|r| r.code.eq_ignore_ascii_case(wanted) || r.name == wanted)
            else {
                return detection(wanted, args.format, &mut out);
            };
            match args.format {
                RuleFormat::Text => {
                    writeln!(out, "# {} ({})\n", rule.name, rule.code)?;
                    writeln!(out, "Severity: {}", rule.severity)?;
                    if rule.opt_in {
                        writeln!(out, "Default: off (opt-in: `--select {}`)", rule.code)?;
                    }
                    let standards = rule.standards();
                    if !standards.is_empty() {
                        writeln!(out, "Standards: {}", standards.join(", "))?;
                    }
                    writeln!(out, "\n{}", rule.documentation)?;
                }
                RuleFormat::Json => {
                    writeln!(out, "{}", serde_json::to_string_pretty(&rule_json(rule))?)?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn rule_json(rule: &RuleMeta) -> serde_json::Value {
    json!({
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity,
        "summary": rule.summary,
        "pss": rule.pss,
        "cis": rule.cis,
        "mitre": rule.mitre,
        "nsa": rule.nsa.iter().map(|section| section.slug).collect::<Vec<_>>(),
        "standards": rule.standards,
        "since": rule.since,
        "opt_in": rule.opt_in,
        "documentation": rule.documentation,
    })
}

/// An audit-log or runtime detection's documentation (`rampart rule KA001`,
/// `rampart rule KR001`).
fn detection(wanted: &str, format: RuleFormat, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let audit = rampart_audit::detections::builtin();
    let Some(meta) = audit
        .iter()
        .map(|d| d.meta())
        .chain(rampart_sensor::detections::metas())
        .find(|m| m.code.eq_ignore_ascii_case(wanted) || m.name == wanted)
    else {
        bail!(
            "no rule or detection `{wanted}`; `rampart rules` and `rampart audit --list` list them"
        );
    };
    match format {
        RuleFormat::Text => {
            writeln!(out, "# {} ({})\n", meta.name, meta.code)?;
            writeln!(out, "Severity: {}", meta.severity)?;
            writeln!(out, "MITRE ATT&CK: {}", meta.mitre.join(", "))?;
            if let Some((rule, author)) = meta.derived_from {
                writeln!(out, "Derived from: {rule} (author: {author})")?;
            }
            writeln!(out, "\n{}", meta.markdown())?;
        }
        RuleFormat::Json => {
            let value = json!({
                "code": meta.code, "name": meta.name, "severity": meta.severity.as_str(),
                "summary": meta.summary(), "mitre": meta.mitre,
                "derivedFrom": meta.derived_from.map(|(rule, author)| json!({"rule": rule, "author": author})),
                "documentation": meta.markdown(),
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
