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
                bail!("no rule `{wanted}`; `rampart rule` lists them");
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
