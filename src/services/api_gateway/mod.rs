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
//! - `/api/v1/wallet/…` → any healthy wallet `/…` (the wallet checks roles;
//!   the gateway checks the credentials). The wallet is an optional
//!   readiness dependency (once checked): games and consensus keep working
//!   while it is down.
//! - `/admin/upstreams` (admin): every instance with health and in-flight;
//!   `/admin/config` (admin): the active configuration's generation.
//!
//! Every instance has a circuit breaker (`proxy`); every client a rate limit
//! (`ratelimit`). Instances come from discovery (`upstream::discovery`); the
//! configuration reloads on SIGHUP or a changed file (`reload`).

mod jwks;
mod openapi;
pub mod proxy;
pub mod ratelimit;
pub mod reload;
pub mod routes;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, FromRef, RawQuery, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{any, get};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{OpenApi, ToSchema};

use super::ServeOptions;
use super::common::extract::{ApiPath, Caller, TokenVerifier, json_body_within};
use super::common::{Problem, ServiceContext, base_router, listen};
use crate::config::Config;
use crate::telemetry::Metrics;
use crate::upstream::discovery::{self, Service};
use crate::upstream::{InstanceView, UpstreamSet};
use proxy::{Proxy, Reservation, Upstream};

pub const SERVICE: &str = "gateway";

#[derive(Clone)]
struct GatewayState {
    retries: Arc<std::sync::Mutex<crate::upstream::retry::RetryBudget>>,
    engines: Arc<Upstream>,
    validators: Arc<Upstream>,
    wallets: Arc<Upstream>,
    proxy: Arc<Proxy>,
    secret: TokenVerifier,
    fanout: reqwest::Client,
    reloads: Arc<reload::Generations>,
}

impl FromRef<GatewayState> for TokenVerifier {
    fn from_ref(s: &GatewayState) -> TokenVerifier {
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
    /// The breaker's latest changes (up to 10), oldest first.
    #[serde(default)]
    pub breaker_transitions: Vec<proxy::BreakerTransition>,
}

#[derive(OpenApi)]
#[openapi(
    paths(admin_upstreams, admin_drain, admin_config, jwks::jwks),
    components(schemas(
        UpstreamView,
        InstanceLoad,
        InstanceView,
        proxy::BreakerTransition,
        reload::ConfigView
    ))
)]
struct GatewayApi;

/// The active configuration: its generation, when and from where it was
/// loaded, and the last refused reload (admin).
#[utoipa::path(get, path = "/admin/config", tag = "admin",
    responses((status = 200, description = "Active configuration generation", body = reload::ConfigView), (status = 401), (status = 403)))]
async fn admin_config(
    State(s): State<GatewayState>,
    caller: Caller,
) -> Result<Json<reload::ConfigView>, Problem> {
    caller.require_admin()?;
    Ok(Json(s.reloads.view()))
}

/// Each upstream instance with its health and in-flight requests (admin).
#[utoipa::path(get, path = "/admin/upstreams", tag = "admin",
    responses((status = 200, description = "Upstream instances", body = [UpstreamView]), (status = 401), (status = 403)))]
async fn admin_upstreams(
    State(s): State<GatewayState>,
    caller: Caller,
) -> Result<Json<Vec<UpstreamView>>, Problem> {
    caller.require_admin()?;
    Ok(Json(
        [&s.engines, &s.validators, &s.wallets]
            .iter()
            .map(|u| UpstreamView {
                service: u.set.service.clone(),
                instances: u.set.view().into_iter().map(|i| load_of(u, i)).collect(),
            })
            .collect(),
    ))
}

/// One instance's view with what the gateway adds: in flight, breaker.
fn load_of(u: &Upstream, instance: InstanceView) -> InstanceLoad {
    let addr = instance.addr.parse().ok();
    InstanceLoad {
        in_flight: addr.map(|a| u.in_flight(a)).unwrap_or(0),
        breaker: addr
            .map(|a| u.breaker_state(a))
            .unwrap_or(crate::upstream::breaker::State::Closed),
        breaker_transitions: addr.map(|a| u.transitions(a)).unwrap_or_default(),
        instance,
    }
}

/// Drains an upstream instance (`drain`) or ends that (`undrain`), admin.
/// A drained instance is sent no new work: the balancer skips it. Requests
/// for what it already holds still reach it (an engine's games, named by
/// their ids), and requests in flight finish. Held in the gateway's memory:
/// a restarted gateway starts with nothing drained; a configuration reload
/// keeps it.
#[utoipa::path(post, path = "/admin/upstreams/{service}/{addr}/{action}", tag = "admin",
    params(("service" = String, Path, description = "engines, validators or wallets (as GET /admin/upstreams names them)"),
           ("addr" = String, Path, description = "The instance's host:port"),
           ("action" = String, Path, description = "drain or undrain")),
    responses((status = 200, description = "The instance, drained or not", body = InstanceLoad),
              (status = 401), (status = 403), (status = 404, description = "No such service, instance or action")))]
async fn admin_drain(
    State(s): State<GatewayState>,
    caller: Caller,
    ApiPath((service, addr, action)): ApiPath<(String, String, String)>,
) -> Result<Json<InstanceLoad>, Problem> {
    caller.require_admin()?;
    let drained = match action.as_str() {
        "drain" => true,
        "undrain" => false,
        other => {
            return Err(Problem::not_found(format!(
                "no action {other:?}: drain or undrain"
            )));
        }
    };
    let u = [&s.engines, &s.validators, &s.wallets]
        .into_iter()
        .find(|u| u.set.service == service)
        .ok_or_else(|| {
            Problem::not_found(format!(
                "no upstream service {service:?}; GET /admin/upstreams lists them"
            ))
        })?;
    let no_instance = || {
        Problem::not_found(format!(
            "{service} has no instance at {addr:?}; GET /admin/upstreams lists them"
        ))
    };
    let at: SocketAddr = addr.parse().map_err(|_| no_instance())?;
    let before = u.set.set_drained(at, drained).ok_or_else(no_instance)?;
    if before != drained {
        tracing::warn!(upstream = %service, instance = %at, drained, "an operator changed an instance's drain");
    }
    let view = u
        .set
        .view()
        .into_iter()
        .find(|i| i.addr == at.to_string())
        .ok_or_else(no_instance)?;
    Ok(Json(load_of(u, view)))
}

/// The header an API key comes in (see [`Caller`]).
const API_KEY_HEADER: axum::http::HeaderName = axum::http::HeaderName::from_static("x-api-key");

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
async fn games_root(
    State(s): State<GatewayState>,
    caller: Caller,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    RawQuery(query): RawQuery,
    req: Request,
) -> Result<Response, Problem> {
    if req.method() == axum::http::Method::GET {
        // The caller's credentials go on to every engine as they came:
        // a bearer token, an API key, or both.
        let creds: Vec<(axum::http::HeaderName, axum::http::HeaderValue)> =
            [axum::http::header::AUTHORIZATION, API_KEY_HEADER]
                .into_iter()
                .filter_map(|h| req.headers().get(&h).cloned().map(|v| (h, v)))
                .collect();
        return list_games(&s, creds, query).await;
    }
    let key = client_key(&caller, peer);
    let reservation = s.engines.pick(Some(&key)).ok_or_else(|| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no healthy game engine instance",
        )
    })?;
    s.proxy
        .forward(
            &s.engines,
            reservation,
            req,
            &with_query("/games", &query),
            Some(peer),
        )
        .await
}

/// Lists games from every healthy engine: each is asked for its first
/// `offset + limit`, then the merged list is sorted and cut like one list.
/// With one healthy engine its own page is that list: it is asked for the
/// page itself and its answer passed on as it is, not decoded and re-encoded.
async fn list_games(
    s: &GatewayState,
    creds: Vec<(axum::http::HeaderName, axum::http::HeaderValue)>,
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
    // As strict as the engine's own query parser: a bad number is a 400
    // naming the parameter, never a silent default.
    let number = |k: &str, default: usize| -> Result<usize, Problem> {
        match get(k) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|e| {
                Problem::new(
                    StatusCode::BAD_REQUEST,
                    format!("query parameter `{k}`: {v:?} is not an integer from 0: {e}"),
                )
            }),
        }
    };
    let limit = number("limit", 50)?;
    let offset = number("offset", 0)?;
    if !(1..=500).contains(&limit) {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "limit must be from 1 to 500",
        ));
    }
    let healthy: Vec<SocketAddr> = s
        .engines
        .set
        .healthy_instances()
        .into_iter()
        .filter_map(|(addr, ok)| ok.then_some(addr))
        .collect();
    let single = healthy.len() == 1 && offset.saturating_add(limit) <= 500;
    let (ask_offset, ask_limit) = if single {
        (offset, limit)
    } else {
        (0, offset.saturating_add(limit).min(500))
    };
    params.retain(|(k, _)| k != "limit" && k != "offset");
    params.push(("offset".into(), ask_offset.to_string()));
    params.push(("limit".into(), ask_limit.to_string()));
    let q: String = params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut games: Vec<Value> = Vec::new();
    let mut total = 0u64;
    let mut asked = 0;
    for addr in healthy {
        asked += 1;
        let mut r = s
            .fanout
            .get(format!("{}/games?{q}", crate::tls::transport().base(addr)))
            .timeout(s.proxy.timeout());
        for (h, v) in &creds {
            r = r.header(h, v.clone());
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
        let json = resp
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
        if single && status.is_success() && json {
            let body = resp.bytes().await.map_err(|e| {
                Problem::new(StatusCode::BAD_GATEWAY, format!("engine at {addr}: {e}"))
            })?;
            return Ok((
                [(
                    axum::http::header::CONTENT_TYPE,
                    axum::http::HeaderValue::from_static("application/json"),
                )],
                body,
            )
                .into_response());
        }
        if !status.is_success() {
            // The engine's own problem (a bad filter, say) goes back as is,
            // with its content type (`application/problem+json`).
            let kind = resp
                .headers()
                .get(axum::http::header::CONTENT_TYPE)
                .cloned();
            let body = resp.bytes().await.map_err(|e| {
                Problem::new(StatusCode::BAD_GATEWAY, format!("engine at {addr}: {e}"))
            })?;
            let mut answer = (
                StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY),
                body,
            )
                .into_response();
            if let Some(kind) = kind {
                answer
                    .headers_mut()
                    .insert(axum::http::header::CONTENT_TYPE, kind);
            }
            return Ok(answer);
        }
        let body: Value = resp
            .json()
            .await
            .map_err(|e| Problem::new(StatusCode::BAD_GATEWAY, format!("engine at {addr}: {e}")))?;
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

/// Forwards `req` to the instance reserved by `first`; a GET or HEAD that could not reach
/// its instance (unreachable or timed out) is retried once — on another
/// instance when `another` picks one, else on the same after a moment —
/// within the retry budget. Requests with bodies are never retried.
async fn forward_retrying(
    s: &GatewayState,
    up: &Upstream,
    first: Reservation,
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
    let first_addr = first.addr();
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
        Err(p) if matches!(p.status, 502 | 504) && !budget(&|b| b.try_retry()) => {
            up.count_retry("no_budget");
            Err(p)
        }
        Err(p) if matches!(p.status, 502 | 504) => {
            let next = match another {
                Some(key) => up.pick(Some(key)),
                None => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    up.reserve(first_addr).ok()
                }
            };
            match next {
                Some(next) => {
                    up.count_retry("retried");
                    tracing::info!(upstream = %up.set.service, from = %first_addr, to = %next.addr(), "retrying an idempotent request");
                    s.proxy.forward(up, next, rebuild(), path, Some(peer)).await
                }
                None => {
                    up.count_retry("no_instance");
                    Err(p)
                }
            }
        }
        other => other,
    }
}

/// Engine index encoded in a game id (`e1-…`).
fn engine_of(id: &str) -> Option<u16> {
    id.strip_prefix('e')?.split_once('-')?.0.parse().ok()
}

/// Everything under `/api/v1/games/{id}` goes to the engine holding the game.
async fn game_path(
    State(s): State<GatewayState>,
    _caller: Caller,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiPath(id): ApiPath<String>,
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
    ApiPath((id, rest)): ApiPath<(String, String)>,
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
    let route = routes::game(req.method(), &id, rest.as_deref())?;
    let i = engine_of(&id).ok_or_else(|| Problem::not_found(format!("no game {id:?}")))?;
    let (addr, healthy) =
        s.engines.set.by_ordinal(i).ok_or_else(|| {
            Problem::not_found(format!("no game {id:?} (no engine instance {i})"))
        })?;
    if !healthy {
        return Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the engine holding game {id} (instance {i}) is not healthy; retry shortly"),
        ));
    }
    let reservation = s.engines.reserve(addr)?;
    forward_retrying(
        s,
        &s.engines,
        reservation,
        req,
        &with_query(&route.path, &query),
        peer,
        None,
    )
    .await
}

/// `/api/v1/consensus/{rest}` → a healthy validator's `/{rest}`.
async fn consensus_path(
    State(s): State<GatewayState>,
    caller: Caller,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiPath(rest): ApiPath<String>,
    RawQuery(query): RawQuery,
    req: Request,
) -> Result<Response, Problem> {
    let route = routes::consensus(req.method(), &rest)?;
    match route.need {
        routes::Need::Anyone => {}
        routes::Need::Admin => caller.require_admin()?,
        routes::Need::Validator => {
            if caller.0.role != crate::auth::Role::Validator {
                return Err(Problem::new(
                    StatusCode::FORBIDDEN,
                    format!(
                        "only validators vote; {} is a {}",
                        caller.0.sub, caller.0.role
                    ),
                ));
            }
        }
    }
    let req = if route.path == "/propose" {
        within_propose_limit(req).await?
    } else {
        req
    };
    let key = client_key(&caller, peer);
    let reservation = s
        .validators
        .pick(Some(&key))
        .ok_or_else(|| Problem::new(StatusCode::SERVICE_UNAVAILABLE, "no healthy validator"))?;
    forward_retrying(
        &s,
        &s.validators,
        reservation,
        req,
        &with_query(&route.path, &query),
        peer,
        Some(&key),
    )
    .await
}

/// `/api/v1/wallet/{rest}` → a healthy wallet's `/{rest}`. A transfer's
/// body is read first, up to the wallet's own limit (see
/// [`WALLET_TRANSFER_BODY_LIMIT`]), so it is forwarded whole.
async fn wallet_path(
    State(s): State<GatewayState>,
    caller: Caller,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiPath(rest): ApiPath<String>,
    RawQuery(query): RawQuery,
    req: Request,
) -> Result<Response, Problem> {
    let route = routes::wallet(req.method(), &rest)?;
    let req = if route.path == "/transfers" && req.method() == axum::http::Method::POST {
        within_limit(
            req,
            WALLET_TRANSFER_BODY_LIMIT,
            &format!("a transfer's request body may be at most {WALLET_TRANSFER_BODY_LIMIT} bytes"),
        )
        .await?
    } else {
        req
    };
    let key = client_key(&caller, peer);
    let reservation = s.wallets.pick(Some(&key)).ok_or_else(|| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no healthy wallet instance",
        )
        .with_retry_after(1)
    })?;
    forward_retrying(
        &s,
        &s.wallets,
        reservation,
        req,
        &with_query(&route.path, &query),
        peer,
        Some(&key),
    )
    .await
}

/// The wallet's body limit of `POST /transfers` (512 KiB: a linked batch
/// of transfers). The gateway refuses a larger body itself, as it does a
/// proposal (see [`PROPOSE_BODY_LIMIT`]).
pub const WALLET_TRANSFER_BODY_LIMIT: usize = 512 * 1024;

/// Reads a request's JSON body, up to `limit` bytes (413 saying
/// `too_large` above it), so that it is forwarded whole.
async fn within_limit(req: Request, limit: usize, too_large: &str) -> Result<Request, Problem> {
    let (parts, body) = req.into_parts();
    let bytes = json_body_within(&parts.headers, body, limit)
        .await
        .map_err(|p| {
            if p.status == 413 {
                Problem::new(StatusCode::PAYLOAD_TOO_LARGE, too_large)
            } else {
                p
            }
        })?;
    Ok(Request::from_parts(parts, axum::body::Body::from(bytes)))
}

/// The validators' body limit of `POST /propose` (a proposal's 65,536
/// bytes and room for whitespace; README "Limits"). The gateway refuses a
/// larger body itself: the validator answers 413 without reading it and
/// closes the connection, which a proxy still streaming the body sees as
/// a broken upstream (502, counted against the validator's breaker).
pub const PROPOSE_BODY_LIMIT: usize = 64 * 1024 + 4096;

/// Reads a proposal's body, up to [`PROPOSE_BODY_LIMIT`] (413 above it),
/// so that it is forwarded whole.
async fn within_propose_limit(req: Request) -> Result<Request, Problem> {
    within_limit(
        req,
        PROPOSE_BODY_LIMIT,
        &format!(
            "a proposal's request body may be at most {PROPOSE_BODY_LIMIT} bytes (a proposal at most 65536)"
        ),
    )
    .await
}

/// Builds the gateway app, starts discovery and health checks; the
/// returned [`reload::Live`] is what a configuration reload changes.
pub fn app(
    cfg: &Config,
    opts: &ServeOptions,
    file: Option<std::path::PathBuf>,
) -> anyhow::Result<(Router, Arc<reload::Live>)> {
    let verifier = super::token_verifier(cfg, opts, "gateway")?;
    let metrics = Metrics::new(SERVICE)?;
    let (doc, clashes) = openapi::with_proxied(GatewayApi::openapi());
    if !clashes.is_empty() {
        tracing::warn!(
            ?clashes,
            "upstream OpenAPI schemas defined twice; the first is kept"
        );
    }
    let ctx = ServiceContext::new(SERVICE, SERVICE.to_string(), metrics, doc);
    ctx.readiness
        .set("jwt_secret", true, true, "token keys loaded");
    let tuning = reload::tuning(cfg)?;
    let dynamic = cfg.service_discovery.method != "static";
    let start = |service: Service| {
        // Discovered sets start empty and fill from the first answer.
        if dynamic {
            Vec::new()
        } else {
            service.static_instances(cfg)
        }
    };
    let engines = UpstreamSet::of("game_engine", &start(Service::GameEngine));
    let validators = UpstreamSet::of("consensus", &start(Service::Consensus));
    let wallets = UpstreamSet::of("wallet", &start(Service::Wallet));
    let f = usize::from(cfg.consensus.byzantine_threshold);
    let needed = cfg.validator_addrs().len().saturating_sub(f).max(1);
    let interval = cfg.gateway.health_check_interval;
    for (set, dep, need) in [
        (&engines, "game_engine", 1),
        (&validators, "consensus", needed),
    ] {
        super::watch_upstream(&ctx.readiness, dep, true, need, set.clone(), interval);
    }
    // The wallet is optional once checked: without it wallet routes answer
    // 503, while games already open and consensus go on (the engines, which
    // need the wallet for buy-ins, say so in their own readiness).
    super::watch_optional_upstream(&ctx.readiness, "wallet", 1, wallets.clone(), interval);
    let um = proxy::UpstreamMetrics::new(ctx.metrics.registry())?;
    let engines = Arc::new(Upstream::new("game engine", engines, tuning, um.clone()));
    let validators = Arc::new(Upstream::new("validator", validators, tuning, um.clone()));
    let wallets = Arc::new(Upstream::new("wallet", wallets, tuning, um));
    let mut watchers = Vec::new();
    for (service, up) in [
        (Service::GameEngine, &engines),
        (Service::Consensus, &validators),
        (Service::Wallet, &wallets),
    ] {
        let on_change = {
            let up = up.clone();
            move |_: &UpstreamSet| up.sync_instances()
        };
        let w = discovery::watch(cfg, service, up.set.clone(), on_change).map_err(|e| {
            anyhow::anyhow!("service discovery ({}): {e}", cfg.service_discovery.method)
        })?;
        watchers.push((service, w));
    }
    let limits = Arc::new(ratelimit::Limits::new(
        &cfg.gateway.rate_limit,
        ctx.metrics.registry(),
    )?);
    let live = Arc::new(reload::Live {
        engines: engines.clone(),
        validators: validators.clone(),
        wallets: wallets.clone(),
        proxy: Arc::new(Proxy::new(cfg.gateway.request_timeout)?),
        limits: limits.clone(),
        watchers,
        generations: Arc::new(reload::Generations::new(file)),
        active: std::sync::Mutex::new(cfg.clone()),
    });
    let state = GatewayState {
        retries: Arc::default(),
        engines,
        validators,
        wallets,
        proxy: live.proxy.clone(),
        secret: TokenVerifier::new(verifier),
        fanout: crate::tls::transport()
            .reqwest(
                crate::tls::Expect::Role(crate::tls::Peer::Engine),
                reqwest::Client::builder().connect_timeout(Duration::from_secs(2)),
            )
            .build()?,
        reloads: live.generations.clone(),
    };
    let limited =
        axum::middleware::from_fn_with_state((limits, state.secret.clone()), ratelimit::limit);
    let routes = Router::new()
        .route("/admin/upstreams", get(admin_upstreams))
        .route(
            "/admin/upstreams/{service}/{addr}/{action}",
            axum::routing::post(admin_drain),
        )
        .route("/admin/config", get(admin_config))
        .route("/api/v1/games", any(games_root))
        .route("/api/v1/games/{id}", any(game_path))
        .route("/api/v1/games/{id}/{*rest}", any(game_subpath))
        .route("/api/v1/consensus/{*rest}", any(consensus_path))
        .route("/api/v1/wallet/{*rest}", any(wallet_path))
        .route_layer(limited)
        .with_state(state.clone())
        .merge(jwks::routes(state.secret.clone()));
    Ok((base_router(ctx, routes), live))
}

/// Runs the gateway until SIGTERM / Ctrl-C, without reloading.
pub async fn run(cfg: Config, opts: ServeOptions) -> anyhow::Result<()> {
    run_reloading(cfg, opts, None, None::<fn() -> anyhow::Result<Config>>).await
}

/// Runs the gateway until SIGTERM / Ctrl-C, reloading its configuration
/// with `load` on SIGHUP and when `file` changes.
pub async fn run_reloading<F>(
    cfg: Config,
    opts: ServeOptions,
    file: Option<std::path::PathBuf>,
    load: Option<F>,
) -> anyhow::Result<()>
where
    F: Fn() -> anyhow::Result<Config> + Send + Sync + 'static,
{
    let addr = opts.listen.unwrap_or(cfg.gateway.listen_addr);
    listen::install_transport(&cfg, &opts.state_dir, "gateway")?;
    // The client-facing port: TLS with the configured certificate, else
    // plain HTTP (the hops behind it are mutual TLS either way).
    let public_tls = match (&cfg.gateway.tls.cert, &cfg.gateway.tls.key) {
        (Some(cert), Some(key)) => Some(crate::tls::transport::public_server_config(
            crate::tls::Files {
                cert: cert.clone(),
                key: key.clone(),
                ca: cert.clone(),
            },
        )?),
        _ => None,
    };
    let listener = listen::bind(addr, "gateway").await?;
    let (app, live) = app(&cfg, &opts, file.clone())?;
    if let Some(load) = load {
        reload::spawn_reloader(live, file, load);
    }
    tracing::info!(%addr, discovery = %cfg.service_discovery.method, health_check_interval = %humantime::format_duration(cfg.gateway.health_check_interval), "gateway listening");
    match public_tls {
        Some(tls) => listen::serve_public_tls(listener, app, tls).await,
        None => listen::serve_plain(listener, app).await,
    }
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
    fn the_gateway_passes_what_the_wallet_accepts() {
        assert_eq!(
            WALLET_TRANSFER_BODY_LIMIT,
            crate::services::wallet::http::BODY_LIMIT
        );
    }

    #[test]
    fn queries_are_kept() {
        assert_eq!(with_query("/games", &Some("a=1".into())), "/games?a=1");
        assert_eq!(with_query("/games", &None), "/games");
    }
}
