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
use crate::upstream::{self, HealthPolicy, InstanceView, UpstreamSet};

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

/// Loads the JWT secret: configured value, else the configured file, else
/// the state dir's generated dev secret. Placeholders are refused.
fn jwt_secret(cfg: &Config, opts: &ServeOptions) -> anyhow::Result<String> {
    let auth = &cfg.gateway.auth;
    let (secret, origin) = if let Some(s) = &auth.jwt_secret {
        (s.clone(), "gateway.auth.jwt_secret".to_string())
    } else if let Some(path) = &auth.jwt_secret_file {
        (
            crate::crypto::read_secret_file(path)?,
            path.display().to_string(),
        )
    } else {
        let path = opts.state_dir.join("secrets").join("jwt_secret");
        (
            crate::crypto::load_or_create_secret(&path)?,
            path.display().to_string(),
        )
    };
    crate::crypto::validate_jwt_secret(&secret)
        .map_err(|e| anyhow::anyhow!("refusing to start: {e} (from {origin})"))?;
    Ok(secret)
}

/// Builds the gateway app and starts its health checks.
pub fn app(cfg: &Config, opts: &ServeOptions) -> anyhow::Result<Router> {
    let _secret = jwt_secret(cfg, opts)?;
    let metrics = Metrics::new(SERVICE)?;
    let ctx = ServiceContext::new(SERVICE, SERVICE.to_string(), metrics, GatewayApi::openapi());
    ctx.readiness.set("jwt_secret", true, true, "loaded");
    let engines = UpstreamSet::new("game_engine", &cfg.engine_addrs());
    let validators = UpstreamSet::new("consensus", &cfg.validator_addrs());
    let f = usize::from(cfg.consensus.byzantine_threshold);
    let needed = validators.len().saturating_sub(f).max(1);
    let interval = cfg.gateway.health_check_interval;
    let policy = HealthPolicy::default();
    for (set, dep, need) in [
        (&engines, "game_engine", 1),
        (&validators, "consensus", needed),
    ] {
        upstream::spawn_health_checks(
            set.clone(),
            interval,
            policy,
            super::track_upstream(ctx.readiness.clone(), dep, true, need),
        );
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
