use super::{Candidate, Context, Detection};
use crate::meta::DetectionMeta;
use crate::signal::Signal;

crate::detection! {
    /// ## What it does
    /// Reports a service account asking the API what it may do: a
    /// `SelfSubjectAccessReview` or `SelfSubjectRulesReview`
    /// (`kubectl auth can-i`, `--list`).
    ///
    /// ## Why is this bad?
    /// Workloads know what they need; enumerating one's own permissions is
    /// what an attacker does first with a token taken from a pod.
    ///
    /// ## ATT&CK
    /// T1069.003 Permission Groups Discovery: Cloud Groups; T1087.004
    /// Account Discovery: Cloud Account.
    ///
    /// ## Known false positives
    /// Controllers that check their permissions at start (Argo CD, some
    /// operators); repeated signals for one account are held for ten minutes.
    pub AccessReview {
        code: "KA012",
        name: "service-account-permission-enumeration",
        severity: Medium,
        mitre: ["T1069.003", "T1087.004"],
        derived_from: ("Sigma: RBAC Permission Enumeration Attempt", "Leo Tsaousis (@laripping)"),
    }
}

impl Detection for AccessReview {
    fn meta(&self) -> &'static DetectionMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_, '_>, out: &mut Vec<Candidate>) {
        let event = cx.event;
        let user = event.username();
        if event.verb() != "create"
            || !matches!(
                event.resource(),
                "selfsubjectaccessreviews" | "selfsubjectrulesreviews"
            )
            || !user.starts_with("system:serviceaccount:")
            || !event.is_complete()
        {
            return;
        }
        let summary = format!("{user} listed its own permissions ({})", event.resource());
        out.push(Candidate::Signal {
            signal: Box::new(Signal::of(&Self::META, event, summary)),
            quiet_key: Some(user.to_owned()),
        });
    }
}
