use super::{Context, Detection, Finding};
use rampart_audit::meta::DetectionMeta;

rampart_audit::detection! {
    /// ## What it does
    /// Reports `nsenter` run in a container with PID 1 as its target
    /// (`-t 1`, `-t1`, `--target 1`, `--target=1`): entering the namespaces
    /// of the host's init process.
    ///
    /// ## Why is this bad?
    /// From a container that shares the host's PID namespace and holds
    /// CAP_SYS_ADMIN (privileged), `nsenter -t 1 -m -u -n -i sh` is a root
    /// shell on the node: the shortest escape there is.
    ///
    /// ## ATT&CK
    /// T1611 Escape to Host.
    ///
    /// ## Known false positives
    /// Node debugging tools (`kubectl debug node/…`, node-shell) do exactly
    /// this on purpose; allow them by namespace or image.
    ///
    /// ## Prior art
    /// Datadog `nsenter_in_container`; Falco "Change namespace privileges via
    /// unshare" (nearby).
    pub NsenterHost {
        code: "KR011",
        name: "nsenter-host-namespaces",
        severity: Critical,
        mitre: ["T1611"],
    }
}

/// Whether nsenter's arguments target PID 1.
fn targets_init(args: &[String]) -> bool {
    let mut iter = args.iter().skip(1).map(String::as_str);
    while let Some(arg) = iter.next() {
        let target = match arg {
            "-t" | "--target" => iter.next(),
            _ => arg.strip_prefix("--target=").or_else(|| {
                arg.strip_prefix("-t")
                    .filter(|v| !v.is_empty() && !v.starts_with('-'))
            }),
        };
        if target == Some("1") {
            return true;
        }
    }
    false
}

impl Detection for NsenterHost {
    fn meta(&self) -> &'static DetectionMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        if !cx.is_exec() || !cx.in_container() {
            return;
        }
        if cx.process.name() != "nsenter" && cx.process.comm != "nsenter" {
            return;
        }
        if targets_init(&cx.process.args) {
            out.push(Finding::new(format!(
                "nsenter into the host's namespaces {}: {}",
                cx.place(),
                cx.command_line()
            )));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::targets_init;

    fn args(line: &str) -> Vec<String> {
        line.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn target_forms() {
        assert!(targets_init(&args("nsenter -t 1 -m sh")));
        assert!(targets_init(&args("nsenter -t1 -a")));
        assert!(targets_init(&args("nsenter --target 1 -n")));
        assert!(targets_init(&args("nsenter --target=1 -n")));
        assert!(!targets_init(&args("nsenter -t 12 -n")));
        assert!(!targets_init(&args("nsenter --net=/run/netns/x ip a")));
        assert!(!targets_init(&args("nsenter")));
    }
}
