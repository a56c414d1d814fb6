//! The block that changes the validator set ends its epoch: nothing above
//! it is signed or committed under the old set, whatever was buffered.

use super::*;
use crate::services::consensus::protocol::testkit::power_change;

fn precommit_qc(b: &Block) -> QuorumCertificate {
    let votes: Vec<Vote> = (1..4)
        .map(|i| vote(i, b.height, 0, Phase::Precommit, b.hash()))
        .collect();
    QuorumCertificate::from_votes(&votes).unwrap()
}

fn committed(effects: &[Effect]) -> Vec<u64> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Commit { block, .. } => Some(block.height),
            _ => None,
        })
        .collect()
}

/// Old-epoch prevotes and precommits for a block of height 2 arrive before
/// height 1 (which changes the set) is decided: deciding height 1 must not
/// replay them into a vote or a commit under the old set.
#[test]
fn nothing_above_a_set_change_is_signed_or_committed_in_the_old_epoch() {
    let s = set(4);
    let mut c = core(4, 0, None);
    let mut effects = c.step(Input::Start);
    let mut b1 = block(1, 0, s.leader(1, 0), &[]);
    b1.proposals = vec![power_change(&s, "change")];
    effects.extend(c.step(msg(b1.proposer, proposal_msg(&b1, 0, None))));
    let mut b2 = block(2, 0, s.leader(2, 0), &["above"]);
    b2.parent_hash = b1.hash();
    let p2 = Message::Tendermint(TendermintMessage::Proposal(SignedProposal {
        block: b2.clone(),
        vote: vote(b2.proposer as usize, 2, 0, Phase::Prevote, b2.hash()),
        pol: None,
        parent_qc: Some(precommit_qc(&b1)),
    }));
    for i in 1..4u32 {
        for phase in [Phase::Prevote, Phase::Precommit] {
            let v = vote(i as usize, 2, 0, phase, b2.hash());
            effects.extend(c.step(msg(i, Message::Vote(v))));
        }
    }
    effects.extend(c.step(msg(b2.proposer, p2.clone())));
    // Height 1 is decided by its precommits.
    for i in 1..4u32 {
        let v = vote(i as usize, 1, 0, Phase::Precommit, b1.hash());
        effects.extend(c.step(msg(i, Message::Vote(v))));
    }
    assert_eq!(committed(&effects), vec![1], "exactly one commit");
    let above: Vec<Vote> = sent_votes(&effects)
        .into_iter()
        .filter(|v| v.height > 1)
        .collect();
    assert!(above.is_empty(), "signed above the change: {above:?}");
    let later = c.step(msg(b2.proposer, p2));
    assert!(committed(&later).is_empty() && sent_votes(&later).is_empty());
    let timeout = c.step(Input::Timeout { view: 0, height: 2 });
    assert!(sent_votes(&timeout).is_empty(), "{timeout:?}");
    let sync = c.step(msg(3, Message::SyncRequest { from_height: 1 }));
    assert!(
        sync.iter().any(|e| matches!(
            e,
            Effect::Send { to: 3, msg: Message::SyncResponse { blocks } } if blocks.len() == 1
        )),
        "a member that missed the change block can still fetch it: {sync:?}"
    );
}

/// A sync answer that holds the change block and blocks above it commits
/// the change block only.
#[test]
fn a_sync_answer_stops_at_the_set_change() {
    let s = set(4);
    let mut c = core(4, 0, None);
    c.step(Input::Start);
    let mut b1 = block(1, 0, s.leader(1, 0), &[]);
    b1.proposals = vec![power_change(&s, "change")];
    let mut b2 = block(2, 0, s.leader(2, 0), &["above"]);
    b2.parent_hash = b1.hash();
    let out = c.step(msg(
        1,
        Message::SyncResponse {
            blocks: vec![
                (b1.clone(), precommit_qc(&b1)),
                (b2.clone(), precommit_qc(&b2)),
            ],
        },
    ));
    assert_eq!(committed(&out), vec![1]);
    assert!(rejections(&out).is_empty(), "{out:?}");
    assert_eq!(c.height(), 2);
}

/// The change block is decided while buffered messages are replayed, with
/// messages of the height above it buffered too: nothing of that height is
/// signed or committed (the replay stops at the epoch's end).
#[test]
fn a_set_change_decided_during_replay_ends_the_epoch_there() {
    let s = set(4);
    let mut c = core(4, 0, None);
    let mut effects = c.step(Input::Start);
    let b1 = block(1, 0, s.leader(1, 0), &["one"]);
    let mut e = block(2, 0, s.leader(2, 0), &[]);
    e.parent_hash = b1.hash();
    e.proposals = vec![power_change(&s, "change")];
    let mut b3 = block(3, 0, s.leader(3, 0), &["above"]);
    b3.parent_hash = e.hash();
    let votes_for = |b: &Block| -> Vec<(u32, Message)> {
        let mut m = Vec::new();
        for i in 1..4u32 {
            for phase in [Phase::Prevote, Phase::Precommit] {
                m.push((
                    i,
                    Message::Vote(vote(i as usize, b.height, 0, phase, b.hash())),
                ));
            }
        }
        m
    };
    for b in [&e, &b3] {
        effects.extend(c.step(msg(b.proposer, proposal_msg(b, 0, None))));
        for (from, m) in votes_for(b) {
            effects.extend(c.step(msg(from, m)));
        }
    }
    assert!(committed(&effects).is_empty());
    effects.extend(c.step(msg(b1.proposer, proposal_msg(&b1, 0, None))));
    for (from, m) in votes_for(&b1) {
        effects.extend(c.step(msg(from, m)));
    }
    assert_eq!(committed(&effects), vec![1, 2]);
    let above: Vec<Vote> = sent_votes(&effects)
        .into_iter()
        .filter(|v| v.height > 2)
        .collect();
    assert!(above.is_empty(), "signed above the change: {above:?}");
}
