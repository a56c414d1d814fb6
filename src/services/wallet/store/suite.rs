//! The behaviour every store must have, run against each implementation
//! (`sqlite::tests`, `postgres::tests`) on a fresh, empty store.

use std::future::Future;
use std::sync::Arc;

use super::{Store, TransferQuery};
use crate::services::wallet::ledger::{
    HOUSE, ISSUANCE, LedgerError, PendingState, Submission, TransferKind, TransferRequest,
};

fn one(r: TransferRequest) -> Vec<Submission> {
    vec![Submission::one(r)]
}

async fn must<S: Store>(
    s: &S,
    r: TransferRequest,
    now: u64,
) -> crate::services::wallet::ledger::Applied {
    s.apply(one(r), now)
        .await
        .expect("store")
        .remove(0)
        .expect("applied")
}

async fn refused<S: Store>(s: &S, r: TransferRequest, now: u64) -> LedgerError {
    s.apply(one(r), now)
        .await
        .expect("store")
        .remove(0)
        .expect_err("refused")
}

/// Runs every check; `fresh` makes a new empty store.
pub async fn run<S, F, Fut>(fresh: F)
where
    S: Store,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    transfers_move_money_and_are_read_back(fresh().await).await;
    retries_answer_the_original(fresh().await).await;
    a_batch_answers_each_submission_alone(fresh().await).await;
    pending_transfers_post_void_and_expire(fresh().await).await;
    concurrent_spends_of_one_balance_succeed_once(fresh().await).await;
    history_pages_by_account(fresh().await).await;
}

async fn transfers_move_money_and_are_read_back<S: Store>(s: S) {
    must(
        &s,
        TransferRequest::single("d1", ISSUANCE, "player:alice", 1_000),
        10,
    )
    .await;
    must(
        &s,
        TransferRequest::single("h1", ISSUANCE, HOUSE, 5_000),
        11,
    )
    .await;
    must(
        &s,
        TransferRequest::single("b1", "player:alice", "table:g1", 400),
        12,
    )
    .await;
    let alice = s
        .account("player:alice".into())
        .await
        .expect("read")
        .expect("alice");
    assert_eq!(alice.balance(), 600);
    let table = s
        .account("table:g1".into())
        .await
        .expect("read")
        .expect("table");
    assert_eq!(table.balance(), 400);
    assert!(
        s.account("player:nobody".into())
            .await
            .expect("read")
            .is_none()
    );
    let e = refused(
        &s,
        TransferRequest::single("b2", "player:alice", "table:g1", 601),
        13,
    )
    .await;
    assert!(matches!(e, LedgerError::Insufficient { .. }), "{e:?}");
    let t = s.transfer("b1".into()).await.expect("read").expect("b1");
    assert_eq!((t.seq, t.amount, t.kind), (3, 400, TransferKind::Single));
    let head = s.head().await.expect("head");
    assert_eq!(head.seq, 3);
    assert_eq!(head.hash, t.hash);
    let report = s.audit().await.expect("audit");
    assert!(report.ok, "{:?}", report.problems);
    assert_eq!(report.issued, 6_000);
    assert_eq!(report.accounts, 4);
}

async fn retries_answer_the_original<S: Store>(s: S) {
    let r = TransferRequest::single("d1", ISSUANCE, "player:alice", 7);
    let first = must(&s, r.clone(), 10).await;
    let again = must(&s, r, 99).await;
    assert!(again.replayed);
    assert_eq!(again.transfers, first.transfers);
    let e = refused(
        &s,
        TransferRequest::single("d1", ISSUANCE, "player:alice", 8),
        100,
    )
    .await;
    assert!(matches!(e, LedgerError::Conflict(_)), "{e:?}");
    assert_eq!(s.head().await.expect("head").seq, 1);
}

async fn a_batch_answers_each_submission_alone<S: Store>(s: S) {
    let out = s
        .apply(
            vec![
                Submission::one(TransferRequest::single("d1", ISSUANCE, "player:a", 10)),
                Submission::one(TransferRequest::single("x", "player:a", "table:t", 11)),
                Submission::linked(vec![
                    TransferRequest::single("l1", "player:a", "table:t", 5),
                    TransferRequest::single("l2", "player:a", "table:t", 6),
                ]),
                Submission::one(TransferRequest::single("ok", "player:a", "table:t", 10)),
            ],
            5,
        )
        .await
        .expect("store");
    assert!(out[0].is_ok());
    assert!(matches!(out[1], Err(LedgerError::Insufficient { .. })));
    assert!(
        matches!(out[2], Err(LedgerError::Insufficient { .. })),
        "linked: all or none"
    );
    assert!(out[3].is_ok());
    assert!(s.transfer("l1".into()).await.expect("read").is_none());
    let a = s
        .account("player:a".into())
        .await
        .expect("read")
        .expect("a");
    assert_eq!(a.balance(), 0);
    let r = s.audit().await.expect("audit");
    assert!(r.ok, "{:?}", r.problems);
}

async fn pending_transfers_post_void_and_expire<S: Store>(s: S) {
    must(
        &s,
        TransferRequest::single("d1", ISSUANCE, "player:a", 10),
        1_000,
    )
    .await;
    must(
        &s,
        TransferRequest::pending("p1", "player:a", "table:t", 4, 100),
        1_000,
    )
    .await;
    must(
        &s,
        TransferRequest::pending("p2", "player:a", "table:t", 3, 100),
        1_000,
    )
    .await;
    must(
        &s,
        TransferRequest::pending("p3", "player:a", "table:t", 2, 100),
        1_000,
    )
    .await;
    let a = s
        .account("player:a".into())
        .await
        .expect("read")
        .expect("a");
    assert_eq!((a.balance(), a.available()), (10, 1));
    must(&s, TransferRequest::post("p1.post", "p1"), 1_010).await;
    must(&s, TransferRequest::void("p2.void", "p2"), 1_010).await;
    // p3's deadline passes: the next batch expires it, whatever it holds.
    must(
        &s,
        TransferRequest::single("d2", ISSUANCE, "player:b", 1),
        1_200,
    )
    .await;
    let e = refused(&s, TransferRequest::post("p3.post", "p3"), 1_201).await;
    assert!(matches!(e, LedgerError::Conflict(_)), "{e:?}");
    let x = s
        .transfer("expire:p3".into())
        .await
        .expect("read")
        .expect("expiry");
    assert_eq!((x.kind, x.amount), (TransferKind::Expire, 2));
    let a = s
        .account("player:a".into())
        .await
        .expect("read")
        .expect("a");
    assert_eq!((a.balance(), a.available()), (6, 6));
    let t = s.account("table:t".into()).await.expect("read").expect("t");
    assert_eq!((t.balance(), t.credits_pending), (4, 0));
    let e = refused(&s, TransferRequest::void("p1.void", "p1"), 1_300).await;
    assert!(
        matches!(e, LedgerError::Conflict(ref m) if m.contains("posted")),
        "{e:?}"
    );
    let _ = PendingState::Posted;
    let r = s.audit().await.expect("audit");
    assert!(r.ok, "{:?}", r.problems);
}

async fn concurrent_spends_of_one_balance_succeed_once<S: Store>(s: S) {
    must(
        &s,
        TransferRequest::single("d1", ISSUANCE, "player:a", 100),
        1,
    )
    .await;
    let s = Arc::new(s);
    let mut tasks = Vec::new();
    for i in 0..50 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.apply(
                one(TransferRequest::single(
                    &format!("spend{i}"),
                    "player:a",
                    "table:t",
                    100,
                )),
                2,
            )
            .await
            .expect("store")
            .remove(0)
            .is_ok()
        }));
    }
    let mut ok = 0;
    for t in tasks {
        if t.await.expect("task") {
            ok += 1;
        }
    }
    assert_eq!(
        ok, 1,
        "exactly one of 50 spends of the same 100 chips applies"
    );
    let r = s.audit().await.expect("audit");
    assert!(r.ok, "{:?}", r.problems);
}

async fn history_pages_by_account<S: Store>(s: S) {
    for i in 0..5 {
        must(
            &s,
            TransferRequest::single(&format!("a{i}"), ISSUANCE, "player:a", 1),
            1,
        )
        .await;
        must(
            &s,
            TransferRequest::single(&format!("b{i}"), ISSUANCE, "player:b", 1),
            1,
        )
        .await;
    }
    let page = s
        .transfers(TransferQuery {
            account: Some("player:a".into()),
            after_seq: 0,
            limit: 3,
        })
        .await
        .expect("page");
    assert_eq!(
        page.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
        ["a0", "a1", "a2"]
    );
    let next = s
        .transfers(TransferQuery {
            account: Some("player:a".into()),
            after_seq: page[2].seq,
            limit: 3,
        })
        .await
        .expect("page");
    assert_eq!(
        next.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
        ["a3", "a4"]
    );
    let all = s
        .transfers(TransferQuery {
            account: None,
            after_seq: 0,
            limit: 100,
        })
        .await
        .expect("all");
    assert_eq!(all.len(), 10);
    let accounts = s.accounts(None, 100).await.expect("accounts");
    assert_eq!(
        accounts.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        ["issuance", "player:a", "player:b"]
    );
    let after = s
        .accounts(Some("issuance".into()), 1)
        .await
        .expect("accounts");
    assert_eq!(after[0].id, "player:a");
}
