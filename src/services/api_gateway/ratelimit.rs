//! Per-client rate limits: GCRA (the `governor` crate) allowing
//! RATE_LIMIT_MAX_REQUESTS per RATE_LIMIT_WINDOW, as a burst that refills
//! evenly. The client is the token's subject when the request carries a
//! valid token (or API key), else its IP address. Idle keys are evicted, so memory stays
//! bounded however many clients come and go.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::services::common::Problem;
use crate::services::common::extract::JwtSecret;

pub struct RateLimit {
    limiter: DefaultKeyedRateLimiter<String>,
    max: u32,
    window: Duration,
    rejected: prometheus::IntCounter,
}

impl RateLimit {
    pub fn new(
        max: u64,
        window: Duration,
        registry: &prometheus::Registry,
    ) -> anyhow::Result<Arc<RateLimit>> {
        let max = u32::try_from(max).unwrap_or(u32::MAX);
        let burst = NonZeroU32::new(max)
            .ok_or_else(|| anyhow::anyhow!("rate limit must allow at least 1 request"))?;
        let period = window / max;
        let quota = Quota::with_period(period.max(Duration::from_nanos(1)))
            .ok_or_else(|| anyhow::anyhow!("rate-limit window too short"))?
            .allow_burst(burst);
        let rejected = prometheus::IntCounter::new(
            "bitcraps_gateway_rate_limited_total",
            "Requests refused with 429 by the per-client rate limit.",
        )?;
        registry.register(Box::new(rejected.clone()))?;
        let rl = Arc::new(RateLimit {
            limiter: RateLimiter::keyed(quota),
            max,
            window,
            rejected,
        });
        // Evict clients whose bucket is full again (idle), keeping memory bounded.
        let weak = Arc::downgrade(&rl);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(10)).await;
                let Some(rl) = weak.upgrade() else { break };
                rl.limiter.retain_recent();
                rl.limiter.shrink_to_fit();
            }
        });
        Ok(rl)
    }

    /// `Ok` when `key` may make a request now, else how long to wait.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.limiter
            .check_key(&key.to_string())
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    pub fn tracked_clients(&self) -> usize {
        self.limiter.len()
    }
}

/// The middleware.
pub async fn limit(
    State((rl, secret)): State<(Arc<RateLimit>, JwtSecret)>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let api_key = req.headers().get("x-api-key").and_then(|v| v.to_str().ok());
    let key = match crate::auth::bearer(header).and_then(|t| crate::auth::verify(t, &secret.0)) {
        Ok(claims) => format!("sub:{}", claims.sub),
        Err(_) => match api_key.and_then(|k| crate::apikeys::verify(k.trim())) {
            Some(claims) => format!("key:{}", claims.sub),
            None => format!("ip:{}", peer.ip()),
        },
    };
    match rl.check(&key) {
        Ok(()) => next.run(req).await,
        Err(wait) => {
            rl.rejected.inc();
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let mut resp = Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "rate limit of {} requests per {} exceeded; retry in {secs}s",
                    rl.max,
                    humantime::format_duration(rl.window)
                ),
            )
            .into_response();
            let h = resp.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string()) {
                h.insert(header::RETRY_AFTER, v.clone());
                h.insert("ratelimit-reset", v);
            }
            if let Ok(v) =
                HeaderValue::from_str(&format!("{};w={}", rl.max, rl.window.as_secs().max(1)))
            {
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

    #[tokio::test]
    async fn a_client_gets_its_burst_then_waits_and_others_are_unaffected() {
        let reg = prometheus::Registry::new();
        let rl = RateLimit::new(3, Duration::from_secs(60), &reg).unwrap();
        for _ in 0..3 {
            assert!(rl.check("sub:alice").is_ok());
        }
        let wait = rl.check("sub:alice").unwrap_err();
        assert!(
            wait > Duration::from_secs(15) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(rl.check("sub:bob").is_ok());
        assert_eq!(rl.tracked_clients(), 2);
    }
}
