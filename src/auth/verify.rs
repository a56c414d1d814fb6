//! The one token check every service and the gateway run ([`verify`]), and
//! the [`Verifier`] that holds the key set and revocation list it checks
//! against, reloading them when their files change.

use std::collections::{HashMap, HashSet};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use super::keys::{self, JwkSet};
use super::records::ServiceKeys;
use super::{AuthError, Claims, Role, TokenCache};

/// The audiences: one per service a token may be presented to.
pub const AUDIENCES: [&str; 4] = ["gateway", "engine", "wallet", "consensus"];

/// `iss` when `gateway.auth.issuer` is not set.
pub const DEFAULT_ISSUER: &str = "bitcraps";

/// A public key with its scope.
pub struct ScopedKey {
    key: DecodingKey,
    roles: Vec<Role>,
    sub: Option<String>,
}

/// What signatures are checked with.
pub enum Keys {
    /// EdDSA against a JWK Set, by `kid`, each key limited to its scope.
    Set(HashMap<String, ScopedKey>),
    /// The HS256 opt-in: one shared secret, any role.
    Hs256(DecodingKey),
}

impl Keys {
    pub fn from_set(set: &JwkSet) -> Result<Keys, String> {
        let mut map = HashMap::new();
        for k in &set.keys {
            let public = k.public_key()?;
            map.insert(
                k.kid.clone(),
                ScopedKey {
                    key: DecodingKey::from_ed_der(public.as_bytes()),
                    roles: k.bitcraps_roles.clone(),
                    sub: k.bitcraps_sub.clone(),
                },
            );
        }
        Ok(Keys::Set(map))
    }

    pub fn hs256(secret: &[u8]) -> Keys {
        Keys::Hs256(DecodingKey::from_secret(secret))
    }
}

/// What a token must say to be accepted here.
#[derive(Debug, Clone, Copy)]
pub struct Policy<'a> {
    /// The expected `iss`.
    pub issuer: &'a str,
    /// This service's audience; `aud` must contain it.
    pub audience: &'a str,
}

fn invalid(why: impl Into<String>) -> AuthError {
    AuthError::Invalid(why.into())
}

/// Checks a token: the header names EdDSA and a `kid` of the set (HS256 and
/// no `kid` under the opt-in), the signature, the key's scope allows the
/// claimed `role` (and `sub`, when the key names one), `iss`, `aud`
/// contains this service, `exp` (required, no leeway, against `now`),
/// `nbf`, and a `jti` that is present and not revoked.
pub fn verify(
    token: &str,
    keys: &Keys,
    revoked: &HashSet<String>,
    policy: Policy<'_>,
    now: u64,
) -> Result<Claims, AuthError> {
    let header = jsonwebtoken::decode_header(token).map_err(|e| invalid(e.to_string()))?;
    let (key, alg, scope) = match keys {
        Keys::Set(map) => {
            if header.alg != Algorithm::EdDSA {
                return Err(invalid(format!(
                    "algorithm {:?} is not accepted; tokens are EdDSA",
                    header.alg
                )));
            }
            let kid = header
                .kid
                .as_deref()
                .ok_or_else(|| invalid("the token names no key (kid)"))?;
            let k = map
                .get(kid)
                .ok_or_else(|| invalid(format!("key {kid:?} is not in the key set")))?;
            (&k.key, Algorithm::EdDSA, Some(k))
        }
        Keys::Hs256(secret) => {
            if header.alg != Algorithm::HS256 {
                return Err(invalid(format!(
                    "algorithm {:?} is not accepted; tokens are HS256",
                    header.alg
                )));
            }
            (secret, Algorithm::HS256, None)
        }
    };
    let mut v = Validation::new(alg);
    v.leeway = 0;
    v.validate_exp = true;
    v.validate_nbf = true;
    v.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
    v.set_issuer(&[policy.issuer]);
    v.set_audience(&[policy.audience]);
    let claims = jsonwebtoken::decode::<Claims>(token, key, &v)
        .map(|d| d.claims)
        .map_err(|e| invalid(e.to_string()))?;
    if claims.exp < now {
        return Err(invalid("ExpiredSignature"));
    }
    if claims.nbf.is_some_and(|nbf| nbf > now) {
        return Err(invalid("ImmatureSignature"));
    }
    if let Some(k) = scope {
        if !k.roles.contains(&claims.role) {
            return Err(invalid(format!(
                "the signing key may not issue role {}",
                claims.role
            )));
        }
        if k.sub.as_deref().is_some_and(|s| s != claims.sub) {
            return Err(invalid(format!(
                "the signing key may not issue tokens for {:?}",
                claims.sub
            )));
        }
    }
    if claims.jti.is_empty() {
        return Err(invalid("the token has no id (jti)"));
    }
    if revoked.contains(&claims.jti) {
        return Err(invalid(format!("token {} is revoked", claims.jti)));
    }
    Ok(claims)
}

/// How a service checks tokens.
#[derive(Clone)]
pub enum Mode {
    /// EdDSA against the JWK Set at `jwks_file` (the default).
    EdDsa { jwks_file: PathBuf },
    /// HS256 with a shared secret (explicit opt-in), read from `file` when
    /// it came from one. Every service signs and verifies with the secret
    /// it started with, so a changed file is reported (an error each
    /// reload logs once), never silently ignored nor half-applied.
    Hs256 {
        secret: Vec<u8>,
        file: Option<PathBuf>,
    },
}

#[derive(Clone)]
pub struct VerifierConfig {
    pub mode: Mode,
    pub issuer: String,
    pub audience: String,
    /// The revocation list (a JSON array of `jti`s; absent: none).
    pub revoked_file: PathBuf,
}

/// Identifies a file's version: inode (files are replaced by rename),
/// modification time and length; `None` when absent.
pub(crate) type Stamp = Option<(u64, i64, i64, u64)>;

pub(crate) fn stamp(path: &Path) -> Stamp {
    std::fs::metadata(path)
        .ok()
        .map(|m| (m.ino(), m.mtime(), m.mtime_nsec(), m.len()))
}

struct Loaded {
    keys: Keys,
    set: JwkSet,
    /// The set's service keys, for records; `None` under HS256.
    services: Option<Arc<ServiceKeys>>,
    revoked: HashSet<String>,
    stamps: (Stamp, Stamp),
}

/// The key set and revocation list of one service, with the tokens they
/// verified. [`Verifier::watch`] re-reads the files (at most once a second,
/// off the request path) when they change, and drops the cached verdicts.
pub struct Verifier {
    cfg: VerifierConfig,
    loaded: RwLock<Arc<Loaded>>,
    generation: AtomicU64,
    cache: TokenCache,
}

impl Verifier {
    /// Tokens kept verified per process; a token is ~400 bytes.
    const CACHED_TOKENS: usize = 16_384;

    /// Loads the key set (an error when it is missing or malformed: a
    /// service never starts accepting nothing, or anything).
    pub fn load(cfg: VerifierConfig) -> anyhow::Result<Verifier> {
        let loaded = load(&cfg)?;
        Ok(Verifier {
            cfg,
            loaded: RwLock::new(Arc::new(loaded)),
            generation: AtomicU64::new(0),
            cache: TokenCache::new(Self::CACHED_TOKENS),
        })
    }

    fn current(&self) -> Arc<Loaded> {
        match self.loaded.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// [`verify`] against the current key set, through the cache.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        self.verify_at(token, super::now_secs())
    }

    pub fn verify_at(&self, token: &str, now: u64) -> Result<Claims, AuthError> {
        let generation = self.generation.load(Ordering::Acquire);
        self.cache.verify(token, generation, now, |t| {
            let l = self.current();
            let policy = Policy {
                issuer: &self.cfg.issuer,
                audience: &self.cfg.audience,
            };
            verify(t, &l.keys, &l.revoked, policy, now)
        })
    }

    /// The public key set (for `/.well-known/jwks.json`); empty under HS256.
    pub fn jwks(&self) -> JwkSet {
        self.current().set.clone()
    }

    /// The key set's service keys, to check what services sign (records
    /// in the validators' log); `None` under the HS256 opt-in, where there
    /// are none and records go unsigned.
    pub fn service_keys(&self) -> Option<Arc<ServiceKeys>> {
        self.current().services.clone()
    }

    /// Tokens held verified now.
    pub fn cached(&self) -> usize {
        self.cache.len()
    }

    /// Re-reads the files when they changed since the last load. Returns
    /// what changed (for the log), or an error when the new files do not
    /// load (the old keys stay until they do, and the error is logged).
    pub fn reload_if_changed(&self) -> anyhow::Result<Option<String>> {
        let old = self.current();
        let now = stamps(&self.cfg);
        if now == old.stamps {
            return Ok(None);
        }
        let new = load(&self.cfg)?;
        let before: HashSet<String> = old.set.kids().into_iter().collect();
        let after: HashSet<String> = new.set.kids().into_iter().collect();
        let mut added: Vec<&String> = after.difference(&before).collect();
        let mut removed: Vec<&String> = before.difference(&after).collect();
        added.sort();
        removed.sort();
        let change = format!(
            "keys added {added:?}, removed {removed:?}; {} revoked token ids (was {})",
            new.revoked.len(),
            old.revoked.len()
        );
        match self.loaded.write() {
            Ok(mut g) => *g = Arc::new(new),
            Err(p) => *p.into_inner() = Arc::new(new),
        }
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.cache.clear();
        Ok(Some(change))
    }

    /// Checks the files once a second on a background task (within a
    /// tokio runtime; without one, nothing is spawned).
    pub fn watch(self: &Arc<Self>) {
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let me = Arc::downgrade(self);
        rt.spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            let mut last_error = String::new();
            loop {
                tick.tick().await;
                let Some(v) = me.upgrade() else { return };
                match v.reload_if_changed() {
                    Ok(Some(change)) => {
                        last_error.clear();
                        tracing::info!(%change, "token keys reloaded; cached tokens dropped");
                    }
                    Ok(None) => {}
                    Err(e) => {
                        let e = format!("{e:#}");
                        if e != last_error {
                            tracing::error!(error = %e, "the token key set changed but does not load; still verifying with the previous keys");
                            last_error = e;
                        }
                    }
                }
            }
        });
    }
}

fn stamps(cfg: &VerifierConfig) -> (Stamp, Stamp) {
    let jwks = match &cfg.mode {
        Mode::EdDsa { jwks_file } => stamp(jwks_file),
        Mode::Hs256 { file, .. } => file.as_deref().and_then(stamp),
    };
    (jwks, stamp(&cfg.revoked_file))
}

fn load(cfg: &VerifierConfig) -> anyhow::Result<Loaded> {
    let stamps = stamps(cfg);
    let (keys, set) = match &cfg.mode {
        Mode::EdDsa { jwks_file } => {
            let set = keys::load_set(jwks_file)?;
            let k = Keys::from_set(&set).map_err(|e| anyhow::anyhow!("{e}"))?;
            (k, set)
        }
        Mode::Hs256 { secret, file } => {
            if let Some(file) = file {
                let now = crate::crypto::read_secret_file(file)?;
                if now.as_bytes() != secret.as_slice() {
                    anyhow::bail!(
                        "the HS256 secret in {} changed; every service keeps signing and \
                         verifying with the secret it started with until it is restarted \
                         (`bitcraps restart`, or restart the containers), so restart them all",
                        file.display()
                    );
                }
            }
            (Keys::hs256(secret), JwkSet::default())
        }
    };
    let revoked = keys::load_revoked(&cfg.revoked_file)?.into_iter().collect();
    let services =
        matches!(cfg.mode, Mode::EdDsa { .. }).then(|| Arc::new(ServiceKeys::from_set(&set)));
    Ok(Loaded {
        keys,
        set,
        services,
        revoked,
        stamps,
    })
}
