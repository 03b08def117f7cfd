use super::{Candidate, Context, Detection, object_phrase};
use crate::event::query_values;
use crate::meta::DetectionMeta;
use crate::signal::Signal;
use rampart_diagnostics::Severity;

crate::detection! {
    /// ## What it does
    /// Reports a `kubectl exec` or `kubectl attach` into a pod: one signal per
    /// request (audit ID), with the command taken from the request URI.
    ///
    /// ## Why is this bad?
    /// An interactive shell in a running container is how attackers (and
    /// people in a hurry) read mounted secrets, steal the service-account
    /// token (`cat /var/run/secrets/kubernetes.io/serviceaccount/token`) and
    /// move on. In production it should be rare and attributable.
    ///
    /// A command that reads a service-account token or other credentials is
    /// reported as critical; a shell as high.
    ///
    /// ## ATT&CK
    /// T1609 Container Administration Command.
    ///
    /// ## Known false positives
    /// Operators debugging; CI jobs that run commands in pods. Exec streams
    /// log `ResponseStarted` and `ResponseComplete` with one audit ID: one
    /// signal for both.
    pub PodExec {
        code: "KA001",
        name: "pod-exec",
        severity: High,
        mitre: ["T1609"],
        derived_from: ("Sigma: Potential Remote Command Execution In Pod Container", "Leo Tsaousis (@laripping)"),
    }
}

impl Detection for PodExec {
    fn meta(&self) -> &'static DetectionMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_, '_>, out: &mut Vec<Candidate>) {
        let event = cx.event;
        if event.resource() != "pods"
            || !matches!(event.subresource(), "exec" | "attach")
            || !matches!(event.verb(), "create" | "get")
            || event.stage() == "RequestReceived"
            || !event.succeeded()
        {
            return;
        }
        let uri = event.request_uri.as_deref().unwrap_or("");
        let command: Vec<String> = query_values(uri, "command").collect();
        let command = command.join(" ");
        let container = query_values(uri, "container").next().unwrap_or_default();
        let action = if event.subresource() == "attach" {
            "attached to".to_owned()
        } else if command.is_empty() {
            "ran a command in".to_owned()
        } else {
            format!("ran `{command}` in")
        };
        let target = object_phrase(event).replacen("pods ", "pod ", 1);
        let summary = if container.is_empty() {
            format!("{} {action} {target}", event.username())
        } else {
            format!(
                "{} {action} {target} (container {container})",
                event.username()
            )
        };
        let mut signal = Signal::of(&Self::META, event, summary);
        signal.severity = severity_of(&command);
        out.push(Candidate::signal(signal));
    }
}

/// Critical for credential reads, high otherwise.
fn severity_of(command: &str) -> Severity {
    const CREDENTIALS: [&str; 5] = [
        "serviceaccount/token",
        "/etc/shadow",
        ".kube/config",
        "aws/credentials",
        "169.254.169.254",
    ];
    if CREDENTIALS.iter().any(|c| command.contains(c)) {
        Severity::Critical
    } else {
        Severity::High
    }
}
