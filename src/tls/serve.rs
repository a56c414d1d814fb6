//! Serving an axum app over TLS: each accepted connection's handshake runs
//! on its own task (a slow or hostile client holds up no one), refusals are
//! logged at warn with the peer's address, and the caller's identity goes
//! into each request's extensions with its `ConnectInfo`. On shutdown the
//! listener closes and in-flight requests finish (hyper-util's graceful
//! shutdown, as `axum::serve` does).
//!
//! A client that presents no certificate completes its handshake but gets
//! only `GET /health` and `/health/ready` (see [`anonymous_may`]); a
//! certificate it does present must chain to the CA and name an allowed
//! role, or the handshake fails.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use rustls::ServerConfig;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use super::{Peer, verify};
use crate::services::common::Problem;

/// What a client without a certificate may ask a service: liveness and
/// readiness, so that Kubernetes' `httpGet` probes (scheme HTTPS), Docker's
/// health checks and Consul's HTTPS checks work without an identity.
/// Everything else — the API, `/metrics`, `/openapi.json` — needs one.
pub fn anonymous_may(method: &Method, path: &str) -> bool {
    (method == Method::GET || method == Method::HEAD) && matches!(path, "/health" | "/health/ready")
}

/// How long a client has to finish its handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` with `tls` until `shutdown` completes, then
/// waits for open connections' requests to finish. `service` (the role
/// being served) names whose callers' identities to record; None for a
/// port without client certificates.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Arc<ServerConfig>,
    service: Option<Peer>,
    shutdown: impl Future<Output = ()>,
) {
    let acceptor = TlsAcceptor::from(tls);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of descriptors and the like: back off, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let app = app.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let stream = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    tracing::warn!(%peer, error = %e, "TLS handshake refused");
                    return;
                }
                Err(_) => {
                    tracing::warn!(%peer, "TLS handshake timed out");
                    return;
                }
            };
            let identity = service.and_then(|s| {
                let certs = stream.get_ref().1.peer_certificates()?;
                verify::identity(certs.first()?, s)
            });
            // A service port lets a client without a certificate finish
            // its handshake (an orchestrator's probe cannot present one),
            // and answers it on the probe paths only.
            let anonymous = service.is_some() && identity.is_none();
            let svc = tower::service_fn(move |mut req: hyper::Request<Incoming>| {
                let app = app.clone();
                let refused = anonymous && !anonymous_may(req.method(), req.uri().path());
                let identity = identity.clone();
                async move {
                    if refused {
                        tracing::warn!(
                            %peer,
                            method = %req.method(),
                            path = req.uri().path(),
                            "request without a client certificate refused \
                             (only /health and /health/ready answer without one)"
                        );
                        return Ok::<_, Infallible>(
                            Problem::new(
                                StatusCode::UNAUTHORIZED,
                                "this service requires a client certificate issued by the \
                                 BitCraps CA (mutual TLS); without one only GET /health and \
                                 /health/ready answer",
                            )
                            .into_response(),
                        );
                    }
                    req.extensions_mut().insert(ConnectInfo(peer));
                    if let Some(i) = identity {
                        req.extensions_mut().insert(i);
                    }
                    app.oneshot(req.map(axum::body::Body::new)).await
                }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(svc));
            if let Err(e) = watcher.watch(conn).await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
