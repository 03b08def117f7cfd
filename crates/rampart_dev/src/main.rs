//! `cargo run -p rampart_dev -- generate-all [--check]`: renders docs/rules/*.md,
//! the rules index and the CLI reference from code. With `--check`, fails when
//! a generated file is out of date instead of writing it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{CommandFactory, Parser, Subcommand};
use rampart_linter::registry::RuleMeta;

#[derive(Parser)]
struct Dev {
    #[command(subcommand)]
    command: DevCommand,
}

#[derive(Subcommand)]
enum DevCommand {
    /// Generate every derived document.
    GenerateAll {
        /// Fail if any generated file differs from what is on disk.
        #[arg(long)]
        check: bool,
    },
}

fn main() -> anyhow::Result<()> {
    let Dev {
        command: DevCommand::GenerateAll { check },
    } = Dev::parse();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let files = generated_files(&root);
    let mut stale = Vec::new();
    for (path, content) in &files {
        let current = std::fs::read_to_string(path).unwrap_or_default();
        if current == *content {
            continue;
        }
        if check {
            stale.push(path.clone());
        } else {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, content).with_context(|| format!("writing {}", path.display()))?;
            println!("wrote {}", path.display());
        }
    }
    if check {
        let expected: Vec<&PathBuf> = files.iter().map(|(p, _)| p).collect();
        for dir in ["docs/rules", "docs/detections"] {
            if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
                for entry in entries.flatten() {
                    let path = entry.path();
                    if !expected.iter().any(|p| p.ends_with(entry.file_name())) {
                        stale.push(path);
                    }
                }
            }
        }
        if !stale.is_empty() {
            for path in &stale {
                eprintln!("out of date: {}", path.display());
            }
            bail!("generated docs are stale: run `cargo run -p rampart_dev -- generate-all`");
        }
        println!("{} generated files are current", files.len());
    }
    Ok(())
}

fn generated_files(root: &Path) -> Vec<(PathBuf, String)> {
    let rules = rampart_linter::rules::all_rules();
    let mut files: Vec<(PathBuf, String)> = rules
        .iter()
        .map(|rule| {
            (
                root.join(format!("docs/rules/{}.md", rule.code)),
                rule_page(rule),
            )
        })
        .collect();
    files.push((root.join("docs/rules/README.md"), rules_index(&rules)));
    files.push((root.join("docs/cli.md"), cli_reference()));
    let detections = rampart_audit::detections::builtin();
    for detection in &detections {
        let meta = detection.meta();
        files.push((
            root.join(format!("docs/detections/{}.md", meta.code)),
            detection_page(meta),
        ));
    }
    let runtime = rampart_sensor::detections::metas();
    for meta in &runtime {
        files.push((
            root.join(format!("docs/detections/{}.md", meta.code)),
            detection_page(meta),
        ));
    }
    files.push((
        root.join("docs/detections/README.md"),
        detections_index(&detections, &runtime),
    ));
    files.push((
        root.join("docs/rampart.schema.json"),
        rampart_linter::config_schema::json_schema(),
    ));
    let (base, errors) = rampart_privileges::KnowledgeBase::builtin();
    for error in &errors {
        eprintln!("warning: {error}");
    }
    files.push((root.join("docs/knowledge-base.md"), knowledge_index(&base)));
    if let Some(profile) = base.get("rampart") {
        files.push((
            root.join("docs/SECURITY-PRIVILEGES.md"),
            security_statement(profile),
        ));
    }
    files
}

/// Every built-in agent profile and its features.
fn knowledge_index(base: &rampart_privileges::KnowledgeBase) -> String {
    let mut page = String::from(GENERATED);
    page.push_str(
        "# The agent knowledge base

The built-in profiles (`profiles/*.yaml`; schema in [profiles.md](profiles.md)). `rampart trim --list PATH` shows which features a manifest uses.

",
    );
    page.push_str("| Profile | Agent | Covers | Features |\n|---|---|---|---|\n");
    let mut profiles: Vec<_> = base.profiles().iter().collect();
    profiles.sort_by(|a, b| a.name.cmp(&b.name));
    for profile in &profiles {
        let features: Vec<String> = profile
            .features
            .iter()
            .map(|f| format!("`{}`", f.id))
            .collect();
        let _ = writeln!(
            page,
            "| `{}` | {} | {} | {} |",
            profile.name,
            profile.title.replace('|', "\\|"),
            profile.covers.as_deref().unwrap_or("").replace('|', "\\|"),
            features.join(", ")
        );
    }
    page
}

/// rampart's own security statement, in the form of DataKit's: each
/// privilege, what it is for, and how to turn it off.
fn security_statement(profile: &rampart_privileges::profile::Profile) -> String {
    use rampart_privileges::profile::NeedKind;
    let mut page = String::from(GENERATED);
    page.push_str("# rampart's privileges\n\n");
    page.push_str(
        "rampart asks you to justify every privilege your node agents hold, so here is the justification for its own. This page is generated from rampart's own profile ([`profiles/rampart.yaml`](../profiles/rampart.yaml)), the same knowledge base `rampart explain` uses. rampart's manifests under [`deploy/`](../deploy) (the admission webhook, and the runtime sensor DaemonSet in a namespace of its own) hold no privilege this profile does not explain, and this profile lists no privilege they do not hold. They pass `rampart scan` at the restricted level with every rule: each privilege is an explained note, and the two findings that are not about one privilege are exempted inline (`rampart.dev/ignore`) with their reasons: NS002, because the sensor's namespace enforces the `privileged` Pod Security level, and WL009, for the sensor's host PID namespace together with SYS_PTRACE, which `rampart explain` also reports as broader than needed. The test suite checks all of it (`crates/rampart/tests/own_deployments.rs`).\n\n",
    );
    for feature in &profile.features {
        let _ = writeln!(page, "## {} (`{}`)\n", feature.title, feature.id);
        if let Some(description) = &feature.description {
            let _ = writeln!(page, "{}\n", one_line(description));
        }
        if feature.needs.is_empty() {
            page.push_str("**Privileges: none.**\n\n");
        } else {
            page.push_str(
                "| Privilege | Container | What it is for | How sure |\n|---|---|---|---|\n",
            );
            for need in &feature.needs {
                let what = match need.kind() {
                    Ok(NeedKind::Capability(cap)) => format!("capability `{cap}`"),
                    Ok(NeedKind::HostPath { paths, access }) => format!(
                        "hostPath `{}` ({})",
                        paths.join("` or `"),
                        if access == rampart_privileges::profile::Access::ReadWrite {
                            "read-write"
                        } else {
                            "read-only"
                        }
                    ),
                    Ok(NeedKind::HostPid) => "host PID namespace (`hostPID`)".to_string(),
                    Ok(NeedKind::HostIpc) => "host IPC namespace (`hostIPC`)".to_string(),
                    Ok(NeedKind::HostNetwork) => {
                        "host network namespace (`hostNetwork`)".to_string()
                    }
                    Ok(NeedKind::RunAsRoot) => "runs as root (UID 0)".to_string(),
                    Ok(NeedKind::ServiceAccountToken) => "service-account token".to_string(),
                    Ok(other) => format!("{other:?}"),
                    Err(error) => format!("invalid: {error}"),
                };
                let _ = writeln!(
                    page,
                    "| {what} | {} | {} | {} |",
                    need.containers.join(", "),
                    need.why.as_deref().map(one_line).unwrap_or_default(),
                    need.evidence.as_str()
                );
            }
            page.push('\n');
        }
        if let Some(breaks) = &feature.breaks_without {
            let _ = writeln!(page, "**Without it:** {}\n", one_line(breaks));
        }
        if let Some(disable) = feature.disable.describe() {
            let _ = writeln!(page, "**To turn it off:** {}\n", one_line(&disable));
        }
    }
    page.push_str("## If you do not need a feature\n\n| Feature | Change |\n|---|---|\n");
    for feature in &profile.features {
        let _ = writeln!(
            page,
            "| {} | {} |",
            feature.title,
            feature
                .disable
                .describe()
                .map(|d| one_line(&d))
                .unwrap_or_default()
        );
    }
    page
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

const GENERATED: &str =
    "<!-- Generated by `cargo run -p rampart_dev -- generate-all`; do not edit. -->\n";

fn rule_page(rule: &RuleMeta) -> String {
    let mut page = String::from(GENERATED);
    let _ = writeln!(page, "# {} ({})\n", rule.name, rule.code);
    let _ = writeln!(page, "| | |\n|---|---|");
    let _ = writeln!(page, "| Severity | {} |", rule.severity);
    if let Some(pss) = rule.pss {
        let _ = writeln!(page, "| Pod Security Standards | `{pss}` |");
    }
    if !rule.cis.is_empty() {
        let _ = writeln!(
            page,
            "| CIS Kubernetes Benchmark | {} |",
            rule.cis.join(", ")
        );
    }
    if !rule.mitre.is_empty() {
        let links: Vec<String> = rule
            .mitre
            .iter()
            .map(|t| {
                format!(
                    "[{t}](https://attack.mitre.org/techniques/{}/)",
                    t.replace('.', "/")
                )
            })
            .collect();
        let _ = writeln!(page, "| MITRE ATT&CK | {} |", links.join(", "));
    }
    if !rule.nsa.is_empty() {
        let sections: Vec<String> = rule
            .nsa
            .iter()
            .map(|section| format!("{} (`nsa:{}`)", section.title, section.slug))
            .collect();
        let _ = writeln!(
            page,
            "| NSA/CISA Kubernetes Hardening Guidance | {} |",
            sections.join("; ")
        );
    }
    let _ = writeln!(
        page,
        "| Default | {} |",
        if rule.opt_in {
            "off (opt-in: `--select CODE`)"
        } else {
            "on"
        }
    );
    let _ = writeln!(page, "| Since | {} |\n", rule.since);
    page.push_str(rule.documentation);
    page.push('\n');
    page
}

fn rules_index(rules: &[&RuleMeta]) -> String {
    let mut page = String::from(GENERATED);
    page.push_str(
        "# Rules\n\n`rampart rule CODE` prints the same documentation in the terminal.\n\n",
    );
    page.push_str(
        "| Code | Name | Severity | Default | PSS | CIS | Summary |\n|---|---|---|---|---|---|---|\n",
    );
    for rule in rules {
        let _ = writeln!(
            page,
            "| [{code}]({code}.md) | `{}` | {} | {} | {} | {} | {} |",
            rule.name,
            rule.severity,
            if rule.opt_in { "opt-in" } else { "on" },
            rule.pss.map(|p| format!("`{p}`")).unwrap_or_default(),
            rule.cis.join(", "),
            rule.summary.replace('|', "\\|"),
            code = rule.code,
        );
    }
    page
}

fn cli_reference() -> String {
    let mut page = String::from(GENERATED);
    page.push_str("# Command-line reference\n\n");
    let mut command = rampart::args::Cli::command();
    command.build();
    write_command(&mut page, &mut command, "rampart");
    page
}

fn write_command(page: &mut String, command: &mut clap::Command, path: &str) {
    let help = command.render_long_help().to_string();
    let _ = writeln!(page, "## `{path}`\n\n```text\n{}\n```\n", help.trim_end());
    let names: Vec<String> = command
        .get_subcommands()
        .filter(|c| !c.is_hide_set() && c.get_name() != "help")
        .map(|c| c.get_name().to_string())
        .collect();
    for name in names {
        if let Some(sub) = command.find_subcommand_mut(&name) {
            write_command(page, sub, &format!("{path} {name}"));
        }
    }
}

/// One audit detection's page.
fn detection_page(meta: &rampart_audit::meta::DetectionMeta) -> String {
    let mut page = String::from(GENERATED);
    let _ = writeln!(page, "# {} ({})\n", meta.name, meta.code);
    let _ = writeln!(page, "- Severity: {}", meta.severity.as_str());
    let _ = writeln!(page, "- MITRE ATT&CK: {}", meta.mitre.join(", "));
    if let Some((rule, author)) = meta.derived_from {
        let _ = writeln!(
            page,
            "- Derived from: {rule} (author: {author}); signals name it, as Sigma's DRL 1.1 asks"
        );
    }
    page.push('\n');
    page.push_str(&meta.markdown());
    page
}

/// The index of audit and runtime detections.
fn detections_index(
    detections: &[Box<dyn rampart_audit::detections::Detection>],
    runtime: &[&'static rampart_audit::meta::DetectionMeta],
) -> String {
    let mut page = String::from(GENERATED);
    page.push_str("# Detections\n\n## Audit-log detections\n\n`rampart audit` runs these on Kubernetes audit logs ([audit.md](../audit.md)); `rampart rule CODE` prints one. Validation against Falco's and Panther's labelled events: [DETECTIONS.md](../DETECTIONS.md).\n\n");
    detections_table(&mut page, detections.iter().map(|d| d.meta()));
    page.push_str("\n## Runtime detections\n\n`rampart sensor` runs these on a node's processes, connections and file opens, seen through eBPF ([sensor.md](../sensor.md)). Each is triggered for real by the root tests in `crates/rampart/tests/sensor_cli.rs` and replayed from the recorded events in `crates/rampart_sensor/tests/fixtures/`.\n\n");
    detections_table(&mut page, runtime.iter().copied());
    page
}

/// One row per detection: code (linked to its page), name, severity, ATT&CK, summary.
fn detections_table<'m>(
    page: &mut String,
    metas: impl Iterator<Item = &'m rampart_audit::meta::DetectionMeta>,
) {
    page.push_str("| Code | Name | Severity | ATT&CK | What it does |\n|---|---|---|---|---|\n");
    for meta in metas {
        let _ = writeln!(
            page,
            "| [{code}]({code}.md) | {} | {} | {} | {} |",
            meta.name,
            meta.severity.as_str(),
            meta.mitre.join(", "),
            meta.summary(),
            code = meta.code
        );
    }
}
