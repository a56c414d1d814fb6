//! API gateway (:8080): authenticates, picks a healthy instance and streams
//! the request to it.
//!
//! - `/api/v1/games…` → engine `/games…`. A game lives on the engine that
//!   created it, and its id starts with that engine's index (`e1-…`), so
//!   every request for a game reaches the instance that holds it. New games
//!   go to an instance chosen by `gateway.load_balancing`; `GET
//!   /api/v1/games` asks every healthy engine and merges the pages.
//! - `/api/v1/consensus/…` → any healthy validator `/…` (`validators` needs
//!   the admin role).
//! - `/admin/upstreams` (admin): every instance with health and in-flight.
//!
//! Every instance has a circuit breaker (`proxy`); every client a rate limit
//! (`ratelimit`).

pub mod proxy;
pub mod ratelimit;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, FromRef, Path, RawQuery, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{any, get};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{OpenApi, ToSchema};

use super::ServeOptions;
use super::common::extract::{Caller, JwtSecret};
use super::common::{Problem, ServiceContext, base_router, listen};
use crate::config::Config;
use crate::telemetry::Metrics;
use crate::upstream::{InstanceView, UpstreamSet};
use proxy::{Proxy, Upstream};

pub const SERVICE: &str = "gateway";

#[derive(Clone)]
struct GatewayState {
    retries: Arc<std::sync::Mutex<crate::upstream::retry::RetryBudget>>,
    engines: Arc<Upstream>,
    validators: Arc<Upstream>,
    proxy: Arc<Proxy>,
    secret: JwtSecret,
    fanout: reqwest::Client,
}

impl FromRef<GatewayState> for JwtSecret {
    fn from_ref(s: &GatewayState) -> JwtSecret {
        s.secret.clone()
    }
}

/// One upstream service in `GET /admin/upstreams`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UpstreamView {
    pub service: String,
    pub instances: Vec<InstanceLoad>,
}

/// One instance: health plus requests in flight through the gateway.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InstanceLoad {
    #[serde(flatten)]
    pub instance: InstanceView,
    pub in_flight: u32,
    #[schema(value_type = String)]
    pub breaker: crate::upstream::breaker::State,
}

#[derive(OpenApi)]
#[openapi(
    paths(admin_upstreams, games_root, game_path, consensus_path),
    components(schemas(UpstreamView, InstanceLoad, InstanceView))
)]
struct GatewayApi;

/// Each upstream instance with its health and in-flight requests (admin).
#[utoipa::path(get, path = "/admin/upstreams", tag = "admin",
    responses((status = 200, description = "Upstream instances", body = [UpstreamView]), (status = 401), (status = 403)))]
async fn admin_upstreams(
    State(s): State<GatewayState>,
    caller: Caller,
) -> Result<Json<Vec<UpstreamView>>, Problem> {
    caller.require_admin()?;
    Ok(Json(
        [&s.engines, &s.validators]
            .iter()
            .map(|u| UpstreamView {
                service: u.set.service.clone(),
                instances: u
                    .set
                    .view()
                    .into_iter()
                    .enumerate()
                    .map(|(i, instance)| InstanceLoad {
                        instance,
                        in_flight: u.in_flight(i),
                        breaker: u.breaker_state(i),
                    })
                    .collect(),
            })
            .collect(),
    ))
}

fn client_key(caller: &Caller, peer: SocketAddr) -> String {
    // IP hash keys on the caller's identity when there is one, so one
    // player's requests stick together behind a shared address.
    if caller.0.sub.is_empty() {
        peer.ip().to_string()
    } else {
        caller.0.sub.clone()
    }
}

fn with_query(path: &str, query: &Option<String>) -> String {
    match query {
        Some(q) if !q.is_empty() => format!("{path}?{q}"),
        _ => path.to_string(),
    }
}

/// `POST /api/v1/games` (create, on a balanced engine) and `GET
/// /api/v1/games` (list, merged across engines).
#[utoipa::path(post, path = "/api/v1/games", tag = "games",
    responses((status = 201, description = "Created on the chosen engine"), (status = 401), (status = 503, description = "No healthy engine")))]
async fn games_root(
    State(s): State<GatewayState>,
    caller: Caller,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    RawQuery(query): RawQuery,
    req: Request,
) -> Result<Response, Problem> {
    if req.method() == axum::http::Method::GET {
        let auth = req
            .headers()
            .get(axum::http::header::AUTHORIZATION)
            .cloned();
        return list_games(&s, auth, query).await;
    }
    let key = client_key(&caller, peer);
    let i = s.engines.pick(Some(&key)).ok_or_else(|| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no healthy game engine instance",
        )
    })?;
    s.proxy
        .forward(
            &s.engines,
            i,
            req,
            &with_query("/games", &query),
            Some(peer),
        )
        .await
}

/// Lists games from every healthy engine: each is asked for its first
/// `offset + limit`, then the merged list is sorted and cut like one list.
async fn list_games(
    s: &GatewayState,
    auth: Option<axum::http::HeaderValue>,
    query: Option<String>,
) -> Result<Response, Problem> {
    let mut params: Vec<(String, String)> = query
        .as_deref()
        .map(|q| {
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .unwrap_or_default();
    let get = |k: &str| params.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone());
    let limit: usize = get("limit").and_then(|v| v.parse().ok()).unwrap_or(50);
    let offset: usize = get("offset").and_then(|v| v.parse().ok()).unwrap_or(0);
    if !(1..=500).contains(&limit) {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "limit must be from 1 to 500",
        ));
    }
    params.retain(|(k, _)| k != "limit" && k != "offset");
    params.push(("offset".into(), "0".into()));
    params.push(("limit".into(), (offset + limit).min(500).to_string()));
    let q: String = params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut games: Vec<Value> = Vec::new();
    let mut total = 0u64;
    let mut asked = 0;
    for i in 0..s.engines.set.len() {
        let Some(addr) = s.engines.instance_if_healthy(i) else {
            continue;
        };
        asked += 1;
        let mut r = s.fanout.get(format!("http://{addr}/games?{q}"));
        if let Some(a) = &auth {
            r = r.header(axum::http::header::AUTHORIZATION, a.clone());
        }
        let span = crate::telemetry::trace::client_span(
            &crate::telemetry::trace::Context::current(),
            "GET".to_string(),
            vec![opentelemetry::KeyValue::new("peer.service", "engine")],
            &[],
        );
        let mut traced = axum::http::HeaderMap::new();
        crate::telemetry::trace::inject(&span, &mut traced);
        let sent = r.headers(traced).send().await;
        crate::telemetry::trace::finish(
            &span,
            sent.as_ref().ok().map(|r| r.status().as_u16()),
            sent.as_ref().err().map(|e| e.to_string()).as_deref(),
        );
        let resp = sent
            .map_err(|e| Problem::new(StatusCode::BAD_GATEWAY, format!("engine at {addr}: {e}")))?;
        let status = resp.status();
        let body: Value = resp
            .json()
            .await
            .map_err(|e| Problem::new(StatusCode::BAD_GATEWAY, format!("engine at {addr}: {e}")))?;
        if !status.is_success() {
            // The engine's own problem (a bad filter, say) goes back as is.
            return Ok((
                StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY),
                Json(body),
            )
                .into_response());
        }
        total += body["total"].as_u64().unwrap_or(0);
        games.extend(body["games"].as_array().cloned().unwrap_or_default());
    }
    if asked == 0 {
        return Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no healthy game engine instance",
        ));
    }
    games.sort_by(|a, b| {
        b["created_at_ms"]
            .as_u64()
            .cmp(&a["created_at_ms"].as_u64())
            .then_with(|| a["id"].as_str().cmp(&b["id"].as_str()))
    });
    let page: Vec<Value> = games.into_iter().skip(offset).take(limit).collect();
    Ok(
        Json(json!({ "games": page, "total": total, "limit": limit, "offset": offset }))
            .into_response(),
    )
}

/// Forwards `req` to instance `first`; a GET or HEAD that could not reach
/// its instance (unreachable or timed out) is retried once — on another
/// instance when `another` picks one, else on the same after a moment —
/// within the retry budget. Requests with bodies are never retried.
async fn forward_retrying(
    s: &GatewayState,
    up: &Upstream,
    first: usize,
    req: Request,
    path: &str,
    peer: SocketAddr,
    another: Option<&str>,
) -> Result<Response, Problem> {
    let budget =
        |f: &dyn Fn(&mut crate::upstream::retry::RetryBudget) -> bool| match s.retries.lock() {
            Ok(mut b) => f(&mut b),
            Err(p) => f(&mut p.into_inner()),
        };
    budget(&|b| {
        b.on_request();
        true
    });
    let idempotent = matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    if !idempotent {
        return s.proxy.forward(up, first, req, path, Some(peer)).await;
    }
    let (parts, _) = req.into_parts();
    let rebuild = || {
        let mut r = Request::new(axum::body::Body::empty());
        *r.method_mut() = parts.method.clone();
        *r.uri_mut() = parts.uri.clone();
        *r.headers_mut() = parts.headers.clone();
        r
    };
    match s
        .proxy
        .forward(up, first, rebuild(), path, Some(peer))
        .await
    {
        Err(p) if matches!(p.status, 502 | 504) && budget(&|b| b.try_retry()) => {
            let next = match another {
                Some(key) => up.pick(Some(key)),
                None => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    up.reserve(first).ok().map(|()| first)
                }
            };
            match next {
                Some(i) => {
                    tracing::info!(upstream = %up.set.service, from = first, to = i, "retrying an idempotent request");
                    s.proxy.forward(up, i, rebuild(), path, Some(peer)).await
                }
                None => Err(p),
            }
        }
        other => other,
    }
}

/// Engine index encoded in a game id (`e1-…`).
fn engine_of(id: &str) -> Option<usize> {
    id.strip_prefix('e')?.split_once('-')?.0.parse().ok()
}

/// Everything under `/api/v1/games/{id}` goes to the engine holding the game.
#[utoipa::path(get, path = "/api/v1/games/{id}", tag = "games",
    params(("id" = String, Path, description = "Game id; its prefix names the engine")),
    responses((status = 200, description = "From the engine that holds the game"), (status = 401), (status = 404),
              (status = 503, description = "The game's engine is down")))]
async fn game_path(
    State(s): State<GatewayState>,
    _caller: Caller,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    req: Request,
) -> Result<Response, Problem> {
    to_game(&s, peer, id, None, query, req).await
}

/// `/api/v1/games/{id}/actions`, `/events`, `/proof`.
async fn game_subpath(
    State(s): State<GatewayState>,
    _caller: Caller,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((id, rest)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    req: Request,
) -> Result<Response, Problem> {
    to_game(&s, peer, id, Some(rest), query, req).await
}

async fn to_game(
    s: &GatewayState,
    peer: SocketAddr,
    id: String,
    rest: Option<String>,
    query: Option<String>,
    req: Request,
) -> Result<Response, Problem> {
    let i = engine_of(&id)
        .filter(|i| *i < s.engines.set.len())
        .ok_or_else(|| Problem::not_found(format!("no game {id:?}")))?;
    if s.engines.instance_if_healthy(i).is_none() {
        return Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the engine holding game {id} (instance {i}) is not healthy; retry shortly"),
        ));
    }
    s.engines.reserve(i)?;
    let path = match rest {
        Some(r) => format!("/games/{id}/{r}"),
        None => format!("/games/{id}"),
    };
    forward_retrying(
        s,
        &s.engines,
        i,
        req,
        &with_query(&path, &query),
        peer,
        None,
    )
    .await
}

/// `/api/v1/consensus/{rest}` → a healthy validator's `/{rest}`.
#[utoipa::path(post, path = "/api/v1/consensus/propose", tag = "consensus",
    responses((status = 202, description = "Accepted by a validator"), (status = 401), (status = 403), (status = 503)))]
async fn consensus_path(
    State(s): State<GatewayState>,
    caller: Caller,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(rest): Path<String>,
    RawQuery(query): RawQuery,
    req: Request,
) -> Result<Response, Problem> {
    if rest == "validators" || rest.starts_with("validators/") {
        caller.require_admin()?;
    }
    let key = client_key(&caller, peer);
    let i = s
        .validators
        .pick(Some(&key))
        .ok_or_else(|| Problem::new(StatusCode::SERVICE_UNAVAILABLE, "no healthy validator"))?;
    forward_retrying(
        &s,
        &s.validators,
        i,
        req,
        &with_query(&format!("/{rest}"), &query),
        peer,
        Some(&key),
    )
    .await
}

/// Builds the gateway app and starts its health checks.
pub fn app(cfg: &Config, opts: &ServeOptions) -> anyhow::Result<Router> {
    let secret = super::jwt_secret(cfg, opts)?;
    let metrics = Metrics::new(SERVICE)?;
    let ctx = ServiceContext::new(SERVICE, SERVICE.to_string(), metrics, GatewayApi::openapi());
    ctx.readiness.set("jwt_secret", true, true, "loaded");
    let strategy = cfg
        .gateway
        .load_balancing
        .parse()
        .map_err(|e: String| anyhow::anyhow!(e))?;
    let engines = UpstreamSet::new("game_engine", &cfg.engine_addrs());
    let validators = UpstreamSet::new("consensus", &cfg.validator_addrs());
    let f = usize::from(cfg.consensus.byzantine_threshold);
    let needed = validators.len().saturating_sub(f).max(1);
    let interval = cfg.gateway.health_check_interval;
    for (set, dep, need) in [
        (&engines, "game_engine", 1),
        (&validators, "consensus", needed),
    ] {
        super::watch_upstream(&ctx.readiness, dep, true, need, set.clone(), interval);
    }
    let policy = crate::upstream::breaker::BreakerPolicy {
        failure_threshold: cfg.gateway.circuit_breaker.failure_threshold,
        cool_down_ms: cfg.gateway.circuit_breaker.cool_down.as_millis() as u64,
        half_open_probes: cfg.gateway.circuit_breaker.half_open_probes,
    };
    let um = proxy::UpstreamMetrics::new(ctx.metrics.registry())?;
    let state = GatewayState {
        retries: Arc::default(),
        engines: Arc::new(Upstream::new(
            "game engine",
            engines,
            strategy,
            policy,
            um.clone(),
        )),
        validators: Arc::new(Upstream::new("validator", validators, strategy, policy, um)),
        proxy: Arc::new(Proxy::new(cfg.gateway.request_timeout)),
        secret: JwtSecret(Arc::new(secret.into_bytes())),
        fanout: reqwest::Client::builder()
            .timeout(cfg.gateway.request_timeout)
            .connect_timeout(Duration::from_secs(2))
            .build()?,
    };
    let limiter = ratelimit::RateLimit::new(
        cfg.gateway.rate_limit.max_requests,
        cfg.gateway.rate_limit.window,
        ctx.metrics.registry(),
    )?;
    let limited =
        axum::middleware::from_fn_with_state((limiter, state.secret.clone()), ratelimit::limit);
    let routes = Router::new()
        .route("/admin/upstreams", get(admin_upstreams))
        .route("/api/v1/games", any(games_root))
        .route("/api/v1/games/{id}", any(game_path))
        .route("/api/v1/games/{id}/{*rest}", any(game_subpath))
        .route("/api/v1/consensus/{*rest}", any(consensus_path))
        .route_layer(limited)
        .with_state(state);
    Ok(base_router(ctx, routes))
}

/// Runs the gateway until SIGTERM / Ctrl-C.
pub async fn run(cfg: Config, opts: ServeOptions) -> anyhow::Result<()> {
    let addr = opts.listen.unwrap_or(cfg.gateway.listen_addr);
    let listener = listen::bind(addr, "gateway").await?;
    let app = app(&cfg, &opts)?;
    tracing::info!(%addr, health_check_interval = %humantime::format_duration(cfg.gateway.health_check_interval), "gateway listening");
    listen::serve(listener, app).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn game_ids_name_their_engine() {
        assert_eq!(engine_of("e0-550e8400e29b41d4a716446655440000"), Some(0));
        assert_eq!(engine_of("e12-abc"), Some(12));
        assert_eq!(engine_of("550e8400-e29b"), None);
        assert_eq!(engine_of("ex-1"), None);
    }

    #[test]
    fn queries_are_kept() {
        assert_eq!(with_query("/games", &Some("a=1".into())), "/games?a=1");
        assert_eq!(with_query("/games", &None), "/games");
    }
}
