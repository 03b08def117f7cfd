use rampart_macros::RuleMetadata;

use super::{lower, role_rules, through};
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports each entry of a Role's or ClusterRole's `rules` that allows
/// `create` (or `*`) on `serviceaccounts/token` in the core API group (also
/// through `*` or `*/token`).
///
/// ## Why is this bad?
/// The TokenRequest API mints a fresh, valid token for a service account:
/// whoever can call it acts as that service account, with all its
/// permissions, for as long as the token lives, without running any pod.
/// Unlike reading a legacy token Secret, nothing needs to exist beforehand,
/// and a minted token is not revoked by deleting a pod.
///
/// The kubelet mints pod tokens through its own node authorization, so
/// workloads do not need this permission. Identity brokers and CI systems
/// that hand out short-lived tokens do: limit them to the service accounts
/// they serve with `resourceNames`, which lowers the severity to medium.
///
/// ## Example
/// ```yaml
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: Role
/// metadata:
///   name: token-broker
///   namespace: ci
/// rules:
/// - apiGroups: [""]
///   resources: ["serviceaccounts", "serviceaccounts/token"]
///   verbs: ["get", "create"]
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: Role
/// metadata:
///   name: token-broker
///   namespace: ci
/// rules:
/// - apiGroups: [""]
///   resources: ["serviceaccounts"]
///   verbs: ["get"]
/// ```
///
/// ## Fix
/// Remove `serviceaccounts/token` from the rule, or limit it with `resourceNames` to the service accounts whose tokens the holder must mint.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.1.13: minimize access to the service account token creation
/// - MITRE ATT&CK: [T1528 Steal Application Access Token](https://attack.mitre.org/techniques/T1528/)
/// - [TokenRequest API](https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/token-request-v1/)
#[derive(RuleMetadata)]
#[rule(
    code = "RB007",
    name = "rbac-token-create",
    severity = "high",
    cis = "5.1.13",
    mitre = "T1528",
    nsa = "authorization, service-account-tokens"
)]
pub struct RbacTokenCreate;

impl ObjectRule for RbacTokenCreate {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        let Some((scope, rules)) = role_rules(cx) else {
            return;
        };
        for rule in &rules {
            let Some(grant) = rule.grants("", "serviceaccounts/token", "create") else {
                continue;
            };
            let via = [grant.resource.1, grant.verb.1]
                .iter()
                .map(|s| through(s))
                .find(|s| !s.is_empty())
                .unwrap_or_default();
            let mut message = format!(
                "{} allows `create` on serviceaccounts/token{via} {}: the holder can mint a token for any service account there and act as it",
                rule.label(),
                scope.reach()
            );
            let mut severity = None;
            if rule.restricted_by_name() {
                severity = Some(lower(Self::META.severity));
                message.push_str(&format!(" ({})", rule.names_note()));
            }
            out.push(Violation {
                severity,
                ..Violation::new(rule.pointer("resources", grant.resource.0), message)
            });
        }
    }
}
