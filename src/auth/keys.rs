//! Ed25519 token keys and the JWK Set (RFC 7517) of their public halves.
//!
//! Each key in the set carries its scope: the roles tokens it signs may
//! claim (`bitcraps_roles`) and, for a service's key, the one subject they
//! may name (`bitcraps_sub`). The issuer key (held only where the CLI runs)
//! signs user tokens; each engine and wallet signs its own calls with its
//! own key, which the set allows one role and one subject. The files:
//!
//! ```text
//! <state>/auth/jwks.json              public keys with scopes (0644)
//! <state>/auth/revoked.json           revoked token ids (jti)
//! <state>/keys/issuer/<kid>.key       issuer keys (0600, dir 0700)
//! <state>/keys/services/<name>.key    one key per calling service (0600)
//! ```
//!
//! `auth/` holds only public files: every service may read it at run time
//! (the key set and revocations change under it), so no private key may
//! live beneath it — a service's sandbox grants whole directories (see
//! [`crate::sandbox`]). Private keys live under `keys/`, which no running
//! service can read; state dirs made by older versions are moved over by
//! [`migrate_layout`].

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::Context;
use base64::Engine as _;
use ed25519_dalek::{SigningKey, VerifyingKey};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Digest;

use super::Role;

/// What an issuer key may sign: every user-facing role.
pub const ISSUER_ROLES: [Role; 4] = [Role::Player, Role::Cashier, Role::Admin, Role::Validator];

pub fn auth_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("auth")
}

/// The key set `up` writes and every service reads (unless configured).
pub fn default_jwks_path(state_dir: &Path) -> PathBuf {
    auth_dir(state_dir).join("jwks.json")
}

/// The revocation list, next to the key set.
pub fn revoked_path(jwks: &Path) -> PathBuf {
    jwks.with_file_name("revoked.json")
}

/// `<state>/keys`: every private key (validators', governance, issuer,
/// services'); no running service may read it, bar its own key's file.
pub fn keys_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("keys")
}

pub fn issuer_dir(state_dir: &Path) -> PathBuf {
    keys_dir(state_dir).join("issuer")
}

/// Where service `name` (`engine-0`, `wallet`) keeps its signing key.
pub fn service_key_path(state_dir: &Path, name: &str) -> PathBuf {
    keys_dir(state_dir)
        .join("services")
        .join(format!("{name}.key"))
}

/// Moves private keys out of `auth/` where older versions kept them
/// (`auth/issuer/`, `auth/services/`) into `keys/`. Idempotent; a key
/// already at its new place is kept and the old copy removed only when
/// identical, so nothing is lost.
pub fn migrate_layout(state_dir: &Path) -> anyhow::Result<()> {
    for sub in ["issuer", "services"] {
        let old = auth_dir(state_dir).join(sub);
        if !old.is_dir() {
            continue;
        }
        let new = keys_dir(state_dir).join(sub);
        std::fs::create_dir_all(&new)
            .with_context(|| format!("cannot create {}", new.display()))?;
        std::fs::set_permissions(&new, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot restrict {}", new.display()))?;
        for entry in
            std::fs::read_dir(&old).with_context(|| format!("cannot read {}", old.display()))?
        {
            let from = entry?.path();
            let Some(name) = from.file_name() else {
                continue;
            };
            let to = new.join(name);
            // Services starting together (compose, Kubernetes) may race
            // here: a file another one moved or removed first is done.
            let gone = |e: &std::io::Error| e.kind() == std::io::ErrorKind::NotFound;
            if !to.exists() {
                match std::fs::rename(&from, &to) {
                    Err(e) if !gone(&e) => {
                        return Err(e).with_context(|| {
                            format!("cannot move {} to {}", from.display(), to.display())
                        });
                    }
                    _ => {}
                }
            } else if std::fs::read(&from).is_err_and(|e| gone(&e)) {
                continue;
            } else if std::fs::read(&from)? == std::fs::read(&to)? {
                match std::fs::remove_file(&from) {
                    Err(e) if !gone(&e) => return Err(e.into()),
                    _ => {}
                }
            } else {
                anyhow::bail!(
                    "{} and {} differ; keep the right one in {} and remove the other",
                    from.display(),
                    to.display(),
                    new.display()
                );
            }
        }
        match std::fs::remove_dir(&old) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("cannot remove {}", old.display()));
            }
            _ => {}
        }
        tracing::info!(from = %old.display(), to = %new.display(), "moved private keys out of the public auth directory");
    }
    Ok(())
}

/// A key's id: the first 16 hex characters of SHA-256 of its public key.
pub fn kid_of(public: &VerifyingKey) -> String {
    hex::encode(sha2::Sha256::digest(public.as_bytes()))[..16].to_string()
}

/// One public key of the set (OKP / Ed25519) with its scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    /// The public key, base64url without padding.
    pub x: String,
    pub kid: String,
    pub alg: String,
    #[serde(rename = "use")]
    pub use_: String,
    /// The roles tokens signed by this key may claim.
    pub bitcraps_roles: Vec<Role>,
    /// The only subject tokens signed by this key may name, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitcraps_sub: Option<String>,
}

impl Jwk {
    pub fn ed25519(public: &VerifyingKey, roles: &[Role], sub: Option<&str>) -> Jwk {
        Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(public.as_bytes()),
            kid: kid_of(public),
            alg: "EdDSA".into(),
            use_: "sig".into(),
            bitcraps_roles: roles.to_vec(),
            bitcraps_sub: sub.map(str::to_string),
        }
    }

    /// The public key, checked: an OKP Ed25519 signing key whose `kid` is
    /// the one its bytes give.
    pub fn public_key(&self) -> Result<VerifyingKey, String> {
        if self.kty != "OKP" || self.crv != "Ed25519" || self.alg != "EdDSA" || self.use_ != "sig" {
            return Err(format!(
                "key {}: expected kty OKP, crv Ed25519, alg EdDSA, use sig",
                self.kid
            ));
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&self.x)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| format!("key {}: x is not 32 base64url bytes", self.kid))?;
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|e| format!("key {}: not an Ed25519 point: {e}", self.kid))?;
        if kid_of(&key) != self.kid {
            return Err(format!(
                "key {}: kid does not match its public key",
                self.kid
            ));
        }
        if self.bitcraps_roles.is_empty() {
            return Err(format!("key {}: bitcraps_roles is empty", self.kid));
        }
        Ok(key)
    }

    /// An issuer key (it may sign admin tokens) rather than a service's.
    pub fn is_issuer(&self) -> bool {
        self.bitcraps_sub.is_none() && self.bitcraps_roles.contains(&Role::Admin)
    }
}

/// A JWK Set: `{"keys": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

impl JwkSet {
    pub fn kids(&self) -> Vec<String> {
        self.keys.iter().map(|k| k.kid.clone()).collect()
    }

    /// Adds `jwk`, replacing a key of the same kid.
    pub fn upsert(&mut self, jwk: Jwk) {
        self.keys.retain(|k| k.kid != jwk.kid);
        self.keys.push(jwk);
    }
}

pub fn load_set(path: &Path) -> anyhow::Result<JwkSet> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let set: JwkSet = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a JWK Set", path.display()))?;
    for k in &set.keys {
        k.public_key()
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    }
    Ok(set)
}

/// Writes `set` atomically (a reader never sees half a file).
pub fn save_set(path: &Path, set: &JwkSet) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(set)?;
    write_atomic(path, text.as_bytes(), 0o644)
}

/// The revoked token ids at `path` (none when the file is absent).
pub fn load_revoked(path: &Path) -> anyhow::Result<Vec<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .with_context(|| format!("{} is not a JSON array of token ids", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

pub fn save_revoked(path: &Path, jtis: &[String]) -> anyhow::Result<()> {
    write_atomic(path, serde_json::to_string_pretty(jtis)?.as_bytes(), 0o644)
}

/// Adds `jti` to the revocation list at `path`; false when it was there.
/// Under the key set's lock, so two revokes at once both stay.
pub fn revoke(state_dir: &Path, path: &Path, jti: &str) -> anyhow::Result<bool> {
    let _lock = lock(state_dir)?;
    let mut list = load_revoked(path)?;
    if list.iter().any(|j| j == jti) {
        return Ok(false);
    }
    list.push(jti.to_string());
    save_revoked(path, &list)?;
    Ok(true)
}

/// An exclusive lock (released on drop) on `keys/.lock` in the state dir:
/// every read-modify-write of the key set or the revocation list holds it,
/// so two commands at once cannot lose one's change. It lives under
/// `keys/`, which no running service can open: were it beside the key set
/// (which every service reads), a taken-over service could hold it forever
/// and stop every revocation and rotation.
pub fn lock(state_dir: &Path) -> anyhow::Result<nix::fcntl::Flock<std::fs::File>> {
    let dir = keys_dir(state_dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("cannot restrict {}", dir.display()))?;
    let path = dir.join(".lock");
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockExclusive)
        .map_err(|(_, e)| anyhow::anyhow!("cannot lock {}: {e}", path.display()))
}

pub(crate) fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(&tmp)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))
}

/// A new random Ed25519 key.
pub fn generate() -> SigningKey {
    let mut seed = [0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    SigningKey::from_bytes(&seed)
}

/// Writes `key`'s seed (hex) to a new file `path`, mode 0600 in a 0700
/// directory; refuses to overwrite.
pub fn write_private(path: &Path, key: &SigningKey) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot restrict {}", dir.display()))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(hex::encode(key.to_bytes()).as_bytes())
        .and_then(|()| f.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Reads a key file (64 hex characters, not readable by others).
pub fn read_private(path: &Path) -> anyhow::Result<SigningKey> {
    crate::services::consensus::genesis::read_key(path)
}

/// PKCS#8 DER of an Ed25519 private key (RFC 8410), as `jsonwebtoken`
/// takes it.
pub fn pkcs8_der(key: &SigningKey) -> Vec<u8> {
    const PREFIX: [u8; 16] = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    let mut der = PREFIX.to_vec();
    der.extend_from_slice(&key.to_bytes());
    der
}

/// The key set at `jwks`, or an empty one when there is none yet.
fn load_or_empty(jwks: &Path) -> anyhow::Result<JwkSet> {
    if jwks.exists() {
        load_set(jwks)
    } else {
        Ok(JwkSet::default())
    }
}

/// The issuer key new tokens are signed with: the newest key of the set
/// that is an issuer key and whose private half is in `<state>/keys/issuer`.
pub fn current_issuer(state_dir: &Path, jwks: &Path) -> anyhow::Result<Option<SigningKey>> {
    migrate_layout(state_dir)?;
    let set = load_or_empty(jwks)?;
    for k in set.keys.iter().rev().filter(|k| k.is_issuer()) {
        let path = issuer_dir(state_dir).join(format!("{}.key", k.kid));
        if path.exists() {
            return read_private(&path).map(Some);
        }
    }
    Ok(None)
}

/// Makes a new issuer key and adds it to the set (rotation: the old keys
/// stay valid until retired). Returns its kid.
pub fn add_issuer(state_dir: &Path, jwks: &Path) -> anyhow::Result<String> {
    migrate_layout(state_dir)?;
    let _lock = lock(state_dir)?;
    let key = generate();
    let public = key.verifying_key();
    let kid = kid_of(&public);
    write_private(&issuer_dir(state_dir).join(format!("{kid}.key")), &key)?;
    let mut set = load_or_empty(jwks)?;
    set.upsert(Jwk::ed25519(&public, &ISSUER_ROLES, None));
    save_set(jwks, &set)?;
    Ok(kid)
}

/// The current issuer key, made (and added to the set) when there is none.
pub fn ensure_issuer(state_dir: &Path, jwks: &Path) -> anyhow::Result<SigningKey> {
    if let Some(k) = current_issuer(state_dir, jwks)? {
        return Ok(k);
    }
    add_issuer(state_dir, jwks)?;
    current_issuer(state_dir, jwks)?
        .ok_or_else(|| anyhow::anyhow!("the new issuer key is not in {}", jwks.display()))
}

/// Removes key `kid` from the set (and its private half, if here). False
/// when the set has no such key.
pub fn retire(state_dir: &Path, jwks: &Path, kid: &str) -> anyhow::Result<bool> {
    migrate_layout(state_dir)?;
    let _lock = lock(state_dir)?;
    let mut set = load_set(jwks)?;
    let before = set.keys.len();
    let subject = set
        .keys
        .iter()
        .find(|k| k.kid == kid)
        .and_then(|k| k.bitcraps_sub.clone());
    set.keys.retain(|k| k.kid != kid);
    if set.keys.len() == before {
        return Ok(false);
    }
    save_set(jwks, &set)?;
    let private = issuer_dir(state_dir).join(format!("{kid}.key"));
    if private.exists() {
        std::fs::remove_file(&private)
            .with_context(|| format!("cannot remove {}", private.display()))?;
    }
    // A retired service key must not come back: the next `up` would find
    // the service's key file and list it again. Its file goes too (the
    // next `up` makes the service a new key).
    if let Some(sub) = subject {
        let path = service_key_path(state_dir, &sub);
        if path.exists() && read_private(&path).is_ok_and(|k| kid_of(&k.verifying_key()) == kid) {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    Ok(true)
}

/// Service `name`'s key at `path` (made when absent), listed in the set
/// with exactly `role` and subject `name`.
pub fn ensure_service_key(
    state_dir: &Path,
    path: &Path,
    jwks: &Path,
    name: &str,
    role: Role,
) -> anyhow::Result<SigningKey> {
    let key = if path.exists() {
        read_private(path)?
    } else {
        let k = generate();
        write_private(path, &k)?;
        k
    };
    let jwk = Jwk::ed25519(&key.verifying_key(), &[role], Some(name));
    let _lock = lock(state_dir)?;
    let mut set = load_or_empty(jwks)?;
    if !set.keys.contains(&jwk) {
        // A key this service no longer holds is dropped with it.
        set.keys
            .retain(|k| k.bitcraps_sub.as_deref() != Some(name) || k.kid == jwk.kid);
        set.upsert(jwk);
        save_set(jwks, &set)?;
    }
    Ok(key)
}
