use super::{Candidate, Context, Detection, object_phrase};
use crate::event::query_values;
use crate::meta::DetectionMeta;
use crate::signal::Signal;
use rampart_diagnostics::Severity;
use serde_json::Value;

crate::detection! {
    /// ## What it does
    /// Reports a `kubectl exec` or `kubectl attach` into a pod: one signal per
    /// request (audit ID), with the command taken from the request URI (or,
    /// when the URI has none, from the request object, `PodExecOptions`).
    ///
    /// ## Why is this bad?
    /// An interactive shell in a running container is how attackers (and
    /// people in a hurry) read mounted secrets, steal the service-account
    /// token (`cat /var/run/secrets/kubernetes.io/serviceaccount/token`) and
    /// move on. In production it should be rare and attributable.
    ///
    /// A command that touches the mounted service-account credentials
    /// (anything under `/run/secrets/` or `/var/run/secrets/`, where the
    /// Kubernetes, EKS and Azure workload tokens live) or other credentials
    /// (`/etc/shadow`, kubeconfigs, cloud credentials, the metadata
    /// service) is reported as critical; any other command as high.
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
        let mut command: Vec<String> = query_values(uri, "command").collect();
        let mut container = query_values(uri, "container").next().unwrap_or_default();
        // Without the query (a trimmed URI), the options the request carried.
        if (command.is_empty() || container.is_empty())
            && let Some(options) = cx.request()
        {
            if command.is_empty() {
                command = match options.get("command") {
                    Some(Value::Array(parts)) => parts
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect(),
                    Some(Value::String(part)) => vec![part.clone()],
                    _ => Vec::new(),
                };
            }
            if container.is_empty() {
                container = options
                    .get("container")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
            }
        }
        let command = command.join(" ");
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
    const CREDENTIALS: [&str; 6] = [
        "run/secrets/",
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
