//! Binding a service's listener and serving it until SIGTERM / Ctrl-C.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;

use crate::ports;
use crate::tls::Peer;

/// Binds `addr`; a port already in use is an error naming the port and,
/// where it can be found, the process holding it.
pub async fn bind(addr: SocketAddr, what: &str) -> anyhow::Result<TcpListener> {
    match TcpListener::bind(addr).await {
        Ok(l) => Ok(l),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            Err(anyhow::anyhow!(ports::in_use_message(addr, what)))
        }
        Err(e) => Err(e).with_context(|| format!("cannot listen on {addr} ({what})")),
    }
}

/// Sets up this process's transport as instance `instance` (mutual TLS
/// with its identity, or plaintext under `tls.insecure_plaintext`, loudly)
/// and watches its certificate for rotation. Call first in a service's run.
pub fn install_transport(
    cfg: &crate::config::Config,
    state_dir: &std::path::Path,
    instance: &str,
) -> anyhow::Result<()> {
    let t = crate::tls::Transport::for_instance(cfg, state_dir, instance)?;
    if !t.is_tls() {
        tracing::warn!(
            "INSECURE: tls.insecure_plaintext is on; requests between services travel as plain \
             HTTP, unauthenticated and readable by anyone on the network. For debugging only."
        );
    }
    t.watch();
    crate::tls::install(t);
    Ok(())
}

/// Serves `app` as a service of role `role` until a shutdown signal, then
/// lets in-flight requests finish: mutual TLS under this process's
/// transport, plain HTTP in plaintext.
pub async fn serve(listener: TcpListener, app: Router, role: Peer) -> anyhow::Result<()> {
    match crate::tls::transport().server_config(role)? {
        Some(tls) => {
            crate::tls::serve::serve(
                listener,
                app,
                tls,
                Some(role),
                super::http::shutdown_signal(),
            )
            .await;
            tracing::info!("stopped");
            Ok(())
        }
        None => serve_plain(listener, app).await,
    }
}

/// Serves `app` over TLS without client certificates (the gateway's
/// client-facing port with `gateway.tls.cert`/`key`).
pub async fn serve_public_tls(
    listener: TcpListener,
    app: Router,
    tls: Arc<rustls::ServerConfig>,
) -> anyhow::Result<()> {
    crate::tls::serve::serve(listener, app, tls, None, super::http::shutdown_signal()).await;
    tracing::info!("stopped");
    Ok(())
}

/// Serves `app` as plain HTTP.
pub async fn serve_plain(listener: TcpListener, app: Router) -> anyhow::Result<()> {
    use axum::serve::ListenerExt;
    // Small request/response exchanges (votes between validators) must not
    // wait for Nagle's algorithm.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(super::http::shutdown_signal())
    .await
    .context("server failed")?;
    tracing::info!("stopped");
    Ok(())
}
