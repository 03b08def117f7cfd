use super::{Candidate, Context, Detection, created_phrase};
use crate::meta::DetectionMeta;
use crate::signal::Signal;

crate::detection! {
    /// ## What it does
    /// Surfaces the Pod Security Admission audit annotation
    /// `pod-security.kubernetes.io/audit-violations`: a pod or workload that
    /// violates its namespace's audit level was admitted.
    ///
    /// ## Why is this bad?
    /// The cluster already judged the object and found it weaker than the
    /// namespace's policy; the annotation is recorded but nobody reads it.
    ///
    /// ## ATT&CK
    /// T1610 Deploy Container.
    ///
    /// ## Known false positives
    /// Namespaces whose audit level is deliberately stricter than enforce,
    /// during a migration.
    pub PsaViolation {
        code: "KA014",
        name: "pod-security-violation",
        severity: Low,
        mitre: ["T1610"],
    }
}

impl Detection for PsaViolation {
    fn meta(&self) -> &'static DetectionMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_, '_>, out: &mut Vec<Candidate>) {
        let event = cx.event;
        let Some(violations) = event.annotation("pod-security.kubernetes.io/audit-violations")
        else {
            return;
        };
        if event.stage() == "RequestReceived" {
            return;
        }
        let summary = format!(
            "{} ({}): {violations}",
            created_phrase(cx),
            event.username()
        );
        out.push(Candidate::signal(Signal::of(&Self::META, event, summary)));
    }
}
