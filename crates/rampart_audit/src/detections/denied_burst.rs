use super::{Candidate, Context, Detection, Window};
use crate::meta::DetectionMeta;
use crate::signal::Signal;

crate::detection! {
    /// ## What it does
    /// Reports one identity (or, for anonymous requests, one source IP)
    /// answered 401 or 403 ten times or more, on at least five distinct
    /// endpoints (verb and resource), within five minutes.
    ///
    /// ## Why is this bad?
    /// Stolen credentials are tried against the API to learn what they can
    /// do; the trail is a burst of denials across many resources.
    ///
    /// ## ATT&CK
    /// T1613 Container and Resource Discovery; T1110 Brute Force.
    ///
    /// ## Known false positives
    /// A misconfigured controller retrying a forbidden call hits one
    /// endpoint only (so it does not count as five); expired credentials of
    /// a dashboard polling many resources.
    pub DeniedBurst {
        code: "KA011",
        name: "denied-request-burst",
        severity: Medium,
        mitre: ["T1613", "T1110"],
        derived_from: ("Sigma: Kubernetes Unauthorized or Unauthenticated Access", "kelnage"),
    }
}

impl Detection for DeniedBurst {
    fn meta(&self) -> &'static DetectionMeta {
        &Self::META
    }

    fn window(&self) -> Option<Window> {
        Some(Window {
            count: 10,
            distinct: 5,
            seconds: 5 * 60,
        })
    }

    fn check(&self, cx: &Context<'_, '_>, out: &mut Vec<Candidate>) {
        let event = cx.event;
        if !matches!(event.code(), Some(401 | 403)) || !event.is_complete() {
            return;
        }
        let group = match event.username() {
            "" | "system:anonymous" => format!(
                "ip:{}",
                event.source_ips.last().map(|ip| ip.as_ref()).unwrap_or("?")
            ),
            user => user.to_owned(),
        };
        let endpoint = match event.resource() {
            "" => format!(
                "{} {}",
                event.verb(),
                event
                    .request_uri
                    .as_deref()
                    .unwrap_or("")
                    .split('?')
                    .next()
                    .unwrap_or("")
            ),
            resource => format!("{} {resource}/{}", event.verb(), event.subresource()),
        };
        let summary =
            format!("{group} was denied 10 or more times on 5 or more endpoints within 5 minutes");
        out.push(Candidate::Observation {
            group,
            distinct: endpoint,
            signal: Box::new(Signal::of(&Self::META, event, summary)),
        });
    }
}
