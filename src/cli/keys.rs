//! `bitcraps keys generate`: ed25519 validator keys for operators.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::GlobalArgs;
use super::exit::{Code, fail};
use super::output::{self, OutputFormat};
use crate::services::consensus::genesis;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Generate an ed25519 validator key.
    Generate(GenerateArgs),
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Write the secret seed here (mode 0600; never overwritten) and print
    /// only the public key. Without it the secret is printed.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn run(g: &GlobalArgs, cmd: &KeysCommand) -> anyhow::Result<()> {
    match cmd {
        KeysCommand::Generate(a) => {
            let (secret, public) = match &a.out {
                Some(path) => {
                    if path.exists() {
                        return Err(fail(
                            Code::Error,
                            format!(
                                "{} already exists; refusing to overwrite a key",
                                path.display()
                            ),
                        ));
                    }
                    let key = genesis::generate_key(path)?;
                    (None, hex::encode(key.verifying_key().to_bytes()))
                }
                None => {
                    let mut seed = [0u8; 32];
                    rand::RngCore::fill_bytes(&mut rand::rng(), &mut seed);
                    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
                    (
                        Some(hex::encode(seed)),
                        hex::encode(key.verifying_key().to_bytes()),
                    )
                }
            };
            if g.output == OutputFormat::Json {
                return output::print_json(&serde_json::json!({
                    "public_key": public,
                    "secret_key": secret,
                    "file": a.out.as_ref().map(|p| p.display().to_string()),
                }));
            }
            let mut text = format!("public key: {public}");
            if let Some(s) = secret {
                text.push_str(&format!("\nsecret key: {s}"));
            }
            if let Some(p) = &a.out {
                text.push_str(&format!("\nsecret written to {} (mode 0600)", p.display()));
            }
            output::print(&text)
        }
    }
}
