use rampart_macros::RuleMetadata;
use serde_json::Value;

use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports containers (init, regular or ephemeral) that receive a Secret
/// through environment variables: an `env` entry with
/// `valueFrom.secretKeyRef`, or an `envFrom` entry with `secretRef` (every
/// key of the Secret becomes a variable).
///
/// ## Why is this bad?
/// Environment variables leak more easily than files: any process in the
/// container (and, with `hostPID` or `ptrace`, on the node) can read them
/// from `/proc/<pid>/environ`; they are inherited by every child process,
/// printed by crash handlers, debug endpoints and `env` in support bundles,
/// and cannot be updated without restarting the pod. A Secret mounted as a
/// file can be restricted by file mode, is updated in place when the Secret
/// changes, and is only read by code that opens it.
///
/// Many images only accept configuration through environment variables
/// (some agents read `DD_API_KEY` or `*_TOKEN` this way): prefer their
/// `*_FILE` variants where they exist, and otherwise accept the finding
/// (this rule's severity is low for that reason).
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: api
/// spec:
///   containers:
///   - name: api
///     image: registry.example.com/api:1.4.0
///     env:
///     - name: DB_PASSWORD
///       valueFrom:
///         secretKeyRef:
///           name: api-db
///           key: password
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: api
/// spec:
///   containers:
///   - name: api
///     image: registry.example.com/api:1.4.0
///     env:
///     - name: DB_PASSWORD_FILE
///       value: /run/secrets/db/password
///     volumeMounts:
///     - name: db
///       mountPath: /run/secrets/db
///       readOnly: true
///   volumes:
///   - name: db
///     secret:
///       secretName: api-db
///       defaultMode: 0400
/// ```
///
/// ## Fix
/// Mount the Secret as a read-only volume and have the application read the file (many images accept a `*_FILE` variable for this).
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.4.1: prefer using Secrets as files over Secrets as environment variables
/// - MITRE ATT&CK: [T1552.001 Unsecured Credentials: Credentials In Files](https://attack.mitre.org/techniques/T1552/001/)
/// - Kubernetes: [Good practices for Kubernetes Secrets](https://kubernetes.io/docs/concepts/security/secrets-good-practices/),
///   [Using Secrets as files from a Pod](https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-files-from-a-pod)
#[derive(RuleMetadata)]
#[rule(
    code = "SE002",
    name = "secret-as-env-var",
    severity = "low",
    cis = "5.4.1",
    mitre = "T1552.001",
    opt_in = "true",
    nsa = "secrets"
)]
pub struct SecretAsEnvVar;

/// `"name"`, or `an unnamed Secret`.
fn secret_label(reference: &Value) -> String {
    match reference.get("name").and_then(Value::as_str) {
        Some(name) if !name.is_empty() => format!("Secret \"{name}\""),
        _ => "an unnamed Secret".to_string(),
    }
}

impl ObjectRule for SecretAsEnvVar {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        let Some(pod) = &cx.pod else { return };
        for container in &pod.containers {
            let env = container.value.get("env").and_then(Value::as_array);
            for (index, entry) in env.into_iter().flatten().enumerate() {
                let Some(reference) = entry
                    .pointer("/valueFrom/secretKeyRef")
                    .filter(|r| r.is_object())
                else {
                    continue;
                };
                let variable = entry.get("name").and_then(Value::as_str).unwrap_or("");
                let key = match reference.get("key").and_then(Value::as_str) {
                    Some(key) => format!("key \"{key}\" of "),
                    None => String::new(),
                };
                out.push(
                    Violation::new(
                        pod.container_pointer(
                            container,
                            &format!("/env/{index}/valueFrom/secretKeyRef"),
                        ),
                        format!(
                            "{} reads {key}{} into environment variable {variable}",
                            container.label(),
                            secret_label(reference)
                        ),
                    )
                    .in_container(container),
                );
            }
            let env_from = container.value.get("envFrom").and_then(Value::as_array);
            for (index, entry) in env_from.into_iter().flatten().enumerate() {
                let Some(reference) = entry.get("secretRef").filter(|r| r.is_object()) else {
                    continue;
                };
                let prefix = match entry.get("prefix").and_then(Value::as_str) {
                    Some(prefix) if !prefix.is_empty() => format!(" (prefixed {prefix})"),
                    _ => String::new(),
                };
                out.push(
                    Violation::new(
                        pod.container_pointer(container, &format!("/envFrom/{index}/secretRef")),
                        format!(
                            "{} loads every key of {} into environment variables{prefix}",
                            container.label(),
                            secret_label(reference)
                        ),
                    )
                    .in_container(container),
                );
            }
        }
    }
}
