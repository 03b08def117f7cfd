use serde_json::Value;

use super::{Candidate, Context, Detection, is_control_plane};
use crate::meta::DetectionMeta;
use crate::signal::Signal;

crate::detection! {
    /// ## What it does
    /// Reports a service-account token minted by an identity that does not
    /// normally mint them: a `create` on `serviceaccounts/token` (the
    /// TokenRequest API, `kubectl create token`) or a Secret of type
    /// `kubernetes.io/service-account-token` created by anyone but the
    /// control plane, nodes (kubelets mint tokens for their pods) and
    /// `kube-system` service accounts.
    ///
    /// ## Why is this bad?
    /// A minted token is a credential of that service account, valid for as
    /// long as requested, usable from anywhere: persistence that survives
    /// rotating the attacker's own access.
    ///
    /// ## ATT&CK
    /// T1528 Steal Application Access Token; T1098.001 Account
    /// Manipulation: Additional Cloud Credentials.
    ///
    /// ## Known false positives
    /// CI systems and operators that mint short-lived tokens for deploys.
    pub TokenMinted {
        code: "KA010",
        name: "service-account-token-minted",
        severity: Medium,
        mitre: ["T1528", "T1098.001"],
    }
}

impl Detection for TokenMinted {
    fn meta(&self) -> &'static DetectionMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_, '_>, out: &mut Vec<Candidate>) {
        let event = cx.event;
        if event.verb() != "create"
            || is_control_plane(event.username())
            || !event.is_complete()
            || !event.succeeded()
        {
            return;
        }
        let target = if event.resource() == "serviceaccounts" && event.subresource() == "token" {
            format!("service account {}/{}", event.namespace(), event.name())
        } else if event.resource() == "secrets"
            && event.subresource().is_empty()
            && cx
                .request()
                .and_then(|o| o.get("type"))
                .and_then(Value::as_str)
                == Some("kubernetes.io/service-account-token")
        {
            let account = cx
                .request()
                .and_then(|o| {
                    o.pointer("/metadata/annotations/kubernetes.io~1service-account.name")
                })
                .and_then(Value::as_str)
                .unwrap_or("?");
            format!(
                "service account {}/{account} (token secret)",
                event.namespace()
            )
        } else {
            return;
        };
        let summary = format!("{} minted a token for {target}", event.username());
        out.push(Candidate::signal(Signal::of(&Self::META, event, summary)));
    }
}
