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
    /// Make the state dir's CA (when there is none) and a certificate for
    /// each named instance, keeping those still valid for their names (for
    /// hosts where each service is started on its own, e.g. the compose
    /// file's `certs` step; `up` does this itself).
    Issue {
        /// An instance to certify: gateway, engine-N, validator-N, wallet
        /// (or wallet-N), cli. Repeatable. Default: every instance `up`
        /// would start, the gateway and cli.
        #[arg(long = "instance", value_name = "NAME")]
        instances: Vec<String>,
        /// An IP address to name in every certificate besides 127.0.0.1
        /// (clients check roles, not addresses; this is for tools such as
        /// curl that check the address). Repeatable.
        #[arg(long = "ip", value_name = "IP")]
        ips: Vec<std::net::IpAddr>,
    },
}

pub fn run(g: &GlobalArgs, cmd: &CertsCommand) -> anyhow::Result<()> {
    match cmd {
        CertsCommand::Rotate => rotate(g),
        CertsCommand::Issue { instances, ips } => issue(g, instances, ips),
    }
}

fn issue(g: &GlobalArgs, instances: &[String], ips: &[std::net::IpAddr]) -> anyhow::Result<()> {
    let loaded = super::load_config(g, &[])?;
    if loaded.config.tls.insecure_plaintext {
        return Err(fail(
            Code::Usage,
            "tls.insecure_plaintext is on: the services use no certificates",
        ));
    }
    for name in instances {
        if crate::tls::Peer::of_instance(name).is_none() {
            return Err(fail(
                Code::Usage,
                format!(
                    "{name:?} is not an instance name: use gateway, engine-N, validator-N, \
                     wallet, wallet-N or cli"
                ),
            ));
        }
    }
    let state = StateDir::open(&g.state_dir)?;
    let made = if instances.is_empty() {
        let specs = plan::plan(&loaded.config);
        super::up::issue_certificates(&loaded.config, state.root(), &specs, false)?
    } else {
        let mut ips = ips.to_vec();
        ips.sort();
        ips.dedup();
        crate::tls::issue::ensure_instances(
            state.root(),
            instances,
            &ips,
            false,
            time::OffsetDateTime::now_utc(),
        )
        .map_err(|e| fail(Code::Error, format!("cannot make TLS certificates: {e:#}")))?
    };
    for (name, why) in &made {
        super::output::print(&format!("issued {name} ({why})"))?;
    }
    if made.is_empty() {
        super::output::print("every certificate is current")?;
    }
    Ok(())
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
            format!("no CA at {}: `bitcraps up` makes one first", ca.display()),
        ));
    }
    let specs = plan::plan(&loaded.config);
    let made = super::up::issue_certificates(&loaded.config, state.root(), &specs, true)?;
    for (name, _) in &made {
        super::output::print(&format!("rotated {name}"))?;
    }
    Ok(())
}
