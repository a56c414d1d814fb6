//! `bitcraps certs`: the services' TLS certificates (see [`crate::tls`]).

use clap::Subcommand;

use super::GlobalArgs;
use super::exit::{Code, fail};
use crate::supervisor::{StateDir, plan};

#[derive(Debug, Subcommand)]
pub enum CertsCommand {
    /// Make a new certificate and key for every instance and the `cli`
    /// identity, signed by the same CA, each file replaced atomically.
    /// Running services load theirs within a second, for new connections;
    /// requests in flight finish on the old ones.
    Rotate,
}

pub fn run(g: &GlobalArgs, cmd: &CertsCommand) -> anyhow::Result<()> {
    match cmd {
        CertsCommand::Rotate => rotate(g),
    }
}

fn rotate(g: &GlobalArgs) -> anyhow::Result<()> {
    let loaded = super::load_config(g, &[])?;
    if loaded.config.tls.insecure_plaintext {
        return Err(fail(
            Code::Usage,
            "tls.insecure_plaintext is on: the services use no certificates to rotate",
        ));
    }
    if let Some(dir) = &loaded.config.tls.dir {
        return Err(fail(
            Code::Usage,
            format!(
                "certificates come from tls.dir ({}): rotate them where they are made (e.g. \
                 cert-manager renews the Secret)",
                dir.display()
            ),
        ));
    }
    let state = StateDir::open(&g.state_dir)?;
    let ca = crate::tls::tls_root(state.root()).join("ca.key");
    if !ca.exists() {
        return Err(fail(
            Code::Error,
            format!(
                "no CA at {}: `bitcraps up` makes one first",
                ca.display()
            ),
        ));
    }
    let specs = plan::plan(&loaded.config);
    let made = super::up::issue_certificates(&loaded.config, state.root(), &specs, true)?;
    for (name, _) in &made {
        super::output::print(&format!("rotated {name}"))?;
    }
    Ok(())
}
