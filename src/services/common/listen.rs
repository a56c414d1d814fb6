//! Binding a service's listener and serving it until SIGTERM / Ctrl-C.

use std::net::SocketAddr;

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;

use crate::ports;

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

/// Serves `app` until a shutdown signal, then lets in-flight requests finish.
pub async fn serve(listener: TcpListener, app: Router) -> anyhow::Result<()> {
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
