use rampart_macros::RuleMetadata;
use serde_json::Value;

use super::{is_not_a_secret_value, is_placeholder_for, preview, secret_in_value, secret_name};
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports environment variables of a container (init, regular or
/// ephemeral) whose literal `value` is a hard-coded secret:
///
/// - by name: the variable's name contains `PASSWORD`, `PASSWD`, `SECRET`,
///   `TOKEN`, `CREDENTIALS`, `API_KEY`, `ACCESS_KEY`, `PRIVATE_KEY`, … as a
///   whole word (`DB_PASSWORD`, `githubToken`), or ends with `PASS`, `PWD`
///   or `AUTH` (`REDIS_AUTH`); names that end with a qualifier are about a
///   secret, not the secret itself (`PASSWORD_FILE`, `TOKEN_URL`,
///   `SECRET_NAME`, `TOKEN_TTL`), and `TOKENIZER_PATH` has no such word.
///   Empty values, booleans, numbers, absolute paths and references to other
///   variables (`$(DB_PASSWORD)`, which Kubernetes expands from another
///   entry, or `${…}`) are not secrets, and neither are stand-ins that say
///   so: the variable's own name (`GOOGLE_API_KEY_VAL` for
///   `GOOGLE_API_KEY`), `YOUR_…`, `REPLACE_ME`, `xxxx`. A default such as
///   `changeme` is reported: it is the password until someone changes it;
/// - by value, whatever the name: AWS access key IDs (`AKIA…`), PEM private
///   keys, GitHub and Slack tokens, signed JWTs, and passwords inside URLs
///   (`postgres://user:password@host`) or connection strings
///   (`…;Password=…;`).
///
/// The message shows at most the first four characters of the secret.
///
/// ## Why is this bad?
/// A literal in a manifest is readable by everyone who can read the
/// repository, the CI logs, the Helm release, or the object in the cluster
/// (`get` on Deployments or Pods is granted far more widely than `get` on
/// Secrets, and `kubectl describe pod` prints it). It cannot be rotated
/// without a redeploy and is copied into every backup of etcd and of the
/// Git history.
///
/// ## Example
/// ```yaml
/// apiVersion: apps/v1
/// kind: Deployment
/// metadata:
///   name: api
/// spec:
///   selector: {matchLabels: {app: api}}
///   template:
///     metadata:
///       labels: {app: api}
///     spec:
///       containers:
///       - name: api
///         image: registry.example.com/api:1.4.0
///         env:
///         - name: DB_PASSWORD
///           value: hunter2
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: apps/v1
/// kind: Deployment
/// metadata:
///   name: api
/// spec:
///   selector: {matchLabels: {app: api}}
///   template:
///     metadata:
///       labels: {app: api}
///     spec:
///       containers:
///       - name: api
///         image: registry.example.com/api:1.4.0
///         env:
///         - name: DB_PASSWORD_FILE
///           value: /run/secrets/db/password
///         volumeMounts:
///         - name: db
///           mountPath: /run/secrets/db
///           readOnly: true
///       volumes:
///       - name: db
///         secret:
///           secretName: api-db
/// ```
///
/// ## Fix
/// Move the value into a Secret (created outside the manifest, e.g. by External Secrets or Sealed Secrets) and mount it as a file, or reference it with `valueFrom.secretKeyRef`.
/// Then rotate the secret: it has been exposed.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.4.1: prefer using Secrets as files over Secrets as environment variables
/// - MITRE ATT&CK: [T1552.001 Unsecured Credentials: Credentials In Files](https://attack.mitre.org/techniques/T1552/001/)
/// - Kubernetes: [Good practices for Kubernetes Secrets](https://kubernetes.io/docs/concepts/security/secrets-good-practices/)
#[derive(RuleMetadata)]
#[rule(
    code = "SE001",
    name = "secret-in-env-literal",
    severity = "high",
    cis = "5.4.1",
    mitre = "T1552.001",
    nsa = "secrets"
)]
pub struct SecretInEnvLiteral;

impl ObjectRule for SecretInEnvLiteral {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        let Some(pod) = &cx.pod else { return };
        for container in &pod.containers {
            let env = container.value.get("env").and_then(Value::as_array);
            for (index, entry) in env.into_iter().flatten().enumerate() {
                let Some(value) = entry.get("value").and_then(Value::as_str) else {
                    continue;
                };
                let name = entry.get("name").and_then(Value::as_str).unwrap_or("");
                let message = if let Some(found) = secret_in_value(value) {
                    format!(
                        "{} sets environment variable {name} to a literal containing {} (\"{}\")",
                        container.label(),
                        found.what,
                        preview(found.text)
                    )
                } else if secret_name(name)
                    && !is_not_a_secret_value(value)
                    && !is_placeholder_for(name, value)
                {
                    format!(
                        "{} sets environment variable {name} to a literal secret (\"{}\")",
                        container.label(),
                        preview(value.trim())
                    )
                } else {
                    continue;
                };
                out.push(
                    Violation::new(
                        pod.container_pointer(container, &format!("/env/{index}/value")),
                        message,
                    )
                    .in_container(container),
                );
            }
        }
    }
}
