//! API keys: long-lived credentials for scripts and services, mapped to a
//! role and a subject. Only a SHA-256 hash of each key is stored
//! (`<state>/secrets/api_keys.json`, mode 0600); the key itself is shown
//! once, when it is created. A key looks like `bck_<id>_<secret>` where
//! `<id>` names the entry and `<secret>` is 128 random bits.
//!
//! Every service checks keys the same way (header `x-api-key`), reading the
//! file again when it changes, so a key created or revoked while the system
//! runs takes effect on the next request.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use anyhow::Context;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::{Claims, Role};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// Who the key acts as (the `sub` of an equivalent token).
    pub sub: String,
    /// Hex SHA-256 of the whole key.
    pub hash: String,
    pub created_at: u64,
    #[serde(default)]
    pub revoked: bool,
    /// When the key stops working (Unix seconds); `None`: never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
}

pub fn path(state_dir: &Path) -> PathBuf {
    state_dir.join("secrets").join("api_keys.json")
}

pub fn load(state_dir: &Path) -> anyhow::Result<Vec<ApiKey>> {
    let p = path(state_dir);
    if !p.exists() {
        return Ok(Vec::new());
    }
    let text = crate::crypto::read_secret_file(&p)?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a list of API keys", p.display()))
}

fn save(state_dir: &Path, keys: &[ApiKey]) -> anyhow::Result<()> {
    let p = path(state_dir);
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = p.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    f.write_all(serde_json::to_string_pretty(keys)?.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, &p).with_context(|| format!("cannot replace {}", p.display()))?;
    Ok(())
}

fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Creates a key; returns the entry and the key (shown only now).
pub fn create(
    state_dir: &Path,
    name: &str,
    role: Role,
    sub: &str,
    ttl_secs: Option<u64>,
) -> anyhow::Result<(ApiKey, String)> {
    let mut keys = load(state_dir)?;
    let mut id = [0u8; 4];
    let mut secret = [0u8; 16];
    rand::rng().fill_bytes(&mut id);
    rand::rng().fill_bytes(&mut secret);
    let id = hex::encode(id);
    let key = format!("bck_{id}_{}", hex::encode(secret));
    let now = crate::auth::now_secs();
    let entry = ApiKey {
        id,
        name: name.to_string(),
        role,
        sub: sub.to_string(),
        hash: hash(&key),
        created_at: now,
        revoked: false,
        expires_at: ttl_secs.map(|t| now.saturating_add(t)),
    };
    keys.push(entry.clone());
    save(state_dir, &keys)?;
    Ok((entry, key))
}

/// Revokes key `id`; false when there is no such key.
pub fn revoke(state_dir: &Path, id: &str) -> anyhow::Result<bool> {
    let mut keys = load(state_dir)?;
    let Some(k) = keys.iter_mut().find(|k| k.id == id) else {
        return Ok(false);
    };
    k.revoked = true;
    save(state_dir, &keys)?;
    Ok(true)
}

/// Checks a presented key against the entries at `now` (Unix seconds); the
/// claims it stands for. Revoked and expired keys stand for nothing.
pub fn check(keys: &[ApiKey], presented: &str, now: u64) -> Option<Claims> {
    let id = presented.strip_prefix("bck_")?.split('_').next()?;
    let entry = keys
        .iter()
        .find(|k| k.id == id && !k.revoked && k.expires_at.is_none_or(|e| e > now))?;
    let given = hash(presented);
    // Constant-time comparison of the hashes.
    let same = given.len() == entry.hash.len()
        && given
            .bytes()
            .zip(entry.hash.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    same.then(|| Claims {
        sub: entry.sub.clone(),
        role: entry.role,
        exp: entry.expires_at.unwrap_or(u64::MAX),
        iss: String::new(),
        aud: Vec::new(),
        jti: format!("apikey:{}", entry.id),
        iat: Some(entry.created_at),
        nbf: None,
    })
}

/// The process-wide key store a service checks `x-api-key` against.
struct Store {
    state_dir: PathBuf,
    cached: Mutex<(crate::auth::Stamp, Vec<ApiKey>)>,
}

static STORE: OnceLock<Store> = OnceLock::new();

/// Points this process's key checks at `state_dir` (first call wins).
pub fn init(state_dir: &Path) {
    let _ = STORE.set(Store {
        state_dir: state_dir.to_path_buf(),
        cached: Mutex::new((None, Vec::new())),
    });
}

/// Checks a key with this process's store, reloading the file if it changed.
pub fn verify(presented: &str) -> Option<Claims> {
    let store = STORE.get()?;
    // Inode, modification time to the nanosecond and length: the file is
    // replaced by rename on every change, so a revoke within the same
    // clock tick as the previous write is still seen.
    let now = crate::auth::stamp(&path(&store.state_dir));
    let mut cached = match store.cached.lock() {
        Ok(c) => c,
        Err(p) => p.into_inner(),
    };
    if cached.0 != now {
        match load(&store.state_dir) {
            Ok(keys) => {
                log_changes(&cached.1, &keys);
                cached.1 = keys;
            }
            Err(e) => {
                // Fail closed: an unreadable store accepts no key.
                tracing::error!(error = %format!("{e:#}"), "cannot read the API keys; refusing every key until it reads");
                cached.1 = Vec::new();
            }
        }
        cached.0 = now;
    }
    check(&cached.1, presented, crate::auth::now_secs())
}

/// Logs which keys a reload added, revoked or removed (by id, never the
/// key or its hash).
fn log_changes(old: &[ApiKey], new: &[ApiKey]) {
    for k in new {
        match old.iter().find(|o| o.id == k.id) {
            None => tracing::info!(id = %k.id, name = %k.name, role = %k.role, "API key added"),
            Some(o) if k.revoked && !o.revoked => {
                tracing::info!(id = %k.id, name = %k.name, "API key revoked");
            }
            Some(_) => {}
        }
    }
    for o in old.iter().filter(|o| !new.iter().any(|k| k.id == o.id)) {
        tracing::info!(id = %o.id, name = %o.name, "API key removed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// The process-wide store (the only test that points it anywhere): a
    /// revoke right after a check is seen at once, however coarse the
    /// file system's clock.
    #[test]
    fn the_store_sees_a_revoke_made_within_the_same_tick() {
        let dir = tempfile::tempdir().unwrap();
        init(dir.path());
        assert!(verify("bck_nothing_yet").is_none());
        let (a, key_a) = create(dir.path(), "a", Role::Player, "alice", None).unwrap();
        let (_, key_b) = create(dir.path(), "b", Role::Player, "bob", None).unwrap();
        assert!(verify(&key_a).is_some());
        assert!(verify(&key_b).is_some());
        assert!(revoke(dir.path(), &a.id).unwrap());
        assert!(verify(&key_a).is_none(), "revoked within the same tick");
        assert!(verify(&key_b).is_some());
    }

    #[test]
    fn keys_are_stored_hashed_checked_and_revocable() {
        let dir = tempfile::tempdir().unwrap();
        let (entry, key) = create(dir.path(), "ci", Role::Player, "alice", None).unwrap();
        assert!(key.starts_with(&format!("bck_{}_", entry.id)));
        let text = std::fs::read_to_string(path(dir.path())).unwrap();
        assert!(!text.contains(&key[8..]), "the key itself is never stored");
        let mode = std::fs::metadata(path(dir.path()))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
        let keys = load(dir.path()).unwrap();
        let c = check(&keys, &key, 0).unwrap();
        assert_eq!((c.sub.as_str(), c.role), ("alice", Role::Player));
        let mut wrong = key.clone();
        wrong.pop();
        wrong.push('x');
        assert!(check(&keys, &wrong, 0).is_none());
        assert!(check(&keys, "bck_nothing_here", 0).is_none());
        assert!(check(&keys, "garbage", 0).is_none());
        assert!(revoke(dir.path(), &entry.id).unwrap());
        assert!(check(&load(dir.path()).unwrap(), &key, 0).is_none());
        assert!(!revoke(dir.path(), "ffffffff").unwrap());
    }

    #[test]
    fn a_key_with_a_ttl_stops_working_when_it_expires() {
        let dir = tempfile::tempdir().unwrap();
        let (entry, key) = create(dir.path(), "ci", Role::Cashier, "till", Some(60)).unwrap();
        let expires = entry.expires_at.unwrap();
        assert_eq!(expires, entry.created_at + 60);
        let keys = load(dir.path()).unwrap();
        let c = check(&keys, &key, expires - 1).unwrap();
        assert_eq!(c.exp, expires);
        assert!(check(&keys, &key, expires).is_none());
        assert!(check(&keys, &key, expires + 3600).is_none());
    }
}
