//! Restarts, refusals and the signing discipline under random inputs.

use std::collections::HashMap;

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::services::consensus::protocol::messages::PreparedCertificate;

fn record(
    view: u64,
    phase: Phase,
    hash: [u8; 32],
    prepared: Option<PreparedCertificate>,
) -> SafetyRecord {
    SafetyRecord {
        height: 1,
        view,
        phase,
        block_hash: hash,
        prepared,
        branch: Vec::new(),
    }
}

#[test]
fn a_restarted_validator_never_signs_below_its_record() {
    let b = block(1, 1, [0; 32], &["a"]);
    let recovered = Recovered {
        safety: Some(record(5, Phase::Generic, [9; 32], None)),
        committed: vec![],
    };
    let mut c = core(3, Some(recovered));
    assert_eq!(c.view(), 5);
    assert!(sent_votes(&c.step(msg(1, proposal(&b, None, None)))).is_empty());
    // Another block in the recorded view is refused too (same slot).
    let tc4 = tc_of(4, None, &[0, 1, 2]);
    let b5 = block(1, 5, [0; 32], &["b"]);
    let out = c.step(msg(1, proposal(&b5, None, Some(tc4))));
    assert!(sent_votes(&out).is_empty());
    assert!(rejections(&out).is_empty());
}

#[test]
fn a_restarted_validator_resends_its_recorded_timeout_and_keeps_its_lock() {
    let b = block(1, 1, [0; 32], &["a"]);
    let qc = qc_of(&b);
    let prepared = PreparedCertificate {
        qc: qc.clone(),
        block: b.clone(),
    };
    let recovered = Recovered {
        safety: Some(record(
            3,
            Phase::Timeout,
            timeout_digest(3, 1),
            Some(prepared),
        )),
        committed: vec![],
    };
    let mut c = core(0, Some(recovered));
    assert_eq!(c.view(), 3);
    assert_eq!(c.high_qc(), Some(&qc));
    let out = c.step(Input::Start);
    let sent = out
        .iter()
        .find_map(|e| match e {
            Effect::Broadcast {
                msg: Message::HotStuff(HotStuffMessage::Timeout { vote, high_qc, .. }),
            } => Some((vote.clone(), high_qc.clone())),
            _ => None,
        })
        .expect("the recorded timeout again");
    assert_eq!(sent.0, timeout_vote(0, 3, 1));
    assert_eq!(sent.1, Some(qc));
    assert!(!out.iter().any(|e| matches!(e, Effect::Persist(_))));
}

/// Every validator crashed while the lock's branch held two certified,
/// uncommitted blocks: the record carries the lower one, so a restarted
/// validator can extend the branch without anyone to serve it.
#[test]
fn a_restarted_validator_recovers_the_uncommitted_branch_of_its_lock() {
    let b1 = block(1, 1, [0; 32], &["a"]);
    let b2 = block(2, 3, b1.hash(), &["b"]);
    let b3 = block(3, 5, b2.hash(), &["c"]);
    let entry = |b: &Block| PreparedCertificate {
        qc: qc_of(b),
        block: b.clone(),
    };
    let mut rec = record(6, Phase::Timeout, timeout_digest(6, 5), Some(entry(&b3)));
    rec.height = 0;
    rec.branch = vec![entry(&b2)];
    let recovered = Recovered {
        safety: Some(rec),
        committed: vec![(b1.clone(), qc_of(&b1))],
    };
    let mut c = core(1, Some(recovered));
    assert_eq!((c.height(), c.view()), (2, 6));
    c.step(Input::Start);
    // The leader of view 7 extends b3 after a TC for view 6.
    let b4 = block(4, 7, b3.hash(), &["d"]);
    let tc6 = tc_of(6, Some(&qc_of(&b3)), &[1, 2, 3]);
    let out = c.step(msg(3, proposal(&b4, Some(qc_of(&b3)), Some(tc6))));
    assert!(rejections(&out).is_empty(), "{:?}", rejections(&out));
    let votes = sent_votes(&out);
    assert_eq!(votes.len(), 1, "votes without fetching b2: {out:?}");
    assert_eq!(votes[0].0, Some(0), "to the leader of view 8");
    assert_eq!(votes[0].1.block_hash, b4.hash());
    let persisted = out
        .iter()
        .find_map(|e| match e {
            Effect::Persist(r) => Some(r.clone()),
            _ => None,
        })
        .expect("the vote's record");
    assert_eq!(persisted.prepared.map(|p| p.block), Some(b3));
    assert_eq!(persisted.branch, vec![entry(&b2)]);
}

#[test]
fn a_record_of_another_algorithm_is_refused() {
    for phase in [
        Phase::Prepare,
        Phase::Commit,
        Phase::ViewChange,
        Phase::Prevote,
        Phase::Precommit,
    ] {
        let recovered = Recovered {
            safety: Some(record(1, phase, [0; 32], None)),
            committed: vec![],
        };
        let err = HotStuff::new(
            set(N),
            0,
            key(0).to_bytes(),
            CoreConfig::default(),
            Some(recovered),
        )
        .unwrap_err();
        assert!(matches!(err, SetupError::Recovered(_)), "{phase}: {err}");
    }
    let b = block(1, 1, [0; 32], &[]);
    let mut bad = qc_of(&b);
    bad.phase = Phase::Commit;
    let recovered = Recovered {
        safety: None,
        committed: vec![(b, bad)],
    };
    assert!(matches!(
        HotStuff::new(
            set(N),
            0,
            key(0).to_bytes(),
            CoreConfig::default(),
            Some(recovered)
        ),
        Err(SetupError::Recovered(_))
    ));
}

#[test]
fn bad_messages_are_refused_with_the_reason() {
    let mut c = core(0, None);
    let b1 = block(1, 1, [0; 32], &["a"]);
    // Proposed by a validator that does not lead view 1.
    let mut wrong = b1.clone();
    wrong.proposer = 2;
    let m = Message::HotStuff(HotStuffMessage::Proposal {
        block: wrong.clone(),
        justify: None,
        tc: None,
        vote: vote_for(2, &wrong),
    });
    assert!(matches!(
        rejections(&c.step(msg(2, m)))[..],
        [RejectReason::Malformed { .. }]
    ));
    // A bad signature.
    let Message::HotStuff(HotStuffMessage::Proposal { vote, .. }) = proposal(&b1, None, None)
    else {
        unreachable!()
    };
    let mut forged = vote.clone();
    forged.signature[0] ^= 1;
    let m = Message::HotStuff(HotStuffMessage::Proposal {
        block: b1.clone(),
        justify: None,
        tc: None,
        vote: forged,
    });
    assert_eq!(
        rejections(&c.step(msg(1, m))),
        vec![RejectReason::BadSignature { validator: 1 }]
    );
    // A view entered neither by a QC nor by a TC.
    let b3 = block(1, 3, [0; 32], &["c"]);
    assert!(matches!(
        rejections(&c.step(msg(3, proposal(&b3, None, None))))[..],
        [RejectReason::Malformed { .. }]
    ));
    // A timeout whose digest does not match the QC it carries.
    let qc = qc_of(&b1);
    let t = Message::HotStuff(HotStuffMessage::Timeout {
        vote: timeout_vote(1, 2, 0),
        high_qc: Some(qc),
        last_tc: None,
    });
    assert!(matches!(
        rejections(&c.step(msg(1, t)))[..],
        [RejectReason::Malformed { .. }]
    ));
    // A TC without a quorum.
    let weak = Message::HotStuff(HotStuffMessage::SyncInfo {
        high_qc: None,
        tc: Some(tc_of(1, None, &[1, 2])),
    });
    assert!(matches!(
        rejections(&c.step(msg(1, weak)))[..],
        [RejectReason::Malformed { .. }]
    ));
    // A bare timeout vote, a PBFT message, a non-member.
    assert_eq!(
        rejections(&c.step(msg(1, Message::Vote(timeout_vote(1, 1, 0))))).len(),
        1
    );
    let pp = Message::PrePrepare {
        block: b1.clone(),
        vote: vote_for(1, &b1),
        parent_qc: None,
    };
    assert_eq!(rejections(&c.step(msg(1, pp))).len(), 1);
    assert_eq!(
        rejections(&c.step(msg(9, proposal(&b1, None, None)))),
        vec![RejectReason::NonMember { validator: 9 }]
    );
    assert_eq!(c.view(), 1, "nothing refused moved the view");
    // And the honest proposal still gets our vote.
    assert_eq!(
        sent_votes(&c.step(msg(1, proposal(&b1, None, None)))).len(),
        1
    );
}

#[test]
fn a_synced_block_is_committed_only_when_the_two_chain_rule_proves_it() {
    let mut c = core(0, None);
    let b1 = block(1, 1, [0; 32], &["a"]);
    let b2 = block(2, 3, b1.hash(), &["b"]); // view 2 failed
    let b3 = block(3, 4, b2.hash(), &[]);
    let out = c.step(msg(
        1,
        Message::SyncResponse {
            blocks: vec![(b1.clone(), qc_of(&b1)), (b2.clone(), qc_of(&b2))],
        },
    ));
    assert!(
        commits(&out).is_empty(),
        "b2 is not b1's child of the next view"
    );
    let out = c.step(msg(
        1,
        Message::SyncResponse {
            blocks: vec![(b3.clone(), qc_of(&b3))],
        },
    ));
    assert_eq!(commits(&out), vec![(1, b1.hash()), (2, b2.hash())]);
    // A block that does not match its certificate is refused.
    let mut c = core(0, None);
    let out = c.step(msg(
        1,
        Message::SyncResponse {
            blocks: vec![(b2.clone(), qc_of(&b1))],
        },
    ));
    assert_eq!(rejections(&out).len(), 1);
}

#[test]
fn a_sync_request_is_answered_with_committed_blocks_and_the_chain_that_proves_them() {
    let mut c = core(0, None);
    let b1 = block(1, 1, [0; 32], &["a"]);
    let b2 = block(2, 2, b1.hash(), &["b"]);
    let b3 = block(3, 3, b2.hash(), &[]);
    c.step(msg(1, proposal(&b1, None, None)));
    c.step(msg(2, proposal(&b2, Some(qc_of(&b1)), None)));
    c.step(msg(3, proposal(&b3, Some(qc_of(&b2)), None)));
    assert_eq!(c.height(), 2);
    let out = c.step(msg(2, Message::SyncRequest { from_height: 1 }));
    let mut other = core(2, None);
    let mut committed = vec![];
    for e in out {
        if let Effect::Send { to: 2, msg: m } = e {
            committed.extend(commits(&other.step(msg(0, m))));
        }
    }
    assert_eq!(committed, vec![(1, b1.hash())]);
}

/// Inputs a validator may see in views 1..=4: proposals (two per view),
/// timeouts, votes and timer expiries, in any order.
fn inputs() -> Vec<Input> {
    let mut all = vec![Input::Start, Input::Propose(Proposal::new("p", json!(1)))];
    let b1 = block(1, 1, [0; 32], &["a"]);
    let b1x = block(1, 1, [0; 32], &["x"]);
    let q1 = qc_of(&b1);
    let b2 = block(2, 2, b1.hash(), &["b"]);
    let b2t = block(1, 2, [0; 32], &["y"]);
    let tc1 = tc_of(1, None, &[0, 1, 2]);
    let b3 = block(3, 3, b2.hash(), &[]);
    let tc2 = tc_of(2, Some(&q1), &[1, 2, 3]);
    let b3t = block(2, 3, b1.hash(), &["c"]);
    for (b, j, t) in [
        (&b1, None, None),
        (&b1x, None, None),
        (&b2, Some(q1.clone()), None),
        (&b2t, None, Some(tc1.clone())),
        (&b3, Some(qc_of(&b2)), None),
        (&b3t, Some(q1.clone()), Some(tc2)),
    ] {
        let leader = u32::try_from(b.view % N as u64).unwrap();
        all.push(msg(leader, proposal(b, j, t)));
    }
    for view in 1..=4 {
        all.push(Input::Timeout { view, height: 1 });
        all.push(Input::Timeout { view, height: 2 });
        for i in 1..3 {
            all.push(msg(
                u32::try_from(i).unwrap(),
                Message::HotStuff(HotStuffMessage::Timeout {
                    vote: timeout_vote(i, view, 0),
                    high_qc: None,
                    last_tc: None,
                }),
            ));
        }
    }
    for b in [&b1, &b2, &b3] {
        for i in 1..4 {
            all.push(msg(
                u32::try_from(i).unwrap(),
                Message::Vote(vote_for(i, b)),
            ));
        }
    }
    all
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever arrives in whatever order: one signature per slot, every
    /// signature preceded by a record covering it, slots never go down,
    /// commits in height order, nothing refused.
    #[test]
    fn signing_discipline_holds_for_any_input_order(order in prop::collection::vec(0usize..64, 1..60)) {
        let all = inputs();
        let mut c = fast_core(0);
        let mut signed: HashMap<(u64, u8), [u8; 32]> = HashMap::new();
        let mut persisted: Option<SafetyRecord> = None;
        let mut committed = 0u64;
        for i in order {
            let input = all[i % all.len()].clone();
            for e in c.step(input) {
                match e {
                    Effect::Persist(r) => {
                        if let Some(old) = &persisted {
                            prop_assert!((r.view, r.phase.rank()) >= (old.view, old.phase.rank()));
                        }
                        persisted = Some(r);
                    }
                    Effect::Send { msg, .. } | Effect::Broadcast { msg } => {
                        let own = match &msg {
                            Message::Vote(v) => Some(v.clone()),
                            m => m.anchor_vote().cloned(),
                        };
                        if let Some(v) = own.filter(|v| v.validator == 0) {
                            let r = persisted.as_ref().expect("signed before persisting");
                            let slot = (v.view, v.phase.rank());
                            prop_assert!(slot <= (r.view, r.phase.rank()));
                            let first = *signed.entry(slot).or_insert(v.block_hash);
                            prop_assert_eq!(first, v.block_hash, "two hashes in one slot");
                        }
                    }
                    Effect::Commit { block, .. } => {
                        prop_assert_eq!(block.height, committed + 1);
                        committed = block.height;
                    }
                    Effect::Rejected { reason, .. } => prop_assert!(false, "refused {reason}"),
                    _ => {}
                }
            }
        }
    }
}
