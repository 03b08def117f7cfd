//! Live objects: cleaned of what the server adds, named, and filtered by owner.

use std::collections::HashSet;

use rampart_source::{Origin, SourceFile};
use serde_json::{Map, Value};

use crate::kinds::KindSpec;

/// One object read from the cluster, ready for the checker.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveObject {
    pub kind: &'static str,
    pub namespace: Option<String>,
    pub name: String,
    /// The object as served, with `apiVersion` and `kind` set and without
    /// `status` and `metadata.managedFields`.
    pub value: Value,
    /// Whether the kind is one a controller usually owns (Pod, ReplicaSet, Job).
    usually_owned: bool,
}

impl LiveObject {
    /// An item of a list (which lacks `apiVersion` and `kind`); `None` for an
    /// item that is not a named object.
    pub fn from_item(kind: &KindSpec, item: Value) -> Option<Self> {
        let Value::Object(fields) = item else {
            return None;
        };
        let mut object = Map::with_capacity(fields.len() + 2);
        object.insert("apiVersion".into(), Value::String(kind.api_version()));
        object.insert("kind".into(), Value::String(kind.kind.to_string()));
        for (key, value) in fields {
            if key == "apiVersion" || key == "kind" || key == "status" {
                continue;
            }
            object.insert(key, value);
        }
        if let Some(Value::Object(metadata)) = object.get_mut("metadata") {
            metadata.remove("managedFields");
        }
        let metadata = object.get("metadata");
        let name = metadata
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)?
            .to_string();
        let namespace = metadata
            .and_then(|m| m.get("namespace"))
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        Some(Self {
            kind: kind.kind,
            namespace,
            name,
            value: Value::Object(object),
            usually_owned: kind.usually_owned(),
        })
    }

    /// `cluster://<context>/<namespace>/<Kind>/<name>`, or
    /// `cluster://<context>/<Kind>/<name>` for cluster-scoped objects.
    pub fn uri(&self, context: &str) -> String {
        match &self.namespace {
            Some(namespace) => format!(
                "cluster://{context}/{namespace}/{}/{}",
                self.kind, self.name
            ),
            None => format!("cluster://{context}/{}/{}", self.kind, self.name),
        }
    }

    /// The object as a source for the checker: pretty JSON, named by [`Self::uri`].
    pub fn to_source(&self, context: &str) -> SourceFile {
        let text = serde_json::to_string_pretty(&self.value).unwrap_or_default();
        SourceFile::with_origin(self.uri(context), text, Origin::Cluster)
    }

    fn uid(&self) -> Option<&str> {
        self.value.pointer("/metadata/uid").and_then(Value::as_str)
    }

    /// UIDs of the controllers that own the object.
    fn controller_uids(&self) -> impl Iterator<Item = &str> {
        self.value
            .pointer("/metadata/ownerReferences")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|owner| owner.get("controller").and_then(Value::as_bool) == Some(true))
            .filter_map(|owner| owner.get("uid").and_then(Value::as_str))
    }
}

/// Leaves out the Pods, ReplicaSets and Jobs whose controller was listed too:
/// the controller's findings cover them, and reporting both would repeat
/// every finding (Deployment → ReplicaSet → Pod). Objects owned by something
/// not listed (a Node's mirror pods, an operator's custom resource) stay.
pub fn drop_owned(objects: Vec<LiveObject>) -> Vec<LiveObject> {
    let listed: HashSet<String> = objects
        .iter()
        .filter_map(|o| o.uid().map(str::to_string))
        .collect();
    objects
        .into_iter()
        .filter(|object| {
            !object.usually_owned || !object.controller_uids().any(|uid| listed.contains(uid))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::KINDS;
    use serde_json::json;

    fn kind(name: &str) -> &'static KindSpec {
        match KINDS.iter().find(|k| k.kind == name) {
            Some(kind) => kind,
            None => panic!("no kind {name}"),
        }
    }

    fn object(kind_name: &str, name: &str, uid: &str, owner: Option<&str>) -> LiveObject {
        let mut metadata = json!({"name": name, "namespace": "web", "uid": uid});
        if let Some(owner) = owner {
            metadata["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "X", "name": "x", "uid": owner, "controller": true}]);
        }
        match LiveObject::from_item(kind(kind_name), json!({"metadata": metadata, "spec": {}})) {
            Some(object) => object,
            None => panic!("an object"),
        }
    }

    #[test]
    fn items_get_their_type_and_lose_server_fields() {
        let item = json!({
            "metadata": {"name": "a", "namespace": "ns", "managedFields": [{"manager": "kubectl"}]},
            "spec": {"containers": []},
            "status": {"phase": "Running"},
        });
        let Some(object) = LiveObject::from_item(kind("Pod"), item) else {
            panic!("a pod");
        };
        assert_eq!(
            object.value,
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "ns"}, "spec": {"containers": []}})
        );
        assert_eq!(object.uri("kind-dev"), "cluster://kind-dev/ns/Pod/a");
        let source = object.to_source("kind-dev");
        assert!(source.is_cluster());
        assert!(source.text().starts_with("{\n  \"apiVersion\": \"v1\""));
    }

    #[test]
    fn cluster_scoped_objects_have_no_namespace_segment() {
        let item = json!({"metadata": {"name": "view"}, "rules": []});
        let Some(object) = LiveObject::from_item(kind("ClusterRole"), item) else {
            panic!("a role");
        };
        assert_eq!(object.uri("prod"), "cluster://prod/ClusterRole/view");
    }

    #[test]
    fn unnamed_items_are_dropped() {
        assert!(LiveObject::from_item(kind("Pod"), json!({"metadata": {}})).is_none());
        assert!(LiveObject::from_item(kind("Pod"), json!("x")).is_none());
    }

    #[test]
    fn owned_objects_of_listed_controllers_are_dropped() {
        let objects = vec![
            object("Deployment", "web", "d1", None),
            object("ReplicaSet", "web-1", "r1", Some("d1")),
            object("Pod", "web-1-a", "p1", Some("r1")),
            // Owned by something not listed (an operator's resource): kept.
            object("ReplicaSet", "rollout-1", "r2", Some("crd-uid")),
            object("Pod", "rollout-1-a", "p2", Some("r2")),
            object("Pod", "bare", "p3", None),
            // Only Pods, ReplicaSets and Jobs are ever dropped.
            object("Deployment", "odd", "d2", Some("d1")),
        ];
        let kept: Vec<String> = drop_owned(objects).into_iter().map(|o| o.name).collect();
        assert_eq!(kept, ["web", "rollout-1", "bare", "odd"]);
    }
}
