use super::{Context, Detection, Finding};
use rampart_audit::meta::DetectionMeta;

rampart_audit::detection! {
    /// ## What it does
    /// Reports `/proc/sys/kernel/core_pattern` opened for writing from a
    /// container.
    ///
    /// ## Why is this bad?
    /// A `core_pattern` starting with `|` names a program the kernel runs as
    /// root on the host whenever any process dumps core. Written from a
    /// container (a privileged one, or one with /proc/sys mounted writable),
    /// it is an escape to the node.
    ///
    /// ## ATT&CK
    /// T1611 Escape to Host.
    ///
    /// ## Known false positives
    /// None in containers; on the host, `sysctl` and crash reporters set it,
    /// so host writes are not reported.
    ///
    /// ## Prior art
    /// Falco and Datadog `core_pattern_write` rules.
    pub CorePattern {
        code: "KR010",
        name: "core-pattern-write",
        severity: Critical,
        mitre: ["T1611"],
    }
}

impl Detection for CorePattern {
    fn meta(&self) -> &'static DetectionMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some((path, write)) = cx.opened() else {
            return;
        };
        if write && cx.in_container() && path.ends_with("/sys/kernel/core_pattern") {
            out.push(Finding::new(format!(
                "{} opened {path} for writing {}",
                cx.process.name(),
                cx.place()
            )));
        }
    }
}
