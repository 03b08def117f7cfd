use super::{Candidate, Context, Detection};
use crate::meta::DetectionMeta;
use crate::signal::Signal;

crate::detection! {
    /// ## What it does
    /// Reports a request by `system:anonymous` (or the
    /// `system:unauthenticated` group) that the API server allowed, health
    /// and version endpoints aside (`/healthz`, `/livez`, `/readyz`,
    /// `/version`).
    ///
    /// ## Why is this bad?
    /// Anonymous access that reaches real resources means a binding grants
    /// rights to unauthenticated users: anyone who can reach the API server
    /// can use them.
    ///
    /// ## ATT&CK
    /// T1078.001 Valid Accounts: Default Accounts; T1190 Exploit
    /// Public-Facing Application.
    ///
    /// ## Known false positives
    /// Discovery endpoints (`/api`, `/apis`, `/openapi`) on clusters that
    /// allow them to anonymous users by design.
    pub AnonymousAllowed {
        code: "KA006",
        name: "anonymous-request-allowed",
        severity: High,
        mitre: ["T1078.001", "T1190"],
    }
}

const HEALTH: [&str; 4] = ["/healthz", "/livez", "/readyz", "/version"];

impl Detection for AnonymousAllowed {
    fn meta(&self) -> &'static DetectionMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_, '_>, out: &mut Vec<Candidate>) {
        let event = cx.event;
        let anonymous = event.username() == "system:anonymous"
            || event
                .user
                .groups
                .iter()
                .any(|g| g == "system:unauthenticated");
        if !anonymous || !event.is_complete() {
            return;
        }
        let allowed = match event.decision().as_deref() {
            Some(decision) => decision == "allow" && event.code().is_none_or(|c| c < 400),
            None => event.code().is_some_and(|c| (200..400).contains(&c)),
        };
        let uri = event.request_uri.as_deref().unwrap_or("");
        let path = uri.split('?').next().unwrap_or("");
        let health = HEALTH.iter().any(|h| {
            path == *h
                || path
                    .strip_prefix(h)
                    .is_some_and(|rest| rest.starts_with('/'))
        });
        if !allowed || health {
            return;
        }
        let summary = format!("anonymous request allowed: {} {uri}", event.verb());
        out.push(Candidate::signal(Signal::of(&Self::META, event, summary)));
    }
}
