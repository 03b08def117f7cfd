//! The API-server defaulting that changes Pod Security outcomes (SPEC §7).
//!
//! Pod Security Admission sees objects after defaulting. Offline manifests
//! have not been defaulted, so a tool that wants the live-cluster verdict
//! applies these first.

use serde_json::{Map, Value};

/// Every field of a Kubernetes `VolumeSource`.
const VOLUME_SOURCES: [&str; 30] = [
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
];

/// Applies the API-server defaulting that applies to pods **and** pod
/// templates and that changes Pod Security outcomes. Exactly one step:
///
/// * every entry of `spec.volumes` that is an object and has none of the 30
///   `VolumeSource` fields set (present and not `null`) gets `emptyDir: {}`
///   (any `emptyDir: null` is replaced). This is Kubernetes'
///   `SetDefaults_Volume`; without it, a `- name: x` volume is an `unknown`
///   volume type to the `restrictedVolumes` check.
///
/// Nothing else is touched; a `spec` or `volumes` of the wrong type is left
/// as is. For the Pod-only `hostNetwork` port defaulting, see
/// [`apply_pod_host_network_port_defaults`].
pub fn apply_api_defaults(spec: &mut Value) {
    let Some(volumes) = spec.get_mut("volumes").and_then(Value::as_array_mut) else {
        return;
    };
    for volume in volumes.iter_mut().filter_map(Value::as_object_mut) {
        let has_source = VOLUME_SOURCES
            .iter()
            .any(|source| volume.get(*source).is_some_and(|v| !v.is_null()));
        if !has_source {
            volume.insert("emptyDir".to_owned(), Value::Object(Map::new()));
        }
    }
}

/// Applies the defaulting the API server does for **Pods only** (not pod
/// templates, since Kubernetes 1.28): when `spec.hostNetwork` is `true`, every
/// port of every `containers[*]` and `initContainers[*]` entry whose `hostPort`
/// is missing, `null` or `0` gets `hostPort` = its `containerPort` (when
/// `containerPort` is a number). With it, the `hostPorts` check fires for
/// host-network pods as it does in a live cluster. Ephemeral containers are
/// not defaulted (they cannot declare ports).
pub fn apply_pod_host_network_port_defaults(spec: &mut Value) {
    if spec.get("hostNetwork").and_then(Value::as_bool) != Some(true) {
        return;
    }
    for field in ["containers", "initContainers"] {
        let Some(containers) = spec.get_mut(field).and_then(Value::as_array_mut) else {
            continue;
        };
        for container in containers.iter_mut() {
            let Some(ports) = container.get_mut("ports").and_then(Value::as_array_mut) else {
                continue;
            };
            for port in ports.iter_mut().filter_map(Value::as_object_mut) {
                let unset = match port.get("hostPort") {
                    None | Some(Value::Null) => true,
                    Some(Value::Number(n)) => super::pod::is_zero(n),
                    Some(_) => false,
                };
                if !unset {
                    continue;
                }
                if let Some(container_port @ Value::Number(_)) = port.get("containerPort") {
                    let container_port = container_port.clone();
                    port.insert("hostPort".to_owned(), container_port);
                }
            }
        }
    }
}
