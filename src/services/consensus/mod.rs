//! Consensus validator (:8082 and up): the pure protocol core
//! (`protocol/`, PBFT) inside an IO shell (`node`): signed peer transport,
//! a write-ahead log of what it signed, a block store, HTTP (`http`).

pub mod committed;
pub mod epoch;
pub mod fault;
#[doc(hidden)]
pub mod fuzz;
pub mod genesis;
pub mod http;
pub mod node;
pub mod pending;
pub mod protocol;
pub mod records;
mod shell;
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

/// The configured algorithm, refused when unknown or not in this build.
pub fn algorithm(name: &str) -> anyhow::Result<protocol::Algorithm> {
    let algorithm: protocol::Algorithm = name
        .parse()
        .map_err(|e| anyhow::anyhow!("consensus.algorithm: {e}"))?;
    if !algorithm.available() {
        anyhow::bail!(
            "consensus.algorithm {algorithm:?} is not available in this build; use one of: {}",
            protocol::Algorithm::ALL
                .iter()
                .filter(|a| a.available())
                .map(|a| a.name())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(algorithm)
}

/// Builds the validator app: recovers its state, starts the protocol and
/// watches its peers.
pub fn app(cfg: &Config, opts: &ServeOptions) -> anyhow::Result<Router> {
    let name = format!("validator-{}", opts.index);
    let algorithm = algorithm(&cfg.consensus.algorithm)?;
    let metrics = Metrics::new(SERVICE)?;
    let ctx = ServiceContext::new(
        SERVICE,
        name.clone(),
        metrics,
        <http::ConsensusApi as utoipa::OpenApi>::openapi(),
    );
    let all = cfg.validator_addrs();
    // `serve` made the genesis (and every validator's key) if there was
    // none, before confining this process.
    if !genesis::genesis_path(&opts.state_dir).exists() {
        genesis::ensure(&opts.state_dir, all.len(), cfg.consensus.min_validators())?;
    }
    let (genesis, key) =
        genesis::for_validator(&opts.state_dir, all.len(), usize::from(opts.index))?;
    let set: protocol::ValidatorSet = serde_json::from_value(serde_json::to_value(&genesis)?)
        .map_err(|e| anyhow::anyhow!("genesis: {e}"))?;
    let data = opts.data_dir(&name);
    // Genesis validators are reached at the configured addresses, in order.
    let book: node::AddressBook = std::sync::Arc::new(std::sync::RwLock::new(
        set.validators
            .iter()
            .map(|v| v.id.clone())
            .zip(all.iter().copied())
            .collect(),
    ));
    let (epoch_ended, ended_rx) = tokio::sync::mpsc::unbounded_channel();
    // The chain's own rule, from its genesis, so every validator judges set
    // changes alike whatever its local BYZANTINE_THRESHOLD says.
    let min_validators = match genesis.min_validators {
        Some(m) => m,
        None => {
            tracing::warn!(
                local = cfg.consensus.min_validators(),
                "the genesis records no min_validators (made by an older version); using the local BYZANTINE_THRESHOLD's 3f+1"
            );
            cfg.consensus.min_validators()
        }
    };
    let node_opts = node::NodeOptions {
        genesis: set,
        key,
        book,
        data_dir: data.clone(),
        algorithm,
        config: protocol::CoreConfig {
            max_timeout_ms: cfg.consensus.round_timeout.as_millis() as u64,
            min_validators,
            ..protocol::CoreConfig::default()
        },
        metrics: node::NodeMetrics::new(ctx.metrics.registry())?,
        fault: std::sync::Arc::new(std::sync::RwLock::new(fault::FaultState {
            fault: fault::for_validator(&cfg.consensus.faults, opts.index)
                .map_err(|e| anyhow::anyhow!("consensus.faults: {e}"))?,
            ..fault::FaultState::default()
        })),
        min_validators,
        quota: node::ClientQuota {
            proposals: cfg.consensus.client_max_pending as usize,
            ..node::ClientQuota::default()
        },
        epoch_ended,
    };
    let node = node::Node::start(&node_opts, &mut node::Handover::default())?;
    let slot = epoch::spawn(node_opts, node, ended_rx)?;
    ctx.readiness
        .set("storage", true, true, format!("{} open", data.display()));
    watch_progress(&ctx.readiness, slot.clone());
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
    let verifier = super::token_verifier(cfg, opts, "consensus")?;
    let routes = http::routes(http::ConsensusState {
        slot,
        secret: super::common::extract::TokenVerifier::new(verifier),
        wait_timeout: cfg.gateway.request_timeout,
        fault_injection: cfg.consensus.fault_injection || !cfg.consensus.faults.trim().is_empty(),
    });
    Ok(base_router(ctx, routes))
}

/// Reports the `progress` dependency of readiness: down while proposals
/// wait and nothing has committed for longer than `stall_after` (five views
/// of timeouts), so an operator and the gateway see a validator that takes
/// proposals but cannot commit them.
fn watch_progress(readiness: &super::common::readiness::Readiness, slot: epoch::Slot) {
    let readiness = readiness.clone();
    readiness.set("progress", true, true, "no proposal is waiting");
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(500));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let node = match slot.read() {
                Ok(n) => n.clone(),
                Err(poisoned) => poisoned.into_inner().clone(),
            };
            let waiting = node.status.read().map(|s| s.pending).unwrap_or(0);
            match node.stalled_for() {
                Some(idle) => readiness.set(
                    "progress",
                    true,
                    false,
                    format!(
                        "stalled: {waiting} proposals wait and nothing has committed for {}",
                        humantime::format_duration(std::time::Duration::from_millis(
                            idle.as_millis() as u64
                        ))
                    ),
                ),
                None => readiness.set(
                    "progress",
                    true,
                    true,
                    format!("{waiting} proposals waiting, committing"),
                ),
            }
        }
    });
}

/// Runs one validator until SIGTERM / Ctrl-C.
pub async fn run(cfg: Config, opts: ServeOptions) -> anyhow::Result<()> {
    let addr = opts
        .listen
        .or_else(|| cfg.validator_addrs().get(usize::from(opts.index)).copied())
        .unwrap_or(cfg.consensus.addr);
    let instance = format!("validator-{}", opts.index);
    listen::install_transport(&cfg, &opts.state_dir, &instance)?;
    let listener = listen::bind(addr, &instance).await?;
    let app = app(&cfg, &opts)?;
    tracing::info!(%addr, algorithm = %cfg.consensus.algorithm, "validator listening");
    listen::serve(listener, app, crate::tls::Peer::Validator).await
}
