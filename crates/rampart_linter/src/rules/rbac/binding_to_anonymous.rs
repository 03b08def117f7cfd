use rampart_macros::RuleMetadata;

use super::{is_builtin_binding, is_rbac_kind, role_ref, subjects};
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports RoleBinding and ClusterRoleBinding subjects that stand for
/// everyone: the user `system:anonymous`, the group `system:unauthenticated`
/// (every request without credentials) and the group `system:authenticated`
/// (every request with valid credentials, including every service account
/// token of every pod).
///
/// ## Why is this bad?
/// With anonymous authentication on (the API server's default), a binding to
/// `system:anonymous` or `system:unauthenticated` gives its role to anyone
/// who can reach the API server, on the internet if it is exposed. A binding
/// to `system:authenticated` gives it to every identity the cluster accepts:
/// any compromised pod, and on some managed platforms any account of the
/// cloud provider.
///
/// Bindings to the ClusterRoles the cluster already grants to everyone
/// (`system:discovery`, `system:basic-user`, `system:public-info-viewer`)
/// are not reported, nor are the cluster's own bootstrap bindings (named
/// `system:…` or labelled `kubernetes.io/bootstrapping: rbac-defaults`).
/// Only a `User` subject can be `system:anonymous` and only `Group` subjects
/// the two groups: a `User` named `system:authenticated` matches nobody.
///
/// ## Example
/// ```yaml
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: ClusterRoleBinding
/// metadata:
///   name: dashboard-viewers
/// roleRef:
///   apiGroup: rbac.authorization.k8s.io
///   kind: ClusterRole
///   name: view
/// subjects:
/// - apiGroup: rbac.authorization.k8s.io
///   kind: Group
///   name: system:unauthenticated
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: ClusterRoleBinding
/// metadata:
///   name: dashboard-viewers
/// roleRef:
///   apiGroup: rbac.authorization.k8s.io
///   kind: ClusterRole
///   name: view
/// subjects:
/// - apiGroup: rbac.authorization.k8s.io
///   kind: Group
///   name: dashboard-users
/// ```
///
/// ## Fix
/// Bind the role to the users, groups or service accounts that need it instead of `system:anonymous`, `system:unauthenticated` or `system:authenticated`.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 1.2.1: ensure that the `--anonymous-auth` argument is set to false. No 5.1 recommendation names these subjects; 1.2.1 is about the same exposure (anonymous requests reaching RBAC), and a binding to them makes that exposure a grant. 5.1.7 (avoid `system:masters`) is about a group that bypasses RBAC, not this.
/// - MITRE ATT&CK: [T1078 Valid Accounts](https://attack.mitre.org/techniques/T1078/)
/// - [Anonymous requests](https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests)
#[derive(RuleMetadata)]
#[rule(
    code = "RB009",
    name = "binding-to-anonymous",
    severity = "critical",
    cis = "1.2.1",
    mitre = "T1078",
    nsa = "authorization"
)]
pub struct BindingToAnonymous;

/// ClusterRoles every cluster grants to everyone by default.
const PUBLIC_ROLES: &[&str] = &[
    "system:discovery",
    "system:basic-user",
    "system:public-info-viewer",
];

impl ObjectRule for BindingToAnonymous {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        if !is_rbac_kind(cx, &["ClusterRoleBinding", "RoleBinding"]) || is_builtin_binding(cx) {
            return;
        }
        let Some((role_kind, role_name)) = role_ref(cx) else {
            return;
        };
        if role_kind == "ClusterRole" && PUBLIC_ROLES.contains(&role_name) {
            return;
        }
        for subject in subjects(cx) {
            let who = match (subject.kind, subject.name) {
                ("User", "system:anonymous") => "every anonymous request",
                ("Group", "system:unauthenticated") => "every request without credentials",
                ("Group", "system:authenticated") => {
                    "every authenticated identity, including every pod's service account"
                }
                _ => continue,
            };
            out.push(Violation::new(
                format!("/subjects/{}/name", subject.index),
                format!(
                    "{} gives {role_kind} {role_name} to {} {}: {who}",
                    cx.kind(),
                    subject.kind,
                    subject.name
                ),
            ));
        }
    }
}
