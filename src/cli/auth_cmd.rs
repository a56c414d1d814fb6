//! `bitcraps auth token`: mint a JWT from the configured or dev secret.

use std::time::Duration;

use clap::{Args, Subcommand};

use super::GlobalArgs;
use super::exit::{Code, fail};
use super::output::{self, OutputFormat};
use crate::auth::{self, Role};
use crate::services::ServeOptions;

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Mint a token (HS256) signed with the configured secret, else the
    /// state dir's dev secret.
    Token(TokenArgs),
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
}

fn parse_ttl(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| e.to_string())?;
    if d.is_zero() || d > Duration::from_secs(30 * 86_400) {
        return Err("from 1s to 30d".into());
    }
    Ok(d)
}

fn apikey(g: &GlobalArgs, cmd: &ApiKeyCommand) -> anyhow::Result<()> {
    std::fs::create_dir_all(&g.state_dir)?;
    match cmd {
        ApiKeyCommand::Create { name, role, sub } => {
            let sub = sub.clone().unwrap_or_else(|| name.clone());
            let (entry, key) = crate::apikeys::create(&g.state_dir, name, *role, &sub)?;
            if g.output == OutputFormat::Json {
                return output::print_json(&serde_json::json!({
                    "id": entry.id, "name": entry.name, "role": entry.role, "sub": entry.sub, "key": key,
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
                                                "created_at": k.created_at, "revoked": k.revoked})
                    })
                    .collect();
                return output::print_json(&v);
            }
            let mut t = output::table(&["ID", "NAME", "ROLE", "SUB", "CREATED", "REVOKED"]);
            for k in keys {
                t.add_row(vec![
                    k.id,
                    k.name,
                    k.role.to_string(),
                    k.sub,
                    humantime::format_rfc3339_seconds(
                        std::time::UNIX_EPOCH + std::time::Duration::from_secs(k.created_at),
                    )
                    .to_string(),
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
        AuthCommand::Token(a) => {
            let loaded = super::load_config(g, &[])?;
            let auth_cfg = &loaded.config.gateway.auth;
            let uses_dev_secret =
                auth_cfg.jwt_secret.is_none() && auth_cfg.jwt_secret_file.is_none();
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
            let opts = ServeOptions {
                listen: None,
                index: 0,
                state_dir: g.state_dir.clone(),
            };
            let secret = crate::services::jwt_secret(&loaded.config, &opts)?;
            let now = auth::now_secs();
            let token = auth::mint(secret.as_bytes(), &a.sub, a.role, now, a.ttl.as_secs())?;
            if g.output == OutputFormat::Json {
                return output::print_json(&serde_json::json!({
                    "token": token, "sub": a.sub, "role": a.role, "exp": now + a.ttl.as_secs(),
                }));
            }
            output::print(&token)
        }
    }
}
