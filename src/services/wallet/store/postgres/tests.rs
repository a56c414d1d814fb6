//! PgStore on a throwaway cluster: the shared suite, the append-only log,
//! and several instances writing one ledger at once.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;
use crate::pgcluster::Cluster;
use crate::services::wallet::ledger::{ISSUANCE, TransferRequest};
use crate::services::wallet::store::suite;

fn one(r: TransferRequest) -> Vec<Submission> {
    vec![Submission::one(r)]
}

async fn applied(s: &PgStore, r: TransferRequest, now: u64) -> Transfer {
    s.apply(one(r), now)
        .await
        .expect("store")
        .remove(0)
        .expect("applied")
        .transfers
        .remove(0)
}

#[tokio::test]
async fn the_shared_suite_passes_on_postgres() {
    let cluster = Cluster::start().expect("cluster");
    let n = AtomicUsize::new(0);
    suite::run(|| {
        let url = cluster
            .create_database(&format!("suite{}", n.fetch_add(1, Ordering::Relaxed)))
            .expect("database");
        async move { PgStore::connect(&url).await.expect("connect") }
    })
    .await;
}

#[tokio::test]
async fn the_log_refuses_updates_deletes_and_truncation() {
    let cluster = Cluster::start().expect("cluster");
    let s = PgStore::connect(&cluster.url()).await.expect("connect");
    applied(
        &s,
        TransferRequest::single("d1", ISSUANCE, "player:a", 5),
        1,
    )
    .await;
    let (c, conn) = tokio_postgres::connect(&cluster.url(), NoTls)
        .await
        .expect("raw connection");
    tokio::spawn(conn);
    for sql in [
        "UPDATE wallet_transfers SET amount = 6",
        "DELETE FROM wallet_transfers",
        "TRUNCATE wallet_transfers",
    ] {
        let e = c.batch_execute(sql).await.expect_err(sql);
        assert!(describe(&e).contains("append-only"), "{sql}: {e:?}");
    }
    assert_eq!(s.head().await.expect("head").seq, 1);
}

/// TLS to the database: with the CA that signed the server's certificate
/// the wallet's sessions are encrypted (the server says so); this server
/// refuses plaintext; `sslmode=require` without a CA is refused before
/// connecting, and a server whose certificate another CA signed is refused.
#[tokio::test]
async fn the_wallet_speaks_verified_tls_to_postgresql() {
    let cluster = Cluster::start_tls().expect("a TLS cluster");
    let ca = cluster.ca().expect("its CA");
    let s = PgStore::connect_with(&cluster.url(), Some(ca))
        .await
        .expect("TLS connect");
    applied(
        &s,
        TransferRequest::single("d1", ISSUANCE, "player:a", 5),
        1,
    )
    .await;
    let c = s.reader().await.expect("a session");
    let row = c
        .query_one(
            "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .expect("pg_stat_ssl");
    assert!(row.get::<_, bool>(0), "the session is not encrypted");
    let version: String = row.get(1);
    assert!(version.starts_with("TLSv1."), "{version}");
    drop(c);

    let e = PgStore::connect(&cluster.url())
        .await
        .err()
        .expect("plaintext");
    assert!(format!("{e:#}").contains("no encryption"), "{e:#}");
    let e = PgStore::connect(&format!("{}?sslmode=require", cluster.url()))
        .await
        .err()
        .expect("unverified TLS");
    assert!(format!("{e:#}").contains("wallet.database_ca"), "{e:#}");
    let e = PgStore::connect_with(&format!("{}?sslmode=disable", cluster.url()), Some(ca))
        .await
        .err()
        .expect("a contradiction");
    assert!(format!("{e:#}").contains("sslmode=disable"), "{e:#}");
    let dir = tempfile::tempdir().expect("dir");
    let (other, _) = crate::tls::issue::Ca::generate(time::OffsetDateTime::now_utc()).expect("CA");
    let other_ca = dir.path().join("other.crt");
    std::fs::write(&other_ca, &other.pem).expect("write");
    let e = PgStore::connect_with(&cluster.url(), Some(&other_ca))
        .await
        .err()
        .expect("a server the CA did not sign");
    assert!(
        format!("{e:#}").to_lowercase().contains("certificate"),
        "{e:#}"
    );
}

/// The pending index is not part of the chain, so the audit checks it
/// against the log: a posted reservation reopened behind the wallet's back
/// (it could then be posted a second time) fails the audit.
#[tokio::test]
async fn the_audit_catches_a_reopened_reservation_in_the_pending_index() {
    let cluster = Cluster::start().expect("cluster");
    let s = PgStore::connect(&cluster.url()).await.expect("connect");
    applied(
        &s,
        TransferRequest::single("d1", ISSUANCE, "player:a", 10),
        1,
    )
    .await;
    applied(
        &s,
        TransferRequest::pending("p1", "player:a", "table:t", 4, 60_000),
        2,
    )
    .await;
    applied(&s, TransferRequest::post("p1-post", "p1"), 3).await;
    let r = s.audit().await.expect("audit");
    assert!(r.ok, "{:?}", r.problems);
    let (c, conn) = tokio_postgres::connect(&cluster.url(), NoTls)
        .await
        .expect("raw connection");
    tokio::spawn(conn);
    c.batch_execute("UPDATE wallet_pending SET state = 'pending' WHERE id = 'p1'")
        .await
        .expect("tamper");
    let r = s.audit().await.expect("audit");
    assert!(!r.ok);
    assert!(
        r.problems
            .iter()
            .any(|p| p.contains("\"p1\" (transfer 2) is pending, the log says posted")),
        "{:?}",
        r.problems
    );
}

#[tokio::test]
async fn instances_continue_one_chain_and_never_cache_the_head() {
    let cluster = Cluster::start().expect("cluster");
    let a = PgStore::connect(&cluster.url()).await.expect("a");
    let b = PgStore::connect(&cluster.url()).await.expect("b");
    let t1 = applied(
        &a,
        TransferRequest::single("d1", ISSUANCE, "player:x", 5),
        10,
    )
    .await;
    let t2 = applied(
        &b,
        TransferRequest::single("d2", ISSUANCE, "player:x", 6),
        11,
    )
    .await;
    assert_eq!(
        (t2.seq, &t2.prev_hash),
        (2, &t1.hash),
        "b continues a's chain"
    );
    let t3 = applied(
        &a,
        TransferRequest::single("d3", "player:x", "table:t", 11),
        12,
    )
    .await;
    assert_eq!(
        (t3.seq, &t3.prev_hash),
        (3, &t2.hash),
        "a sees b's transfer"
    );
    // A retry through the other instance answers the original.
    let again = b
        .apply(
            one(TransferRequest::single("d1", ISSUANCE, "player:x", 5)),
            13,
        )
        .await
        .expect("store")
        .remove(0)
        .expect("replay");
    assert!(again.replayed);
    assert_eq!(again.transfers[0], t1);
    // a's balance reflects b's deposit: x spent 11 of 5 + 6.
    let x = b
        .account("player:x".into())
        .await
        .expect("read")
        .expect("x");
    assert_eq!(x.balance(), 0);
    // A third instance (a restart) finds the same head.
    let c = PgStore::connect(&cluster.url()).await.expect("c");
    assert_eq!(c.head().await.expect("head"), a.head().await.expect("head"));
    assert_eq!(c.head().await.expect("head").hash, t3.hash);
    let r = c.audit().await.expect("audit");
    assert!(r.ok, "{:?}", r.problems);
    assert_eq!(r.transfers, 3);
}

#[tokio::test]
async fn a_lost_connection_is_unavailable_and_applies_nothing() {
    let cluster = Cluster::start().expect("cluster");
    let s = PgStore::connect(&cluster.url()).await.expect("connect");
    applied(
        &s,
        TransferRequest::single("d1", ISSUANCE, "player:a", 5),
        1,
    )
    .await;
    let (c, conn) = tokio_postgres::connect(&cluster.url(), NoTls)
        .await
        .expect("raw connection");
    tokio::spawn(conn);
    // Cut every wallet connection, as a database restart would.
    c.batch_execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE application_name = 'bitcraps-wallet'",
    )
    .await
    .expect("terminate");
    let mut answered = false;
    for i in 0..3 {
        let id = format!("d2-{i}");
        match s
            .apply(
                one(TransferRequest::single(&id, ISSUANCE, "player:a", 1)),
                2,
            )
            .await
        {
            Ok(mut r) => {
                r.remove(0).expect("applied");
                answered = true;
                break;
            }
            Err(StoreError::Unavailable(_)) => {
                assert!(s.transfer(id).await.expect("read").is_none());
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    assert!(answered, "the pool reconnects");
    let r = s.audit().await.expect("audit");
    assert!(r.ok, "{:?}", r.problems);
    assert_eq!(r.transfers, 2);
}

/// What one task saw.
#[derive(Default)]
struct Seen {
    /// (seq, id) of every transfer it was answered as newly applied.
    applied: Vec<(u64, String)>,
    refusals: usize,
    /// Anything but a ledger refusal.
    failures: Vec<String>,
}

const ACCOUNTS: [&str; 8] = [
    "player:p0",
    "player:p1",
    "player:p2",
    "player:p3",
    "player:p4",
    "player:p5",
    "table:t0",
    "table:t1",
];

fn random_request(rng: &mut StdRng, id: String, pendings: &mut Vec<String>) -> TransferRequest {
    let from = ACCOUNTS[rng.random_range(0..ACCOUNTS.len())];
    let mut to = ACCOUNTS[rng.random_range(0..ACCOUNTS.len())];
    while to == from {
        to = ACCOUNTS[rng.random_range(0..ACCOUNTS.len())];
    }
    let amount = rng.random_range(1..=400);
    match rng.random_range(0..10) {
        0 | 1 => {
            pendings.push(id.clone());
            TransferRequest::pending(&id, from, to, amount, rng.random_range(1..40))
        }
        2 if !pendings.is_empty() => {
            let p = pendings.swap_remove(rng.random_range(0..pendings.len()));
            if rng.random_bool(0.5) {
                TransferRequest::post(&id, &p)
            } else {
                TransferRequest::void(&id, &p)
            }
        }
        _ => TransferRequest::single(&id, from, to, amount),
    }
}

async fn random_task(store: PgStore, task: usize, rounds: usize, start: Instant) -> Seen {
    let mut rng = StdRng::seed_from_u64(task as u64);
    let mut seen = Seen::default();
    let mut pendings = Vec::new();
    let mut sent: Vec<TransferRequest> = Vec::new();
    for round in 0..rounds {
        let mut batch = Vec::new();
        for k in 0..rng.random_range(1..=4) {
            let id = format!("t{task}-{round}-{k}");
            if rng.random_range(0..8) == 0 && !sent.is_empty() {
                // A retry of something sent before.
                batch.push(Submission::one(
                    sent[rng.random_range(0..sent.len())].clone(),
                ));
            } else if rng.random_range(0..8) == 0 {
                let a = random_request(&mut rng, format!("{id}a"), &mut pendings);
                let b = random_request(&mut rng, format!("{id}b"), &mut pendings);
                batch.push(Submission::linked(vec![a, b]));
            } else {
                let r = random_request(&mut rng, id, &mut pendings);
                sent.push(r.clone());
                batch.push(Submission::one(r));
            }
        }
        let now = 1_000_000 + start.elapsed().as_millis() as u64;
        match store.apply(batch, now).await {
            Ok(results) => {
                for r in results {
                    match r {
                        Ok(a) if !a.replayed => seen
                            .applied
                            .extend(a.transfers.into_iter().map(|t| (t.seq, t.id))),
                        Ok(_) => {}
                        Err(LedgerError::Corrupt(m)) => seen.failures.push(m),
                        Err(_) => seen.refusals += 1,
                    }
                }
            }
            Err(e) => seen.failures.push(e.to_string()),
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_write_one_ledger_at_once() {
    let cluster = Cluster::start().expect("cluster");
    let url = cluster.url();
    let (a, b, c) = tokio::join!(
        PgStore::connect(&url),
        PgStore::connect(&url),
        PgStore::connect(&url)
    );
    let stores = [a.expect("a"), b.expect("b"), c.expect("c")];
    let mut expected = BTreeMap::new();
    for (i, p) in ACCOUNTS[..6].iter().enumerate() {
        let t = applied(
            &stores[0],
            TransferRequest::single(&format!("seed{i}"), ISSUANCE, p, 1_000),
            1_000,
        )
        .await;
        expected.insert(t.seq, t.id);
    }
    let start = Instant::now();
    let tasks: Vec<_> = (0..18)
        .map(|task| tokio::spawn(random_task(stores[task % 3].clone(), task, 20, start)))
        .collect();
    let mut refusals = 0;
    for t in tasks {
        let seen = t.await.expect("task");
        assert!(seen.failures.is_empty(), "{:?}", seen.failures);
        refusals += seen.refusals;
        for (seq, id) in seen.applied {
            if let Some(other) = expected.insert(seq, id.clone()) {
                panic!("seq {seq} was answered twice: {other} and {id}");
            }
        }
    }
    let report = stores[1].audit().await.expect("audit");
    assert!(report.ok, "{:?}", report.problems);
    let head = stores[2].head().await.expect("head");
    let log = stores[0]
        .transfers(TransferQuery {
            account: None,
            after_seq: 0,
            limit: 100_000,
        })
        .await
        .expect("log");
    assert_eq!(head.seq, log.len() as u64);
    assert_eq!(report.transfers, head.seq);
    // Every answered transfer is in the log where it was answered, and
    // the log holds nothing else but expiries.
    for t in &log {
        match expected.get(&t.seq) {
            Some(id) => assert_eq!(id, &t.id, "seq {}", t.seq),
            None => assert_eq!(t.kind, TransferKind::Expire, "{t:?} was never answered"),
        }
    }
    let expiries = log
        .iter()
        .filter(|t| t.kind == TransferKind::Expire)
        .count();
    eprintln!(
        "{} answered, {expiries} expiries, {refusals} refused",
        expected.len()
    );
    assert_eq!(head.seq, (expected.len() + expiries) as u64);
    assert!(
        expected.len() > 100,
        "too few transfers applied ({}, {refusals} refused) to mean anything",
        expected.len()
    );
}

/// Transfers per second through `apply` (batches of 256 single transfers
/// among 1,000 players), then pgbench's tpcb-like load on the same
/// cluster, for comparison. A measurement, not an assertion:
/// `cargo test --release --lib -- --ignored --nocapture apply_throughput`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement; run it by name with --ignored --nocapture"]
async fn apply_throughput_beside_pgbench() {
    const PLAYERS: usize = 1_000;
    const BATCH: usize = 256;
    const RUN: std::time::Duration = std::time::Duration::from_secs(10);
    let cluster = Cluster::start().expect("cluster");
    let url = cluster.create_database("wallet").expect("database");
    let store = PgStore::connect(&url).await.expect("connect");
    let players: Vec<String> = (0..PLAYERS).map(|i| format!("player:p{i}")).collect();
    for (n, chunk) in players.chunks(BATCH).enumerate() {
        let batch = chunk
            .iter()
            .map(|p| {
                Submission::one(TransferRequest::single(
                    &format!("fund-{p}"),
                    ISSUANCE,
                    p,
                    1_000_000_000,
                ))
            })
            .collect();
        let out = store.apply(batch, 1 + n as u64).await.expect("fund");
        assert!(out.iter().all(|r| r.is_ok()));
    }
    for writers in [1usize, 4] {
        let start = Instant::now();
        let tasks: Vec<_> = (0..writers)
            .map(|w| {
                let store = store.clone();
                let players = players.clone();
                tokio::spawn(async move {
                    let mut rng = StdRng::seed_from_u64(w as u64);
                    let (mut applied, mut batches) = (0usize, 0usize);
                    while start.elapsed() < RUN {
                        let batch = (0..BATCH)
                            .map(|k| {
                                let from = &players[rng.random_range(0..PLAYERS)];
                                let mut to = &players[rng.random_range(0..PLAYERS)];
                                while to == from {
                                    to = &players[rng.random_range(0..PLAYERS)];
                                }
                                Submission::one(TransferRequest::single(
                                    &format!("w{writers}-{w}-{batches}-{k}"),
                                    from,
                                    to,
                                    rng.random_range(1..=100),
                                ))
                            })
                            .collect();
                        let now = 1_000_000 + start.elapsed().as_millis() as u64;
                        let out = store.apply(batch, now).await.expect("apply");
                        applied += out.iter().filter(|r| r.is_ok()).count();
                        batches += 1;
                    }
                    (applied, batches)
                })
            })
            .collect();
        let (mut applied, mut batches) = (0, 0);
        for t in tasks {
            let (a, b) = t.await.expect("writer");
            applied += a;
            batches += b;
        }
        let secs = start.elapsed().as_secs_f64();
        eprintln!(
            "wallet apply, {writers} concurrent writer(s), batches of {BATCH}: \
             {applied} transfers in {batches} batches, {secs:.1}s: {:.0} transfers/s, \
             {:.1} ms per batch",
            applied as f64 / secs,
            1_000.0 * secs * writers as f64 / batches as f64
        );
    }
    let report = store.audit().await.expect("audit");
    assert!(report.ok, "{:?}", report.problems);
    let loadavg = || std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    eprintln!("load average before pgbench: {}", loadavg().trim());
    let init = cluster
        .client("pgbench")
        .args(["-i", "-s", "10", "-q", crate::pgcluster::DATABASE])
        .output()
        .expect("pgbench -i");
    assert!(init.status.success(), "{init:?}");
    let run = cluster
        .client("pgbench")
        .args(["-b", "tpcb-like", "-c", "32", "-j", "2", "-T", "10"])
        .arg(crate::pgcluster::DATABASE)
        .output()
        .expect("pgbench");
    assert!(run.status.success(), "{run:?}");
    for line in String::from_utf8_lossy(&run.stdout).lines() {
        if line.starts_with("tps") || line.contains("latency average") {
            eprintln!("pgbench tpcb-like -c 32 -j 2 -T 10 (scale 10): {line}");
        }
    }
    eprintln!("load average after pgbench: {}", loadavg().trim());
}
