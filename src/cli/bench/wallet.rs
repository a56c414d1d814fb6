//! `bitcraps bench wallet`: transfers per second and latency through the
//! wallet's HTTP API. Deposits into `--accounts` fresh player accounts
//! first, then moves 1 chip between random pairs of them — closed loop
//! from `--concurrency` workers, or open loop at `--rate` (latency charged
//! from each request's due time). Every transfer is durable before it is
//! answered, so this measures the whole path: HTTP, auth, the batching
//! writer and the store's commit.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Args;
use serde::Serialize;
use serde_json::{Value, json};

use super::super::GlobalArgs;
use super::super::exit::{Code, fail};
use super::schedule::OpenLoop;
use super::{Percentiles, bar};

#[derive(Debug, Args)]
pub struct WalletBench {
    /// Wallet address (default: the configured `wallet.addr`).
    #[arg(long)]
    pub addr: Option<SocketAddr>,
    /// Player accounts the transfers move between.
    #[arg(long, default_value_t = 1_000)]
    pub accounts: usize,
    /// Concurrent workers (connections) in the closed loop; the most
    /// requests in flight in the open loop is 64 times this.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Open loop: transfers per second (default: closed loop).
    #[arg(long)]
    pub rate: Option<u64>,
    #[arg(long, default_value = "10s", value_parser = super::super::output::parse_timeout)]
    pub duration: Duration,
}

#[derive(Debug, Serialize)]
pub struct WalletReport {
    pub wallet: String,
    pub mode: String,
    pub accounts: usize,
    pub concurrency: usize,
    pub rate: Option<u64>,
    pub seconds: f64,
    pub transfers: u64,
    pub errors: u64,
    pub transfers_per_second: f64,
    pub latency_ms: Percentiles,
    /// Wallet process CPU seconds per 1,000 transfers (same machine only).
    pub cpu_ms_per_transfer: Option<f64>,
}

/// Deposits `amount` into each account (`issuance` → account) in linked
/// batches of up to 256, with ids unique to `run`. Needs a cashier or
/// admin token. Used by the engine and gateway benches to fund players
/// and the house before they open tables.
pub async fn fund(
    http: &reqwest::Client,
    wallet: &str,
    token: &str,
    run: &str,
    deposits: &[(String, u64)],
) -> anyhow::Result<()> {
    for (k, chunk) in deposits.chunks(256).enumerate() {
        let batch: Vec<Value> = chunk
            .iter()
            .enumerate()
            .map(|(i, (account, amount))| {
                json!({"id": format!("{run}.fund.{k}.{i}"), "debit": "issuance", "credit": account, "amount": amount})
            })
            .collect();
        let r = http
            .post(format!("{wallet}/transfers"))
            .bearer_auth(token)
            .json(&batch)
            .send()
            .await?;
        if !r.status().is_success() {
            let status = r.status();
            let text = r.text().await.unwrap_or_default();
            anyhow::bail!("funding accounts in the wallet answered {status}: {text}");
        }
    }
    Ok(())
}

fn cpu_seconds_of_listener(addr: SocketAddr) -> Option<f64> {
    let holder = crate::ports::holder(addr.port())?;
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", holder.pid)).ok()?;
    // Fields after the command's closing parenthesis: utime is the 12th, stime the 13th.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

pub fn wallet_report(g: &GlobalArgs, a: &WalletBench) -> anyhow::Result<WalletReport> {
    let loaded = super::super::load_config(g, &[])?;
    let addr = a.addr.unwrap_or(loaded.config.wallet.addr);
    let token = super::super::gateway_client::admin_token(g, &loaded.config, "bench", 86_400)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(load(g, a, addr, token))
}

pub fn wallet_lines(r: &WalletReport) -> Vec<String> {
    let mut lines = vec![format!(
        "wallet {} ({}): {} transfers in {:.1}s between {} accounts: {:.0} transfers/s, {} errors",
        r.wallet, r.mode, r.transfers, r.seconds, r.accounts, r.transfers_per_second, r.errors
    )];
    lines.push(format!(
        "latency ms: p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}",
        r.latency_ms.p50, r.latency_ms.p90, r.latency_ms.p99, r.latency_ms.max
    ));
    if let Some(c) = r.cpu_ms_per_transfer {
        lines.push(format!("wallet CPU {c:.3} ms per transfer"));
    }
    lines
}

struct Shared {
    http: reqwest::Client,
    base: String,
    token: String,
    run: String,
    accounts: usize,
    ok: AtomicU64,
    errors: AtomicU64,
    seq: AtomicU64,
}

impl Shared {
    /// One transfer of 1 chip between two pseudo-random accounts.
    async fn transfer(&self) -> bool {
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (n >> 7);
        x ^= x >> 31;
        let a = (x % self.accounts as u64) as usize;
        let b = (a + 1 + ((x >> 20) % (self.accounts as u64 - 1)) as usize) % self.accounts;
        let body = json!({
            "id": format!("{}.{n}", self.run),
            "debit": format!("player:{}-{a}", self.run),
            "credit": format!("player:{}-{b}", self.run),
            "amount": 1,
        });
        let ok = matches!(
            self.http
                .post(format!("{}/transfers", self.base))
                .bearer_auth(&self.token)
                .json(&body)
                .send()
                .await,
            Ok(r) if r.status().as_u16() == 201
        );
        if ok {
            self.ok.fetch_add(1, Ordering::Relaxed);
        } else {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
        ok
    }
}

async fn load(
    g: &GlobalArgs,
    a: &WalletBench,
    addr: SocketAddr,
    token: String,
) -> anyhow::Result<WalletReport> {
    if a.accounts < 2 {
        return Err(fail(Code::Usage, "--accounts must be at least 2"));
    }
    let base = crate::tls::transport().base(addr);
    let http = crate::tls::transport()
        .reqwest(
            crate::tls::Expect::AnyService,
            reqwest::Client::builder()
                .pool_max_idle_per_host(a.concurrency.max(1) * 2)
                .timeout(Duration::from_secs(30)),
        )
        .build()?;
    if http.get(format!("{base}/health")).send().await.is_err() {
        return Err(fail(
            Code::Unavailable,
            format!(
                "no wallet answers at {base} (start one with `bitcraps up` or `bitcraps serve wallet`)"
            ),
        ));
    }
    let run = format!("bench{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let deposits: Vec<(String, u64)> = (0..a.accounts)
        .map(|i| (format!("player:{run}-{i}"), 1_000_000_000))
        .collect();
    fund(&http, &base, &token, &run, &deposits).await?;
    let shared = Arc::new(Shared {
        http,
        base,
        token,
        run,
        accounts: a.accounts,
        ok: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        seq: AtomicU64::new(0),
    });
    let cpu_before = cpu_seconds_of_listener(addr);
    let pb = bar(g, a.duration.as_secs(), "transferring");
    let started = Instant::now();
    let mut latencies: Vec<f64> = Vec::new();
    match a.rate {
        None => {
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..a.concurrency.max(1) {
                let s = shared.clone();
                let end = started + a.duration;
                tasks.spawn(async move {
                    let mut lat = Vec::new();
                    while Instant::now() < end {
                        let t = Instant::now();
                        if s.transfer().await {
                            lat.push(t.elapsed().as_secs_f64() * 1000.0);
                        }
                    }
                    lat
                });
            }
            let ticker = tick_progress(&pb, started, a.duration);
            while let Some(r) = tasks.join_next().await {
                latencies.extend(r?);
            }
            ticker.abort();
        }
        Some(rate) => {
            let plan = OpenLoop { rate: rate.max(1) };
            let total = plan.total(a.duration);
            let limit = Arc::new(tokio::sync::Semaphore::new(a.concurrency.max(1) * 64));
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<f64>();
            let ticker = tick_progress(&pb, started, a.duration);
            for i in 0..total {
                let due = started + plan.due_at(i);
                tokio::time::sleep_until(due.into()).await;
                let permit = limit.clone().acquire_owned().await?;
                let (s, tx) = (shared.clone(), tx.clone());
                tokio::spawn(async move {
                    if s.transfer().await {
                        let _ = tx.send(plan.latency(i, started.elapsed()).as_secs_f64() * 1000.0);
                    }
                    drop(permit);
                });
            }
            drop(tx);
            while let Some(l) = rx.recv().await {
                latencies.push(l);
            }
            ticker.abort();
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    pb.finish_and_clear();
    let transfers = shared.ok.load(Ordering::Relaxed);
    let cpu = cpu_before
        .zip(cpu_seconds_of_listener(addr))
        .filter(|_| transfers > 0)
        .map(|(b, a)| (a - b) * 1000.0 / transfers as f64);
    latencies.sort_by(f64::total_cmp);
    Ok(WalletReport {
        wallet: addr.to_string(),
        mode: match a.rate {
            Some(r) => format!("open loop at {r}/s"),
            None => format!("closed loop, {} workers", a.concurrency),
        },
        accounts: a.accounts,
        concurrency: a.concurrency,
        rate: a.rate,
        seconds,
        transfers,
        errors: shared.errors.load(Ordering::Relaxed),
        transfers_per_second: transfers as f64 / seconds.max(1e-9),
        latency_ms: Percentiles {
            p50: super::percentile(&latencies, 50.0),
            p90: super::percentile(&latencies, 90.0),
            p99: super::percentile(&latencies, 99.0),
            max: latencies.last().copied().unwrap_or(0.0),
        },
        cpu_ms_per_transfer: cpu,
    })
}

fn tick_progress(
    pb: &indicatif::ProgressBar,
    started: Instant,
    duration: Duration,
) -> tokio::task::JoinHandle<()> {
    let pb = pb.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            pb.set_position(started.elapsed().as_secs().min(duration.as_secs()));
        }
    })
}
