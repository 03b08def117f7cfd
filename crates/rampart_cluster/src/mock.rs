//! A fake API server for tests (feature `mock`): a `tower-test` mock service
//! behind a real [`kube::Client`], answering list requests the way the
//! kube-apiserver does (paging with `limit` and `continue`, namespace
//! filtering, `Status` bodies for 403 and 404), from a set of objects.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};

use kube::Client;
use kube::client::Body;
use serde_json::{Value, json};

use crate::{Connection, KINDS, KindSpec};

/// The objects the fake server holds, by kind, and what it refuses.
#[derive(Debug, Clone, Default)]
pub struct MockCluster {
    items: BTreeMap<&'static str, Vec<Value>>,
    /// Kinds whose lists answer 403.
    forbidden: BTreeSet<String>,
    /// Kinds the server does not serve (404).
    missing: BTreeSet<String>,
}

/// The paths (with queries) the client asked for, in order.
pub type RequestLog = Arc<Mutex<Vec<String>>>;

impl MockCluster {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds objects (full manifests with `kind`); unknown kinds are ignored.
    pub fn with_objects(mut self, objects: impl IntoIterator<Item = Value>) -> Self {
        for object in objects {
            let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
            if let Some(spec) = KINDS.iter().find(|k| k.kind == kind) {
                let mut item = object.clone();
                // Lists carry the type once, not per item.
                if let Value::Object(fields) = &mut item {
                    fields.remove("kind");
                    fields.remove("apiVersion");
                }
                self.items.entry(spec.kind).or_default().push(item);
            }
        }
        self
    }

    /// Lists of `kind` answer 403 Forbidden.
    pub fn forbid(mut self, kind: &str) -> Self {
        self.forbidden.insert(kind.to_string());
        self
    }

    /// The server does not serve `kind` (404).
    pub fn without(mut self, kind: &str) -> Self {
        self.missing.insert(kind.to_string());
        self
    }

    /// Starts answering on the current tokio runtime; the connection's
    /// context is `mock`.
    pub fn serve(self) -> (Connection, RequestLog) {
        let (service, mut handle) =
            tower_test::mock::pair::<http::Request<Body>, http::Response<Body>>();
        let log: RequestLog = Arc::default();
        let seen = Arc::clone(&log);
        tokio::spawn(async move {
            while let Some((request, respond)) = handle.next_request().await {
                let target = request
                    .uri()
                    .path_and_query()
                    .map_or_else(String::new, |p| p.to_string());
                seen.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(target.clone());
                let (status, body) = self.answer(&target);
                let response = http::Response::builder()
                    .status(status)
                    .header("content-type", "application/json")
                    .body(Body::from(body.to_string().into_bytes()));
                match response {
                    Ok(response) => respond.send_response(response),
                    Err(error) => respond.send_error(error),
                }
            }
        });
        let client = Client::new(service, "default");
        (
            Connection {
                client,
                context: "mock".to_string(),
            },
            log,
        )
    }

    fn answer(&self, target: &str) -> (u16, Value) {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let params: BTreeMap<&str, &str> = query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .collect();
        let Some((spec, namespace, name)) = route(path) else {
            return not_found(path);
        };
        if self.missing.contains(spec.kind) {
            return not_found(path);
        }
        if self.forbidden.contains(spec.kind) {
            let verb = if name.is_some() { "get" } else { "list" };
            return (
                403,
                json!({
                    "kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 403,
                    "reason": "Forbidden",
                    "message": format!("{} is forbidden: User \"system:serviceaccount:rampart:scanner\" cannot {verb} resource \"{}\" in API group \"{}\" at the cluster scope", spec.plural, spec.plural, spec.group),
                }),
            );
        }
        let items: Vec<&Value> = self
            .items
            .get(spec.kind)
            .into_iter()
            .flatten()
            .filter(|item| {
                let item_namespace = item.pointer("/metadata/namespace").and_then(Value::as_str);
                let item_name = item.pointer("/metadata/name").and_then(Value::as_str);
                (namespace.is_none() || spec.kind == "Namespace" || item_namespace == namespace)
                    && (name.is_none() || item_name == name)
            })
            .collect();
        if name.is_some() {
            return match items.first() {
                Some(item) => {
                    let mut item = (*item).clone();
                    item["kind"] = json!(spec.kind);
                    item["apiVersion"] = json!(spec.api_version());
                    (200, item)
                }
                None => not_found(path),
            };
        }
        let start: usize = params
            .get("continue")
            .and_then(|token| token.strip_prefix("offset-"))
            .and_then(|offset| offset.parse().ok())
            .unwrap_or(0);
        let limit: usize = params
            .get("limit")
            .and_then(|limit| limit.parse().ok())
            .unwrap_or(usize::MAX)
            .max(1);
        let end = start.saturating_add(limit).min(items.len());
        let page: Vec<&Value> = items.get(start..end).unwrap_or_default().to_vec();
        let mut metadata = json!({"resourceVersion": "1000"});
        if end < items.len() {
            metadata["continue"] = json!(format!("offset-{end}"));
            metadata["remainingItemCount"] = json!(items.len() - end);
        }
        (
            200,
            json!({
                "kind": format!("{}List", spec.kind),
                "apiVersion": spec.api_version(),
                "metadata": metadata,
                "items": page,
            }),
        )
    }
}

/// The kind, namespace and object name a path addresses.
fn route(path: &str) -> Option<(&'static KindSpec, Option<&str>, Option<&str>)> {
    for spec in KINDS {
        let all = spec.collection_path(None);
        if path == all {
            return Some((spec, None, None));
        }
        if let Some(name) = path.strip_prefix(&format!("{all}/"))
            && !spec.namespaced
            && !name.contains('/')
        {
            return Some((spec, None, Some(name)));
        }
        let Some(base) = all.strip_suffix(spec.plural) else {
            continue;
        };
        if let Some(rest) = path.strip_prefix(&format!("{base}namespaces/"))
            && let Some((namespace, plural)) = rest.split_once('/')
            && plural == spec.plural
        {
            return Some((spec, Some(namespace), None));
        }
    }
    None
}

fn not_found(path: &str) -> (u16, Value) {
    (
        404,
        json!({
            "kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 404,
            "reason": "NotFound", "message": format!("the server could not find the requested resource ({path})"),
        }),
    )
}

/// A small, realistic cluster: namespaces `shop` (Pod Security `restricted`,
/// default-deny NetworkPolicy) and `monitoring` (no labels, no policy); a
/// Deployment with its ReplicaSet and Pods, a privileged DaemonSet whose
/// service account a ClusterRoleBinding lets read secrets, with its Pod, and
/// a bare privileged Pod; as the API server returns them (uids, owner
/// references, `managedFields`, `status`).
pub fn demo_objects() -> Vec<Value> {
    serde_json::from_str(include_str!("mock/demo-cluster.json")).unwrap_or_default()
}
