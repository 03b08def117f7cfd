//! The kinds a cluster scan lists, and where the API serves them.

/// One kind of object the scan lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindSpec {
    /// `Deployment`.
    pub kind: &'static str,
    /// API group; empty for the core group.
    pub group: &'static str,
    pub version: &'static str,
    /// The resource name in URLs and RBAC rules: `deployments`.
    pub plural: &'static str,
    pub namespaced: bool,
}

impl KindSpec {
    /// `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The collection URL, in `namespace` when given (namespaced kinds only).
    pub fn collection_path(&self, namespace: Option<&str>) -> String {
        let base = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match namespace {
            Some(namespace) if self.namespaced => {
                format!("{base}/namespaces/{namespace}/{}", self.plural)
            }
            _ => format!("{base}/{}", self.plural),
        }
    }

    /// `deployments.apps`, or `pods` for the core group: as in RBAC and kubectl.
    pub fn resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// Pods, ReplicaSets and Jobs are usually made by a controller that is
    /// scanned too: by default they are left out when it is.
    pub fn usually_owned(&self) -> bool {
        matches!(self.kind, "Pod" | "ReplicaSet" | "Job")
    }
}

const fn spec(
    kind: &'static str,
    group: &'static str,
    plural: &'static str,
    namespaced: bool,
) -> KindSpec {
    KindSpec {
        kind,
        group,
        version: "v1",
        plural,
        namespaced,
    }
}

/// Every kind the scan lists. Secrets are not listed: no rule needs them, and
/// a scanner should not be able to read their data.
pub const KINDS: &[KindSpec] = &[
    spec("Namespace", "", "namespaces", false),
    spec("Pod", "", "pods", true),
    spec("ReplicationController", "", "replicationcontrollers", true),
    spec("ServiceAccount", "", "serviceaccounts", true),
    spec("Service", "", "services", true),
    spec("ConfigMap", "", "configmaps", true),
    spec("Deployment", "apps", "deployments", true),
    spec("StatefulSet", "apps", "statefulsets", true),
    spec("DaemonSet", "apps", "daemonsets", true),
    spec("ReplicaSet", "apps", "replicasets", true),
    spec("Job", "batch", "jobs", true),
    spec("CronJob", "batch", "cronjobs", true),
    spec(
        "NetworkPolicy",
        "networking.k8s.io",
        "networkpolicies",
        true,
    ),
    spec("Role", "rbac.authorization.k8s.io", "roles", true),
    spec(
        "ClusterRole",
        "rbac.authorization.k8s.io",
        "clusterroles",
        false,
    ),
    spec(
        "RoleBinding",
        "rbac.authorization.k8s.io",
        "rolebindings",
        true,
    ),
    spec(
        "ClusterRoleBinding",
        "rbac.authorization.k8s.io",
        "clusterrolebindings",
        false,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_api_layout() {
        let pods = KINDS.iter().find(|k| k.kind == "Pod").copied();
        let Some(pods) = pods else {
            panic!("pods are listed");
        };
        assert_eq!(pods.collection_path(None), "/api/v1/pods");
        assert_eq!(
            pods.collection_path(Some("web")),
            "/api/v1/namespaces/web/pods"
        );
        let Some(roles) = KINDS.iter().find(|k| k.kind == "ClusterRole") else {
            panic!("cluster roles are listed");
        };
        assert_eq!(
            roles.collection_path(Some("web")),
            "/apis/rbac.authorization.k8s.io/v1/clusterroles"
        );
        assert_eq!(roles.resource(), "clusterroles.rbac.authorization.k8s.io");
        assert_eq!(roles.api_version(), "rbac.authorization.k8s.io/v1");
    }

    #[test]
    fn secrets_are_never_listed() {
        assert!(KINDS.iter().all(|k| k.plural != "secrets"));
    }
}
