//! `bitcraps serve gateway|engine|consensus|wallet`: one service in the
//! foreground. The supervisor spawns these; `api-gateway`,
//! `game-engine-service`, `consensus-service` and `wallet-service` are the
//! same entry point under their own names.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Args, Parser, ValueEnum};

use super::GlobalArgs;
use crate::services::{self, ServeOptions};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ServeKind {
    Gateway,
    Engine,
    Consensus,
    Wallet,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Which service to run.
    #[arg(value_enum)]
    pub kind: ServeKind,
    #[command(flatten)]
    pub instance: InstanceArgs,
}

#[derive(Debug, Clone, Args)]
pub struct InstanceArgs {
    /// Index of this instance among its kind (validator 0..n, engine 0..n).
    #[arg(long, default_value_t = 0)]
    pub index: u16,
    /// Listen address (default: from the configuration and --index).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
}

pub fn run(g: &GlobalArgs, args: &ServeArgs) -> anyhow::Result<()> {
    serve(g, args.kind, &args.instance)
}

fn serve(g: &GlobalArgs, kind: ServeKind, inst: &InstanceArgs) -> anyhow::Result<()> {
    let loaded = super::load_config_only(g, &[])?;
    if kind == ServeKind::Wallet {
        loaded.config.check_wallet_store(&loaded.layered)?;
    }
    let cfg = loaded.config;
    // The file as given (made absolute), not resolved: a Kubernetes
    // ConfigMap's file is a symlink whose target directory is replaced on
    // every update, so both the reloader and the sandbox follow the path.
    let file_given = loaded
        .file_given
        .map(|f| std::path::absolute(&f).unwrap_or(f));
    let file = file_given.clone();
    let name = match kind {
        ServeKind::Gateway => "gateway",
        ServeKind::Engine => "engine",
        ServeKind::Consensus => "consensus",
        ServeKind::Wallet => "wallet",
    };
    crate::telemetry::init_logging(&cfg.telemetry, name)?;
    let instance = match kind {
        ServeKind::Gateway => "gateway".to_string(),
        ServeKind::Engine => format!("engine-{}", inst.index),
        ServeKind::Consensus => format!("validator-{}", inst.index),
        ServeKind::Wallet => services::wallet::INSTANCE.to_string(),
    };
    std::fs::create_dir_all(&g.state_dir)?;
    let opts = ServeOptions {
        listen: inst.listen,
        index: inst.index,
        state_dir: g.state_dir.canonicalize()?,
    };
    // Before any thread exists (Landlock binds only the threads of the
    // moment and those they start): the span exporter's and the runtime's
    // threads are started confined.
    let sandbox_name = match kind {
        ServeKind::Wallet => crate::config::wallet_name(inst.index, cfg.wallet_addrs().len()),
        _ => instance.clone(),
    };
    confine(&cfg, &opts, kind, &sandbox_name, file_given.as_deref())?;
    let spans = crate::telemetry::trace::init(name, &instance)?;
    // The state dir holds the API keys this service accepts.
    crate::apikeys::init(&opts.state_dir);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let consul = consul_registration(&cfg, kind, &opts);
    let g = g.clone();
    let service = async move {
        match kind {
            ServeKind::Gateway => {
                // The gateway reloads its configuration (SIGHUP, file change).
                let load = move || super::load_config_only(&g, &[]).map(|l| l.config);
                services::api_gateway::run_reloading(cfg, opts, file, Some(load)).await
            }
            ServeKind::Engine => services::game_engine::run(cfg, opts).await,
            ServeKind::Consensus => services::consensus::run(cfg, opts).await,
            ServeKind::Wallet => services::wallet::run(cfg, opts).await,
        }
    };
    let result = rt.block_on(async move {
        match consul {
            Some((agent, name, host, addr, ordinal)) => {
                crate::upstream::discovery::consul::registered(
                    &agent, &name, host, addr, ordinal, service,
                )
                .await
            }
            None => service.await,
        }
    });
    if let Err(e) = &result {
        tracing::error!(error = %format!("{e:#}"), "service failed");
    }
    drop(rt);
    if let Some(spans) = spans {
        spans.shutdown();
    }
    result
}

/// Makes what the service would otherwise make for itself at start (a
/// state dir's first genesis, the HS256 dev secret, the move of private
/// keys out of `auth/`), then confines this process to what `instance`
/// needs (see [`crate::sandbox`]). A policy that would expose a private
/// file refuses to start in every mode but `off`; a kernel without
/// Landlock is a warning under `auto` and an error under `required`.
fn confine(
    cfg: &crate::config::Config,
    opts: &ServeOptions,
    kind: ServeKind,
    instance: &str,
    config_file: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use crate::sandbox::{self, Enforced, Mode};
    let mode = Mode::parse(&cfg.sandbox.mode)?;
    // In every mode: the service's own key is read from `keys/` below.
    crate::auth::keys::migrate_layout(&opts.state_dir)?;
    if mode == Mode::Off {
        tracing::warn!(
            instance,
            "sandbox.mode = off: this service can read every file its user can, private keys included"
        );
        return Ok(());
    }
    if kind == ServeKind::Consensus
        && !services::consensus::genesis::genesis_path(&opts.state_dir).exists()
    {
        services::consensus::genesis::ensure(
            &opts.state_dir,
            cfg.validator_addrs().len(),
            cfg.consensus.min_validators(),
        )?;
    }
    if cfg.gateway.auth.hs256 {
        services::jwt_secret(cfg, opts)?;
    }
    let (grants, protected) = sandbox::for_instance(instance, cfg, &opts.state_dir, config_file)?;
    sandbox::prepare(&grants, &protected)?;
    match sandbox::confine(mode, &grants) {
        Ok(Enforced::Fully) => tracing::info!(
            instance,
            grants = grants.len(),
            "confined (Landlock): this service can open only its own files; `bitcraps sandbox show {instance}` lists them"
        ),
        Ok(e) => tracing::warn!(
            instance,
            enforced = ?e,
            "the kernel enforces only part of the sandbox (or none): a taken-over service could read other services' keys; sandbox.mode = required refuses to start instead"
        ),
        Err(e) if mode == Mode::Required => {
            return Err(e.context("sandbox.mode = required"));
        }
        Err(e) => tracing::warn!(
            instance,
            error = %format!("{e:#}"),
            "not confined: a taken-over service could read other services' keys"
        ),
    }
    Ok(())
}

/// With Consul discovery, what this instance registers: agent, service
/// name, advertised host, address and index.
fn consul_registration(
    cfg: &crate::config::Config,
    kind: ServeKind,
    opts: &ServeOptions,
) -> Option<(String, String, String, SocketAddr, Option<u16>)> {
    if cfg.service_discovery.method != "consul" {
        return None;
    }
    let sd = &cfg.service_discovery;
    let nth = |addrs: Vec<SocketAddr>, first: SocketAddr| {
        addrs.get(usize::from(opts.index)).copied().unwrap_or(first)
    };
    let (name, addr, ordinal) = match kind {
        ServeKind::Wallet => (
            &sd.wallet_service,
            opts.listen
                .unwrap_or_else(|| nth(cfg.wallet_addrs(), cfg.wallet.addr)),
            Some(opts.index),
        ),
        ServeKind::Gateway => (
            &sd.gateway_service,
            opts.listen.unwrap_or(cfg.gateway.listen_addr),
            None,
        ),
        ServeKind::Engine => (
            &sd.game_engine_service,
            opts.listen
                .unwrap_or_else(|| nth(cfg.engine_addrs(), cfg.game_engine.addr)),
            Some(opts.index),
        ),
        ServeKind::Consensus => (
            &sd.consensus_service,
            opts.listen
                .unwrap_or_else(|| nth(cfg.validator_addrs(), cfg.consensus.addr)),
            Some(opts.index),
        ),
    };
    let host = crate::upstream::discovery::consul::advertise_host(&sd.advertise_host, addr);
    Some((sd.consul_address.clone(), name.clone(), host, addr, ordinal))
}

#[derive(Debug, Parser)]
struct Standalone {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(flatten)]
    instance: InstanceArgs,
}

/// Entry point of the standalone service binaries.
pub fn standalone_main(kind: ServeKind) -> ExitCode {
    let args = match Standalone::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => super::exit::Code::Usage as u8,
            });
        }
    };
    super::finish(serve(&args.global, kind, &args.instance))
}
