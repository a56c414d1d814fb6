//! The wallet (:8090), the design's "Database Service": player, table,
//! house and issuance accounts in a double-entry ledger (`ledger`, pure),
//! stored in SQLite or PostgreSQL (`store`), served over HTTP (`http`).

use axum::Router;

use super::ServeOptions;
use super::common::{ServiceContext, base_router, listen};
use crate::config::Config;
use crate::telemetry::Metrics;

pub mod anchor;
pub mod http;
pub mod ledger;
pub mod store;

pub const SERVICE: &str = "wallet";
/// The instance name (logs, metrics, the data dir `<state>/data/wallet`).
pub const INSTANCE: &str = "wallet";

/// Opens the configured store: PostgreSQL when `wallet.database_url` is
/// set, else SQLite under `<state>/data/wallet`.
pub async fn open_store(cfg: &Config, opts: &ServeOptions) -> anyhow::Result<store::AnyStore> {
    if !cfg.wallet.database_url.is_empty() {
        return Ok(store::AnyStore::Postgres(
            store::postgres::PgStore::connect_with(
                &cfg.wallet.database_url,
                cfg.wallet.database_ca.as_deref(),
            )
            .await?,
        ));
    }
    Ok(store::AnyStore::Sqlite(store::sqlite::SqliteStore::open(
        &opts.data_dir(INSTANCE),
    )?))
}

/// Builds the wallet app and starts its batch writer and readiness check.
pub async fn app(cfg: &Config, opts: &ServeOptions) -> anyhow::Result<Router> {
    let metrics = Metrics::new(SERVICE)?;
    let ctx = ServiceContext::new(
        SERVICE,
        INSTANCE.to_string(),
        metrics,
        <http::WalletApi as utoipa::OpenApi>::openapi(),
    );
    let verifier = super::token_verifier(cfg, opts, "wallet")?;
    let name = crate::config::wallet_name(opts.index, cfg.wallet_addrs().len());
    let token = super::service_token(cfg, opts, &name, crate::auth::Role::Wallet, &["consensus"])?;
    let store = open_store(cfg, opts).await?;
    tracing::info!(store = %store.describe(), "wallet ledger open");
    let wallet = http::Wallet::start(store, http::WalletMetrics::new(ctx.metrics.registry())?);
    http::watch_store(wallet.clone(), ctx.readiness.clone());
    // The ledger's head is anchored in the validators' log; the wallet
    // serves without them (anchoring catches up), so not required.
    let validators = crate::upstream::UpstreamSet::new("consensus", &cfg.validator_addrs());
    let f = usize::from(cfg.consensus.byzantine_threshold);
    super::watch_upstream(
        &ctx.readiness,
        "consensus",
        false,
        validators.len().saturating_sub(f).max(1),
        validators.clone(),
        cfg.gateway.health_check_interval,
    );
    let anchors = anchor::spawn(wallet.store().clone(), validators, token)?;
    let routes = http::routes(http::WalletState {
        wallet,
        secret: super::common::extract::TokenVerifier::new(verifier),
        anchors,
    });
    Ok(base_router(ctx, routes))
}

/// Runs the wallet until SIGTERM / Ctrl-C.
pub async fn run(cfg: Config, opts: ServeOptions) -> anyhow::Result<()> {
    let addr = opts.listen.unwrap_or(cfg.wallet.addr);
    let instance = crate::config::wallet_name(opts.index, cfg.wallet_addrs().len());
    listen::install_transport(&cfg, &opts.state_dir, &instance)?;
    let listener = listen::bind(addr, INSTANCE).await?;
    let app = app(&cfg, &opts).await?;
    tracing::info!(%addr, "wallet listening");
    listen::serve(listener, app, crate::tls::Peer::Wallet).await
}
