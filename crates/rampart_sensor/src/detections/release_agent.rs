use super::{Context, Detection, Finding};
use rampart_audit::meta::DetectionMeta;

rampart_audit::detection! {
    /// ## What it does
    /// Reports a cgroup v1 `release_agent` file opened for writing, on the
    /// host or in a container (wherever the cgroup filesystem is mounted).
    ///
    /// ## Why is this bad?
    /// The kernel runs the program named in `release_agent`, as root on the
    /// host, when a cgroup empties. Writing it from a container (with
    /// CAP_SYS_ADMIN, or privileged) is the best-known container escape
    /// (CVE-2022-0492).
    ///
    /// ## ATT&CK
    /// T1611 Escape to Host.
    ///
    /// ## Known false positives
    /// None known: systemd and container runtimes do not set release agents
    /// on cgroup v2 hosts.
    ///
    /// ## Prior art
    /// Falco "Detect release_agent File Container Escapes"; Datadog
    /// `release_agent_escape`.
    pub ReleaseAgent {
        code: "KR009",
        name: "release-agent-write",
        severity: Critical,
        mitre: ["T1611"],
    }
}

impl Detection for ReleaseAgent {
    fn meta(&self) -> &'static DetectionMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some((path, write)) = cx.opened() else {
            return;
        };
        if write && path.rsplit('/').next() == Some("release_agent") {
            out.push(Finding::new(format!(
                "{} opened the cgroup release agent {path} for writing {}",
                cx.process.name(),
                cx.place()
            )));
        }
    }
}
