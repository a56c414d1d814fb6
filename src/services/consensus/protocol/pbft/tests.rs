//! Focused tests of PBFT cores driven by hand (real ed25519 unless noted).

use std::collections::VecDeque;

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::services::consensus::protocol::messages::{Evidence, NewView, PreparedCertificate};
use crate::services::consensus::protocol::testkit::{ResignCheck, key, set};
use crate::services::consensus::protocol::types::{
    Block, Proposal, QuorumCertificate, view_change_digest,
};

fn core(n: usize, me: u32, recovered: Option<Recovered>) -> Pbft {
    let secret = key(me as usize).to_bytes();
    Pbft::new(set(n), me, secret, PbftConfig::default(), recovered).unwrap()
}

/// A core with the cheap simulation check (for tests that move many votes).
fn fast_core(n: usize, me: u32) -> Pbft {
    core(n, me, None).with_signature_check(Box::new(ResignCheck::new((0..n).map(key))))
}

fn msg(from: u32, msg: Message) -> Input {
    Input::Message { from, msg }
}

fn proposal(id: &str) -> Proposal {
    Proposal::new(id, json!({"id": id}))
}

fn block(height: u64, view: u64, proposer: u32, ids: &[&str]) -> Block {
    Block {
        height,
        view,
        parent_hash: [0; 32],
        proposer,
        proposals: ids.iter().map(|id| proposal(id)).collect(),
    }
}

fn vote(i: usize, height: u64, view: u64, phase: Phase, hash: [u8; 32]) -> Vote {
    Vote::sign(
        &key(i),
        &set(4),
        u32::try_from(i).unwrap(),
        height,
        view,
        phase,
        hash,
    )
}

fn pre_prepare(b: &Block) -> Message {
    Message::PrePrepare {
        block: b.clone(),
        vote: vote(b.proposer as usize, b.height, 0, Phase::Prepare, b.hash()),
        parent_qc: None,
    }
}

fn rejections(effects: &[Effect]) -> Vec<RejectReason> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Rejected { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .collect()
}

fn sent_votes(effects: &[Effect]) -> Vec<Vote> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Broadcast { msg } | Effect::Send { msg, .. } => match msg {
                Message::Vote(v) | Message::PrePrepare { vote: v, .. } => Some(v.clone()),
                Message::ViewChange(vc) => Some(vc.vote.clone()),
                Message::NewView(nv) => Some(nv.vote.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// Delivers every message until the network is quiet (no loss, FIFO).
/// Returns the commits as (node, height, hash).
fn run(cores: &mut [Pbft], first: Vec<(u32, Vec<Effect>)>) -> Vec<(u32, u64, [u8; 32])> {
    let mut queue: VecDeque<(u32, u32, Message)> = VecDeque::new();
    let mut commits = Vec::new();
    let mut absorb = |from: u32,
                      effects: Vec<Effect>,
                      queue: &mut VecDeque<(u32, u32, Message)>,
                      n: u32| {
        for e in effects {
            match e {
                Effect::Send { to, msg } => queue.push_back((from, to, msg)),
                Effect::Broadcast { msg } => (0..n)
                    .filter(|to| *to != from)
                    .for_each(|to| queue.push_back((from, to, msg.clone()))),
                Effect::Commit { block, qc } => commits.push((from, block.height, qc.block_hash)),
                Effect::Rejected { reason, .. } => panic!("honest rejection: {reason}"),
                _ => {}
            }
        }
    };
    let n = u32::try_from(cores.len()).unwrap();
    for (from, effects) in first {
        absorb(from, effects, &mut queue, n);
    }
    while let Some((from, to, m)) = queue.pop_front() {
        let effects = cores[to as usize].step(msg(from, m));
        absorb(to, effects, &mut queue, n);
    }
    commits
}

#[test]
fn config_timeouts_double_and_cap() {
    let c = PbftConfig {
        max_timeout_ms: 1_000,
        ..PbftConfig::default()
    };
    let t: Vec<u64> = (0..6).map(|v| c.timeout_for(v)).collect();
    assert_eq!(t, [200, 400, 800, 1_000, 1_000, 1_000]);
    assert_eq!(c.timeout_for(u64::MAX), 1_000);
    assert!(
        PbftConfig {
            base_timeout_ms: 0,
            ..c.clone()
        }
        .validate()
        .is_err()
    );
    assert!(
        PbftConfig {
            max_timeout_ms: 10,
            ..c
        }
        .validate()
        .is_err()
    );
}

#[test]
fn setup_checks_key_and_index() {
    let wrong_key = Pbft::new(set(4), 0, key(1).to_bytes(), PbftConfig::default(), None);
    assert_eq!(wrong_key.unwrap_err(), SetupError::KeyMismatch { index: 0 });
    let outsider = Pbft::new(set(4), 4, key(4).to_bytes(), PbftConfig::default(), None);
    assert_eq!(outsider.unwrap_err(), SetupError::NotAMember { index: 4 });
}

#[test]
fn leader_rotates_with_height_and_view() {
    let s = set(4);
    assert_eq!(s.leader(1, 0), 1);
    assert_eq!(s.leader(1, 1), 2);
    assert_eq!(s.leader(2, 0), 2);
    assert_eq!(s.leader(3, 2), 1);
}

#[test]
fn non_leader_forwards_and_leader_persists_before_proposing() {
    // Height 1, view 0 is led by validator 1.
    let mut follower = core(4, 0, None);
    let effects = follower.step(Input::Propose(proposal("a")));
    assert!(
        matches!(&effects[0], Effect::Broadcast { msg: Message::Forward { proposals } } if proposals.len() == 1)
    );
    assert!(matches!(
        effects.last(),
        Some(Effect::SetTimer {
            height: 1,
            view: 0,
            after_ms: 200
        })
    ));
    assert_eq!(follower.pending_count(), 1);

    let mut leader = core(4, 1, None);
    let effects = leader.step(Input::Propose(proposal("a")));
    let kinds: Vec<&str> = effects
        .iter()
        .map(|e| match e {
            Effect::Persist(_) => "persist",
            Effect::Broadcast { msg } => msg.kind(),
            Effect::SetTimer { .. } => "timer",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["forward", "persist", "pre_prepare", "timer"]);
}

#[test]
fn four_validators_commit_and_timers_reset() {
    let mut cores: Vec<Pbft> = (0..4).map(|i| fast_core(4, i)).collect();
    let first = cores[1].step(Input::Propose(proposal("a")));
    let commits = run(&mut cores, vec![(1, first)]);
    assert_eq!(commits.len(), 4, "{commits:?}");
    assert!(commits.iter().all(|c| c.1 == 1 && c.2 == commits[0].2));
    for c in &cores {
        assert_eq!(c.height(), 2);
        assert_eq!(c.pending_count(), 0);
        assert_eq!(c.last_committed_hash(), Some(commits[0].2));
    }
    // The same id again is refused quietly: it is committed.
    assert!(cores[2].step(Input::Propose(proposal("a"))).is_empty());
    // A timeout moves validator 0 to view 1 with a doubled timer; after the
    // next commit, timers start from the base again.
    let e = cores[0].step(Input::Propose(proposal("b")));
    assert!(e.contains(&Effect::SetTimer {
        view: 0,
        height: 2,
        after_ms: 200
    }));
    let e = cores[0].step(Input::Timeout { view: 0, height: 2 });
    assert!(e.contains(&Effect::SetTimer {
        view: 1,
        height: 2,
        after_ms: 400
    }));
    assert!(cores[0].is_view_changing());
    let mut first = vec![(0, e)];
    for i in 1..4 {
        let e = cores[i as usize].step(Input::Timeout { view: 0, height: 2 });
        first.push((i, e));
    }
    // The leader of height 2 never saw "b" (no forwards were delivered),
    // others time out too and view 1's leader re-proposes.
    let commits = run(&mut cores, first);
    assert!(commits.iter().any(|c| c.1 == 2), "{commits:?}");
    assert!(cores.iter().all(|c| c.height() == 3 && c.view() == 0));
    let e = cores[3].step(Input::Propose(proposal("c")));
    assert!(e.iter().any(|e| matches!(
        e,
        Effect::SetTimer {
            height: 3,
            view: 0,
            after_ms: 200
        }
    )));
}

#[test]
fn single_validator_commits_alone() {
    let mut solo = core(1, 0, None);
    let effects = solo.step(Input::Propose(proposal("a")));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Commit { block, .. } if block.height == 1))
    );
    assert_eq!(solo.height(), 2);
}

#[test]
fn forged_votes_are_rejected_with_the_right_reason() {
    let mut c = core(4, 0, None);
    let hash = [7; 32];
    let good = vote(2, 1, 0, Phase::Prepare, hash);

    let mut bad_sig = good.clone();
    bad_sig.signature[3] ^= 1;
    let mut other = set(4);
    other.chain_id = "other-chain".into();
    let wrong_chain = Vote::sign(&key(2), &other, 2, 1, 0, Phase::Prepare, hash);
    other = set(4);
    other.epoch = 5;
    let wrong_epoch = Vote::sign(&key(2), &other, 2, 1, 0, Phase::Prepare, hash);
    let outsider = Vote::sign(&key(9), &set(4), 9, 1, 0, Phase::Prepare, hash);
    let vc_as_vote = vote(2, 1, 1, Phase::ViewChange, [0; 32]);

    let cases: Vec<(u32, Message, &str)> = vec![
        (2, Message::Vote(bad_sig), "bad_signature"),
        (2, Message::Vote(wrong_chain), "wrong_chain"),
        (2, Message::Vote(wrong_epoch), "wrong_epoch"),
        (2, Message::Vote(outsider), "non_member"),
        (9, Message::Vote(good.clone()), "non_member"),
        (2, Message::Vote(vc_as_vote), "malformed"),
    ];
    for (from, m, kind) in cases {
        let effects = c.step(msg(from, m));
        let reasons = rejections(&effects);
        assert_eq!(reasons.len(), 1, "{kind}: {effects:?}");
        assert_eq!(reasons[0].kind(), kind, "{:?}", reasons[0]);
        assert!(matches!(&effects[0], Effect::Rejected { from: f, .. } if *f == from));
    }
    assert!(rejections(&c.step(msg(2, Message::Vote(good)))).is_empty());
    assert!(c.last_votes()[2].is_some());
    assert!(c.last_votes()[3].is_none());
}

#[test]
fn malformed_pre_prepares_are_rejected() {
    let mut c = core(4, 0, None);
    let b = block(1, 0, 1, &["a"]);
    // From a validator that does not lead height 1 view 0.
    let not_leader = Message::PrePrepare {
        block: block(1, 0, 2, &["a"]),
        vote: vote(2, 1, 0, Phase::Prepare, block(1, 0, 2, &["a"]).hash()),
        parent_qc: None,
    };
    // The leader's vote names another block.
    let mismatched = Message::PrePrepare {
        block: b.clone(),
        vote: vote(1, 1, 0, Phase::Prepare, [9; 32]),
        parent_qc: None,
    };
    // A block that does not extend the chain.
    let mut orphan = b.clone();
    orphan.parent_hash = [1; 32];
    // A proposal twice in one block.
    let twice = block(1, 0, 1, &["a", "a"]);
    for m in [
        not_leader,
        mismatched,
        pre_prepare(&orphan),
        pre_prepare(&twice),
    ] {
        let reasons = rejections(&c.step(msg(1, m)));
        assert_eq!(reasons.len(), 1);
        assert_eq!(reasons[0].kind(), "malformed");
    }
    // The genuine one is prepared.
    let effects = c.step(msg(1, pre_prepare(&b)));
    assert!(rejections(&effects).is_empty());
    assert_eq!(sent_votes(&effects).len(), 1);
}

#[test]
fn duplicate_votes_produce_evidence_once() {
    let mut c = core(4, 0, None);
    let a = vote(3, 1, 0, Phase::Commit, [1; 32]);
    let b = vote(3, 1, 0, Phase::Commit, [2; 32]);
    let d = vote(3, 1, 0, Phase::Commit, [3; 32]);
    let evidence = |effects: Vec<Effect>| -> Vec<Evidence> {
        effects
            .into_iter()
            .filter_map(|e| match e {
                Effect::Evidence(e) => Some(e),
                _ => None,
            })
            .collect()
    };
    assert!(evidence(c.step(msg(3, Message::Vote(a.clone())))).is_empty());
    assert!(evidence(c.step(msg(3, Message::Vote(a.clone())))).is_empty()); // a repeat is no offence
    let found = evidence(c.step(msg(3, Message::Vote(b.clone()))));
    assert_eq!(found, vec![Evidence::DuplicateVote { a: a.clone(), b }]);
    assert_eq!(found[0].validator(), 3);
    assert!(
        evidence(c.step(msg(3, Message::Vote(d)))).is_empty(),
        "reported once"
    );
    // Another phase is another slot.
    let p1 = vote(3, 1, 0, Phase::Prepare, [1; 32]);
    let p2 = vote(3, 1, 0, Phase::Prepare, [2; 32]);
    c.step(msg(3, Message::Vote(p1)));
    assert_eq!(evidence(c.step(msg(3, Message::Vote(p2)))).len(), 1);
}

#[test]
fn restarted_validator_never_double_signs() {
    // Validator 2 prepares block A from leader 1 ...
    let a = block(1, 0, 1, &["a"]);
    let b = block(1, 0, 1, &["b"]); // ... which then equivocates with B.
    let mut first = core(4, 2, None);
    let effects = first.step(msg(1, pre_prepare(&a)));
    let Some(Effect::Persist(record)) = effects.first().cloned() else {
        panic!("the prepare vote must be persisted first: {effects:?}");
    };
    let prepare_a = sent_votes(&effects).remove(0);
    assert_eq!(
        (record.height, record.view, record.phase, record.block_hash),
        (1, 0, Phase::Prepare, a.hash())
    );

    // kill -9; restart from exactly what was persisted.
    let recovered = Recovered {
        safety: Some(record.clone()),
        committed: vec![],
    };
    let mut again = core(4, 2, Some(recovered));
    again.step(Input::Start);
    let effects = again.step(msg(1, pre_prepare(&b)));
    assert!(
        sent_votes(&effects).is_empty(),
        "signed B after A: {effects:?}"
    );
    assert!(!effects.iter().any(|e| matches!(e, Effect::Persist(_))));
    // A again is fine: the same slot, the same signature.
    let effects = again.step(msg(1, pre_prepare(&a)));
    assert_eq!(sent_votes(&effects), vec![prepare_a]);
}

#[test]
fn restarted_validator_still_reports_what_it_prepared() {
    // Validator 2 saw a prepare quorum for A and sent its commit vote.
    let a = block(1, 0, 1, &["a"]);
    let mut first = core(4, 2, None);
    first.step(msg(1, pre_prepare(&a)));
    let effects = first.step(msg(
        3,
        Message::Vote(vote(3, 1, 0, Phase::Prepare, a.hash())),
    ));
    let commit = sent_votes(&effects);
    assert_eq!(commit.len(), 1);
    assert_eq!(commit[0].phase, Phase::Commit);
    let record = effects
        .iter()
        .find_map(|e| match e {
            Effect::Persist(r) => Some(r.clone()),
            _ => None,
        })
        .unwrap();
    assert!(record.prepared.is_some());

    let mut again = core(
        4,
        2,
        Some(Recovered {
            safety: Some(record),
            committed: vec![],
        }),
    );
    // It holds a prepared certificate, so it has work: a timer runs, and
    // its timeout sends a view change carrying the certificate.
    let started = again.step(Input::Start);
    assert!(
        started.iter().any(|e| matches!(
            e,
            Effect::SetTimer {
                height: 1,
                view: 0,
                ..
            }
        )),
        "{started:?}"
    );
    let effects = again.step(Input::Timeout { view: 0, height: 1 });
    let vc = effects
        .iter()
        .find_map(|e| match e {
            Effect::Broadcast {
                msg: Message::ViewChange(vc),
            } => Some(vc.clone()),
            _ => None,
        })
        .unwrap();
    let p = vc.prepared.unwrap();
    assert_eq!(p.qc.block_hash, a.hash());
    assert_eq!(vc.vote.block_hash, view_change_digest(Some((0, &a.hash()))));
}

/// View changes to view 1 at height 1 from `who`, none prepared.
fn view_changes(who: &[usize]) -> Vec<ViewChange> {
    who.iter()
        .map(|i| ViewChange {
            vote: vote(*i, 1, 1, Phase::ViewChange, [0; 32]),
            prepared: None,
        })
        .collect()
}

fn new_view(view_changes: Vec<ViewChange>, b: &Block) -> Message {
    // Height 1 view 1 is led by validator 2.
    Message::NewView(NewView {
        view_changes,
        block: b.clone(),
        vote: vote(2, 1, 1, Phase::Prepare, b.hash()),
        parent_qc: None,
    })
}

#[test]
fn new_view_proofs_are_checked() {
    let fresh = block(1, 1, 2, &["x"]);
    let mut c = core(4, 0, None);
    // Too few view changes.
    let r = rejections(&c.step(msg(2, new_view(view_changes(&[1, 2]), &fresh))));
    assert!(
        matches!(&r[..], [RejectReason::Malformed { detail }] if detail.contains("quorum")),
        "{r:?}"
    );
    // A signer twice.
    let r = rejections(&c.step(msg(2, new_view(view_changes(&[1, 2, 2]), &fresh))));
    assert_eq!(r[0].kind(), "malformed");
    // A forged view change inside.
    let mut forged = view_changes(&[1, 2, 3]);
    forged[0].vote.signature[0] ^= 1;
    let r = rejections(&c.step(msg(2, new_view(forged, &fresh))));
    assert_eq!(r, vec![RejectReason::BadSignature { validator: 1 }]);

    // Validator 3 prepared A in view 0: the new-view must re-propose A.
    let a = block(1, 0, 1, &["a"]);
    let prepares: Vec<Vote> = [0, 1, 3]
        .iter()
        .map(|i| vote(*i, 1, 0, Phase::Prepare, a.hash()))
        .collect();
    let qc = QuorumCertificate::from_votes(&prepares).unwrap();
    let mut vcs = view_changes(&[1, 2]);
    vcs.push(ViewChange {
        vote: vote(
            3,
            1,
            1,
            Phase::ViewChange,
            view_change_digest(Some((0, &a.hash()))),
        ),
        prepared: Some(PreparedCertificate {
            qc: qc.clone(),
            block: a.clone(),
        }),
    });
    let r = rejections(&c.step(msg(2, new_view(vcs.clone(), &fresh))));
    assert!(
        matches!(&r[..], [RejectReason::Malformed { detail }] if detail.contains("highest prepared")),
        "{r:?}"
    );
    // A certificate stripped from its view change is caught by the digest.
    let mut stripped = vcs.clone();
    stripped[2].prepared = None;
    let r = rejections(&c.step(msg(2, new_view(stripped, &fresh))));
    assert!(
        matches!(&r[..], [RejectReason::Malformed { detail }] if detail.contains("digest")),
        "{r:?}"
    );
    // The honest new-view is accepted: validator 0 moves to view 1 and
    // prepares A there.
    let effects = c.step(msg(2, new_view(vcs, &a)));
    assert!(rejections(&effects).is_empty(), "{effects:?}");
    assert_eq!(c.view(), 1);
    let votes = sent_votes(&effects);
    assert_eq!(
        (votes[0].view, votes[0].phase, votes[0].block_hash),
        (1, Phase::Prepare, a.hash())
    );
}

#[test]
fn f_plus_one_view_changes_pull_a_validator_along() {
    let mut c = core(4, 0, None);
    // View 2 of height 1 is led by validator 3, not by us.
    let vcs: Vec<ViewChange> = [1usize, 3]
        .iter()
        .map(|i| ViewChange {
            vote: vote(*i, 1, 2, Phase::ViewChange, [0; 32]),
            prepared: None,
        })
        .collect();
    let e = c.step(msg(1, Message::ViewChange(vcs[0].clone())));
    assert_eq!(c.view(), 0, "one validator is not enough: {e:?}");
    let e = c.step(msg(3, Message::ViewChange(vcs[1].clone())));
    assert_eq!(c.view(), 2);
    assert!(c.is_view_changing());
    let mine = sent_votes(&e);
    assert_eq!((mine[0].phase, mine[0].view), (Phase::ViewChange, 2));
}

#[test]
fn sync_catches_up_and_checks_certificates() {
    let mut cores: Vec<Pbft> = (0..4).map(|i| fast_core(4, i)).collect();
    let mut chain = Vec::new();
    for id in ["a", "b", "c"] {
        let h = cores[0].height();
        let leader = cores[0].set.leader(h, 0);
        let first = cores[leader as usize].step(Input::Propose(proposal(id)));
        run(&mut cores, vec![(leader, first)]);
        chain.push(cores[0].committed_block(h).unwrap().clone());
    }
    let mut late = core(4, 3, None);
    late.step(Input::Start);
    // A tampered certificate is refused and nothing is committed.
    let mut bad = chain.clone();
    bad[0].1.signatures[0].1[0] ^= 1;
    let effects = late.step(msg(0, Message::SyncResponse { blocks: bad }));
    assert_eq!(rejections(&effects)[0].kind(), "bad_signature");
    assert_eq!(late.height(), 1);
    // A block that is not the one certified.
    let mut swapped = chain.clone();
    swapped[0].0.proposals.push(proposal("smuggled"));
    assert_eq!(
        rejections(&late.step(msg(0, Message::SyncResponse { blocks: swapped })))[0].kind(),
        "malformed"
    );
    // The genuine blocks commit in order; a gap stops the walk.
    let effects = late.step(msg(
        0,
        Message::SyncResponse {
            blocks: vec![chain[0].clone(), chain[2].clone()],
        },
    ));
    assert_eq!(
        effects
            .iter()
            .filter(|e| matches!(e, Effect::Commit { .. }))
            .count(),
        1
    );
    let effects = late.step(msg(
        0,
        Message::SyncResponse {
            blocks: chain.clone(),
        },
    ));
    assert_eq!(
        effects
            .iter()
            .filter(|e| matches!(e, Effect::Commit { .. }))
            .count(),
        2
    );
    assert_eq!(late.height(), 4);
    // And it serves what it holds; older heights go to the shell.
    let mut small = PbftConfig::default();
    small.sync_window = 1;
    let mut tiny = Pbft::new(
        set(4),
        3,
        key(3).to_bytes(),
        small,
        Some(Recovered {
            safety: None,
            committed: chain.clone(),
        }),
    )
    .unwrap();
    let e = tiny.step(msg(1, Message::SyncRequest { from_height: 3 }));
    assert!(
        matches!(&e[..], [Effect::Send { to: 1, msg: Message::SyncResponse { blocks } }] if blocks.len() == 1)
    );
    let e = tiny.step(msg(1, Message::SyncRequest { from_height: 1 }));
    assert_eq!(
        e,
        vec![Effect::ServeSync {
            to: 1,
            from_height: 1,
            max_blocks: 64
        }]
    );
    assert!(
        tiny.step(msg(1, Message::SyncRequest { from_height: 4 }))
            .is_empty()
    );
}

#[test]
fn recovered_chain_must_be_consistent() {
    let mut cores: Vec<Pbft> = (0..4).map(|i| fast_core(4, i)).collect();
    let first = cores[1].step(Input::Propose(proposal("a")));
    run(&mut cores, vec![(1, first)]);
    let (b, qc) = cores[0].committed_block(1).unwrap().clone();
    let mut wrong = qc.clone();
    wrong.phase = Phase::Prepare;
    let r = Pbft::new(
        set(4),
        0,
        key(0).to_bytes(),
        PbftConfig::default(),
        Some(Recovered {
            safety: None,
            committed: vec![(b.clone(), wrong)],
        }),
    );
    assert!(matches!(r, Err(SetupError::Recovered(_))));
    let r = Pbft::new(
        set(4),
        0,
        key(0).to_bytes(),
        PbftConfig::default(),
        Some(Recovered {
            safety: None,
            committed: vec![(b.clone(), qc.clone()), (b, qc)],
        }),
    );
    assert!(matches!(r, Err(SetupError::Recovered(_))));
}

fn arb_vote() -> impl Strategy<Value = Vote> {
    (
        0u32..6,
        0u64..4,
        0u64..4,
        0u8..4,
        any::<[u8; 32]>(),
        any::<bool>(),
    )
        .prop_map(|(v, h, view, p, hash, real)| {
            let phase = Phase::from_code(p).unwrap_or(Phase::Prepare);
            let mut vote = Vote::sign(&key(v as usize), &set(4), v, h, view, phase, hash);
            if !real {
                vote.signature[1] ^= 0x55;
            }
            vote
        })
}

fn arb_block() -> impl Strategy<Value = Block> {
    (
        0u64..4,
        0u64..3,
        0u32..6,
        prop::collection::vec("[a-c]{0,2}", 0..3),
    )
        .prop_map(|(h, v, p, ids)| Block {
            height: h,
            view: v,
            parent_hash: [0; 32],
            proposer: p,
            proposals: ids
                .into_iter()
                .map(|id| Proposal::new(id, json!(1)))
                .collect(),
        })
}

fn arb_qc() -> impl Strategy<Value = QuorumCertificate> {
    prop::collection::vec(arb_vote(), 0..4).prop_map(|votes| {
        QuorumCertificate::from_votes(&votes).unwrap_or(QuorumCertificate {
            chain_id: "x".into(),
            epoch: 1,
            height: 1,
            view: 0,
            phase: Phase::Commit,
            block_hash: [0; 32],
            signatures: votes.iter().map(|v| (v.validator, v.signature)).collect(),
        })
    })
}

fn arb_view_change() -> impl Strategy<Value = ViewChange> {
    (arb_vote(), proptest::option::of((arb_qc(), arb_block()))).prop_map(|(vote, p)| ViewChange {
        vote,
        prepared: p.map(|(qc, block)| PreparedCertificate { qc, block }),
    })
}

fn arb_message() -> impl Strategy<Value = Message> {
    prop_oneof![
        (arb_block(), arb_vote(), proptest::option::of(arb_qc())).prop_map(
            |(block, vote, parent_qc)| Message::PrePrepare {
                block,
                vote,
                parent_qc
            }
        ),
        arb_vote().prop_map(Message::Vote),
        arb_view_change().prop_map(Message::ViewChange),
        (
            prop::collection::vec(arb_view_change(), 0..5),
            arb_block(),
            arb_vote(),
            proptest::option::of(arb_qc())
        )
            .prop_map(
                |(view_changes, block, vote, parent_qc)| Message::NewView(NewView {
                    view_changes,
                    block,
                    vote,
                    parent_qc
                })
            ),
        prop::collection::vec("[a-c]{0,3}", 0..3).prop_map(|ids| Message::Forward {
            proposals: ids
                .into_iter()
                .map(|id| Proposal::new(id, json!(null)))
                .collect()
        }),
        any::<u64>().prop_map(|from_height| Message::SyncRequest { from_height }),
        prop::collection::vec((arb_block(), arb_qc()), 0..3)
            .prop_map(|blocks| Message::SyncResponse { blocks }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever arrives, the core answers with effects, never a panic.
    #[test]
    fn arbitrary_messages_never_panic(inputs in prop::collection::vec((0u32..6, arb_message()), 1..12)) {
        let mut c = fast_core(4, 0);
        c.step(Input::Start);
        c.step(Input::Propose(proposal("a")));
        for (from, m) in inputs {
            let _ = c.step(msg(from, m));
            let _ = c.step(Input::Timeout { view: c.view(), height: c.height() });
        }
    }
}
