//! Pod metadata for a container id: an index of the node's pods, kept up to
//! date by a watch on the API server.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, PoisonError, RwLock};
use std::thread::JoinHandle;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::Api;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use serde::Serialize;

/// The annotation of a mirror pod naming its static pod's config hash, the
/// UID the kubelet (and so the pod's cgroup) knows it by.
const MIRROR_ANNOTATION: &str = "kubernetes.io/config.mirror";

/// What is known of the pod a container runs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PodInfo {
    pub name: String,
    pub namespace: String,
    pub uid: String,
    /// The container's name in the pod spec (empty when only the pod is known).
    pub container: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub image: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload: Option<Workload>,
}

/// The controller that owns a pod: a Deployment rather than its ReplicaSet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Workload {
    pub kind: String,
    pub name: String,
}

/// The pods of a node, by container id (without the `containerd://` etc.
/// prefix) and by pod UID.
#[derive(Debug, Default)]
pub struct PodIndex {
    containers: HashMap<String, PodInfo>,
    pods: HashMap<String, IndexedPod>,
    /// Static pods: the kubelet's config hash → the mirror pod's UID.
    mirrors: HashMap<String, String>,
}

/// A pod's own facts, and the keys it put in the other maps.
#[derive(Debug)]
struct IndexedPod {
    name: String,
    namespace: String,
    workload: Option<Workload>,
    container_ids: Vec<String>,
    mirror_hash: Option<String>,
}

impl PodIndex {
    /// Adds a pod or replaces what was known of it (matched by UID). Both
    /// the current and the last terminated container ids are indexed, so a
    /// restarted container's late events are still attributed. A pod without
    /// a UID is ignored.
    pub fn upsert(&mut self, pod: &Pod) {
        let Some(uid) = pod_uid(&pod.metadata) else {
            return;
        };
        self.remove_uid(uid);
        let name = pod.metadata.name.clone().unwrap_or_default();
        let namespace = pod.metadata.namespace.clone().unwrap_or_default();
        let workload = workload_of(&pod.metadata);
        let mut container_ids = Vec::new();
        for status in container_statuses(pod) {
            let image = if status.image.is_empty() {
                spec_image(pod, &status.name).unwrap_or_default()
            } else {
                status.image.clone()
            };
            let last_id = status
                .last_state
                .as_ref()
                .and_then(|state| state.terminated.as_ref())
                .and_then(|terminated| terminated.container_id.as_deref());
            for raw_id in [status.container_id.as_deref(), last_id]
                .into_iter()
                .flatten()
            {
                let id = strip_runtime_prefix(raw_id);
                if id.is_empty() || container_ids.iter().any(|known| known == id) {
                    continue;
                }
                let info = PodInfo {
                    name: name.clone(),
                    namespace: namespace.clone(),
                    uid: uid.to_owned(),
                    container: status.name.clone(),
                    image: image.clone(),
                    workload: workload.clone(),
                };
                self.containers.insert(id.to_owned(), info);
                container_ids.push(id.to_owned());
            }
        }
        let mirror_hash = pod
            .metadata
            .annotations
            .as_ref()
            .and_then(|annotations| annotations.get(MIRROR_ANNOTATION))
            .filter(|hash| !hash.is_empty())
            .cloned();
        if let Some(hash) = &mirror_hash {
            self.mirrors.insert(hash.clone(), uid.to_owned());
        }
        self.pods.insert(
            uid.to_owned(),
            IndexedPod {
                name,
                namespace,
                workload,
                container_ids,
                mirror_hash,
            },
        );
    }

    /// Forgets a pod (matched by UID) and its containers.
    pub fn remove(&mut self, pod: &Pod) {
        if let Some(uid) = pod_uid(&pod.metadata) {
            self.remove_uid(uid);
        }
    }

    /// The pod of a container id (a `containerd://`-style prefix is ignored).
    pub fn by_container(&self, container_id: &str) -> Option<&PodInfo> {
        self.containers.get(strip_runtime_prefix(container_id))
    }

    /// When the container id is not known yet: the pod by UID (container
    /// name and image empty). A static pod's config hash, the UID its cgroup
    /// is named after, finds its mirror pod.
    pub fn by_pod_uid(&self, uid: &str) -> Option<PodInfo> {
        let (uid, pod) = match self.pods.get_key_value(uid) {
            Some(found) => found,
            None => self.pods.get_key_value(self.mirrors.get(uid)?)?,
        };
        Some(PodInfo {
            name: pod.name.clone(),
            namespace: pod.namespace.clone(),
            uid: uid.clone(),
            container: String::new(),
            image: String::new(),
            workload: pod.workload.clone(),
        })
    }

    /// The number of pods indexed.
    pub fn len(&self) -> usize {
        self.pods.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pods.is_empty()
    }

    /// Forgets the pods whose UID `keep` rejects.
    fn retain_pods(&mut self, keep: impl Fn(&str) -> bool) {
        let gone: Vec<String> = self.pods.keys().filter(|uid| !keep(uid)).cloned().collect();
        for uid in gone {
            self.remove_uid(&uid);
        }
    }

    fn remove_uid(&mut self, uid: &str) {
        let Some(pod) = self.pods.remove(uid) else {
            return;
        };
        for id in pod.container_ids {
            // Only if still this pod's (ids are unique, but be safe).
            if self.containers.get(&id).is_some_and(|info| info.uid == uid) {
                self.containers.remove(&id);
            }
        }
        if let Some(hash) = pod.mirror_hash
            && self.mirrors.get(&hash).is_some_and(|owner| owner == uid)
        {
            self.mirrors.remove(&hash);
        }
    }
}

fn pod_uid(metadata: &ObjectMeta) -> Option<&str> {
    metadata.uid.as_deref().filter(|uid| !uid.is_empty())
}

/// The statuses of the regular, init and ephemeral containers.
fn container_statuses(pod: &Pod) -> impl Iterator<Item = &ContainerStatus> {
    let status = pod.status.as_ref();
    [
        status.and_then(|status| status.container_statuses.as_ref()),
        status.and_then(|status| status.init_container_statuses.as_ref()),
        status.and_then(|status| status.ephemeral_container_statuses.as_ref()),
    ]
    .into_iter()
    .flatten()
    .flatten()
}

/// The image the spec gives the container `name`.
fn spec_image(pod: &Pod, name: &str) -> Option<String> {
    let spec = pod.spec.as_ref()?;
    let regular = spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .find(|container| container.name == name)
        .map(|container| container.image.as_ref());
    let image = match regular {
        Some(image) => image,
        None => spec
            .ephemeral_containers
            .iter()
            .flatten()
            .find(|container| container.name == name)
            .map(|container| container.image.as_ref())?,
    };
    image.cloned()
}

/// `containerd://<id>`, `cri-o://<id>`, `docker://<id>` → `<id>`.
fn strip_runtime_prefix(container_id: &str) -> &str {
    container_id
        .split_once("://")
        .map_or(container_id, |(_, id)| id)
}

/// The pod's controller (the owner reference with `controller: true`). A
/// ReplicaSet named `<deployment>-<pod-template-hash>` stands for its
/// Deployment; other kinds (a Job of a CronJob too) are reported as they are.
fn workload_of(metadata: &ObjectMeta) -> Option<Workload> {
    let owner = metadata
        .owner_references
        .iter()
        .flatten()
        .find(|owner| owner.controller == Some(true))?;
    if owner.kind == "ReplicaSet" && owner.api_version.starts_with("apps/") {
        let deployment = metadata
            .labels
            .as_ref()
            .and_then(|labels| labels.get("pod-template-hash"))
            .filter(|hash| !hash.is_empty())
            .and_then(|hash| owner.name.strip_suffix(hash.as_str()))
            .and_then(|name| name.strip_suffix('-'))
            .filter(|name| !name.is_empty());
        if let Some(deployment) = deployment {
            return Some(Workload {
                kind: "Deployment".to_owned(),
                name: deployment.to_owned(),
            });
        }
    }
    Some(Workload {
        kind: owner.kind.clone(),
        name: owner.name.clone(),
    })
}

/// Why the pod watch could not start.
#[derive(Debug, thiserror::Error)]
pub enum PodWatchError {
    #[error("cannot start the pod watch runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("cannot build a Kubernetes client (no kubeconfig, not in a cluster?): {0}")]
    Client(#[source] kube::Error),
    #[error("cannot start the pod watch thread: {0}")]
    Thread(#[source] std::io::Error),
}

/// Watches the pods of node `node_name` into `index`, on a thread of its own
/// with its own tokio runtime. The client (in-cluster configuration or
/// kubeconfig) is built before returning, so a missing configuration is an
/// error here; afterwards errors are logged to stderr and the watch retried
/// with backoff, forever.
pub fn spawn_watch(
    node_name: String,
    index: Arc<RwLock<PodIndex>>,
) -> Result<JoinHandle<()>, PodWatchError> {
    // TLS through ring, as the other clients; set only if nothing was.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(PodWatchError::Runtime)?;
    let client = runtime
        .block_on(kube::Client::try_default())
        .map_err(PodWatchError::Client)?;
    std::thread::Builder::new()
        .name("rampart-pod-watch".to_owned())
        .spawn(move || runtime.block_on(watch_pods(client, &node_name, &index)))
        .map_err(PodWatchError::Thread)
}

async fn watch_pods(client: kube::Client, node_name: &str, index: &RwLock<PodIndex>) {
    let pods: Api<Pod> = Api::all(client);
    let config = watcher::Config::default().fields(&format!("spec.nodeName={node_name}"));
    let mut events = std::pin::pin!(watcher::watcher(pods, config).default_backoff());
    let mut relist = Relist::default();
    while let Some(event) = events.next().await {
        match event {
            Ok(event) => {
                let mut index = index.write().unwrap_or_else(PoisonError::into_inner);
                relist.apply(&mut index, event);
            }
            Err(error) => eprintln!("rampart sensor: pod watch: {error}"),
        }
    }
}

/// Applies watch events to an index. A (re)list (`Init` … `InitDone`)
/// updates the index as it goes, then forgets the pods it did not list.
#[derive(Debug, Default)]
struct Relist {
    /// The UIDs listed since `Init`, while a list is under way.
    listed: Option<HashSet<String>>,
}

impl Relist {
    fn apply(&mut self, index: &mut PodIndex, event: Event<Pod>) {
        match event {
            Event::Apply(pod) => index.upsert(&pod),
            Event::Delete(pod) => index.remove(&pod),
            Event::Init => self.listed = Some(HashSet::new()),
            Event::InitApply(pod) => {
                if let (Some(listed), Some(uid)) = (&mut self.listed, pod_uid(&pod.metadata)) {
                    listed.insert(uid.to_owned());
                }
                index.upsert(&pod);
            }
            Event::InitDone => {
                if let Some(listed) = self.listed.take() {
                    index.retain_pods(|uid| listed.contains(uid));
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    const ID_APP: &str = "1111111111111111111111111111111111111111111111111111111111111111";
    const ID_SIDECAR: &str = "2222222222222222222222222222222222222222222222222222222222222222";
    const ID_INIT: &str = "3333333333333333333333333333333333333333333333333333333333333333";
    const ID_DEBUG: &str = "4444444444444444444444444444444444444444444444444444444444444444";
    const ID_OLD: &str = "5555555555555555555555555555555555555555555555555555555555555555";
    const UID: &str = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";

    fn pod(value: serde_json::Value) -> Pod {
        serde_json::from_value(value).unwrap()
    }

    fn deployment_pod() -> Pod {
        pod(json!({
            "metadata": {
                "name": "web-7d4b9c8f6d-x2x9k",
                "namespace": "shop",
                "uid": UID,
                "labels": {"app": "web", "pod-template-hash": "7d4b9c8f6d"},
                "ownerReferences": [{
                    "apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "name": "web-7d4b9c8f6d", "uid": "rs-uid", "controller": true
                }]
            },
            "spec": {
                "nodeName": "node-1",
                "initContainers": [{"name": "migrate", "image": "registry.example/migrate:1"}],
                "containers": [
                    {"name": "app", "image": "nginx:1.27"},
                    {"name": "sidecar", "image": "envoy:1.30"}
                ],
                "ephemeralContainers": [{"name": "debugger", "image": "busybox:1.36"}]
            },
            "status": {
                "initContainerStatuses": [{
                    "name": "migrate", "image": "registry.example/migrate:1", "imageID": "",
                    "ready": false, "restartCount": 0,
                    "containerID": format!("containerd://{ID_INIT}")
                }],
                "containerStatuses": [
                    {
                        "name": "app", "image": "docker.io/library/nginx:1.27", "imageID": "",
                        "ready": true, "restartCount": 1,
                        "containerID": format!("containerd://{ID_APP}"),
                        "lastState": {"terminated": {
                            "exitCode": 137, "containerID": format!("containerd://{ID_OLD}")
                        }}
                    },
                    {
                        "name": "sidecar", "image": "", "imageID": "",
                        "ready": true, "restartCount": 0,
                        "containerID": format!("cri-o://{ID_SIDECAR}")
                    }
                ],
                "ephemeralContainerStatuses": [{
                    "name": "debugger", "image": "", "imageID": "",
                    "ready": false, "restartCount": 0,
                    "containerID": format!("docker://{ID_DEBUG}")
                }]
            }
        }))
    }

    fn with_owner(kind: &str, name: &str, api_version: &str) -> Pod {
        pod(json!({
            "metadata": {
                "name": "p", "namespace": "ns", "uid": UID,
                "ownerReferences": [
                    {"apiVersion": "v1", "kind": "Other", "name": "not-controller", "uid": "a"},
                    {"apiVersion": api_version, "kind": kind, "name": name, "uid": "b", "controller": true}
                ]
            }
        }))
    }

    fn workload(kind: &str, name: &str) -> Option<Workload> {
        Some(Workload {
            kind: kind.to_owned(),
            name: name.to_owned(),
        })
    }

    #[test]
    fn indexes_every_kind_of_container_status() {
        let mut index = PodIndex::default();
        index.upsert(&deployment_pod());
        assert_eq!(index.len(), 1);
        assert!(!index.is_empty());
        let app = index.by_container(ID_APP).unwrap();
        assert_eq!(
            app,
            &PodInfo {
                name: "web-7d4b9c8f6d-x2x9k".to_owned(),
                namespace: "shop".to_owned(),
                uid: UID.to_owned(),
                container: "app".to_owned(),
                image: "docker.io/library/nginx:1.27".to_owned(),
                workload: workload("Deployment", "web"),
            }
        );
        let init = index.by_container(ID_INIT).unwrap();
        assert_eq!(
            (init.container.as_str(), init.image.as_str()),
            ("migrate", "registry.example/migrate:1")
        );
        // Status without an image: the spec's.
        let sidecar = index.by_container(ID_SIDECAR).unwrap();
        assert_eq!(
            (sidecar.container.as_str(), sidecar.image.as_str()),
            ("sidecar", "envoy:1.30")
        );
        let debug = index.by_container(ID_DEBUG).unwrap();
        assert_eq!(
            (debug.container.as_str(), debug.image.as_str()),
            ("debugger", "busybox:1.36")
        );
        // The restarted container's previous id.
        assert_eq!(index.by_container(ID_OLD).unwrap().container, "app");
        // A prefixed id finds the same container; an unknown one nothing.
        assert_eq!(
            index.by_container(&format!("containerd://{ID_APP}")),
            Some(app)
        );
        assert_eq!(index.by_container(&"9".repeat(64)), None);
        assert_eq!(index.by_container(""), None);
    }

    #[test]
    fn by_pod_uid_without_container() {
        let mut index = PodIndex::default();
        index.upsert(&deployment_pod());
        assert_eq!(
            index.by_pod_uid(UID),
            Some(PodInfo {
                name: "web-7d4b9c8f6d-x2x9k".to_owned(),
                namespace: "shop".to_owned(),
                uid: UID.to_owned(),
                container: String::new(),
                image: String::new(),
                workload: workload("Deployment", "web"),
            })
        );
        assert_eq!(
            index.by_pod_uid("00000000-0000-0000-0000-000000000000"),
            None
        );
    }

    #[test]
    fn pod_without_statuses_is_known_by_uid() {
        let mut index = PodIndex::default();
        index.upsert(&pod(json!({
            "metadata": {"name": "pending", "namespace": "ns", "uid": UID},
            "spec": {"containers": [{"name": "app", "image": "nginx"}]}
        })));
        assert_eq!(index.len(), 1);
        assert_eq!(index.by_pod_uid(UID).unwrap().name, "pending");
        assert_eq!(index.by_pod_uid(UID).unwrap().workload, None);
        // A status without a container id yet adds nothing.
        index.upsert(&pod(json!({
            "metadata": {"name": "pending", "namespace": "ns", "uid": UID},
            "status": {"containerStatuses": [{
                "name": "app", "image": "nginx", "imageID": "", "ready": false, "restartCount": 0
            }]}
        })));
        assert!(index.containers.is_empty());
    }

    #[test]
    fn pod_without_uid_is_ignored() {
        let mut index = PodIndex::default();
        index.upsert(&pod(json!({"metadata": {"name": "x", "namespace": "ns"}})));
        index.upsert(&pod(
            json!({"metadata": {"name": "x", "namespace": "ns", "uid": ""}}),
        ));
        assert!(index.is_empty());
        index.remove(&pod(json!({"metadata": {"name": "x"}})));
        assert!(index.is_empty());
    }

    #[test]
    fn upsert_replaces_and_remove_forgets() {
        let mut index = PodIndex::default();
        index.upsert(&deployment_pod());
        // The pod again, its app container now recreated under a new id.
        let mut updated = deployment_pod();
        let status = updated.status.as_mut().unwrap();
        let statuses = status.container_statuses.as_mut().unwrap();
        statuses[0].container_id = Some(format!("containerd://{}", "6".repeat(64)));
        statuses[0].last_state = None;
        index.upsert(&updated);
        assert_eq!(index.len(), 1);
        assert_eq!(index.by_container(ID_APP), None);
        assert_eq!(index.by_container(ID_OLD), None);
        assert_eq!(
            index.by_container(&"6".repeat(64)).unwrap().container,
            "app"
        );

        index.remove(&updated);
        assert!(index.is_empty());
        assert!(index.containers.is_empty());
        assert_eq!(index.by_container(ID_SIDECAR), None);
        assert_eq!(index.by_pod_uid(UID), None);
        // Removing an unknown pod is harmless.
        index.remove(&updated);
        assert!(index.is_empty());
    }

    #[test]
    fn removing_one_pod_keeps_the_others() {
        let mut index = PodIndex::default();
        index.upsert(&deployment_pod());
        let other = pod(json!({
            "metadata": {"name": "db-0", "namespace": "shop", "uid": "other-uid"},
            "status": {"containerStatuses": [{
                "name": "db", "image": "postgres:17", "imageID": "", "ready": true,
                "restartCount": 0, "containerID": format!("containerd://{}", "7".repeat(64))
            }]}
        }));
        index.upsert(&other);
        assert_eq!(index.len(), 2);
        index.remove(&deployment_pod());
        assert_eq!(index.len(), 1);
        assert_eq!(index.by_container(&"7".repeat(64)).unwrap().name, "db-0");
        assert_eq!(index.by_container(ID_APP), None);
    }

    #[test]
    fn workloads() {
        assert_eq!(
            workload_of(&deployment_pod().metadata),
            workload("Deployment", "web")
        );
        // A ReplicaSet whose name does not end with the hash stays one.
        let mut odd = with_owner("ReplicaSet", "web-abc", "apps/v1");
        odd.metadata.labels = Some([("pod-template-hash".to_owned(), "xyz".to_owned())].into());
        assert_eq!(
            workload_of(&odd.metadata),
            workload("ReplicaSet", "web-abc")
        );
        // Without the label, a bare ReplicaSet.
        let bare = with_owner("ReplicaSet", "web-7d4b9c8f6d", "apps/v1");
        assert_eq!(
            workload_of(&bare.metadata),
            workload("ReplicaSet", "web-7d4b9c8f6d")
        );
        // The hash must follow a dash and leave a name.
        let mut whole = with_owner("ReplicaSet", "7d4b9c8f6d", "apps/v1");
        whole.metadata.labels =
            Some([("pod-template-hash".to_owned(), "7d4b9c8f6d".to_owned())].into());
        assert_eq!(
            workload_of(&whole.metadata),
            workload("ReplicaSet", "7d4b9c8f6d")
        );
        let mut dashless = with_owner("ReplicaSet", "web7d4b9c8f6d", "apps/v1");
        dashless.metadata.labels =
            Some([("pod-template-hash".to_owned(), "7d4b9c8f6d".to_owned())].into());
        assert_eq!(
            workload_of(&dashless.metadata),
            workload("ReplicaSet", "web7d4b9c8f6d")
        );
        // A ReplicaSet of another API group is not a Deployment's.
        let mut foreign = with_owner("ReplicaSet", "web-7d4b9c8f6d", "example.com/v1");
        foreign.metadata.labels =
            Some([("pod-template-hash".to_owned(), "7d4b9c8f6d".to_owned())].into());
        assert_eq!(
            workload_of(&foreign.metadata),
            workload("ReplicaSet", "web-7d4b9c8f6d")
        );
        // A CronJob's Job stays a Job.
        assert_eq!(
            workload_of(&with_owner("Job", "backup-28730150", "batch/v1").metadata),
            workload("Job", "backup-28730150")
        );
        assert_eq!(
            workload_of(&with_owner("DaemonSet", "node-agent", "apps/v1").metadata),
            workload("DaemonSet", "node-agent")
        );
        assert_eq!(
            workload_of(&with_owner("StatefulSet", "db", "apps/v1").metadata),
            workload("StatefulSet", "db")
        );
        // No controller among the owners, or no owners: none.
        let not_controller = pod(json!({"metadata": {"uid": UID, "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "x", "uid": "a", "controller": false}
        ]}}));
        assert_eq!(workload_of(&not_controller.metadata), None);
        assert_eq!(
            workload_of(&pod(json!({"metadata": {"uid": UID}})).metadata),
            None
        );
    }

    #[test]
    fn static_pod_found_by_config_hash() {
        let hash = "6b2ecd4c1e3f4d9c8a7f7e6d5c4b3a29";
        let mirror = pod(json!({
            "metadata": {
                "name": "kube-apiserver-node-1", "namespace": "kube-system", "uid": UID,
                "annotations": {"kubernetes.io/config.mirror": hash, "kubernetes.io/config.hash": hash},
                "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": "node-1", "uid": "n", "controller": true}]
            }
        }));
        let mut index = PodIndex::default();
        index.upsert(&mirror);
        let found = index.by_pod_uid(hash).unwrap();
        assert_eq!(found.name, "kube-apiserver-node-1");
        assert_eq!(found.uid, UID);
        assert_eq!(found.workload, workload("Node", "node-1"));
        index.remove(&mirror);
        assert_eq!(index.by_pod_uid(hash), None);
        assert!(index.mirrors.is_empty());
    }

    #[test]
    fn serialises_without_empty_fields() {
        let mut index = PodIndex::default();
        index.upsert(&pod(
            json!({"metadata": {"name": "p", "namespace": "ns", "uid": UID}}),
        ));
        assert_eq!(
            serde_json::to_value(index.by_pod_uid(UID).unwrap()).unwrap(),
            json!({"name": "p", "namespace": "ns", "uid": UID, "container": ""})
        );
        index.upsert(&deployment_pod());
        assert_eq!(
            serde_json::to_value(index.by_container(ID_APP).unwrap()).unwrap(),
            json!({
                "name": "web-7d4b9c8f6d-x2x9k", "namespace": "shop", "uid": UID,
                "container": "app", "image": "docker.io/library/nginx:1.27",
                "workload": {"kind": "Deployment", "name": "web"}
            })
        );
    }

    #[test]
    fn watch_events_and_relist() {
        let mut index = PodIndex::default();
        let mut relist = Relist::default();
        let gone = pod(json!({"metadata": {"name": "gone", "namespace": "ns", "uid": "gone-uid"}}));
        relist.apply(&mut index, Event::Apply(gone.clone()));
        relist.apply(&mut index, Event::Apply(deployment_pod()));
        assert_eq!(index.len(), 2);
        relist.apply(&mut index, Event::Delete(deployment_pod()));
        assert_eq!(index.len(), 1);
        relist.apply(&mut index, Event::Apply(deployment_pod()));

        // A relist that no longer lists `gone`.
        relist.apply(&mut index, Event::Init);
        relist.apply(&mut index, Event::InitApply(deployment_pod()));
        // Until the list is done, nothing is dropped.
        assert_eq!(index.len(), 2);
        relist.apply(&mut index, Event::InitDone);
        assert_eq!(index.len(), 1);
        assert_eq!(index.by_pod_uid("gone-uid"), None);
        assert!(index.by_container(ID_APP).is_some());

        // InitDone without Init (or a second one) drops nothing.
        relist.apply(&mut index, Event::InitDone);
        assert_eq!(index.len(), 1);
        // An empty relist empties the index.
        relist.apply(&mut index, Event::Init);
        relist.apply(&mut index, Event::InitDone);
        assert!(index.is_empty());
        assert!(index.containers.is_empty());
    }

    #[test]
    fn runtime_prefixes() {
        assert_eq!(strip_runtime_prefix("containerd://abc"), "abc");
        assert_eq!(strip_runtime_prefix("cri-o://abc"), "abc");
        assert_eq!(strip_runtime_prefix("docker://abc"), "abc");
        assert_eq!(strip_runtime_prefix("abc"), "abc");
        assert_eq!(strip_runtime_prefix("containerd://"), "");
    }
}

#[cfg(test)]
mod watch_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::sync::{Arc, Mutex, RwLock};
    use std::time::Duration;

    use kube::client::Body;
    use serde_json::json;

    use super::{PodIndex, watch_pods};

    fn pod(name: &str, uid: &str, id: &str) -> serde_json::Value {
        json!({
            "metadata": {"name": name, "namespace": "shop", "uid": uid, "resourceVersion": "5"},
            "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "web:1"}]},
            "status": {"containerStatuses": [{
                "name": "app", "image": "web:1", "imageID": "", "ready": true,
                "restartCount": 0, "containerID": format!("containerd://{id}")
            }]}
        })
    }

    /// The watch lists this node's pods, then follows changes, through a
    /// fake API server: both reach the index.
    #[tokio::test]
    async fn the_node_pods_are_listed_then_watched() {
        let (service, mut handle) =
            tower_test::mock::pair::<http::Request<Body>, http::Response<Body>>();
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let log = Arc::clone(&seen);
        let listed = "a".repeat(64);
        let added = "b".repeat(64);
        let (first, second) = (listed.clone(), added.clone());
        tokio::spawn(async move {
            while let Some((request, respond)) = handle.next_request().await {
                let target = request.uri().to_string();
                log.lock().unwrap().push(target.clone());
                let body = if target.contains("watch=true") {
                    if log
                        .lock()
                        .unwrap()
                        .iter()
                        .filter(|t| t.contains("watch=true"))
                        .count()
                        > 1
                    {
                        continue; // later watches hang, as an idle server's do
                    }
                    let event = json!({"type": "ADDED", "object": {"kind": "Pod", "apiVersion": "v1",
                        "metadata": pod("web-2", "u-2", &second)["metadata"],
                        "spec": pod("web-2", "u-2", &second)["spec"],
                        "status": pod("web-2", "u-2", &second)["status"]}});
                    format!("{event}\n")
                } else {
                    json!({"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "5"},
                        "items": [pod("web-1", "u-1", &first)]})
                    .to_string()
                };
                let response = http::Response::builder()
                    .status(200)
                    .header("content-type", "application/json")
                    .body(Body::from(body.into_bytes()))
                    .unwrap();
                respond.send_response(response);
            }
        });
        let client = kube::Client::new(service, "default");
        let index = Arc::new(RwLock::new(PodIndex::default()));
        let watched = Arc::clone(&index);
        let task = tokio::spawn(async move { watch_pods(client, "node-1", &watched).await });
        for _ in 0..100 {
            if index.read().unwrap().len() == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        task.abort();
        let index = index.read().unwrap();
        assert_eq!(
            index.by_container(&listed).map(|p| p.name.as_str()),
            Some("web-1")
        );
        assert_eq!(
            index.by_container(&added).map(|p| p.name.as_str()),
            Some("web-2")
        );
        let seen = seen.lock().unwrap();
        assert!(
            seen.iter()
                .all(|t| t.contains("fieldSelector=spec.nodeName%3Dnode-1")),
            "only this node's pods are asked for: {seen:?}"
        );
    }
}
