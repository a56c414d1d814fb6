//! The streaming reverse proxy: picks a healthy instance, forwards the
//! request over a pooled keep-alive connection with bodies streamed both
//! ways (server-sent events included), and maps upstream trouble to 502
//! (unreachable), 503 (no healthy instance) and 504 (timed out).

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode, Uri, header};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use opentelemetry::KeyValue;

use crate::services::common::Problem;
use crate::telemetry::trace;
use crate::upstream::UpstreamSet;
use crate::upstream::balancer::{Balancer, Candidate, Key, Strategy};
use crate::upstream::breaker::{Breaker, BreakerPolicy, State as BreakerState};

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
        registry.register(Box::new(responses.clone()))?;
        registry.register(Box::new(breaker.clone()))?;
        registry.register(Box::new(transitions.clone()))?;
        Ok(UpstreamMetrics {
            responses,
            breaker,
            transitions,
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

/// One upstream service's instances, their health, balancer and load.
pub struct Upstream {
    pub name: &'static str,
    pub set: UpstreamSet,
    strategy: Strategy,
    balancer: Mutex<Balancer>,
    in_flight: Vec<Arc<AtomicU32>>,
    breakers: Vec<Mutex<Breaker>>,
    policy: BreakerPolicy,
    metrics: UpstreamMetrics,
}

impl Upstream {
    pub fn new(
        name: &'static str,
        set: UpstreamSet,
        strategy: Strategy,
        policy: BreakerPolicy,
        metrics: UpstreamMetrics,
    ) -> Upstream {
        let in_flight = (0..set.len())
            .map(|_| Arc::new(AtomicU32::new(0)))
            .collect();
        let breakers = (0..set.len())
            .map(|_| Mutex::new(Breaker::default()))
            .collect();
        let up = Upstream {
            name,
            set,
            strategy,
            balancer: Mutex::new(Balancer::default()),
            in_flight,
            breakers,
            policy,
            metrics,
        };
        for i in 0..up.set.len() {
            up.export_breaker(i);
        }
        up
    }

    fn breaker(&self, i: usize) -> Option<std::sync::MutexGuard<'_, Breaker>> {
        self.breakers.get(i).map(|m| match m.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        })
    }

    fn label(&self, i: usize) -> String {
        self.addr(i).map(|a| a.to_string()).unwrap_or_default()
    }

    fn export_breaker(&self, i: usize) {
        let state = self.breaker_state(i);
        self.metrics
            .breaker
            .with_label_values(&[&self.set.service, &self.label(i)])
            .set(state.gauge());
    }

    /// Breaker state of instance `i` now.
    pub fn breaker_state(&self, i: usize) -> BreakerState {
        self.breaker(i)
            .map(|b| b.state(now_ms(), &self.policy))
            .unwrap_or(BreakerState::Closed)
    }

    /// Reserves instance `i` with its breaker: a 503 when the circuit is open.
    pub fn reserve(&self, i: usize) -> Result<(), Problem> {
        let ok = self
            .breaker(i)
            .is_some_and(|mut b| b.acquire(now_ms(), &self.policy));
        self.export_breaker(i);
        if ok {
            Ok(())
        } else {
            Err(Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the circuit to {} instance {} is open after repeated failures; retry shortly",
                    self.name,
                    self.label(i)
                ),
            ))
        }
    }

    /// Feeds one forwarded request's outcome to the breaker and metrics.
    fn record(&self, i: usize, outcome: &str) {
        self.metrics
            .responses
            .with_label_values(&[&self.set.service, &self.label(i), outcome])
            .inc();
        let changed = match self.breaker(i) {
            Some(mut b) => {
                let before = b.transitions;
                if outcome == "ok" {
                    b.on_success(&self.policy);
                } else {
                    b.on_failure(now_ms(), &self.policy);
                }
                b.transitions - before
            }
            None => 0,
        };
        if changed > 0 {
            self.metrics
                .transitions
                .with_label_values(&[&self.set.service, &self.label(i)])
                .inc_by(changed);
            tracing::warn!(upstream = %self.set.service, instance = %self.label(i), state = ?self.breaker_state(i), "circuit breaker changed state");
        }
        self.export_breaker(i);
    }

    fn healthy(&self) -> Vec<bool> {
        self.set.healthy_flags()
    }

    /// Picks (and reserves) an instance for a client: healthy and with a
    /// breaker that lets requests through; `None` when there is none.
    pub fn pick(&self, client: Option<&str>) -> Option<usize> {
        let healthy = self.healthy();
        let now = now_ms();
        let candidates: Vec<Candidate> = healthy
            .iter()
            .enumerate()
            .map(|(i, ok)| Candidate {
                available: *ok
                    && self
                        .breaker(i)
                        .is_some_and(|b| b.permits(now, &self.policy)),
                weight: 1,
                in_flight: self
                    .in_flight
                    .get(i)
                    .map(|c| c.load(Ordering::Relaxed))
                    .unwrap_or(0),
            })
            .collect();
        let key = Key {
            affinity: client,
            random: rand::random(),
        };
        let chosen = {
            let mut b = match self.balancer.lock() {
                Ok(b) => b,
                Err(p) => p.into_inner(),
            };
            b.choose(self.strategy, &candidates, key)?
        };
        self.reserve(chosen).ok().map(|()| chosen)
    }

    /// Instance `i` if it is healthy.
    pub fn instance_if_healthy(&self, i: usize) -> Option<SocketAddr> {
        let healthy = *self.healthy().get(i)?;
        healthy.then(|| self.set.addrs().get(i).copied()).flatten()
    }

    pub fn addr(&self, i: usize) -> Option<SocketAddr> {
        self.set.addrs().get(i).copied()
    }

    pub fn in_flight(&self, i: usize) -> u32 {
        self.in_flight
            .get(i)
            .map(|c| c.load(Ordering::Relaxed))
            .unwrap_or(0)
    }
}

pub struct Proxy {
    client: Client<HttpConnector, Body>,
    timeout: Duration,
}

impl Proxy {
    pub fn new(timeout: Duration) -> Proxy {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(Duration::from_secs(2)));
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(64)
            .build(connector);
        Proxy { client, timeout }
    }

    /// Forwards `req` to instance `i` of `up` at `path_and_query`.
    pub async fn forward(
        &self,
        up: &Upstream,
        i: usize,
        mut req: Request<Body>,
        path_and_query: &str,
        client_ip: Option<SocketAddr>,
    ) -> Result<Response<Body>, Problem> {
        let addr = up.addr(i).ok_or_else(|| {
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("no {} instance {i}", up.name),
            )
        })?;
        let uri: Uri = format!("http://{addr}{path_and_query}")
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
        // One client span per forwarded request, the next hop's parent.
        let span = trace::client_span(
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
        );
        trace::inject(&span, req.headers_mut());
        let counter = up.in_flight.get(i).cloned().unwrap_or_default();
        counter.fetch_add(1, Ordering::Relaxed);
        let guard = InFlight(counter);
        let result = tokio::time::timeout(self.timeout, self.client.request(req)).await;
        match &result {
            Ok(Ok(r)) => trace::finish(&span, Some(r.status().as_u16()), None),
            Ok(Err(e)) => trace::finish(&span, None, Some(&error_chain(e))),
            Err(_) => trace::finish(&span, None, Some("timeout")),
        }
        let resp = match result {
            Err(_) => {
                up.record(i, "timeout");
                return Err(Problem::new(
                    StatusCode::GATEWAY_TIMEOUT,
                    format!(
                        "{} at {addr} did not answer within {} (GATEWAY_REQUEST_TIMEOUT)",
                        up.name,
                        humantime::format_duration(self.timeout)
                    ),
                ));
            }
            Ok(Err(e)) => {
                up.record(i, "unreachable");
                return Err(Problem::new(
                    StatusCode::BAD_GATEWAY,
                    format!("{} at {addr} is unreachable: {}", up.name, error_chain(&e)),
                ));
            }
            Ok(Ok(r)) => {
                up.record(
                    i,
                    if r.status().is_server_error() {
                        "error"
                    } else {
                        "ok"
                    },
                );
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

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // Headers named in `Connection` are hop-by-hop too.
    let named: Vec<String> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(',').map(|s| s.trim().to_ascii_lowercase()))
        .collect();
    for h in HOP_BY_HOP.iter().map(|s| s.to_string()).chain(named) {
        headers.remove(h.as_str());
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
}
