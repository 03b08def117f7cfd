//! `rampart webhook`: the admission webhook over HTTPS.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use rampart_linter::checker::CheckOptions;
use rampart_privileges::scan::{ExplainMode, KnowledgeExplainer};
use rampart_webhook::cluster::{ClusterNamespaces, ClusterPods, connect};
use rampart_webhook::server::{Metrics, ServerConfig, serve};
use rampart_webhook::{Engine, Mode};

use crate::args::{NamespaceLabels, WebhookArgs, WebhookMode};

pub fn run(args: &WebhookArgs) -> anyhow::Result<ExitCode> {
    let config = super::policy::load_config(args.config.as_deref())?;
    let exceptions = !config.exceptions.is_empty();
    let agent_privileges = if exceptions {
        let base = super::explain::load_knowledge(&args.profiles)?;
        Some(Arc::new(KnowledgeExplainer::new(
            Arc::new(base),
            ExplainMode::Off,
            true,
        ))
            as Arc<
                dyn rampart_linter::agent_privileges::PrivilegeExplainer,
            >)
    } else {
        None
    };
    let options = CheckOptions {
        pss_level: args.pss_level,
        pss_version: args.pss_version,
        posture_rules: args.posture_rules,
        config: Arc::new(config),
        agent_privileges,
        ..CheckOptions::default()
    };
    let engine = Engine::new(
        Arc::new(options),
        match args.mode {
            WebhookMode::Enforce => Mode::Enforce,
            WebhookMode::Warn => Mode::Warn,
            WebhookMode::Audit => Mode::Audit,
        },
        args.pss_level,
    );
    let max_concurrency = args
        .max_concurrency
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |cpus| cpus.get()) * 2);
    let server = ServerConfig {
        listen: args.listen,
        cert: args.cert.clone(),
        key: args.key.clone(),
        max_concurrency,
        timeout: Duration::from_millis(args.timeout_ms),
        reload_interval: Duration::from_secs(10),
    };
    // Reviews are short and CPU-bound: a small blocking pool, as wide as the
    // concurrency bound, keeps memory flat under load.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(max_concurrency.max(1))
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let engine = Arc::new(with_namespace_labels(engine, args.namespace_labels).await?);
        serve(server, engine, Arc::new(Metrics::default()))
            .await
            .context("the webhook stopped")
    })?;
    Ok(ExitCode::SUCCESS)
}

/// How long the startup check of cluster access may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// Connects the engine to the cluster's namespaces (and pods), as
/// `--namespace-labels` says.
async fn with_namespace_labels(engine: Engine, mode: NamespaceLabels) -> anyhow::Result<Engine> {
    if mode == NamespaceLabels::Off {
        return Ok(engine);
    }
    match connect(PROBE_TIMEOUT).await {
        Ok(client) => {
            log(
                "reading the namespaces' Pod Security labels from the cluster",
                None,
            );
            let namespaces = ClusterNamespaces::start(client.clone());
            let pods = ClusterPods::new(client, tokio::runtime::Handle::current());
            Ok(engine
                .with_namespaces(namespaces)
                .with_pod_lister(Arc::new(pods)))
        }
        Err(error) if mode == NamespaceLabels::On => Err(anyhow::anyhow!(
            "--namespace-labels=on, but the cluster cannot be used: {error}"
        )),
        Err(error) => {
            log(
                "no cluster access: running without the namespaces' Pod Security labels \
                 (levels from the config and the command line only)",
                Some(&error.to_string()),
            );
            Ok(engine)
        }
    }
}

/// One JSON line on standard error, as the server logs.
fn log(msg: &str, error: Option<&str>) {
    let mut line = serde_json::json!({ "msg": msg });
    if let Some(error) = error {
        line["level"] = "warning".into();
        line["error"] = error.into();
    }
    eprintln!("{line}");
}
