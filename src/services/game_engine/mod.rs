//! Game engine (:8081 and up): games with real rules (`games/`, pure), a
//! chip ledger, provably fair draws, durable state (SQLite, `store`) and the
//! HTTP API (`http`). It tracks the validators whose beacon will replace the
//! per-game server seed.

use axum::Router;

use super::ServeOptions;
use super::common::{ServiceContext, base_router, listen};
use crate::config::Config;
use crate::telemetry::Metrics;
use crate::upstream::UpstreamSet;

pub mod anchor;
pub mod fairness;
pub mod game;
pub mod games;
pub mod http;
pub mod ledger;
pub mod metrics;
pub mod seats;
pub mod settle;
pub mod store;
pub mod verify;
pub mod wallet;

pub const SERVICE: &str = "engine";

/// Builds the engine app and starts its dependency checks.
pub fn app(cfg: &Config, opts: &ServeOptions) -> anyhow::Result<Router> {
    let name = format!("engine-{}", opts.index);
    let metrics = Metrics::new(SERVICE)?;
    let ctx = ServiceContext::new(
        SERVICE,
        name.clone(),
        metrics,
        <http::EngineApi as utoipa::OpenApi>::openapi(),
    );
    let verifier = super::token_verifier(cfg, opts, "engine")?;
    let token = super::service_token(
        cfg,
        opts,
        &name,
        crate::auth::Role::Engine,
        &["consensus", "wallet"],
    )?;
    let store = store::Store::open(&opts.data_dir(&name))?;
    let detail = format!("{} open", store.path().display());
    let validators = UpstreamSet::new("consensus", &cfg.validator_addrs());
    let (anchors, anchored) = anchor::Anchorer::new(validators.clone(), token.clone())?.spawn();
    let wallets = UpstreamSet::new("wallet", &cfg.wallet_addrs());
    let wallet = wallet::WalletClient::new(wallets.clone(), token)?;
    let engine = http::Engine::new(
        name.clone(),
        opts.index,
        store,
        http::Limits {
            max_games: cfg.game_engine.max_concurrent_games as usize,
            max_players: cfg.game_engine.max_players_per_game,
            bankroll: cfg.game_engine.table_bankroll,
            max_tables_per_player: cfg.game_engine.max_tables_per_player as usize,
            stored_idle: cfg.game_engine.stored_idle,
            turn_timeout: cfg.game_engine.turn_timeout,
        },
        super::common::extract::TokenVerifier::new(verifier),
        http::Links { anchors, wallet },
        metrics::EngineMetrics::new(ctx.metrics.registry())?,
    )?;
    ctx.readiness.set("storage", true, true, detail);
    let f = usize::from(cfg.consensus.byzantine_threshold);
    let needed = validators.len().saturating_sub(f).max(1);
    super::watch_upstream(
        &ctx.readiness,
        "consensus",
        true,
        needed,
        validators,
        cfg.gateway.health_check_interval,
    );
    // Table money lives in the wallet: no game opens, seats or cashes out
    // without it.
    super::watch_upstream(
        &ctx.readiness,
        "wallet",
        true,
        1,
        wallets,
        cfg.gateway.health_check_interval,
    );
    let engine = std::sync::Arc::new(engine);
    http::spawn_recorder(engine.clone(), anchored);
    http::spawn_settler(engine.clone());
    http::spawn_orphan_release(engine.clone());
    http::spawn_evictor(engine.clone());
    http::spawn_turn_timer(engine.clone());
    {
        let e = engine.clone();
        tokio::spawn(async move { e.anchor_missing().await });
    }
    let routes = http::routes(http::EngineState { inner: engine });
    Ok(base_router(ctx, routes))
}

/// Runs one engine instance until SIGTERM / Ctrl-C.
pub async fn run(cfg: Config, opts: ServeOptions) -> anyhow::Result<()> {
    let addr = opts
        .listen
        .or_else(|| cfg.engine_addrs().get(usize::from(opts.index)).copied())
        .unwrap_or(cfg.game_engine.addr);
    let instance = format!("engine-{}", opts.index);
    listen::install_transport(&cfg, &opts.state_dir, &instance)?;
    let listener = listen::bind(addr, &instance).await?;
    let app = app(&cfg, &opts)?;
    tracing::info!(%addr, "engine listening");
    listen::serve(listener, app, crate::tls::Peer::Engine).await
}
