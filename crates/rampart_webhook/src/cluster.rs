//! The cluster side: a reflector (watch-backed cache) of the Namespaces for
//! their Pod Security labels, and a pod lister for the check of existing
//! pods when a namespace's enforce level becomes stricter.
//!
//! The review path only reads the reflector's store (a lock and a map
//! lookup); nothing on it waits on the API server except the bounded pod
//! list of a Namespace request.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::api::{Api, ListParams};
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Client, Config};

use crate::namespaces::{ListError, NamespaceLabelSource, PodLister, PodPage};
use crate::policy::PsaLabels;

/// The cluster cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("no cluster configuration (neither in-cluster nor a kubeconfig): {0}")]
    NoConfig(String),
    #[error("cannot build a client for the cluster: {0}")]
    Client(String),
    #[error("cannot list namespaces on the API server: {0}")]
    Probe(String),
    #[error("the API server did not answer within {0:?}")]
    Timeout(Duration),
}

/// A client from the in-cluster environment or the kubeconfig, checked by
/// listing one namespace within `timeout` (so that missing RBAC shows at
/// startup, not as a webhook that never becomes ready).
pub async fn connect(timeout: Duration) -> Result<Client, ConnectError> {
    // rustls on ring, as the server uses.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = Config::infer()
        .await
        .map_err(|e| ConnectError::NoConfig(e.to_string()))?;
    let client = Client::try_from(config).map_err(|e| ConnectError::Client(e.to_string()))?;
    probe(&client, timeout).await?;
    Ok(client)
}

/// Lists one namespace within `timeout`.
pub async fn probe(client: &Client, timeout: Duration) -> Result<(), ConnectError> {
    let api: Api<Namespace> = Api::all(client.clone());
    match tokio::time::timeout(timeout, api.list(&ListParams::default().limit(1))).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(error)) => Err(ConnectError::Probe(error.to_string())),
        Err(_) => Err(ConnectError::Timeout(timeout)),
    }
}

/// The cluster's namespaces, cached by a reflector.
pub struct ClusterNamespaces {
    store: Store<Namespace>,
    synced: Arc<AtomicBool>,
}

impl ClusterNamespaces {
    /// Starts the watch on the current tokio runtime; the cache reports
    /// synced once the first full list has arrived. Watch errors are logged
    /// and retried with backoff.
    pub fn start(client: Client) -> Arc<Self> {
        let (store, writer) = reflector::store();
        let api: Api<Namespace> = Api::all(client);
        let stream = reflector::reflector(
            writer,
            watcher(api, watcher::Config::default()).default_backoff(),
        );
        tokio::spawn(stream.for_each(|event| {
            if let Err(error) = event {
                eprintln!(
                    "{}",
                    serde_json::json!({"msg": "namespace watch failed; retrying", "error": error.to_string()})
                );
            }
            std::future::ready(())
        }));
        let synced = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&synced);
        let reader = store.clone();
        tokio::spawn(async move {
            if reader.wait_until_ready().await.is_ok() {
                flag.store(true, Ordering::Release);
                eprintln!(
                    "{}",
                    serde_json::json!({"msg": "namespace cache synced", "namespaces": reader.len()})
                );
            }
        });
        Arc::new(Self { store, synced })
    }
}

impl NamespaceLabelSource for ClusterNamespaces {
    fn labels(&self, namespace: &str) -> Option<PsaLabels> {
        let object = self.store.get(&ObjectRef::new(namespace))?;
        let labels = object.metadata.labels.as_ref();
        Some(PsaLabels::parse(|key| {
            labels.and_then(|l| l.get(key)).map(String::as_str)
        }))
    }

    fn is_synced(&self) -> bool {
        self.synced.load(Ordering::Acquire)
    }
}

/// Lists pods through the API server, one page of at most `limit`.
pub struct ClusterPods {
    client: Client,
    runtime: tokio::runtime::Handle,
}

impl ClusterPods {
    /// Lists on `runtime` (the caller waits on a channel, so it may be any
    /// thread but the runtime's only one).
    pub fn new(client: Client, runtime: tokio::runtime::Handle) -> Self {
        Self { client, runtime }
    }
}

impl PodLister for ClusterPods {
    fn list_pods(
        &self,
        namespace: &str,
        limit: usize,
        budget: Duration,
    ) -> Result<PodPage, ListError> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), namespace);
        let params = ListParams::default().limit(u32::try_from(limit).unwrap_or(u32::MAX));
        let (send, receive) = std::sync::mpsc::sync_channel(1);
        self.runtime.spawn(async move {
            let result = tokio::time::timeout(budget, api.list(&params)).await;
            let _ = send.send(result);
        });
        let list = match receive.recv_timeout(budget + Duration::from_millis(100)) {
            Ok(Ok(Ok(list))) => list,
            Ok(Ok(Err(error))) => return Err(ListError::Api(error.to_string())),
            Ok(Err(_)) | Err(_) => return Err(ListError::Timeout(budget)),
        };
        let truncated = list
            .metadata
            .continue_
            .as_deref()
            .is_some_and(|c| !c.is_empty());
        let remaining = list
            .metadata
            .remaining_item_count
            .and_then(|n| u64::try_from(n).ok());
        let pods = list
            .items
            .into_iter()
            .filter_map(|pod| serde_json::to_value(pod).ok())
            .collect();
        Ok(PodPage {
            pods,
            truncated,
            remaining,
        })
    }
}
