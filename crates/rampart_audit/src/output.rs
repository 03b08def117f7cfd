//! Signals as JSON lines, as readable text, and a summary table.

use std::fmt::Write as _;

use crate::engine::Stats;
use crate::signal::Signal;

/// One JSON object on one line.
pub fn json_line(signal: &Signal) -> String {
    let mut line = serde_json::to_string(signal).unwrap_or_default();
    line.push('\n');
    line
}

/// `2024-05-01T10:00:00Z HIGH KA001 pod-exec: alice ran `sh` in pod default/web [audit 1b2c…]`.
pub fn text_line(signal: &Signal) -> String {
    let mut line = format!(
        "{} {:<8} {} {}: {}",
        signal.time,
        signal.severity.as_str().to_uppercase(),
        signal.rule,
        signal.name,
        signal.summary
    );
    if !signal.source_ips.is_empty() {
        let _ = write!(line, " from {}", signal.source_ips.join(", "));
    }
    if !signal.audit_id.is_empty() {
        let _ = write!(line, " [audit {}]", signal.audit_id);
    }
    if let Some(derived) = &signal.derived_from {
        let _ = write!(line, " (after {}, by {})", derived.rule, derived.author);
    }
    line.push('\n');
    line
}

/// The counts per rule, and what could not be read.
pub fn summary_table(stats: &Stats, names: &[(&'static str, &'static str)]) -> String {
    let mut out = format!(
        "{} lines, {} events, {} signals; {} malformed, {} over 256 KiB, {} with unknown fields\n",
        stats.lines,
        stats.events,
        stats.signals,
        stats.malformed,
        stats.oversize,
        stats.unknown_fields
    );
    if !stats.by_rule.is_empty() {
        out.push_str("\nrule    name                                      signals\n");
        for (rule, count) in &stats.by_rule {
            let name = names.iter().find(|(c, _)| c == rule).map_or("", |(_, n)| n);
            let _ = writeln!(out, "{rule:<7} {name:<41} {count:>7}");
        }
    }
    out
}
