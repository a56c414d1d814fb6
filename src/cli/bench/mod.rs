//! `bitcraps bench engine|consensus|gateway|all`: load generators against
//! a running system.
//!
//! `engine` creates games, optionally fills the engine with idle games to measure
//! memory per game, then runs a closed loop of real actions (a field bet
//! and a roll, both durable) from `--concurrency` workers for `--duration`,
//! and prints throughput and latency percentiles.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use serde_json::json;

use super::GlobalArgs;
use super::exit::{Code, fail};
use super::output::{self, OutputFormat};

pub mod gateway;
pub mod schedule;

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
    /// engine, consensus and gateway one after the other, each for --duration.
    All(AllBench),
}

#[derive(Debug, Args)]
pub struct AllBench {
    /// How long each of the three runs.
    #[arg(long, default_value = "10s", value_parser = super::output::parse_timeout)]
    pub duration: Duration,
}

#[derive(Debug, Args)]
pub struct ConsensusBench {
    /// Concurrent proposers (each waits for its commit, then proposes again).
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// How long to run.
    #[arg(long, default_value = "10s", value_parser = super::output::parse_timeout)]
    pub duration: Duration,
    /// Halfway through, kill -9 the current leader (needs `bitcraps up` on
    /// this state dir) and report how long commits stopped.
    #[arg(long)]
    pub kill_leader: bool,
}

#[derive(Debug, Args)]
pub struct EngineBench {
    /// Engine address (default: the configured first engine).
    #[arg(long)]
    pub addr: Option<SocketAddr>,
    /// Games the load runs on.
    #[arg(long, default_value_t = 100)]
    pub games: usize,
    /// Extra idle games to create first, to measure memory per game
    /// (the engine needs MAX_CONCURRENT_GAMES above games + hold).
    #[arg(long, default_value_t = 0)]
    pub hold: usize,
    /// Concurrent workers (connections).
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// How long to run the action loop.
    #[arg(long, default_value = "10s", value_parser = super::output::parse_timeout)]
    pub duration: Duration,
}

#[derive(Debug, Serialize)]
struct Report {
    engine: String,
    games: usize,
    held: usize,
    concurrency: usize,
    seconds: f64,
    actions: u64,
    errors: u64,
    actions_per_second: f64,
    latency_ms: Percentiles,
    create_games_per_second: Option<f64>,
    rss_bytes_before: Option<u64>,
    rss_bytes_after: Option<u64>,
    bytes_per_held_game: Option<f64>,
}

#[derive(Debug, Serialize)]
struct Percentiles {
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
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
            concurrency: 32,
            duration: a.duration,
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

fn percentile(sorted: &[f64], p: f64) -> f64 {
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

/// Resident memory of the process listening on `addr` (same machine only).
fn rss_of_listener(addr: SocketAddr) -> Option<u64> {
    let holder = crate::ports::holder(addr.port())?;
    let status = std::fs::read_to_string(format!("/proc/{}/status", holder.pid)).ok()?;
    let kb: u64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb * 1024)
}

fn engine_report(g: &GlobalArgs, a: &EngineBench) -> anyhow::Result<Report> {
    let loaded = super::load_config(g, &[])?;
    let addr = a.addr.unwrap_or(loaded.config.game_engine.addr);
    let token = super::gateway_client::admin_token(g, &loaded.config, "bench", 86_400)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(load(g, a, addr, token))
}

fn engine_lines(report: &Report) -> Vec<String> {
    let mut lines = vec![format!(
        "engine {}: {} actions in {:.1}s from {} workers on {} games: {:.0} actions/s, {} errors",
        report.engine,
        report.actions,
        report.seconds,
        report.concurrency,
        report.games,
        report.actions_per_second,
        report.errors
    )];
    lines.push(format!(
        "latency ms: p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}",
        report.latency_ms.p50, report.latency_ms.p90, report.latency_ms.p99, report.latency_ms.max
    ));
    if let Some(r) = report.create_games_per_second {
        lines.push(format!("created games at {r:.0}/s"));
    }
    if let (Some(b), Some(af), Some(per)) = (
        report.rss_bytes_before,
        report.rss_bytes_after,
        report.bytes_per_held_game,
    ) {
        lines.push(format!(
            "engine RSS {:.1} MiB -> {:.1} MiB holding {} more games: {:.0} bytes per idle game",
            b as f64 / 1048576.0,
            af as f64 / 1048576.0,
            report.held,
            per
        ));
    }
    lines
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

async fn create_games(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    n: usize,
    concurrency: usize,
    pb: &ProgressBar,
) -> anyhow::Result<Vec<(String, String)>> {
    let http = http.clone();
    let base = base.to_string();
    let token = token.to_string();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (http, base, token, next, pb) = (
            http.clone(),
            base.clone(),
            token.clone(),
            next.clone(),
            pb.clone(),
        );
        tasks.spawn(async move {
            let mut ids = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let body = json!({
                    "game_type": "craps",
                    "players": [{"id": format!("p{i}"), "buy_in": 1_000_000}],
                    "config": {"min_bet": 1, "max_bet": 1000},
                });
                let r = http
                    .post(format!("{base}/games"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await?;
                if r.status() != 201 {
                    let status = r.status();
                    let text = r.text().await.unwrap_or_default();
                    anyhow::bail!("creating a game answered {status}: {text}");
                }
                let v: serde_json::Value = r.json().await?;
                ids.push((
                    v["id"].as_str().unwrap_or_default().to_string(),
                    format!("p{i}"),
                ));
                pb.inc(1);
            }
            Ok::<_, anyhow::Error>(ids)
        });
    }
    let mut all = Vec::with_capacity(n);
    while let Some(r) = tasks.join_next().await {
        all.extend(r??);
    }
    Ok(all)
}

async fn load(
    g: &GlobalArgs,
    a: &EngineBench,
    addr: SocketAddr,
    token: String,
) -> anyhow::Result<Report> {
    let base = format!("http://{addr}");
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(a.concurrency.max(1))
        .timeout(Duration::from_secs(30))
        .build()?;
    if http.get(format!("{base}/health")).send().await.is_err() {
        return Err(fail(
            Code::Unavailable,
            format!("no engine answers at {addr}; start one with `bitcraps up -d --wait`"),
        ));
    }
    let pb = bar(g, a.games as u64, "creating games");
    let started = Instant::now();
    let games = create_games(&http, &base, &token, a.games, a.concurrency, &pb).await?;
    let create_rate = a.games as f64 / started.elapsed().as_secs_f64();
    pb.finish_and_clear();

    let (mut rss_before, mut rss_after) = (None, None);
    if a.hold > 0 {
        rss_before = rss_of_listener(addr);
        let pb = bar(g, a.hold as u64, "holding idle games");
        create_games(&http, &base, &token, a.hold, a.concurrency, &pb).await?;
        pb.finish_and_clear();
        rss_after = rss_of_listener(addr);
    }

    let pb = bar(g, a.duration.as_secs().max(1), "running actions (seconds)");
    let deadline = Instant::now() + a.duration;
    let games = Arc::new(games);
    let mut tasks = tokio::task::JoinSet::new();
    let began = Instant::now();
    let stride = a.concurrency.max(1);
    for w in 0..stride {
        let (http, base, token, games) = (http.clone(), base.clone(), token.clone(), games.clone());
        tasks.spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            let mut i = w;
            while Instant::now() < deadline {
                // Each worker owns the games w, w + c, w + 2c, …: actions on
                // one game stay in order, as a real table's would.
                let Some((id, player)) = games.get(i % games.len().max(1)) else {
                    break;
                };
                for action in [
                    json!({"type": "bet", "bet": "field", "amount": 1}),
                    json!({"type": "roll"}),
                ] {
                    let t = Instant::now();
                    let r = http
                        .post(format!("{base}/games/{id}/actions"))
                        .bearer_auth(&token)
                        .json(&json!({"player_id": player, "action": action}))
                        .send()
                        .await;
                    match r {
                        Ok(resp) if resp.status().is_success() => {
                            let _ = resp.bytes().await;
                            lat.push(t.elapsed().as_secs_f64() * 1000.0);
                        }
                        _ => errors += 1,
                    }
                }
                i += stride;
            }
            (lat, errors)
        });
    }
    let ticker = {
        let pb = pb.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                pb.inc(1);
            }
        })
    };
    let mut lat = Vec::new();
    let mut errors = 0;
    while let Some(r) = tasks.join_next().await {
        let (l, e) = r?;
        lat.extend(l);
        errors += e;
    }
    ticker.abort();
    pb.finish_and_clear();
    let seconds = began.elapsed().as_secs_f64();
    let owned: Vec<(String, String, String)> = games
        .iter()
        .map(|(id, p)| (id.clone(), p.clone(), token.clone()))
        .collect();
    leave_games(&http, &base, owned, a.concurrency).await;
    lat.sort_by(|a, b| a.total_cmp(b));
    let actions = lat.len() as u64;
    Ok(Report {
        engine: addr.to_string(),
        games: a.games,
        held: a.hold,
        concurrency: a.concurrency,
        seconds,
        actions,
        errors,
        actions_per_second: actions as f64 / seconds,
        latency_ms: Percentiles {
            p50: percentile(&lat, 50.0),
            p90: percentile(&lat, 90.0),
            p99: percentile(&lat, 99.0),
            max: lat.last().copied().unwrap_or(0.0),
        },
        create_games_per_second: Some(create_rate),
        rss_bytes_before: rss_before,
        rss_bytes_after: rss_after,
        bytes_per_held_game: match (rss_before, rss_after) {
            (Some(b), Some(af)) if a.hold > 0 => Some(af.saturating_sub(b) as f64 / a.hold as f64),
            _ => None,
        },
    })
}

#[derive(Debug, Serialize)]
struct ConsensusReport {
    validators: usize,
    concurrency: usize,
    seconds: f64,
    committed: u64,
    errors: u64,
    commits_per_second: f64,
    commit_latency_ms: Percentiles,
    killed_leader: Option<String>,
    /// Longest time without any commit from the kill to the end.
    commit_gap_ms: Option<f64>,
}

fn consensus_report(g: &GlobalArgs, a: &ConsensusBench) -> anyhow::Result<ConsensusReport> {
    let loaded = super::load_config(g, &[])?;
    let addrs = loaded.config.validator_addrs();
    let token = super::gateway_client::admin_token(g, &loaded.config, "bench", 86_400)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let state_dir = g.state_dir.clone();
    rt.block_on(consensus_load(g, a, addrs, token, state_dir))
}

fn consensus_lines(report: &ConsensusReport) -> Vec<String> {
    let mut lines = vec![format!(
        "{} validators: {} proposals committed in {:.1}s from {} proposers: {:.0} commits/s, {} errors",
        report.validators,
        report.committed,
        report.seconds,
        report.concurrency,
        report.commits_per_second,
        report.errors
    )];
    let l = &report.commit_latency_ms;
    lines.push(format!(
        "commit latency ms (propose -> committed, wait=true): p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}",
        l.p50, l.p90, l.p99, l.max
    ));
    if let (Some(who), Some(gap)) = (&report.killed_leader, report.commit_gap_ms) {
        lines.push(format!(
            "killed leader {who}: longest gap between commits afterwards {gap:.0} ms"
        ));
    }
    lines
}

async fn consensus_load(
    g: &GlobalArgs,
    a: &ConsensusBench,
    addrs: Vec<SocketAddr>,
    token: String,
    state_dir: std::path::PathBuf,
) -> anyhow::Result<ConsensusReport> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(a.concurrency.max(1))
        .timeout(Duration::from_secs(30))
        .build()?;
    let pb = bar(g, a.duration.as_secs().max(1), "proposing (seconds)");
    let began = Instant::now();
    let deadline = began + a.duration;
    let commits: Arc<std::sync::Mutex<Vec<f64>>> = Arc::default();
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..a.concurrency.max(1) {
        let (http, token, addrs, commits) =
            (http.clone(), token.clone(), addrs.clone(), commits.clone());
        tasks.spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            let mut i = w;
            while Instant::now() < deadline {
                let addr = addrs[i % addrs.len()];
                i += 1;
                let t = Instant::now();
                let r = http
                    .post(format!("http://{addr}/propose?wait=true"))
                    .bearer_auth(&token)
                    .json(&json!({"payload": {"bench": w, "n": i}}))
                    .send()
                    .await;
                match r {
                    Ok(resp) if resp.status().is_success() => {
                        let _ = resp.bytes().await;
                        lat.push(t.elapsed().as_secs_f64() * 1000.0);
                        if let Ok(mut c) = commits.lock() {
                            c.push(began.elapsed().as_secs_f64() * 1000.0);
                        }
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors)
        });
    }
    let ticker = {
        let pb = pb.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                pb.inc(1);
            }
        })
    };
    let mut killed = None;
    let mut killed_at_ms = None;
    if a.kill_leader {
        tokio::time::sleep(a.duration / 2).await;
        let status: serde_json::Value = http
            .get(format!("http://{}/status", addrs[0]))
            .send()
            .await?
            .json()
            .await?;
        let leader = status["leader_id"].as_str().unwrap_or_default().to_string();
        let state = crate::supervisor::StateDir::existing(&state_dir).ok_or_else(|| {
            fail(
                Code::Unavailable,
                "--kill-leader needs `bitcraps up` running on this state dir",
            )
        })?;
        let st = super::ps::query(&state)?.ok_or_else(|| {
            fail(
                Code::Unavailable,
                "--kill-leader needs `bitcraps up` running on this state dir",
            )
        })?;
        let pid = st
            .services
            .iter()
            .find(|s| s.name == leader)
            .and_then(|s| s.pid)
            .ok_or_else(|| fail(Code::Unavailable, format!("no pid for the leader {leader}")))?;
        crate::supervisor::process::signal_group(pid, nix::sys::signal::Signal::SIGKILL);
        killed_at_ms = Some(began.elapsed().as_secs_f64() * 1000.0);
        killed = Some(leader);
    }
    let mut lat = Vec::new();
    let mut errors = 0;
    while let Some(r) = tasks.join_next().await {
        let (l, e) = r?;
        lat.extend(l);
        errors += e;
    }
    ticker.abort();
    pb.finish_and_clear();
    let seconds = began.elapsed().as_secs_f64();
    lat.sort_by(|a, b| a.total_cmp(b));
    let gap = killed_at_ms.map(|k| {
        let mut times = commits.lock().map(|c| c.clone()).unwrap_or_default();
        times.sort_by(|a, b| a.total_cmp(b));
        // The longest silence between commits from the kill on (with
        // rotating leaders, the stall comes when the dead validator's turn
        // to lead comes and a view change is needed).
        let mut prev = times.iter().rev().find(|t| **t <= k).copied().unwrap_or(k);
        let mut longest: f64 = 0.0;
        for t in times.iter().copied().filter(|t| *t > k) {
            longest = longest.max(t - prev);
            prev = t;
        }
        longest.max(seconds * 1000.0 - prev)
    });
    Ok(ConsensusReport {
        validators: addrs.len(),
        concurrency: a.concurrency,
        seconds,
        committed: lat.len() as u64,
        errors,
        commits_per_second: lat.len() as f64 / seconds,
        commit_latency_ms: Percentiles {
            p50: percentile(&lat, 50.0),
            p90: percentile(&lat, 90.0),
            p99: percentile(&lat, 99.0),
            max: lat.last().copied().unwrap_or(0.0),
        },
        killed_leader: killed,
        commit_gap_ms: gap,
    })
}
