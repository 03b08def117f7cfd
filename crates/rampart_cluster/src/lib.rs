//! Live cluster scans: connect to a cluster with kube-rs, list every object
//! rampart judges (page by page, a few kinds at a time), strip what the
//! server adds (`status`, `metadata.managedFields`), leave out what a scanned
//! controller owns, and hand each object over as a [`SourceFile`] of origin
//! [`Origin::Cluster`], so that the same engine as for files judges it.
//!
//! Findings about live objects are located by object and JSON pointer, not
//! by line and column: the text is only a rendering for the checker.
//!
//! Secrets are never listed (no rule needs them).

mod kinds;
#[cfg(feature = "mock")]
pub mod mock;
mod objects;

use std::path::PathBuf;

use futures::stream::{self, StreamExt};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::params::ListParams;
use kube::{Client, Config};
use serde_json::Value;

pub use kinds::{KINDS, KindSpec};
pub use objects::{LiveObject, drop_owned};
pub use rampart_source::{Origin, SourceFile};

/// Objects asked for per page.
pub const DEFAULT_PAGE_SIZE: u32 = 500;
/// Lists in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// A list of more pages than this is cut short (a server that never stops
/// handing out `continue` tokens).
const MAX_PAGES: usize = 100_000;

/// Why the scan could not run.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("cannot read the kubeconfig {path}: {source}")]
    Kubeconfig {
        path: String,
        #[source]
        source: kube::config::KubeconfigError,
    },
    #[error("cannot load the cluster configuration: {0}")]
    Config(#[source] kube::config::KubeconfigError),
    #[error(
        "no cluster configuration: no kubeconfig ({kubeconfig}) and not running in a cluster ({in_cluster})"
    )]
    NoConfig {
        kubeconfig: String,
        in_cluster: String,
    },
    #[error("cannot create the Kubernetes client: {0}")]
    Client(#[source] kube::Error),
    #[error("nothing could be listed from the cluster: {0}")]
    NothingListed(String),
}

/// How to reach the cluster.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// A kubeconfig file; default: `KUBECONFIG` or `~/.kube/config`, and the
    /// in-cluster configuration when there is none.
    pub kubeconfig: Option<PathBuf>,
    /// A context of the kubeconfig; default: its current context.
    pub context: Option<String>,
}

/// A client and the name of what it talks to.
#[derive(Clone)]
pub struct Connection {
    pub client: Client,
    /// The kubeconfig context, or `in-cluster`; names the objects' sources.
    pub context: String,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("context", &self.context)
            .finish_non_exhaustive()
    }
}

/// Builds a client from a kubeconfig (`--kubeconfig`, `--context`) or the
/// in-cluster configuration. Nothing is sent to the server yet.
pub async fn connect(options: &ConnectOptions) -> Result<Connection, ClusterError> {
    // TLS through ring, as the webhook (no aws-lc); set only if nothing was.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let kube_options = KubeConfigOptions {
        context: options.context.clone(),
        ..KubeConfigOptions::default()
    };
    let kubeconfig = match &options.kubeconfig {
        Some(path) => Kubeconfig::read_from(path).map_err(|source| ClusterError::Kubeconfig {
            path: path.display().to_string(),
            source,
        })?,
        None => match Kubeconfig::read() {
            Ok(kubeconfig) => kubeconfig,
            // An explicit context needs a kubeconfig.
            Err(error) if options.context.is_some() => return Err(ClusterError::Config(error)),
            Err(error) => {
                let config = Config::incluster().map_err(|in_cluster| ClusterError::NoConfig {
                    kubeconfig: error.to_string(),
                    in_cluster: in_cluster.to_string(),
                })?;
                let client = Client::try_from(config).map_err(ClusterError::Client)?;
                return Ok(Connection {
                    client,
                    context: "in-cluster".to_string(),
                });
            }
        },
    };
    let context = options
        .context
        .clone()
        .or_else(|| kubeconfig.current_context.clone())
        .unwrap_or_else(|| "default".to_string());
    let config = Config::from_custom_kubeconfig(kubeconfig, &kube_options)
        .await
        .map_err(ClusterError::Config)?;
    let client = Client::try_from(config).map_err(ClusterError::Client)?;
    Ok(Connection { client, context })
}

/// What to list.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Only these namespaces (empty: all). Cluster-scoped RBAC objects are
    /// listed anyway: the namespaces' bindings refer to them.
    pub namespaces: Vec<String>,
    /// Keep Pods, ReplicaSets and Jobs that a scanned controller owns.
    pub include_owned: bool,
    pub page_size: u32,
    /// Lists in flight at once (at least one).
    pub concurrency: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            namespaces: Vec::new(),
            include_owned: false,
            page_size: DEFAULT_PAGE_SIZE,
            concurrency: DEFAULT_CONCURRENCY,
        }
    }
}

/// Why a kind (in a namespace) was not scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// HTTP 403: the scanner lacks `verb` on the resource.
    Forbidden { verb: &'static str },
    /// HTTP 404: the server does not serve the kind (or the namespace is missing).
    NotFound,
    /// Anything else (the message of the error).
    Failed(String),
}

/// A kind that was (partly) not scanned: a warning, the scan goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub kind: KindSpec,
    pub namespace: Option<String>,
    pub problem: Problem,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let place = match &self.namespace {
            Some(namespace) => format!(" in namespace {namespace}"),
            None => String::new(),
        };
        let kind = self.kind.kind;
        let resource = self.kind.resource();
        match &self.problem {
            Problem::Forbidden { verb } => write!(
                f,
                "{kind} not scanned{place}: forbidden (the scanner needs the `{verb}` verb on `{resource}`)"
            ),
            Problem::NotFound => write!(
                f,
                "{kind} not scanned{place}: the server does not serve {resource} ({}) (HTTP 404)",
                self.kind.api_version()
            ),
            Problem::Failed(message) => write!(f, "{kind} not scanned{place}: {message}"),
        }
    }
}

/// One finished list, for progress reports.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    pub kind: &'a KindSpec,
    pub namespace: Option<&'a str>,
    /// Objects listed (0 when it failed).
    pub objects: usize,
    /// Lists finished so far, and in all.
    pub done: usize,
    pub total: usize,
}

/// Everything read from the cluster.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The kubeconfig context (or `in-cluster`), as in the sources' names.
    pub context: String,
    /// The objects to judge, in [`KINDS`] order, then namespace and name.
    pub objects: Vec<LiveObject>,
    pub warnings: Vec<Warning>,
    /// Objects left out because a scanned controller owns them.
    pub owned_skipped: usize,
}

impl Snapshot {
    /// One source per object, named `cluster://<context>/<namespace>/<Kind>/<name>`.
    pub fn sources(&self) -> Vec<SourceFile> {
        self.objects
            .iter()
            .map(|object| object.to_source(&self.context))
            .collect()
    }
}

/// Lists every kind of [`KINDS`] (in the namespaces asked for), `concurrency`
/// lists at a time, following `continue` tokens. A kind that is forbidden,
/// missing or failing is a [`Warning`]; only when nothing at all could be
/// listed (no connection, nothing allowed) is it an error.
pub async fn fetch(
    connection: &Connection,
    options: &ScanOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Snapshot, ClusterError> {
    let units = units(options);
    let total = units.len();
    let client = &connection.client;
    let page_size = options.page_size.max(1);
    let mut results = stream::iter(units.into_iter().enumerate())
        .map(|(index, (kind, namespace))| async move {
            let result = list_unit(client, kind, namespace.as_deref(), page_size).await;
            (index, kind, namespace, result)
        })
        .buffer_unordered(options.concurrency.max(1));

    let mut done = 0;
    let mut listed: Vec<(usize, Vec<LiveObject>)> = Vec::new();
    let mut warnings: Vec<(usize, Warning)> = Vec::new();
    let mut first_failure: Option<String> = None;
    while let Some((index, kind, namespace, result)) = results.next().await {
        done += 1;
        let count = result.as_ref().map_or(0, Vec::len);
        progress(Progress {
            kind,
            namespace: namespace.as_deref(),
            objects: count,
            done,
            total,
        });
        match result {
            Ok(mut objects) => {
                objects.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
                listed.push((index, objects));
            }
            Err(problem) => {
                if first_failure.is_none() {
                    let warning = Warning {
                        kind: *kind,
                        namespace: namespace.clone(),
                        problem: problem.clone(),
                    };
                    first_failure = Some(warning.to_string());
                }
                warnings.push((
                    index,
                    Warning {
                        kind: *kind,
                        namespace,
                        problem,
                    },
                ));
            }
        }
    }
    if listed.is_empty() {
        return Err(ClusterError::NothingListed(
            first_failure.unwrap_or_else(|| "no kind to list".to_string()),
        ));
    }
    // Completion order varies: restore the order of the units.
    listed.sort_by_key(|(index, _)| *index);
    warnings.sort_by_key(|(index, _)| *index);
    let mut objects: Vec<LiveObject> = listed.into_iter().flat_map(|(_, o)| o).collect();
    let before = objects.len();
    if !options.include_owned {
        objects = drop_owned(objects);
    }
    Ok(Snapshot {
        context: connection.context.clone(),
        owned_skipped: before - objects.len(),
        objects,
        warnings: warnings.into_iter().map(|(_, w)| w).collect(),
    })
}

/// The lists to make: each kind once, or once per namespace for namespaced
/// kinds when namespaces are given.
fn units(options: &ScanOptions) -> Vec<(&'static KindSpec, Option<String>)> {
    let mut units = Vec::new();
    for kind in KINDS {
        if options.namespaces.is_empty() || (!kind.namespaced && kind.kind != "Namespace") {
            units.push((kind, None));
        } else {
            for namespace in &options.namespaces {
                units.push((kind, Some(namespace.clone())));
            }
        }
    }
    units
}

/// Lists one kind (in one namespace), page by page. With namespaces given,
/// the Namespace objects themselves are read one by one (`get`).
async fn list_unit(
    client: &Client,
    kind: &KindSpec,
    namespace: Option<&str>,
    page_size: u32,
) -> Result<Vec<LiveObject>, Problem> {
    if !kind.namespaced
        && let Some(name) = namespace
    {
        let request = kube::core::Request::new(kind.collection_path(None))
            .get(name, &kube::core::params::GetParams::default())
            .map_err(|e| Problem::Failed(e.to_string()))?;
        let value: Value = client
            .request(request)
            .await
            .map_err(|e| problem_of(e, "get"))?;
        return Ok(LiveObject::from_item(kind, value).into_iter().collect());
    }
    let request_builder = kube::core::Request::new(kind.collection_path(namespace));
    let mut objects = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut params = ListParams::default().limit(page_size);
        if let Some(token) = &token {
            params = params.continue_token(token);
        }
        let request = request_builder
            .list(&params)
            .map_err(|e| Problem::Failed(e.to_string()))?;
        let mut page: Value = client
            .request(request)
            .await
            .map_err(|e| problem_of(e, "list"))?;
        if let Some(Value::Array(items)) = page.get_mut("items").map(Value::take) {
            objects.extend(
                items
                    .into_iter()
                    .filter_map(|item| LiveObject::from_item(kind, item)),
            );
        }
        let next = page
            .pointer("/metadata/continue")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        match next {
            Some(next) if token.as_deref() != Some(next.as_str()) => token = Some(next),
            Some(_) => {
                return Err(Problem::Failed(
                    "the server repeated a continue token".to_string(),
                ));
            }
            None => return Ok(objects),
        }
    }
    Err(Problem::Failed(format!(
        "more than {MAX_PAGES} pages of {page_size}"
    )))
}

fn problem_of(error: kube::Error, verb: &'static str) -> Problem {
    match &error {
        kube::Error::Api(status) if status.code == 403 => Problem::Forbidden { verb },
        kube::Error::Api(status) if status.code == 404 => Problem::NotFound,
        kube::Error::Api(status) if !status.message.is_empty() => {
            Problem::Failed(format!("HTTP {}: {}", status.code, status.message))
        }
        _ => Problem::Failed(chain(&error)),
    }
}

/// The error and its causes: `client error (Connect): tcp connect error: Connection refused`.
fn chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let text = inner.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = inner.source();
    }
    message
}
