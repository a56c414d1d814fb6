//! `bitcraps config show|check|default`.

use std::path::PathBuf;

use clap::Subcommand;
use serde::Serialize;

use super::GlobalArgs;
use super::exit::{Code, fail};
use super::output::{self, OutputFormat};
use crate::config::{Layered, Layers, keys};

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration and where each value came from.
    Show,
    /// Validate a configuration file (the environment is not consulted).
    Check {
        /// The TOML file to check.
        file: PathBuf,
    },
    /// Print the documented default configuration (config/bitcraps.toml).
    Default,
}

#[derive(Debug, Serialize)]
struct ShownKey {
    key: &'static str,
    env: &'static str,
    value: String,
    source: crate::config::Source,
}

const SECRET_KEYS: &[&str] = &["gateway.auth.jwt_secret"];

pub fn run(g: &GlobalArgs, cmd: &ConfigCommand) -> anyhow::Result<()> {
    match cmd {
        ConfigCommand::Show => show(g),
        ConfigCommand::Check { file } => check(g, file),
        ConfigCommand::Default => output::print(&keys::documented_toml()),
    }
}

/// A value as it may be shown: a secret's reads `<redacted>`, and so does
/// the password of a database URL (`postgres://user:<redacted>@host/db`).
pub fn shown_value(key: &str, value: &str) -> String {
    if SECRET_KEYS.contains(&key) && !value.is_empty() {
        return "<redacted>".to_string();
    }
    if !key.ends_with("database_url") {
        return value.to_string();
    }
    let mut shown = value.to_string();
    if let Some((scheme, rest)) = value.split_once("://")
        && let Some((userinfo, host)) = rest.rsplit_once('@')
        && let Some((user, _password)) = userinfo.split_once(':')
    {
        shown = format!("{scheme}://{user}:<redacted>@{host}");
    }
    // libpq also takes `password=` as a query parameter or a keyword.
    let mut from = 0;
    while let Some(i) = shown[from..].find("password=") {
        let start = from + i + "password=".len();
        let end = shown[start..]
            .find(['&', ' '])
            .map_or(shown.len(), |j| start + j);
        shown.replace_range(start..end, "<redacted>");
        from = start + "<redacted>".len();
    }
    shown
}

fn show(g: &GlobalArgs) -> anyhow::Result<()> {
    let loaded = super::load_config(g, &[])?;
    let shown: Vec<ShownKey> = loaded
        .layered
        .iter()
        .map(|(def, e)| ShownKey {
            key: def.key,
            env: def.env,
            value: shown_value(def.key, &e.value),
            source: e.source.clone(),
        })
        .collect();
    if g.output == OutputFormat::Json {
        return output::print_json(&shown);
    }
    let mut t = output::table(&["KEY", "VALUE", "SOURCE"]);
    for k in &shown {
        let value = if k.value.is_empty() {
            "\"\"".to_string()
        } else {
            k.value.clone()
        };
        t.add_row(vec![k.key.to_string(), value, k.source.to_string()]);
    }
    output::print_table(&t)
}

fn check(g: &GlobalArgs, file: &PathBuf) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        fail(
            Code::NotFound,
            format!("cannot read {}: {e}", file.display()),
        )
    })?;
    let layered = Layered::load(&Layers {
        file: Some((file.as_path(), &text)),
        env: &|_| None,
        flags: &[],
    })?;
    layered.resolve()?.check_wallet_store(&layered)?;
    let set = layered
        .iter()
        .filter(|(_, e)| matches!(e.source, crate::config::Source::File { .. }))
        .count();
    if g.output == OutputFormat::Json {
        return output::print_json(&serde_json::json!({
            "file": file.display().to_string(), "valid": true, "keys_set": set
        }));
    }
    if !g.quiet {
        output::print(&format!(
            "{}: valid ({set} keys set, the rest default)",
            file.display()
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::shown_value;

    #[test]
    fn secrets_and_database_passwords_are_never_shown() {
        assert_eq!(
            shown_value("gateway.auth.jwt_secret", "s3cret-s3cret"),
            "<redacted>"
        );
        assert_eq!(shown_value("gateway.auth.jwt_secret", ""), "");
        assert_eq!(
            shown_value("wallet.database_url", "postgres://casino:hunter2@db:5432/w"),
            "postgres://casino:<redacted>@db:5432/w"
        );
        assert_eq!(
            shown_value(
                "wallet.database_url",
                "postgres://db/w?user=casino&password=hunter2&sslmode=require"
            ),
            "postgres://db/w?user=casino&password=<redacted>&sslmode=require"
        );
        assert_eq!(
            shown_value("wallet.database_url", "host=db password=hunter2 dbname=w"),
            "host=db password=<redacted> dbname=w"
        );
        assert_eq!(
            shown_value("wallet.database_url", "postgres://casino@db/w"),
            "postgres://casino@db/w"
        );
        assert_eq!(
            shown_value("gateway.listen_addr", "0.0.0.0:8080"),
            "0.0.0.0:8080"
        );
    }
}
