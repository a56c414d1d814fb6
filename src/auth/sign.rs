//! Minting tokens: with the issuer key (the CLI) or a service's own key
//! (an engine's or the wallet's calls), or the HS256 secret under the
//! opt-in.

use std::sync::Mutex;

use ed25519_dalek::SigningKey;
use jsonwebtoken::{Algorithm, EncodingKey, Header};

use super::{AuthError, Claims, Role, keys};

/// A key tokens are signed with.
#[derive(Clone)]
pub enum SignKey {
    Ed25519 { kid: String, key: EncodingKey },
    Hs256(EncodingKey),
}

impl SignKey {
    pub fn ed25519(key: &SigningKey) -> SignKey {
        SignKey::Ed25519 {
            kid: keys::kid_of(&key.verifying_key()),
            key: EncodingKey::from_ed_der(&keys::pkcs8_der(key)),
        }
    }

    pub fn hs256(secret: &[u8]) -> SignKey {
        SignKey::Hs256(EncodingKey::from_secret(secret))
    }

    /// The key's id (`None` for the HS256 secret).
    pub fn kid(&self) -> Option<&str> {
        match self {
            SignKey::Ed25519 { kid, .. } => Some(kid),
            SignKey::Hs256(_) => None,
        }
    }
}

/// Claims for `sub` as `role`, for audiences `aud`, valid `ttl_secs` from
/// `now`, with a random `jti`.
pub fn new_claims(
    iss: &str,
    aud: &[&str],
    sub: &str,
    role: Role,
    now: u64,
    ttl_secs: u64,
) -> Claims {
    Claims {
        sub: sub.to_string(),
        role,
        exp: now.saturating_add(ttl_secs),
        iss: iss.to_string(),
        aud: aud.iter().map(|a| a.to_string()).collect(),
        jti: uuid::Uuid::new_v4().simple().to_string(),
        iat: Some(now),
        nbf: None,
    }
}

/// Signs `claims` (EdDSA with the key's `kid`, or HS256).
pub fn sign(key: &SignKey, claims: &Claims) -> Result<String, AuthError> {
    let (header, k) = match key {
        SignKey::Ed25519 { kid, key } => {
            let mut h = Header::new(Algorithm::EdDSA);
            h.kid = Some(kid.clone());
            (h, key)
        }
        SignKey::Hs256(key) => (Header::new(Algorithm::HS256), key),
    };
    jsonwebtoken::encode(&header, claims, k).map_err(|e| AuthError::Invalid(e.to_string()))
}

/// A service's own short-lived tokens for its calls to other services:
/// minted with its own key for its one role and subject, reused until a
/// minute before they expire.
pub struct ServiceToken {
    key: SignKey,
    iss: String,
    aud: Vec<&'static str>,
    sub: String,
    role: Role,
    cached: Mutex<Option<(String, u64)>>,
    /// The same key, for signing records (none under HS256).
    record: Option<super::RecordSigner>,
}

impl ServiceToken {
    /// Lifetime of a service token.
    pub const TTL_SECS: u64 = 300;
    /// A token is replaced this long before it expires.
    pub const RENEW_SECS: u64 = 60;

    pub fn new(
        key: SignKey,
        iss: &str,
        aud: &[&'static str],
        sub: &str,
        role: Role,
    ) -> ServiceToken {
        ServiceToken {
            key,
            iss: iss.to_string(),
            aud: aud.to_vec(),
            sub: sub.to_string(),
            role,
            cached: Mutex::new(None),
            record: None,
        }
    }

    /// With `key` (the service's own Ed25519 key) to sign records.
    pub fn with_record_signer(mut self, key: SigningKey) -> ServiceToken {
        self.record = Some(super::RecordSigner::new(&self.sub, key));
        self
    }

    /// The signer of this service's records, if it has a key (not under
    /// the HS256 opt-in).
    pub fn record_signer(&self) -> Option<&super::RecordSigner> {
        self.record.as_ref()
    }

    pub fn sub(&self) -> &str {
        &self.sub
    }

    /// A token valid for at least [`Self::RENEW_SECS`] more seconds at `now`.
    pub fn token_at(&self, now: u64) -> Result<String, AuthError> {
        let mut cached = match self.cached.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if let Some((t, exp)) = cached.as_ref()
            && *exp > now.saturating_add(Self::RENEW_SECS)
        {
            return Ok(t.clone());
        }
        let claims = new_claims(
            &self.iss,
            &self.aud,
            &self.sub,
            self.role,
            now,
            Self::TTL_SECS,
        );
        let t = sign(&self.key, &claims)?;
        *cached = Some((t.clone(), claims.exp));
        Ok(t)
    }

    pub fn token(&self) -> Result<String, AuthError> {
        self.token_at(super::now_secs())
    }
}
