//! Checking Byzantine evidence that arrives from elsewhere (gossiped in a
//! block, or handed in by a client) before it is believed, and the stable
//! key that makes every validator record one offence once.

use super::config::{Algorithm, VoteSlot};
use super::messages::Evidence;
use super::types::{ValidatorSet, VoteError};
use crate::services::consensus::protocol::types::Vote;

/// Why a piece of evidence is not believed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    #[error("vote {which}: {error}")]
    BadVote { which: char, error: VoteError },
    #[error("the two votes are by different validators ({a} and {b})")]
    DifferentSigners { a: u32, b: u32 },
    #[error("the two votes are for different slots or phases")]
    DifferentSlots,
    #[error("the two votes are for the same block: that is not equivocation")]
    SameBlock,
}

impl Evidence {
    /// Checks that the evidence proves what it claims against `set`: two
    /// votes, each validly signed by the same member in this chain and
    /// epoch, for one signing slot of `algorithm` and one phase, naming
    /// different blocks.
    pub fn verify(&self, set: &ValidatorSet, algorithm: Algorithm) -> Result<(), EvidenceError> {
        match self {
            Evidence::DuplicateVote { a, b } => {
                a.verify(set)
                    .map_err(|error| EvidenceError::BadVote { which: 'a', error })?;
                b.verify(set)
                    .map_err(|error| EvidenceError::BadVote { which: 'b', error })?;
                if a.validator != b.validator {
                    return Err(EvidenceError::DifferentSigners {
                        a: a.validator,
                        b: b.validator,
                    });
                }
                if a.phase != b.phase || slot(algorithm, a) != slot(algorithm, b) {
                    return Err(EvidenceError::DifferentSlots);
                }
                if a.block_hash == b.block_hash {
                    return Err(EvidenceError::SameBlock);
                }
                Ok(())
            }
        }
    }

    /// One key per offence, whichever validator saw it and in whichever
    /// order it holds the two votes: `duplicate-vote-<validator>-e<epoch>-
    /// <slot>-<phase>`. Also the id of the proposal that puts it in a block.
    pub fn key(&self, algorithm: Algorithm) -> String {
        match self {
            Evidence::DuplicateVote { a, .. } => {
                let (x, y, z) = slot(algorithm, a);
                format!(
                    "duplicate-vote-{}-e{}-{x}.{y}.{z}-{}",
                    a.validator, a.epoch, a.phase
                )
            }
        }
    }
}

fn slot(algorithm: Algorithm, v: &Vote) -> VoteSlot {
    algorithm.vote_slot(v.height, v.view, v.phase)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::consensus::protocol::testkit::{key, set};
    use crate::services::consensus::protocol::types::Phase;

    fn vote(signer: usize, height: u64, view: u64, phase: Phase, hash: u8) -> Vote {
        Vote::sign(
            &key(signer),
            &set(4),
            signer as u32,
            height,
            view,
            phase,
            [hash; 32],
        )
    }

    #[test]
    fn two_signed_votes_for_one_slot_and_different_blocks_are_evidence() {
        let e = Evidence::DuplicateVote {
            a: vote(2, 5, 1, Phase::Prepare, 1),
            b: vote(2, 5, 1, Phase::Prepare, 2),
        };
        assert_eq!(e.verify(&set(4), Algorithm::Pbft), Ok(()));
        assert_eq!(e.key(Algorithm::Pbft), "duplicate-vote-2-e1-5.1.1-prepare");
        // The same offence reported with the votes swapped has the same key.
        let Evidence::DuplicateVote { a, b } = e.clone();
        let swapped = Evidence::DuplicateVote { a: b, b: a };
        assert_eq!(swapped.key(Algorithm::Pbft), e.key(Algorithm::Pbft));
    }

    #[test]
    fn anything_short_of_equivocation_is_refused() {
        let s = set(4);
        let same = Evidence::DuplicateVote {
            a: vote(2, 5, 1, Phase::Prepare, 1),
            b: vote(2, 5, 1, Phase::Prepare, 1),
        };
        assert_eq!(
            same.verify(&s, Algorithm::Pbft),
            Err(EvidenceError::SameBlock)
        );
        let other_view = Evidence::DuplicateVote {
            a: vote(2, 5, 1, Phase::Prepare, 1),
            b: vote(2, 5, 2, Phase::Prepare, 2),
        };
        assert_eq!(
            other_view.verify(&s, Algorithm::Pbft),
            Err(EvidenceError::DifferentSlots)
        );
        let other_phase = Evidence::DuplicateVote {
            a: vote(2, 5, 1, Phase::Prepare, 1),
            b: vote(2, 5, 1, Phase::Commit, 2),
        };
        assert_eq!(
            other_phase.verify(&s, Algorithm::Pbft),
            Err(EvidenceError::DifferentSlots)
        );
        let two_signers = Evidence::DuplicateVote {
            a: vote(2, 5, 1, Phase::Prepare, 1),
            b: vote(3, 5, 1, Phase::Prepare, 2),
        };
        assert!(matches!(
            two_signers.verify(&s, Algorithm::Pbft),
            Err(EvidenceError::DifferentSigners { a: 2, b: 3 })
        ));
        let mut forged = vote(2, 5, 1, Phase::Prepare, 2);
        forged.signature[0] ^= 1;
        let forged = Evidence::DuplicateVote {
            a: vote(2, 5, 1, Phase::Prepare, 1),
            b: forged,
        };
        assert!(matches!(
            forged.verify(&s, Algorithm::Pbft),
            Err(EvidenceError::BadVote { which: 'b', .. })
        ));
    }

    #[test]
    fn hotstuff_slots_are_views_whatever_the_height() {
        // One HotStuff view, two heights: still equivocation.
        let e = Evidence::DuplicateVote {
            a: vote(1, 7, 9, Phase::Generic, 1),
            b: vote(1, 8, 9, Phase::Generic, 2),
        };
        assert_eq!(e.verify(&set(4), Algorithm::HotStuff), Ok(()));
        assert_eq!(
            e.verify(&set(4), Algorithm::Pbft),
            Err(EvidenceError::DifferentSlots)
        );
    }
}
