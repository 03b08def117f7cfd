use rampart_macros::RuleMetadata;

use super::{Item, role_rules, through};
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports each entry of a Role's or ClusterRole's `rules` that allows
/// `create` (or `*`) on a resource that runs pods: `pods` and
/// `replicationcontrollers` (core group), `deployments`, `daemonsets`,
/// `statefulsets` and `replicasets` (`apps`), `jobs` and `cronjobs`
/// (`batch`).
///
/// ## Why is this bad?
/// Creating a pod is an escalation path to everything the namespace holds:
/// the pod may name any service account of the namespace (and so carry its
/// token and permissions), mount any Secret or ConfigMap, and, unless Pod
/// Security admission forbids it, run privileged with host mounts. Creating a
/// Deployment, Job or another controller does the same one step removed.
///
/// A rule with `resourceNames` is not reported: `create` requests carry no
/// name the authorizer could match, so such a rule never allows a create.
/// `update` and `patch` on the controllers can change their pod template too;
/// they are not reported here, as every deployer needs them. CI/CD deployers,
/// operators and controllers need `create`: keep it to their namespaces and
/// enforce Pod Security there.
///
/// ## Example
/// ```yaml
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: ClusterRole
/// metadata:
///   name: job-runner
/// rules:
/// - apiGroups: ["batch"]
///   resources: ["jobs"]
///   verbs: ["get", "list", "watch", "create", "delete"]
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: rbac.authorization.k8s.io/v1
/// kind: ClusterRole
/// metadata:
///   name: job-runner
/// rules:
/// - apiGroups: ["batch"]
///   resources: ["jobs"]
///   verbs: ["get", "list", "watch", "delete"]
/// ```
///
/// ## Fix
/// Grant `create` on workloads only to deployers and controllers that need it, bind it with a RoleBinding in their own namespace, and enforce the `baseline` or `restricted` Pod Security level there.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.1.4: minimize access to create pods
/// - MITRE ATT&CK: [T1610 Deploy Container](https://attack.mitre.org/techniques/T1610/)
/// - [RBAC good practices: workload creation](https://kubernetes.io/docs/concepts/security/rbac-good-practices/#workload-creation)
#[derive(RuleMetadata)]
#[rule(
    code = "RB005",
    name = "rbac-create-workloads",
    severity = "medium",
    cis = "5.1.4",
    mitre = "T1610",
    nsa = "authorization"
)]
pub struct RbacCreateWorkloads;

/// Resources whose creation runs pods, with their API group.
const WORKLOADS: &[(&str, &str)] = &[
    ("", "pods"),
    ("", "replicationcontrollers"),
    ("apps", "deployments"),
    ("apps", "daemonsets"),
    ("apps", "statefulsets"),
    ("apps", "replicasets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
];

impl ObjectRule for RbacCreateWorkloads {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        let Some((scope, rules)) = role_rules(cx) else {
            return;
        };
        for rule in &rules {
            if rule.restricted_by_name() {
                continue;
            }
            let mut verb: Option<Item<'_>> = None;
            let mut resources = Vec::new();
            let mut via_star = false;
            for (group, resource) in WORKLOADS {
                if let Some(grant) = rule.grants(group, resource, "create") {
                    verb.get_or_insert(grant.verb);
                    via_star |= grant.resource.1 == "*";
                    resources.push(*resource);
                }
            }
            let Some(verb) = verb else { continue };
            let via = if via_star {
                " (through `*` resources)".to_string()
            } else {
                through(verb.1)
            };
            out.push(Violation::new(
                rule.pointer("verbs", verb.0),
                format!(
                    "{} allows `create` on {}{via} {}: a new pod can run as any service account there and mount any Secret",
                    rule.label(),
                    resources.join(", "),
                    scope.reach()
                ),
            ));
        }
    }
}
