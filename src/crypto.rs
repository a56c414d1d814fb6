//! Secrets and keys. Signing keys for validators arrive with the consensus
//! issue; here: the JWT secret the gateway and services share.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::Context;
use rand::RngCore;

/// Secrets shorter than this are refused (HS256 wants at least 256 bits).
pub const MIN_SECRET_BYTES: usize = 32;

const PLACEHOLDERS: &[&str] = &[
    "secret",
    "changeme",
    "change-me",
    "your-secret-key",
    "your-secret-key-here",
    "jwt-secret",
    "default",
    "password",
    "development",
];

/// Refuses empty, placeholder and short secrets, naming the problem.
pub fn validate_jwt_secret(secret: &str) -> Result<(), String> {
    let s = secret.trim();
    if s.is_empty() {
        return Err("the JWT secret is empty".to_string());
    }
    let lower = s.to_ascii_lowercase();
    if PLACEHOLDERS
        .iter()
        .any(|p| lower == *p || lower.contains("change"))
    {
        // Never echo the value: a log or terminal is no place for it.
        return Err(format!(
            "the JWT secret is a placeholder (a well-known value, {} bytes)",
            s.len()
        ));
    }
    if s.len() < MIN_SECRET_BYTES {
        return Err(format!(
            "the JWT secret is {} bytes; at least {MIN_SECRET_BYTES} are required",
            s.len()
        ));
    }
    Ok(())
}

/// Reads the secret at `path`, creating it (64 hex chars, mode 0600) when
/// missing. A file readable by others is refused.
pub fn load_or_create_secret(path: &Path) -> anyhow::Result<String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot restrict {}", dir.display()))?;
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(mut f) => {
            let mut bytes = [0u8; 32];
            rand::rng().fill_bytes(&mut bytes);
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            f.write_all(hex.as_bytes())
                .and_then(|()| f.sync_all())
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(hex)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_secret_file(path),
        Err(e) => Err(e).with_context(|| format!("cannot create {}", path.display())),
    }
}

/// Creates a new secret at `path` (64 hex chars, mode 0600); refuses to
/// overwrite an existing file. Returns the path's display name.
pub fn load_or_create_secret_exclusive(path: &Path) -> anyhow::Result<String> {
    if path.exists() {
        anyhow::bail!(
            "{} already exists; refusing to overwrite a key",
            path.display()
        );
    }
    load_or_create_secret(path)?;
    Ok(path.display().to_string())
}

/// Reads a secret file, refusing one that group or others can read.
pub fn read_secret_file(path: &Path) -> anyhow::Result<String> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.permissions().mode() & 0o077 != 0 {
        anyhow::bail!(
            "{} is readable by other users (mode {:o}); run `chmod 600 {}`",
            path.display(),
            meta.permissions().mode() & 0o777,
            path.display()
        );
    }
    let s =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(s.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_short_secrets_are_refused() {
        assert!(validate_jwt_secret("").is_err());
        assert!(validate_jwt_secret("your-secret-key").is_err());
        assert!(validate_jwt_secret("please-change-this-secret-before-production-use").is_err());
        assert!(validate_jwt_secret("short-but-random-x81").is_err());
        assert!(validate_jwt_secret(&"a1".repeat(16)).is_ok());
    }

    #[test]
    fn generated_secret_is_private_stable_and_valid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets/jwt_secret");
        let a = load_or_create_secret(&path).unwrap();
        let b = load_or_create_secret(&path).unwrap();
        assert_eq!(a, b);
        assert!(validate_jwt_secret(&a).is_ok());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(
            read_secret_file(&path)
                .unwrap_err()
                .to_string()
                .contains("chmod 600")
        );
    }
}
