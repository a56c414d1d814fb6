//! Byte bounds on everything validators send each other, so that whatever
//! an honest validator builds, every honest peer accepts.
//!
//! The chain of bounds (each documented in the README):
//!
//! - a proposal is at most [`MAX_PROPOSAL_BYTES`] (its wire size, the length
//!   of its compact JSON);
//! - a block carries at most [`MAX_BLOCK_PROPOSAL_BYTES`] of proposals:
//!   leaders fill blocks up to it, every validator refuses a block above it
//!   before voting or persisting anything about it, and forwards of pending
//!   proposals obey the same bound;
//! - a sync answer carries blocks until [`SYNC_RESPONSE_BYTES`] of JSON,
//!   and always at least one block;
//! - so the largest message is a PBFT new-view (up to n view changes, each
//!   with its prepared block, plus the new block): [`max_message_bytes`];
//! - and `POST /peer` accepts an envelope of up to [`max_envelope_bytes`]:
//!   the message travels as a JSON string inside it, and escaping can at
//!   most double it.
//!
//! Before these bounds, blocks were capped by proposal count only: four
//! 1.5 MB proposals made a block no peer would accept, and the view climbed
//! for good (TigerBeetle's rule: put a limit on everything).

use serde::Serialize;

pub use super::types::{MAX_BLOCK_PROPOSAL_BYTES, MAX_PROPOSAL_BYTES};
use super::types::{ValidatorSet, json_size};

/// JSON bytes of blocks (with their certificates) one sync answer carries
/// beyond its first block.
pub const SYNC_RESPONSE_BYTES: usize = MAX_BLOCK_PROPOSAL_BYTES;

/// Bytes of a block and one certificate of it beyond its proposals, for a
/// set of `members` and a chain id of `chain_id_len` bytes: the header, the
/// separators between proposals (each proposal is at least 25 bytes, so
/// fewer than one in eight of the proposal bytes), the certificate (about
/// 140 bytes a signer) and a signed vote.
pub fn block_overhead(members: usize, chain_id_len: usize) -> usize {
    4096 + 4 * chain_id_len + members.saturating_mul(512) + MAX_BLOCK_PROPOSAL_BYTES / 8
}

/// The largest protocol message, as JSON, for `set`: a PBFT new-view holds
/// up to n view changes with a prepared block each and the new block, and
/// nothing else holds more than two blocks.
pub fn max_message_bytes(set: &ValidatorSet) -> usize {
    let n = set.len();
    let per_block = MAX_BLOCK_PROPOSAL_BYTES.saturating_add(block_overhead(n, set.chain_id.len()));
    n.saturating_add(2).saturating_mul(per_block)
}

/// The body limit of `POST /peer` for `set`: the envelope's message is a
/// JSON string, whose escaping at most doubles it (`"` and `\` become two
/// bytes; control characters never appear raw in JSON text).
pub fn max_envelope_bytes(set: &ValidatorSet) -> usize {
    max_message_bytes(set)
        .saturating_mul(2)
        .saturating_add(1024 + 2 * set.chain_id.len())
}

/// The first items, in order, while their JSON sizes add up to at most
/// [`SYNC_RESPONSE_BYTES`]; always the first one.
pub fn within_sync_budget<T: Serialize>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut bytes = 0usize;
    let mut out = Vec::new();
    for item in items {
        bytes = bytes.saturating_add(json_size(&item));
        if bytes > SYNC_RESPONSE_BYTES && !out.is_empty() {
            break;
        }
        out.push(item);
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::services::consensus::protocol::hotstuff::HotStuffMessage;
    use crate::services::consensus::protocol::messages::{
        Message, NewView, PreparedCertificate, ViewChange,
    };
    use crate::services::consensus::protocol::testkit::{key, set};
    use crate::services::consensus::protocol::types::{
        Block, Phase, Proposal, QuorumCertificate, Vote,
    };
    use crate::services::consensus::transport::Envelope;

    /// A proposal of exactly `size` wire bytes made of the characters that
    /// grow most when escaped (`"`: two bytes in JSON, four in the envelope).
    fn worst_proposal(id: &str, size: usize) -> Proposal {
        let mut p = Proposal::new(id, json!(""));
        p.kind = Some("k".repeat(128));
        let base = p.wire_size();
        let quotes = (size - base) / 2;
        p.payload = json!("\"".repeat(quotes));
        let pad = size - p.wire_size();
        p.payload = json!(format!("{}{}", "\"".repeat(quotes), "x".repeat(pad)));
        assert_eq!(p.wire_size(), size);
        p
    }

    /// A block full to the byte limit with the worst proposals.
    fn full_block(height: u64, tag: &str) -> Block {
        let per = MAX_PROPOSAL_BYTES;
        let count = MAX_BLOCK_PROPOSAL_BYTES / per;
        let mut proposals: Vec<Proposal> = (0..count)
            .map(|i| worst_proposal(&format!("{tag}-{i:0>250}"), per))
            .collect();
        let used: usize = proposals.iter().map(Proposal::wire_size).sum();
        if MAX_BLOCK_PROPOSAL_BYTES - used > 200 {
            proposals.push(worst_proposal(
                &format!("{tag}-last"),
                MAX_BLOCK_PROPOSAL_BYTES - used,
            ));
        }
        let b = Block {
            height,
            view: u64::MAX,
            parent_hash: [0xff; 32],
            proposer: u32::MAX,
            proposals,
        };
        assert!(b.check_shape(10_000).is_ok());
        b
    }

    fn qc(s: &ValidatorSet, b: &Block) -> QuorumCertificate {
        let votes: Vec<Vote> = (0..s.len())
            .map(|i| {
                Vote::sign(
                    &key(i),
                    s,
                    i as u32,
                    b.height,
                    u64::MAX,
                    Phase::Prepare,
                    b.hash(),
                )
            })
            .collect();
        QuorumCertificate::from_votes(&votes).unwrap()
    }

    fn envelope_len(s: &ValidatorSet, msg: &Message) -> (usize, usize) {
        let text = serde_json::to_string(msg).unwrap();
        let len = text.len();
        let env = Envelope::seal(&s.chain_id, u32::MAX, u32::MAX, u64::MAX, text, &key(0));
        (len, serde_json::to_vec(&env).unwrap().len())
    }

    #[test]
    fn the_largest_messages_fit_the_transport_limit() {
        for n in [1, 4, 7, 13] {
            let mut s = set(n);
            s.chain_id = "c".repeat(64);
            let vote = |b: &Block| {
                Vote::sign(&key(0), &s, 0, b.height, u64::MAX, Phase::Prepare, b.hash())
            };
            let block = full_block(u64::MAX, "new");
            let view_changes: Vec<ViewChange> = (0..n)
                .map(|i| {
                    let b = full_block(u64::MAX, &format!("vc{i}"));
                    ViewChange {
                        vote: vote(&b),
                        prepared: Some(PreparedCertificate {
                            qc: qc(&s, &b),
                            block: b,
                        }),
                    }
                })
                .collect();
            let new_view = Message::NewView(NewView {
                view_changes,
                vote: vote(&block),
                parent_qc: Some(qc(&s, &block)),
                block: block.clone(),
            });
            let sync = Message::SyncResponse {
                blocks: within_sync_budget((0..10).map(|i| {
                    let b = full_block(i, &format!("s{i}"));
                    (b.clone(), qc(&s, &b))
                })),
            };
            let chain = Message::HotStuff(HotStuffMessage::Chain {
                blocks: within_sync_budget((0..10).map(|i| {
                    let b = full_block(i, &format!("c{i}"));
                    (b.clone(), Some(qc(&s, &b)))
                })),
                high_qc: Some(qc(&s, &block)),
            });
            let forward = Message::Forward {
                proposals: block.proposals.clone(),
            };
            for msg in [new_view, sync, chain, forward] {
                let (json, envelope) = envelope_len(&s, &msg);
                assert!(
                    json <= max_message_bytes(&s),
                    "n={n} {}: {json} > {}",
                    msg.kind(),
                    max_message_bytes(&s)
                );
                assert!(
                    envelope <= max_envelope_bytes(&s),
                    "n={n} {}: {envelope} > {}",
                    msg.kind(),
                    max_envelope_bytes(&s)
                );
            }
        }
    }

    #[test]
    fn a_sync_answer_holds_at_least_one_block_and_stops_at_the_budget() {
        let small: Vec<u32> = within_sync_budget(0..100u32);
        assert_eq!(small.len(), 100);
        let big = "x".repeat(SYNC_RESPONSE_BYTES);
        assert_eq!(within_sync_budget([big.clone(), big.clone()]).len(), 1);
        let half = "x".repeat(SYNC_RESPONSE_BYTES / 2 - 2);
        assert_eq!(
            within_sync_budget([half.clone(), half.clone(), half]).len(),
            2
        );
    }
}
