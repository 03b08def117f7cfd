use super::{Candidate, Context, Detection};
use crate::meta::DetectionMeta;
use crate::signal::Signal;

crate::detection! {
    /// ## What it does
    /// Reports `kubectl` used with a service account's credentials: a
    /// `kubectl/…` user agent with a `system:serviceaccount:` user, that is,
    /// kubectl run inside a pod with its mounted token.
    ///
    /// ## Why is this bad?
    /// Workloads talk to the API through client libraries, not kubectl. A
    /// kubectl binary inside a container, using the pod's token, is an
    /// attacker (or a debugging session) acting as that workload.
    ///
    /// ## ATT&CK
    /// T1609 Container Administration Command; T1078.004 Valid Accounts:
    /// Cloud Accounts.
    ///
    /// ## Known false positives
    /// CI runners and GitOps jobs that run kubectl in pods. One signal per
    /// account per ten minutes.
    pub KubectlInPod {
        code: "KA013",
        name: "kubectl-in-pod",
        severity: Medium,
        mitre: ["T1609", "T1078.004"],
    }
}

impl Detection for KubectlInPod {
    fn meta(&self) -> &'static DetectionMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_, '_>, out: &mut Vec<Candidate>) {
        let event = cx.event;
        let user = event.username();
        let agent = event.user_agent.as_deref().unwrap_or("");
        if !agent.starts_with("kubectl/")
            || !user.starts_with("system:serviceaccount:")
            || event.stage() == "RequestReceived"
        {
            return;
        }
        let summary = format!(
            "{user} used kubectl ({agent}) from a pod: {} {}",
            event.verb(),
            event.request_uri.as_deref().unwrap_or("")
        );
        out.push(Candidate::Signal {
            signal: Box::new(Signal::of(&Self::META, event, summary)),
            quiet_key: Some(user.to_owned()),
        });
    }
}
