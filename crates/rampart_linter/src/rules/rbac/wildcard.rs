use rampart_diagnostics::Severity;
use rampart_macros::RuleMetadata;

use super::{Scope, and_list, role_rules};
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports each entry of a Role's or ClusterRole's `rules` that uses `*` in
/// `verbs`, `resources` or `apiGroups` (or, in a ClusterRole, in
/// `nonResourceURLs`), with one finding per entry naming the lists that hold
/// the wildcard.
///
/// ## Why is this bad?
/// A wildcard grants more than its author read: `resources: ["*"]` includes
/// `secrets`, `pods/exec`, `nodes/proxy` and `serviceaccounts/token`, and
/// `verbs: ["*"]` includes `escalate`, `bind` and `impersonate`. Both also
/// cover every resource and verb added later, by new Kubernetes versions or
/// by CustomResourceDefinitions installed after the role was written.
///
/// The severity follows what is wildcarded. `*` in `resources` is high when
/// the entry reaches the core group (`""` or `*`, where Secrets, exec and
/// tokens live) and medium otherwise; with `*` in `verbs` too it is one level
/// higher (critical: everything in the scope, as `cluster-admin`). `*` in
/// `verbs` alone, on named resources, is medium (an operator often owns its
/// own custom resources this way); `*` in `apiGroups` alone is low (the named
/// resources, in every group). Rules that only name non-resource URLs are
/// judged on `nonResourceURLs: ["*"]` (low).
/// Aggregated ClusterRoles (with `aggregationRule`) are skipped: the
/// aggregation controller overwrites their `rules`.
///
/// ## Example
/// ```yaml
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: ClusterRole
/// metadata:
///   name: deployer
/// rules:
/// - apiGroups: ["apps"]
///   resources: ["deployments"]
///   verbs: ["get", "list"]
/// - apiGroups: [""]
///   resources: ["*"]
///   verbs: ["*"]
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: ClusterRole
/// metadata:
///   name: deployer
/// rules:
/// - apiGroups: ["apps"]
///   resources: ["deployments"]
///   verbs: ["get", "list"]
/// - apiGroups: [""]
///   resources: ["services", "configmaps"]
///   verbs: ["get", "list", "watch", "create", "update", "patch"]
/// ```
///
/// ## Fix
/// Replace `*` with the API groups, resources and verbs the workload actually uses. `kubectl auth can-i --list --as=system:serviceaccount:<ns>:<sa>` and the audit log show what it calls.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.1.3: minimize wildcard use in Roles and ClusterRoles
/// - MITRE ATT&CK: [T1098 Account Manipulation](https://attack.mitre.org/techniques/T1098/)
/// - [RBAC good practices: least privilege](https://kubernetes.io/docs/concepts/security/rbac-good-practices/)
#[derive(RuleMetadata)]
#[rule(
    code = "RB001",
    name = "rbac-wildcard",
    severity = "high",
    cis = "5.1.3",
    mitre = "T1098",
    nsa = "authorization"
)]
pub struct RbacWildcard;

impl ObjectRule for RbacWildcard {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        let Some((scope, rules)) = role_rules(cx) else {
            return;
        };
        for rule in &rules {
            let star =
                |items: &[super::Item<'_>]| items.iter().find(|(_, s)| *s == "*").map(|i| i.0);
            let strings = |items: &[super::Item<'_>]| -> Vec<String> {
                items.iter().map(|(_, s)| format!("`{s}`")).collect()
            };
            let (lists, severity, what): (Vec<(&str, Option<usize>)>, Severity, String) = if rule
                .is_resource_rule()
            {
                let groups = star(&rule.api_groups);
                let resources = star(&rule.resources);
                let verbs = star(&rule.verbs);
                // Secrets, exec and tokens live in the core group.
                let core = rule.matches_group("");
                let in_groups = if groups.is_some() {
                    "every API group".to_string()
                } else {
                    let names: Vec<String> = rule
                        .api_groups
                        .iter()
                        .map(|(_, g)| {
                            if g.is_empty() {
                                "core".to_string()
                            } else {
                                (*g).to_string()
                            }
                        })
                        .collect();
                    format!(
                        "the {} API group{}",
                        names.join(", "),
                        if names.len() > 1 { "s" } else { "" }
                    )
                };
                let verb_list = strings(&rule.verbs).join(", ");
                let resource_list = strings(&rule.resources).join(", ");
                let (severity, what) = match (resources.is_some(), verbs.is_some(), core) {
                    (true, true, true) => (
                        Severity::Critical,
                        format!(
                            "every verb on every resource of {in_groups}, secrets, exec, tokens, escalate and impersonate included"
                        ),
                    ),
                    (true, true, false) => (
                        Severity::High,
                        format!(
                            "every verb on every resource of {in_groups}, including resources added later"
                        ),
                    ),
                    (true, false, true) => (
                        Severity::High,
                        format!(
                            "{verb_list} on every resource of {in_groups}, secrets and subresources such as pods/exec included"
                        ),
                    ),
                    (true, false, false) => (
                        Severity::Medium,
                        format!(
                            "{verb_list} on every resource of {in_groups}, including resources added later"
                        ),
                    ),
                    (false, true, _) => (
                        Severity::Medium,
                        format!(
                            "every verb on {resource_list}, including deletecollection and verbs added later"
                        ),
                    ),
                    (false, false, _) => (
                        Severity::Low,
                        format!(
                            "{verb_list} on {resource_list} in every API group, including groups added later"
                        ),
                    ),
                };
                (
                    vec![
                        ("apiGroups", groups),
                        ("resources", resources),
                        ("verbs", verbs),
                    ],
                    severity,
                    what,
                )
            } else if scope == Scope::Cluster {
                let urls = star(&rule.non_resource_urls);
                let verbs = urls.and(star(&rule.verbs));
                (
                    vec![("nonResourceURLs", urls), ("verbs", verbs)],
                    Severity::Low,
                    format!(
                        "{} on every non-resource URL of the API server (/metrics, /debug/pprof, /logs...)",
                        strings(&rule.verbs).join(", ")
                    ),
                )
            } else {
                continue;
            };
            let found: Vec<(&str, usize)> = lists
                .iter()
                .filter_map(|(list, at)| at.map(|i| (*list, i)))
                .collect();
            let Some((first_list, first_index)) = found.first().copied() else {
                continue;
            };
            let names: Vec<&str> = found.iter().map(|(list, _)| *list).collect();
            out.push(Violation {
                severity: Some(severity).filter(|s| *s != Self::META.severity),
                ..Violation::new(
                    rule.pointer(first_list, first_index),
                    format!(
                        "{} uses `*` in {} ({}): it grants {what}",
                        rule.label(),
                        and_list(&names),
                        scope.reach()
                    ),
                )
            });
        }
    }
}
