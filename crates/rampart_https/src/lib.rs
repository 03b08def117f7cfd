//! HTTPS plumbing shared by rampart's servers (`rampart webhook`,
//! `rampart audit serve`): certificate hot reload and shutdown on signals.
//! Log lines are JSON objects on standard error, as the servers write them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Reloads the certificate and key when either file changes (cert-manager
/// rotates them in place), checking every `every`; a failed reload keeps
/// the current pair.
pub async fn reload_certificates(tls: RustlsConfig, cert: PathBuf, key: PathBuf, every: Duration) {
    let mut seen = (modified(&cert), modified(&key));
    loop {
        tokio::time::sleep(every).await;
        let now = (modified(&cert), modified(&key));
        if now == seen {
            continue;
        }
        match tls.reload_from_pem_file(&cert, &key).await {
            Ok(()) => {
                seen = now;
                eprintln!("{}", serde_json::json!({"msg": "certificate reloaded"}));
            }
            Err(error) => eprintln!(
                "{}",
                serde_json::json!({"msg": "certificate reload failed", "error": error.to_string()})
            ),
        }
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn wait_for_termination() {
    let terminate = async {
        #[cfg(unix)]
        {
            if let Ok(mut signal) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            {
                signal.recv().await;
            } else {
                std::future::pending::<()>().await;
            }
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}

/// On SIGTERM or Ctrl-C, shuts the server down gracefully (in-flight
/// requests get ten seconds).
pub async fn shutdown_on_signal(handle: Handle<SocketAddr>) {
    wait_for_termination().await;
    eprintln!("{}", serde_json::json!({"msg": "shutting down"}));
    handle.graceful_shutdown(Some(Duration::from_secs(10)));
}

/// Helpers for the servers' HTTPS tests.
#[cfg(feature = "testing")]
pub mod testing {
    use std::net::SocketAddr;
    use std::path::Path;
    use std::sync::Arc;

    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Writes a self-signed certificate for `localhost` to `dir/tls.crt` and
    /// its key to `dir/tls.key`; returns the certificate PEM (to trust it).
    pub fn write_self_signed(dir: &Path) -> Result<String, String> {
        let key = rcgen::KeyPair::generate().map_err(|e| e.to_string())?;
        let params = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
            .map_err(|e| e.to_string())?;
        let cert = params.self_signed(&key).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("tls.crt"), cert.pem()).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("tls.key"), key.serialize_pem()).map_err(|e| e.to_string())?;
        Ok(cert.pem())
    }

    /// An HTTP answer: status, head (status line and headers), body.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Response {
        pub status: u16,
        pub head: String,
        pub body: String,
    }

    /// One HTTP/1.1 request over TLS to `localhost` at `addr`, trusting only
    /// `ca_pem`. An error when the handshake fails or nothing answers.
    pub async fn request(
        addr: SocketAddr,
        ca_pem: &str,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Result<Response, String> {
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
            roots
                .add(cert.map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?;
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let tcp = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| e.to_string())?;
        let name = ServerName::try_from("localhost").map_err(|e| e.to_string())?;
        let mut tls = connector
            .connect(name, tcp)
            .await
            .map_err(|e| e.to_string())?;
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        tls.write_all(head.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        tls.write_all(body).await.map_err(|e| e.to_string())?;
        let mut response = Vec::new();
        let _ = tls.read_to_end(&mut response).await;
        let text = String::from_utf8_lossy(&response).into_owned();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("no answer: {text:?}"))?;
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        Ok(Response {
            status,
            head: head.to_owned(),
            body: body.to_owned(),
        })
    }
}
