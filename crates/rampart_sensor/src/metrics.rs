//! Prometheus text for `--metrics-addr`: events by type, lost events by
//! type, signals by rule, what was suppressed, the process table's size.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Event types, in the order of the counters.
pub const EVENT_TYPES: [&str; 4] = ["exec", "exit", "connect", "open"];

/// A snapshot of the sensor's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetricsSnapshot {
    /// Events read from the ring buffer, by type.
    pub events: [u64; 4],
    /// Events the kernel dropped because the ring buffer was full, by type.
    pub lost: [u64; 4],
    /// Ring-buffer records that could not be decoded.
    pub malformed: u64,
    pub signals: BTreeMap<String, u64>,
    /// Signals dropped by the allow list.
    pub allowed: u64,
    /// Repeats within the quiet window.
    pub quieted: u64,
    /// Signals the webhook forwarder could not deliver.
    pub forward_dropped: u64,
    pub processes: u64,
    /// (program, section) of every attached hook.
    pub hooks: Vec<(String, String)>,
}

impl MetricsSnapshot {
    /// The Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let by_type = |counts: [u64; 4]| -> Vec<(String, u64)> {
            EVENT_TYPES
                .iter()
                .zip(counts)
                .map(|(kind, count)| (format!("type=\"{kind}\""), count))
                .collect()
        };
        let labelled = |label: &str, values: &[(&str, u64)]| -> Vec<(String, u64)> {
            values
                .iter()
                .map(|(value, count)| (format!("{label}=\"{}\"", escape(value)), *count))
                .collect()
        };
        let signals: Vec<(&str, u64)> =
            self.signals.iter().map(|(r, c)| (r.as_str(), *c)).collect();
        let hooks: Vec<(String, u64)> = self
            .hooks
            .iter()
            .map(|(program, section)| {
                let labels = format!(
                    "program=\"{}\",section=\"{}\"",
                    escape(program),
                    escape(section)
                );
                (labels, 1)
            })
            .collect();
        let families = [
            (
                "rampart_sensor_events_total",
                "counter",
                "Events read from the kernel, by type.",
                by_type(self.events),
            ),
            (
                "rampart_sensor_lost_events_total",
                "counter",
                "Events the kernel dropped because the ring buffer was full, by type.",
                by_type(self.lost),
            ),
            (
                "rampart_sensor_malformed_events_total",
                "counter",
                "Ring-buffer records that could not be decoded.",
                vec![(String::new(), self.malformed)],
            ),
            (
                "rampart_sensor_signals_total",
                "counter",
                "Signals raised, by rule.",
                labelled("rule", &signals),
            ),
            (
                "rampart_sensor_signals_suppressed_total",
                "counter",
                "Signals not reported: allowed by the configuration, or repeats within ten minutes.",
                labelled(
                    "reason",
                    &[("allow", self.allowed), ("repeat", self.quieted)],
                ),
            ),
            (
                "rampart_sensor_forward_dropped_total",
                "counter",
                "Signals the webhook forwarder dropped.",
                vec![(String::new(), self.forward_dropped)],
            ),
            (
                "rampart_sensor_processes",
                "gauge",
                "Processes in the sensor's process table.",
                vec![(String::new(), self.processes)],
            ),
            (
                "rampart_sensor_hook_attached",
                "gauge",
                "Attached eBPF programs.",
                hooks,
            ),
        ];
        for (name, kind, help, samples) in families {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (labels, value) in samples {
                if labels.is_empty() {
                    let _ = writeln!(out, "{name} {value}");
                } else {
                    let _ = writeln!(out, "{name}{{{labels}}} {value}");
                }
            }
        }
        out
    }
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_family() {
        let mut snapshot = MetricsSnapshot {
            events: [5, 4, 3, 2],
            lost: [1, 0, 0, 0],
            ..MetricsSnapshot::default()
        };
        snapshot.signals.insert("KR001".into(), 2);
        snapshot.signals.insert("X\"1".into(), 1);
        snapshot
            .hooks
            .push(("exec_btf".into(), "tp_btf/sched_process_exec".into()));
        let text = snapshot.render();
        assert!(
            text.contains("rampart_sensor_events_total{type=\"exec\"} 5\n"),
            "{text}"
        );
        assert!(
            text.contains("rampart_sensor_lost_events_total{type=\"exec\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("rampart_sensor_signals_total{rule=\"KR001\"} 2\n"),
            "{text}"
        );
        assert!(text.contains("rule=\"X\\\"1\""), "{text}");
        assert!(
            text.contains("section=\"tp_btf/sched_process_exec\"} 1"),
            "{text}"
        );
        // Every sample line belongs to a declared family.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let name = line.split(['{', ' ']).next().unwrap_or("");
            assert!(text.contains(&format!("# TYPE {name} ")), "{line}");
        }
    }
}
