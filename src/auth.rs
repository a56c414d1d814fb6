//! Credentials every service checks: HS256 JWTs with `sub`, `role`, `exp`.
//! The gateway checks first; the engine and validators check again, so a
//! request that skips the gateway gets no more than one through it.

use std::fmt;
use std::str::FromStr;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Player,
    Validator,
    Admin,
    /// Moves money in and out of the wallet (deposits, withdrawals).
    Cashier,
    /// A game engine: moves table money in the wallet (buy-ins, cash-outs,
    /// settlements) and anchors `game.*` records, nothing else.
    Engine,
    /// The wallet: anchors its ledger's head (`wallet.*` records).
    Wallet,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Player => "player",
            Role::Validator => "validator",
            Role::Admin => "admin",
            Role::Cashier => "cashier",
            Role::Engine => "engine",
            Role::Wallet => "wallet",
        })
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        match s {
            "player" => Ok(Role::Player),
            "validator" => Ok(Role::Validator),
            "admin" => Ok(Role::Admin),
            "cashier" => Ok(Role::Cashier),
            "engine" => Ok(Role::Engine),
            "wallet" => Ok(Role::Wallet),
            _ => Err(format!(
                "unknown role {s:?}; roles: player, validator, admin, cashier, engine, wallet"
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    /// Expiry, seconds since the Unix epoch.
    pub exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("missing credentials: send `Authorization: Bearer <token>`")]
    Missing,
    #[error("invalid token: {0}")]
    Invalid(String),
}

/// Verifies an HS256 token: signature, algorithm (no `none`, no other
/// algorithm), expiry and not-before, with no leeway.
pub fn verify(token: &str, secret: &[u8]) -> Result<Claims, AuthError> {
    let mut v = Validation::new(Algorithm::HS256);
    v.leeway = 0;
    v.validate_nbf = true;
    v.set_required_spec_claims(&["exp", "sub"]);
    jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(secret), &v)
        .map(|d| d.claims)
        .map_err(|e| AuthError::Invalid(e.to_string()))
}

/// Mints an HS256 token valid for `ttl_secs` from `now` (Unix seconds).
pub fn mint(
    secret: &[u8],
    sub: &str,
    role: Role,
    now: u64,
    ttl_secs: u64,
) -> Result<String, AuthError> {
    let claims = Claims {
        sub: sub.to_string(),
        role,
        exp: now.saturating_add(ttl_secs),
        iat: Some(now),
        nbf: None,
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .map_err(|e| AuthError::Invalid(e.to_string()))
}

/// The `Bearer` token of an `Authorization` header value.
pub fn bearer(header: Option<&str>) -> Result<&str, AuthError> {
    let h = header.ok_or(AuthError::Missing)?;
    let (scheme, token) = h.trim().split_once(' ').ok_or(AuthError::Missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(AuthError::Missing);
    }
    Ok(token.trim())
}

/// Tokens that verified, kept until they expire: a client sends the same
/// token with every request, and checking its signature and decoding its
/// claims again each time is most of what authentication costs. Keyed by the
/// token's bytes, for one secret; bounded (when full, expired tokens are
/// dropped, and if none had expired, all are). A hit is what a fresh
/// [`verify`] would answer: the signature and `nbf` already passed, and
/// `exp` is checked against `now` as `verify` checks it (no leeway).
pub struct TokenCache {
    tokens: crate::sharded::Sharded<Box<str>, Claims>,
    per_shard: usize,
}

impl TokenCache {
    const SHARDS: usize = 8;

    /// A cache of up to about `capacity` tokens.
    pub fn new(capacity: usize) -> TokenCache {
        TokenCache {
            tokens: crate::sharded::Sharded::new(Self::SHARDS),
            per_shard: capacity.div_ceil(Self::SHARDS).max(1),
        }
    }

    /// [`verify`], answered from the cache when `token` verified before and
    /// has not expired at `now` (Unix seconds).
    pub fn verify(&self, token: &str, secret: &[u8], now: u64) -> Result<Claims, AuthError> {
        {
            let mut shard = self.tokens.shard(token);
            match shard.get(token) {
                Some(c) if c.exp >= now => return Ok(c.clone()),
                Some(_) => {
                    shard.remove(token);
                }
                None => {}
            }
        }
        let claims = verify(token, secret)?;
        if claims.exp < now {
            // Expired by the caller's clock, which may be ahead of verify's.
            let e = jsonwebtoken::errors::Error::from(
                jsonwebtoken::errors::ErrorKind::ExpiredSignature,
            );
            return Err(AuthError::Invalid(e.to_string()));
        }
        let mut shard = self.tokens.shard(token);
        if shard.len() >= self.per_shard {
            shard.retain(|_, c| c.exp >= now);
            if shard.len() >= self.per_shard {
                shard.clear();
            }
        }
        shard.insert(token.into(), claims.clone());
        Ok(claims)
    }

    /// Tokens held now.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn round_trip_and_failure_matrix() {
        let now = now_secs();
        let t = mint(SECRET, "alice", Role::Player, now, 60).unwrap();
        let c = verify(&t, SECRET).unwrap();
        assert_eq!((c.sub.as_str(), c.role), ("alice", Role::Player));
        // wrong secret
        assert!(verify(&t, b"another-secret-another-secret-00").is_err());
        // expired
        let old = mint(SECRET, "alice", Role::Player, now - 120, 60).unwrap();
        assert!(verify(&old, SECRET).is_err());
        // tampered payload
        let mut parts: Vec<&str> = t.split('.').collect();
        let admin = mint(SECRET, "alice", Role::Admin, now, 60).unwrap();
        let admin_payload = admin.split('.').nth(1).unwrap().to_string();
        parts[1] = &admin_payload;
        let forged = format!("{}.{}.{}", parts[0], parts[1], t.split('.').nth(2).unwrap());
        assert!(verify(&forged, SECRET).is_err());
        // alg=none
        let none_header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"; // {"alg":"none","typ":"JWT"}
        let unsigned = format!("{none_header}.{}.", t.split('.').nth(1).unwrap());
        assert!(verify(&unsigned, SECRET).is_err());
        // HS512 with the same secret is a different algorithm
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &c,
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap();
        assert!(verify(&hs512, SECRET).is_err());
        // not yet valid
        let future = Claims {
            nbf: Some(now + 600),
            exp: now + 1200,
            ..c.clone()
        };
        let nbf = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &future,
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap();
        assert!(verify(&nbf, SECRET).is_err());
    }

    #[test]
    fn cached_tokens_answer_as_verify_does_until_they_expire() {
        let now = now_secs();
        let cache = TokenCache::new(16);
        let t = mint(SECRET, "alice", Role::Player, now, 60).unwrap();
        let first = cache.verify(&t, SECRET, now).unwrap();
        assert_eq!(first, verify(&t, SECRET).unwrap());
        assert_eq!(cache.len(), 1);
        // A hit, even with a secret that would not verify it: the cache
        // belongs to one secret, and the token is not checked again.
        assert_eq!(cache.verify(&t, b"other", now + 60).unwrap(), first);
        // Past `exp` it is dropped, checked again and refused.
        assert_eq!(
            cache.verify(&t, SECRET, now + 61),
            Err(AuthError::Invalid("ExpiredSignature".into()))
        );
        assert!(cache.is_empty());
        // Failures are never cached.
        let bad = format!("{t}x");
        assert!(cache.verify(&bad, SECRET, now).is_err());
        assert!(cache.verify(&bad, SECRET, now).is_err());
        assert!(cache.is_empty());
    }

    #[test]
    fn the_cache_stays_bounded() {
        let now = now_secs();
        let cache = TokenCache::new(16);
        for i in 0..200 {
            let t = mint(SECRET, &format!("p{i}"), Role::Player, now, 60).unwrap();
            assert_eq!(cache.verify(&t, SECRET, now).unwrap().sub, format!("p{i}"));
            assert!(cache.len() <= 16, "{}", cache.len());
        }
    }

    #[test]
    fn bearer_parsing() {
        assert_eq!(bearer(Some("Bearer abc")).unwrap(), "abc");
        assert_eq!(bearer(Some("bearer  abc ")).unwrap(), "abc");
        assert_eq!(bearer(None), Err(AuthError::Missing));
        assert_eq!(bearer(Some("Basic abc")), Err(AuthError::Missing));
        assert_eq!(bearer(Some("Bearer ")), Err(AuthError::Missing));
    }
}
