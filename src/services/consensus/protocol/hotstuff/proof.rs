//! What proves a HotStuff block final to someone who was not there.
//!
//! In two-chain HotStuff a block's own QC does not make it committed: a QC
//! on X only says 2f+1 voted for X; a Byzantine next leader can keep it to
//! itself, and another block then takes X's height. X is final once a
//! child X' with `X'.parent = X` and `X'.view = X.view + 1` is certified
//! (and then so is every ancestor of X). Validators commit by that rule;
//! what they store with each committed block is its own QC, and with the
//! highest block of each commit step the [`CommitProof`]: the blocks above
//! it up to that certified child, and the child's QC.
//!
//! A follower catching up over HTTP and `bitcraps consensus verify` accept
//! a HotStuff block only with that proof, for it or for a block above it
//! reached through linked, certified blocks ([`final_prefix`]).

use serde::{Deserialize, Serialize};

use crate::services::consensus::protocol::types::{Block, Phase, QuorumCertificate, ValidatorSet};

/// The blocks above a committed block up to a certified child of
/// consecutive view (`blocks`, in height order, the last one the child),
/// and that child's QC. Usually one block: the child itself; longer when
/// the committed block ended its epoch and blocks above it (which never
/// commit) led to the proof.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommitProof {
    pub blocks: Vec<Block>,
    pub qc: QuorumCertificate,
}

/// Most blocks a proof, or a walk to one, may hold.
pub const MAX_PROOF_BLOCKS: usize = 256;

impl CommitProof {
    /// Checks that this proves `block` final under `set` (the set of its
    /// epoch): the proof's blocks extend `block` one after another, the
    /// last one (X') is certified by `qc` in its own view, its QC verifies
    /// against `set`, and X' is one view above its parent (the two-chain
    /// rule then commits that parent, which is `block` or one of its
    /// descendants, so `block` too).
    pub fn proves(&self, block: &Block, set: &ValidatorSet) -> Result<(), String> {
        if self.blocks.is_empty() || self.blocks.len() > MAX_PROOF_BLOCKS {
            return Err(format!(
                "a commit proof holds 1 to {MAX_PROOF_BLOCKS} blocks, not {}",
                self.blocks.len()
            ));
        }
        let mut parent = block;
        for b in &self.blocks {
            if b.parent_hash != parent.hash() || b.height != parent.height.saturating_add(1) {
                return Err(format!(
                    "proof block at height {} does not extend the block below it",
                    b.height
                ));
            }
            parent = b;
        }
        let child = parent;
        let below = match self.blocks.len() {
            1 => block,
            n => &self.blocks[n - 2],
        };
        if child.view != below.view.saturating_add(1) {
            return Err(format!(
                "the certified child (view {}) is not one view above its parent (view {})",
                child.view, below.view
            ));
        }
        if self.qc.phase != Phase::Generic
            || !self.qc.certifies(child)
            || self.qc.view != child.view
        {
            return Err("the proof's certificate is not a generic QC of its last block".into());
        }
        self.qc
            .verify(set)
            .map_err(|e| format!("the proof's certificate does not verify: {e}"))
    }
}

/// One committed block as a validator serves it (`GET /blocks/{h}`).
#[derive(Debug, Clone, PartialEq)]
pub struct Served {
    pub block: Block,
    pub qc: QuorumCertificate,
    pub proof: Option<CommitProof>,
}

impl Served {
    /// Reads a `GET /blocks/{h}` answer: `block`, `qc` and, when the
    /// validator stored one, `commit_proof`.
    pub fn from_answer(v: &serde_json::Value) -> Result<Served, String> {
        let field = |name: &str| v.get(name).cloned().unwrap_or(serde_json::Value::Null);
        Ok(Served {
            block: serde_json::from_value(field("block")).map_err(|e| format!("block: {e}"))?,
            qc: serde_json::from_value(field("qc")).map_err(|e| format!("qc: {e}"))?,
            proof: match field("commit_proof") {
                serde_json::Value::Null => None,
                p => Some(serde_json::from_value(p).map_err(|e| format!("commit_proof: {e}"))?),
            },
        })
    }
}

/// How many of `chain` (consecutive served blocks, the first extending
/// `parent`) are proven final under `set`: each must link to the one
/// before and carry a QC of its own that verifies; the walk ends at the
/// first block with a proof, which must hold, and everything up to it is
/// final. Blocks past the last proof are not (yet) proven: `Ok(0)` when no
/// block carries one. An inconsistent chain is an error.
pub fn final_prefix(
    chain: &[Served],
    parent: [u8; 32],
    set: &ValidatorSet,
) -> Result<usize, String> {
    let mut prev = parent;
    for (i, s) in chain.iter().enumerate().take(MAX_PROOF_BLOCKS) {
        if s.block.parent_hash != prev {
            return Err(format!(
                "block {} does not extend the block before it",
                s.block.height
            ));
        }
        if !s.qc.certifies(&s.block) || s.qc.view != s.block.view {
            return Err(format!(
                "the certificate of block {} is not its own",
                s.block.height
            ));
        }
        s.qc.verify(set)
            .map_err(|e| format!("block {}: {e}", s.block.height))?;
        if let Some(proof) = &s.proof {
            proof
                .proves(&s.block, set)
                .map_err(|e| format!("block {}: {e}", s.block.height))?;
            return Ok(i + 1);
        }
        prev = s.block.hash();
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::consensus::protocol::testkit::{key, set};
    use crate::services::consensus::protocol::types::{Proposal, Vote};

    fn block(height: u64, view: u64, parent: &Block) -> Block {
        Block {
            height,
            view,
            parent_hash: parent.hash(),
            proposer: 0,
            proposals: vec![Proposal::new(
                format!("p{height}-{view}"),
                serde_json::json!(1),
            )],
        }
    }

    fn root() -> Block {
        Block {
            height: 1,
            view: 1,
            parent_hash: [0; 32],
            proposer: 1,
            proposals: vec![],
        }
    }

    fn qc(b: &Block, signers: &[usize]) -> QuorumCertificate {
        let s = set(4);
        let votes: Vec<Vote> = signers
            .iter()
            .map(|i| {
                Vote::sign(
                    &key(*i),
                    &s,
                    *i as u32,
                    b.height,
                    b.view,
                    Phase::Generic,
                    b.hash(),
                )
            })
            .collect();
        QuorumCertificate::from_votes(&votes).unwrap()
    }

    #[test]
    fn a_certified_child_of_the_next_view_proves_its_parent() {
        let s = set(4);
        let x = root();
        let child = block(2, 2, &x);
        let proof = CommitProof {
            blocks: vec![child.clone()],
            qc: qc(&child, &[0, 1, 2]),
        };
        assert_eq!(proof.proves(&x, &s), Ok(()));
    }

    /// The attack: X's own QC exists, but its child is of a later view
    /// (the QC at view+1 was kept by a Byzantine leader): not final.
    #[test]
    fn a_child_of_a_later_view_proves_nothing() {
        let s = set(4);
        let x = root();
        let child = block(2, 3, &x);
        let proof = CommitProof {
            blocks: vec![child.clone()],
            qc: qc(&child, &[0, 1, 2]),
        };
        assert!(proof.proves(&x, &s).unwrap_err().contains("one view above"));
        let other_parent = block(2, 2, &block(1, 1, &root()));
        let proof = CommitProof {
            blocks: vec![other_parent.clone()],
            qc: qc(&other_parent, &[0, 1, 2]),
        };
        assert!(proof.proves(&x, &s).unwrap_err().contains("extend"));
        let child = block(2, 2, &x);
        let short = CommitProof {
            blocks: vec![child.clone()],
            qc: qc(&child, &[0, 1]),
        };
        assert!(short.proves(&x, &s).unwrap_err().contains("verify"));
    }

    #[test]
    fn only_blocks_up_to_a_proof_are_final() {
        let s = set(4);
        let b1 = root();
        let b2 = block(2, 3, &b1);
        let b3 = block(3, 5, &b2);
        let b4 = block(4, 6, &b3);
        let served = |b: &Block, proof: Option<CommitProof>| Served {
            block: b.clone(),
            qc: qc(b, &[1, 2, 3]),
            proof,
        };
        // b1's own QC alone proves nothing: its served child is of a later
        // view and carries no proof.
        let chain = vec![served(&b1, None), served(&b2, None)];
        assert_eq!(final_prefix(&chain, [0; 32], &s), Ok(0));
        // b3 proven by b4 (view 5 -> 6): b1..b3 are final.
        let proof = CommitProof {
            blocks: vec![b4.clone()],
            qc: qc(&b4, &[0, 1, 3]),
        };
        let chain = vec![
            served(&b1, None),
            served(&b2, None),
            served(&b3, Some(proof)),
        ];
        assert_eq!(final_prefix(&chain, [0; 32], &s), Ok(3));
        // A broken link is an error, not a shorter prefix.
        let chain = vec![served(&b1, None), served(&b3, None)];
        assert!(final_prefix(&chain, [0; 32], &s).is_err());
    }
}
