//! Fixed data for the state and panel tests: a system of one gateway, two
//! engines, the wallet and four validators, with validator-3 crashed for
//! good, and the same system with nothing reachable.

use std::collections::BTreeMap;

use serde_json::json;

use super::app::App;
use super::data::{
    Audited, ConsensusStatus, Endpoint, Fetched, GameList, GameSummary, LastVote, Snapshot,
    UpstreamGroup, UpstreamInstance, ValidatorEntry, WalletAccount, WalletAccounts, WalletAnchor,
    WalletAudit, WalletHead, WalletSummary, WalletTransfer,
};
use super::procfs::ProcSample;
use super::prom::Scrape;
use crate::supervisor::control::{
    ConfigOrigin, Exit, Health, Phase, ProcState, ServiceStatus, Setting, Status,
};
use crate::supervisor::plan::ServiceKind;

fn service(name: &str, kind: ServiceKind, port: u16, pid: Option<u32>) -> ServiceStatus {
    ServiceStatus {
        name: name.into(),
        kind,
        address: format!("127.0.0.1:{port}"),
        pid,
        state: ProcState::Running,
        health: Health::Ready,
        uptime_seconds: Some(754.2),
        restarts: 0,
        last_exit: None,
        exits: Vec::new(),
        next_start_in_ms: None,
    }
}

fn endpoints() -> Vec<Endpoint> {
    let mut v = vec![Endpoint {
        name: "gateway".into(),
        kind: ServiceKind::Gateway,
        addr: "127.0.0.1:8080".parse().expect("address"),
    }];
    for i in 0..2u16 {
        v.push(Endpoint {
            name: format!("engine-{i}"),
            kind: ServiceKind::Engine,
            addr: format!("127.0.0.1:{}", 8081 + i).parse().expect("address"),
        });
    }
    v.push(Endpoint {
        name: "wallet".into(),
        kind: ServiceKind::Wallet,
        addr: "127.0.0.1:8090".parse().expect("address"),
    });
    for i in 0..4u16 {
        v.push(Endpoint {
            name: format!("validator-{i}"),
            kind: ServiceKind::Consensus,
            addr: format!("127.0.0.1:{}", 8083 + i).parse().expect("address"),
        });
    }
    v
}

fn supervisor() -> Status {
    let mut services = vec![
        service("gateway", ServiceKind::Gateway, 8080, Some(1100)),
        service("engine-0", ServiceKind::Engine, 8081, Some(1101)),
        service("engine-1", ServiceKind::Engine, 8082, Some(1102)),
        service("wallet", ServiceKind::Wallet, 8090, Some(1107)),
    ];
    for i in 0..4u16 {
        services.push(service(
            &format!("validator-{i}"),
            ServiceKind::Consensus,
            8083 + i,
            Some(1103 + u32::from(i)),
        ));
    }
    services[1].exits = vec![Exit {
        at_ms: WALL_BASE - 3_600_000,
        why: "killed by SIGTERM".into(),
        ran_seconds: 86.0,
        requested: true,
    }];
    services[2].restarts = 2;
    services[2].uptime_seconds = Some(31.0);
    services[2].last_exit = Some("exited with status 101".into());
    services[2].exits = vec![
        Exit {
            at_ms: WALL_BASE - 95_000,
            why: "killed by SIGKILL".into(),
            ran_seconds: 620.0,
            requested: false,
        },
        Exit {
            at_ms: WALL_BASE - 31_500,
            why: "exited with status 101".into(),
            ran_seconds: 63.0,
            requested: false,
        },
    ];
    let v3 = &mut services[7];
    v3.pid = None;
    v3.state = ProcState::Failed;
    v3.health = Health::Down;
    v3.uptime_seconds = None;
    v3.restarts = 10;
    v3.last_exit = Some("killed by SIGKILL".into());
    Status {
        supervisor_pid: 1000,
        state_dir: "/home/op/.bitcraps".into(),
        phase: Phase::Running,
        uptime_seconds: 780.0,
        services,
        config: ConfigOrigin {
            file: Some("/home/op/bitcraps.toml".into()),
            settings: vec![
                Setting {
                    key: "game_engine.max_concurrent_games".into(),
                    value: "5000".into(),
                    source: "file /home/op/bitcraps.toml".into(),
                },
                Setting {
                    key: "game_engine.turn_timeout".into(),
                    value: "45s".into(),
                    source: "env TURN_TIMEOUT".into(),
                },
                Setting {
                    key: "consensus.algorithm".into(),
                    value: "hotstuff".into(),
                    source: "flag --algorithm".into(),
                },
            ],
        },
    }
}

fn game(id: &str, game_type: &str, status: &str, players: &[&str], version: u64) -> GameSummary {
    GameSummary {
        id: id.into(),
        game_type: game_type.into(),
        status: status.into(),
        players: players.iter().map(|p| p.to_string()).collect(),
        version,
        created_at_ms: 1_700_000_000_000,
        updated_at_ms: 1_700_000_060_000,
    }
}

fn consensus(t: u64, validator: u32) -> ConsensusStatus {
    ConsensusStatus {
        algorithm: "pbft".into(),
        chain_id: "bitcraps-dev".into(),
        epoch: Some(0),
        validator: Some(validator),
        height: 40 + 2 * t,
        view: 0,
        round: None,
        leader: Some(((40 + 2 * t) % 4) as u32),
        leader_id: Some(format!("validator-{}", (40 + 2 * t) % 4)),
        pending: 3,
        evidence_count: Some(1),
        evidence: None,
        validators: (0..4)
            .map(|i| ValidatorEntry {
                index: i,
                id: format!("validator-{i}"),
                power: 1,
                is_self: i == validator,
                last_vote: (i != 3).then(|| LastVote {
                    height: 39 + 2 * t,
                    view: 0,
                    phase: json!("commit"),
                }),
                last_seen_ms_ago: if i == validator {
                    None
                } else if i == 3 {
                    Some(93_000)
                } else {
                    Some(12 + u64::from(i))
                },
                rejected: BTreeMap::new(),
            })
            .collect(),
    }
}

fn gateway_metrics(t: u64) -> String {
    let api = 120 * t;
    format!(
        "bitcraps_http_requests_total{{method=\"GET\",route=\"/api/v1/games\",status=\"200\"}} {api}\n\
         bitcraps_http_requests_total{{method=\"POST\",route=\"/api/v1/games/{{id}}/actions\",status=\"502\"}} {err}\n\
         bitcraps_http_request_duration_seconds_bucket{{method=\"GET\",route=\"/api/v1/games\",le=\"0.001\"}} {fast}\n\
         bitcraps_http_request_duration_seconds_bucket{{method=\"GET\",route=\"/api/v1/games\",le=\"0.01\"}} {api}\n\
         bitcraps_http_request_duration_seconds_bucket{{method=\"GET\",route=\"/api/v1/games\",le=\"+Inf\"}} {api}\n\
         bitcraps_gateway_upstream_responses_total{{upstream=\"game_engine\",instance=\"127.0.0.1:8081\",outcome=\"ok\"}} {e0}\n\
         bitcraps_gateway_upstream_responses_total{{upstream=\"game_engine\",instance=\"127.0.0.1:8082\",outcome=\"ok\"}} {e1}\n\
         bitcraps_gateway_upstream_responses_total{{upstream=\"consensus\",instance=\"127.0.0.1:8083\",outcome=\"ok\"}} {t}\n",
        err = t,
        fast = 60 * t,
        e0 = 70 * t,
        e1 = 50 * t,
    )
}

fn service_metrics(t: u64) -> String {
    format!(
        "bitcraps_http_request_duration_seconds_bucket{{method=\"GET\",route=\"/games\",le=\"0.0005\"}} {a}\n\
         bitcraps_http_request_duration_seconds_bucket{{method=\"GET\",route=\"/games\",le=\"0.001\"}} {b}\n\
         bitcraps_http_request_duration_seconds_bucket{{method=\"GET\",route=\"/games\",le=\"+Inf\"}} {b}\n\
         bitcraps_consensus_commit_latency_seconds_bucket{{le=\"0.01\"}} {a}\n\
         bitcraps_consensus_commit_latency_seconds_bucket{{le=\"0.05\"}} {b}\n\
         bitcraps_consensus_commit_latency_seconds_bucket{{le=\"+Inf\"}} {b}\n",
        a = 50 * t,
        b = 100 * t,
    )
}

/// The healthy-but-one system at `at_ms` (a multiple of 1000: counters
/// grow with it, so two snapshots give steady rates).
pub fn snapshot(at_ms: u64) -> Snapshot {
    let t = at_ms / 1000;
    let mut s = Snapshot::empty(at_ms);
    s.supervisor = Ok(Some(supervisor()));
    s.endpoints = endpoints();
    for (i, pid) in (1100..1106).chain([1107]).enumerate() {
        s.procs.insert(
            pid,
            ProcSample {
                cpu_ticks: (5 + i as u64) * t,
                rss_bytes: (20 + 3 * i as u64) << 20,
            },
        );
    }
    let instance = |addr: &str, health: &str, breaker: &str, in_flight: u64| UpstreamInstance {
        addr: addr.into(),
        health: health.into(),
        last_error: (health == "unhealthy").then(|| "connection refused".into()),
        in_flight,
        breaker: breaker.into(),
        ..UpstreamInstance::default()
    };
    s.upstreams = Ok(vec![
        UpstreamGroup {
            service: "game_engine".into(),
            instances: vec![
                instance("127.0.0.1:8081", "healthy", "closed", 2),
                instance("127.0.0.1:8082", "healthy", "closed", 0),
            ],
        },
        UpstreamGroup {
            service: "consensus".into(),
            instances: vec![
                instance("127.0.0.1:8083", "healthy", "closed", 1),
                instance("127.0.0.1:8084", "healthy", "closed", 0),
                instance("127.0.0.1:8085", "healthy", "closed", 0),
                instance("127.0.0.1:8086", "unhealthy", "open", 0),
            ],
        },
        UpstreamGroup {
            service: "wallet".into(),
            instances: vec![instance("127.0.0.1:8090", "healthy", "closed", 0)],
        },
    ]);
    s.games = Ok(GameList {
        games: vec![
            game("e0-craps-1", "craps", "open", &["alice"], 17),
            game("e0-blackjack-2", "blackjack", "open", &["bob", "carol"], 9),
            game("e1-poker-3", "poker", "finished", &["dave", "erin"], 52),
        ],
        total: 3,
    });
    s.consensus = Ok(consensus(t, 0));
    for i in 0..4u32 {
        let r = if i == 3 {
            Err("down (cannot connect)".to_string())
        } else {
            Ok(consensus(t, i))
        };
        s.validators.insert(format!("validator-{i}"), r);
    }
    s.evidence = Ok(vec![json!({
        "type": "duplicate_vote",
        "a": {"validator": 3, "height": 12, "view": 0, "phase": "prepare"},
        "b": {"validator": 3, "height": 12, "view": 0, "phase": "prepare"},
    })]);
    s.scrapes
        .insert("gateway".into(), Ok(Scrape::parse(&gateway_metrics(t))));
    for name in [
        "engine-0",
        "engine-1",
        "wallet",
        "validator-0",
        "validator-1",
        "validator-2",
    ] {
        s.scrapes
            .insert(name.into(), Ok(Scrape::parse(&service_metrics(t))));
    }
    s.scrapes
        .insert("validator-3".into(), Err("down (cannot connect)".into()));
    wallet(&mut s, t);
    s
}

/// Wall-clock ms at monotonic 0 in the fixtures.
const WALL_BASE: u64 = 1_700_000_100_000;

/// A wallet with 1200 + t transfers, anchored 3 behind, audited at 2 s.
fn wallet(s: &mut Snapshot, t: u64) {
    s.wall_ms = WALL_BASE + s.at_ms;
    let seq = 1200 + t;
    s.wallet = Ok(WalletSummary {
        head: WalletHead {
            seq,
            hash: "9f2c1e".into(),
            timestamp_ms: s.wall_ms - 400,
        },
        issued: 50_000,
        house: 1_240,
        anchor: Some(WalletAnchor {
            seq: seq - 3,
            head_hash: "77ab01".into(),
            height: 40 + 2 * t,
            block_hash: "c0ffee".into(),
            at_ms: s.wall_ms - 2_100,
        }),
        anchor_lag: 3,
    });
    let kinds = [
        ("pending", "player:alice", "table:e0-craps-1"),
        ("post", "player:alice", "table:e0-craps-1"),
        ("single", "table:e0-craps-1", "house"),
        ("single", "issuance", "player:bob"),
        ("void", "house", "table:e0-blackjack-2"),
    ];
    s.wallet_transfers = Ok((seq - 9..=seq)
        .map(|n| {
            let (kind, debit, credit) = kinds[(n % 5) as usize];
            WalletTransfer {
                seq: n,
                id: format!("t{n}"),
                kind: kind.into(),
                debit: debit.into(),
                credit: credit.into(),
                amount: 10 * (n % 7 + 1),
                timestamp_ms: s.wall_ms - 700 * (seq - n) - 400,
            }
        })
        .collect());
    // Balanced: issuance is the negative side of every deposit.
    let account = |id: &str, balance: i128, pending_debit: u64| WalletAccount {
        id: id.into(),
        kind: crate::services::wallet::ledger::account_kind(id).expect("an account id"),
        balance,
        available: balance - i128::from(pending_debit),
        debits_posted: 0,
        credits_posted: balance.max(0) as u64,
        debits_pending: pending_debit,
        credits_pending: 0,
        opened_ms: WALL_BASE - 7_200_000,
    };
    s.wallet_accounts = Ok(WalletAccounts {
        accounts: vec![
            account("house", 1_240, 0),
            account("issuance", -50_000, 0),
            account("player:alice", 24_180, 500),
            account("player:bob", 24_000, 0),
            account("table:e0-blackjack-2", 520, 0),
            account("table:e0-craps-1", 60, 0),
        ],
        next_after: None,
    });
    s.wallet_audit = Some(Audited {
        at_ms: 2_000,
        report: Ok(WalletAudit {
            ok: true,
            transfers: seq,
            accounts: 9,
            balance_sum: 0,
            pending_sum: 0,
            problems: Vec::new(),
        }),
    });
}

/// A craps game as `GET /api/v1/games/{id}` shows it.
pub fn craps_game() -> serde_json::Value {
    json!({
        "id": "e0-craps-1", "game_type": "craps", "status": "open", "version": 17,
        "players": [{"id": "alice", "balance": 940}],
        "chips_in_play": 60, "house": 0,
        "commitment": "9f2c1e",
        "table": {
            "point": 6, "shooter": "alice", "phase": "point",
            "bets": [
                {"player": "alice", "bet": "pass", "amount": 10},
                {"player": "alice", "bet": "place_8", "amount": 50}
            ],
            "last_roll": {"die1": 2, "die2": 4}
        }
    })
}

/// Nothing answers: no supervisor, gateway and validators down.
pub fn all_down(at_ms: u64) -> Snapshot {
    fn down<T>() -> Fetched<T> {
        Err("down (cannot connect)".to_string())
    }
    let mut s = Snapshot::empty(at_ms);
    s.supervisor = Ok(None);
    s.endpoints = endpoints();
    s.upstreams = down();
    s.games = down();
    s.consensus = down();
    s.evidence = down();
    s.wallet = down();
    s.wallet_transfers = down();
    s.wallet_accounts = down();
    s.wallet_audit = Some(Audited {
        at_ms,
        report: down(),
    });
    s.wall_ms = WALL_BASE + at_ms;
    for e in s.endpoints.clone() {
        if e.kind == ServiceKind::Consensus {
            s.validators.insert(e.name.clone(), down());
        }
        s.scrapes.insert(e.name, down());
    }
    s
}

/// An app that has seen two readings a second apart (so rates show).
pub fn app() -> App {
    let mut a = App::new(1000, 4_300);
    a.on_snapshot(snapshot(3_000));
    a.on_snapshot(snapshot(4_000));
    a
}

/// The whole screen as text, as a terminal of `w`×`h` would show it.
pub fn render(app: &App, w: u16, h: u16) -> ratatui::backend::TestBackend {
    let mut t =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| super::ui::draw(f, app)).expect("draw");
    t.backend().clone()
}
