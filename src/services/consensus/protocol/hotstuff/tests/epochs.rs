//! Validator set changes: the block that commits a change ends its epoch
//! (nothing above it commits under the old set, leaders only add empty
//! blocks to commit it), and the next epoch's core starts from that block
//! as its trusted root, whose certificate is of the old set.

use serde_json::json;

use super::*;
use crate::services::consensus::protocol::set_change::SetChange;
use crate::services::consensus::protocol::testkit::{governance_key, key, set};
use crate::services::consensus::protocol::types::Proposal;

/// A block of view 1 at height 1 carrying a change of validator 0's power.
fn change_block() -> Block {
    let s = set(N);
    let change = SetChange::SetPower {
        id: s.validators[0].id.clone(),
        power: 2,
    }
    .approve(&governance_key(), &s.chain_id, s.epoch)
    .proposal("change-1".to_string());
    Block {
        height: 1,
        view: 1,
        parent_hash: [0; 32],
        proposer: 1,
        proposals: vec![change],
    }
}

/// The set after `change_block` commits.
fn next_set() -> ValidatorSet {
    let mut s = set(N);
    s.epoch += 1;
    s.validators[0].power = 2;
    s
}

fn proposals_sent(effects: &[Effect]) -> Vec<Block> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Broadcast {
                msg: Message::HotStuff(HotStuffMessage::Proposal { block, .. }),
            } => Some(block.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_change_block_commits_and_nothing_above_it_in_the_old_epoch() {
    let mut c = core(0, None);
    c.step(Input::Start);
    let b1 = change_block();
    let b2 = block(2, 2, b1.hash(), &["x"]);
    let b3 = block(3, 3, b2.hash(), &[]);
    let b4 = block(4, 4, b3.hash(), &[]);
    let mut committed = Vec::new();
    committed.extend(commits(&c.step(msg(1, proposal(&b1, None, None)))));
    committed.extend(commits(
        &c.step(msg(2, proposal(&b2, Some(qc_of(&b1)), None))),
    ));
    committed.extend(commits(
        &c.step(msg(3, proposal(&b3, Some(qc_of(&b2)), None))),
    ));
    assert_eq!(committed, vec![(1, b1.hash())], "QC(b2) commits b1");
    // QC(b3) would commit b2 by the two-chain rule, but b2 lies above the
    // change: it belongs to no epoch.
    let out = c.step(msg(0, proposal(&b4, Some(qc_of(&b3)), None)));
    assert!(commits(&out).is_empty(), "{out:?}");
    assert_eq!(c.height(), 2);
}

#[test]
fn above_an_uncommitted_change_the_leader_proposes_only_empty_blocks() {
    let mut c = core(2, None);
    c.step(Input::Start);
    c.step(Input::Propose(Proposal::new("y", json!({"bet": 1}))));
    let b1 = change_block();
    c.step(msg(1, proposal(&b1, None, None)));
    // Votes for b1 reach the leader of view 2, which forms QC(b1).
    let mut sent = Vec::new();
    for i in [0, 1] {
        sent.extend(proposals_sent(
            &c.step(msg(i, Message::Vote(vote_for(i as usize, &b1)))),
        ));
    }
    assert_eq!(sent.len(), 1, "one proposal for view 2");
    assert_eq!((sent[0].height, sent[0].view), (2, 2));
    assert!(
        sent[0].proposals.is_empty(),
        "pending proposals wait for the next epoch: {:?}",
        sent[0].proposals
    );
    assert_eq!(c.pending_count(), 1);
}

/// A core of the epoch after the change, restarted from the committed
/// change block (its certificate is of the old set).
fn next_epoch_core(me: u32) -> HotStuff {
    let b1 = change_block();
    let recovered = Recovered {
        safety: None,
        committed: vec![(b1.clone(), qc_of(&b1))],
    };
    HotStuff::new(
        next_set(),
        me,
        key(me as usize).to_bytes(),
        CoreConfig::default(),
        Some(recovered),
    )
    .unwrap()
}

fn next_vote(i: usize, b: &Block) -> Vote {
    Vote::sign(
        &key(i),
        &next_set(),
        u32::try_from(i).unwrap(),
        b.height,
        b.view,
        Phase::Generic,
        b.hash(),
    )
}

#[test]
fn the_next_epoch_extends_the_change_block_under_its_old_certificate() {
    let mut c = next_epoch_core(0);
    c.step(Input::Start);
    assert_eq!((c.height(), c.view()), (2, 2));
    let b1 = change_block();
    let root_qc = qc_of(&b1);
    assert_eq!(root_qc.epoch, set(N).epoch);
    // The leader of view 2 in the new epoch extends b1, justified by the
    // old set's QC: this validator committed b1, so it trusts it.
    let c2 = block(2, 2, b1.hash(), &["z"]);
    let out = c.step(msg(
        2,
        Message::HotStuff(HotStuffMessage::Proposal {
            block: c2.clone(),
            justify: Some(root_qc.clone()),
            tc: None,
            vote: next_vote(2, &c2),
        }),
    ));
    assert!(rejections(&out).is_empty(), "{:?}", rejections(&out));
    let votes = sent_votes(&out);
    assert_eq!(votes.len(), 1, "{out:?}");
    assert_eq!(votes[0].0, Some(3), "to the leader of view 3");
    assert_eq!(votes[0].1.epoch, next_set().epoch);
    assert_eq!(votes[0].1.block_hash, c2.hash());

    // An old-epoch QC of a block this validator did not commit is not
    // trusted: it must verify against the current set, and cannot.
    let mut c = next_epoch_core(0);
    let fork = block(1, 1, [0; 32], &["fork"]);
    let f2 = block(2, 2, fork.hash(), &[]);
    let out = c.step(msg(
        2,
        Message::HotStuff(HotStuffMessage::Proposal {
            block: f2.clone(),
            justify: Some(qc_of(&fork)),
            tc: None,
            vote: next_vote(2, &f2),
        }),
    ));
    assert_eq!(rejections(&out).len(), 1, "{out:?}");
    assert!(sent_votes(&out).is_empty());
}

#[test]
fn timeouts_in_the_next_epoch_carry_the_old_root_certificate() {
    let mut c = next_epoch_core(2);
    c.step(Input::Start);
    let b1 = change_block();
    let root_qc = qc_of(&b1);
    // Everyone times out in view 2 reporting the root QC (view 1); a TC of
    // the new set carrying it must verify, and moves us to view 3.
    let next = next_set();
    let digest = timeout_digest(2, root_qc.view);
    let timeouts: Vec<Vote> = [0usize, 1, 3]
        .iter()
        .map(|i| Vote::sign(&key(*i), &next, *i as u32, 0, 2, Phase::Timeout, digest))
        .collect();
    let tc = TimeoutCertificate {
        view: 2,
        signatures: timeouts
            .iter()
            .map(|v| TimeoutSignature {
                validator: v.validator,
                high_qc_view: root_qc.view,
                signature: v.signature,
            })
            .collect(),
        high_qc: Some(root_qc.clone()),
    };
    let out = c.step(msg(
        0,
        Message::HotStuff(HotStuffMessage::SyncInfo {
            high_qc: Some(root_qc),
            tc: Some(tc),
        }),
    ));
    assert!(rejections(&out).is_empty(), "{:?}", rejections(&out));
    assert_eq!(c.view(), 3);
}
