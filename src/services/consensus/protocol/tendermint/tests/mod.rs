//! Focused tests of Tendermint cores driven by hand (real ed25519 unless
//! noted): helpers and the normal case here; the locking and round rules,
//! safety across restarts and refused input in the submodules.

mod epoch_end;
mod rules;
mod safety;

use std::collections::VecDeque;

use serde_json::json;

use super::*;
use crate::services::consensus::protocol::testkit::{ResignCheck, key, set};
use crate::services::consensus::protocol::types::{Block, Proposal, QuorumCertificate};

fn core(n: usize, me: u32, recovered: Option<Recovered>) -> Tendermint {
    let secret = key(me as usize).to_bytes();
    Tendermint::new(set(n), me, secret, CoreConfig::default(), recovered).unwrap()
}

/// A core with the cheap simulation check (for tests that move many votes).
fn fast_core(n: usize, me: u32) -> Tendermint {
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

fn vote(i: usize, height: u64, round: u64, phase: Phase, hash: [u8; 32]) -> Vote {
    Vote::sign(
        &key(i),
        &set(4),
        u32::try_from(i).unwrap(),
        height,
        round,
        phase,
        hash,
    )
}

fn prevote_qc(signers: &[usize], height: u64, round: u64, hash: [u8; 32]) -> QuorumCertificate {
    let votes: Vec<Vote> = signers
        .iter()
        .map(|i| vote(*i, height, round, Phase::Prevote, hash))
        .collect();
    QuorumCertificate::from_votes(&votes).unwrap()
}

/// The proposal of `round` (signed by that round's proposer at height 1
/// of a four-validator set: validator (1 + round) mod 4).
fn proposal_msg(b: &Block, round: u64, pol: Option<QuorumCertificate>) -> Message {
    let proposer = ((b.height + round) % 4) as usize;
    Message::Tendermint(TendermintMessage::Proposal(SignedProposal {
        block: b.clone(),
        vote: vote(proposer, b.height, round, Phase::Prevote, b.hash()),
        pol,
        parent_qc: None,
    }))
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

/// Votes the core signed in these effects (proposals count as prevotes).
fn sent_votes(effects: &[Effect]) -> Vec<Vote> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Broadcast { msg } | Effect::Send { msg, .. } => match msg {
                Message::Vote(v) => Some(v.clone()),
                Message::Tendermint(TendermintMessage::Proposal(p)) => Some(p.vote.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn timers(effects: &[Effect]) -> Vec<(u64, u64, u64)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::SetTimer {
                view,
                height,
                after_ms,
            } => Some((*height, *view, *after_ms)),
            _ => None,
        })
        .collect()
}

/// Delivers every message until the network is quiet (no loss, FIFO).
/// Returns the commits as (node, block, qc).
fn run(
    cores: &mut [Tendermint],
    first: Vec<(u32, Vec<Effect>)>,
) -> Vec<(u32, Block, QuorumCertificate)> {
    let mut queue: VecDeque<(u32, u32, Message)> = VecDeque::new();
    let mut commits = Vec::new();
    let n = u32::try_from(cores.len()).unwrap();
    let mut absorb =
        |from: u32, effects: Vec<Effect>, queue: &mut VecDeque<(u32, u32, Message)>| {
            for e in effects {
                match e {
                    Effect::Send { to, msg } => queue.push_back((from, to, msg)),
                    Effect::Broadcast { msg } => (0..n)
                        .filter(|to| *to != from)
                        .for_each(|to| queue.push_back((from, to, msg.clone()))),
                    Effect::Commit { block, qc } => commits.push((from, block, qc)),
                    Effect::Rejected { reason, .. } => panic!("honest rejection: {reason}"),
                    Effect::Evidence(e) => panic!("evidence among honest validators: {e:?}"),
                    _ => {}
                }
            }
        };
    for (from, effects) in first {
        absorb(from, effects, &mut queue);
    }
    while let Some((from, to, m)) = queue.pop_front() {
        let effects = cores[to as usize].step(msg(from, m));
        absorb(to, effects, &mut queue);
    }
    commits
}

#[test]
fn setup_checks_key_index_and_recovered_state() {
    let cfg = CoreConfig::default;
    let wrong_key = Tendermint::new(set(4), 0, key(1).to_bytes(), cfg(), None);
    assert_eq!(wrong_key.unwrap_err(), SetupError::KeyMismatch { index: 0 });
    let outsider = Tendermint::new(set(4), 4, key(4).to_bytes(), cfg(), None);
    assert_eq!(outsider.unwrap_err(), SetupError::NotAMember { index: 4 });

    // A PBFT safety record or commit certificate is not ours.
    let pbft_record = SafetyRecord {
        height: 1,
        view: 0,
        phase: Phase::Commit,
        block_hash: [1; 32],
        prepared: None,
        branch: Vec::new(),
    };
    let recovered = Recovered {
        safety: Some(pbft_record),
        committed: vec![],
    };
    let err = Tendermint::new(set(4), 0, key(0).to_bytes(), cfg(), Some(recovered));
    assert!(matches!(err, Err(SetupError::Recovered(m)) if m.contains("commit vote")));
    let b = block(1, 0, 1, &["a"]);
    let commit_qc = QuorumCertificate::from_votes(
        &(0..3)
            .map(|i| vote(i, 1, 0, Phase::Commit, b.hash()))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let recovered = Recovered {
        safety: None,
        committed: vec![(b, commit_qc)],
    };
    let err = Tendermint::new(set(4), 0, key(0).to_bytes(), cfg(), Some(recovered));
    assert!(matches!(err, Err(SetupError::Recovered(m)) if m.contains("precommit certificate")));
}

#[test]
fn idle_validators_set_no_timer_until_work_arrives() {
    // Height 1 round 0 is proposed by validator 1.
    let mut follower = core(4, 0, None);
    assert!(timers(&follower.step(Input::Start)).is_empty());
    let effects = follower.step(Input::Propose(proposal("a")));
    assert!(matches!(
        &effects[0],
        Effect::Broadcast { msg: Message::Forward { proposals } } if proposals.len() == 1
    ));
    assert_eq!(timers(&effects), [(1, 0, 200)]);
    assert_eq!(follower.pending_count(), 1);
    assert_eq!(follower.leader(), 1);
}

#[test]
fn proposer_persists_its_prevote_before_the_proposal_leaves() {
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
    assert_eq!(
        kinds,
        ["forward", "persist", "tendermint_proposal", "timer"]
    );
    let Effect::Persist(record) = &effects[1] else {
        unreachable!()
    };
    let b = Block {
        height: 1,
        view: 0,
        parent_hash: [0; 32],
        proposer: 1,
        proposals: vec![proposal("a")],
    };
    assert_eq!(
        record,
        &SafetyRecord {
            height: 1,
            view: 0,
            phase: Phase::Prevote,
            block_hash: b.hash(),
            prepared: None,
            branch: Vec::new(),
        }
    );
    let votes = sent_votes(&effects);
    assert_eq!(votes, [vote(1, 1, 0, Phase::Prevote, b.hash())]);
    // The proposer is now in the prevote step: its prevote timer runs.
    assert_eq!(timers(&effects), [(1, 0, 200)]);
}

#[test]
fn four_validators_decide_with_a_precommit_certificate() {
    let mut cores: Vec<Tendermint> = (0..4).map(|i| fast_core(4, i)).collect();
    let first = cores[1].step(Input::Propose(proposal("a")));
    let commits = run(&mut cores, vec![(1, first)]);
    assert_eq!(commits.len(), 4, "{commits:?}");
    let (_, b, qc) = &commits[0];
    assert_eq!(qc.phase, Phase::Precommit);
    assert_eq!((qc.height, qc.view), (1, 0));
    assert!(qc.certifies(b));
    qc.verify(&set(4)).unwrap();
    assert_eq!(b.proposals, vec![proposal("a")]);
    assert!(commits.iter().all(|(_, other, _)| other.hash() == b.hash()));
    for c in &cores {
        assert_eq!((c.height(), c.view()), (2, 0));
        assert_eq!(c.pending_count(), 0);
        assert_eq!(c.last_committed_hash(), Some(b.hash()));
        assert_eq!(c.locked(), None, "locks reset with the height");
    }
    // A committed id is refused quietly; the next height links to this one.
    assert!(cores[2].step(Input::Propose(proposal("a"))).is_empty());
    let first = cores[2].step(Input::Propose(proposal("b")));
    let commits = run(&mut cores, vec![(2, first)]);
    assert_eq!(commits.len(), 4);
    assert_eq!(commits[0].1.parent_hash, b.hash());
    assert_eq!(
        commits[0].1.proposer, 2,
        "height 2 round 0 is proposed by 2"
    );
}

#[test]
fn single_validator_decides_alone() {
    let mut solo = core(1, 0, None);
    let effects = solo.step(Input::Propose(proposal("a")));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Commit { block, qc } if block.height == 1 && qc.phase == Phase::Precommit))
    );
    assert_eq!(solo.height(), 2);
}

#[test]
fn proposal_message_json_is_a_contract() {
    let b = block(1, 0, 1, &["a"]);
    let m = proposal_msg(&b, 0, None);
    let text = serde_json::to_value(&m).unwrap();
    assert_eq!(text["type"], "tendermint");
    assert_eq!(text["tendermint"], "proposal");
    assert_eq!(text["vote"]["phase"], "prevote");
    assert!(text.get("pol").is_none());
    assert_eq!(serde_json::from_value::<Message>(text).unwrap(), m);
    let rs = Message::Tendermint(TendermintMessage::RoundState {
        vote: vote(2, 1, 0, Phase::Precommit, NIL),
        votes: vec![vote(3, 1, 0, Phase::Prevote, NIL)],
    });
    let text = serde_json::to_value(&rs).unwrap();
    assert_eq!(text["tendermint"], "round_state");
    assert_eq!(text["vote"]["block_hash"], "00".repeat(32));
    assert_eq!(serde_json::from_value::<Message>(text).unwrap(), rs);
    assert_eq!(rs.anchor_vote().map(|v| v.validator), Some(2));
}

/// A lock held by validator 0 on block `a` proposed in round 0.
fn locked_core() -> (Tendermint, Block) {
    let mut c = core(4, 0, None);
    let a = block(1, 0, 1, &["a"]);
    let effects = c.step(msg(1, proposal_msg(&a, 0, None)));
    assert_eq!(
        sent_votes(&effects),
        [vote(0, 1, 0, Phase::Prevote, a.hash())]
    );
    let effects = c.step(msg(
        2,
        Message::Vote(vote(2, 1, 0, Phase::Prevote, a.hash())),
    ));
    let votes = sent_votes(&effects);
    assert_eq!(votes, [vote(0, 1, 0, Phase::Precommit, a.hash())]);
    let persisted: Vec<&SafetyRecord> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Persist(r) => Some(r),
            _ => None,
        })
        .collect();
    let lock = persisted[0]
        .prepared
        .as_ref()
        .expect("the lock is persisted");
    assert_eq!((lock.qc.phase, lock.qc.view), (Phase::Prevote, 0));
    assert_eq!(lock.block, a);
    assert_eq!(c.locked(), Some((0, a.hash())));
    assert_eq!(c.valid(), Some((0, a.hash())));
    (c, a)
}

fn precommit_nil_round(c: &mut Tendermint, round: u64) {
    for i in 1..4 {
        c.step(msg(
            u32::try_from(i).unwrap(),
            Message::Vote(vote(i, 1, round, Phase::Precommit, NIL)),
        ));
    }
    fire_until_round(c, round + 1);
}

/// Fires the timers of the current round (queued in the order they were
/// set) until the core reaches `round`.
fn fire_until_round(c: &mut Tendermint, round: u64) -> Vec<Effect> {
    let mut all = Vec::new();
    for _ in 0..5 {
        if c.view() >= round {
            break;
        }
        let (height, view) = (c.height(), c.view());
        all.extend(c.step(Input::Timeout { view, height }));
    }
    assert_eq!(c.view(), round, "{all:?}");
    all
}
