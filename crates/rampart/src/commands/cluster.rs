//! `rampart scan --cluster`: read the live objects the scan then judges.

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use rampart_cluster::{ConnectOptions, Progress, ScanOptions, Snapshot, connect, fetch};

use crate::args::ScanArgs;

/// Connects as `--kubeconfig`/`--context` (or in-cluster) say and lists every
/// kind the scan judges. Kinds that cannot be listed are warnings on standard
/// error; failing to connect or to list anything is an error (exit 2). A
/// progress bar shows on standard error when it is a terminal.
pub fn snapshot(args: &ScanArgs) -> anyhow::Result<Snapshot> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let interactive = std::io::stderr().is_terminal();
    let bar = if interactive {
        let bar = ProgressBar::new(0);
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} listing {msg} [{bar:30}] {pos}/{len}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    } else {
        ProgressBar::hidden()
    };
    let options = ScanOptions {
        namespaces: args.namespace.clone(),
        include_owned: args.include_owned,
        ..ScanOptions::default()
    };
    let connect_options = ConnectOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
    };
    let progress = |p: Progress<'_>| {
        bar.set_length(p.total as u64);
        bar.set_position(p.done as u64);
        let place = p.namespace.map(|n| format!(" in {n}")).unwrap_or_default();
        bar.set_message(format!("{}{place}", p.kind.resource()));
    };
    let result = runtime.block_on(async {
        let connection = connect(&connect_options).await?;
        bar.set_message(format!("context {}", connection.context));
        fetch(&connection, &options, &progress).await
    });
    bar.finish_and_clear();
    let snapshot = result.context("cannot scan the cluster")?;
    for warning in &snapshot.warnings {
        eprintln!("rampart: warning: {warning}");
    }
    if interactive {
        eprintln!(
            "rampart: read {} object(s) from context {}{}",
            snapshot.objects.len(),
            snapshot.context,
            if snapshot.owned_skipped > 0 {
                format!(
                    "; left out {} Pod(s)/ReplicaSet(s)/Job(s) owned by a scanned controller (--include-owned keeps them)",
                    snapshot.owned_skipped
                )
            } else {
                String::new()
            }
        );
    }
    Ok(snapshot)
}
