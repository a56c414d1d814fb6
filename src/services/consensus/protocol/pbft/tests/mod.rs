//! Focused tests of PBFT cores driven by hand (real ed25519 unless noted):
//! helpers and the normal case here; safety, view changes, sync and a
//! no-panic fuzz in the submodules.

mod epoch_end;
mod fuzz;
mod safety;
mod sync;
mod view_change;

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
    Pbft::new(set(n), me, secret, CoreConfig::default(), recovered).unwrap()
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
    let c = CoreConfig {
        max_timeout_ms: 1_000,
        ..CoreConfig::default()
    };
    let t: Vec<u64> = (0..6).map(|v| c.timeout_for(v)).collect();
    assert_eq!(t, [200, 400, 800, 1_000, 1_000, 1_000]);
    assert_eq!(c.timeout_for(u64::MAX), 1_000);
    assert!(
        CoreConfig {
            base_timeout_ms: 0,
            ..c.clone()
        }
        .validate()
        .is_err()
    );
    assert!(
        CoreConfig {
            max_timeout_ms: 10,
            ..c
        }
        .validate()
        .is_err()
    );
}

#[test]
fn setup_checks_key_and_index() {
    let wrong_key = Pbft::new(set(4), 0, key(1).to_bytes(), CoreConfig::default(), None);
    assert_eq!(wrong_key.unwrap_err(), SetupError::KeyMismatch { index: 0 });
    let outsider = Pbft::new(set(4), 4, key(4).to_bytes(), CoreConfig::default(), None);
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
