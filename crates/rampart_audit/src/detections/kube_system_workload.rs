use super::{Candidate, Context, Detection, created_phrase};
use crate::meta::DetectionMeta;
use crate::signal::Signal;

crate::detection! {
    /// ## What it does
    /// Reports a pod, DaemonSet, Deployment or service account created in
    /// `kube-system`, `kube-public` or `kube-node-lease` by an identity that
    /// is not a system component (its name does not start with `system:`).
    ///
    /// ## Why is this bad?
    /// The system namespaces hold the control plane's add-ons and their
    /// powerful service accounts; few people watch what runs there, which
    /// makes them a hiding place for persistence.
    ///
    /// ## ATT&CK
    /// T1036.005 Masquerading: Match Legitimate Name or Location; T1610
    /// Deploy Container.
    ///
    /// ## Known false positives
    /// Administrators installing add-ons (CNI, CSI, metrics-server) with
    /// their own credentials.
    pub KubeSystemWorkload {
        code: "KA008",
        name: "workload-in-system-namespace",
        severity: Medium,
        mitre: ["T1036.005", "T1610"],
        derived_from: ("Sigma: Creation Of Pod In System Namespace", "Leo Tsaousis (@laripping)"),
    }
}

impl Detection for KubeSystemWorkload {
    fn meta(&self) -> &'static DetectionMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_, '_>, out: &mut Vec<Candidate>) {
        let event = cx.event;
        if event.verb() != "create"
            || !event.subresource().is_empty()
            || !matches!(
                event.namespace(),
                "kube-system" | "kube-public" | "kube-node-lease"
            )
            || !matches!(
                event.resource(),
                "pods" | "daemonsets" | "deployments" | "serviceaccounts"
            )
            || event.is_system_user()
            || !event.is_complete()
            || !event.succeeded()
        {
            return;
        }
        let summary = format!("{} created {}", event.username(), created_phrase(cx));
        out.push(Candidate::signal(Signal::of(&Self::META, event, summary)));
    }
}
