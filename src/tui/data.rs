//! What the dashboard reads, and the collector that reads it off the UI
//! thread: the supervisor's control socket, `/proc` for each service's pid,
//! and the services' HTTP APIs, each request with a short timeout. Every
//! source keeps its own error, so one service down never hides the others.
//!
//! The response types are the dashboard's own, lenient copies of the
//! services' JSON (unknown fields ignored, missing ones defaulted), so a
//! newer or older service still shows what it has.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::procfs::{self, ProcSample};
use super::prom::Scrape;
use crate::supervisor::StateDir;
use crate::supervisor::control::{ServiceStatus, Status};
use crate::supervisor::plan::ServiceKind;

/// One source's answer, or why there is none (`connection refused`, …).
pub type Fetched<T> = Result<T, String>;

/// One read of everything, stamped with a monotonic time in milliseconds.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub at_ms: u64,
    /// `Ok(None)`: no supervisor runs for this state dir.
    pub supervisor: Fetched<Option<Status>>,
    /// The services the other sources were read from (the supervisor's, or
    /// the configured addresses when no supervisor answers).
    pub endpoints: Vec<Endpoint>,
    /// CPU time and memory by pid.
    pub procs: BTreeMap<u32, ProcSample>,
    pub upstreams: Fetched<Vec<UpstreamGroup>>,
    pub games: Fetched<GameList>,
    /// The game being watched: its id and its state as the gateway shows it.
    pub game: Option<(String, Fetched<Value>)>,
    /// Consensus status through the gateway.
    pub consensus: Fetched<ConsensusStatus>,
    /// Each validator's own `/status`, by service name.
    pub validators: BTreeMap<String, Fetched<ConsensusStatus>>,
    pub evidence: Fetched<Vec<Value>>,
    /// `/metrics` of every service, by service name.
    pub scrapes: BTreeMap<String, Fetched<Scrape>>,
    /// The wallet's `/summary` through the gateway.
    pub wallet: Fetched<WalletSummary>,
    /// The wallet's most recent transfers, oldest first.
    pub wallet_transfers: Fetched<Vec<WalletTransfer>>,
    /// The first [`ACCOUNTS_SHOWN`] accounts by id, with their balances.
    pub wallet_accounts: Fetched<WalletAccounts>,
    /// The last audit read (at most every `AUDIT_EVERY_MS`); `None` before
    /// the first.
    pub wallet_audit: Option<Audited>,
    /// The wall clock (ms since the epoch) at this reading: the wallet's
    /// timestamps are wall-clock, `at_ms` is not.
    pub wall_ms: u64,
}

impl Snapshot {
    /// A snapshot with every source unanswered (for tests and the first frame).
    pub fn empty(at_ms: u64) -> Snapshot {
        fn none<T>() -> Fetched<T> {
            Err("not read yet".to_string())
        }
        Snapshot {
            at_ms,
            supervisor: Ok(None),
            endpoints: Vec::new(),
            procs: BTreeMap::new(),
            upstreams: none(),
            games: none(),
            game: None,
            consensus: none(),
            validators: BTreeMap::new(),
            evidence: none(),
            scrapes: BTreeMap::new(),
            wallet: none(),
            wallet_transfers: none(),
            wallet_accounts: none(),
            wallet_audit: None,
            wall_ms: 0,
        }
    }
}

/// Read the audit (which walks the whole log) at most this often.
pub const AUDIT_EVERY_MS: u64 = 10_000;
/// Transfers the Wallet panel lists.
pub const RECENT_TRANSFERS: u64 = 10;

/// Whether the audit last read at `last_ms` (monotonic) is due again.
pub fn audit_due(last_ms: Option<u64>, now_ms: u64) -> bool {
    last_ms.is_none_or(|t| now_ms.saturating_sub(t) >= AUDIT_EVERY_MS)
}

/// `GET /transfers?after=` for the last `n` transfers of a log whose head is `seq`.
pub fn recent_after(head_seq: u64, n: u64) -> u64 {
    head_seq.saturating_sub(n)
}

/// `GET /api/v1/wallet/summary`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct WalletSummary {
    pub head: WalletHead,
    pub issued: i128,
    pub house: i128,
    pub anchor: Option<WalletAnchor>,
    pub anchor_lag: u64,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct WalletHead {
    pub seq: u64,
    pub hash: String,
    pub timestamp_ms: u64,
}

/// The last head a quorum of validators committed.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct WalletAnchor {
    pub seq: u64,
    pub head_hash: String,
    pub height: u64,
    pub block_hash: String,
    pub at_ms: u64,
}

/// One transfer of `GET /api/v1/wallet/transfers`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct WalletTransfer {
    pub seq: u64,
    pub id: String,
    pub kind: String,
    pub debit: String,
    pub credit: String,
    pub amount: u64,
    pub timestamp_ms: u64,
}

/// How many accounts the Wallet panel reads (the first page, by id:
/// `house`, `issuance`, then players, then tables).
pub const ACCOUNTS_SHOWN: usize = 200;

/// One account of `GET /api/v1/wallet/accounts`, and a page of them
/// (`next_after` when the ledger holds more): the wallet's own types.
pub use crate::services::wallet::http::{
    AccountList as WalletAccounts, AccountView as WalletAccount,
};

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
struct TransferPage {
    transfers: Vec<WalletTransfer>,
}

/// `GET /api/v1/wallet/audit`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct WalletAudit {
    pub ok: bool,
    pub transfers: u64,
    pub accounts: u64,
    pub balance_sum: i128,
    pub pending_sum: i128,
    pub problems: Vec<String>,
}

/// An audit and when (monotonic ms) it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Audited {
    pub at_ms: u64,
    pub report: Fetched<WalletAudit>,
}

/// A service the dashboard reads from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub name: String,
    pub kind: ServiceKind,
    pub addr: SocketAddr,
}

/// `GET /admin/upstreams`: one upstream service.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct UpstreamGroup {
    pub service: String,
    pub instances: Vec<UpstreamInstance>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct UpstreamInstance {
    pub addr: String,
    pub health: String,
    pub last_error: Option<String>,
    pub in_flight: u64,
    pub breaker: String,
    /// Drained by an operator: the gateway sends it no new work.
    pub drained: bool,
    /// The breaker's latest changes, oldest first.
    pub breaker_transitions: Vec<BreakerChange>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct BreakerChange {
    /// Wall clock, ms since the epoch.
    pub at_ms: u64,
    pub state: String,
}

/// `GET /api/v1/games`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct GameList {
    pub games: Vec<GameSummary>,
    pub total: u64,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct GameSummary {
    pub id: String,
    pub game_type: String,
    pub status: String,
    pub players: Vec<String>,
    pub version: u64,
    pub created_at_ms: u64,
    pub updated_at_ms: u64,
}

/// A validator's `GET /status` (also through the gateway).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct ConsensusStatus {
    /// `pbft` today; `tendermint`, `hotstuff` later.
    pub algorithm: String,
    pub chain_id: String,
    pub epoch: Option<u64>,
    /// The answering validator's index.
    pub validator: Option<u32>,
    pub height: u64,
    pub view: u64,
    /// Tendermint-style name of the view, when a protocol reports one.
    pub round: Option<u64>,
    pub leader: Option<u32>,
    pub leader_id: Option<String>,
    pub pending: u64,
    pub evidence_count: Option<u64>,
    /// A later name of `evidence_count`.
    pub evidence: Option<u64>,
    pub validators: Vec<ValidatorEntry>,
}

impl ConsensusStatus {
    pub fn evidence_total(&self) -> Option<u64> {
        self.evidence_count.or(self.evidence)
    }
}

/// One member as a validator sees it.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct ValidatorEntry {
    pub index: u32,
    pub id: String,
    pub power: u64,
    pub is_self: bool,
    pub last_vote: Option<LastVote>,
    pub last_seen_ms_ago: Option<u64>,
    pub rejected: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct LastVote {
    pub height: u64,
    pub view: u64,
    pub phase: Value,
}

/// Where and how to read.
#[derive(Debug, Clone)]
pub struct Sources {
    pub state_dir: PathBuf,
    /// Gateway base URL, `http://127.0.0.1:8080`.
    pub gateway: String,
    /// Bearer token for the gateway and the services (admin, for `/admin`).
    pub token: String,
    /// Per request.
    pub timeout: Duration,
    /// The configured services, read when no supervisor answers.
    pub configured: Vec<Endpoint>,
}

/// Reads every source once per `collect`.
pub struct Collector {
    sources: Sources,
    http: reqwest::blocking::Client,
    /// The last audit, reused until `audit_due`.
    audit: std::sync::Mutex<Option<Audited>>,
}

/// Milliseconds on a monotonic clock (the collector's stamps).
pub fn now_ms() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_millis() as u64
}

/// What the UI asks of the collector thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Read now instead of at the next tick.
    Refresh,
    /// Also read this game each time (`None`: no game).
    Watch(Option<String>),
}

impl Collector {
    pub fn new(sources: Sources) -> anyhow::Result<Collector> {
        let http = crate::tls::transport()
            .blocking(
                crate::tls::Expect::AnyService,
                reqwest::blocking::Client::builder()
                    .timeout(sources.timeout)
                    .connect_timeout(sources.timeout),
            )
            .build()?;
        Ok(Collector {
            sources,
            http,
            audit: std::sync::Mutex::new(None),
        })
    }

    /// Reads every source, in parallel, each bounded by the timeout.
    pub fn collect(&self, watch: Option<&str>) -> Snapshot {
        let supervisor = self.supervisor();
        let endpoints = match &supervisor {
            Ok(Some(status)) => endpoints_of(&status.services),
            _ => self.sources.configured.clone(),
        };
        let validator_names: Vec<Endpoint> = endpoints
            .iter()
            .filter(|e| e.kind == ServiceKind::Consensus)
            .cloned()
            .collect();
        let gw = &self.sources.gateway;
        std::thread::scope(|s| {
            let upstreams =
                s.spawn(|| self.json::<Vec<UpstreamGroup>>(&format!("{gw}/admin/upstreams")));
            let games = s.spawn(|| self.json::<GameList>(&format!("{gw}/api/v1/games?limit=100")));
            let game = watch.map(|id| {
                let url = format!("{gw}/api/v1/games/{id}");
                (id.to_string(), s.spawn(move || self.json::<Value>(&url)))
            });
            let consensus =
                s.spawn(|| self.json::<ConsensusStatus>(&format!("{gw}/api/v1/consensus/status")));
            let evidence = s.spawn(|| {
                self.json::<Value>(&format!("{gw}/api/v1/consensus/evidence"))
                    .map(|v| v["evidence"].as_array().cloned().unwrap_or_default())
            });
            let wallet = s.spawn(|| self.wallet());
            let last_audit = self.audit.lock().map(|a| a.clone()).unwrap_or(None);
            let audit = audit_due(last_audit.as_ref().map(|a| a.at_ms), now_ms()).then(|| {
                s.spawn(|| {
                    self.json::<WalletAudit>(&format!("{gw}/api/v1/wallet/audit"))
                        .map_err(|e| wallet_reason(&e))
                })
            });
            let validators: Vec<_> = validator_names
                .iter()
                .map(|e| {
                    let url = format!("{}/status", crate::tls::transport().base(e.addr));
                    (
                        e.name.clone(),
                        s.spawn(move || self.json::<ConsensusStatus>(&url)),
                    )
                })
                .collect();
            let scrapes: Vec<_> = endpoints
                .clone()
                .into_iter()
                .map(|e| {
                    let url = if e.kind == ServiceKind::Gateway {
                        format!("{gw}/metrics")
                    } else {
                        format!("{}/metrics", crate::tls::transport().base(e.addr))
                    };
                    (
                        e.name,
                        s.spawn(move || self.text(&url).map(|t| Scrape::parse(&t))),
                    )
                })
                .collect();
            let procs = match &supervisor {
                Ok(Some(status)) => status
                    .services
                    .iter()
                    .filter_map(|svc| svc.pid)
                    .filter_map(|pid| procfs::read(pid).map(|p| (pid, p)))
                    .collect(),
                _ => BTreeMap::new(),
            };
            let wallet_audit = match audit {
                Some(h) => {
                    let fresh = Audited {
                        at_ms: now_ms(),
                        report: joined(h),
                    };
                    if let Ok(mut cached) = self.audit.lock() {
                        *cached = Some(fresh.clone());
                    }
                    Some(fresh)
                }
                None => last_audit,
            };
            let (wallet, wallet_transfers, wallet_accounts) = wallet.join().unwrap_or_else(|_| {
                let e = "reader thread failed".to_string();
                (Err(e.clone()), Err(e.clone()), Err(e))
            });
            Snapshot {
                at_ms: now_ms(),
                supervisor,
                procs,
                upstreams: joined(upstreams),
                games: joined(games),
                game: game.map(|(id, h)| (id, joined(h))),
                consensus: joined(consensus),
                validators: validators
                    .into_iter()
                    .map(|(n, h)| (n, joined(h)))
                    .collect(),
                evidence: joined(evidence),
                scrapes: scrapes.into_iter().map(|(n, h)| (n, joined(h))).collect(),
                endpoints,
                wallet,
                wallet_transfers,
                wallet_accounts,
                wallet_audit,
                wall_ms: crate::clock::unix_ms(),
            }
        })
    }

    /// The wallet's summary, then the transfers up to its head and the
    /// first accounts.
    fn wallet(
        &self,
    ) -> (
        Fetched<WalletSummary>,
        Fetched<Vec<WalletTransfer>>,
        Fetched<WalletAccounts>,
    ) {
        let gw = &self.sources.gateway;
        let summary = self
            .json::<WalletSummary>(&format!("{gw}/api/v1/wallet/summary"))
            .map_err(|e| wallet_reason(&e));
        let transfers = match &summary {
            Ok(sum) => self
                .json::<TransferPage>(&format!(
                    "{gw}/api/v1/wallet/transfers?after={}&limit={RECENT_TRANSFERS}",
                    recent_after(sum.head.seq, RECENT_TRANSFERS)
                ))
                .map(|p| p.transfers)
                .map_err(|e| wallet_reason(&e)),
            Err(e) => Err(e.clone()),
        };
        let accounts = match &summary {
            Ok(_) => self
                .json::<WalletAccounts>(&format!(
                    "{gw}/api/v1/wallet/accounts?limit={ACCOUNTS_SHOWN}"
                ))
                .map_err(|e| wallet_reason(&e)),
            Err(e) => Err(e.clone()),
        };
        (summary, transfers, accounts)
    }

    fn supervisor(&self) -> Fetched<Option<Status>> {
        let Some(state) = StateDir::existing(&self.sources.state_dir) else {
            return Ok(None);
        };
        crate::cli::ps::query(&state).map_err(|e| e.to_string())
    }

    fn get(&self, url: &str) -> Fetched<reqwest::blocking::Response> {
        let resp = self
            .http
            .get(url)
            .bearer_auth(&self.sources.token)
            .send()
            .map_err(|e| describe(&e, self.sources.timeout))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let detail = resp
            .json::<Value>()
            .ok()
            .and_then(|v| v["detail"].as_str().map(str::to_string))
            .unwrap_or_default();
        Err(format!("HTTP {} {detail}", status.as_u16())
            .trim_end()
            .to_string())
    }

    fn json<T: DeserializeOwned>(&self, url: &str) -> Fetched<T> {
        self.get(url)?
            .json::<T>()
            .map_err(|e| format!("unexpected answer: {e}"))
    }

    fn text(&self, url: &str) -> Fetched<String> {
        self.get(url)?
            .text()
            .map_err(|e| describe(&e, self.sources.timeout))
    }
}

fn joined<T>(h: std::thread::ScopedJoinHandle<'_, Fetched<T>>) -> Fetched<T> {
    h.join()
        .unwrap_or_else(|_| Err("reader thread failed".to_string()))
}

/// A wallet error a user can act on: a refused token says which roles read it.
pub fn wallet_reason(e: &str) -> String {
    if let Some(code) = ["HTTP 401", "HTTP 403"]
        .into_iter()
        .find(|c| e.starts_with(c))
    {
        format!("{code}: needs a cashier or admin token")
    } else {
        e.to_string()
    }
}

/// A short reason for a failed request: what a user needs to see in a cell.
fn describe(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        format!("no answer within {}", humantime::format_duration(timeout))
    } else if e.is_connect() {
        "down (cannot connect)".to_string()
    } else if e.is_decode() || e.is_body() {
        "answer cut off".to_string()
    } else {
        e.to_string()
    }
}

/// Where to reach each supervised service (a wildcard bind is reached on
/// loopback).
pub fn endpoints_of(services: &[ServiceStatus]) -> Vec<Endpoint> {
    services
        .iter()
        .filter_map(|s| {
            let mut addr: SocketAddr = s.address.parse().ok()?;
            if addr.ip().is_unspecified() {
                addr.set_ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
            }
            Some(Endpoint {
                name: s.name.clone(),
                kind: s.kind,
                addr,
            })
        })
        .collect()
}

/// The configured services: `gateway`, `engine-N`, `validator-N`, `wallet`.
pub fn configured_endpoints(cfg: &crate::config::Config) -> Vec<Endpoint> {
    let loopback = |mut a: SocketAddr| {
        if a.ip().is_unspecified() {
            a.set_ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
        }
        a
    };
    let mut v = vec![Endpoint {
        name: "gateway".into(),
        kind: ServiceKind::Gateway,
        addr: loopback(cfg.gateway.listen_addr),
    }];
    for (i, a) in cfg.engine_addrs().into_iter().enumerate() {
        v.push(Endpoint {
            name: format!("engine-{i}"),
            kind: ServiceKind::Engine,
            addr: loopback(a),
        });
    }
    for (i, a) in cfg.validator_addrs().into_iter().enumerate() {
        v.push(Endpoint {
            name: format!("validator-{i}"),
            kind: ServiceKind::Consensus,
            addr: loopback(a),
        });
    }
    let wallets = cfg.wallet_addrs();
    for (i, a) in wallets.iter().enumerate() {
        v.push(Endpoint {
            name: crate::config::wallet_name(i as u16, wallets.len()),
            kind: ServiceKind::Wallet,
            addr: loopback(*a),
        });
    }
    v
}

/// Runs `collector` on its own thread: a snapshot at once, then one every
/// `refresh` or on `Command::Refresh`. The thread ends when either channel's
/// other side is dropped.
pub fn spawn(
    collector: Collector,
    refresh: Duration,
) -> (mpsc::Sender<Command>, mpsc::Receiver<Snapshot>) {
    let (cmd_tx, cmd_rx) = mpsc::channel::<Command>();
    let (snap_tx, snap_rx) = mpsc::sync_channel::<Snapshot>(1);
    std::thread::spawn(move || {
        let mut watch: Option<String> = None;
        loop {
            let snap = collector.collect(watch.as_deref());
            if snap_tx.send(snap).is_err() {
                return;
            }
            match cmd_rx.recv_timeout(refresh) {
                Ok(Command::Refresh) | Err(mpsc::RecvTimeoutError::Timeout) => {}
                Ok(Command::Watch(w)) => watch = w,
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
            // Several commands may have queued while reading: apply them all.
            while let Ok(c) = cmd_rx.try_recv() {
                if let Command::Watch(w) = c {
                    watch = w;
                }
            }
        }
    });
    (cmd_tx, snap_rx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn status_tolerates_new_and_missing_fields() {
        let s: ConsensusStatus = serde_json::from_value(json!({
            "algorithm": "tendermint", "height": 9, "round": 2, "evidence": 3,
            "some_future_field": {"x": 1},
            "validators": [{"index": 1, "id": "v1", "last_vote": {"height": 8, "view": 0, "phase": "precommit"}}]
        }))
        .unwrap();
        assert_eq!(s.algorithm, "tendermint");
        assert_eq!(s.round, Some(2));
        assert_eq!(s.evidence_total(), Some(3));
        assert_eq!(s.epoch, None);
        assert_eq!(
            s.validators[0].last_vote.as_ref().unwrap().phase,
            "precommit"
        );
        let old: ConsensusStatus = serde_json::from_value(json!({"evidence_count": 1})).unwrap();
        assert_eq!(old.evidence_total(), Some(1));
    }

    #[test]
    fn the_audit_is_read_at_most_every_ten_seconds() {
        assert!(audit_due(None, 0), "the first reading audits");
        assert!(!audit_due(Some(1_000), 1_000));
        assert!(!audit_due(Some(1_000), 10_999));
        assert!(audit_due(Some(1_000), 11_000));
        assert!(!audit_due(Some(5_000), 1_000), "a clock going back waits");
    }

    #[test]
    fn recent_transfers_start_after_head_minus_n() {
        assert_eq!(recent_after(1234, 10), 1224);
        assert_eq!(recent_after(4, 10), 0, "a short log is read whole");
    }

    #[test]
    fn wallet_answers_parse_and_refusals_say_why() {
        let s: WalletSummary = serde_json::from_value(json!({
            "head": {"seq": 7, "hash": "ab", "timestamp_ms": 5},
            "issued": 1000, "house": -20, "anchor_lag": 7
        }))
        .unwrap();
        assert_eq!(
            (s.head.seq, s.issued, s.house, s.anchor),
            (7, 1000, -20, None)
        );
        let p: TransferPage = serde_json::from_value(json!({"transfers": [
            {"seq": 7, "id": "t", "kind": "pending", "debit": "player:a", "credit": "table:g",
             "amount": 5, "timestamp_ms": 9, "prev_hash": "00", "hash": "ab", "fingerprint": ""}
        ], "next_after": null}))
        .unwrap();
        assert_eq!(p.transfers[0].kind, "pending");
        assert_eq!(
            wallet_reason("HTTP 403 the full log is for cashiers"),
            "HTTP 403: needs a cashier or admin token"
        );
        assert_eq!(
            wallet_reason("down (cannot connect)"),
            "down (cannot connect)"
        );
    }

    #[test]
    fn configured_endpoints_name_every_service() {
        let cfg = crate::config::Config::defaults().unwrap();
        let names: Vec<String> = configured_endpoints(&cfg)
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(
            names,
            [
                "gateway",
                "engine-0",
                "validator-0",
                "validator-1",
                "validator-2",
                "validator-3",
                "wallet"
            ]
        );
    }

    #[test]
    fn wildcard_binds_are_reached_on_loopback() {
        let svc: ServiceStatus = serde_json::from_value(json!({
            "name": "gateway", "kind": "gateway", "address": "0.0.0.0:8080", "pid": 1,
            "state": "running", "health": "ready", "uptime_seconds": 1.0, "restarts": 0,
            "last_exit": null, "next_start_in_ms": null
        }))
        .unwrap();
        let e = endpoints_of(&[svc]);
        assert_eq!(e[0].addr.to_string(), "127.0.0.1:8080");
    }
}
