//! What each service verifies tokens with and signs its own calls with,
//! and the key the CLI signs user tokens with (see [`crate::auth`]).

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;

use super::ServeOptions;
use crate::auth::{self, Role, ServiceToken, SignKey, Verifier, VerifierConfig, keys};
use crate::config::Config;

/// Loads the HS256 secret (the `gateway.auth.algorithm = "hs256"` opt-in):
/// the configured value, else the configured file, else the state dir's
/// generated dev secret. Placeholders and short secrets are refused.
pub fn jwt_secret(cfg: &Config, opts: &ServeOptions) -> anyhow::Result<String> {
    let auth = &cfg.gateway.auth;
    let (secret, origin) = if let Some(s) = &auth.jwt_secret {
        (s.clone(), "gateway.auth.jwt_secret".to_string())
    } else if let Some(path) = &auth.jwt_secret_file {
        (
            crate::crypto::read_secret_file(path)?,
            path.display().to_string(),
        )
    } else {
        let path = opts.state_dir.join("secrets").join("jwt_secret");
        (
            crate::crypto::load_or_create_secret(&path)?,
            path.display().to_string(),
        )
    };
    crate::crypto::validate_jwt_secret(&secret)
        .map_err(|e| anyhow::anyhow!("refusing to start: {e} (from {origin})"))?;
    Ok(secret)
}

/// The verifier of a service whose audience is `audience` (`gateway`,
/// `engine`, `wallet`, `consensus`), watching its files for changes.
pub fn token_verifier(
    cfg: &Config,
    opts: &ServeOptions,
    audience: &str,
) -> anyhow::Result<Arc<Verifier>> {
    let a = &cfg.gateway.auth;
    let jwks_file = a.jwks_path(&opts.state_dir);
    let mode = if a.hs256 {
        auth::Mode::Hs256 {
            secret: jwt_secret(cfg, opts)?.into_bytes(),
            // The file the secret came from (none when configured inline).
            file: match (&a.jwt_secret, &a.jwt_secret_file) {
                (Some(_), _) => None,
                (None, Some(f)) => Some(f.clone()),
                (None, None) => Some(opts.state_dir.join("secrets").join("jwt_secret")),
            },
        }
    } else {
        if !jwks_file.exists() {
            anyhow::bail!(
                "refusing to start: no token key set at {}; `bitcraps up` writes one (or set \
                 gateway.auth.jwks_file / JWKS_FILE, or opt into HS256 with JWT_ALGORITHM=hs256)",
                jwks_file.display()
            );
        }
        auth::Mode::EdDsa {
            jwks_file: jwks_file.clone(),
        }
    };
    let v = Arc::new(Verifier::load(VerifierConfig {
        mode,
        issuer: a.issuer.clone(),
        audience: audience.to_string(),
        revoked_file: keys::revoked_path(&jwks_file),
    })?);
    v.watch();
    Ok(v)
}

/// Service `name`'s own tokens (role `role`, for `aud`): signed with its
/// key (configured, else `<state>/keys/services/<name>.key`, which `up`
/// makes), or the HS256 secret under the opt-in.
pub fn service_token(
    cfg: &Config,
    opts: &ServeOptions,
    name: &str,
    role: Role,
    aud: &[&'static str],
) -> anyhow::Result<Arc<ServiceToken>> {
    let a = &cfg.gateway.auth;
    if a.hs256 {
        let key = SignKey::hs256(jwt_secret(cfg, opts)?.as_bytes());
        return Ok(Arc::new(ServiceToken::new(key, &a.issuer, aud, name, role)));
    }
    let private = {
        let path = a
            .service_key_file
            .clone()
            .unwrap_or_else(|| keys::service_key_path(&opts.state_dir, name));
        if !path.exists() {
            anyhow::bail!(
                "refusing to start: no service key for {name} at {}; `bitcraps up` makes one \
                 (or `bitcraps auth service-key {name}`), or set gateway.auth.service_key_file",
                path.display()
            );
        }
        keys::read_private(&path)?
    };
    let token = ServiceToken::new(SignKey::ed25519(&private), &a.issuer, aud, name, role);
    Ok(Arc::new(token.with_record_signer(private)))
}

/// The key the CLI signs user tokens with: the HS256 secret under the
/// opt-in, else the configured issuer key, else the state dir's current
/// issuer key (made, with the key set, when `create` and there is none).
pub fn user_sign_key(cfg: &Config, state_dir: &Path, create: bool) -> anyhow::Result<SignKey> {
    let a = &cfg.gateway.auth;
    if a.hs256 {
        let opts = ServeOptions {
            listen: None,
            index: 0,
            state_dir: state_dir.to_path_buf(),
        };
        return Ok(SignKey::hs256(jwt_secret(cfg, &opts)?.as_bytes()));
    }
    if let Some(path) = &a.issuer_key_file {
        return Ok(SignKey::ed25519(&keys::read_private(path).with_context(
            || "reading the issuer key (gateway.auth.issuer_key_file)".to_string(),
        )?));
    }
    let jwks = a.jwks_path(state_dir);
    let key = if create {
        keys::ensure_issuer(state_dir, &jwks)?
    } else {
        keys::current_issuer(state_dir, &jwks)?.ok_or_else(|| {
            anyhow::anyhow!(
                "no issuer key under {} for the key set {}; run `bitcraps up` first, or set \
                 gateway.auth.issuer_key_file",
                keys::issuer_dir(state_dir).display(),
                jwks.display()
            )
        })?
    };
    Ok(SignKey::ed25519(&key))
}

/// A user token for `sub` as `role`, for `aud` (every service by default),
/// valid `ttl_secs`.
pub fn mint_user_token(
    cfg: &Config,
    state_dir: &Path,
    create: bool,
    sub: &str,
    role: Role,
    aud: &[&str],
    ttl_secs: u64,
) -> anyhow::Result<(String, auth::Claims)> {
    let key = user_sign_key(cfg, state_dir, create)?;
    let claims = auth::new_claims(
        &cfg.gateway.auth.issuer,
        aud,
        sub,
        role,
        auth::now_secs(),
        ttl_secs,
    );
    Ok((auth::sign(&key, &claims)?, claims))
}

/// What `up` provisions before it spawns anything: the issuer key and key
/// set (unless configured elsewhere or under HS256), and each calling
/// service's own key, listed in the set with its one role and name.
pub fn provision(cfg: &Config, state_dir: &Path, callers: &[(String, Role)]) -> anyhow::Result<()> {
    let a = &cfg.gateway.auth;
    if a.hs256 {
        return Ok(());
    }
    keys::migrate_layout(state_dir)?;
    let jwks = a.jwks_path(state_dir);
    if a.issuer_key_file.is_none() {
        keys::ensure_issuer(state_dir, &jwks)?;
    }
    if a.service_key_file.is_none() {
        for (name, role) in callers {
            keys::ensure_service_key(
                state_dir,
                &keys::service_key_path(state_dir, name),
                &jwks,
                name,
                *role,
            )?;
        }
    }
    Ok(())
}
