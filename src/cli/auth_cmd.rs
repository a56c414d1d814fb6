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

pub fn run(g: &GlobalArgs, cmd: &AuthCommand) -> anyhow::Result<()> {
    match cmd {
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
