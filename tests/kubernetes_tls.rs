//! Kubernetes discovery over TLS, as in a cluster: the API server's
//! certificate is signed by the cluster CA, which the client reads from the
//! service-account directory (`ca.crt`, beside `token` and `namespace`). A
//! fake API server serves the EndpointSlices API over HTTPS with a
//! certificate made by this test; a client given the right CA discovers the
//! instances, one given another CA refuses the connection and the instances
//! it had stay.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bitcraps::config::Config;
use bitcraps::upstream::discovery::kubernetes::Kubernetes;
use bitcraps::upstream::discovery::{self, Discovery};
use bitcraps::upstream::{Instance, UpstreamSet};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, SanType};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::server::TlsStream;

const ENGINE: &str = "10.1.2.3:8081";

/// A certificate authority made for this test.
struct Ca {
    cert: rcgen::Certificate,
    issuer: rcgen::Issuer<'static, KeyPair>,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Ca {
            cert,
            issuer: rcgen::Issuer::new(params, key),
        }
    }

    /// A server certificate for 127.0.0.1 and `localhost`, with its key.
    fn server(&self) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
        let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        params
            .subject_alt_names
            .push(SanType::IpAddress([127, 0, 0, 1].into()));
        params
            .distinguished_name
            .push(DnType::CommonName, "kube-apiserver");
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (
            cert.der().clone(),
            PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
        )
    }
}

/// A TLS listener for `axum::serve`: handshakes that fail (a client that
/// refuses the certificate) are skipped.
struct TlsListener {
    tcp: TcpListener,
    tls: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, peer)) = self.tcp.accept().await else {
                continue;
            };
            if let Ok(tls) = self.tls.accept(tcp).await {
                return (tls, peer);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// The EndpointSlices API of a fake API server: one ready engine pod in
/// namespace `casino`; a watch stays open with no events.
async fn endpointslices(Query(q): Query<HashMap<String, String>>, headers: HeaderMap) -> Response {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer sa-token") {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if q.get("watch").map(String::as_str) == Some("true") {
        let open = tokio_stream::pending::<Result<axum::body::Bytes, std::io::Error>>();
        return axum::body::Body::from_stream(open).into_response();
    }
    let addr: SocketAddr = ENGINE.parse().unwrap();
    axum::Json(json!({
        "kind": "EndpointSliceList", "apiVersion": "discovery.k8s.io/v1",
        "metadata": {"resourceVersion": "42"},
        "items": [{
            "metadata": {"name": "engine-abc", "resourceVersion": "41"},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [addr.ip().to_string()], "conditions": {"ready": true},
                           "targetRef": {"kind": "Pod", "name": "bitcraps-engine-0"}}],
            "ports": [{"name": "http", "port": addr.port()}]
        }]
    }))
    .into_response()
}

/// Starts the fake API server over TLS with a certificate signed by `ca`.
async fn api_server(ca: &Ca) -> SocketAddr {
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let (cert, key) = ca.server();
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    let listener = TlsListener {
        tcp,
        tls: TlsAcceptor::from(Arc::new(config)),
    };
    let app = Router::new().route(
        "/apis/discovery.k8s.io/v1/namespaces/casino/endpointslices",
        get(endpointslices),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// A service-account directory holding `ca`'s certificate.
fn service_account(dir: &Path, ca: &Ca) {
    std::fs::write(dir.join("ca.crt"), ca.cert.pem()).unwrap();
    std::fs::write(dir.join("token"), "sa-token\n").unwrap();
    std::fs::write(dir.join("namespace"), "casino\n").unwrap();
}

fn config(api: &str, dir: &Path) -> Config {
    let mut cfg = Config::defaults().unwrap();
    cfg.service_discovery.method = "kubernetes".into();
    cfg.service_discovery.kubernetes_api = api.to_string();
    cfg.service_discovery.kubernetes_service_account_dir = dir.to_path_buf();
    cfg
}

#[tokio::test]
async fn discovery_trusts_the_cluster_ca_and_refuses_another() {
    let cluster = Ca::new("test cluster CA");
    let api = api_server(&cluster).await;

    // The cluster's CA: the engine pod is discovered, over an IP address
    // (as KUBERNETES_SERVICE_HOST gives it) and over a host name.
    for url in [
        format!("https://{api}"),
        format!("https://localhost:{}", api.port()),
    ] {
        let sa = tempfile::tempdir().unwrap();
        service_account(sa.path(), &cluster);
        let cfg = config(&url, sa.path());
        let mut k = Kubernetes::new(&cfg.service_discovery, "bitcraps-game-engine").unwrap();
        let found = tokio::time::timeout(Duration::from_secs(10), k.next())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            found,
            vec![Instance {
                addr: ENGINE.parse().unwrap(),
                ordinal: Some(0)
            }],
            "{url}"
        );
    }

    // Another CA: the handshake is refused with an error that says why…
    let other = Ca::new("someone else's CA");
    let sa = tempfile::tempdir().unwrap();
    service_account(sa.path(), &other);
    let cfg = config(&format!("https://{api}"), sa.path());
    let mut k = Kubernetes::new(&cfg.service_discovery, "bitcraps-game-engine").unwrap();
    let err = tokio::time::timeout(Duration::from_secs(10), k.next())
        .await
        .unwrap()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("certificate") && err.contains(&api.to_string()),
        "{err}"
    );
    eprintln!("kubernetes over TLS with another CA: {err}");

    // …and the instances the gateway had are kept, not replaced.
    let known: SocketAddr = "10.9.9.9:8081".parse().unwrap();
    let set = UpstreamSet::new("game_engine", &[known]);
    let k = Kubernetes::new(&cfg.service_discovery, "bitcraps-game-engine").unwrap();
    let changes = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let seen = changes.clone();
    let task = discovery::spawn(k, set.clone(), move |_| {
        seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    task.abort();
    assert_eq!(set.addrs(), vec![known]);
    assert_eq!(changes.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[test]
fn a_missing_or_malformed_ca_file_is_a_setup_error_naming_the_file() {
    let sa = tempfile::tempdir().unwrap();
    std::fs::write(sa.path().join("namespace"), "casino").unwrap();
    let cfg = config("https://127.0.0.1:6443", sa.path());
    let err = Kubernetes::new(&cfg.service_discovery, "x")
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("ca.crt"), "{err}");
    std::fs::write(sa.path().join("ca.crt"), "not a certificate").unwrap();
    let err = Kubernetes::new(&cfg.service_discovery, "x")
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("ca.crt"), "{err}");
}
