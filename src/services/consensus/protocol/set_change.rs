//! Validator set changes (pure): add a validator, remove one, change one's
//! power. A change is ordered like any proposal (kind
//! [`SET_CHANGE_KIND`]) and takes effect **at the height after the block
//! that commits it**, as a new epoch (`epoch + 1`). Every vote and
//! certificate carries its epoch in its signed bytes, so nothing signed
//! for one epoch counts in another.
//!
//! A change names the epoch it was made against; when the block that
//! commits it is applied in a later epoch (another change won the race),
//! it is stale and ignored, so a change is always judged against the set
//! its author saw.
//!
//! A change counts only when it carries an [`Approval`]: an ed25519
//! signature by one of the set's governance keys (named by the genesis)
//! over [`SetChange::sign_bytes`]. Every validator checks it when the
//! block commits, so a validator cannot change the set on its own (by
//! proposing a change of its own making, or replaying an old one: the
//! signature binds the chain and the epoch).

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use super::types::{Block, Proposal, Validator, ValidatorSet, encode_value, hex_array};

/// Domain tag of a set change's signed bytes.
pub const SET_CHANGE_DOMAIN: &[u8] = b"bitcraps-validator-set-change-v1";

/// Proposal kind of a validator set change.
pub const SET_CHANGE_KIND: &str = "validator_set";

/// One change to the validator set. Validators are named by id (indices
/// move when one leaves).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum SetChange {
    Add {
        id: String,
        /// Hex of the new member's 32-byte ed25519 public key.
        #[serde(with = "hex_array")]
        #[schema(value_type = String, pattern = "^[0-9a-f]{64}$")]
        public_key: [u8; 32],
        power: u64,
        /// Where its peers reach it (`host:port`); validators known to the
        /// configuration need none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        address: Option<String>,
    },
    Remove {
        id: String,
    },
    SetPower {
        id: String,
        power: u64,
    },
}

/// A governance key's signature of a change (hex in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// Hex of the governance public key (one of the genesis's).
    #[serde(with = "hex_array")]
    #[schema(value_type = String, pattern = "^[0-9a-f]{64}$")]
    pub public_key: [u8; 32],
    /// Hex of its ed25519 signature over the change, the chain and epoch.
    #[serde(with = "hex_array")]
    #[schema(value_type = String, pattern = "^[0-9a-f]{128}$")]
    pub signature: [u8; 64],
}

/// What a block carries (and `POST /validators` takes): the change, the
/// epoch it was made against and its governance approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetChangePayload {
    pub epoch: u64,
    pub change: SetChange,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<Approval>,
}

impl SetChangePayload {
    /// Whether a governance key of `set` signed this change for `set`'s
    /// chain and this payload's epoch.
    pub fn check_approval(&self, set: &ValidatorSet) -> Result<(), SetChangeError> {
        let err = |m: &str| Err(SetChangeError(m.to_string()));
        if set.governance_keys.is_empty() {
            return err(
                "this chain's genesis names no governance key, so its validator set cannot change",
            );
        }
        let Some(a) = &self.approval else {
            return err("the change carries no governance approval (signature)");
        };
        if !set.governance_keys.contains(&a.public_key) {
            return err("the change is signed by a key that is not a governance key of this chain");
        }
        let Ok(key) = VerifyingKey::from_bytes(&a.public_key) else {
            return err("the approving key is not a valid ed25519 point");
        };
        let bytes = self.change.sign_bytes(&set.chain_id, self.epoch);
        key.verify_strict(&bytes, &Signature::from_bytes(&a.signature))
            .or_else(|_| {
                err("the governance signature does not verify for this change, chain and epoch")
            })
    }

    /// The proposal that orders this change.
    pub fn proposal(&self, id: String) -> Proposal {
        Proposal {
            id,
            payload: serde_json::to_value(self).unwrap_or_default(),
            kind: Some(SET_CHANGE_KIND.to_string()),
            attestation: None,
        }
    }
}

/// Why a change is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SetChangeError(pub String);

impl SetChange {
    /// The set after the change (epoch + 1), refused when it would leave
    /// fewer than `min_validators` members (3f+1 for the configured f) or
    /// an unusable set.
    pub fn apply(
        &self,
        set: &ValidatorSet,
        min_validators: usize,
    ) -> Result<ValidatorSet, SetChangeError> {
        let err = |m: String| Err(SetChangeError(m));
        let mut next = set.clone();
        next.epoch = set.epoch.saturating_add(1);
        match self {
            SetChange::Add {
                id,
                public_key,
                power,
                ..
            } => {
                if set.index_of(id).is_some() {
                    return err(format!("{id} is already a validator"));
                }
                if set.validators.iter().any(|v| &v.public_key == public_key) {
                    return err(format!(
                        "public key {} already belongs to a validator",
                        hex::encode(public_key)
                    ));
                }
                if *power == 0 {
                    return err("a new validator needs a power of at least 1".into());
                }
                next.validators.push(Validator {
                    id: id.clone(),
                    public_key: *public_key,
                    power: *power,
                });
            }
            SetChange::Remove { id } => {
                let Some(i) = set.index_of(id) else {
                    return err(format!("{id} is not a validator"));
                };
                next.validators.remove(i as usize);
            }
            SetChange::SetPower { id, power } => {
                let Some(i) = set.index_of(id) else {
                    return err(format!("{id} is not a validator"));
                };
                if *power == 0 {
                    return err(format!(
                        "a power of 0 would keep {id} as a member without a vote; remove it instead"
                    ));
                }
                next.validators[i as usize].power = *power;
            }
        }
        if next.validators.len() < min_validators {
            return err(format!(
                "the change would leave {} validators, but BFT with the configured f needs n >= 3f+1 = {min_validators}",
                next.validators.len()
            ));
        }
        next.validate()
            .map_err(|e| SetChangeError(format!("the resulting set is unusable: {e}")))?;
        Ok(next)
    }

    /// The bytes a governance key signs: [`SET_CHANGE_DOMAIN`], the chain
    /// id (u32 big-endian length, then UTF-8), the epoch the change is
    /// made against (u64 big-endian), then the change as JSON in the
    /// block's canonical value encoding.
    pub fn sign_bytes(&self, chain_id: &str, epoch: u64) -> Vec<u8> {
        let mut out = SET_CHANGE_DOMAIN.to_vec();
        let len = u32::try_from(chain_id.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(chain_id.as_bytes());
        out.extend_from_slice(&epoch.to_be_bytes());
        encode_value(&serde_json::to_value(self).unwrap_or_default(), &mut out);
        out
    }

    /// This change against `epoch` of chain `chain_id`, signed with the
    /// governance key `key`.
    pub fn approve(&self, key: &SigningKey, chain_id: &str, epoch: u64) -> SetChangePayload {
        let bytes = self.sign_bytes(chain_id, epoch);
        SetChangePayload {
            epoch,
            change: self.clone(),
            approval: Some(Approval {
                public_key: key.verifying_key().to_bytes(),
                signature: key.sign(&bytes).to_bytes(),
            }),
        }
    }
}

/// The set after the changes a committed block carries, if any applies:
/// each change made against the current epoch is applied in block order
/// (a later one in the same block was made against a set that no longer
/// exists, so it is stale). Invalid or stale changes are reported, not
/// applied. Deterministic: every validator gets the same answer from the
/// same block.
pub fn next_set(
    set: &ValidatorSet,
    proposals: &[Proposal],
    min_validators: usize,
) -> (Option<(ValidatorSet, SetChange)>, Vec<String>) {
    let mut notes = Vec::new();
    for p in proposals
        .iter()
        .filter(|p| p.kind.as_deref() == Some(SET_CHANGE_KIND))
    {
        let payload: SetChangePayload = match serde_json::from_value(p.payload.clone()) {
            Ok(c) => c,
            Err(e) => {
                notes.push(format!("{}: not a validator set change: {e}", p.id));
                continue;
            }
        };
        if payload.epoch != set.epoch {
            notes.push(format!(
                "{}: made against epoch {}, the set is at epoch {}; stale, ignored",
                p.id, payload.epoch, set.epoch
            ));
            continue;
        }
        if let Err(e) = payload.check_approval(set) {
            notes.push(format!("{}: not approved, ignored: {e}", p.id));
            continue;
        }
        match payload.change.apply(set, min_validators) {
            Ok(next) => return (Some((next, payload.change)), notes),
            Err(e) => notes.push(format!("{}: refused: {e}", p.id)),
        }
    }
    (None, notes)
}

/// Whether committing `block` in `set`'s epoch changes the set (judged
/// exactly as the node judges it when the block commits): the epoch ends
/// with that block, and no core may sign, commit or propose anything above
/// it under `set`. One rule for every algorithm.
pub fn ends_epoch(set: &ValidatorSet, block: &Block, min_validators: usize) -> bool {
    block
        .proposals
        .iter()
        .any(|p| p.kind.as_deref() == Some(SET_CHANGE_KIND))
        && next_set(set, &block.proposals, min_validators).0.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::consensus::protocol::testkit::{governance_key, key, set};

    /// `change` against `set`, approved by the governance key.
    fn approved(change: &SetChange, set: &ValidatorSet, id: &str) -> Proposal {
        change
            .approve(&governance_key(), &set.chain_id, set.epoch)
            .proposal(id.into())
    }

    fn add(i: usize) -> SetChange {
        SetChange::Add {
            id: format!("v{i}"),
            public_key: key(i).verifying_key().to_bytes(),
            power: 1,
            address: None,
        }
    }

    #[test]
    fn add_remove_and_power_make_a_new_epoch() {
        let s = set(4);
        let ids: Vec<String> = s.validators.iter().map(|v| v.id.clone()).collect();
        let five = add(4).apply(&s, 4).unwrap();
        assert_eq!(five.len(), 5);
        assert_eq!(five.epoch, s.epoch + 1);
        let four = SetChange::Remove { id: ids[0].clone() }
            .apply(&five, 4)
            .unwrap();
        assert_eq!(four.len(), 4);
        assert_eq!(four.index_of(&ids[1]), Some(0), "indices move up");
        assert_eq!(four.epoch, s.epoch + 2);
        let heavy = SetChange::SetPower {
            id: ids[2].clone(),
            power: 3,
        }
        .apply(&four, 4)
        .unwrap();
        assert_eq!(heavy.total_power(), 6);
    }

    #[test]
    fn changes_that_break_the_set_are_refused_with_the_reason() {
        let s = set(4);
        let first = s.validators[0].id.clone();
        let e = SetChange::Remove { id: first.clone() }
            .apply(&s, 4)
            .unwrap_err();
        assert!(e.0.contains("n >= 3f+1 = 4"), "{e}");
        let e = SetChange::Remove {
            id: "nobody".into(),
        }
        .apply(&s, 4)
        .unwrap_err();
        assert!(e.0.contains("not a validator"), "{e}");
        let dup_key = SetChange::Add {
            id: "new".into(),
            public_key: s.validators[1].public_key,
            power: 1,
            address: None,
        };
        assert!(
            dup_key
                .apply(&s, 4)
                .unwrap_err()
                .0
                .contains("already belongs")
        );
        let dup_id = SetChange::Add {
            id: first.clone(),
            public_key: key(9).verifying_key().to_bytes(),
            power: 1,
            address: None,
        };
        assert!(
            dup_id
                .apply(&s, 4)
                .unwrap_err()
                .0
                .contains("already a validator")
        );
        let zero = SetChange::SetPower {
            id: first,
            power: 0,
        };
        assert!(
            zero.apply(&s, 4)
                .unwrap_err()
                .0
                .contains("remove it instead")
        );
    }

    #[test]
    fn a_block_applies_the_first_current_change_and_ignores_stale_ones() {
        let s = set(4);
        let mut before = s.clone();
        before.epoch -= 1;
        let stale = approved(&add(5), &before, "a");
        let bad = approved(
            &SetChange::Remove {
                id: "nobody".into(),
            },
            &s,
            "b",
        );
        let good = approved(&add(4), &s, "c");
        let later = approved(&add(6), &s, "d");
        let plain = Proposal::new("e", serde_json::json!({"x": 1}));
        let (next, notes) = next_set(&s, &[plain, stale, bad, good, later], 4);
        let (next, change) = next.unwrap();
        assert_eq!(change, add(4));
        assert_eq!(next.len(), 5);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].contains("stale") && notes[1].contains("refused"));
        let (none, _) = next_set(&s, &[Proposal::new("x", serde_json::json!(1))], 4);
        assert!(none.is_none());
    }

    /// What a Byzantine validator might put in a block instead of an
    /// approved change: none of it changes the set, on any validator.
    #[test]
    fn only_a_governance_signature_for_this_chain_and_epoch_counts() {
        let s = set(4);
        let change = add(4);
        let good = change.approve(&governance_key(), &s.chain_id, s.epoch);
        let mut unsigned = good.clone();
        unsigned.approval = None;
        // Signed by a validator's own key (not a governance key).
        let by_validator = change.approve(&key(0), &s.chain_id, s.epoch);
        // A governance key listed, but the signature is over another change.
        let mut swapped = good.clone();
        swapped.change = add(5);
        // The right signer, claiming another key's place.
        let mut tampered = good.clone();
        if let Some(a) = tampered.approval.as_mut() {
            a.signature[0] ^= 1;
        }
        // Signed for another chain.
        let foreign = change.approve(&governance_key(), "elsewhere", s.epoch);
        for (name, p) in [
            ("unsigned", &unsigned),
            ("by a validator", &by_validator),
            ("swapped", &swapped),
            ("tampered", &tampered),
            ("another chain", &foreign),
        ] {
            assert!(p.check_approval(&s).is_err(), "{name}");
            let (next, notes) = next_set(&s, &[p.proposal(name.into())], 4);
            assert!(next.is_none(), "{name} changed the set");
            assert!(notes[0].contains("not approved"), "{name}: {notes:?}");
        }
        assert_eq!(good.check_approval(&s), Ok(()));
        // A replay in a later epoch is stale.
        let mut later = s.clone();
        later.epoch += 1;
        let (next, notes) = next_set(&later, &[good.proposal("replay".into())], 4);
        assert!(next.is_none() && notes[0].contains("stale"), "{notes:?}");
        // A chain without governance keys cannot change its set.
        let mut closed = s.clone();
        closed.governance_keys.clear();
        let e = good.check_approval(&closed).unwrap_err();
        assert!(e.0.contains("names no governance key"), "{e}");
        // The approval travels in JSON and back unchanged.
        let text = serde_json::to_string(&good).unwrap();
        assert_eq!(
            serde_json::from_str::<SetChangePayload>(&text).unwrap(),
            good
        );
    }

    #[test]
    fn changes_round_trip_as_json() {
        let c = add(4);
        let text = serde_json::to_string(&c).unwrap();
        assert!(text.contains("\"op\":\"add\""));
        assert_eq!(serde_json::from_str::<SetChange>(&text).unwrap(), c);
        assert!(serde_json::from_str::<SetChange>(r#"{"op":"explode"}"#).is_err());
    }
}
