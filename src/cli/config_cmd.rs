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

fn show(g: &GlobalArgs) -> anyhow::Result<()> {
    let loaded = super::load_config(g, &[])?;
    let shown: Vec<ShownKey> = loaded
        .layered
        .iter()
        .map(|(def, e)| ShownKey {
            key: def.key,
            env: def.env,
            value: if SECRET_KEYS.contains(&def.key) && !e.value.is_empty() {
                "<redacted>".to_string()
            } else {
                e.value.clone()
            },
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
    layered.resolve()?;
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
