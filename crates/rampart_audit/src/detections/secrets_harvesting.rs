use super::{Candidate, Context, Detection, Window, is_control_plane};
use crate::meta::DetectionMeta;
use crate::signal::Signal;

crate::detection! {
    /// ## What it does
    /// Reports secrets harvesting: a cluster-wide `list` or `watch` of
    /// secrets (no namespace), or one identity reading 15 or more distinct
    /// secrets within 30 minutes. Control-plane components, nodes and
    /// `kube-system` service accounts are not counted.
    ///
    /// ## Why is this bad?
    /// Secrets hold service-account tokens, registry credentials, TLS keys
    /// and cloud keys. Dumping them all is the first thing a stolen
    /// privileged token is used for.
    ///
    /// ## ATT&CK
    /// T1552.007 Unsecured Credentials: Container API; T1528 Steal
    /// Application Access Token.
    ///
    /// ## Known false positives
    /// Backup tools (Velero), secret syncers (external-secrets, sealed
    /// secrets) and GitOps controllers that watch every secret.
    pub SecretsHarvesting {
        code: "KA009",
        name: "secrets-harvesting",
        severity: High,
        mitre: ["T1552.007", "T1528"],
    }
}

impl Detection for SecretsHarvesting {
    fn meta(&self) -> &'static DetectionMeta {
        &Self::META
    }

    fn window(&self) -> Option<Window> {
        Some(Window {
            count: 15,
            distinct: 15,
            seconds: 30 * 60,
        })
    }

    fn check(&self, cx: &Context<'_, '_>, out: &mut Vec<Candidate>) {
        let event = cx.event;
        if event.resource() != "secrets"
            || !event.subresource().is_empty()
            || is_control_plane(event.username())
            || event.stage() == "RequestReceived"
            || !event.succeeded()
        {
            return;
        }
        let user = event.username();
        match event.verb() {
            "list" | "watch" if event.namespace().is_empty() => {
                let summary = format!("{user} {} secrets in every namespace", event.verb());
                out.push(Candidate::Signal {
                    signal: Box::new(Signal::of(&Self::META, event, summary)),
                    quiet_key: Some(format!("all:{user}")),
                });
            }
            "get" if event.is_complete() && !event.name().is_empty() => {
                let summary = format!("{user} read 15 or more distinct secrets within 30 minutes");
                out.push(Candidate::Observation {
                    group: user.to_owned(),
                    distinct: format!("{}/{}", event.namespace(), event.name()),
                    signal: Box::new(Signal::of(&Self::META, event, summary)),
                });
            }
            _ => {}
        }
    }
}
