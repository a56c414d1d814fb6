//! `bitcraps bench consensus`: commit latency and throughput of the
//! validators (proposers waiting for their commits), and optionally the gap
//! in commits when the leader is killed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use serde::Serialize;
use serde_json::json;

use super::super::GlobalArgs;
use super::super::exit::{Code, fail};
use super::{Percentiles, bar, percentile};

#[derive(Debug, Args)]
pub struct ConsensusBench {
    /// Concurrent proposers (each waits for its commit, then proposes again).
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// How long to run.
    #[arg(long, default_value = "10s", value_parser = super::super::output::parse_timeout)]
    pub duration: Duration,
    /// Halfway through, kill -9 the current leader (needs `bitcraps up` on
    /// this state dir) and report how long commits stopped.
    #[arg(long)]
    pub kill_leader: bool,
}

#[derive(Debug, Serialize)]
pub struct ConsensusReport {
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

pub fn consensus_report(g: &GlobalArgs, a: &ConsensusBench) -> anyhow::Result<ConsensusReport> {
    let loaded = super::super::load_config(g, &[])?;
    let addrs = loaded.config.validator_addrs();
    let token = super::super::gateway_client::admin_token(g, &loaded.config, "bench", 86_400)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let state_dir = g.state_dir.clone();
    rt.block_on(consensus_load(g, a, addrs, token, state_dir))
}

pub fn consensus_lines(report: &ConsensusReport) -> Vec<String> {
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
    let http = crate::tls::transport()
        .reqwest(
            crate::tls::Expect::AnyService,
            reqwest::Client::builder()
                .pool_max_idle_per_host(a.concurrency.max(1))
                .timeout(Duration::from_secs(30)),
        )
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
                    .post(format!(
                        "{}/propose?wait=true",
                        crate::tls::transport().base(addr)
                    ))
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
            .get(format!("{}/status", crate::tls::transport().base(addrs[0])))
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
        let st = super::super::ps::query(&state)?.ok_or_else(|| {
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
