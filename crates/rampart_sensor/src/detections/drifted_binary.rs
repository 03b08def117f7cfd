use super::{Context, Detection, Finding};
use crate::event::EventKind;
use rampart_audit::meta::DetectionMeta;

rampart_audit::detection! {
    /// ## What it does
    /// Reports a program executed in a container whose file was written or
    /// changed (its inode change time) after the container started: a
    /// binary that is not part of the image. The check costs nothing extra:
    /// the change time is read from the executed file's inode by the exec
    /// hook, and the container's start is the earliest process start seen in
    /// it.
    ///
    /// ## Why is this bad?
    /// Attackers download and run tools (miners, scanners, implants).
    /// Immutable containers never run files that were not in their image.
    ///
    /// ## ATT&CK
    /// T1105 Ingress Tool Transfer; T1204.002 User Execution: Malicious File.
    ///
    /// ## Known false positives
    /// Init scripts that copy binaries into a volume at start-up and run
    /// them, language runtimes that build native code at run time. Allow
    /// them by image or process.
    ///
    /// ## Prior art
    /// Falco "Drop and execute new binary in container"; Datadog
    /// `new_binary_execution_in_container`.
    pub DriftedBinary {
        code: "KR008",
        name: "drifted-binary-executed",
        severity: High,
        mitre: ["T1105", "T1204.002"],
    }
}

/// Change times up to this long after the container start are the image's
/// (layers are unpacked before the first process starts).
const GRACE_NS: i64 = 100_000_000;

impl Detection for DriftedBinary {
    fn meta(&self) -> &'static DetectionMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let EventKind::Exec {
            exe_changed: Some(changed),
            filename,
            parent_comm,
            ..
        } = &cx.event.kind
        else {
            return;
        };
        let (Some(container), Some(started)) = (cx.container, cx.container_start) else {
            return;
        };
        // runc re-executes itself while it sets the container up.
        if filename.starts_with("/proc/self/") && parent_comm.starts_with("runc") {
            return;
        }
        if *changed <= started + GRACE_NS {
            return;
        }
        let after = (*changed - started) as f64 / 1e9;
        out.push(
            Finding::new(format!(
                "{filename} executed {}, written {after:.1} s after the container started",
                cx.place()
            ))
            .quiet(format!("{}|{filename}|{changed}", container.id)),
        );
    }
}
