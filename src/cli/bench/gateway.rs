//! `bitcraps bench gateway`: a realistic request mix through the gateway
//! (or any base URL that serves the games API), open loop at a fixed rate or
//! closed loop to saturation, with HDR-histogram latencies, errors by status
//! and k6-style thresholds that fail the command.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Args;
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::super::GlobalArgs;
use super::super::exit::{Code, fail};
pub use super::gateway_report::{GatewayReport, lines, print, threshold_result};
use super::gateway_report::{OpReport, ThresholdReport, histogram, latency_ms};
use super::schedule::{DEFAULT_MIX, Mix, Op, OpenLoop, Outcome, Thresholds};

#[derive(Debug, Clone, Args)]
pub struct GatewayBench {
    /// Base URL the games API lives under (`URL/games`); `/health` is asked
    /// of the same host. Default: the configured gateway's `/api/v1`. Point
    /// it at an engine (`http://127.0.0.1:8081`) or a proxy to compare.
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// Open loop: send N requests per second on a fixed schedule whatever
    /// the answers' pace; latency counts from each request's intended send
    /// time. Without it: a closed loop to saturation.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub rate: Option<u64>,
    /// Closed loop: workers, each sending its next request when the last is
    /// answered. Open loop: the most requests in flight (later ones wait,
    /// and their wait counts).
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub concurrency: u64,
    /// How long to send.
    #[arg(long, default_value = "10s", value_parser = super::super::output::parse_timeout)]
    pub duration: Duration,
    /// Operations and their weights: health, list, create (then leave),
    /// get, bet (a field bet), roll.
    #[arg(long, default_value = DEFAULT_MIX, value_parser = Mix::parse)]
    pub mix: Mix,
    /// Games (one player each) created before the run for get, bet and roll.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub games: u64,
    /// Exit 6 when the p95 latency is over this (e.g. 500ms).
    #[arg(long, value_name = "DURATION", value_parser = super::super::output::parse_timeout)]
    pub max_p95: Option<Duration>,
    /// Exit 6 when errors / requests is over this (0.0-1.0, e.g. 0.01).
    #[arg(long, value_name = "RATE", value_parser = parse_fraction)]
    pub max_error_rate: Option<f64>,
    /// Bearer token for every request; it must be an admin's (players are
    /// named bench-N). Default: a player token per player, minted from the
    /// configured or dev secret.
    #[arg(long, env = "BITCRAPS_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

fn parse_fraction(s: &str) -> Result<f64, String> {
    s.parse::<f64>()
        .ok()
        .filter(|f| (0.0..=1.0).contains(f))
        .ok_or_else(|| format!("{s:?} is not a fraction between 0 and 1 (e.g. 0.01)"))
}

#[derive(Default)]
struct OpStats {
    hist: Option<Histogram<u64>>,
    requests: u64,
    errors: u64,
}

struct Stats {
    all: Histogram<u64>,
    by_op: BTreeMap<&'static str, OpStats>,
    errors: BTreeMap<String, u64>,
    requests: u64,
    max_lag: Duration,
}

impl Stats {
    fn record(&mut self, op: &'static str, latency: Duration, error: Option<String>) {
        let us = u64::try_from(latency.as_micros())
            .unwrap_or(u64::MAX)
            .max(1);
        self.all.saturating_record(us);
        self.requests += 1;
        let s = self.by_op.entry(op).or_default();
        s.hist.get_or_insert_with(histogram).saturating_record(us);
        s.requests += 1;
        if let Some(e) = error {
            s.errors += 1;
            *self.errors.entry(e).or_default() += 1;
        }
    }
}

/// What every request needs: the client, URLs and the players' games.
struct Plan {
    http: reqwest::Client,
    api: String,
    health: String,
    mix: Mix,
    /// (player id, token) per player.
    players: Vec<(String, String)>,
    /// (game id, player index) per game.
    games: Vec<(String, usize)>,
}

/// One request's result: 2xx, else an error class.
fn classify(r: &Result<reqwest::Response, reqwest::Error>) -> Option<String> {
    match r {
        Ok(resp) if resp.status().is_success() => None,
        Ok(resp) => Some(resp.status().as_u16().to_string()),
        Err(e) if e.is_timeout() => Some("timeout".into()),
        Err(e) if e.is_connect() => Some("connect".into()),
        Err(_) => Some("io".into()),
    }
}

impl Plan {
    /// Sends request `n` (whose operation the mix decides) and records it;
    /// latency counts from `from` (the intended send time in an open loop).
    async fn send(&self, n: u64, from: Instant, stats: &Mutex<Stats>) {
        let op = self.mix.pick(n);
        let game = &self.games[usize::try_from(n).unwrap_or(0) % self.games.len().max(1)];
        let player = game.1;
        let (pid, token) = &self.players[player % self.players.len().max(1)];
        let action = |a: Value| {
            self.http
                .post(format!("{}/games/{}/actions", self.api, game.0))
                .bearer_auth(token)
                .json(&json!({"player_id": pid, "action": a}))
        };
        let req = match op {
            Op::Health => self.http.get(&self.health),
            Op::List => self
                .http
                .get(format!("{}/games?limit=10", self.api))
                .bearer_auth(token),
            Op::Get => self
                .http
                .get(format!("{}/games/{}", self.api, game.0))
                .bearer_auth(token),
            Op::Bet => action(json!({"type": "bet", "bet": "field", "amount": 1})),
            Op::Roll => action(json!({"type": "roll"})),
            Op::Create => self
                .http
                .post(format!("{}/games", self.api))
                .bearer_auth(token)
                .json(&new_game(pid)),
        };
        let r = req.send().await;
        let error = classify(&r);
        let body = match r {
            Ok(resp) => resp.bytes().await.ok(),
            Err(_) => None,
        };
        let done = Instant::now();
        if let Ok(mut s) = stats.lock() {
            s.record(op.name(), done - from, error.clone());
        }
        // A created game is left at once (so it finishes and the engine's
        // open-game limit is never reached); the leave is its own request.
        if op == Op::Create && error.is_none() {
            let id = body
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .and_then(|v| v["id"].as_str().map(str::to_string));
            let Some(id) = id else { return };
            let t = Instant::now();
            let r = self
                .http
                .post(format!("{}/games/{id}/actions", self.api))
                .bearer_auth(token)
                .json(&json!({"player_id": pid, "action": {"type": "leave"}}))
                .send()
                .await;
            let error = classify(&r);
            if let Ok(resp) = r {
                let _ = resp.bytes().await;
            }
            if let Ok(mut s) = stats.lock() {
                s.record("leave", t.elapsed(), error);
            }
        }
    }
}

fn new_game(player: &str) -> Value {
    json!({
        "game_type": "craps",
        "players": [{"id": player, "buy_in": 1_000_000}],
        "config": {"min_bet": 1, "max_bet": 1_000_000},
    })
}

/// The default target: the configured gateway's API on loopback.
fn default_target(cfg: &crate::config::Config) -> String {
    let mut a = cfg.gateway.listen_addr;
    if a.ip().is_unspecified() {
        a.set_ip(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
    }
    format!("http://{a}/api/v1")
}

pub fn report(g: &GlobalArgs, a: &GatewayBench) -> anyhow::Result<GatewayReport> {
    let loaded = super::super::load_config(g, &[])?;
    let api = a
        .target
        .clone()
        .unwrap_or_else(|| default_target(&loaded.config))
        .trim_end_matches('/')
        .to_string();
    let mut health = reqwest::Url::parse(&api).map_err(|e| {
        fail(
            Code::Usage,
            format!("--target {api:?} is not a URL ({e}); e.g. http://127.0.0.1:8080/api/v1"),
        )
    })?;
    health.set_path("/health");
    health.set_query(None);
    let players: Vec<(String, String)> = if let Some(t) = &a.token {
        (0..a.games)
            .map(|i| (format!("bench-{i}"), t.clone()))
            .collect()
    } else {
        let key = crate::services::credentials::user_sign_key(&loaded.config, &g.state_dir, true)?;
        let iss = &loaded.config.gateway.auth.issuer;
        (0..a.games)
            .map(|i| {
                let sub = format!("bench-{i}");
                let claims = crate::auth::new_claims(
                    iss,
                    &crate::auth::AUDIENCES,
                    &sub,
                    crate::auth::Role::Player,
                    crate::auth::now_secs(),
                    86_400,
                );
                Ok((sub, crate::auth::sign(&key, &claims)?))
            })
            .collect::<anyhow::Result<_>>()?
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // Table money comes from the wallet: a cashier's work, done here with
    // an admin token (the given one, else minted from the secret).
    let funder = match &a.token {
        Some(t) => t.clone(),
        None => super::super::gateway_client::admin_token(g, &loaded.config, "bench", 86_400)?,
    };
    let bankroll = loaded.config.game_engine.table_bankroll;
    // Straight to the configured wallet: --target may be an engine.
    let wallet = loaded
        .config
        .wallet_addrs()
        .first()
        .map(|a| crate::tls::transport().base(a))
        .unwrap_or_default();
    rt.block_on(run(
        g,
        a,
        api,
        health.to_string(),
        players,
        (funder, bankroll, wallet),
    ))
}

async fn setup_games(
    http: &reqwest::Client,
    api: &str,
    players: &[(String, String)],
) -> anyhow::Result<Vec<(String, usize)>> {
    let mut games = Vec::with_capacity(players.len());
    for (i, (pid, token)) in players.iter().enumerate() {
        let r = http
            .post(format!("{api}/games"))
            .bearer_auth(token)
            .json(&new_game(pid))
            .send()
            .await
            .map_err(|e| fail(Code::Unavailable, format!("creating a game at {api}: {e}")))?;
        let status = r.status();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        if status.as_u16() != 201 {
            let code = match status.as_u16() {
                401 | 403 => Code::Auth,
                _ => Code::Error,
            };
            let hint = match code {
                Code::Auth => {
                    " (a --token or BITCRAPS_TOKEN must be an admin's: players are named bench-N)"
                }
                _ => "",
            };
            return Err(fail(
                code,
                format!(
                    "creating a game at {api} answered {status}: {}{hint}",
                    v["detail"].as_str().unwrap_or("")
                ),
            ));
        }
        let id = v["id"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("the new game at {api} has no id: {v}"))?;
        games.push((id.to_string(), i));
    }
    Ok(games)
}

async fn run(
    g: &GlobalArgs,
    a: &GatewayBench,
    api: String,
    health: String,
    players: Vec<(String, String)>,
    (funder, bankroll, wallet): (String, u64, String),
) -> anyhow::Result<GatewayReport> {
    let http = crate::tls::transport()
        .reqwest(
            crate::tls::Expect::AnyService,
            reqwest::Client::builder()
                .pool_max_idle_per_host(usize::try_from(a.concurrency).unwrap_or(16))
                .timeout(Duration::from_secs(30)),
        )
        .build()?;
    if http.get(&health).send().await.is_err() {
        return Err(fail(
            Code::Unavailable,
            format!(
                "nothing answers at {health}; start the system with `bitcraps up -d --wait` or check --target"
            ),
        ));
    }
    if a.mix.needs_games() || a.mix.weight(Op::List) > 0 || a.mix.weight(Op::Create) > 0 {
        // Each player sits at one table at a time plus creates (then
        // leaves) others; the house backs every open table.
        let run = format!("bench{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let mut deposits: Vec<(String, u64)> = players
            .iter()
            .map(|(p, _)| (format!("player:{p}"), 1_000_000_000))
            .collect();
        deposits.push((
            "house".into(),
            bankroll.saturating_mul(players.len() as u64 + 4 * a.concurrency + 64),
        ));
        super::wallet::fund(&http, &wallet, &funder, &run, &deposits)
            .await
            .map_err(|e| fail(Code::Unavailable, format!("{e:#}")))?;
    }
    let games = if a.mix.needs_games() || a.mix.weight(Op::List) > 0 {
        setup_games(&http, &api, &players).await?
    } else {
        Vec::new()
    };
    let plan = Arc::new(Plan {
        http,
        api: api.clone(),
        health,
        mix: a.mix.clone(),
        players,
        games,
    });
    let stats = Arc::new(Mutex::new(Stats {
        all: histogram(),
        by_op: BTreeMap::new(),
        errors: BTreeMap::new(),
        requests: 0,
        max_lag: Duration::ZERO,
    }));
    let pb = super::bar(g, a.duration.as_secs().max(1), "sending (seconds)");
    let ticker = {
        let pb = pb.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                pb.inc(1);
            }
        })
    };
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    if let Some(rate) = a.rate {
        let l = OpenLoop { rate };
        let slots = Arc::new(tokio::sync::Semaphore::new(
            usize::try_from(a.concurrency).unwrap_or(16),
        ));
        for i in 0..l.total(a.duration) {
            let due = start + l.due_at(i);
            tokio::time::sleep_until(due).await;
            let lag = Instant::now() - due;
            if let Ok(mut s) = stats.lock() {
                s.max_lag = s.max_lag.max(lag);
            }
            let (plan, stats, slots) = (plan.clone(), stats.clone(), slots.clone());
            tasks.spawn(async move {
                // Waiting for a slot is part of the latency: it is
                // measured from `due`, not from the send.
                let Ok(_slot) = slots.acquire_owned().await else {
                    return;
                };
                plan.send(i, due, &stats).await;
            });
        }
    } else {
        let deadline = start + a.duration;
        let next = Arc::new(AtomicU64::new(0));
        for _ in 0..a.concurrency {
            let (plan, stats, next) = (plan.clone(), stats.clone(), next.clone());
            tasks.spawn(async move {
                while Instant::now() < deadline {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    plan.send(n, Instant::now(), &stats).await;
                }
            });
        }
    }
    while let Some(r) = tasks.join_next().await {
        r?;
    }
    ticker.abort();
    pb.finish_and_clear();
    let seconds = start.elapsed().as_secs_f64();
    let owned = plan
        .games
        .iter()
        .map(|(id, p)| {
            let (pid, token) = &plan.players[*p];
            (id.clone(), pid.clone(), token.clone())
        })
        .collect();
    super::leave_games(&plan.http, &plan.api, owned, 16).await;
    let s = stats
        .lock()
        .map_err(|_| anyhow::anyhow!("a load task panicked"))?;
    let errors: u64 = s.errors.values().sum();
    let all = latency_ms(&s.all);
    let thresholds = Thresholds {
        max_p95: a.max_p95,
        max_error_rate: a.max_error_rate,
        min_requests: 1,
    };
    let violations = thresholds.violations(&Outcome {
        requests: s.requests,
        errors,
        p95: Duration::from_micros(s.all.value_at_quantile(0.95)),
    });
    let mix = Op::ALL
        .iter()
        .filter(|o| a.mix.weight(**o) > 0)
        .map(|o| format!("{o}={}", a.mix.weight(*o)))
        .collect::<Vec<_>>()
        .join(",");
    Ok(GatewayReport {
        target: api,
        mode: if a.rate.is_some() { "open" } else { "closed" },
        rate: a.rate,
        concurrency: a.concurrency,
        mix,
        games: a.games,
        duration_seconds: a.duration.as_secs_f64(),
        seconds,
        requests: s.requests,
        errors,
        errors_by_status: s.errors.clone(),
        requests_per_second: s.requests as f64 / seconds.max(1e-9),
        latency_ms: all,
        by_op: s
            .by_op
            .iter()
            .map(|(k, v)| {
                (
                    *k,
                    OpReport {
                        requests: v.requests,
                        errors: v.errors,
                        latency_ms: latency_ms(v.hist.as_ref().unwrap_or(&s.all)),
                    },
                )
            })
            .collect(),
        max_send_lag_ms: a.rate.map(|_| s.max_lag.as_secs_f64() * 1000.0),
        thresholds: ThresholdReport {
            max_p95_ms: a.max_p95.map(|d| d.as_secs_f64() * 1000.0),
            max_error_rate: a.max_error_rate,
            passed: violations.is_empty(),
            violations,
        },
    })
}
