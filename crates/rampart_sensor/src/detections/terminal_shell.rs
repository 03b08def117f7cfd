use super::{Context, Detection, Finding, is_shell};
use rampart_audit::meta::DetectionMeta;

rampart_audit::detection! {
    /// ## What it does
    /// Reports a shell started in a container with a terminal attached,
    /// as `kubectl exec -it` or `docker exec -it` do. A shell started from
    /// another terminal shell of the same container is the same session and
    /// is not reported again.
    ///
    /// ## Why is this bad?
    /// Containers run programs, not people. An interactive shell is someone
    /// at work inside a workload: debugging, or an attacker with exec
    /// rights.
    ///
    /// ## ATT&CK
    /// T1059.004 Command and Scripting Interpreter: Unix Shell; T1609
    /// Container Administration Command.
    ///
    /// ## Known false positives
    /// Break-glass debugging sessions. The audit detection KA001 (exec into
    /// pod) names the user who opened the session.
    ///
    /// ## Prior art
    /// Falco "Terminal shell in container"; Datadog `tty_shell_in_container`.
    pub TerminalShell {
        code: "KR003",
        name: "terminal-shell-in-container",
        severity: Medium,
        mitre: ["T1059.004", "T1609"],
    }
}

impl Detection for TerminalShell {
    fn meta(&self) -> &'static DetectionMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        if !cx.is_exec() || !cx.process.tty || !is_shell(cx.process.name()) {
            return;
        }
        let Some(container) = cx.container else {
            return;
        };
        // The first shell of a session only.
        let nested = cx.ancestors(4).iter().any(|a| {
            a.tty
                && is_shell(a.name())
                && a.container.as_ref().is_some_and(|c| c.id == container.id)
        }) || (is_shell(cx.parent_name()) && cx.ancestors(1).is_empty());
        if nested {
            return;
        }
        out.push(Finding::new(format!(
            "terminal shell {} started {} by {}",
            cx.command_line(),
            cx.place(),
            if cx.parent_name().is_empty() {
                "?"
            } else {
                cx.parent_name()
            }
        )));
    }
}
