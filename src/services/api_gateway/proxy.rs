//! The streaming reverse proxy: picks a healthy instance, forwards the
//! request over a pooled keep-alive connection with bodies streamed both
//! ways (server-sent events included), and maps upstream trouble to 502
//! (unreachable), 503 (no healthy instance) and 504 (timed out).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use crate::tls::{Expect, Peer};
use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode, Uri, header};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use opentelemetry::KeyValue;

use crate::services::common::Problem;
use crate::services::common::problem::DEPENDENCY_HEADER;
use crate::telemetry::trace;
use crate::upstream::UpstreamSet;
use crate::upstream::balancer::{Balancer, Candidate, Key, Strategy};
use crate::upstream::breaker::{Breaker, BreakerPolicy, State as BreakerState, Ticket};

/// Milliseconds on a monotonic clock, for the breakers.
fn now_ms() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_millis() as u64
}

/// The gateway's upstream metrics.
#[derive(Clone)]
pub struct UpstreamMetrics {
    responses: prometheus::IntCounterVec,
    breaker: prometheus::IntGaugeVec,
    transitions: prometheus::IntCounterVec,
    retries: prometheus::IntCounterVec,
}

impl UpstreamMetrics {
    pub fn new(registry: &prometheus::Registry) -> anyhow::Result<UpstreamMetrics> {
        let responses = prometheus::IntCounterVec::new(
            prometheus::Opts::new(
                "bitcraps_gateway_upstream_responses_total",
                "Requests forwarded upstream, by upstream, instance and outcome (ok, error for 5xx, timeout, unreachable).",
            ),
            &["upstream", "instance", "outcome"],
        )?;
        let breaker = prometheus::IntGaugeVec::new(
            prometheus::Opts::new(
                "bitcraps_gateway_breaker_state",
                "Circuit breaker state per upstream instance: 0 closed, 1 half-open, 2 open.",
            ),
            &["upstream", "instance"],
        )?;
        let transitions = prometheus::IntCounterVec::new(
            prometheus::Opts::new(
                "bitcraps_gateway_breaker_transitions_total",
                "Circuit breaker state changes per upstream instance.",
            ),
            &["upstream", "instance"],
        )?;
        let retries = prometheus::IntCounterVec::new(
            prometheus::Opts::new(
                "bitcraps_gateway_retries_total",
                "Idempotent requests retried after an instance was unreachable or timed out, by upstream and result (retried, no_budget, no_instance).",
            ),
            &["upstream", "result"],
        )?;
        registry.register(Box::new(retries.clone()))?;
        registry.register(Box::new(responses.clone()))?;
        registry.register(Box::new(breaker.clone()))?;
        registry.register(Box::new(transitions.clone()))?;
        Ok(UpstreamMetrics {
            responses,
            breaker,
            transitions,
            retries,
        })
    }
}

/// Headers that describe one connection, not the message (RFC 9110 §7.6.1).
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Per-instance state the gateway keeps: requests in flight and the
/// circuit breaker. Keyed by address, so it survives instance-list changes
/// for instances that stay; a request in flight holds its slot even after
/// its instance left.
pub struct Slot {
    addr: SocketAddr,
    in_flight: Arc<AtomicU32>,
    breaker: Mutex<Breaker>,
    id: u64,
    /// This instance's `bitcraps_gateway_breaker_state` series, looked up
    /// once rather than by label on every request.
    breaker_gauge: prometheus::IntGauge,
    /// The breaker's latest state changes, oldest first.
    transitions: Mutex<std::collections::VecDeque<BreakerTransition>>,
}

/// One change of an instance's breaker: when (ms since the epoch) and to
/// what state.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub struct BreakerTransition {
    pub at_ms: u64,
    #[schema(value_type = String)]
    pub state: BreakerState,
}

/// Breaker changes kept per instance.
pub const KEPT_TRANSITIONS: usize = 10;

impl Slot {
    fn new(addr: SocketAddr, breaker_gauge: prometheus::IntGauge) -> Slot {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        addr.hash(&mut h);
        Slot {
            addr,
            in_flight: Arc::default(),
            breaker: Mutex::new(Breaker::default()),
            id: h.finish(),
            breaker_gauge,
            transitions: Mutex::default(),
        }
    }

    fn breaker(&self) -> std::sync::MutexGuard<'_, Breaker> {
        match self.breaker.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }
}

/// A request admitted by an instance's circuit breaker, to be handed to
/// [`Proxy::forward`], which reports its outcome. Dropped without one (the
/// client went away mid-request, or the request never left), it hands its
/// ticket back, so a lost half-open probe cannot hold the circuit open.
pub struct Reservation {
    slot: Arc<Slot>,
    ticket: Option<Ticket>,
}

impl Reservation {
    pub fn addr(&self) -> SocketAddr {
        self.slot.addr
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if let Some(t) = self.ticket.take() {
            self.slot.breaker().abandon(t);
        }
    }
}

/// What a configuration reload may change about an upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuning {
    pub strategy: Strategy,
    pub policy: BreakerPolicy,
}

/// One upstream service's instances, their health, balancer and load.
pub struct Upstream {
    pub name: &'static str,
    pub set: UpstreamSet,
    tuning: Mutex<Tuning>,
    balancer: Mutex<Balancer>,
    slots: Mutex<HashMap<SocketAddr, Arc<Slot>>>,
    metrics: UpstreamMetrics,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

impl Upstream {
    /// Counts a retry decision (`retried`, `no_budget`, `no_instance`).
    pub fn count_retry(&self, result: &str) {
        self.metrics
            .retries
            .with_label_values(&[self.name, result])
            .inc();
    }

    pub fn new(
        name: &'static str,
        set: UpstreamSet,
        tuning: Tuning,
        metrics: UpstreamMetrics,
    ) -> Upstream {
        let up = Upstream {
            name,
            set,
            tuning: Mutex::new(tuning),
            balancer: Mutex::new(Balancer::default()),
            slots: Mutex::default(),
            metrics,
        };
        up.sync_instances();
        up
    }

    pub fn tuning(&self) -> Tuning {
        *lock(&self.tuning)
    }

    /// Applies reloaded tuning; breaker states are kept.
    pub fn set_tuning(&self, tuning: Tuning) {
        *lock(&self.tuning) = tuning;
    }

    /// Brings the per-instance state in line with the instance list: new
    /// instances get a closed breaker, departed ones are forgotten (requests
    /// still in flight to them finish on the state they hold).
    pub fn sync_instances(&self) {
        let addrs = self.set.addrs();
        let gone: Vec<SocketAddr> = {
            let mut slots = lock(&self.slots);
            for a in &addrs {
                slots.entry(*a).or_insert_with(|| {
                    let gauge = self
                        .metrics
                        .breaker
                        .with_label_values(&[&self.set.service, &a.to_string()]);
                    Arc::new(Slot::new(*a, gauge))
                });
            }
            let gone = slots
                .keys()
                .filter(|a| !addrs.contains(a))
                .copied()
                .collect::<Vec<_>>();
            for a in &gone {
                slots.remove(a);
            }
            gone
        };
        for a in gone {
            let _ = self
                .metrics
                .breaker
                .remove_label_values(&[&self.set.service, &a.to_string()]);
        }
        for a in addrs {
            self.export_breaker(a);
        }
    }

    fn slot(&self, addr: SocketAddr) -> Option<Arc<Slot>> {
        lock(&self.slots).get(&addr).cloned()
    }

    /// Sets the breaker gauge of the instance at `addr` (none once it left).
    fn export_breaker(&self, addr: SocketAddr) {
        if let Some(slot) = self.slot(addr) {
            let policy = self.tuning().policy;
            let state = slot.breaker().state(now_ms(), &policy);
            slot.breaker_gauge.set(state.gauge());
        }
    }

    /// Breaker state of the instance at `addr` now.
    pub fn breaker_state(&self, addr: SocketAddr) -> BreakerState {
        let policy = self.tuning().policy;
        self.slot(addr)
            .map(|s| s.breaker().state(now_ms(), &policy))
            .unwrap_or(BreakerState::Closed)
    }

    /// Reserves the instance at `addr` with its breaker: a 503 when the
    /// circuit is open or the instance is gone.
    pub fn reserve(&self, addr: SocketAddr) -> Result<Reservation, Problem> {
        let policy = self.tuning().policy;
        let reserved = self.slot(addr).and_then(|slot| {
            let ticket = slot.breaker().acquire(now_ms(), &policy)?;
            Some(Reservation {
                slot,
                ticket: Some(ticket),
            })
        });
        self.export_breaker(addr);
        if let Some(r) = reserved {
            Ok(r)
        } else {
            Err(Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the circuit to {} instance {addr} is open after repeated failures (or the instance left); retry shortly",
                    self.name
                ),
            ))
        }
    }

    /// Feeds one forwarded request's outcome to the breaker and metrics.
    fn record(&self, mut reservation: Reservation, outcome: &str) {
        let slot = &reservation.slot;
        let addr = slot.addr;
        let label = addr.to_string();
        self.metrics
            .responses
            .with_label_values(&[&self.set.service, &label, outcome])
            .inc();
        let policy = self.tuning().policy;
        let changed = {
            let mut b = slot.breaker();
            let before = b.transitions;
            if let Some(t) = reservation.ticket.take() {
                if matches!(outcome, "ok" | "dependency") {
                    b.on_success(t, &policy);
                } else {
                    b.on_failure(t, now_ms(), &policy);
                }
            }
            b.transitions - before
        };
        if changed > 0 {
            self.metrics
                .transitions
                .with_label_values(&[&self.set.service, &label])
                .inc_by(changed);
            let at_ms = crate::clock::unix_ms();
            let mut kept = lock(&slot.transitions);
            kept.push_back(BreakerTransition {
                at_ms,
                state: self.breaker_state(addr),
            });
            while kept.len() > KEPT_TRANSITIONS {
                kept.pop_front();
            }
            drop(kept);
            tracing::warn!(upstream = %self.set.service, instance = %label, state = ?self.breaker_state(addr), "circuit breaker changed state");
        }
        if self.slot(addr).is_some() {
            self.export_breaker(addr);
        }
    }

    /// Picks (and reserves) an instance for a client: healthy, not drained
    /// and with a breaker that lets requests through; `None` when there is
    /// none.
    pub fn pick(&self, client: Option<&str>) -> Option<Reservation> {
        let instances = self.set.routable_instances();
        let now = now_ms();
        let tuning = self.tuning();
        let candidates: Vec<Candidate> = {
            let slots = lock(&self.slots);
            instances
                .iter()
                .map(|(addr, ok)| {
                    let slot = slots.get(addr);
                    Candidate {
                        available: *ok
                            && slot.is_some_and(|s| s.breaker().permits(now, &tuning.policy)),
                        weight: 1,
                        in_flight: slot
                            .map(|s| s.in_flight.load(Ordering::Relaxed))
                            .unwrap_or(0),
                        id: slot.map(|s| s.id).unwrap_or(0),
                    }
                })
                .collect()
        };
        let key = Key {
            affinity: client,
            random: rand::random(),
        };
        let chosen = lock(&self.balancer).choose(tuning.strategy, &candidates, key)?;
        let addr = instances.get(chosen)?.0;
        self.reserve(addr).ok()
    }

    /// The latest breaker changes of the instance at `addr`, oldest first.
    pub fn transitions(&self, addr: SocketAddr) -> Vec<BreakerTransition> {
        self.slot(addr)
            .map(|s| lock(&s.transitions).iter().copied().collect())
            .unwrap_or_default()
    }

    /// Requests in flight to the instance at `addr`.
    pub fn in_flight(&self, addr: SocketAddr) -> u32 {
        self.slot(addr)
            .map(|s| s.in_flight.load(Ordering::Relaxed))
            .unwrap_or(0)
    }
}

pub struct Proxy {
    /// One client per upstream role, each accepting only that role's
    /// certificates (under mutual TLS).
    engines: Client<HttpsConnector<HttpConnector>, Body>,
    validators: Client<HttpsConnector<HttpConnector>, Body>,
    wallets: Client<HttpsConnector<HttpConnector>, Body>,
    /// Milliseconds; a configuration reload may change it.
    timeout_ms: AtomicU64,
}

impl Proxy {
    pub fn new(timeout: Duration) -> anyhow::Result<Proxy> {
        let client = |role: Peer| -> anyhow::Result<Client<HttpsConnector<HttpConnector>, Body>> {
            let mut connector = HttpConnector::new();
            connector.set_nodelay(true);
            connector.set_connect_timeout(Some(Duration::from_secs(2)));
            let connector =
                crate::tls::transport().hyper_connector(Expect::Role(role), connector)?;
            Ok(Client::builder(TokioExecutor::new())
                .pool_idle_timeout(Duration::from_secs(90))
                .pool_max_idle_per_host(64)
                .build(connector))
        };
        Ok(Proxy {
            engines: client(Peer::Engine)?,
            validators: client(Peer::Validator)?,
            wallets: client(Peer::Wallet)?,
            timeout_ms: AtomicU64::new(timeout.as_millis() as u64),
        })
    }

    fn client_for(&self, up: &Upstream) -> &Client<HttpsConnector<HttpConnector>, Body> {
        match crate::tls::transport::expect_for_upstream(up.name) {
            Expect::Role(Peer::Validator) => &self.validators,
            Expect::Role(Peer::Wallet) => &self.wallets,
            _ => &self.engines,
        }
    }

    pub fn set_timeout(&self, timeout: Duration) {
        self.timeout_ms
            .store(timeout.as_millis() as u64, Ordering::Relaxed);
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms.load(Ordering::Relaxed))
    }

    /// Forwards `req` to the instance of `up` reserved with
    /// [`Upstream::reserve`] or [`Upstream::pick`], at `path_and_query`.
    /// An instance that left after it was reserved still gets the request.
    pub async fn forward(
        &self,
        up: &Upstream,
        reservation: Reservation,
        mut req: Request<Body>,
        path_and_query: &str,
        client_ip: Option<SocketAddr>,
    ) -> Result<Response<Body>, Problem> {
        let addr = reservation.addr();
        let slot = reservation.slot.clone();
        let uri: Uri = format!("{}{path_and_query}", crate::tls::transport().base(addr))
            .parse()
            .map_err(|_| {
                Problem::new(
                    StatusCode::BAD_REQUEST,
                    "the request path cannot be forwarded",
                )
            })?;
        *req.uri_mut() = uri;
        strip_hop_by_hop(req.headers_mut());
        req.headers_mut().remove(header::HOST);
        if let Some(ip) = client_ip {
            let forwarded = match req
                .headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
            {
                Some(prev) => format!("{prev}, {}", ip.ip()),
                None => ip.ip().to_string(),
            };
            if let Ok(v) = HeaderValue::from_str(&forwarded) {
                req.headers_mut()
                    .insert(HeaderName::from_static("x-forwarded-for"), v);
            }
        }
        // One client span per forwarded request, the next hop's parent
        // (without an exporter, the request's own context goes on).
        let span = if trace::exporting() {
            trace::client_span(
                &trace::Context::current(),
                req.method().to_string(),
                vec![
                    KeyValue::new("http.request.method", req.method().to_string()),
                    KeyValue::new("url.full", req.uri().to_string()),
                    KeyValue::new("server.address", addr.ip().to_string()),
                    KeyValue::new("server.port", i64::from(addr.port())),
                    KeyValue::new("peer.service", up.name),
                ],
                &[],
            )
        } else {
            trace::Context::current()
        };
        trace::inject(&span, req.headers_mut());
        let counter = slot.in_flight.clone();
        counter.fetch_add(1, Ordering::Relaxed);
        let guard = InFlight(counter);
        let timeout = self.timeout();
        let result = tokio::time::timeout(timeout, self.client_for(up).request(req)).await;
        match &result {
            Ok(Ok(r)) => trace::finish(&span, Some(r.status().as_u16()), None),
            Ok(Err(e)) => trace::finish(&span, None, Some(&error_chain(e))),
            Err(_) => trace::finish(&span, None, Some("timeout")),
        }
        let resp = match result {
            Err(_) => {
                up.record(reservation, "timeout");
                return Err(Problem::new(
                    StatusCode::GATEWAY_TIMEOUT,
                    format!(
                        "{} at {addr} did not answer within {} (GATEWAY_REQUEST_TIMEOUT)",
                        up.name,
                        humantime::format_duration(timeout)
                    ),
                ));
            }
            Ok(Err(e)) => {
                up.record(reservation, "unreachable");
                return Err(Problem::new(
                    StatusCode::BAD_GATEWAY,
                    format!("{} at {addr} is unreachable: {}", up.name, error_chain(&e)),
                ));
            }
            Ok(Ok(r)) => {
                up.record(reservation, outcome_of(&r));
                r
            }
        };
        let (mut parts, body) = resp.into_parts();
        strip_hop_by_hop(&mut parts.headers);
        // The in-flight count drops when the response body ends, not when
        // its headers arrive (a long SSE stream stays counted).
        Ok(Response::from_parts(
            parts,
            Body::new(Guarded {
                inner: body,
                _guard: guard,
            }),
        ))
    }
}

/// A response's outcome for the breaker and the metrics: `error` for a
/// 5xx of the instance's own, `dependency` for a 5xx that reports one of
/// its dependencies down ([`DEPENDENCY_HEADER`]: the instance is healthy,
/// not counted against it), else `ok`.
fn outcome_of<B>(r: &Response<B>) -> &'static str {
    if !r.status().is_server_error() {
        "ok"
    } else if r.headers().contains_key(DEPENDENCY_HEADER) {
        "dependency"
    } else {
        "error"
    }
}

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // Headers named in `Connection` are hop-by-hop too.
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| HeaderName::from_bytes(s.trim().as_bytes()).ok())
        .collect();
    for h in HOP_BY_HOP {
        headers.remove(*h);
    }
    for h in named {
        headers.remove(h);
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

struct InFlight(Arc<AtomicU32>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A response body that holds the in-flight guard until it is done.
struct Guarded {
    inner: Incoming,
    _guard: InFlight,
}

impl http_body::Body for Guarded {
    type Data = hyper::body::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_are_removed_including_those_named_in_connection() {
        let mut h = HeaderMap::new();
        h.insert(
            "connection",
            HeaderValue::from_static("keep-alive, x-secret-hop"),
        );
        h.insert("keep-alive", HeaderValue::from_static("timeout=5"));
        h.insert("x-secret-hop", HeaderValue::from_static("1"));
        h.insert("transfer-encoding", HeaderValue::from_static("chunked"));
        h.insert("x-request-id", HeaderValue::from_static("abc"));
        strip_hop_by_hop(&mut h);
        assert_eq!(h.len(), 1);
        assert_eq!(h["x-request-id"], "abc");
    }

    #[test]
    fn instances_that_stay_keep_their_breaker_and_newcomers_start_closed() {
        let a: SocketAddr = "127.0.0.1:1001".parse().unwrap();
        let b: SocketAddr = "127.0.0.1:1002".parse().unwrap();
        let set = UpstreamSet::new("engines", &[a]);
        let metrics = UpstreamMetrics::new(&prometheus::Registry::new()).unwrap();
        let policy = BreakerPolicy {
            failure_threshold: 2,
            cool_down_ms: 60_000,
            half_open_probes: 1,
        };
        let up = Upstream::new(
            "engine",
            set.clone(),
            Tuning {
                strategy: Strategy::RoundRobin,
                policy,
            },
            metrics,
        );
        for _ in 0..2 {
            let r = up.reserve(a).unwrap();
            up.record(r, "unreachable");
        }
        assert_eq!(up.breaker_state(a), BreakerState::Open);
        // B joins: A keeps its open circuit, B starts closed.
        set.replace(&crate::upstream::Instance::numbered(&[a, b]));
        up.sync_instances();
        assert_eq!(up.breaker_state(a), BreakerState::Open);
        assert_eq!(up.breaker_state(b), BreakerState::Closed);
        assert!(up.reserve(a).is_err());
        let held = up.reserve(b).unwrap();
        assert_eq!(held.addr(), b);
        // B leaves: new requests to it are refused, while the request
        // still holding its slot finishes on it.
        set.replace(&crate::upstream::Instance::numbered(&[a]));
        up.sync_instances();
        assert!(up.slot(b).is_none());
        assert!(up.reserve(b).is_err());
        up.record(held, "ok");
    }

    /// A half-open probe whose client hung up (the request future was
    /// dropped before the answer) must not keep the circuit half-open.
    #[test]
    fn a_dropped_probe_frees_the_circuit_for_the_next_request() {
        let a: SocketAddr = "127.0.0.1:1001".parse().unwrap();
        let set = UpstreamSet::new("engines", &[a]);
        let metrics = UpstreamMetrics::new(&prometheus::Registry::new()).unwrap();
        let up = Upstream::new(
            "engine",
            set,
            Tuning {
                strategy: Strategy::RoundRobin,
                policy: BreakerPolicy {
                    failure_threshold: 1,
                    cool_down_ms: 0,
                    half_open_probes: 1,
                },
            },
            metrics,
        );
        let r = up.reserve(a).unwrap();
        up.record(r, "timeout");
        let probe = up.reserve(a).unwrap();
        assert_eq!(up.breaker_state(a), BreakerState::HalfOpen);
        assert!(up.reserve(a).is_err(), "one probe at a time");
        drop(probe);
        let probe = up.reserve(a).expect("the lost probe's place is free");
        up.record(probe, "ok");
        assert_eq!(up.breaker_state(a), BreakerState::Closed);
    }
}
