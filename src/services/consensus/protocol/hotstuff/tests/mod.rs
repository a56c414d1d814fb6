//! Focused tests of HotStuff cores driven by hand (real ed25519 unless
//! noted): the normal case and the commit rule here; pacemaker, restarts,
//! refusals and a property test of the signing discipline in submodules.

mod epochs;
mod pacemaker;
mod safety;

use serde_json::json;

use super::*;
use crate::services::consensus::protocol::Evidence;
use crate::services::consensus::protocol::testkit::{ResignCheck, key, set};
use crate::services::consensus::protocol::types::Proposal;

pub(super) const N: usize = 4;

pub(super) fn core(me: u32, recovered: Option<Recovered>) -> HotStuff {
    let secret = key(me as usize).to_bytes();
    HotStuff::new(set(N), me, secret, CoreConfig::default(), recovered).unwrap()
}

/// A core with the cheap simulation check (for tests that move many votes).
pub(super) fn fast_core(me: u32) -> HotStuff {
    core(me, None).with_signature_check(Box::new(ResignCheck::new((0..N).map(key))))
}

pub(super) fn msg(from: u32, msg: Message) -> Input {
    Input::Message { from, msg }
}

pub(super) fn block(height: u64, view: u64, parent: [u8; 32], ids: &[&str]) -> Block {
    Block {
        height,
        view,
        parent_hash: parent,
        proposer: u32::try_from(view % N as u64).unwrap(),
        proposals: ids
            .iter()
            .map(|id| Proposal::new(*id, json!({"id": id})))
            .collect(),
    }
}

pub(super) fn vote_for(i: usize, b: &Block) -> Vote {
    let signer = u32::try_from(i).unwrap();
    Vote::sign(
        &key(i),
        &set(N),
        signer,
        b.height,
        b.view,
        Phase::Generic,
        b.hash(),
    )
}

/// The QC of `b` signed by validators 0..3.
pub(super) fn qc_of(b: &Block) -> QuorumCertificate {
    let votes: Vec<Vote> = (0..3).map(|i| vote_for(i, b)).collect();
    QuorumCertificate::from_votes(&votes).unwrap()
}

pub(super) fn timeout_vote(i: usize, view: u64, hqc_view: u64) -> Vote {
    let signer = u32::try_from(i).unwrap();
    let digest = timeout_digest(view, hqc_view);
    Vote::sign(&key(i), &set(N), signer, 0, view, Phase::Timeout, digest)
}

/// A TC for `view` from validators `signers`, all reporting `hqc`.
pub(super) fn tc_of(
    view: u64,
    hqc: Option<&QuorumCertificate>,
    signers: &[usize],
) -> TimeoutCertificate {
    let hqc_view = hqc.map_or(0, |q| q.view);
    TimeoutCertificate {
        view,
        signatures: signers
            .iter()
            .map(|i| TimeoutSignature {
                validator: u32::try_from(*i).unwrap(),
                high_qc_view: hqc_view,
                signature: timeout_vote(*i, view, hqc_view).signature,
            })
            .collect(),
        high_qc: hqc.cloned(),
    }
}

/// The leader's proposal of `b` (view leader = view mod 4).
pub(super) fn proposal(
    b: &Block,
    justify: Option<QuorumCertificate>,
    tc: Option<TimeoutCertificate>,
) -> Message {
    let leader = usize::try_from(b.view % N as u64).unwrap();
    Message::HotStuff(HotStuffMessage::Proposal {
        block: b.clone(),
        justify,
        tc,
        vote: vote_for(leader, b),
    })
}

pub(super) fn commits(effects: &[Effect]) -> Vec<(u64, [u8; 32])> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Commit { block, qc } => {
                assert_eq!(qc.phase, Phase::Generic);
                assert!(qc.certifies(block));
                qc.verify(&set(N)).unwrap();
                Some((block.height, block.hash()))
            }
            _ => None,
        })
        .collect()
}

pub(super) fn sent_votes(effects: &[Effect]) -> Vec<(Option<u32>, Vote)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send {
                to,
                msg: Message::Vote(v),
            } => Some((Some(*to), v.clone())),
            Effect::Broadcast {
                msg: Message::Vote(v),
            } => Some((None, v.clone())),
            _ => None,
        })
        .collect()
}

pub(super) fn rejections(effects: &[Effect]) -> Vec<RejectReason> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Rejected { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn leader_of_view_one_proposes_and_persists_before_broadcasting() {
    let mut c = core(1, None);
    c.step(Input::Start);
    let out = c.step(Input::Propose(Proposal::new("p1", json!({"bet": 5}))));
    let persist = out
        .iter()
        .position(|e| matches!(e, Effect::Persist(_)))
        .expect("a persist");
    let sent = out
        .iter()
        .position(|e| {
            matches!(
                e,
                Effect::Broadcast {
                    msg: Message::HotStuff(HotStuffMessage::Proposal { .. })
                }
            )
        })
        .expect("a proposal");
    assert!(persist < sent);
    let Effect::Broadcast {
        msg:
            Message::HotStuff(HotStuffMessage::Proposal {
                block,
                justify,
                tc,
                vote,
            }),
    } = &out[sent]
    else {
        unreachable!()
    };
    assert_eq!((block.height, block.view, block.proposer), (1, 1, 1));
    assert_eq!(block.parent_hash, [0; 32]);
    assert_eq!(block.proposals[0].id, "p1");
    assert!(justify.is_none() && tc.is_none());
    assert_eq!(
        (vote.phase, vote.view, vote.block_hash),
        (Phase::Generic, 1, block.hash())
    );
    let Effect::Persist(record) = &out[persist] else {
        unreachable!()
    };
    assert_eq!(
        (record.height, record.view, record.phase, record.block_hash),
        (1, 1, Phase::Generic, block.hash())
    );
    assert!(out.iter().any(|e| matches!(
        e,
        Effect::SetTimer {
            view: 1,
            after_ms: 200,
            ..
        }
    )));
    assert_eq!(c.leader(), 1);
    assert_eq!((c.height(), c.view()), (1, 1));
}

#[test]
fn a_replica_votes_once_per_view_to_the_next_leader_and_reports_the_equivocation() {
    let mut c = core(3, None);
    let b = block(1, 1, [0; 32], &["a"]);
    let out = c.step(msg(1, proposal(&b, None, None)));
    let votes = sent_votes(&out);
    assert_eq!(votes.len(), 1);
    let (to, v) = &votes[0];
    assert_eq!(*to, Some(2), "the vote goes to the leader of view 2");
    assert_eq!(
        (v.validator, v.view, v.height, v.block_hash),
        (3, 1, 1, b.hash())
    );
    // The same leader proposes another block in view 1: no second vote,
    // and its two signatures are evidence.
    let other = block(1, 1, [0; 32], &["b"]);
    let out = c.step(msg(1, proposal(&other, None, None)));
    assert!(sent_votes(&out).is_empty());
    let evidence: Vec<_> = out
        .iter()
        .filter_map(|e| match e {
            Effect::Evidence(Evidence::DuplicateVote { a, b }) => Some((a.clone(), b.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(evidence.len(), 1);
    assert_eq!(evidence[0].0.validator, 1);
    assert_ne!(evidence[0].0.block_hash, evidence[0].1.block_hash);
    // Reported once.
    let out = c.step(msg(1, proposal(&other, None, None)));
    assert!(!out.iter().any(|e| matches!(e, Effect::Evidence(_))));
}

#[test]
fn the_next_leader_forms_the_qc_and_proposes_on_it() {
    let mut c = core(2, None);
    c.step(Input::Propose(Proposal::new("x", json!(1))));
    let b = block(1, 1, [0; 32], &["a"]);
    c.step(msg(1, proposal(&b, None, None)));
    assert_eq!(c.view(), 1);
    let out = c.step(msg(0, Message::Vote(vote_for(0, &b))));
    // 1 (in the proposal), 2 (own) and 0: a quorum.
    assert_eq!(c.view(), 2);
    let proposed: Vec<_> = out
        .iter()
        .filter_map(|e| match e {
            Effect::Broadcast {
                msg: Message::HotStuff(HotStuffMessage::Proposal { block, justify, .. }),
            } => Some((block.clone(), justify.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(proposed.len(), 1);
    let (next, justify) = &proposed[0];
    assert_eq!((next.height, next.view, next.parent_hash), (2, 2, b.hash()));
    let justify = justify.as_ref().unwrap();
    assert!(justify.certifies(&b) && justify.view == 1);
    justify.verify(&set(N)).unwrap();
    assert_eq!(next.proposals[0].id, "x");
}

#[test]
fn two_chain_commits_only_with_a_certified_child_of_the_next_view() {
    let mut c = core(0, None);
    let b1 = block(1, 1, [0; 32], &["a"]);
    let b2 = block(2, 2, b1.hash(), &["b"]);
    let b3 = block(3, 3, b2.hash(), &[]);
    assert!(commits(&c.step(msg(1, proposal(&b1, None, None)))).is_empty());
    // QC(b1) alone commits nothing.
    assert!(commits(&c.step(msg(2, proposal(&b2, Some(qc_of(&b1)), None)))).is_empty());
    // QC(b2) with b2.view == b1.view + 1: b1 is final, with its own QC.
    let out = c.step(msg(3, proposal(&b3, Some(qc_of(&b2)), None)));
    assert_eq!(commits(&out), vec![(1, b1.hash())]);
    let Some(Effect::Commit { qc, .. }) = out.iter().find(|e| matches!(e, Effect::Commit { .. }))
    else {
        unreachable!()
    };
    assert_eq!(qc, &qc_of(&b1));
    assert_eq!(c.height(), 2);
    assert_eq!(c.last_committed_hash(), Some(b1.hash()));
}

#[test]
fn a_gap_in_views_delays_the_commit_until_a_consecutive_pair_then_commits_in_order() {
    let mut c = core(0, None);
    let b1 = block(1, 1, [0; 32], &["a"]);
    let q1 = qc_of(&b1);
    // View 2 failed (TC); b2 in view 3 extends b1.
    let b2 = block(2, 3, b1.hash(), &["b"]);
    let tc2 = tc_of(2, Some(&q1), &[0, 1, 2]);
    let b3 = block(3, 4, b2.hash(), &[]);
    let b4 = block(4, 5, b3.hash(), &[]);
    c.step(msg(1, proposal(&b1, None, None)));
    assert!(commits(&c.step(msg(3, proposal(&b2, Some(q1), Some(tc2))))).is_empty());
    assert_eq!(c.view(), 3);
    // QC(b2) in view 3 does not make b1 (view 1) final.
    assert!(commits(&c.step(msg(0, proposal(&b3, Some(qc_of(&b2)), None)))).is_empty());
    // QC(b3) in view 4 = b2.view + 1: b2 is final, and b1 below it.
    let out = c.step(msg(1, proposal(&b4, Some(qc_of(&b3)), None)));
    assert_eq!(commits(&out), vec![(1, b1.hash()), (2, b2.hash())]);
    // The commit step hands out what proves its top block final to others:
    // b3 (view 4 = b2.view + 1) with its QC. b1 has no proof of its own; a
    // follower reaches b2's through linked, certified blocks.
    let proofs: Vec<(u64, proof::CommitProof)> = out
        .iter()
        .filter_map(|e| match e {
            Effect::CommitProof { height, proof } => Some((*height, proof.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(proofs.len(), 1);
    let (height, p) = &proofs[0];
    assert_eq!(*height, 2);
    assert_eq!(p.blocks, vec![b3.clone()]);
    assert_eq!(p.proves(&b2, &set(N)), Ok(()));
    let served = |b: &Block, proof: Option<proof::CommitProof>| proof::Served {
        block: b.clone(),
        qc: qc_of(b),
        proof,
    };
    let chain = [served(&b1, None), served(&b2, Some(p.clone()))];
    assert_eq!(proof::final_prefix(&chain, [0; 32], &set(N)), Ok(2));
    // b1 with only its own QC and b2's (a later view) is not final.
    assert_eq!(
        proof::final_prefix(&chain[..1], [0; 32], &set(N)),
        Ok(0),
        "a block's own QC is not proof of its commit"
    );
}

#[test]
fn json_shape_of_hotstuff_messages() {
    let b = block(1, 1, [0; 32], &["a"]);
    let m = proposal(&b, None, Some(tc_of(0, None, &[0, 1, 2])));
    let text = serde_json::to_value(&m).unwrap();
    assert_eq!(text["type"], "hotstuff");
    assert_eq!(text["kind"], "proposal");
    assert_eq!(text["vote"]["phase"], "generic");
    assert_eq!(text["tc"]["signatures"][0]["high_qc_view"], 0);
    assert!(text.get("justify").is_none());
    assert_eq!(serde_json::from_value::<Message>(text).unwrap(), m);
    assert_eq!(m.kind(), "hotstuff_proposal");
    assert_eq!(m.anchor_vote().map(|v| v.validator), Some(1));
    let t = Message::HotStuff(HotStuffMessage::Timeout {
        vote: timeout_vote(2, 3, 0),
        high_qc: None,
        last_tc: None,
    });
    let text = serde_json::to_value(&t).unwrap();
    assert_eq!(text["kind"], "timeout");
    assert_eq!(serde_json::from_value::<Message>(text).unwrap(), t);
}

#[test]
fn builds_through_the_shared_builder() {
    let core = crate::services::consensus::protocol::build(
        Algorithm::HotStuff,
        set(N),
        0,
        key(0).to_bytes(),
        CoreConfig::default(),
        None,
    )
    .unwrap();
    assert_eq!(core.algorithm(), "hotstuff");
    assert!(Algorithm::HotStuff.available());
    let _ = fast_core(0);
}
