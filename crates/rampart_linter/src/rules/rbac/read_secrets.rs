use rampart_macros::RuleMetadata;

use super::{lower, quoted, role_rules, through};
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports each entry of a Role's or ClusterRole's `rules` that allows
/// `get`, `list` or `watch` (or `*`) on `secrets` (or `*` resources) in the
/// core API group `""` (or `*`).
///
/// ## Why is this bad?
/// Reading a Secret reveals its data: database passwords, TLS keys, registry
/// credentials and the tokens of other service accounts, which then give
/// their permissions. `list` and `watch` are not "metadata only": they return
/// every Secret of the namespace with its data (and, through a
/// ClusterRoleBinding, of every namespace). `get` needs the name, which is
/// rarely secret.
///
/// A `resourceNames` restriction limits the entry to the named Secrets (the
/// API server then only allows `list`/`watch` with a `metadata.name` field
/// selector), so such entries are reported at medium severity: the named
/// Secrets are still readable. Controllers that manage Secrets (cert-manager,
/// external-secrets, ingress controllers reading TLS certificates) need this
/// access; scope it to their namespace or to named Secrets where possible.
///
/// ## Example
/// ```yaml
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: Role
/// metadata:
///   name: config-reader
///   namespace: app
/// rules:
/// - apiGroups: [""]
///   resources: ["configmaps", "secrets"]
///   verbs: ["get", "list", "watch"]
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: Role
/// metadata:
///   name: config-reader
///   namespace: app
/// rules:
/// - apiGroups: [""]
///   resources: ["configmaps"]
///   verbs: ["get", "list", "watch"]
/// ```
///
/// ## Fix
/// Remove `secrets` from the rule, or limit it to `get` on the named Secrets the workload needs with `resourceNames`. Mount a Secret as a volume instead of reading it through the API where possible.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.1.2: minimize access to secrets
/// - MITRE ATT&CK: [T1552.007 Unsecured Credentials: Container API](https://attack.mitre.org/techniques/T1552/007/)
/// - [RBAC good practices: listing secrets](https://kubernetes.io/docs/concepts/security/rbac-good-practices/#listing-secrets)
#[derive(RuleMetadata)]
#[rule(
    code = "RB002",
    name = "rbac-read-secrets",
    severity = "high",
    cis = "5.1.2",
    mitre = "T1552.007",
    nsa = "authorization, secrets"
)]
pub struct RbacReadSecrets;

impl ObjectRule for RbacReadSecrets {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        let Some((scope, rules)) = role_rules(cx) else {
            return;
        };
        for rule in &rules {
            let grants: Vec<_> = ["get", "list", "watch"]
                .into_iter()
                .filter_map(|verb| rule.grants("", "secrets", verb).map(|g| (verb, g)))
                .collect();
            let Some((_, first)) = grants.first() else {
                continue;
            };
            let verbs: Vec<&str> = grants.iter().map(|(verb, _)| *verb).collect();
            let via = [first.resource.1, first.verb.1]
                .iter()
                .map(|s| through(s))
                .find(|s| !s.is_empty())
                .unwrap_or_default();
            let bulk: Vec<&str> = verbs.iter().copied().filter(|v| *v != "get").collect();
            let (detail, severity) = if rule.restricted_by_name() {
                (
                    format!(
                        "the data of those Secrets is readable ({})",
                        rule.names_note()
                    ),
                    Some(lower(Self::META.severity)),
                )
            } else if !bulk.is_empty() {
                (
                    format!(
                        "{} {} every Secret with its data",
                        quoted(&bulk),
                        if bulk.len() > 1 { "return" } else { "returns" }
                    ),
                    None,
                )
            } else {
                (
                    "any Secret whose name is known can be read".to_string(),
                    None,
                )
            };
            out.push(Violation {
                severity,
                ..Violation::new(
                    rule.pointer("resources", first.resource.0),
                    format!(
                        "{} allows {} on Secrets{via} {}: {detail}",
                        rule.label(),
                        quoted(&verbs),
                        scope.reach()
                    ),
                )
            });
        }
    }
}
