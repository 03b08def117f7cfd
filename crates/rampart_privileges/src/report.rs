//! `rampart explain` output: a versioned JSON document and a text view.

use std::io::{self, Write};

use serde::Serialize;

use crate::analysis::{InputProblem, RbacRight, Workload, WorkloadRef};
use crate::explain::{Judgement, Verdict};
use crate::knowledge::KnowledgeBase;

/// Version of the `explain` JSON document (docs/explain-output.md).
pub const EXPLAIN_JSON_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct ExplainReport<'a> {
    pub version: u32,
    pub workloads: Vec<WorkloadReport<'a>>,
    pub errors: Vec<InputProblem>,
    pub summary: ExplainSummary,
}

#[derive(Debug, Default, Serialize)]
pub struct ExplainSummary {
    pub workloads: usize,
    /// Workloads recognised as a known agent.
    pub agents: usize,
    pub privileges: usize,
    pub explained: usize,
    pub unexplained: usize,
    /// Privileges broader than their features need (explained or not).
    pub broader: usize,
}

#[derive(Debug, Serialize)]
pub struct WorkloadReport<'a> {
    #[serde(flatten)]
    pub workload: WorkloadRef,
    pub agents: Vec<AgentReport>,
    pub privileges: Vec<PrivilegeReport<'a>>,
    pub rbac: Vec<RbacRight>,
    pub features: Vec<FeatureReport>,
}

#[derive(Debug, Serialize)]
pub struct AgentReport {
    pub profile: String,
    pub title: String,
    pub containers: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct PrivilegeReport<'a> {
    #[serde(flatten)]
    pub judgement: Judgement<'a>,
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeatureReport {
    pub profile: String,
    pub id: String,
    pub title: String,
    /// Some privilege or setting of the workload belongs to it.
    pub present: bool,
    pub default: bool,
    pub required: bool,
}

/// Builds the report of analysed workloads.
pub fn build<'a>(
    workloads: Vec<Workload<'a>>,
    errors: Vec<InputProblem>,
    base: &'a KnowledgeBase,
) -> ExplainReport<'a> {
    let mut summary = ExplainSummary::default();
    let mut reports = Vec::new();
    for workload in workloads {
        summary.workloads += 1;
        if !workload.agents.profiles.is_empty() {
            summary.agents += 1;
        }
        let agents = workload
            .agents
            .profiles
            .iter()
            .map(|&index| {
                let profile = base.profile(index);
                let containers = workload
                    .with_pod(|pod| {
                        pod.containers
                            .iter()
                            .zip(&workload.agents.container_profiles)
                            .filter(|(_, p)| **p == Some(index))
                            .map(|(c, _)| c.name.to_string())
                            .collect()
                    })
                    .unwrap_or_default();
                AgentReport {
                    profile: profile.name.clone(),
                    title: profile.title.clone(),
                    containers,
                }
            })
            .collect();
        let features = crate::explain::features_present(&workload, base)
            .into_iter()
            .map(|(profile, feature, present)| {
                let profile = base.profile(profile);
                let feature = &profile.features[feature];
                FeatureReport {
                    profile: profile.name.clone(),
                    id: feature.id.clone(),
                    title: feature.title.clone(),
                    present,
                    default: feature.default,
                    required: feature.required,
                }
            })
            .collect();
        let positions: Vec<(usize, usize)> = workload
            .judgements
            .iter()
            .map(|j| workload.position_of(&j.privilege.pointer))
            .collect();
        let mut workload = workload;
        let judgements = std::mem::take(&mut workload.judgements);
        let privileges: Vec<PrivilegeReport> = judgements
            .into_iter()
            .zip(positions)
            .map(|(judgement, (line, column))| {
                summary.privileges += 1;
                match judgement.verdict {
                    Verdict::Explained => summary.explained += 1,
                    Verdict::Unexplained => summary.unexplained += 1,
                }
                if !judgement.broader.is_empty() {
                    summary.broader += 1;
                }
                PrivilegeReport {
                    judgement,
                    line,
                    column,
                }
            })
            .collect();
        reports.push(WorkloadReport {
            workload: workload.reference,
            agents,
            privileges,
            rbac: workload.rbac,
            features,
        });
    }
    ExplainReport {
        version: EXPLAIN_JSON_VERSION,
        workloads: reports,
        errors,
        summary,
    }
}

/// The text view: per workload, each privilege with its verdict and reasons.
pub fn text(report: &ExplainReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    for workload in &report.workloads {
        let w = &workload.workload;
        let name = match &w.namespace {
            Some(ns) => format!("{ns}/{}", w.name),
            None => w.name.clone(),
        };
        writeln!(out, "{} {name}  ({}:{})", w.kind, w.file, w.line)?;
        if workload.agents.is_empty() {
            writeln!(out, "  agent: not recognised (generic reasons only)")?;
        }
        for agent in &workload.agents {
            writeln!(
                out,
                "  agent: {} (profile {}), containers {}",
                agent.title,
                agent.profile,
                agent.containers.join(", ")
            )?;
        }
        for privilege in &workload.privileges {
            let j = &privilege.judgement;
            let verdict = match (j.verdict, j.broader.is_empty()) {
                (Verdict::Explained, true) => "explained",
                (Verdict::Explained, false) => "broader",
                (Verdict::Unexplained, _) => "UNEXPLAINED",
            };
            let container = j
                .privilege
                .container
                .as_ref()
                .map(|c| format!(" [{c}]"))
                .unwrap_or_default();
            writeln!(
                out,
                "  {verdict:<11} {}{container}  {}:{}:{}",
                j.privilege.kind, w.file, privilege.line, privilege.column
            )?;
            for reason in &j.features {
                let volume = reason
                    .volume
                    .as_ref()
                    .map(|v| format!(", volume {v}"))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "      needed by {} ({}{volume}; {})",
                    reason.feature, reason.title, reason.evidence
                )?;
                if let Some(why) = &reason.why {
                    writeln!(out, "        why: {}", one_line(why))?;
                }
                if let Some(disable) = reason.disable.describe() {
                    writeln!(out, "        turn off: {}", one_line(&disable))?;
                }
            }
            if j.verdict == Verdict::Unexplained {
                let known = if workload.agents.is_empty() {
                    "no profile covers this workload"
                } else if j.privilege.container.is_some() && j.profile.is_none() {
                    "the container is not part of a recognised agent"
                } else {
                    "no known feature needs it: a candidate for removal"
                };
                writeln!(out, "      {known}")?;
                writeln!(out, "      grants: {}", j.risk)?;
            }
            for broader in &j.broader {
                writeln!(out, "      broader than needed: {}", broader.message)?;
            }
        }
        let risky: Vec<&RbacRight> = workload.rbac.iter().filter(|r| r.risk.is_some()).collect();
        if !workload.rbac.is_empty() {
            writeln!(
                out,
                "  RBAC of service account {}: {} rule(s), {} risky",
                w.service_account,
                workload.rbac.len(),
                risky.len()
            )?;
            for right in risky {
                writeln!(
                    out,
                    "      {} {} ({}): {}",
                    right.verbs.join(","),
                    right.resources.join(","),
                    right.via,
                    right.risk.unwrap_or("")
                )?;
            }
        }
        let present: Vec<&str> = workload
            .features
            .iter()
            .filter(|f| f.present)
            .map(|f| f.id.as_str())
            .collect();
        if !present.is_empty() {
            writeln!(out, "  features in use: {}", present.join(", "))?;
        }
        writeln!(out)?;
    }
    for error in &report.errors {
        writeln!(
            out,
            "error: {}:{}:{}: {}",
            error.file, error.line, error.column, error.message
        )?;
    }
    let s = &report.summary;
    writeln!(
        out,
        "{} workload(s), {} recognised agent(s): {} privilege(s), {} explained, {} unexplained, {} broader than needed.",
        s.workloads, s.agents, s.privileges, s.explained, s.unexplained, s.broader
    )
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
