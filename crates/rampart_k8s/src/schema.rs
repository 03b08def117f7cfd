//! Field types as the API server decodes them, checked with k8s-openapi's types.
//!
//! The first decoding error of an object is reported with the JSON pointer of
//! the offending field, so a wrong type or a missing required field gets a
//! `file:line:col`. Unknown fields are accepted, as `kubectl apply` does
//! without `--validate=strict`.

use k8s_openapi::api::{apps, batch, core, networking, policy, rbac};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::PodTemplate;
use crate::pointer::escape_token;

/// A field whose value does not decode (pointer relative to the object).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaProblem {
    pub pointer: String,
    pub message: String,
}

/// Checks `object` against the typed schema of its kind. Kinds served at the
/// apiVersion k8s-openapi models are checked whole; other pod-bearing kinds
/// (older apiVersions, custom resources) have their pod template checked.
pub fn check_schema(
    api_version: &str,
    kind: &str,
    object: &Value,
    pod_template: Option<PodTemplate>,
) -> Option<SchemaProblem> {
    decode_by_kind(api_version, kind, object, pod_template).or_else(|| {
        let template = pod_template?;
        missing_pod_field(object.pointer(template.spec)?, template.spec)
    })
}

/// k8s-openapi fills missing required strings with defaults, so the fields
/// the API server always requires of a pod spec are checked here.
fn missing_pod_field(spec: &Value, base: &str) -> Option<SchemaProblem> {
    let missing = |pointer: String, field: &str| SchemaProblem {
        message: format!(
            "missing field `{field}` in `{}`",
            pointer.trim_start_matches('/').replace('/', ".")
        ),
        pointer,
    };
    if spec.get("containers").is_none_or(Value::is_null) {
        return Some(missing(base.to_string(), "containers"));
    }
    for list in [
        "initContainers",
        "containers",
        "ephemeralContainers",
        "volumes",
    ] {
        let Some(items) = spec.get(list).and_then(Value::as_array) else {
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            if item
                .get("name")
                .is_none_or(|n| n.as_str().is_none_or(str::is_empty))
            {
                return Some(missing(format!("{base}/{list}/{i}"), "name"));
            }
        }
    }
    None
}

fn decode_by_kind(
    api_version: &str,
    kind: &str,
    object: &Value,
    pod_template: Option<PodTemplate>,
) -> Option<SchemaProblem> {
    macro_rules! whole {
        ($ty:ty) => {
            decode::<$ty>(object, "")
        };
    }
    match (api_version, kind) {
        ("v1", "Pod") => whole!(core::v1::Pod),
        ("v1", "PodTemplate") => whole!(core::v1::PodTemplate),
        ("v1", "ReplicationController") => whole!(core::v1::ReplicationController),
        ("v1", "Service") => whole!(core::v1::Service),
        ("v1", "ConfigMap") => whole!(core::v1::ConfigMap),
        ("v1", "Secret") => whole!(core::v1::Secret),
        ("v1", "ServiceAccount") => whole!(core::v1::ServiceAccount),
        ("v1", "Namespace") => whole!(core::v1::Namespace),
        ("v1", "PersistentVolumeClaim") => whole!(core::v1::PersistentVolumeClaim),
        ("apps/v1", "Deployment") => whole!(apps::v1::Deployment),
        ("apps/v1", "DaemonSet") => whole!(apps::v1::DaemonSet),
        ("apps/v1", "StatefulSet") => whole!(apps::v1::StatefulSet),
        ("apps/v1", "ReplicaSet") => whole!(apps::v1::ReplicaSet),
        ("batch/v1", "Job") => whole!(batch::v1::Job),
        ("batch/v1", "CronJob") => whole!(batch::v1::CronJob),
        ("rbac.authorization.k8s.io/v1", "Role") => whole!(rbac::v1::Role),
        ("rbac.authorization.k8s.io/v1", "ClusterRole") => whole!(rbac::v1::ClusterRole),
        ("rbac.authorization.k8s.io/v1", "RoleBinding") => whole!(rbac::v1::RoleBinding),
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding") => {
            whole!(rbac::v1::ClusterRoleBinding)
        }
        ("networking.k8s.io/v1", "NetworkPolicy") => whole!(networking::v1::NetworkPolicy),
        ("networking.k8s.io/v1", "Ingress") => whole!(networking::v1::Ingress),
        ("policy/v1", "PodDisruptionBudget") => whole!(policy::v1::PodDisruptionBudget),
        _ => {
            let template = pod_template?;
            use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
            if let Some(metadata) = object.pointer(template.metadata)
                && let Some(problem) = decode::<ObjectMeta>(metadata, template.metadata)
            {
                return Some(problem);
            }
            let spec = object.pointer(template.spec)?;
            decode::<core::v1::PodSpec>(spec, template.spec)
        }
    }
}

fn decode<T: DeserializeOwned>(value: &Value, base: &str) -> Option<SchemaProblem> {
    let error = serde_path_to_error::deserialize::<_, T>(value).err()?;
    let mut pointer = base.to_string();
    for segment in error.path().iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => {
                pointer.push('/');
                pointer.push_str(&index.to_string());
            }
            serde_path_to_error::Segment::Map { key } => {
                pointer.push('/');
                pointer.push_str(&escape_token(key));
            }
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {}
        }
    }
    let field = pointer.trim_start_matches('/').replace('/', ".");
    let mut inner = error.into_inner().to_string();
    if [
        "Invalid symbol",
        "Invalid last symbol",
        "Invalid padding",
        "Invalid input length",
        "Encoded text cannot",
    ]
    .iter()
    .any(|p| inner.starts_with(p))
    {
        inner = format!("not valid base64 ({})", inner.trim_end_matches('.'));
    }
    let message = if field.is_empty() {
        inner
    } else if inner.starts_with("missing field") {
        format!("{inner} in `{field}`")
    } else {
        format!("`{field}`: {inner}")
    };
    Some(SchemaProblem { pointer, message })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn daemonset(container: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "a"},
            "spec": {"selector": {"matchLabels": {"app": "a"}},
                     "template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [container]}}}})
    }

    #[test]
    fn accepts_valid_objects() {
        let ds = daemonset(
            json!({"name": "c", "image": "i", "resources": {"limits": {"cpu": 1, "memory": "1Gi"}}}),
        );
        assert_eq!(check_schema("apps/v1", "DaemonSet", &ds, None), None);
    }

    #[test]
    fn reports_wrong_types_with_pointer() {
        let ds = daemonset(json!({"name": "c", "securityContext": {"privileged": "yes"}}));
        let problem = check_schema("apps/v1", "DaemonSet", &ds, None).unwrap();
        assert_eq!(
            problem.pointer,
            "/spec/template/spec/containers/0/securityContext/privileged"
        );
        assert!(
            problem.message.contains("expected a boolean"),
            "{}",
            problem.message
        );
    }

    #[test]
    fn reports_missing_required_fields() {
        let ds = daemonset(json!({"image": "i"}));
        let template = PodTemplate {
            metadata: "/spec/template/metadata",
            spec: "/spec/template/spec",
        };
        let problem = check_schema("apps/v1", "DaemonSet", &ds, Some(template)).unwrap();
        assert_eq!(problem.pointer, "/spec/template/spec/containers/0");
        assert!(
            problem.message.starts_with("missing field `name`"),
            "{}",
            problem.message
        );
    }

    #[test]
    fn checks_templates_of_other_kinds() {
        let rollout = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
            "spec": {"template": {"spec": {"containers": [{"name": "c", "ports": [{"containerPort": "http"}]}]}}}});
        let template = PodTemplate {
            metadata: "/spec/template/metadata",
            spec: "/spec/template/spec",
        };
        let problem =
            check_schema("argoproj.io/v1alpha1", "Rollout", &rollout, Some(template)).unwrap();
        assert_eq!(
            problem.pointer,
            "/spec/template/spec/containers/0/ports/0/containerPort"
        );
    }
}
