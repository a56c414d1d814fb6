//! `bitcraps bench engine|consensus|gateway|all`: load generators against
//! a running system (one file per target; `schedule` is the pure arithmetic).

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use serde_json::json;

use super::GlobalArgs;
use super::output::{self, OutputFormat};

pub mod consensus;
pub mod engine;
pub mod gateway;
pub mod gateway_report;
pub mod schedule;
pub mod wallet;

use consensus::{ConsensusBench, ConsensusReport, consensus_lines, consensus_report};
use engine::{EngineBench, Report, engine_lines, engine_report};

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Actions per second and latency through the engine's HTTP API.
    Engine(EngineBench),
    /// Commit latency and throughput of the validators; optionally the gap
    /// in commits when the leader is killed.
    Consensus(ConsensusBench),
    /// A request mix through the gateway (or any --target), open loop at
    /// --rate or closed loop to saturation, with pass/fail thresholds.
    Gateway(gateway::GatewayBench),
    /// Transfers per second and latency through the wallet's HTTP API,
    /// closed loop or open loop at --rate.
    Wallet(wallet::WalletBench),
    /// engine, consensus and gateway one after the other, each for --duration.
    All(AllBench),
}

#[derive(Debug, Args)]
pub struct AllBench {
    /// How long each of the three runs.
    #[arg(long, default_value = "10s", value_parser = super::output::parse_timeout)]
    pub duration: Duration,
}

#[derive(Debug, Serialize)]
pub struct Percentiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

pub fn run(g: &GlobalArgs, cmd: &BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Engine(a) => {
            let r = engine_report(g, a)?;
            print_report(g, &r, &engine_lines(&r))
        }
        BenchCommand::Consensus(a) => {
            let r = consensus_report(g, a)?;
            print_report(g, &r, &consensus_lines(&r))
        }
        BenchCommand::Gateway(a) => {
            let r = gateway::report(g, a)?;
            gateway::print(g, &r)
        }
        BenchCommand::Wallet(a) => {
            let r = wallet::wallet_report(g, a)?;
            print_report(g, &r, &wallet::wallet_lines(&r))
        }
        BenchCommand::All(a) => all(g, a),
    }
}

fn print_report<T: Serialize>(g: &GlobalArgs, r: &T, lines: &[String]) -> anyhow::Result<()> {
    if g.output == OutputFormat::Json {
        output::print_json(r)
    } else {
        output::print(&lines.join("\n"))
    }
}

/// `--output json` of `bench all`: each run's own report.
#[derive(Debug, Serialize)]
struct AllReport {
    engine: Report,
    consensus: ConsensusReport,
    gateway: gateway::GatewayReport,
}

fn all(g: &GlobalArgs, a: &AllBench) -> anyhow::Result<()> {
    let engine = engine_report(
        g,
        &EngineBench {
            addr: None,
            games: 50,
            hold: 0,
            hold_idle: Duration::ZERO,
            concurrency: 32,
            duration: a.duration,
            history: None,
        },
    )?;
    let consensus = consensus_report(
        g,
        &ConsensusBench {
            concurrency: 16,
            duration: a.duration,
            kill_leader: false,
        },
    )?;
    let gateway = gateway::report(
        g,
        &gateway::GatewayBench {
            target: None,
            rate: None,
            concurrency: 16,
            duration: a.duration,
            mix: schedule::Mix::parse(schedule::DEFAULT_MIX).map_err(|e| anyhow::anyhow!(e))?,
            games: 16,
            max_p95: None,
            max_error_rate: None,
            token: None,
        },
    )?;
    let r = AllReport {
        engine,
        consensus,
        gateway,
    };
    let mut lines = vec!["== engine".to_string()];
    lines.extend(engine_lines(&r.engine));
    lines.push("== consensus".into());
    lines.extend(consensus_lines(&r.consensus));
    lines.push("== gateway".into());
    lines.extend(gateway::lines(&r.gateway));
    print_report(g, &r, &lines)?;
    gateway::threshold_result(&r.gateway)
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// Best effort after a run: rolls once (settling any field bet left on the
/// table) and leaves each `(game id, player, token)`, so the games finish
/// and the engine's open-game limit is free for the next run.
pub(crate) async fn leave_games(
    http: &reqwest::Client,
    api: &str,
    games: Vec<(String, String, String)>,
    concurrency: usize,
) {
    let games = Arc::new(games);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency.clamp(1, 64) {
        let (http, api, games, next) = (http.clone(), api.to_string(), games.clone(), next.clone());
        tasks.spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((id, player, token)) = games.get(i) else {
                    break;
                };
                for action in [json!({"type": "roll"}), json!({"type": "leave"})] {
                    let r = http
                        .post(format!("{api}/games/{id}/actions"))
                        .bearer_auth(token)
                        .json(&json!({"player_id": player, "action": action}))
                        .send()
                        .await;
                    if let Ok(r) = r {
                        let _ = r.bytes().await;
                    }
                }
            }
        });
    }
    while tasks.join_next().await.is_some() {}
}

pub(crate) fn bar(g: &GlobalArgs, len: u64, msg: &str) -> ProgressBar {
    let visible = std::io::stderr().is_terminal() && !g.quiet && g.output != OutputFormat::Json;
    let pb = ProgressBar::with_draw_target(
        Some(len),
        if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({elapsed})") {
        pb.set_style(style);
    }
    pb.set_message(msg.to_string());
    pb
}
