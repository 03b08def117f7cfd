use rampart_diagnostics::Severity;
use rampart_macros::RuleMetadata;
use serde_json::Value;

use super::is_kind;
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reads an `EncryptionConfiguration` (`apiserver.config.k8s.io/v1`, the file
/// passed to `--encryption-provider-config`) and reports how Secrets are
/// written: the first entry of `resources` that covers `secrets` (by name,
/// or through `*.` or `*.*`) and its FIRST provider, the one used to
/// encrypt new writes. `identity` first (Secrets written unencrypted) is
/// high; `aescbc` or `aesgcm` first is low; a configuration that covers no
/// Secrets at all is high.
///
/// ## Why is this bad?
/// Providers after the first only decrypt what older configurations wrote,
/// so a configuration that lists `aescbc` after `identity` stores every new
/// Secret in clear. That order is right only for the short migration that
/// turns encryption off. Kubernetes' documentation advises against `aescbc`
/// (CBC is open to padding-oracle attacks) and `aesgcm` (its keys must be
/// rotated every 200,000 writes), and recommends a KMS v2 provider, or
/// `secretbox`, whose keys at least stay out of reach of etcd readers.
///
/// Entries for other resources are not judged: `identity` first for
/// `events`, ahead of a `*.*` entry, is the documented way to leave events
/// unencrypted.
///
/// ## Example
/// ```yaml
/// apiVersion: apiserver.config.k8s.io/v1
/// kind: EncryptionConfiguration
/// resources:
/// - resources: ["secrets"]
///   providers:
///   - identity: {}
///   - aescbc:
///       keys:
///       - name: key1
///         secret: c2VjcmV0IGlzIHNlY3VyZSwgb3IgaXMgaXQ/Cg==
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: apiserver.config.k8s.io/v1
/// kind: EncryptionConfiguration
/// resources:
/// - resources: ["secrets"]
///   providers:
///   - kms:
///       apiVersion: v2
///       name: vault
///       endpoint: unix:///var/run/kms/socket.sock
///   - identity: {}
/// ```
///
/// ## Fix
/// Put a KMS v2 provider (or `secretbox`) first in the entry that covers `secrets`, keep the old providers after it to read existing data, and rewrite all Secrets so they are encrypted with the new provider.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 1.2.28: ensure that encryption providers are appropriately configured
/// - MITRE ATT&CK: [T1552 Unsecured Credentials](https://attack.mitre.org/techniques/T1552/)
/// - [Encrypting confidential data at rest: providers](https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/#providers)
#[derive(RuleMetadata)]
#[rule(
    code = "CP007",
    name = "encryption-config-weak",
    severity = "high",
    cis = "1.2.28",
    mitre = "T1552",
    nsa = "encryption"
)]
pub struct EncryptionConfigWeak;

/// Names of an entry's `resources` that cover Secrets.
fn covers_secrets(name: &str) -> bool {
    matches!(name, "secrets" | "*." | "*.*")
}

impl ObjectRule for EncryptionConfigWeak {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        if !is_kind(cx, "apiserver.config.k8s.io", "EncryptionConfiguration") {
            return;
        }
        let entries = cx.value().get("resources").and_then(Value::as_array);
        let found = entries
            .into_iter()
            .flatten()
            .enumerate()
            .find(|(_, entry)| {
                entry
                    .get("resources")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .any(covers_secrets)
            });
        let Some((index, entry)) = found else {
            out.push(Violation::new(
                "/resources",
                "no entry of `resources` covers secrets (by name, `*.` or `*.*`): Secrets are written unencrypted",
            ));
            return;
        };
        let Some(first) = entry
            .get("providers")
            .and_then(Value::as_array)
            .and_then(|p| p.first())
            .and_then(Value::as_object)
        else {
            return;
        };
        let Some(provider) = ["identity", "aescbc", "aesgcm"]
            .into_iter()
            .find(|p| first.contains_key(*p))
        else {
            return;
        };
        let (why, severity) = match provider {
            "identity" => (
                "new Secrets are written unencrypted; the providers after it only read older data",
                None,
            ),
            "aescbc" => (
                "aescbc is open to padding-oracle attacks and its key sits in the file next to the API server; prefer KMS v2 or secretbox",
                Some(Severity::Low),
            ),
            _ => (
                "aesgcm keys must be rotated every 200,000 writes and sit in the file next to the API server; prefer KMS v2 or secretbox",
                Some(Severity::Low),
            ),
        };
        out.push(Violation {
            severity,
            ..Violation::new(
                format!("/resources/{index}/providers/0/{provider}"),
                format!("the first provider for secrets is {provider}: {why}"),
            )
        });
    }
}
