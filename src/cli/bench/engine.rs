//! `bitcraps bench engine`: creates games, optionally fills the engine with
//! idle games to measure memory per game, then runs a closed loop of real
//! actions (a field bet and a roll, both durable) from `--concurrency`
//! workers for `--duration`, and prints throughput and latency percentiles.
//! Each game's first roll is also reported on its own: it is the game's
//! first draw, which waits for the game's commitment to be anchored.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use indicatif::ProgressBar;
use serde::Serialize;
use serde_json::json;

use super::super::GlobalArgs;
use super::super::exit::{Code, fail};
use super::{Percentiles, bar, percentile};

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
    /// Wait this long after creating the held games before reading the
    /// engine's memory again: above the engine's `game_engine.stored_idle`,
    /// it measures idle tables after they have left memory.
    #[arg(long, default_value = "0s", value_parser = super::super::output::parse_timeout)]
    pub hold_idle: Duration,
    /// Concurrent workers (connections).
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// How long to run the action loop.
    #[arg(long, default_value = "10s", value_parser = super::super::output::parse_timeout)]
    pub duration: Duration,
    /// Instead of the load: play this many rolls (a field bet and a roll
    /// each, one after the other) on one new table and compare actions/s
    /// over its first and last tenth (at most 10,000 rolls each), to show
    /// whether an action costs more on a table with a long history.
    #[arg(long, value_name = "ROLLS", value_parser = clap::value_parser!(u64).range(10..=1_000_000))]
    pub history: Option<u64>,
}

/// `--history`: one table's actions/s early and late in its life.
#[derive(Debug, Serialize)]
pub struct History {
    pub game_id: String,
    pub rolls: u64,
    /// Rolls in each compared window.
    pub window: u64,
    pub first_actions_per_second: f64,
    pub last_actions_per_second: f64,
    /// last / first.
    pub ratio: f64,
    pub first_latency_ms: Percentiles,
    pub last_latency_ms: Percentiles,
    pub rounds: u64,
    pub seconds: f64,
}

#[derive(Debug, Serialize)]
pub struct Report {
    engine: String,
    games: usize,
    held: usize,
    concurrency: usize,
    seconds: f64,
    actions: u64,
    errors: u64,
    actions_per_second: f64,
    latency_ms: Percentiles,
    /// Latency of each game's first roll: its first draw, which waits
    /// for the commitment's block if that has not committed yet.
    first_draw_latency_ms: Percentiles,
    create_games_per_second: Option<f64>,
    rss_bytes_before: Option<u64>,
    rss_bytes_after: Option<u64>,
    bytes_per_held_game: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<History>,
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

pub fn engine_report(g: &GlobalArgs, a: &EngineBench) -> anyhow::Result<Report> {
    let loaded = super::super::load_config(g, &[])?;
    let addr = a.addr.unwrap_or(loaded.config.game_engine.addr);
    let token = super::super::gateway_client::admin_token(g, &loaded.config, "bench", 86_400)?;
    let wallet = crate::tls::transport().base(loaded.config.wallet.addr);
    let bankroll = loaded.config.game_engine.table_bankroll;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(load(g, a, addr, token, (wallet, bankroll)))
}

pub fn engine_lines(report: &Report) -> Vec<String> {
    if let Some(h) = &report.history {
        return vec![
            format!(
                "engine {}: {} rolls ({} actions, {} rounds) on one table {} in {:.1}s",
                report.engine, h.rolls, report.actions, h.rounds, h.game_id, h.seconds
            ),
            format!(
                "first {} rolls: {:.0} actions/s, p50 {:.2} ms, p99 {:.2} ms",
                h.window,
                h.first_actions_per_second,
                h.first_latency_ms.p50,
                h.first_latency_ms.p99
            ),
            format!(
                "last {} rolls:  {:.0} actions/s, p50 {:.2} ms, p99 {:.2} ms",
                h.window, h.last_actions_per_second, h.last_latency_ms.p50, h.last_latency_ms.p99
            ),
            format!("last / first: {:.3}", h.ratio),
        ];
    }
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
    lines.push(format!(
        "first draw of a game (waits for its commitment's block) ms: p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}",
        report.first_draw_latency_ms.p50,
        report.first_draw_latency_ms.p90,
        report.first_draw_latency_ms.p99,
        report.first_draw_latency_ms.max
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
    (wallet, bankroll): (String, u64),
) -> anyhow::Result<Report> {
    let base = crate::tls::transport().base(addr);
    let http = crate::tls::transport()
        .reqwest(
            crate::tls::Expect::AnyService,
            reqwest::Client::builder()
                .pool_max_idle_per_host(a.concurrency.max(1))
                .timeout(Duration::from_secs(30)),
        )
        .build()?;
    if http.get(format!("{base}/health")).send().await.is_err() {
        return Err(fail(
            Code::Unavailable,
            format!("no engine answers at {addr}; start one with `bitcraps up -d --wait`"),
        ));
    }
    // Buy-ins come from the players' wallet accounts and each table's
    // bankroll from the house's: fund them first.
    let run = format!("bench{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    if let Some(rolls) = a.history {
        let deposits = [
            ("player:p0".to_string(), 2_000_000),
            ("house".to_string(), bankroll),
        ];
        super::wallet::fund(&http, &wallet, &token, &run, &deposits)
            .await
            .map_err(|e| fail(Code::Unavailable, format!("{e:#}")))?;
        return history(g, addr, (&http, &base, &token), rolls).await;
    }
    let tables = a.games + a.hold;
    let mut deposits: Vec<(String, u64)> = (0..a.games.max(a.hold))
        .map(|i| (format!("player:p{i}"), 2_000_000))
        .collect();
    deposits.push(("house".into(), bankroll.saturating_mul(tables as u64)));
    super::wallet::fund(&http, &wallet, &token, &run, &deposits)
        .await
        .map_err(|e| fail(Code::Unavailable, format!("{e:#}")))?;
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
        if !a.hold_idle.is_zero() {
            let pb = bar(
                g,
                a.hold_idle.as_secs().max(1),
                "letting the held games idle (seconds)",
            );
            let until = Instant::now() + a.hold_idle;
            while Instant::now() < until {
                tokio::time::sleep(Duration::from_secs(1).min(until - Instant::now())).await;
                pb.inc(1);
            }
            pb.finish_and_clear();
        }
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
            let mut first_draws = Vec::new();
            let mut rolled = std::collections::HashSet::new();
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
                            let ms = t.elapsed().as_secs_f64() * 1000.0;
                            lat.push(ms);
                            if action["type"] == "roll" && rolled.insert(i % games.len().max(1)) {
                                first_draws.push(ms);
                            }
                        }
                        _ => errors += 1,
                    }
                }
                i += stride;
            }
            (lat, first_draws, errors)
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
    let mut first = Vec::new();
    let mut errors = 0;
    while let Some(r) = tasks.join_next().await {
        let (l, f, e) = r?;
        lat.extend(l);
        first.extend(f);
        errors += e;
    }
    first.sort_by(|a, b| a.total_cmp(b));
    ticker.abort();
    pb.finish_and_clear();
    let seconds = began.elapsed().as_secs_f64();
    let owned: Vec<(String, String, String)> = games
        .iter()
        .map(|(id, p)| (id.clone(), p.clone(), token.clone()))
        .collect();
    super::leave_games(&http, &base, owned, a.concurrency).await;
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
        first_draw_latency_ms: Percentiles {
            p50: percentile(&first, 50.0),
            p90: percentile(&first, 90.0),
            p99: percentile(&first, 99.0),
            max: first.last().copied().unwrap_or(0.0),
        },
        create_games_per_second: Some(create_rate),
        rss_bytes_before: rss_before,
        rss_bytes_after: rss_after,
        bytes_per_held_game: match (rss_before, rss_after) {
            (Some(b), Some(af)) if a.hold > 0 => Some(af.saturating_sub(b) as f64 / a.hold as f64),
            _ => None,
        },
        history: None,
    })
}

fn percentiles(sorted: &[f64]) -> Percentiles {
    Percentiles {
        p50: percentile(sorted, 50.0),
        p90: percentile(sorted, 90.0),
        p99: percentile(sorted, 99.0),
        max: sorted.last().copied().unwrap_or(0.0),
    }
}

/// `--history`: `rolls` rolls on one table, each after a field bet, one
/// action at a time (a table's actions are ordered anyway). The table's
/// chain is long enough that it never runs out of rounds.
async fn history(
    g: &GlobalArgs,
    addr: SocketAddr,
    (http, base, token): (&reqwest::Client, &str, &str),
    rolls: u64,
) -> anyhow::Result<Report> {
    use crate::services::game_engine::fairness::{CHAIN_LENGTH, MAX_CHAIN_LENGTH};
    let body = json!({
        "game_type": "craps",
        "players": [{"id": "p0", "buy_in": 1_000_000}],
        "config": {"min_bet": 1, "max_bet": 1000,
                   "chain_length": rolls.clamp(CHAIN_LENGTH, MAX_CHAIN_LENGTH)},
    });
    let r = http
        .post(format!("{base}/games"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?;
    if r.status() != 201 {
        let status = r.status();
        let text = r.text().await.unwrap_or_default();
        return Err(fail(
            Code::Unavailable,
            format!("creating the table answered {status}: {text}"),
        ));
    }
    let v: serde_json::Value = r.json().await?;
    let id = v["id"].as_str().unwrap_or_default().to_string();
    let window = (rolls / 10).clamp(1, 10_000);
    let pb = bar(g, rolls, "rolling on one table");
    let mut per_roll = Vec::with_capacity(rolls as usize);
    let mut lat = Vec::with_capacity(2 * rolls as usize);
    let mut rounds = 0u64;
    let began = Instant::now();
    for i in 0..rolls {
        let t = Instant::now();
        for action in [
            json!({"type": "bet", "bet": "field", "amount": 1}),
            json!({"type": "roll"}),
        ] {
            let s = Instant::now();
            let resp = http
                .post(format!("{base}/games/{id}/actions"))
                .bearer_auth(token)
                .json(&json!({"player_id": "p0", "action": action}))
                .send()
                .await?;
            let status = resp.status();
            let text = resp.text().await.unwrap_or_default();
            if !status.is_success() {
                return Err(fail(
                    Code::Unavailable,
                    format!("roll {i}: {} answered {status}: {text}", action["type"]),
                ));
            }
            if action["type"] == "roll" {
                rounds += text.matches("\"kind\":\"round_ended\"").count() as u64;
            }
            lat.push(s.elapsed().as_secs_f64() * 1000.0);
        }
        per_roll.push(t.elapsed().as_secs_f64());
        pb.inc(1);
    }
    let seconds = began.elapsed().as_secs_f64();
    pb.finish_and_clear();
    let w = window as usize;
    let rate = |xs: &[f64]| 2.0 * xs.len() as f64 / xs.iter().sum::<f64>().max(f64::EPSILON);
    let sorted = |xs: &[f64]| {
        let mut v = xs.to_vec();
        v.sort_by(|a, b| a.total_cmp(b));
        v
    };
    let (first, last) = (&per_roll[..w], &per_roll[per_roll.len() - w..]);
    let first_lat = sorted(&lat[..2 * w]);
    let last_lat = sorted(&lat[lat.len() - 2 * w..]);
    let all = sorted(&lat);
    super::leave_games(
        http,
        base,
        vec![(id.clone(), "p0".to_string(), token.to_string())],
        1,
    )
    .await;
    let (fr, lr) = (rate(first), rate(last));
    Ok(Report {
        engine: addr.to_string(),
        games: 1,
        held: 0,
        concurrency: 1,
        seconds,
        actions: lat.len() as u64,
        errors: 0,
        actions_per_second: lat.len() as f64 / seconds,
        latency_ms: percentiles(&all),
        first_draw_latency_ms: percentiles(&[]),
        create_games_per_second: None,
        rss_bytes_before: None,
        rss_bytes_after: None,
        bytes_per_held_game: None,
        history: Some(History {
            game_id: id,
            rolls,
            window,
            first_actions_per_second: fr,
            last_actions_per_second: lr,
            ratio: lr / fr,
            first_latency_ms: percentiles(&first_lat),
            last_latency_ms: percentiles(&last_lat),
            rounds,
            seconds,
        }),
    })
}
