//! Game engine (:8081 and up). This step: it starts, opens its data dir,
//! tracks the validators it will draw randomness from, and reports
//! readiness and metrics. Games arrive with the engine issue.

use axum::Router;

use super::ServeOptions;
use super::common::{ServiceContext, base_router, listen};
use crate::config::Config;
use crate::telemetry::Metrics;
use crate::upstream::{self, HealthPolicy, UpstreamSet};

pub mod fairness;
pub mod game;
pub mod games;
pub mod ledger;

pub const SERVICE: &str = "engine";

/// Builds the engine app and starts its dependency checks.
pub fn app(cfg: &Config, opts: &ServeOptions) -> anyhow::Result<Router> {
    let name = format!("engine-{}", opts.index);
    let metrics = Metrics::new(SERVICE)?;
    let ctx = ServiceContext::new(
        SERVICE,
        name.clone(),
        metrics,
        utoipa::openapi::OpenApiBuilder::new().build(),
    );
    match super::check_data_dir(&opts.data_dir(&name)) {
        Ok(detail) => ctx.readiness.set("storage", true, true, detail),
        Err(detail) => ctx.readiness.set("storage", true, false, detail),
    }
    let validators = UpstreamSet::new("consensus", &cfg.validator_addrs());
    let f = usize::from(cfg.consensus.byzantine_threshold);
    let needed = validators.len().saturating_sub(f).max(1);
    upstream::spawn_health_checks(
        validators,
        cfg.gateway.health_check_interval,
        HealthPolicy::default(),
        super::track_upstream(ctx.readiness.clone(), "consensus", true, needed),
    );
    Ok(base_router(ctx, Router::new()))
}

/// Runs one engine instance until SIGTERM / Ctrl-C.
pub async fn run(cfg: Config, opts: ServeOptions) -> anyhow::Result<()> {
    let addr = opts
        .listen
        .or_else(|| cfg.engine_addrs().get(usize::from(opts.index)).copied())
        .unwrap_or(cfg.game_engine.addr);
    let listener = listen::bind(addr, &format!("engine-{}", opts.index)).await?;
    let app = app(&cfg, &opts)?;
    tracing::info!(%addr, "engine listening");
    listen::serve(listener, app).await
}
