//! Per-client rate limits with GCRA (the generic cell rate algorithm):
//! `max` requests per `window`, as a burst that refills evenly.
//!
//! The client is the token's (or API key's) subject when `by_api_key` is on
//! and the request carries valid credentials, else its IP address when
//! `by_ip` is on; otherwise the request is not limited. Per-route rules
//! (`gateway.rate_limit.routes`) give matching requests their own quota and
//! their own buckets. The arithmetic (`Gcra`, `route_for`, `Policy`) is pure:
//! time comes in as nanoseconds, so it is tested with injected time. Idle
//! buckets are evicted, so memory stays bounded. A configuration reload
//! carries the buckets over (`carry`): a client stays at its limit.

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::config::{RateLimitConfig, RouteLimit};
use crate::services::common::Problem;
use crate::services::common::extract::TokenVerifier;
use crate::sharded::Sharded;

pub mod carry;

/// One quota: `burst` requests at once, one more every `period_ns`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gcra {
    pub period_ns: u64,
    pub burst: u64,
}

/// The answer for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Allowed; this many more would be allowed right now.
    Allow { remaining: u64 },
    /// Refused; the next request is allowed after this long.
    Deny { wait_ns: u64 },
}

impl Gcra {
    /// `max` requests per `window` (`max` ≥ 1).
    pub fn new(max: u64, window: Duration) -> Gcra {
        let max = max.max(1);
        let window_ns = u64::try_from(window.as_nanos()).unwrap_or(u64::MAX);
        Gcra {
            period_ns: (window_ns / max).max(1),
            burst: max,
        }
    }

    /// Decides a request at `now` for a client whose theoretical arrival
    /// time is `tat` (`None`: never seen or evicted); returns the decision
    /// and the new `tat` to store (unchanged when refused).
    pub fn check(&self, tat: Option<u64>, now: u64) -> (Decision, u64) {
        let tat = tat.unwrap_or(now).max(now);
        let capacity = self.period_ns.saturating_mul(self.burst);
        let next = tat.saturating_add(self.period_ns);
        let used = next - now;
        if used > capacity {
            (
                Decision::Deny {
                    wait_ns: used - capacity,
                },
                tat,
            )
        } else {
            (
                Decision::Allow {
                    remaining: (capacity - used) / self.period_ns,
                },
                next,
            )
        }
    }
}

/// The rule for a request: the longest prefix matching on whole path
/// segments wins, and at equal length a rule naming the method beats one
/// without. `None`: the default quota.
pub fn route_for<'a>(
    rules: impl IntoIterator<Item = &'a RouteLimit>,
    method: &str,
    path: &str,
) -> Option<usize> {
    rules
        .into_iter()
        .enumerate()
        .filter(|(_, r)| r.method.as_deref().is_none_or(|m| m == method))
        .filter(|(_, r)| {
            let p = r.prefix.trim_end_matches('/');
            path == p
                || p.is_empty()
                || path
                    .strip_prefix(p)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
        .max_by_key(|(i, r)| {
            (
                r.prefix.trim_end_matches('/').len(),
                r.method.is_some(),
                usize::MAX - i,
            )
        })
        .map(|(i, _)| i)
}

/// Who sent a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// A valid token's or API key's subject (`sub:alice`, `key:ops`).
    pub credential: Option<String>,
    pub ip: std::net::IpAddr,
}

/// The whole rate-limit policy, pure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub default: Gcra,
    pub default_text: (u64, Duration),
    pub routes: Vec<(RouteLimit, Gcra)>,
    pub by_ip: bool,
    pub by_api_key: bool,
}

impl Policy {
    pub fn new(cfg: &RateLimitConfig) -> Policy {
        Policy {
            default: Gcra::new(cfg.max_requests, cfg.window),
            default_text: (cfg.max_requests, cfg.window),
            routes: cfg
                .routes
                .iter()
                .map(|r| (r.clone(), Gcra::new(r.max_requests, r.window)))
                .collect(),
            by_ip: cfg.by_ip,
            by_api_key: cfg.by_api_key,
        }
    }

    /// The bucket key of a request, or `None` when it is not limited.
    pub fn bucket(&self, client: &Client, rule: Option<usize>) -> Option<String> {
        let who = match &client.credential {
            Some(sub) if self.by_api_key => sub.clone(),
            _ if self.by_ip => format!("ip:{}", client.ip),
            _ => return None,
        };
        Some(carry::key(rule, &who))
    }

    fn quota(&self, rule: Option<usize>) -> (Gcra, u64, Duration) {
        match rule.and_then(|i| self.routes.get(i)) {
            Some((r, g)) => (*g, r.max_requests, r.window),
            None => (self.default, self.default_text.0, self.default_text.1),
        }
    }
}

const SHARDS: usize = 16;

/// The live limiter: a policy and the clients' buckets.
pub struct RateLimit {
    pub policy: Policy,
    buckets: Sharded<String, u64>,
    rejected: prometheus::IntCounter,
}

/// The outcome for one request, with what the response headers report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub decision: Decision,
    pub max: u64,
    pub window: Duration,
}

impl RateLimit {
    /// A limiter for `policy` with no buckets yet.
    pub fn new(policy: Policy, rejected: prometheus::IntCounter) -> RateLimit {
        RateLimit {
            policy,
            buckets: Sharded::new(SHARDS),
            rejected,
        }
    }

    /// A limiter for `policy` that starts with `old`'s buckets carried
    /// over at `now` (see [`carry`]).
    pub fn carried_from(
        policy: Policy,
        old: &RateLimit,
        now: u64,
        rejected: prometheus::IntCounter,
    ) -> RateLimit {
        let rl = RateLimit::new(policy, rejected);
        old.buckets.each(|buckets| {
            let carried = carry::carry(
                &old.policy,
                &rl.policy,
                buckets.iter().map(|(k, t)| (k.as_str(), *t)),
                now,
            );
            // Another map's shards: no lock is taken twice.
            for (k, tat) in carried {
                rl.buckets.shard(k.as_str()).insert(k, tat);
            }
        });
        rl
    }

    /// The theoretical arrival time of a bucket, if it is tracked.
    pub fn tat(&self, key: &str) -> Option<u64> {
        self.buckets.shard(key).get(key).copied()
    }

    /// Shares `self` and evicts its idle buckets every 10 s while it lives.
    fn spawn_eviction(self) -> Arc<RateLimit> {
        let rl = Arc::new(self);
        let weak = Arc::downgrade(&rl);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(10)).await;
                let Some(rl) = weak.upgrade() else { break };
                rl.evict_idle(now_ns());
            }
        });
        rl
    }

    /// Decides one request at `now` (nanoseconds on a monotonic clock);
    /// `None` when the request is not limited.
    pub fn check_at(&self, client: &Client, method: &str, path: &str, now: u64) -> Option<Verdict> {
        let rule = route_for(self.policy.routes.iter().map(|(r, _)| r), method, path);
        let key = self.policy.bucket(client, rule)?;
        let (gcra, max, window) = self.policy.quota(rule);
        let mut shard = self.buckets.shard(key.as_str());
        let (decision, tat) = gcra.check(shard.get(&key).copied(), now);
        if let Decision::Allow { .. } = decision {
            shard.insert(key, tat);
        }
        Some(Verdict {
            decision,
            max,
            window,
        })
    }

    /// Drops buckets that are full again (their clients are idle).
    pub fn evict_idle(&self, now: u64) {
        self.buckets.each(|g| {
            g.retain(|_, tat| *tat > now);
            g.shrink_to_fit();
        });
    }

    pub fn tracked_clients(&self) -> usize {
        self.buckets.len()
    }
}

/// The active limiter, swapped whole on a configuration reload.
pub struct Limits {
    current: RwLock<Arc<RateLimit>>,
    rejected: prometheus::IntCounter,
}

impl Limits {
    pub fn new(cfg: &RateLimitConfig, registry: &prometheus::Registry) -> anyhow::Result<Limits> {
        let rejected = prometheus::IntCounter::new(
            "bitcraps_gateway_rate_limited_total",
            "Requests refused with 429 by the per-client rate limit.",
        )?;
        registry.register(Box::new(rejected.clone()))?;
        Ok(Limits {
            current: RwLock::new(
                RateLimit::new(Policy::new(cfg), rejected.clone()).spawn_eviction(),
            ),
            rejected,
        })
    }

    pub fn current(&self) -> Arc<RateLimit> {
        match self.current.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Applies a new configuration; the clients' buckets are carried over
    /// (kept as they are where a quota is unchanged: a reload does not reset
    /// anyone's limit). Returns whether the policy changed.
    pub fn apply(&self, cfg: &RateLimitConfig) -> bool {
        let policy = Policy::new(cfg);
        let mut current = match self.current.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if current.policy == policy {
            return false;
        }
        // Under the write lock no new request starts on the old limiter; one
        // that already holds it may still count there, a request's worth.
        let next = RateLimit::carried_from(policy, &current, now_ns(), self.rejected.clone());
        *current = next.spawn_eviction();
        true
    }
}

/// Nanoseconds on a monotonic clock.
fn now_ns() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    u64::try_from(
        START
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_nanos(),
    )
    .unwrap_or(u64::MAX)
}

fn policy_header(max: u64, window: Duration) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("{max};w={}", window.as_secs().max(1))).ok()
}

/// The middleware.
pub async fn limit(
    State((limits, secret)): State<(Arc<Limits>, TokenVerifier)>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    let rl = limits.current();
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let api_key = req.headers().get("x-api-key").and_then(|v| v.to_str().ok());
    let credential = match crate::auth::bearer(header).and_then(|t| secret.verify(t)) {
        Ok(claims) => Some(format!("sub:{}", claims.sub)),
        Err(_) => api_key
            .and_then(|k| crate::apikeys::verify(k.trim()))
            .map(|claims| format!("key:{}", claims.sub)),
    };
    let client = Client {
        credential,
        ip: peer.ip(),
    };
    let Some(verdict) = rl.check_at(&client, req.method().as_str(), req.uri().path(), now_ns())
    else {
        return next.run(req).await;
    };
    match verdict.decision {
        Decision::Allow { remaining } => {
            let mut resp = next.run(req).await;
            let h = resp.headers_mut();
            if let Some(v) = policy_header(verdict.max, verdict.window) {
                h.insert("ratelimit-policy", v);
            }
            h.insert("ratelimit-remaining", HeaderValue::from(remaining));
            resp
        }
        Decision::Deny { wait_ns } => {
            rl.rejected.inc();
            let wait = Duration::from_nanos(wait_ns);
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let mut resp = Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "rate limit of {} requests per {} exceeded; retry in {secs}s",
                    verdict.max,
                    humantime::format_duration(verdict.window)
                ),
            )
            .into_response();
            let h = resp.headers_mut();
            let v = HeaderValue::from(secs.max(1));
            h.insert(header::RETRY_AFTER, v.clone());
            h.insert("ratelimit-reset", v);
            if let Some(v) = policy_header(verdict.max, verdict.window) {
                h.insert("ratelimit-policy", v);
            }
            h.insert("ratelimit-remaining", HeaderValue::from_static("0"));
            resp
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const S: u64 = 1_000_000_000;

    fn cfg(routes: &str) -> RateLimitConfig {
        RateLimitConfig {
            max_requests: 3,
            window: Duration::from_secs(60),
            by_ip: true,
            by_api_key: true,
            routes: routes
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| RouteLimit::parse(s).unwrap())
                .collect(),
        }
    }

    fn limiter(routes: &str) -> RateLimit {
        RateLimit::new(
            Policy::new(&cfg(routes)),
            prometheus::IntCounter::new("x", "x").unwrap(),
        )
    }

    #[test]
    fn a_burst_then_one_request_per_period() {
        let g = Gcra::new(3, Duration::from_secs(60));
        let mut tat = None;
        let mut now = 1000 * S;
        for left in [2, 1, 0] {
            let (d, t) = g.check(tat, now);
            assert_eq!(d, Decision::Allow { remaining: left });
            tat = Some(t);
        }
        let (d, _) = g.check(tat, now);
        assert_eq!(d, Decision::Deny { wait_ns: 20 * S });
        now += 19 * S;
        assert_eq!(g.check(tat, now).0, Decision::Deny { wait_ns: S });
        now += S;
        let (d, t) = g.check(tat, now);
        assert_eq!(d, Decision::Allow { remaining: 0 });
        tat = Some(t);
        // A full window of silence refills the whole burst.
        now += 60 * S;
        assert_eq!(g.check(tat, now).0, Decision::Allow { remaining: 2 });
    }

    proptest! {
        /// Over any span of time, no client gets more than the burst plus
        /// one request per period elapsed, and a refused request's wait is
        /// exactly when the next one is allowed.
        #[test]
        fn never_more_than_burst_plus_refill(max in 1u64..20, window_ms in 1u64..10_000,
                                             gaps in proptest::collection::vec(0u64..2_000_000_000, 1..300)) {
            let g = Gcra::new(max, Duration::from_millis(window_ms));
            let start = 5 * S;
            let mut now = start;
            let mut tat = None;
            let mut allowed = 0u64;
            for gap in gaps {
                now += gap;
                match g.check(tat, now) {
                    (Decision::Allow { remaining }, t) => {
                        prop_assert!(remaining < max);
                        allowed += 1;
                        tat = Some(t);
                    }
                    (Decision::Deny { wait_ns }, t) => {
                        prop_assert_eq!(Some(t), tat.map(|x: u64| x.max(now)));
                        prop_assert!(wait_ns > 0);
                        let before = matches!(g.check(tat, now + wait_ns - 1).0, Decision::Deny { .. });
                        let at = matches!(g.check(tat, now + wait_ns).0, Decision::Allow { .. });
                        prop_assert!(before, "still refused just before the wait ends");
                        prop_assert!(at, "allowed when the wait ends");
                    }
                }
                prop_assert!(allowed <= max + (now - start) / g.period_ns);
            }
        }
    }

    #[test]
    fn the_longest_segment_prefix_wins_and_a_method_beats_none() {
        let rules: Vec<RouteLimit> = [
            "/api/v1=1/1s",
            "/api/v1/games=2/1s",
            "POST /api/v1/games=3/1s",
            "/api/v1/consensus/=4/1s",
        ]
        .iter()
        .map(|s| RouteLimit::parse(s).unwrap())
        .collect();
        assert_eq!(route_for(&rules, "POST", "/api/v1/games"), Some(2));
        assert_eq!(route_for(&rules, "GET", "/api/v1/games"), Some(1));
        assert_eq!(
            route_for(&rules, "POST", "/api/v1/games/e0-1/actions"),
            Some(2)
        );
        assert_eq!(route_for(&rules, "GET", "/api/v1/gamesx"), Some(0));
        assert_eq!(
            route_for(&rules, "POST", "/api/v1/consensus/propose"),
            Some(3)
        );
        assert_eq!(route_for(&rules, "GET", "/api/v1/consensus"), Some(3));
        assert_eq!(route_for(&rules, "GET", "/admin/upstreams"), None);
        assert_eq!(route_for(&[], "GET", "/api/v1/games"), None);
    }

    #[test]
    fn toggles_decide_who_is_counted() {
        let ip: std::net::IpAddr = [10, 0, 0, 1].into();
        let cred = Client {
            credential: Some("sub:alice".into()),
            ip,
        };
        let anon = Client {
            credential: None,
            ip,
        };
        let mut c = cfg("");
        let p = Policy::new(&c);
        assert_eq!(p.bucket(&cred, None).as_deref(), Some("d|sub:alice"));
        assert_eq!(p.bucket(&anon, Some(1)).as_deref(), Some("r1|ip:10.0.0.1"));
        // Without by_api_key, credentials count against their IP.
        c.by_api_key = false;
        let p = Policy::new(&c);
        assert_eq!(p.bucket(&cred, None).as_deref(), Some("d|ip:10.0.0.1"));
        assert_eq!(p.bucket(&anon, None).as_deref(), Some("d|ip:10.0.0.1"));
        c.by_ip = false;
        let p = Policy::new(&c);
        assert_eq!(p.bucket(&cred, None), None);
        c.by_ip = false;
        let p = Policy::new(&c);
        assert_eq!(p.bucket(&anon, None), None);
        c.by_api_key = true;
        let p = Policy::new(&c);
        assert_eq!(p.bucket(&cred, None).as_deref(), Some("d|sub:alice"));
        assert_eq!(p.bucket(&anon, None), None);
    }

    #[tokio::test]
    async fn a_reload_keeps_clients_at_their_limit() {
        let limits = Limits::new(
            &cfg("POST /api/v1/games=1/1m"),
            &prometheus::Registry::new(),
        )
        .unwrap();
        let alice = Client {
            credential: Some("sub:alice".into()),
            ip: [10, 0, 0, 1].into(),
        };
        let decide = |path: &str| {
            limits
                .current()
                .check_at(&alice, "POST", path, now_ns())
                .unwrap()
                .decision
        };
        assert!(matches!(decide("/api/v1/games"), Decision::Allow { .. }));
        assert!(matches!(decide("/api/v1/games"), Decision::Deny { .. }));
        assert!(matches!(decide("/x"), Decision::Allow { remaining: 2 }));
        // Another rule comes first and the default changes: alice's route
        // quota is the same, so she stays limited there, and the default
        // bucket keeps the request it counted.
        let mut next = cfg("/other=5/1s,POST /api/v1/games=1/1m");
        next.max_requests = 10;
        assert!(limits.apply(&next));
        assert!(matches!(decide("/api/v1/games"), Decision::Deny { .. }));
        assert!(matches!(decide("/x"), Decision::Allow { remaining: 8 }));
        // The same configuration again changes nothing.
        assert!(!limits.apply(&next));
        assert!(matches!(decide("/api/v1/games"), Decision::Deny { .. }));
    }

    #[tokio::test]
    async fn an_override_has_its_own_quota_and_buckets() {
        let rl = limiter("POST /api/v1/games=1/10s");
        let ip: std::net::IpAddr = [10, 0, 0, 1].into();
        let alice = Client {
            credential: Some("sub:alice".into()),
            ip,
        };
        let t = 100 * S;
        let v = rl.check_at(&alice, "POST", "/api/v1/games", t).unwrap();
        assert_eq!((v.max, v.window), (1, Duration::from_secs(10)));
        assert_eq!(v.decision, Decision::Allow { remaining: 0 });
        let v = rl.check_at(&alice, "POST", "/api/v1/games", t).unwrap();
        assert_eq!(v.decision, Decision::Deny { wait_ns: 10 * S });
        // Other routes keep the default quota, untouched by the override.
        for left in [2, 1, 0] {
            let v = rl.check_at(&alice, "GET", "/api/v1/games", t).unwrap();
            assert_eq!(
                (v.max, v.decision),
                (3, Decision::Allow { remaining: left })
            );
        }
        // Another client is unaffected.
        let bob = Client {
            credential: Some("sub:bob".into()),
            ip,
        };
        assert!(matches!(
            rl.check_at(&bob, "POST", "/api/v1/games", t)
                .unwrap()
                .decision,
            Decision::Allow { .. }
        ));
        assert_eq!(rl.tracked_clients(), 3);
        // Once every bucket is full again, all are evicted.
        rl.evict_idle(t + 60 * S);
        assert_eq!(rl.tracked_clients(), 0);
    }
}
