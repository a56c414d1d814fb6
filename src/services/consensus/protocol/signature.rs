//! Signature checking behind a small trait, with a memo of checks that
//! passed. Production uses [`Ed25519Check`]; the memo spares a validator from
//! checking the same vote again when it reappears inside a quorum
//! certificate, a view change or a new-view proof.

use std::collections::{HashSet, VecDeque};

use ed25519_dalek::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};

/// Checks one signature over `message` by `public_key`.
pub trait SignatureCheck: Send + Sync {
    fn check(&self, public_key: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool;
}

/// What vote and certificate checks call for each signature: true when
/// `signature` is valid for `message` under `public_key`.
pub type CheckFn<'a> = dyn FnMut(&[u8; 32], &[u8], &[u8; 64]) -> bool + 'a;

/// ed25519 with strict verification (canonical encodings, no small-order
/// keys), as `VerifyingKey::verify_strict` defines it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ed25519Check;

impl SignatureCheck for Ed25519Check {
    fn check(&self, public_key: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
        let Ok(key) = VerifyingKey::from_bytes(public_key) else {
            return false;
        };
        key.verify_strict(message, &Signature::from_bytes(signature))
            .is_ok()
    }
}

/// A [`SignatureCheck`] that remembers the last `capacity` checks that
/// passed (by SHA-256 of key, message and signature). Failures are not
/// remembered, so a forged signature costs a full check every time.
pub struct VerifyCache {
    inner: Box<dyn SignatureCheck>,
    passed: HashSet<[u8; 32]>,
    order: VecDeque<[u8; 32]>,
    capacity: usize,
}

impl VerifyCache {
    pub fn new(inner: Box<dyn SignatureCheck>, capacity: usize) -> VerifyCache {
        VerifyCache {
            inner,
            passed: HashSet::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    pub fn check(&mut self, public_key: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
        let mut h = Sha256::new();
        h.update(public_key);
        h.update(signature);
        h.update(message);
        let digest: [u8; 32] = h.finalize().into();
        if self.passed.contains(&digest) {
            return true;
        }
        if !self.inner.check(public_key, message, signature) {
            return false;
        }
        if self.order.len() >= self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.passed.remove(&old);
            }
        }
        self.passed.insert(digest);
        self.order.push_back(digest);
        true
    }
}

impl std::fmt::Debug for VerifyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyCache")
            .field("remembered", &self.passed.len())
            .field("capacity", &self.capacity)
            .finish()
    }
}
