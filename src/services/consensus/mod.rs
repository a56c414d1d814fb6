//! Consensus validator (:8082 and up). This step: it starts, opens its data
//! dir, watches its peers, and reports readiness and metrics. The protocol,
//! votes and blocks arrive with the consensus issue.

pub mod genesis;
pub mod protocol;
pub mod store;
pub mod transport;
pub mod wal;

use axum::Router;

use super::ServeOptions;
use super::common::{ServiceContext, base_router, listen};
use crate::config::Config;
use crate::telemetry::Metrics;
use crate::upstream::UpstreamSet;

pub const SERVICE: &str = "consensus";

/// Builds the validator app and starts watching its peers.
pub fn app(cfg: &Config, opts: &ServeOptions) -> anyhow::Result<Router> {
    let name = format!("validator-{}", opts.index);
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
    let all = cfg.validator_addrs();
    let own = all.get(usize::from(opts.index)).copied();
    let peers: Vec<_> = all.into_iter().filter(|a| Some(*a) != own).collect();
    if !peers.is_empty() {
        // Peers are reported but not required: a validator must be able to
        // start first, before any peer is up.
        let needed = peers.len();
        super::watch_upstream(
            &ctx.readiness,
            "peers",
            false,
            needed,
            UpstreamSet::new("peers", &peers),
            cfg.gateway.health_check_interval,
        );
    }
    Ok(base_router(ctx, Router::new()))
}

/// Runs one validator until SIGTERM / Ctrl-C.
pub async fn run(cfg: Config, opts: ServeOptions) -> anyhow::Result<()> {
    let addr = opts
        .listen
        .or_else(|| cfg.validator_addrs().get(usize::from(opts.index)).copied())
        .unwrap_or(cfg.consensus.addr);
    let listener = listen::bind(addr, &format!("validator-{}", opts.index)).await?;
    let app = app(&cfg, &opts)?;
    tracing::info!(%addr, algorithm = %cfg.consensus.algorithm, "validator listening");
    listen::serve(listener, app).await
}
