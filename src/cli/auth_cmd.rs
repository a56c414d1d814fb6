//! `bitcraps auth …`: mint a JWT with the issuer key, revoke one, rotate
//! and retire issuer keys, provision a service's key, manage API keys.

use std::time::Duration;

use clap::{Args, Subcommand};

use super::GlobalArgs;
use super::exit::{Code, fail};
use super::output::{self, OutputFormat};
use crate::auth::{self, Role, keys};

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Mint a token (EdDSA) signed with the issuer key (the configured
    /// one, else the state dir's); HS256 with the secret under the opt-in.
    Token(TokenArgs),
    /// Revoke a token by its id (`jti`); every service refuses it within a
    /// second.
    Revoke {
        /// The token's `jti` (`auth token --output json` prints it).
        jti: String,
    },
    /// Add a new issuer key: new tokens are signed with it, tokens of the
    /// old keys stay valid while those keys are in the set. `--retire KID`
    /// removes a key instead.
    Rotate {
        /// Remove this key from the set (its tokens stop working).
        #[arg(long, value_name = "KID")]
        retire: Option<String>,
    },
    /// List the keys of the set (kid, scope).
    Keys,
    /// Make (or show) each service NAME's own signing key and list it in
    /// the set with its one role, for services started outside `bitcraps
    /// up` (the compose file's `keys` step).
    ServiceKey {
        /// `engine-0`, `wallet`, `wallet-1`, … (repeatable).
        #[arg(required = true, num_args = 1..)]
        names: Vec<String>,
        /// engine or wallet (default: from the name).
        #[arg(long)]
        role: Option<Role>,
    },
    /// API keys: create (shown once), list, revoke.
    #[command(subcommand)]
    Apikey(ApiKeyCommand),
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create a key; it is printed once and stored only as a hash.
    Create {
        /// A label for operators.
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "player")]
        role: Role,
        /// Who the key acts as (default: the name).
        #[arg(long)]
        sub: Option<String>,
        /// Lifetime, e.g. 30d, 12h; checked on every use (default: no expiry).
        #[arg(long, value_parser = parse_key_ttl)]
        ttl: Option<Duration>,
    },
    /// List keys (never the keys themselves).
    List,
    /// Revoke a key by id; it stops working on the next request.
    Revoke { id: String },
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Subject: the player (or operator) the token speaks for.
    #[arg(long)]
    pub sub: String,
    /// player, validator or admin.
    #[arg(long, default_value = "player")]
    pub role: Role,
    /// Lifetime, e.g. 15m, 1h, 7d (at most 30 days).
    #[arg(long, default_value = "1h", value_parser = parse_ttl)]
    pub ttl: Duration,
    /// Services the token is for (repeatable or comma-separated): gateway,
    /// engine, wallet, consensus. Default: all (the gateway forwards it).
    #[arg(long, value_delimiter = ',', value_parser = parse_aud)]
    pub aud: Vec<String>,
}

fn parse_aud(s: &str) -> Result<String, String> {
    if auth::AUDIENCES.contains(&s) {
        Ok(s.to_string())
    } else {
        Err(format!("audiences: {}", auth::AUDIENCES.join(", ")))
    }
}

fn parse_ttl(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| e.to_string())?;
    if d.is_zero() || d > Duration::from_secs(30 * 86_400) {
        return Err("from 1s to 30d".into());
    }
    Ok(d)
}

fn parse_key_ttl(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| e.to_string())?;
    if d.is_zero() {
        return Err("a lifetime of at least 1s".into());
    }
    Ok(d)
}

fn rfc3339(secs: u64) -> String {
    humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + Duration::from_secs(secs)).to_string()
}

fn apikey(g: &GlobalArgs, cmd: &ApiKeyCommand) -> anyhow::Result<()> {
    std::fs::create_dir_all(&g.state_dir)?;
    match cmd {
        ApiKeyCommand::Create {
            name,
            role,
            sub,
            ttl,
        } => {
            // Service identities are keys their services hold and sign
            // with (`auth service-key`), never a bearer string.
            if matches!(role, Role::Engine | Role::Wallet) {
                return Err(fail(
                    Code::Usage,
                    format!(
                        "an API key cannot carry the {role} role: services sign their own tokens (see `bitcraps auth service-key`)"
                    ),
                ));
            }
            let sub = sub.clone().unwrap_or_else(|| name.clone());
            let ttl = ttl.map(|t| t.as_secs());
            let (entry, key) = crate::apikeys::create(&g.state_dir, name, *role, &sub, ttl)?;
            if g.output == OutputFormat::Json {
                return output::print_json(&serde_json::json!({
                    "id": entry.id, "name": entry.name, "role": entry.role, "sub": entry.sub, "key": key,
                    "expires_at": entry.expires_at,
                }));
            }
            if !g.quiet {
                eprintln!(
                    "API key {} for {} ({}); it is shown only now:",
                    entry.id, entry.sub, entry.role
                );
            }
            output::print(&key)
        }
        ApiKeyCommand::List => {
            let keys = crate::apikeys::load(&g.state_dir)?;
            if g.output == OutputFormat::Json {
                let v: Vec<serde_json::Value> = keys
                    .iter()
                    .map(|k| {
                        serde_json::json!({"id": k.id, "name": k.name, "role": k.role, "sub": k.sub,
                                                "created_at": k.created_at, "revoked": k.revoked,
                                                "expires_at": k.expires_at})
                    })
                    .collect();
                return output::print_json(&v);
            }
            let mut t =
                output::table(&["ID", "NAME", "ROLE", "SUB", "CREATED", "EXPIRES", "REVOKED"]);
            for k in keys {
                t.add_row(vec![
                    k.id,
                    k.name,
                    k.role.to_string(),
                    k.sub,
                    rfc3339(k.created_at),
                    k.expires_at.map_or_else(|| "never".to_string(), rfc3339),
                    k.revoked.to_string(),
                ]);
            }
            output::print_table(&t)
        }
        ApiKeyCommand::Revoke { id } => {
            if crate::apikeys::revoke(&g.state_dir, id)? {
                if !g.quiet {
                    eprintln!("revoked API key {id}");
                }
                Ok(())
            } else {
                Err(fail(
                    Code::NotFound,
                    format!("no API key {id:?}; `bitcraps auth apikey list` shows them"),
                ))
            }
        }
    }
}

pub fn run(g: &GlobalArgs, cmd: &AuthCommand) -> anyhow::Result<()> {
    match cmd {
        AuthCommand::Apikey(c) => apikey(g, c),
        AuthCommand::Token(a) => token(g, a),
        AuthCommand::Revoke { jti } => revoke(g, jti),
        AuthCommand::Rotate { retire } => rotate(g, retire.as_deref()),
        AuthCommand::Keys => list_keys(g),
        AuthCommand::ServiceKey { names, role } => service_keys(g, names, *role),
    }
}

fn token(g: &GlobalArgs, a: &TokenArgs) -> anyhow::Result<()> {
    let loaded = super::load_config(g, &[])?;
    let auth_cfg = &loaded.config.gateway.auth;
    if auth_cfg.hs256 {
        let uses_dev_secret = auth_cfg.jwt_secret.is_none() && auth_cfg.jwt_secret_file.is_none();
        let dev = g.state_dir.join("secrets").join("jwt_secret");
        if uses_dev_secret && !dev.exists() {
            return Err(fail(
                Code::NotFound,
                format!(
                    "no secret configured and no dev secret at {}; run `bitcraps up` first or set JWT_SECRET",
                    dev.display()
                ),
            ));
        }
    }
    let aud: Vec<&str> = if a.aud.is_empty() {
        auth::AUDIENCES.to_vec()
    } else {
        a.aud.iter().map(String::as_str).collect()
    };
    let (token, claims) = crate::services::credentials::mint_user_token(
        &loaded.config,
        &g.state_dir,
        false,
        &a.sub,
        a.role,
        &aud,
        a.ttl.as_secs(),
    )
    .map_err(|e| fail(Code::NotFound, format!("{e:#}")))?;
    if g.output == OutputFormat::Json {
        return output::print_json(&serde_json::json!({
            "token": token, "sub": claims.sub, "role": claims.role, "exp": claims.exp,
            "jti": claims.jti, "aud": claims.aud, "iss": claims.iss,
        }));
    }
    output::print(&token)
}

fn jwks_path(g: &GlobalArgs) -> anyhow::Result<(crate::config::Config, std::path::PathBuf)> {
    let loaded = super::load_config(g, &[])?;
    if loaded.config.gateway.auth.hs256 {
        return Err(fail(
            Code::Error,
            "gateway.auth.algorithm is hs256: there are no keys to rotate; tokens are \
             signed with the shared secret",
        ));
    }
    let path = loaded.config.gateway.auth.jwks_path(&g.state_dir);
    Ok((loaded.config, path))
}

fn revoke(g: &GlobalArgs, jti: &str) -> anyhow::Result<()> {
    if let Some(id) = jti.strip_prefix("apikey:") {
        return Err(fail(
            Code::Usage,
            format!(
                "{jti} is an API key, not a token: revoke it with `bitcraps auth apikey revoke {id}`"
            ),
        ));
    }
    let loaded = super::load_config(g, &[])?;
    let jwks = loaded.config.gateway.auth.jwks_path(&g.state_dir);
    let path = keys::revoked_path(&jwks);
    let added = keys::revoke(&g.state_dir, &path, jti)?;
    if g.output == OutputFormat::Json {
        return output::print_json(&serde_json::json!({
            "jti": jti, "revoked": true, "already": !added, "file": path.display().to_string(),
        }));
    }
    if !g.quiet {
        eprintln!(
            "{} {jti} ({}); services refuse it within a second",
            if added { "revoked" } else { "already revoked" },
            path.display()
        );
    }
    Ok(())
}

fn rotate(g: &GlobalArgs, retire: Option<&str>) -> anyhow::Result<()> {
    let (_, jwks) = jwks_path(g)?;
    let (action, kid) = match retire {
        Some(kid) => {
            let set = keys::load_set(&jwks)?;
            let issuers = set.keys.iter().filter(|k| k.is_issuer()).count();
            let target = set.keys.iter().find(|k| k.kid == kid);
            if target.is_some_and(|k| k.is_issuer()) && issuers <= 1 {
                return Err(fail(
                    Code::Error,
                    format!(
                        "{kid} is the only issuer key; `bitcraps auth rotate` adds another first"
                    ),
                ));
            }
            if !keys::retire(&g.state_dir, &jwks, kid)? {
                return Err(fail(
                    Code::NotFound,
                    format!(
                        "no key {kid:?} in {}; `bitcraps auth keys` lists them",
                        jwks.display()
                    ),
                ));
            }
            ("retired", kid.to_string())
        }
        None => ("added", keys::add_issuer(&g.state_dir, &jwks)?),
    };
    if g.output == OutputFormat::Json {
        return output::print_json(
            &serde_json::json!({ action: kid, "jwks": jwks.display().to_string() }),
        );
    }
    if !g.quiet {
        eprintln!("{action} issuer key {kid} in {}", jwks.display());
    }
    output::print(&kid)
}

fn list_keys(g: &GlobalArgs) -> anyhow::Result<()> {
    let (_, jwks) = jwks_path(g)?;
    let set = keys::load_set(&jwks)?;
    if g.output == OutputFormat::Json {
        return output::print_json(&set);
    }
    let mut t = output::table(&["KID", "ROLES", "SUB"]);
    for k in set.keys {
        let roles: Vec<String> = k.bitcraps_roles.iter().map(|r| r.to_string()).collect();
        t.add_row(vec![
            k.kid,
            roles.join(","),
            k.bitcraps_sub.unwrap_or_default(),
        ]);
    }
    output::print_table(&t)
}

fn service_keys(g: &GlobalArgs, names: &[String], role: Option<Role>) -> anyhow::Result<()> {
    let (loaded, jwks) = jwks_path(g)?;
    // A set without an issuer key verifies no user token: make one when
    // there is none (and none is configured), as `up` does.
    if loaded.gateway.auth.issuer_key_file.is_none() {
        keys::ensure_issuer(&g.state_dir, &jwks)?;
    }
    let mut made = Vec::new();
    for name in names {
        let role = match (role, crate::sandbox::kind_of(name)) {
            (Some(r @ Role::Engine), Some(crate::sandbox::Kind::Engine))
            | (Some(r @ Role::Wallet), Some(crate::sandbox::Kind::Wallet)) => r,
            (None, Some(crate::sandbox::Kind::Engine)) => Role::Engine,
            (None, Some(crate::sandbox::Kind::Wallet)) => Role::Wallet,
            _ => {
                return Err(fail(
                    Code::Usage,
                    format!(
                        "{name:?}: a service key is an engine's (engine-N) or a wallet's \
                         (wallet, wallet-N), with --role engine|wallet to match"
                    ),
                ));
            }
        };
        let path = keys::service_key_path(&g.state_dir, name);
        let key = keys::ensure_service_key(&g.state_dir, &path, &jwks, name, role)?;
        made.push(serde_json::json!({
            "name": name, "role": role, "kid": keys::kid_of(&key.verifying_key()),
            "key_file": path.display().to_string(),
        }));
    }
    if g.output == OutputFormat::Json {
        return match made.as_slice() {
            [one] => output::print_json(one),
            _ => output::print_json(&made),
        };
    }
    for m in &made {
        output::print(m["kid"].as_str().unwrap_or_default())?;
    }
    Ok(())
}
