//! The ledger's promises, on random workloads: balances always sum to
//! zero, no account but issuance is ever overdrawn, a failed or linked
//! batch changes nothing unless all of it applies, retries answer the
//! original, and the audit recomputes exactly what was stored.

use proptest::prelude::*;

use super::*;

/// Everything in memory: one working set that holds the whole ledger.
struct Model {
    w: Working,
    now: u64,
}

impl Model {
    fn new() -> Model {
        Model {
            w: Working::new(Head::default()),
            now: 1_000,
        }
    }

    fn submit(&mut self, reqs: Vec<TransferRequest>) -> Result<Applied, LedgerError> {
        self.now += 1;
        let expiring: Vec<Transfer> = self
            .w
            .transfers
            .values()
            .filter(|t| self.w.pending.get(&t.id) == Some(&PendingState::Pending))
            .cloned()
            .collect();
        self.w.expire(&expiring, self.now)?;
        let before = (self.w.head.clone(), self.w.accounts.clone());
        let r = self.w.submit(&Submission::linked(reqs), self.now);
        if r.is_err() {
            assert_eq!(
                (self.w.head.clone(), self.w.accounts.clone()),
                before,
                "a refused batch changed state"
            );
        }
        self.check();
        r
    }

    fn accounts(&self) -> Vec<Account> {
        self.w.accounts.values().cloned().collect()
    }

    fn check(&self) {
        let sum: i128 = self.w.accounts.values().map(Account::balance).sum();
        assert_eq!(sum, 0, "balances must sum to zero");
        for a in self.w.accounts.values() {
            if !a.kind.may_go_negative() {
                assert!(a.available() >= 0, "{} overdrawn: {a:?}", a.id);
            }
        }
        let report = audit(&self.w.new_transfers, &self.accounts());
        assert!(report.ok, "{:?}", report.problems);
        let problems = audit_pending(&self.w.new_transfers, &self.index());
        assert!(problems.is_empty(), "{problems:?}");
    }

    /// The pending index a store would hold: each pending transfer's state
    /// and deadline.
    fn index(&self) -> Vec<PendingIndexEntry> {
        self.w
            .pending
            .iter()
            .map(|(id, state)| PendingIndexEntry {
                id: id.clone(),
                state: *state,
                expires_ms: self.w.transfers[id].expires_ms.unwrap_or(0),
            })
            .collect()
    }

    fn balance(&self, id: &str) -> i128 {
        self.w.accounts.get(id).map_or(0, Account::balance)
    }
}

#[test]
fn a_deposit_opens_the_account_and_issuance_goes_negative() {
    let mut m = Model::new();
    let a = m
        .submit(vec![TransferRequest::single(
            "d1",
            ISSUANCE,
            "player:alice",
            500,
        )])
        .expect("deposit");
    assert!(!a.replayed);
    assert_eq!(a.transfers[0].seq, 1);
    assert_eq!(m.balance("player:alice"), 500);
    assert_eq!(m.balance(ISSUANCE), -500);
}

#[test]
fn money_cannot_come_from_an_empty_account() {
    let mut m = Model::new();
    m.submit(vec![TransferRequest::single(
        "d1",
        ISSUANCE,
        "player:alice",
        100,
    )])
    .expect("deposit");
    m.submit(vec![TransferRequest::single(
        "d2",
        ISSUANCE,
        "player:bob",
        1,
    )])
    .expect("deposit");
    let e = m
        .submit(vec![TransferRequest::single(
            "t1",
            "player:alice",
            "player:bob",
            101,
        )])
        .expect_err("overdraft");
    assert!(
        matches!(e, LedgerError::Insufficient { needed: 101, .. }),
        "{e:?}"
    );
    // A player cannot be credited into existence by another player.
    let e = m
        .submit(vec![TransferRequest::single(
            "t2",
            "player:alice",
            "player:carol",
            1,
        )])
        .expect_err("unknown");
    assert!(matches!(e, LedgerError::NotFound(_)), "{e:?}");
    // Nor can the house pay what it does not have.
    let e = m
        .submit(vec![TransferRequest::single(
            "t3",
            HOUSE,
            "player:alice",
            1,
        )])
        .expect_err("house is empty");
    assert!(matches!(e, LedgerError::Insufficient { .. }), "{e:?}");
}

#[test]
fn the_same_id_answers_the_original_and_a_different_body_conflicts() {
    let mut m = Model::new();
    let req = TransferRequest::single("d1", ISSUANCE, "player:alice", 5);
    let first = m.submit(vec![req.clone()]).expect("first");
    let again = m.submit(vec![req]).expect("retry");
    assert!(again.replayed);
    assert_eq!(again.transfers, first.transfers);
    assert_eq!(m.balance("player:alice"), 5, "a retry moves nothing");
    let e = m
        .submit(vec![TransferRequest::single(
            "d1",
            ISSUANCE,
            "player:alice",
            6,
        )])
        .expect_err("different body");
    assert!(matches!(e, LedgerError::Conflict(_)), "{e:?}");
}

#[test]
fn a_linked_batch_applies_all_or_none() {
    let mut m = Model::new();
    m.submit(vec![TransferRequest::single(
        "d1",
        ISSUANCE,
        "player:alice",
        10,
    )])
    .expect("deposit");
    let e = m
        .submit(vec![
            TransferRequest::single("a", "player:alice", "table:g1", 10),
            TransferRequest::single("b", "player:alice", "table:g1", 1),
        ])
        .expect_err("second leg overdraws");
    assert!(matches!(e, LedgerError::Insufficient { .. }), "{e:?}");
    assert_eq!(m.balance("player:alice"), 10);
    assert!(
        !m.w.accounts.contains_key("table:g1"),
        "no account opened by a refused batch"
    );
    assert_eq!(m.w.head.seq, 1);
}

#[test]
fn pending_reserves_then_posts_voids_or_expires() {
    let mut m = Model::new();
    m.submit(vec![TransferRequest::single(
        "d1",
        ISSUANCE,
        "player:alice",
        10,
    )])
    .expect("deposit");
    m.submit(vec![TransferRequest::pending(
        "p1",
        "player:alice",
        "table:g",
        8,
        50,
    )])
    .expect("pending");
    assert_eq!(m.w.accounts["player:alice"].available(), 2);
    assert_eq!(m.balance("player:alice"), 10, "pending is not posted");
    let e = m
        .submit(vec![TransferRequest::single(
            "x",
            "player:alice",
            "table:g",
            3,
        )])
        .expect_err("reserved");
    assert!(matches!(e, LedgerError::Insufficient { .. }));
    m.submit(vec![TransferRequest::post("p1-post", "p1")])
        .expect("post");
    assert_eq!(m.balance("player:alice"), 2);
    assert_eq!(m.balance("table:g"), 8);
    let e = m
        .submit(vec![TransferRequest::void("p1-void", "p1")])
        .expect_err("already posted");
    assert!(matches!(e, LedgerError::Conflict(_)));

    m.submit(vec![TransferRequest::pending(
        "p2",
        "player:alice",
        "table:g",
        2,
        50,
    )])
    .expect("pending");
    m.submit(vec![TransferRequest::void("p2-void", "p2")])
        .expect("void");
    assert_eq!(m.w.accounts["player:alice"].available(), 2);

    m.submit(vec![TransferRequest::pending(
        "p3",
        "player:alice",
        "table:g",
        2,
        5,
    )])
    .expect("pending");
    m.now += 10;
    let e = m
        .submit(vec![TransferRequest::post("p3-post", "p3")])
        .expect_err("expired");
    assert!(matches!(e, LedgerError::Conflict(_)), "{e:?}");
    assert_eq!(m.w.pending["p3"], PendingState::Expired);
    assert!(m.w.transfers.contains_key("expire:p3"));
    assert_eq!(m.w.accounts["player:alice"].available(), 2);
}

#[test]
fn bad_amounts_and_ids_are_refused() {
    let mut m = Model::new();
    for (r, why) in [
        (
            TransferRequest::single("z", ISSUANCE, "player:a", 0),
            "zero",
        ),
        (
            TransferRequest::single("z", ISSUANCE, "player:a", MAX_AMOUNT + 1),
            "over 2^63-1",
        ),
        (
            TransferRequest::single("z", ISSUANCE, ISSUANCE, 1),
            "same account",
        ),
        (
            TransferRequest::single("z", ISSUANCE, "bank:a", 1),
            "unknown kind",
        ),
        (
            TransferRequest::single("z z", ISSUANCE, "player:a", 1),
            "space in id",
        ),
        (
            TransferRequest::single("", ISSUANCE, "player:a", 1),
            "empty id",
        ),
        (
            TransferRequest::single("z", ISSUANCE, "player:", 1),
            "empty name",
        ),
    ] {
        let e = m.submit(vec![r]).expect_err(why);
        assert!(matches!(e, LedgerError::Invalid(_)), "{why}: {e:?}");
    }
    let nul = TransferRequest::single("z", ISSUANCE, "player:a", 1).with_memo("a\u{0}b");
    assert!(
        matches!(m.submit(vec![nul]), Err(LedgerError::Invalid(_))),
        "NUL in a memo"
    );
    let squat = TransferRequest::single("expire:p1", ISSUANCE, "player:a", 1);
    assert!(
        matches!(m.submit(vec![squat]), Err(LedgerError::Invalid(_))),
        "the wallet's ids"
    );
    let mut both = TransferRequest::post("z", "p");
    both.void_pending = Some("p".into());
    assert!(matches!(m.submit(vec![both]), Err(LedgerError::Invalid(_))));
    assert_eq!(m.w.head.seq, 0);
}

#[test]
fn totals_cannot_overflow() {
    let mut m = Model::new();
    m.submit(vec![TransferRequest::single(
        "a", ISSUANCE, "player:a", MAX_AMOUNT,
    )])
    .expect("max deposit");
    let e = m
        .submit(vec![TransferRequest::single("b", ISSUANCE, "player:a", 1)])
        .expect_err("overflow");
    assert!(matches!(e, LedgerError::Overflow(_)), "{e:?}");
}

#[test]
fn the_audit_finds_a_tampered_log_or_account() {
    let mut m = Model::new();
    m.submit(vec![TransferRequest::single(
        "d1", ISSUANCE, "player:a", 10,
    )])
    .expect("d1");
    m.submit(vec![TransferRequest::single(
        "d2", ISSUANCE, "player:b", 10,
    )])
    .expect("d2");
    m.submit(vec![TransferRequest::single(
        "t", "player:a", "player:b", 4,
    )])
    .expect("t");
    let log = m.w.new_transfers.clone();
    assert!(audit(&log, &m.accounts()).ok);

    let mut edited = log.clone();
    edited[1].amount = 11;
    let r = audit(&edited, &m.accounts());
    assert!(
        !r.ok && r.problems.iter().any(|p| p.contains("hash")),
        "{:?}",
        r.problems
    );

    let mut dropped = log.clone();
    dropped.remove(1);
    assert!(!audit(&dropped, &m.accounts()).ok);

    let mut accounts = m.accounts();
    accounts
        .iter_mut()
        .find(|a| a.id == "player:a")
        .expect("a")
        .credits_posted += 1;
    let r = audit(&log, &accounts);
    assert!(
        !r.ok && r.problems.iter().any(|p| p.contains("sum")),
        "{:?}",
        r.problems
    );
}

/// The pending index is derived from the log, and the audit holds it to
/// it: a posted reservation flipped back to pending (it could be posted
/// again), a deadline moved, an entry dropped or invented all show.
#[test]
fn the_audit_checks_the_pending_index_against_the_log() {
    let mut m = Model::new();
    m.submit(vec![TransferRequest::single("d", ISSUANCE, "player:a", 10)])
        .expect("d");
    m.submit(vec![TransferRequest::pending(
        "p1", "player:a", "table:t", 4, 60_000,
    )])
    .expect("p1");
    m.submit(vec![TransferRequest::pending(
        "p2", "player:a", "table:t", 3, 60_000,
    )])
    .expect("p2");
    m.submit(vec![TransferRequest::post("p1-post", "p1")])
        .expect("post");
    let log = m.w.new_transfers.clone();
    let index = m.index();
    assert!(audit_pending(&log, &index).is_empty());
    let state_of =
        |i: &[PendingIndexEntry], id: &str| i.iter().find(|e| e.id == id).map(|e| e.state);
    assert_eq!(state_of(&index, "p1"), Some(PendingState::Posted));
    assert_eq!(state_of(&index, "p2"), Some(PendingState::Pending));

    let tampered = |f: &dyn Fn(&mut Vec<PendingIndexEntry>)| {
        let mut i = index.clone();
        f(&mut i);
        audit_pending(&log, &i)
    };
    let reopened = tampered(&|i| {
        i.iter_mut().find(|e| e.id == "p1").expect("p1").state = PendingState::Pending;
    });
    assert!(
        reopened
            .iter()
            .any(|p| p.contains("\"p1\" (transfer 2) is pending, the log says posted")),
        "{reopened:?}"
    );
    let later = tampered(&|i| {
        i.iter_mut().find(|e| e.id == "p2").expect("p2").expires_ms += 1;
    });
    assert!(later.iter().any(|p| p.contains("expires at")), "{later:?}");
    let dropped = tampered(&|i| i.retain(|e| e.id != "p2"));
    assert!(
        dropped
            .iter()
            .any(|p| p.contains("\"p2\" (transfer 3, pending) is missing")),
        "{dropped:?}"
    );
    let invented = tampered(&|i| {
        i.push(PendingIndexEntry {
            id: "p9".into(),
            state: PendingState::Pending,
            expires_ms: 1,
        })
    });
    assert!(
        invented.iter().any(|p| p.contains("holds \"p9\"")),
        "{invented:?}"
    );
}

#[test]
fn the_chain_hash_is_what_the_readme_says() {
    // A fixed vector, so another implementation can check its encoding.
    let t = Transfer {
        seq: 1,
        id: "d1".into(),
        kind: TransferKind::Single,
        debit: ISSUANCE.into(),
        credit: "player:alice".into(),
        amount: 500,
        pending_id: None,
        expires_ms: None,
        timestamp_ms: 1_700_000_000_000,
        memo: None,
        fingerprint: TransferRequest::single("d1", ISSUANCE, "player:alice", 500).fingerprint(),
        prev_hash: hex::encode([0u8; 32]),
        hash: String::new(),
    };
    let mut bytes = Vec::new();
    bytes.extend_from_slice(CHAIN_DOMAIN);
    bytes.extend_from_slice(&[0u8; 32]);
    bytes.extend_from_slice(&1u64.to_be_bytes());
    bytes.push(1);
    bytes.extend_from_slice(&500u64.to_be_bytes());
    bytes.extend_from_slice(&0u64.to_be_bytes());
    bytes.extend_from_slice(&1_700_000_000_000u64.to_be_bytes());
    for s in ["d1", ISSUANCE, "player:alice", "", "", &t.fingerprint] {
        bytes.extend_from_slice(&(s.len() as u32).to_be_bytes());
        bytes.extend_from_slice(s.as_bytes());
    }
    let want: [u8; 32] = Sha256::digest(&bytes).into();
    assert_eq!(t.chain_hash(&[0u8; 32]), want);
}

fn arb_account() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(ISSUANCE.to_string()),
        Just(HOUSE.to_string()),
        (0..4u8).prop_map(|i| format!("player:p{i}")),
        (0..3u8).prop_map(|i| format!("table:t{i}")),
    ]
}

#[derive(Debug, Clone)]
enum Op {
    Move(String, String, u64, Option<u64>),
    Post(usize),
    Void(usize),
    Retry(usize),
    Linked(Vec<(String, String, u64)>),
    Wait(u64),
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (arb_account(), arb_account(), 1..200u64, proptest::option::of(1..20u64))
            .prop_map(|(d, c, a, t)| Op::Move(d, c, a, t)),
        1 => (0..64usize).prop_map(Op::Post),
        1 => (0..64usize).prop_map(Op::Void),
        1 => (0..64usize).prop_map(Op::Retry),
        1 => proptest::collection::vec((arb_account(), arb_account(), 1..200u64), 1..4).prop_map(Op::Linked),
        1 => (1..30u64).prop_map(Op::Wait),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever a workload does, money is conserved, nobody but issuance is
    /// overdrawn, and the audit agrees with the stored accounts.
    #[test]
    fn random_workloads_conserve_money(ops in proptest::collection::vec(arb_op(), 1..80)) {
        let mut m = Model::new();
        let mut sent: Vec<TransferRequest> = Vec::new();
        let mut n = 0u32;
        let mut next_id = || { n += 1; format!("t{n}") };
        for op in ops {
            let reqs = match op {
                Op::Move(d, c, a, t) => {
                    let id = next_id();
                    vec![match t {
                        Some(t) => TransferRequest::pending(&id, &d, &c, a, t),
                        None => TransferRequest::single(&id, &d, &c, a),
                    }]
                }
                Op::Post(i) | Op::Void(i) if sent.is_empty() => { let _ = i; continue }
                Op::Post(i) => vec![TransferRequest::post(&next_id(), &sent[i % sent.len()].id)],
                Op::Void(i) => vec![TransferRequest::void(&next_id(), &sent[i % sent.len()].id)],
                Op::Retry(i) => {
                    if sent.is_empty() { continue }
                    let r = sent[i % sent.len()].clone();
                    let asked = |m: &Model| m.w.new_transfers.iter().filter(|t| t.kind != TransferKind::Expire).count();
                    let before = asked(&m);
                    if let Ok(a) = m.submit(vec![r]) {
                        prop_assert!(a.replayed);
                        prop_assert_eq!(asked(&m), before, "a retry appended a transfer");
                    }
                    continue;
                }
                Op::Linked(legs) => legs
                    .into_iter()
                    .map(|(d, c, a)| TransferRequest::single(&next_id(), &d, &c, a))
                    .collect(),
                Op::Wait(ms) => { m.now += ms; continue }
            };
            if m.submit(reqs.clone()).is_ok() {
                sent.extend(reqs);
            }
        }
    }
}
