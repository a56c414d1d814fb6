//! The block that changes the validator set ends its epoch: nothing above
//! it is signed or committed under the old set, whatever was buffered.

use super::*;
use crate::services::consensus::protocol::testkit::power_change;

fn commit_qc(b: &Block) -> QuorumCertificate {
    let votes: Vec<Vote> = (1..4)
        .map(|i| vote(i, b.height, 0, Phase::Commit, b.hash()))
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

/// A Byzantine leader of height 2 sends its pre-prepare (carrying height
/// 1's commit certificate) after old-epoch votes for its block: committing
/// height 1, which changes the set, must not replay them.
#[test]
fn nothing_above_a_set_change_is_signed_or_committed_in_the_old_epoch() {
    let s = set(4);
    let mut c = core(4, 0, None);
    let mut effects = c.step(Input::Start);
    let mut b1 = block(1, 0, s.leader(1, 0), &[]);
    b1.proposals = vec![power_change(&s, "change")];
    effects.extend(c.step(msg(b1.proposer, pre_prepare(&b1))));
    let mut b2 = block(2, 0, s.leader(2, 0), &["above"]);
    b2.parent_hash = b1.hash();
    // Old-epoch prepare and commit votes for b2 arrive first (buffered).
    for i in 1..4u32 {
        for phase in [Phase::Prepare, Phase::Commit] {
            let v = vote(i as usize, 2, 0, phase, b2.hash());
            effects.extend(c.step(msg(i, Message::Vote(v))));
        }
    }
    // Then b2's pre-prepare with b1's commit certificate: b1 commits.
    let pp = Message::PrePrepare {
        block: b2.clone(),
        vote: vote(b2.proposer as usize, 2, 0, Phase::Prepare, b2.hash()),
        parent_qc: Some(commit_qc(&b1)),
    };
    effects.extend(c.step(msg(b2.proposer, pp.clone())));
    assert_eq!(committed(&effects), vec![1], "exactly one commit");
    let above: Vec<Vote> = sent_votes(&effects)
        .into_iter()
        .filter(|v| v.height > 1)
        .collect();
    assert!(above.is_empty(), "signed above the change: {above:?}");
    // Whatever comes next, the ended core stays silent (but for sync).
    let later = c.step(msg(b2.proposer, pp));
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
            blocks: vec![(b1.clone(), commit_qc(&b1)), (b2.clone(), commit_qc(&b2))],
        },
    ));
    assert_eq!(committed(&out), vec![1]);
    assert!(rejections(&out).is_empty(), "{out:?}");
    assert_eq!(c.height(), 2);
}

/// The change block commits while buffered messages are replayed, with
/// messages of the height above it buffered too: nothing of that height is
/// signed or committed (the replay stops at the epoch's end).
#[test]
fn a_set_change_committed_during_replay_ends_the_epoch_there() {
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
            for phase in [Phase::Prepare, Phase::Commit] {
                m.push((
                    i,
                    Message::Vote(vote(i as usize, b.height, 0, phase, b.hash())),
                ));
            }
        }
        m
    };
    // Heights 2 (the change) and 3 arrive early and are buffered.
    effects.extend(c.step(msg(e.proposer, pre_prepare(&e))));
    for (from, m) in votes_for(&e) {
        effects.extend(c.step(msg(from, m)));
    }
    let pp3 = Message::PrePrepare {
        block: b3.clone(),
        vote: vote(b3.proposer as usize, 3, 0, Phase::Prepare, b3.hash()),
        parent_qc: Some(commit_qc(&e)),
    };
    effects.extend(c.step(msg(b3.proposer, pp3)));
    for (from, m) in votes_for(&b3) {
        effects.extend(c.step(msg(from, m)));
    }
    assert!(committed(&effects).is_empty());
    // Height 1 commits; replaying the buffer commits the change block.
    effects.extend(c.step(msg(b1.proposer, pre_prepare(&b1))));
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
