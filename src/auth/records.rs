//! Signatures over records rather than tokens: a service signs what it
//! puts in the validators' log (an engine its `game.*` records, the wallet
//! its `wallet.*` records) with its own key, and anyone holding the key set
//! checks them. A validator, which holds no service key, cannot make one.

use std::collections::HashMap;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use super::Role;
use super::keys::{JwkSet, kid_of};

/// A service's key for signing records: its name (the key set's
/// `bitcraps_sub` of the key) and the key.
pub struct RecordSigner {
    name: String,
    kid: String,
    key: SigningKey,
}

impl RecordSigner {
    pub fn new(name: &str, key: SigningKey) -> RecordSigner {
        RecordSigner {
            name: name.to_string(),
            kid: kid_of(&key.verifying_key()),
            key,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn sign(&self, bytes: &[u8]) -> [u8; 64] {
        self.key.sign(bytes).to_bytes()
    }
}

/// The service keys of a key set (those naming a `bitcraps_sub`), by `kid`.
#[derive(Default)]
pub struct ServiceKeys {
    by_kid: HashMap<String, (VerifyingKey, String, Vec<Role>)>,
}

impl ServiceKeys {
    /// Every well-formed service key of `set`; issuer keys (no subject)
    /// sign tokens, never records, and are left out.
    pub fn from_set(set: &JwkSet) -> ServiceKeys {
        let by_kid = set
            .keys
            .iter()
            .filter_map(|k| {
                let sub = k.bitcraps_sub.clone()?;
                let public = k.public_key().ok()?;
                Some((k.kid.clone(), (public, sub, k.bitcraps_roles.clone())))
            })
            .collect();
        ServiceKeys { by_kid }
    }

    pub fn is_empty(&self) -> bool {
        self.by_kid.is_empty()
    }

    /// Checks `sig` over `bytes` by the key `kid`, which must be `signer`'s
    /// and allowed `role`.
    pub fn verify(
        &self,
        signer: &str,
        kid: &str,
        role: Role,
        bytes: &[u8],
        sig: &[u8; 64],
    ) -> Result<(), String> {
        let Some((key, sub, roles)) = self.by_kid.get(kid) else {
            return Err(format!("no service key {kid:?} in the key set"));
        };
        if sub != signer {
            return Err(format!("key {kid:?} is {sub}'s, not {signer}'s"));
        }
        if !roles.contains(&role) {
            return Err(format!("key {kid:?} of {sub} may not sign as a {role}"));
        }
        key.verify_strict(bytes, &Signature::from_bytes(sig))
            .map_err(|_| format!("the signature of {signer} (key {kid:?}) does not verify"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::keys::{Jwk, generate};

    #[test]
    fn only_the_named_services_key_in_its_role_verifies() {
        let engine = generate();
        let wallet = generate();
        let issuer = generate();
        let set = JwkSet {
            keys: vec![
                Jwk::ed25519(&engine.verifying_key(), &[Role::Engine], Some("engine-0")),
                Jwk::ed25519(&wallet.verifying_key(), &[Role::Wallet], Some("wallet")),
                Jwk::ed25519(&issuer.verifying_key(), &[Role::Admin, Role::Engine], None),
            ],
        };
        let keys = ServiceKeys::from_set(&set);
        let s = RecordSigner::new("engine-0", engine.clone());
        let sig = s.sign(b"record");
        assert!(
            keys.verify("engine-0", s.kid(), Role::Engine, b"record", &sig)
                .is_ok()
        );
        let refused = [
            keys.verify("engine-0", s.kid(), Role::Engine, b"recorD", &sig),
            keys.verify("engine-1", s.kid(), Role::Engine, b"record", &sig),
            keys.verify("engine-0", s.kid(), Role::Wallet, b"record", &sig),
            keys.verify("engine-0", "nope", Role::Engine, b"record", &sig),
        ];
        for r in refused {
            assert!(r.is_err());
        }
        // The issuer key signs tokens, not records.
        let i = RecordSigner::new("engine-0", issuer);
        let sig = i.sign(b"record");
        let e = keys
            .verify("engine-0", i.kid(), Role::Engine, b"record", &sig)
            .unwrap_err();
        assert!(e.contains("no service key"), "{e}");
        // The wallet's key is the wallet's.
        let w = RecordSigner::new("wallet", wallet);
        let sig = w.sign(b"r");
        assert!(
            keys.verify("wallet", w.kid(), Role::Wallet, b"r", &sig)
                .is_ok()
        );
        assert!(
            keys.verify("wallet", w.kid(), Role::Engine, b"r", &sig)
                .is_err()
        );
    }
}
