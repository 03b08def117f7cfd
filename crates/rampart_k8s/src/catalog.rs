//! Built-in API groups and kinds, and where each workload keeps its pod template.

/// Where a kind keeps its pod: JSON pointers to the pod (template) metadata and spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodTemplatePath {
    pub metadata: &'static str,
    pub spec: &'static str,
}

const POD: PodTemplatePath = PodTemplatePath {
    metadata: "/metadata",
    spec: "/spec",
};
const SPEC_TEMPLATE: PodTemplatePath = PodTemplatePath {
    metadata: "/spec/template/metadata",
    spec: "/spec/template/spec",
};
const CRONJOB_TEMPLATE: PodTemplatePath = PodTemplatePath {
    metadata: "/spec/jobTemplate/spec/template/metadata",
    spec: "/spec/jobTemplate/spec/template/spec",
};
const POD_TEMPLATE: PodTemplatePath = PodTemplatePath {
    metadata: "/template/metadata",
    spec: "/template/spec",
};
const SCALED_JOB_TEMPLATE: PodTemplatePath = PodTemplatePath {
    metadata: "/spec/jobTargetRef/template/metadata",
    spec: "/spec/jobTargetRef/template/spec",
};

/// A kind rampart knows: its group, whether it is namespaced, and its pod template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuiltinKind {
    pub group: &'static str,
    pub kind: &'static str,
    pub pod_template: Option<PodTemplatePath>,
    /// Whether the API server requires the pod template (false: a nil template is allowed).
    pub template_required: bool,
}

const fn kind(group: &'static str, kind: &'static str) -> BuiltinKind {
    BuiltinKind {
        group,
        kind,
        pod_template: None,
        template_required: false,
    }
}

const fn workload(
    group: &'static str,
    kind: &'static str,
    path: PodTemplatePath,
    required: bool,
) -> BuiltinKind {
    BuiltinKind {
        group,
        kind,
        pod_template: Some(path),
        template_required: required,
    }
}

/// Kinds of the built-in API groups, plus well-known CRDs that carry pod templates.
static KINDS: &[BuiltinKind] = &[
    workload("", "Pod", POD, true),
    workload("", "ReplicationController", SPEC_TEMPLATE, false),
    workload("", "PodTemplate", POD_TEMPLATE, true),
    workload("apps", "Deployment", SPEC_TEMPLATE, true),
    workload("apps", "DaemonSet", SPEC_TEMPLATE, true),
    workload("apps", "StatefulSet", SPEC_TEMPLATE, true),
    workload("apps", "ReplicaSet", SPEC_TEMPLATE, true),
    workload("extensions", "Deployment", SPEC_TEMPLATE, true),
    workload("extensions", "DaemonSet", SPEC_TEMPLATE, true),
    workload("extensions", "ReplicaSet", SPEC_TEMPLATE, true),
    workload("batch", "Job", SPEC_TEMPLATE, true),
    workload("batch", "CronJob", CRONJOB_TEMPLATE, true),
    workload("argoproj.io", "Rollout", SPEC_TEMPLATE, false),
    workload(
        "apps.openshift.io",
        "DeploymentConfig",
        SPEC_TEMPLATE,
        false,
    ),
    workload("keda.sh", "ScaledJob", SCALED_JOB_TEMPLATE, false),
    kind("", "Binding"),
    kind("", "ComponentStatus"),
    kind("", "ConfigMap"),
    kind("", "Endpoints"),
    kind("", "Event"),
    kind("", "LimitRange"),
    kind("", "Namespace"),
    kind("", "Node"),
    kind("", "PersistentVolume"),
    kind("", "PersistentVolumeClaim"),
    kind("", "ResourceQuota"),
    kind("", "Secret"),
    kind("", "Service"),
    kind("", "ServiceAccount"),
    kind("apps", "ControllerRevision"),
    kind(
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
    ),
    kind(
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
    ),
    kind("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    kind(
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
    ),
    kind("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
    kind(
        "admissionregistration.k8s.io",
        "MutatingAdmissionPolicyBinding",
    ),
    kind("apiextensions.k8s.io", "CustomResourceDefinition"),
    kind("apiregistration.k8s.io", "APIService"),
    kind("authentication.k8s.io", "TokenReview"),
    kind("authentication.k8s.io", "SelfSubjectReview"),
    kind("authorization.k8s.io", "SubjectAccessReview"),
    kind("authorization.k8s.io", "SelfSubjectAccessReview"),
    kind("authorization.k8s.io", "SelfSubjectRulesReview"),
    kind("authorization.k8s.io", "LocalSubjectAccessReview"),
    kind("autoscaling", "HorizontalPodAutoscaler"),
    kind("certificates.k8s.io", "CertificateSigningRequest"),
    kind("certificates.k8s.io", "ClusterTrustBundle"),
    kind("coordination.k8s.io", "Lease"),
    kind("discovery.k8s.io", "EndpointSlice"),
    kind("events.k8s.io", "Event"),
    kind("extensions", "Ingress"),
    kind("extensions", "NetworkPolicy"),
    kind("extensions", "PodSecurityPolicy"),
    kind("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    kind("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    kind("networking.k8s.io", "Ingress"),
    kind("networking.k8s.io", "IngressClass"),
    kind("networking.k8s.io", "NetworkPolicy"),
    kind("networking.k8s.io", "IPAddress"),
    kind("networking.k8s.io", "ServiceCIDR"),
    kind("node.k8s.io", "RuntimeClass"),
    kind("policy", "PodDisruptionBudget"),
    kind("policy", "PodSecurityPolicy"),
    kind("policy", "Eviction"),
    kind("rbac.authorization.k8s.io", "ClusterRole"),
    kind("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    kind("rbac.authorization.k8s.io", "Role"),
    kind("rbac.authorization.k8s.io", "RoleBinding"),
    kind("resource.k8s.io", "DeviceClass"),
    kind("resource.k8s.io", "ResourceClaim"),
    kind("resource.k8s.io", "ResourceClaimTemplate"),
    kind("resource.k8s.io", "ResourceSlice"),
    kind("scheduling.k8s.io", "PriorityClass"),
    kind("storage.k8s.io", "CSIDriver"),
    kind("storage.k8s.io", "CSINode"),
    kind("storage.k8s.io", "CSIStorageCapacity"),
    kind("storage.k8s.io", "StorageClass"),
    kind("storage.k8s.io", "VolumeAttachment"),
    kind("storage.k8s.io", "VolumeAttributesClass"),
    kind("storagemigration.k8s.io", "StorageVersionMigration"),
    kind("internal.apiserver.k8s.io", "StorageVersion"),
];

/// Groups served by the API server itself: an unknown kind there is a mistake, not a CRD.
static BUILTIN_GROUPS: &[&str] = &[
    "",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "apps",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "extensions",
    "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
    "storagemigration.k8s.io",
];

/// The group of an `apiVersion` (`apps/v1` → `apps`, `v1` → ``).
pub fn group_of(api_version: &str) -> &str {
    api_version
        .rsplit_once('/')
        .map(|(group, _)| group)
        .unwrap_or("")
}

pub fn is_builtin_group(group: &str) -> bool {
    BUILTIN_GROUPS.contains(&group)
}

/// The catalogued kind for an `apiVersion` and `kind`, if rampart knows it.
pub fn builtin_kind(api_version: &str, kind: &str) -> Option<&'static BuiltinKind> {
    let group = group_of(api_version);
    KINDS.iter().find(|k| k.group == group && k.kind == kind)
}

/// The closest known kind of a group, for "did you mean" help.
pub fn suggest_kind(api_version: &str, kind: &str) -> Option<&'static str> {
    let group = group_of(api_version);
    let lower = kind.to_ascii_lowercase();
    KINDS
        .iter()
        .filter(|k| k.group == group)
        .map(|k| (edit_distance(&lower, &k.kind.to_ascii_lowercase()), k.kind))
        .filter(|(distance, _)| *distance <= 3)
        .min()
        .map(|(_, kind)| kind)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_kinds_by_group() {
        assert!(builtin_kind("apps/v1", "DaemonSet").is_some());
        assert!(builtin_kind("v1", "Pod").is_some());
        assert!(builtin_kind("v1", "DaemonSet").is_none());
        assert_eq!(
            builtin_kind("batch/v1", "CronJob")
                .and_then(|k| k.pod_template)
                .map(|p| p.spec),
            Some("/spec/jobTemplate/spec/template/spec")
        );
    }

    #[test]
    fn suggests_close_kinds() {
        assert_eq!(suggest_kind("apps/v1", "Deploymnet"), Some("Deployment"));
        assert_eq!(suggest_kind("apps/v1", "daemonset"), Some("DaemonSet"));
        assert_eq!(suggest_kind("apps/v1", "Zebra"), None);
    }
}
