//! Types every consensus algorithm shares: the validator set and its quorum
//! arithmetic, proposals and blocks, votes and quorum certificates.

mod block;
mod hex_serde;
mod vote;

#[cfg(test)]
mod tests;

use std::collections::HashSet;

use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};

pub use block::{
    Attestation, BLOCK_DOMAIN, Block, MAX_BLOCK_PROPOSAL_BYTES, MAX_PAYLOAD_DEPTH,
    MAX_PROPOSAL_BYTES, MAX_PROPOSAL_ID_LEN, MAX_PROPOSAL_KIND_LEN, Malformed, Proposal,
    RECORD_DOMAIN, encode_value, json_size,
};
pub(crate) use hex_serde::hex_array;
pub use vote::{
    Phase, QcError, QuorumCertificate, VIEW_CHANGE_DOMAIN, VOTE_DOMAIN, Vote, VoteError,
    sign_bytes, view_change_digest,
};

/// One member of the validator set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validator {
    pub id: String,
    /// ed25519 public key, hex in JSON.
    #[serde(with = "hex_array")]
    pub public_key: [u8; 32],
    /// Voting power; quorums are counted in power, not heads.
    pub power: u64,
}

/// Why a validator set cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetError {
    #[error("the validator set has an empty chain id")]
    EmptyChainId,
    #[error("the validator set has no validators")]
    Empty,
    #[error("the validator set has more than 2^32 - 1 validators")]
    TooLarge,
    #[error("validator {index} has an empty id")]
    EmptyId { index: usize },
    #[error("validator id {id:?} appears twice")]
    DuplicateId { id: String },
    #[error("validator {id:?} shares its public key with another validator")]
    DuplicateKey { id: String },
    #[error("validator {id:?} has a public key that is not a valid ed25519 point")]
    BadKey { id: String },
    #[error("validator {id:?} has voting power 0; every member needs at least 1")]
    ZeroPower { id: String },
    #[error("the total voting power does not fit in 64 bits")]
    PowerOverflow,
    #[error("governance key {index} is not a valid ed25519 point")]
    BadGovernanceKey { index: usize },
}

/// The validators of one chain and epoch. Indices into `validators` name
/// validators everywhere else (votes, blocks, messages).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidatorSet {
    pub chain_id: String,
    pub epoch: u64,
    pub validators: Vec<Validator>,
    /// ed25519 keys (hex in JSON) whose signature a validator set change
    /// needs (see `set_change`); fixed by the genesis. None: the set
    /// cannot change.
    #[serde(default, with = "hex_serde::hex_array_list")]
    pub governance_keys: Vec<[u8; 32]>,
}

impl ValidatorSet {
    /// Checks everything the quorum arithmetic and signature checks rely on.
    pub fn validate(&self) -> Result<(), SetError> {
        if self.chain_id.is_empty() {
            return Err(SetError::EmptyChainId);
        }
        if self.validators.is_empty() {
            return Err(SetError::Empty);
        }
        if u32::try_from(self.validators.len()).is_err() {
            return Err(SetError::TooLarge);
        }
        let mut ids = HashSet::new();
        let mut keys = HashSet::new();
        let mut total: u64 = 0;
        for (index, v) in self.validators.iter().enumerate() {
            if v.id.is_empty() {
                return Err(SetError::EmptyId { index });
            }
            if !ids.insert(v.id.as_str()) {
                return Err(SetError::DuplicateId { id: v.id.clone() });
            }
            if !keys.insert(v.public_key) {
                return Err(SetError::DuplicateKey { id: v.id.clone() });
            }
            if VerifyingKey::from_bytes(&v.public_key).is_err() {
                return Err(SetError::BadKey { id: v.id.clone() });
            }
            if v.power == 0 {
                return Err(SetError::ZeroPower { id: v.id.clone() });
            }
            total = total.checked_add(v.power).ok_or(SetError::PowerOverflow)?;
        }
        for (index, k) in self.governance_keys.iter().enumerate() {
            if VerifyingKey::from_bytes(k).is_err() {
                return Err(SetError::BadGovernanceKey { index });
            }
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.validators.len()
    }

    pub fn is_empty(&self) -> bool {
        self.validators.is_empty()
    }

    pub fn get(&self, index: u32) -> Option<&Validator> {
        self.validators.get(usize::try_from(index).ok()?)
    }

    pub fn index_of(&self, id: &str) -> Option<u32> {
        let i = self.validators.iter().position(|v| v.id == id)?;
        u32::try_from(i).ok()
    }

    /// Voting power of `index`, 0 for a non-member.
    pub fn power_of(&self, index: u32) -> u64 {
        self.get(index).map_or(0, |v| v.power)
    }

    pub fn total_power(&self) -> u64 {
        self.validators
            .iter()
            .fold(0u64, |sum, v| sum.saturating_add(v.power))
    }

    /// The least power that is a quorum: strictly more than 2/3 of the
    /// total. With n = 3f+1 validators of equal power that is 2f+1.
    pub fn quorum_power(&self) -> u64 {
        let total = u128::from(self.total_power());
        u64::try_from(total * 2 / 3 + 1).unwrap_or(u64::MAX)
    }

    /// Strictly more than 2/3 of the total power.
    pub fn has_quorum(&self, power: u64) -> bool {
        u128::from(power) * 3 > u128::from(self.total_power()) * 2
    }

    /// Strictly more than 1/3 of the total power: at least one honest
    /// validator is among them when at most [`ValidatorSet::f`] power is
    /// faulty.
    pub fn has_weak_quorum(&self, power: u64) -> bool {
        u128::from(power) * 3 > u128::from(self.total_power())
    }

    /// The most voting power that may be Byzantine with safety and
    /// liveness intact: the largest f with 3f < total. With n = 3f+1
    /// validators of power 1 this is f.
    pub fn f(&self) -> u64 {
        self.total_power().saturating_sub(1) / 3
    }

    /// PBFT's leader rule (see `pbft`): (height + view) mod n.
    pub fn leader(&self, height: u64, view: u64) -> u32 {
        let n = self.validators.len().max(1) as u128;
        let i = (u128::from(height) + u128::from(view)) % n;
        u32::try_from(i).unwrap_or(0)
    }
}
