use rampart_diagnostics::Severity;
use rampart_macros::RuleMetadata;

use super::{is_builtin_binding, is_rbac_kind, role_ref, subjects};
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports ClusterRoleBindings and RoleBindings whose `roleRef` is the
/// ClusterRole `cluster-admin`. The cluster's own bootstrap bindings (named
/// `system:…` or labelled `kubernetes.io/bootstrapping: rbac-defaults`, such
/// as the built-in `cluster-admin` binding of `system:masters`) are reported
/// at info severity.
///
/// ## Why is this bad?
/// `cluster-admin` allows every verb on every resource: its subjects can read
/// every Secret, run anything on any node and grant themselves anything. A
/// compromised pod whose service account is bound to it owns the cluster. In
/// a RoleBinding it is limited to the binding's namespace, but there it still
/// includes Secrets, exec, Roles and bindings; the built-in `admin` or `edit`
/// ClusterRoles are meant for that.
///
/// Installers (Helm's old Tiller, some operators' quick starts) ask for
/// `cluster-admin` for convenience; few need it.
///
/// ## Example
/// ```yaml
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: ClusterRoleBinding
/// metadata:
///   name: ci-deployer
/// roleRef:
///   apiGroup: rbac.authorization.k8s.io
///   kind: ClusterRole
///   name: cluster-admin
/// subjects:
/// - kind: ServiceAccount
///   name: deployer
///   namespace: ci
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: RoleBinding
/// metadata:
///   name: ci-deployer
///   namespace: app
/// roleRef:
///   apiGroup: rbac.authorization.k8s.io
///   kind: ClusterRole
///   name: edit
/// subjects:
/// - kind: ServiceAccount
///   name: deployer
///   namespace: ci
/// ```
///
/// ## Fix
/// Bind a role that grants only what the subjects use, in the namespaces they work in (the built-in `edit` or `admin` ClusterRoles through a RoleBinding, or a dedicated Role).
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.1.1: ensure that the cluster-admin role is only used where required
/// - MITRE ATT&CK: [T1078 Valid Accounts](https://attack.mitre.org/techniques/T1078/)
/// - [User-facing roles](https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles)
#[derive(RuleMetadata)]
#[rule(
    code = "RB008",
    name = "cluster-admin-binding",
    severity = "high",
    cis = "5.1.1",
    mitre = "T1078",
    nsa = "authorization"
)]
pub struct ClusterAdminBinding;

impl ObjectRule for ClusterAdminBinding {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        if !is_rbac_kind(cx, &["ClusterRoleBinding", "RoleBinding"]) {
            return;
        }
        if role_ref(cx) != Some(("ClusterRole", "cluster-admin")) {
            return;
        }
        let subjects: Vec<String> = subjects(cx).iter().map(|s| s.describe()).collect();
        let to = if subjects.is_empty() {
            "no subject yet".to_string()
        } else {
            subjects.join(", ")
        };
        let scope = if cx.kind() == "RoleBinding" {
            format!(
                "full control of namespace {}",
                cx.object.namespace.unwrap_or("default")
            )
        } else {
            "full control of the cluster".to_string()
        };
        let builtin = is_builtin_binding(cx);
        let mut message = format!("{} grants cluster-admin ({scope}) to {to}", cx.kind());
        if builtin {
            message.push_str("; it is one of the cluster's bootstrap bindings");
        }
        out.push(Violation {
            severity: builtin.then_some(Severity::Info),
            ..Violation::new("/roleRef/name", message)
        });
    }
}
