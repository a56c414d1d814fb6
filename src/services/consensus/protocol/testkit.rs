//! Test fixtures shared by the protocol's tests: keys, sets, a fast
//! signature check for simulations.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ed25519_dalek::{Signer, SigningKey};

use super::signature::SignatureCheck;
use super::types::{Validator, ValidatorSet};

pub const CHAIN: &str = "bitcraps-test";

/// Deterministic key of validator `i` (secret bytes all `i + 1`).
pub fn key(i: usize) -> SigningKey {
    SigningKey::from_bytes(&[u8::try_from(i + 1).unwrap(); 32])
}

pub fn set_with_powers(powers: &[u64]) -> ValidatorSet {
    ValidatorSet {
        chain_id: CHAIN.into(),
        epoch: 1,
        validators: powers
            .iter()
            .enumerate()
            .map(|(i, power)| Validator {
                id: format!("validator-{i}"),
                public_key: key(i).verifying_key().to_bytes(),
                power: *power,
            })
            .collect(),
        governance_keys: vec![governance_key().verifying_key().to_bytes()],
    }
}

/// The test sets' governance key (secret bytes all 0xee), which signs
/// validator set changes.
pub fn governance_key() -> SigningKey {
    SigningKey::from_bytes(&[0xee; 32])
}

pub fn set(n: usize) -> ValidatorSet {
    set_with_powers(&vec![1; n])
}

/// A signature check for simulations. ed25519 signing is deterministic, so
/// for validators whose secret keys the test holds, "valid" is "equal to
/// the signature the key makes" — a re-sign is some 50x cheaper than a
/// verification in a debug build. Results are shared by every node of a
/// run, so each distinct signature is checked once. Keys the test does not
/// hold fall back to real verification.
#[derive(Clone)]
pub struct ResignCheck {
    keys: Arc<HashMap<[u8; 32], SigningKey>>,
    memo: Arc<Mutex<HashMap<Vec<u8>, bool>>>,
}

impl ResignCheck {
    pub fn new(keys: impl IntoIterator<Item = SigningKey>) -> ResignCheck {
        ResignCheck {
            keys: Arc::new(
                keys.into_iter()
                    .map(|k| (k.verifying_key().to_bytes(), k))
                    .collect(),
            ),
            memo: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn memo_key(public_key: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> Vec<u8> {
        let mut memo_key = Vec::with_capacity(96 + message.len());
        memo_key.extend_from_slice(public_key);
        memo_key.extend_from_slice(signature);
        memo_key.extend_from_slice(message);
        memo_key
    }

    /// Records a signature seen leaving its signer's core. A verifier that
    /// computes other sign bytes misses this entry and checks for real.
    pub fn register(&self, public_key: &[u8; 32], message: &[u8], signature: &[u8; 64]) {
        let memo_key = Self::memo_key(public_key, message, signature);
        self.memo.lock().unwrap().insert(memo_key, true);
    }
}

impl SignatureCheck for ResignCheck {
    fn check(&self, public_key: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
        let memo_key = Self::memo_key(public_key, message, signature);
        if let Some(ok) = self.memo.lock().unwrap().get(&memo_key) {
            return *ok;
        }
        let ok = match self.keys.get(public_key) {
            Some(k) => k.sign(message).to_bytes() == *signature,
            None => super::signature::Ed25519Check.check(public_key, message, signature),
        };
        self.memo.lock().unwrap().insert(memo_key, ok);
        ok
    }
}

/// A proposal carrying an approved change of validator 0's power to 2,
/// made against `set`'s epoch: a block holding it ends that epoch.
pub fn power_change(set: &ValidatorSet, id: &str) -> super::types::Proposal {
    super::set_change::SetChange::SetPower {
        id: set.validators[0].id.clone(),
        power: 2,
    }
    .approve(&governance_key(), &set.chain_id, set.epoch)
    .proposal(id.to_string())
}
