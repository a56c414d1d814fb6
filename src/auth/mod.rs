//! Credentials every service checks: EdDSA (Ed25519) JWTs signed by keys
//! whose public halves and scopes are in a JWK Set (HS256 with a shared
//! secret only as an explicit opt-in). The gateway checks first; the engine,
//! the wallet and the validators check again with the same function, so a
//! request that skips the gateway gets no more than one through it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub mod keys;
pub mod records;
pub mod sign;
#[cfg(test)]
mod tests;
mod verify;
pub(crate) use verify::{Stamp, stamp};

pub use records::{RecordSigner, ServiceKeys};
pub use sign::{ServiceToken, SignKey, new_claims, sign};
pub use verify::{AUDIENCES, DEFAULT_ISSUER, Keys, Mode, Policy, Verifier, VerifierConfig, verify};

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
    /// Issuer (`gateway.auth.issuer`, default `bitcraps`).
    #[serde(default)]
    pub iss: String,
    /// The services the token is for: `gateway`, `engine`, `wallet`,
    /// `consensus`.
    #[serde(default)]
    pub aud: Vec<String>,
    /// The token's id (random), what `bitcraps auth revoke` names.
    pub jti: String,
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
/// token's bytes and the generation of the key set and revocation list it
/// was checked against, so a reload never answers from an older verdict;
/// bounded (when full, expired tokens are dropped, and if none had expired,
/// all are). A hit is what a fresh check would answer: the signature, scope
/// and `nbf` already passed, and `exp` is checked against `now` (no leeway).
pub struct TokenCache {
    tokens: crate::sharded::Sharded<Box<str>, (u64, Claims)>,
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

    /// `check(token)`, answered from the cache when `token` passed it
    /// before under the same `generation` and has not expired at `now`
    /// (Unix seconds). Failures are never cached.
    pub fn verify(
        &self,
        token: &str,
        generation: u64,
        now: u64,
        check: impl FnOnce(&str) -> Result<Claims, AuthError>,
    ) -> Result<Claims, AuthError> {
        {
            let mut shard = self.tokens.shard(token);
            match shard.get(token) {
                Some((g, c)) if *g == generation && c.exp >= now => return Ok(c.clone()),
                Some(_) => {
                    shard.remove(token);
                }
                None => {}
            }
        }
        let claims = check(token)?;
        if claims.exp < now {
            return Err(AuthError::Invalid("ExpiredSignature".into()));
        }
        let mut shard = self.tokens.shard(token);
        if shard.len() >= self.per_shard {
            shard.retain(|_, (g, c)| *g == generation && c.exp >= now);
            if shard.len() >= self.per_shard {
                shard.clear();
            }
        }
        shard.insert(token.into(), (generation, claims.clone()));
        Ok(claims)
    }

    /// Drops every cached verdict.
    pub fn clear(&self) {
        self.tokens.each(|m| m.clear());
    }

    /// Tokens held now.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

pub use crate::clock::unix_secs as now_secs;

/// The game-id prefix of the engine `sub` names: `engine-N` holds the
/// games `eN-…` (the engine names each game it creates so, and the gateway
/// routes by it). The wallet and the validators accept an engine's money
/// moves and `game.*` records only for those games.
pub fn engine_games(sub: &str) -> Option<String> {
    let n = sub.strip_prefix("engine-")?;
    (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then(|| format!("e{n}-"))
}

/// Claims of `sub` as `role` and nothing else (never expiring), for the
/// unit tests of role rules.
#[cfg(test)]
pub(crate) fn claims_of(sub: &str, role: Role) -> Claims {
    Claims {
        sub: sub.into(),
        role,
        exp: u64::MAX,
        iss: String::new(),
        aud: Vec::new(),
        jti: "t".into(),
        iat: None,
        nbf: None,
    }
}
