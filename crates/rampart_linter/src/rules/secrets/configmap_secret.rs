use rampart_macros::RuleMetadata;
use serde_json::Value;

use super::{is_not_a_secret_value, is_placeholder_for, preview, secret_in_value, secret_name};
use crate::pss::pod::escape_pointer_token;
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports ConfigMap `data` entries that hold a secret, with the matchers of
/// [`secret-in-env-literal`](SE001.md): a key whose name says it is a secret
/// (`DB_PASSWORD`, `api-key`, `clientSecret`) with a value that is not
/// empty, a boolean, a number, a path or a reference; or a value, such as
/// a whole configuration file, that contains a well-known credential: AWS
/// access key ID, PEM private key, GitHub or Slack token, signed JWT,
/// password in a URL or connection string. A multi-line value is a file
/// (a script, a configuration): only its content is searched, whatever its
/// key (`get-token.sh`). `binaryData` is not read.
///
/// ## Why is this bad?
/// ConfigMaps are not meant for confidential data: they are not encrypted
/// at rest even when Secret encryption is configured, RBAC grants read
/// access to them broadly (the built-in `view` role reads ConfigMaps but
/// not Secrets), and their content is printed by `kubectl describe` and
/// kept in plain text in Git, Helm releases and backups.
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: ConfigMap
/// metadata:
///   name: api-config
/// data:
///   LOG_LEVEL: info
///   DATABASE_URL: postgres://api:Pa55w0rd@db:5432/api
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: v1
/// kind: ConfigMap
/// metadata:
///   name: api-config
/// data:
///   LOG_LEVEL: info
///   DATABASE_HOST: db
///   DATABASE_PASSWORD_FILE: /run/secrets/db/password
/// ```
///
/// ## Fix
/// Move the value into a Secret and reference or mount that Secret instead of the ConfigMap entry.
/// Then rotate the secret: it has been exposed.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10: no control covers ConfigMaps; 5.4.1
///   and 5.4.2 cover how Secrets are consumed and stored
/// - MITRE ATT&CK: [T1552.001 Unsecured Credentials: Credentials In Files](https://attack.mitre.org/techniques/T1552/001/)
/// - Kubernetes: [ConfigMaps](https://kubernetes.io/docs/concepts/configuration/configmap/)
///   ("ConfigMap does not provide secrecy or encryption"),
///   [Good practices for Kubernetes Secrets](https://kubernetes.io/docs/concepts/security/secrets-good-practices/)
#[derive(RuleMetadata)]
#[rule(
    code = "SE003",
    name = "secret-data-in-configmap",
    severity = "medium",
    mitre = "T1552.001",
    nsa = "secrets"
)]
pub struct SecretDataInConfigMap;

impl ObjectRule for SecretDataInConfigMap {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        if cx.kind() != "ConfigMap" {
            return;
        }
        let Some(data) = cx.value().get("data").and_then(Value::as_object) else {
            return;
        };
        for (key, value) in data {
            let Some(value) = value.as_str() else {
                continue;
            };
            let message = if let Some(found) = secret_in_value(value) {
                format!(
                    "ConfigMap key \"{key}\" contains {} (\"{}\")",
                    found.what,
                    preview(found.text)
                )
            } else if secret_name(key)
                && !value.contains('\n')
                && !is_not_a_secret_value(value)
                && !is_placeholder_for(key, value)
            {
                format!(
                    "ConfigMap key \"{key}\" holds a secret (\"{}\")",
                    preview(value.trim())
                )
            } else {
                continue;
            };
            out.push(Violation::new(
                format!("/data/{}", escape_pointer_token(key)),
                message,
            ));
        }
    }
}
