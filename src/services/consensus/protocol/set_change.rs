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

use serde::{Deserialize, Serialize};

use super::types::{Proposal, Validator, ValidatorSet, hex_array};

/// Proposal kind of a validator set change.
pub const SET_CHANGE_KIND: &str = "validator_set";

/// One change to the validator set. Validators are named by id (indices
/// move when one leaves).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum SetChange {
    Add {
        id: String,
        #[serde(with = "hex_array")]
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

/// What a block carries: the change and the epoch it was made against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetChangePayload {
    pub epoch: u64,
    pub change: SetChange,
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

    /// The proposal that orders this change, made against `epoch`.
    pub fn proposal(&self, epoch: u64, id: String) -> Proposal {
        let payload = serde_json::to_value(SetChangePayload {
            epoch,
            change: self.clone(),
        })
        .unwrap_or_default();
        Proposal {
            id,
            payload,
            kind: Some(SET_CHANGE_KIND.to_string()),
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
        match payload.change.apply(set, min_validators) {
            Ok(next) => return (Some((next, payload.change)), notes),
            Err(e) => notes.push(format!("{}: refused: {e}", p.id)),
        }
    }
    (None, notes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::consensus::protocol::testkit::{key, set};

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
        let stale = add(5).proposal(s.epoch - 1, "a".into());
        let bad = SetChange::Remove {
            id: "nobody".into(),
        }
        .proposal(s.epoch, "b".into());
        let good = add(4).proposal(s.epoch, "c".into());
        let later = add(6).proposal(s.epoch, "d".into());
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

    #[test]
    fn changes_round_trip_as_json() {
        let c = add(4);
        let text = serde_json::to_string(&c).unwrap();
        assert!(text.contains("\"op\":\"add\""));
        assert_eq!(serde_json::from_str::<SetChange>(&text).unwrap(), c);
        assert!(serde_json::from_str::<SetChange>(r#"{"op":"explode"}"#).is_err());
    }
}
