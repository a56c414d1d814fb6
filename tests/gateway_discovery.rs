//! The gateway process alone, in front of fake upstreams served by this
//! test: service discovery through a fake Consul agent and a fake
//! Kubernetes API server (each speaking the documented HTTP API of the
//! real one: no real Consul or Kubernetes can run here), hot reload of the
//! configuration, per-route rate limits and the OpenAPI document.

#![allow(clippy::unwrap_used)]

mod support;

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, put};
use bitcraps::auth::Role::{Admin, Player};
use serde_json::{Value, json};
use support::Sandbox;
use tokio::sync::{Notify, mpsc};

async fn serve(app: Router) -> SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    addr
}

type Chunk = Result<Bytes, Infallible>;
type Events = Arc<Mutex<Option<mpsc::Receiver<Chunk>>>>;
/// An open watch: the service it follows and its event stream.
type Watch = (String, mpsc::Sender<Chunk>);

/// A fake engine or validator: `/health`, a game-event stream fed by the
/// test, and every other path answered with its name and the path.
async fn fake_upstream(
    name: &'static str,
) -> (SocketAddr, mpsc::Sender<Result<Bytes, Infallible>>) {
    let (tx, rx) = mpsc::channel(8);
    let events: Events = Arc::new(Mutex::new(Some(rx)));
    let app = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route(
            "/games/{id}/events",
            get(|State(ev): State<Events>| async move {
                let rx = ev.lock().unwrap().take().unwrap();
                Response::builder()
                    .header("content-type", "text/event-stream")
                    .body(Body::from_stream(
                        tokio_stream::wrappers::ReceiverStream::new(rx),
                    ))
                    .unwrap()
            }),
        )
        .fallback(move |uri: axum::http::Uri| async move {
            axum::Json(json!({ "upstream": name, "path": uri.path() }))
        })
        .with_state(events);
    (serve(app).await, tx)
}

/// A sandbox whose services talk plain HTTP to each other: the upstreams
/// here are in-process stand-ins (plain axum) and the point is discovery,
/// balancing and limits, not transport (`tests/tls.rs` covers mutual TLS,
/// and the gateway's own TLS clients are exercised by every other test).
fn plain_sandbox() -> Sandbox {
    Sandbox::sized(1, 1).env("BITCRAPS_INSECURE_PLAINTEXT", "true")
}

/// A running `bitcraps serve gateway`, killed on drop.
struct Gateway {
    child: Child,
    base: String,
    http: reqwest::Client,
    tokens: support::Tokens,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn eventually<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = std::time::Instant::now();
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

impl Gateway {
    /// Starts the gateway with health checks every `interval`.
    async fn start(sb: &Sandbox, config: Option<&Path>, interval: &str) -> Gateway {
        let mut cmd = sb.cmd(&["serve", "gateway"]);
        cmd.env("HEALTH_CHECK_INTERVAL", interval)
            .env("BYZANTINE_THRESHOLD", "0")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(c) = config {
            cmd.env("BITCRAPS_CONFIG", c);
        }
        let child = cmd.spawn().unwrap();
        let base = format!("http://{}", sb.gateway());
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let h = http.clone();
        let url = format!("{base}/health");
        eventually("gateway /health", || {
            let (h, url) = (h.clone(), url.clone());
            async move { h.get(url).send().await.ok().filter(|r| r.status() == 200) }
        })
        .await;
        Gateway {
            child,
            base,
            http,
            tokens: support::Tokens::of(sb),
        }
    }

    async fn call(&self, method: &str, path: &str, admin: bool) -> (u16, Value, HeaderMap) {
        let role = if admin { Admin } else { Player };
        let resp = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.base))
            .bearer_auth(self.tokens.mint("alice", role))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        (status, resp.json().await.unwrap_or(Value::Null), headers)
    }

    /// `(addr, health)` of each engine instance the gateway routes to.
    async fn engines(&self) -> Vec<(String, String)> {
        let (s, v, _) = self.call("GET", "/admin/upstreams", true).await;
        assert_eq!(s, 200, "{v}");
        let mut out: Vec<(String, String)> = v[0]["instances"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["addr"].as_str().unwrap().to_string(),
                    i["health"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        out.sort();
        out
    }

    async fn wait_engines(&self, want: &[SocketAddr]) {
        let mut want: Vec<(String, String)> = want
            .iter()
            .map(|a| (a.to_string(), "healthy".to_string()))
            .collect();
        want.sort();
        eventually(&format!("engines {want:?}"), || async {
            (self.engines().await == want).then_some(())
        })
        .await;
    }

    async fn config_view(&self) -> Value {
        let (s, v, _) = self.call("GET", "/admin/config", true).await;
        assert_eq!(s, 200, "{v}");
        v
    }

    fn signal(&self, sig: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.child.id() as i32), sig).unwrap();
    }
}

// ---------------------------------------------------------------- Consul

#[derive(Default)]
struct ConsulState {
    index: u64,
    services: HashMap<String, Vec<Value>>,
    registered: Vec<Value>,
    deregistered: Vec<String>,
    /// Query strings of health queries, in order.
    queries: Vec<HashMap<String, String>>,
}

#[derive(Clone, Default)]
struct FakeConsul {
    state: Arc<Mutex<ConsulState>>,
    changed: Arc<Notify>,
}

impl FakeConsul {
    /// `GET /v1/health/service/<name>`: a blocking query waits while the
    /// caller's `index` is current, up to `wait`.
    async fn health(
        State(c): State<FakeConsul>,
        UrlPath(name): UrlPath<String>,
        Query(q): Query<HashMap<String, String>>,
    ) -> Response {
        c.state.lock().unwrap().queries.push(q.clone());
        let asked: u64 = q.get("index").and_then(|i| i.parse().ok()).unwrap_or(0);
        let wait = q
            .get("wait")
            .and_then(|w| humantime::parse_duration(w).ok())
            .unwrap_or(Duration::from_secs(300));
        let notified = c.changed.notified();
        if asked > 0 && asked >= c.state.lock().unwrap().index {
            let _ = tokio::time::timeout(wait, notified).await;
        }
        let st = c.state.lock().unwrap();
        let body = Value::Array(st.services.get(&name).cloned().unwrap_or_default());
        ([("x-consul-index", st.index.to_string())], axum::Json(body)).into_response()
    }

    fn set(&self, name: &str, entries: Vec<Value>) {
        let mut st = self.state.lock().unwrap();
        st.services.insert(name.to_string(), entries);
        st.index += 1;
        drop(st);
        self.changed.notify_waiters();
    }
}

/// One entry of Consul's `/v1/health/service` answer.
fn consul_entry(addr: SocketAddr, index: u16) -> Value {
    json!({
        "Node": {"ID": "n1", "Node": "node-1", "Address": "127.0.0.1", "Datacenter": "dc1"},
        "Service": {"ID": format!("engine-{index}"), "Service": "bitcraps-game-engine", "Tags": [],
                    "Address": addr.ip().to_string(), "Port": addr.port(), "Meta": {"index": index.to_string()}},
        "Checks": [{"Node": "node-1", "CheckID": "service:engine", "Status": "passing"}]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consul_discovery_follows_blocking_queries_and_services_register_themselves() {
    let (a, _) = fake_upstream("engine-a").await;
    let (b, _) = fake_upstream("engine-b").await;
    let (v, _) = fake_upstream("validator").await;
    let (w, _) = fake_upstream("wallet").await;
    let consul = FakeConsul::default();
    consul.state.lock().unwrap().index = 10;
    consul.set(
        "bitcraps-game-engine",
        vec![consul_entry(a, 0), consul_entry(b, 1)],
    );
    consul.set("bitcraps-consensus", vec![consul_entry(v, 0)]);
    consul.set("bitcraps-wallet", vec![consul_entry(w, 0)]);
    let agent = serve(
        Router::new()
            .route("/v1/health/service/{name}", get(FakeConsul::health))
            .route(
                "/v1/agent/service/register",
                put(
                    |State(c): State<FakeConsul>, axum::Json(body): axum::Json<Value>| async move {
                        c.state.lock().unwrap().registered.push(body);
                    },
                ),
            )
            .route(
                "/v1/agent/service/deregister/{id}",
                put(
                    |State(c): State<FakeConsul>, UrlPath(id): UrlPath<String>| async move {
                        c.state.lock().unwrap().deregistered.push(id);
                    },
                ),
            )
            .with_state(consul.clone()),
    )
    .await;

    let sb = plain_sandbox()
        .env("SERVICE_DISCOVERY_METHOD", "consul")
        .env("CONSUL_ADDRESS", &agent.to_string());
    // A long health-check interval: discovered instances are probed as
    // soon as they appear, not at the next round.
    let gw = Gateway::start(&sb, None, "60s").await;
    gw.wait_engines(&[a, b]).await;

    // Games route by the index each engine registered under.
    let (s, r, _) = gw.call("GET", "/api/v1/games/e1-abc", false).await;
    assert_eq!((s, r["upstream"].as_str()), (200, Some("engine-b")), "{r}");
    let (s, r, _) = gw.call("GET", "/api/v1/consensus/status", false).await;
    assert_eq!((s, r["path"].as_str()), (200, Some("/status")), "{r}");
    // The wallet is discovered under its own name, its prefix stripped.
    let r = eventually("the wallet routed to", || async {
        let (s, r, _) = gw.call("GET", "/api/v1/wallet/summary", false).await;
        (s == 200).then_some(r)
    })
    .await;
    assert_eq!(
        (r["upstream"].as_str(), r["path"].as_str()),
        (Some("wallet"), Some("/summary")),
        "{r}"
    );

    // The gateway asks for passing instances only, and after the first
    // answer it blocks on the index it was given.
    let index_now = consul.state.lock().unwrap().index;
    eventually("a blocking query on the current index", || async {
        let st = consul.state.lock().unwrap();
        st.queries
            .iter()
            .any(|q| q.get("index") == Some(&index_now.to_string()) && q.contains_key("wait"))
            .then_some(())
    })
    .await;
    assert!(
        consul
            .state
            .lock()
            .unwrap()
            .queries
            .iter()
            .all(|q| q.get("passing").is_some())
    );

    // Engine B leaves: the blocked query returns with a new index and the
    // gateway stops routing to it; A stays healthy throughout.
    let left = std::time::Instant::now();
    consul.set("bitcraps-game-engine", vec![consul_entry(a, 0)]);
    gw.wait_engines(&[a]).await;
    eprintln!(
        "consul: an instance left the gateway's rotation {:?} after the index changed",
        left.elapsed()
    );
    let (s, r, _) = gw.call("GET", "/api/v1/games/e1-abc", false).await;
    assert_eq!(s, 404, "{r}");
    let (s, r, _) = gw.call("GET", "/api/v1/games/e0-abc", false).await;
    assert_eq!((s, r["upstream"].as_str()), (200, Some("engine-a")), "{r}");

    // A new engine joins under index 1.
    let (c, _) = fake_upstream("engine-c").await;
    consul.set(
        "bitcraps-game-engine",
        vec![consul_entry(a, 0), consul_entry(c, 1)],
    );
    gw.wait_engines(&[a, c]).await;
    let (_, r, _) = gw.call("GET", "/api/v1/games/e1-abc", false).await;
    assert_eq!(r["upstream"], "engine-c");

    // A real engine registers itself under its index; once Consul lists
    // it, the gateway routes its games to it.
    let engine_addr = support::addr(support::free_port_block(1));
    let mut engine = sb
        .cmd(&[
            "serve",
            "engine",
            "--index",
            "2",
            "--listen",
            &engine_addr.to_string(),
        ])
        .stdout(Stdio::null())
        .env("BYZANTINE_THRESHOLD", "0")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let reg = eventually("the engine's registration", || async {
        let st = consul.state.lock().unwrap();
        st.registered
            .iter()
            .find(|r| r["Name"] == "bitcraps-game-engine")
            .cloned()
    })
    .await;
    assert_eq!(reg["Meta"]["index"], "2");
    assert_eq!(reg["Port"], engine_addr.port());
    assert_eq!(reg["Check"]["HTTP"], format!("http://{engine_addr}/health"));
    // What Consul would list once the check passes.
    let listed = json!({
        "Node": {"Node": "node-1", "Address": "127.0.0.1"},
        "Service": {"ID": reg["ID"], "Service": reg["Name"], "Address": reg["Address"],
                    "Port": reg["Port"], "Meta": reg["Meta"]},
        "Checks": []
    });
    consul.set(
        "bitcraps-game-engine",
        vec![consul_entry(a, 0), consul_entry(c, 1), listed],
    );
    gw.wait_engines(&[a, c, engine_addr]).await;
    let (s, p, _) = gw.call("GET", "/api/v1/games/e2-0000/proof", false).await;
    assert_eq!(s, 404, "{p}");
    let detail = p["detail"].as_str().unwrap_or_default();
    assert!(
        !detail.contains("no engine instance"),
        "answered by the engine: {p}"
    );
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(engine.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let engine_id = reg["ID"].as_str().unwrap().to_string();
    eventually("the engine's deregistration", || async {
        consul
            .state
            .lock()
            .unwrap()
            .deregistered
            .contains(&engine_id)
            .then_some(())
    })
    .await;
    let _ = engine.wait();

    // A real wallet registers itself too, under the wallet's service name.
    let wallet_addr = support::addr(support::free_port_block(1));
    let mut wallet = sb
        .cmd(&["serve", "wallet", "--listen", &wallet_addr.to_string()])
        .env("BYZANTINE_THRESHOLD", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let reg = eventually("the wallet's registration", || async {
        let st = consul.state.lock().unwrap();
        st.registered
            .iter()
            .find(|r| r["Name"] == "bitcraps-wallet")
            .cloned()
    })
    .await;
    assert_eq!(reg["Meta"]["index"], "0");
    assert_eq!(reg["Port"], wallet_addr.port());
    assert_eq!(reg["Check"]["HTTP"], format!("http://{wallet_addr}/health"));
    // Serving (its SIGTERM handler in place) before it is stopped.
    eventually("the wallet serving", || async {
        gw.http
            .get(format!("http://{wallet_addr}/health"))
            .send()
            .await
            .ok()
            .filter(|r| r.status() == 200)
    })
    .await;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(wallet.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let wallet_id = reg["ID"].as_str().unwrap().to_string();
    eventually("the wallet's deregistration", || async {
        consul
            .state
            .lock()
            .unwrap()
            .deregistered
            .contains(&wallet_id)
            .then_some(())
    })
    .await;
    let _ = wallet.wait();

    // The gateway registered itself with a /health check, and deregisters
    // the same id when it stops.
    let reg: Vec<Value> = consul
        .state
        .lock()
        .unwrap()
        .registered
        .iter()
        .filter(|r| r["Name"] == "bitcraps-gateway")
        .cloned()
        .collect();
    assert_eq!(reg.len(), 1, "{reg:?}");
    assert_eq!(reg[0]["Port"], sb.gateway().port());
    assert_eq!(
        reg[0]["Check"]["HTTP"],
        format!("http://{}/health", sb.gateway())
    );
    gw.signal(nix::sys::signal::Signal::SIGTERM);
    let id = reg[0]["ID"].as_str().unwrap().to_string();
    eventually("deregistration", || async {
        consul
            .state
            .lock()
            .unwrap()
            .deregistered
            .contains(&id)
            .then_some(())
    })
    .await;
}

// ------------------------------------------------------------ Kubernetes

#[derive(Clone, Default)]
struct FakeKube {
    /// Service → slice name → slice.
    slices: Arc<Mutex<HashMap<String, HashMap<String, Value>>>>,
    rv: Arc<Mutex<u64>>,
    watchers: Arc<Mutex<Vec<Watch>>>,
    /// `(service, resourceVersion)` of each watch, once its stream is open.
    watch_versions: Arc<Mutex<Vec<(String, String)>>>,
}

/// An EndpointSlice with one endpoint (pods on different ports need
/// slices of their own: a slice's ports apply to all its endpoints).
fn slice(service: &str, rv: u64, addr: SocketAddr, pod: &str, ready: bool) -> Value {
    json!({
        "kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1",
        "metadata": {"name": format!("{service}-{pod}"), "namespace": "casino", "resourceVersion": rv.to_string(),
                     "labels": {"kubernetes.io/service-name": service}},
        "addressType": "IPv4",
        "endpoints": [{
            "addresses": [addr.ip().to_string()],
            "conditions": {"ready": ready, "serving": ready, "terminating": false},
            "targetRef": {"kind": "Pod", "namespace": "casino", "name": pod}
        }],
        "ports": [{"name": "http", "protocol": "TCP", "port": addr.port()}]
    })
}

impl FakeKube {
    async fn endpointslices(
        State(k): State<FakeKube>,
        UrlPath(ns): UrlPath<String>,
        Query(q): Query<HashMap<String, String>>,
        headers: HeaderMap,
    ) -> Response {
        if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer sa-token-1") {
            return (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({"kind": "Status", "code": 401})),
            )
                .into_response();
        }
        let selector = q.get("labelSelector").cloned().unwrap_or_default();
        let Some(service) = selector
            .strip_prefix("kubernetes.io/service-name=")
            .map(str::to_string)
        else {
            return (StatusCode::BAD_REQUEST, "labelSelector").into_response();
        };
        if ns != "casino" {
            return axum::Json(json!({"kind": "EndpointSliceList", "metadata": {"resourceVersion": "1"}, "items": []})).into_response();
        }
        if q.get("watch").map(String::as_str) == Some("true") {
            let (tx, rx) = mpsc::channel(8);
            k.watchers.lock().unwrap().push((service.clone(), tx));
            let rv = q.get("resourceVersion").cloned().unwrap_or_default();
            k.watch_versions.lock().unwrap().push((service, rv));
            return Response::builder()
                .header("content-type", "application/json")
                .body(Body::from_stream(
                    tokio_stream::wrappers::ReceiverStream::new(rx),
                ))
                .unwrap();
        }
        let items: Vec<Value> = k
            .slices
            .lock()
            .unwrap()
            .get(&service)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default();
        axum::Json(json!({
            "kind": "EndpointSliceList", "apiVersion": "discovery.k8s.io/v1",
            "metadata": {"resourceVersion": k.rv.lock().unwrap().to_string()},
            "items": items
        }))
        .into_response()
    }

    fn add(&self, service: &str, slice: Value) {
        let name = slice["metadata"]["name"].as_str().unwrap().to_string();
        self.slices
            .lock()
            .unwrap()
            .entry(service.to_string())
            .or_default()
            .insert(name, slice);
    }

    /// Changes a slice and sends the MODIFIED event to its watchers.
    async fn modify(&self, service: &str, addr: SocketAddr, pod: &str, ready: bool) {
        let rv = {
            let mut rv = self.rv.lock().unwrap();
            *rv += 1;
            *rv
        };
        let s = slice(service, rv, addr, pod, ready);
        self.add(service, s.clone());
        let line = format!("{}\n", json!({"type": "MODIFIED", "object": s}));
        let txs: Vec<_> = self
            .watchers
            .lock()
            .unwrap()
            .iter()
            .filter(|(svc, _)| svc == service)
            .map(|(_, tx)| tx.clone())
            .collect();
        for tx in txs {
            let _ = tx.send(Ok(Bytes::from(line.clone()))).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubernetes_discovery_lists_then_watches_endpointslices() {
    let (a, _) = fake_upstream("engine-a").await;
    let (b, _) = fake_upstream("engine-b").await;
    let (v, _) = fake_upstream("validator").await;
    let kube = FakeKube::default();
    *kube.rv.lock().unwrap() = 100;
    let eng = "bitcraps-game-engine";
    kube.add(eng, slice(eng, 97, a, "bitcraps-engine-0", true));
    kube.add(eng, slice(eng, 99, b, "bitcraps-engine-1", true));
    let cons = "bitcraps-consensus";
    kube.add(cons, slice(cons, 98, v, "bitcraps-consensus-0", true));
    let api = serve(
        Router::new()
            .route(
                "/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices",
                any(FakeKube::endpointslices),
            )
            .with_state(kube.clone()),
    )
    .await;
    let sa = tempfile::tempdir().unwrap();
    std::fs::write(sa.path().join("token"), "sa-token-1\n").unwrap();
    std::fs::write(sa.path().join("namespace"), "casino").unwrap();

    let sb = plain_sandbox()
        .env("SERVICE_DISCOVERY_METHOD", "kubernetes")
        .env("KUBERNETES_API_URL", &format!("http://{api}"))
        .env(
            "KUBERNETES_SERVICE_ACCOUNT_DIR",
            sa.path().to_str().unwrap(),
        );
    let gw = Gateway::start(&sb, None, "60s").await;
    gw.wait_engines(&[a, b]).await;
    let (s, r, _) = gw.call("GET", "/api/v1/games/e1-abc", false).await;
    assert_eq!((s, r["upstream"].as_str()), (200, Some("engine-b")), "{r}");

    // After listing, the gateway watches from the list's resourceVersion.
    eventually(
        "a watch of the engines from resourceVersion 100",
        || async {
            kube.watch_versions
                .lock()
                .unwrap()
                .iter()
                .any(|(svc, v)| svc == eng && v == "100")
                .then_some(())
        },
    )
    .await;
    // Engine B's pod stops being ready: it leaves the rotation.
    let left = std::time::Instant::now();
    kube.modify(eng, b, "bitcraps-engine-1", false).await;
    gw.wait_engines(&[a]).await;
    eprintln!(
        "kubernetes: an unready pod left the gateway's rotation {:?} after the watch event",
        left.elapsed()
    );
    let (s, _, _) = gw.call("GET", "/api/v1/games/e1-abc", false).await;
    assert_eq!(s, 404);
    let (_, r, _) = gw.call("GET", "/api/v1/games/e0-abc", false).await;
    assert_eq!(r["upstream"], "engine-a");
}

// ------------------------------------------------ reload and rate limits

fn write_config(path: &Path, engine: SocketAddr, extra: &str) {
    std::fs::write(
        path,
        format!("[service_discovery.static_services]\ngame_engine = [\"{engine}\"]\n{extra}"),
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_swaps_instances_and_limits_without_dropping_a_stream() {
    let (a, events) = fake_upstream("engine-a").await;
    let (b, _) = fake_upstream("engine-b").await;
    let sb = plain_sandbox();
    let file = sb.state_dir().join("gateway.toml");
    let create_limit = "[gateway.rate_limit.routes]\n\"POST /api/v1/games\" = \"1/1m\"\n";
    write_config(&file, a, create_limit);
    let gw = Gateway::start(&sb, Some(&file), "200ms").await;
    gw.wait_engines(&[a]).await;
    assert_eq!(gw.config_view().await["generation"], 1);
    // Alice uses up her one game creation a minute.
    assert_eq!(gw.call("POST", "/api/v1/games", false).await.0, 200);
    assert_eq!(gw.call("POST", "/api/v1/games", false).await.0, 429);

    // A stream in flight through engine A…
    let mut stream = gw
        .http
        .get(format!("{}/api/v1/games/e0-live/events", gw.base))
        .bearer_auth(gw.tokens.mint("alice", Player))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    events.send(Ok(Bytes::from("data: one\n\n"))).await.unwrap();
    assert_eq!(stream.chunk().await.unwrap().unwrap(), "data: one\n\n");

    // …survives a reload that replaces engine A by B and adds a route limit.
    let written = std::time::Instant::now();
    write_config(
        &file,
        b,
        &format!("{create_limit}\"GET /api/v1/consensus\" = \"2/1m\"\n"),
    );
    eventually("generation 2", || async {
        (gw.config_view().await["generation"] == 2).then_some(())
    })
    .await;
    eprintln!(
        "reload: a changed file was active {:?} after it was written",
        written.elapsed()
    );
    gw.wait_engines(&[b]).await;
    let (_, r, _) = gw.call("GET", "/api/v1/games/e0-new", false).await;
    assert_eq!(r["upstream"], "engine-b");
    events.send(Ok(Bytes::from("data: two\n\n"))).await.unwrap();
    drop(events);
    assert_eq!(stream.chunk().await.unwrap().unwrap(), "data: two\n\n");
    assert_eq!(
        stream.chunk().await.unwrap(),
        None,
        "the stream ends cleanly"
    );
    let (_, _, h) = gw.call("GET", "/api/v1/consensus/status", false).await;
    assert_eq!(h["ratelimit-policy"], "2;w=60");
    // The reload changed other limits, not alice's creation limit: she is
    // still at it (a reload does not reset a client's bucket).
    let (s, p, h) = gw.call("POST", "/api/v1/games", false).await;
    assert_eq!(s, 429, "{p}");
    assert_eq!(h["ratelimit-policy"], "1;w=60");

    // An invalid configuration is refused; the active one stays.
    std::fs::write(&file, "[gateway.rate_limit]\nmax_requests = \"lots\"\n").unwrap();
    let view = eventually("a refused reload", || async {
        let v = gw.config_view().await;
        (v["refused"] == 1).then_some(v)
    })
    .await;
    assert_eq!(view["generation"], 2);
    let err = view["last_error"].as_str().unwrap();
    assert!(err.contains("gateway.rate_limit.max_requests"), "{err}");
    let (s, r, _) = gw.call("GET", "/api/v1/games/e0-new", false).await;
    assert_eq!((s, r["upstream"].as_str()), (200, Some("engine-b")));

    // SIGHUP reloads too (here: the fixed file, back to engine A).
    write_config(&file, a, "");
    eventually("generation 3", || async {
        (gw.config_view().await["generation"] == 3).then_some(())
    })
    .await;
    gw.signal(nix::sys::signal::Signal::SIGHUP);
    eventually("generation 4 after SIGHUP", || async {
        (gw.config_view().await["generation"] == 4).then_some(())
    })
    .await;
    gw.wait_engines(&[a]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_route_override_applies_and_other_routes_keep_the_default() {
    let (a, _) = fake_upstream("engine-a").await;
    let sb = plain_sandbox()
        .env("GAME_ENGINE_UPSTREAMS", &a.to_string())
        .env("RATE_LIMIT_MAX_REQUESTS", "500")
        .env("RATE_LIMIT_ROUTES", "POST /api/v1/games=2/1m");
    let gw = Gateway::start(&sb, None, "200ms").await;
    gw.wait_engines(&[a]).await;
    for left in ["1", "0"] {
        let (s, _, h) = gw.call("POST", "/api/v1/games", false).await;
        assert_eq!(s, 200);
        assert_eq!(
            (&h["ratelimit-policy"], &h["ratelimit-remaining"]),
            (&"2;w=60".parse().unwrap(), &left.parse().unwrap())
        );
    }
    let (s, p, h) = gw.call("POST", "/api/v1/games", false).await;
    assert_eq!(s, 429, "{p}");
    assert_eq!(h["content-type"], "application/problem+json");
    let retry: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    // Another route, and another method on the same path, keep the default.
    for _ in 0..5 {
        let (s, _, h) = gw.call("GET", "/api/v1/games/e0-x", false).await;
        assert_eq!(s, 200);
        assert_eq!(h["ratelimit-policy"], "500;w=60");
    }
    let (s, _, h) = gw.call("GET", "/api/v1/games", false).await;
    assert_ne!(s, 429);
    assert_eq!(h["ratelimit-policy"], "500;w=60");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_by_ip_off_only_credentials_are_limited() {
    let (a, _) = fake_upstream("engine-a").await;
    let sb = plain_sandbox()
        .env("GAME_ENGINE_UPSTREAMS", &a.to_string())
        .env("RATE_LIMIT_ROUTES", "/api/v1/games=1/1m")
        .env("RATE_LIMIT_BY_IP", "false");
    let gw = Gateway::start(&sb, None, "200ms").await;
    gw.wait_engines(&[a]).await;
    // Without credentials: never 429 (401, unlimited).
    for _ in 0..3 {
        let r = gw
            .http
            .get(format!("{}/api/v1/games/e0-x", gw.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        assert!(!r.headers().contains_key("ratelimit-policy"));
    }
    // With a token: one request per window.
    let bob = gw.tokens.mint("bob", Player);
    let url = format!("{}/api/v1/games/e0-x", gw.base);
    let r = gw.http.get(&url).bearer_auth(&bob).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = gw.http.get(&url).bearer_auth(&bob).send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["ratelimit-policy"], "1;w=60");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_lists_the_gateways_own_and_proxied_routes() {
    let sb = plain_sandbox();
    let gw = Gateway::start(&sb, None, "200ms").await;
    let doc: Value = gw
        .http
        .get(format!("{}/openapi.json", gw.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    // The routes of the design's HTTP contracts.
    for (method, path) in [
        ("get", "/health"),
        ("get", "/health/ready"),
        ("get", "/metrics"),
        ("get", "/openapi.json"),
        ("get", "/admin/upstreams"),
        ("get", "/admin/config"),
        ("get", "/api/v1/games"),
        ("post", "/api/v1/games"),
        ("get", "/api/v1/games/{id}"),
        ("post", "/api/v1/games/{id}/actions"),
        ("get", "/api/v1/games/{id}/events"),
        ("get", "/api/v1/games/{id}/proof"),
        ("post", "/api/v1/consensus/propose"),
        ("post", "/api/v1/consensus/vote"),
        ("get", "/api/v1/consensus/status"),
        ("post", "/api/v1/consensus/validators"),
        ("post", "/api/v1/wallet/transfers"),
        ("get", "/api/v1/wallet/transfers"),
        ("get", "/api/v1/wallet/transfers/{id}"),
        ("get", "/api/v1/wallet/accounts"),
        ("get", "/api/v1/wallet/accounts/{id}"),
        ("get", "/api/v1/wallet/accounts/{id}/transfers"),
        ("get", "/api/v1/wallet/audit"),
        ("get", "/api/v1/wallet/summary"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing from /openapi.json"
        );
    }
    // Every JSON body has a limit (the engine's is 2 MiB), documented as
    // a 413 problem.
    for path in [
        "/api/v1/consensus/propose",
        "/api/v1/wallet/transfers",
        "/api/v1/games",
    ] {
        assert_eq!(
            doc["paths"][path]["post"]["responses"]["413"]["content"]["application/problem+json"]["schema"]
                ["$ref"],
            "#/components/schemas/Problem",
            "{path}: no 413"
        );
    }
}
