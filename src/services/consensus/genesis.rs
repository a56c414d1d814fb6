//! Validator keys and the genesis validator set, kept in the state dir:
//! `keys/validator-N.key` (the ed25519 secret seed, 64 hex characters,
//! mode 0600), `keys/governance.key` (the key that signs validator set
//! changes; only the operator needs it, never a validator) and
//! `genesis.json` (chain id, epoch 0, each validator's id, public key and
//! voting power, the governance public keys), written once and shared by
//! all.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenesisValidator {
    pub id: String,
    /// Hex of the 32-byte ed25519 public key.
    pub public_key: String,
    pub power: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Genesis {
    pub chain_id: String,
    pub epoch: u64,
    pub validators: Vec<GenesisValidator>,
    /// Hex ed25519 public keys whose signature a validator set change
    /// needs (any one of them). A genesis without any (made before they
    /// existed) keeps its set for good.
    #[serde(default)]
    pub governance_keys: Vec<String>,
    /// Members a validator set change must leave (3f+1 for the chain's f).
    /// It decides whether a change applies, so every validator must judge
    /// it alike: it is the chain's, written once here, never a validator's
    /// local BYZANTINE_THRESHOLD. A genesis without it (made before it was
    /// recorded) falls back to the local setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_validators: Option<usize>,
}

pub fn genesis_path(state_dir: &Path) -> PathBuf {
    state_dir.join("genesis.json")
}

/// The governance key a fresh genesis names, in the state dir.
pub fn governance_key_path(state_dir: &Path) -> PathBuf {
    state_dir.join("keys").join("governance.key")
}

pub fn key_path(state_dir: &Path, index: usize) -> PathBuf {
    state_dir
        .join("keys")
        .join(format!("validator-{index}.key"))
}

/// Reads a key file (hex of a 32-byte seed).
pub fn read_key(path: &Path) -> anyhow::Result<SigningKey> {
    let text = crate::crypto::read_secret_file(path)?;
    let bytes = hex::decode(text.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| {
            anyhow::anyhow!("{} is not a 64-hex-character ed25519 seed", path.display())
        })?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// Writes a new random key to `path` (mode 0600); refuses to overwrite.
pub fn generate_key(path: &Path) -> anyhow::Result<SigningKey> {
    let seed = crate::crypto::load_or_create_secret_exclusive(path)?;
    read_key(path).with_context(|| format!("reading back {seed}"))
}

/// Makes sure `n` validator keys and a genesis naming them exist (a new
/// one records `min_validators`, 3f+1 for the configured f); returns the
/// genesis. A genesis for a different set is an error that says what to
/// do, never silently replaced.
pub fn ensure(state_dir: &Path, n: usize, min_validators: usize) -> anyhow::Result<Genesis> {
    let mut keys = Vec::with_capacity(n);
    for i in 0..n {
        let path = key_path(state_dir, i);
        let key = if path.exists() {
            read_key(&path)?
        } else {
            generate_key(&path)?
        };
        keys.push(key);
    }
    let path = genesis_path(state_dir);
    if path.exists() {
        let g = load_sized(state_dir, n)?;
        for (i, k) in keys.iter().enumerate() {
            check_key(&g, state_dir, i, k)?;
        }
        return Ok(g);
    }
    let governance = governance_key_path(state_dir);
    let governance = if governance.exists() {
        read_key(&governance)?
    } else {
        generate_key(&governance)?
    };
    let mut tag = [0u8; 4];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut tag);
    let genesis = Genesis {
        chain_id: format!("bitcraps-{}", hex::encode(tag)),
        epoch: 0,
        validators: keys
            .iter()
            .enumerate()
            .map(|(i, k)| GenesisValidator {
                id: format!("validator-{i}"),
                public_key: hex::encode(k.verifying_key().to_bytes()),
                power: 1,
            })
            .collect(),
        governance_keys: vec![hex::encode(governance.verifying_key().to_bytes())],
        min_validators: Some(min_validators),
    };
    let text = serde_json::to_string_pretty(&genesis)?;
    // Exclusive create: two validators starting together cannot both write.
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(&path)
    {
        Ok(mut f) => {
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            Ok(genesis)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => load(state_dir),
        Err(e) => Err(e).with_context(|| format!("cannot write {}", path.display())),
    }
}

/// What validator `index` starts from: the genesis (which must name `n`
/// validators) and its own key, checked against the genesis. Reads no
/// other validator's key — a validator holds only its own (and its
/// sandbox lets it open no other; see [`crate::sandbox`]).
pub fn for_validator(
    state_dir: &Path,
    n: usize,
    index: usize,
) -> anyhow::Result<(Genesis, SigningKey)> {
    let g = load_sized(state_dir, n)?;
    let key = read_key(&key_path(state_dir, index))?;
    check_key(&g, state_dir, index, &key)?;
    Ok((g, key))
}

/// The stored genesis, which must name `n` validators.
fn load_sized(state_dir: &Path, n: usize) -> anyhow::Result<Genesis> {
    let g = load(state_dir)?;
    if g.validators.len() != n {
        anyhow::bail!(
            "the genesis at {} has {} validators but {n} were asked for; \
             validator set changes go through consensus, so start with --validators {} \
             or use a fresh --state-dir",
            genesis_path(state_dir).display(),
            g.validators.len(),
            g.validators.len()
        );
    }
    Ok(g)
}

/// Refuses validator `index`'s key when the genesis names another
/// (a validator beyond the genesis set has no entry to match).
fn check_key(g: &Genesis, state_dir: &Path, index: usize, key: &SigningKey) -> anyhow::Result<()> {
    match g.validators.get(index) {
        Some(v) if v.public_key != hex::encode(key.verifying_key().to_bytes()) => anyhow::bail!(
            "{} does not match validator {index} in {}; restore the key file or use a fresh --state-dir",
            key_path(state_dir, index).display(),
            genesis_path(state_dir).display()
        ),
        _ => Ok(()),
    }
}

pub fn load(state_dir: &Path) -> anyhow::Result<Genesis> {
    let path = genesis_path(state_dir);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a valid genesis", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_genesis_are_made_once_and_checked_after() {
        let dir = tempfile::tempdir().unwrap();
        let g = ensure(dir.path(), 4, 4).unwrap();
        assert_eq!(g.validators.len(), 4);
        assert_eq!(g.min_validators, Some(4));
        assert_eq!(g.epoch, 0);
        assert!(g.chain_id.starts_with("bitcraps-"));
        assert_eq!(
            ensure(dir.path(), 4, 4).unwrap(),
            g,
            "stable across restarts"
        );
        assert_eq!(
            ensure(dir.path(), 4, 1).unwrap().min_validators,
            Some(4),
            "the chain's rule, not the caller's local threshold"
        );
        let err = ensure(dir.path(), 7, 4).unwrap_err().to_string();
        assert!(err.contains("--validators 4"), "{err}");
        // A replaced key is caught.
        std::fs::remove_file(key_path(dir.path(), 2)).unwrap();
        let err = ensure(dir.path(), 4, 4).unwrap_err().to_string();
        assert!(err.contains("validator-2.key"), "{err}");
        let key = read_key(&key_path(dir.path(), 0)).unwrap();
        assert_eq!(
            hex::encode(key.verifying_key().to_bytes()),
            g.validators[0].public_key
        );
        let governance = read_key(&governance_key_path(dir.path())).unwrap();
        assert_eq!(
            g.governance_keys,
            [hex::encode(governance.verifying_key().to_bytes())]
        );
    }

    #[test]
    fn a_genesis_from_before_min_validators_still_loads() {
        let dir = tempfile::tempdir().unwrap();
        let mut g = ensure(dir.path(), 4, 4).unwrap();
        g.min_validators = None;
        let text = serde_json::to_string(&g).unwrap();
        assert!(!text.contains("min_validators"));
        std::fs::write(genesis_path(dir.path()), text).unwrap();
        assert_eq!(load(dir.path()).unwrap().min_validators, None);
    }
}
