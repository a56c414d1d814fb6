//! Votes, quorum certificates and the exact bytes a validator signs.
//!
//! # Sign bytes (`bitcraps-vote-v1`)
//!
//! Every vote, and every signature inside a quorum certificate, is an
//! ed25519 signature (RFC 8032, pure Ed25519, no pre-hash) over:
//!
//! ```text
//! offset  size  field
//! 0       16    ASCII "bitcraps-vote-v1"
//! 16      4     u32 big-endian: byte length L of chain_id
//! 20      L     chain_id, UTF-8
//! 20+L    8     u64 big-endian: epoch
//! 28+L    8     u64 big-endian: height
//! 36+L    8     u64 big-endian: view
//! 44+L    1     u8 phase: 1 = prepare, 2 = commit, 3 = view-change (PBFT),
//!                  4 = prevote, 5 = precommit (Tendermint; `view` is the
//!                  round), 6 = generic, 7 = timeout (HotStuff)
//! 45+L    32    block hash (SHA-256 of the block encoding, see `Block`)
//! total   77+L bytes
//! ```
//!
//! For a view-change vote the "block hash" field is the digest of the
//! sender's highest prepared certificate: 32 zero bytes when it has none,
//! else SHA-256("bitcraps-viewchange-v1" || u64 BE prepare-QC view ||
//! prepared block hash). A leader's pre-prepare is signed as its own prepare
//! vote, so there is no separate pre-prepare phase.
//!
//! A quorum certificate is valid when its signers are distinct members of
//! the validator set whose voting power together is more than 2/3 of the
//! total, and each signature verifies over the certificate's sign bytes.

use ed25519_dalek::{Signer, SigningKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::ValidatorSet;
use super::block::Block;
use super::hex_serde::{hex_array, signature_list};
use crate::services::consensus::protocol::signature::{CheckFn, Ed25519Check, SignatureCheck};

/// Domain tag that starts the vote sign bytes.
pub const VOTE_DOMAIN: &[u8] = b"bitcraps-vote-v1";
/// Domain tag of the view-change digest.
pub const VIEW_CHANGE_DOMAIN: &[u8] = b"bitcraps-viewchange-v1";

/// What a vote says about its block.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// "I accept this block for this view" (the leader's is its pre-prepare).
    Prepare,
    /// "A quorum prepared this block in this view, and so did I."
    Commit,
    /// "I leave every view below this one", with the highest prepared
    /// certificate digest in place of the block hash.
    ViewChange,
    /// Tendermint prevote for a block (or nil: 32 zero bytes) in a round.
    Prevote,
    /// Tendermint precommit for a block (or nil) in a round; a precommit
    /// quorum for a block decides it.
    Precommit,
    /// HotStuff vote for a block in a view (chained HotStuff's single
    /// "generic" phase); a quorum of them is the block's QC.
    Generic,
    /// HotStuff timeout: "I leave this view"; the block-hash field carries
    /// the digest the algorithm documents.
    Timeout,
}

impl Phase {
    /// The byte in the sign bytes.
    pub fn code(self) -> u8 {
        match self {
            Phase::Prepare => 1,
            Phase::Commit => 2,
            Phase::ViewChange => 3,
            Phase::Prevote => 4,
            Phase::Precommit => 5,
            Phase::Generic => 6,
            Phase::Timeout => 7,
        }
    }

    pub fn from_code(code: u8) -> Option<Phase> {
        match code {
            1 => Some(Phase::Prepare),
            2 => Some(Phase::Commit),
            3 => Some(Phase::ViewChange),
            4 => Some(Phase::Prevote),
            5 => Some(Phase::Precommit),
            6 => Some(Phase::Generic),
            7 => Some(Phase::Timeout),
            _ => None,
        }
    }

    /// Whether a quorum certificate of this phase is what an algorithm
    /// hands out with a committed block (PBFT commit, Tendermint
    /// precommit, HotStuff generic vote).
    pub fn certifies_commit(self) -> bool {
        matches!(self, Phase::Commit | Phase::Precommit | Phase::Generic)
    }

    /// Order of signing within one view: a validator enters a view with
    /// its view-change vote, then prepares, then commits.
    /// Tendermint: prevote < precommit within a round. HotStuff: a vote
    /// precedes the timeout of its view.
    pub(crate) fn rank(self) -> u8 {
        match self {
            Phase::ViewChange => 0,
            Phase::Prepare | Phase::Prevote | Phase::Generic => 1,
            Phase::Commit | Phase::Precommit | Phase::Timeout => 2,
        }
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Phase::Prepare => "prepare",
            Phase::Commit => "commit",
            Phase::ViewChange => "view-change",
            Phase::Prevote => "prevote",
            Phase::Precommit => "precommit",
            Phase::Generic => "generic",
            Phase::Timeout => "timeout",
        })
    }
}

/// The bytes a validator signs (layout in the module documentation).
pub fn sign_bytes(
    chain_id: &str,
    epoch: u64,
    height: u64,
    view: u64,
    phase: Phase,
    block_hash: &[u8; 32],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(77 + chain_id.len());
    out.extend_from_slice(VOTE_DOMAIN);
    let len = u32::try_from(chain_id.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(chain_id.as_bytes());
    out.extend_from_slice(&epoch.to_be_bytes());
    out.extend_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&view.to_be_bytes());
    out.push(phase.code());
    out.extend_from_slice(block_hash);
    out
}

/// Digest a view-change vote signs in place of a block hash: zeros when
/// nothing is prepared, else SHA-256 over the domain tag, the prepare QC's
/// view and the prepared block's hash.
pub fn view_change_digest(prepared: Option<(u64, &[u8; 32])>) -> [u8; 32] {
    match prepared {
        None => [0; 32],
        Some((view, hash)) => {
            let mut h = Sha256::new();
            h.update(VIEW_CHANGE_DOMAIN);
            h.update(view.to_be_bytes());
            h.update(hash);
            h.finalize().into()
        }
    }
}

/// Why a vote is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum VoteError {
    #[error("vote for chain {got:?}, but this chain is {expected:?}")]
    WrongChain { expected: String, got: String },
    #[error("vote for epoch {got}, but the current epoch is {expected}")]
    WrongEpoch { expected: u64, got: u64 },
    #[error("validator {validator} is not a member of the validator set")]
    NonMember { validator: u32 },
    #[error("bad signature from validator {validator}")]
    BadSignature { validator: u32 },
}

/// One validator's signed statement about a block in a view.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Vote {
    pub chain_id: String,
    pub epoch: u64,
    pub height: u64,
    pub view: u64,
    pub phase: Phase,
    /// Hex of the 32-byte block hash (or the digest a view change or a
    /// timeout signs in its place).
    #[serde(with = "hex_array")]
    #[schema(value_type = String, pattern = "^[0-9a-f]{64}$")]
    pub block_hash: [u8; 32],
    /// Index of the signer in the validator set.
    pub validator: u32,
    /// Hex of the 64-byte ed25519 signature over the vote bytes.
    #[serde(with = "hex_array")]
    #[schema(value_type = String, pattern = "^[0-9a-f]{128}$")]
    pub signature: [u8; 64],
}

impl Vote {
    /// Signs a vote with the set's chain id and epoch.
    pub fn sign(
        key: &SigningKey,
        set: &ValidatorSet,
        validator: u32,
        height: u64,
        view: u64,
        phase: Phase,
        block_hash: [u8; 32],
    ) -> Vote {
        let bytes = sign_bytes(&set.chain_id, set.epoch, height, view, phase, &block_hash);
        Vote {
            chain_id: set.chain_id.clone(),
            epoch: set.epoch,
            height,
            view,
            phase,
            block_hash,
            validator,
            signature: key.sign(&bytes).to_bytes(),
        }
    }

    pub fn sign_bytes(&self) -> Vec<u8> {
        sign_bytes(
            &self.chain_id,
            self.epoch,
            self.height,
            self.view,
            self.phase,
            &self.block_hash,
        )
    }

    /// Checks chain id, epoch, membership and the ed25519 signature, in
    /// that order.
    pub fn verify(&self, set: &ValidatorSet) -> Result<(), VoteError> {
        self.verify_with(set, &mut |k, m, s| Ed25519Check.check(k, m, s))
    }

    pub fn verify_with(
        &self,
        set: &ValidatorSet,
        check: &mut CheckFn<'_>,
    ) -> Result<(), VoteError> {
        if self.chain_id != set.chain_id {
            return Err(VoteError::WrongChain {
                expected: set.chain_id.clone(),
                got: self.chain_id.clone(),
            });
        }
        if self.epoch != set.epoch {
            return Err(VoteError::WrongEpoch {
                expected: set.epoch,
                got: self.epoch,
            });
        }
        let Some(member) = set.get(self.validator) else {
            return Err(VoteError::NonMember {
                validator: self.validator,
            });
        };
        if !check(&member.public_key, &self.sign_bytes(), &self.signature) {
            return Err(VoteError::BadSignature {
                validator: self.validator,
            });
        }
        Ok(())
    }
}

/// Why a quorum certificate is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum QcError {
    #[error("certificate for chain {got:?}, but this chain is {expected:?}")]
    WrongChain { expected: String, got: String },
    #[error("certificate for epoch {got}, but the current epoch is {expected}")]
    WrongEpoch { expected: u64, got: u64 },
    #[error("certificate signer {validator} is not a member of the validator set")]
    NonMember { validator: u32 },
    #[error("validator {validator} signs the certificate more than once")]
    DuplicateSigner { validator: u32 },
    #[error("certificate signers hold voting power {have}, a quorum needs {need}")]
    InsufficientPower { have: u64, need: u64 },
    #[error("bad signature from validator {validator} in the certificate")]
    BadSignature { validator: u32 },
}

/// Signatures of a quorum over one (chain, epoch, height, view, phase,
/// block hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuorumCertificate {
    pub chain_id: String,
    pub epoch: u64,
    pub height: u64,
    pub view: u64,
    pub phase: Phase,
    #[serde(with = "hex_array")]
    pub block_hash: [u8; 32],
    #[serde(with = "signature_list")]
    pub signatures: Vec<(u32, [u8; 64])>,
}

impl QuorumCertificate {
    /// Collects votes that agree on everything but the signer; `None` when
    /// they do not agree or there are none. Signers are sorted by index.
    pub fn from_votes<'a>(votes: impl IntoIterator<Item = &'a Vote>) -> Option<QuorumCertificate> {
        let mut iter = votes.into_iter();
        let first = iter.next()?;
        let mut qc = QuorumCertificate {
            chain_id: first.chain_id.clone(),
            epoch: first.epoch,
            height: first.height,
            view: first.view,
            phase: first.phase,
            block_hash: first.block_hash,
            signatures: vec![(first.validator, first.signature)],
        };
        for v in iter {
            let same = v.chain_id == qc.chain_id
                && v.epoch == qc.epoch
                && v.height == qc.height
                && v.view == qc.view
                && v.phase == qc.phase
                && v.block_hash == qc.block_hash;
            if !same {
                return None;
            }
            qc.signatures.push((v.validator, v.signature));
        }
        qc.signatures.sort_by_key(|(validator, _)| *validator);
        Some(qc)
    }

    pub fn sign_bytes(&self) -> Vec<u8> {
        sign_bytes(
            &self.chain_id,
            self.epoch,
            self.height,
            self.view,
            self.phase,
            &self.block_hash,
        )
    }

    /// Does this certificate certify `block` (same height and hash)?
    pub fn certifies(&self, block: &Block) -> bool {
        self.height == block.height && self.block_hash == block.hash()
    }

    /// Checks chain id, epoch, that signers are distinct members holding a
    /// quorum of voting power, then every signature.
    pub fn verify(&self, set: &ValidatorSet) -> Result<(), QcError> {
        self.verify_with(set, &mut |k, m, s| Ed25519Check.check(k, m, s))
    }

    pub fn verify_with(&self, set: &ValidatorSet, check: &mut CheckFn<'_>) -> Result<(), QcError> {
        if self.chain_id != set.chain_id {
            return Err(QcError::WrongChain {
                expected: set.chain_id.clone(),
                got: self.chain_id.clone(),
            });
        }
        if self.epoch != set.epoch {
            return Err(QcError::WrongEpoch {
                expected: set.epoch,
                got: self.epoch,
            });
        }
        let mut seen = vec![false; set.len()];
        let mut power: u64 = 0;
        for (validator, _) in &self.signatures {
            let Some(member) = set.get(*validator) else {
                return Err(QcError::NonMember {
                    validator: *validator,
                });
            };
            let slot = usize::try_from(*validator).unwrap_or(usize::MAX);
            match seen.get_mut(slot) {
                Some(s) if !*s => *s = true,
                _ => {
                    return Err(QcError::DuplicateSigner {
                        validator: *validator,
                    });
                }
            }
            power = power.saturating_add(member.power);
        }
        if !set.has_quorum(power) {
            return Err(QcError::InsufficientPower {
                have: power,
                need: set.quorum_power(),
            });
        }
        let bytes = self.sign_bytes();
        for (validator, signature) in &self.signatures {
            let Some(member) = set.get(*validator) else {
                return Err(QcError::NonMember {
                    validator: *validator,
                });
            };
            if !check(&member.public_key, &bytes, signature) {
                return Err(QcError::BadSignature {
                    validator: *validator,
                });
            }
        }
        Ok(())
    }
}
