//! Tampering with real messages in flight: what a Byzantine relay or a
//! buggy peer could send. Signatures cannot be forged, so every tampered
//! message must be refused or be harmless; client payloads (unsigned by
//! design) are only made invalid, never altered.

use serde_json::json;

use super::SplitMix64;
use crate::services::consensus::protocol::hotstuff::{HotStuffMessage, TimeoutCertificate};
use crate::services::consensus::protocol::messages::Message;
use crate::services::consensus::protocol::tendermint::TendermintMessage;
use crate::services::consensus::protocol::types::{Proposal, QuorumCertificate, Vote};

fn tamper_vote(r: &mut SplitMix64, v: &mut Vote) {
    match r.below(6) {
        0 => v.signature[usize::try_from(r.below(64)).unwrap()] ^= 1,
        1 => v.height = v.height.wrapping_add(r.range(1, 3)),
        2 => v.view = v.view.wrapping_add(r.range(1, 3)),
        3 => v.validator = u32::try_from(r.below(9)).unwrap(),
        4 => v.block_hash[0] ^= 0x80,
        _ => v.chain_id.push('x'),
    }
}

fn tamper_qc(r: &mut SplitMix64, qc: &mut QuorumCertificate) {
    match r.below(4) {
        0 => {
            qc.signatures.pop();
        }
        1 => {
            if let Some(first) = qc.signatures.first().copied() {
                qc.signatures.push(first);
            }
        }
        2 => qc.view = qc.view.wrapping_add(1),
        _ => {
            if let Some(s) = qc.signatures.last_mut() {
                s.1[7] ^= 2;
            }
        }
    }
}

/// A tampered copy of `msg`, or `None` when there is nothing to tamper.
pub fn mutate(r: &mut SplitMix64, msg: &Message) -> Option<Message> {
    let mut m = msg.clone();
    match &mut m {
        Message::PrePrepare {
            block,
            vote,
            parent_qc,
        } => match r.below(5) {
            0 => tamper_vote(r, vote),
            1 => block.proposals.push(Proposal::new("", json!(null))),
            2 => block.view += 1,
            3 => block.parent_hash[3] ^= 1,
            _ => match parent_qc {
                Some(qc) => tamper_qc(r, qc),
                None => return None,
            },
        },
        Message::Vote(v) => tamper_vote(r, v),
        Message::ViewChange(vc) => match (r.below(3), &mut vc.prepared) {
            (0, Some(_)) => vc.prepared = None,
            (1, Some(p)) => tamper_qc(r, &mut p.qc),
            (_, Some(p)) => p.block.proposer += 1,
            (_, None) => tamper_vote(r, &mut vc.vote),
        },
        Message::NewView(nv) => match r.below(4) {
            0 => {
                nv.view_changes.pop();
            }
            1 => {
                if let Some(first) = nv.view_changes.first().cloned() {
                    nv.view_changes.push(first);
                }
            }
            2 => nv.block.proposals.reverse(),
            _ => tamper_vote(r, &mut nv.vote),
        },
        Message::Forward { proposals } => proposals.push(Proposal::new("x".repeat(300), json!(1))),
        Message::Tendermint(TendermintMessage::Proposal(p)) => match r.below(6) {
            0 => tamper_vote(r, &mut p.vote),
            1 => p.block.proposals.push(Proposal::new("", json!(null))),
            2 => p.block.view += 1,
            3 => p.block.parent_hash[3] ^= 1,
            4 => match &mut p.pol {
                Some(qc) if r.chance(500) => tamper_qc(r, qc),
                // Claim (or drop) a proof-of-lock: validRound is signed.
                Some(_) => p.pol = None,
                None => return None,
            },
            _ => match &mut p.parent_qc {
                Some(qc) => tamper_qc(r, qc),
                None => return None,
            },
        },
        Message::Tendermint(TendermintMessage::RoundState { vote, votes }) => {
            match (r.below(3), votes.is_empty()) {
                (0, false) => {
                    let i = usize::try_from(r.below(votes.len() as u64)).unwrap();
                    tamper_vote(r, &mut votes[i]);
                }
                (1, false) => {
                    let first = votes[0].clone();
                    votes.push(Vote {
                        height: first.height + 1,
                        ..first
                    });
                }
                _ => tamper_vote(r, vote),
            }
        }
        Message::SyncRequest { from_height } => *from_height = r.below(*from_height + 3),
        Message::SyncResponse { blocks } => match r.below(3) {
            0 => blocks.reverse(),
            1 => match blocks.first_mut() {
                Some((_, qc)) => tamper_qc(r, qc),
                None => return None,
            },
            _ => match blocks.first_mut() {
                Some((b, _)) => b.height += 1,
                None => return None,
            },
        },
        Message::HotStuff(hs) => return mutate_hotstuff(r, hs).map(Message::HotStuff),
    }
    (m != *msg).then_some(m)
}

fn tamper_tc(r: &mut SplitMix64, tc: &mut TimeoutCertificate) {
    match r.below(4) {
        0 => {
            tc.signatures.pop();
        }
        1 => match tc.signatures.first_mut() {
            Some(s) => s.high_qc_view += 1,
            None => tc.view += 1,
        },
        2 => tc.view += 1,
        _ => match &mut tc.high_qc {
            Some(qc) => tamper_qc(r, qc),
            None => tc.high_qc = None,
        },
    }
}

/// HotStuff messages: the leader's vote, the block, the justify and TC of a
/// proposal; the vote, high QC and TC of a timeout; the certificates of
/// sync info; the links and certificates of a chain.
fn mutate_hotstuff(r: &mut SplitMix64, msg: &HotStuffMessage) -> Option<HotStuffMessage> {
    let mut m = msg.clone();
    match &mut m {
        HotStuffMessage::Proposal {
            block,
            justify,
            tc,
            vote,
        } => match r.below(6) {
            0 => tamper_vote(r, vote),
            1 => block.proposals.push(Proposal::new("", json!(null))),
            2 => block.view += 1,
            3 => block.parent_hash[3] ^= 1,
            4 => match justify {
                Some(qc) => tamper_qc(r, qc),
                None => return None,
            },
            _ => match tc {
                Some(tc) => tamper_tc(r, tc),
                None => *justify = None,
            },
        },
        HotStuffMessage::Timeout {
            vote,
            high_qc,
            last_tc,
        } => match (r.below(3), high_qc.is_some(), last_tc.is_some()) {
            (0, true, _) => *high_qc = None,
            (1, true, _) => {
                if let Some(qc) = high_qc {
                    tamper_qc(r, qc);
                }
            }
            (2, _, true) => {
                if let Some(tc) = last_tc {
                    tamper_tc(r, tc);
                }
            }
            _ => tamper_vote(r, vote),
        },
        HotStuffMessage::SyncInfo { high_qc, tc } => match (high_qc, tc) {
            (Some(qc), _) if r.below(2) == 0 => tamper_qc(r, qc),
            (_, Some(tc)) => tamper_tc(r, tc),
            (Some(qc), None) => tamper_qc(r, qc),
            (None, None) => return None,
        },
        HotStuffMessage::Chain { blocks, high_qc } => match r.below(3) {
            0 if blocks.len() > 1 => blocks.reverse(),
            1 => match blocks.iter_mut().find_map(|(_, j)| j.as_mut()) {
                Some(qc) => tamper_qc(r, qc),
                None => return None,
            },
            _ => match (blocks.first_mut(), high_qc) {
                (Some((b, _)), _) => b.height += 1,
                (None, Some(qc)) => tamper_qc(r, qc),
                (None, None) => return None,
            },
        },
    }
    (m != *msg).then_some(m)
}
