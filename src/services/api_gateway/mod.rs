//! API gateway (:8080). This step: it starts, tracks the health of every
//! engine instance and validator, reports readiness and metrics, and shows
//! its upstreams at `/admin/upstreams`. Routing, auth, rate limits, load
//! balancing and circuit breakers arrive with the gateway issue.

use axum::Router;
use axum::extract::State;
use axum::response::Json;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::ServeOptions;
use super::common::{ServiceContext, base_router, listen};
use crate::config::Config;
use crate::telemetry::Metrics;
use crate::upstream::{InstanceView, UpstreamSet};

pub const SERVICE: &str = "gateway";

#[derive(Clone)]
struct GatewayState {
    upstreams: Vec<UpstreamSet>,
}

/// One upstream service in `GET /admin/upstreams`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UpstreamView {
    pub service: String,
    pub instances: Vec<InstanceView>,
}

#[derive(OpenApi)]
#[openapi(
    paths(admin_upstreams),
    components(schemas(UpstreamView, InstanceView))
)]
struct GatewayApi;

/// Each upstream instance with its health.
#[utoipa::path(get, path = "/admin/upstreams", tag = "admin",
    responses((status = 200, description = "Upstream instances", body = [UpstreamView])))]
async fn admin_upstreams(State(state): State<GatewayState>) -> Json<Vec<UpstreamView>> {
    Json(
        state
            .upstreams
            .iter()
            .map(|u| UpstreamView {
                service: u.service.clone(),
                instances: u.view(),
            })
            .collect(),
    )
}

/// Builds the gateway app and starts its health checks.
pub fn app(cfg: &Config, opts: &ServeOptions) -> anyhow::Result<Router> {
    let _secret = super::jwt_secret(cfg, opts)?;
    let metrics = Metrics::new(SERVICE)?;
    let ctx = ServiceContext::new(SERVICE, SERVICE.to_string(), metrics, GatewayApi::openapi());
    ctx.readiness.set("jwt_secret", true, true, "loaded");
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
    let routes = Router::new()
        .route("/admin/upstreams", get(admin_upstreams))
        .with_state(GatewayState {
            upstreams: vec![engines, validators],
        });
    Ok(base_router(ctx, Router::new().merge(routes)))
}

/// Runs the gateway until SIGTERM / Ctrl-C.
pub async fn run(cfg: Config, opts: ServeOptions) -> anyhow::Result<()> {
    let addr = opts.listen.unwrap_or(cfg.gateway.listen_addr);
    let listener = listen::bind(addr, "gateway").await?;
    let app = app(&cfg, &opts)?;
    tracing::info!(%addr, health_check_interval = %humantime::format_duration(cfg.gateway.health_check_interval), "gateway listening");
    listen::serve(listener, app).await
}
