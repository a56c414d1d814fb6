//! How this process reaches the other services and is reached by them:
//! mutual TLS with its own identity, or plain HTTP under
//! `--insecure-plaintext`. One per process ([`install`], [`transport`]):
//! each process is one service instance (or one CLI run) with one identity,
//! and every client and listener it makes takes its settings from here.

use std::collections::HashMap;
use std::fmt::Display;
use std::path::Path;
use std::sync::{Arc, RwLock};

use anyhow::Context;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore, ServerConfig};

use super::reload::Reloading;
use super::verify::{AllowRoles, ExpectRole};
use super::{Files, Peer};
use crate::config::Config;

/// Which server certificates a client accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expect {
    /// Only one valid for this role's name.
    Role(Peer),
    /// One valid for any service role (the operator's tools).
    AnyService,
}

impl Expect {
    fn roles(self) -> Vec<Peer> {
        match self {
            Expect::Role(p) => vec![p],
            Expect::AnyService => Peer::SERVICES.to_vec(),
        }
    }
}

/// This process's transport: plain HTTP, or mutual TLS.
#[derive(Clone, Default)]
pub struct Transport {
    tls: Option<Arc<Identity>>,
}

struct Identity {
    roots: Arc<RootCertStore>,
    own: Arc<Reloading>,
    clients: HashMap<Expect, Arc<ClientConfig>>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.tls {
            None => f.write_str("Transport(plaintext)"),
            Some(i) => write!(f, "Transport(mtls, {})", i.own.files().cert.display()),
        }
    }
}

static GLOBAL: RwLock<Option<Transport>> = RwLock::new(None);

/// Sets this process's transport (`up` sets the CLI's again once it has
/// made the certificates).
pub fn install(t: Transport) {
    match GLOBAL.write() {
        Ok(mut g) => *g = Some(t),
        Err(p) => *p.into_inner() = Some(t),
    }
}

/// This process's transport: plain HTTP until [`install`] is called.
pub fn transport() -> Transport {
    let g = match GLOBAL.read() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    g.clone().unwrap_or_default()
}

/// Reads a PEM file of CA certificates into a root store.
pub fn load_roots(path: &Path) -> anyhow::Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(path)
        .with_context(|| format!("cannot read the CA certificate {}", path.display()))?
    {
        let c = c.with_context(|| format!("{} does not parse", path.display()))?;
        roots
            .add(c)
            .with_context(|| format!("{} holds an unusable CA certificate", path.display()))?;
    }
    if roots.is_empty() {
        anyhow::bail!("no CA certificate in {}", path.display());
    }
    Ok(roots)
}

impl Transport {
    pub fn plaintext() -> Transport {
        Transport { tls: None }
    }

    /// Mutual TLS with the identity in `files`.
    pub fn mtls(files: Files) -> anyhow::Result<Transport> {
        let roots = Arc::new(load_roots(&files.ca)?);
        let own = Reloading::load(files)?;
        let mut clients = HashMap::new();
        for e in Peer::SERVICES
            .into_iter()
            .map(Expect::Role)
            .chain([Expect::AnyService])
        {
            let verifier = Arc::new(ExpectRole::new(roots.clone(), &e.roles())?);
            let cfg = ClientConfig::builder_with_provider(super::provider())
                .with_protocol_versions(&[&rustls::version::TLS13])?
                .dangerous()
                .with_custom_certificate_verifier(verifier)
                .with_client_cert_resolver(own.clone());
            clients.insert(e, Arc::new(cfg));
        }
        Ok(Transport {
            tls: Some(Arc::new(Identity {
                roots,
                own,
                clients,
            })),
        })
    }

    /// The transport of service instance `instance` (`engine-0`,
    /// `validator-2`, `wallet`, `gateway`) or of the CLI (`cli`) under
    /// `cfg`: plaintext when `tls.insecure_plaintext` is set, else the
    /// identity in `tls.dir` (default `<state>/tls/<instance>`).
    pub fn for_instance(
        cfg: &Config,
        state_dir: &Path,
        instance: &str,
    ) -> anyhow::Result<Transport> {
        if cfg.tls.insecure_plaintext {
            return Ok(Transport::plaintext());
        }
        let dir = cfg
            .tls
            .dir
            .clone()
            .unwrap_or_else(|| super::instance_dir(state_dir, instance));
        Transport::mtls(Files::in_dir(&dir)).with_context(|| {
            format!(
                "refusing to start without this instance's TLS identity in {} (`bitcraps up` \
                 makes it; or set tls.dir / TLS_DIR; or, for debugging only, \
                 --insecure-plaintext / BITCRAPS_INSECURE_PLAINTEXT=true)",
                dir.display()
            )
        })
    }

    /// The CLI's transport: the `cli` identity when the state dir has one
    /// (or `tls.dir` is set), else plaintext (a CLI that only talks to the
    /// gateway's client-facing port needs none).
    pub fn for_cli(cfg: &Config, state_dir: &Path) -> anyhow::Result<Transport> {
        let dir = super::instance_dir(state_dir, "cli");
        if cfg.tls.insecure_plaintext || (cfg.tls.dir.is_none() && !dir.join("tls.crt").exists()) {
            return Ok(Transport::plaintext());
        }
        Transport::for_instance(cfg, state_dir, "cli")
    }

    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// `https` or `http`.
    pub fn scheme(&self) -> &'static str {
        if self.is_tls() { "https" } else { "http" }
    }

    /// `https://<addr>` (or `http://` in plaintext).
    pub fn base(&self, addr: impl Display) -> String {
        format!("{}://{addr}", self.scheme())
    }

    /// Reloads this identity's certificate and key when they change.
    pub fn watch(&self) {
        if let Some(i) = &self.tls {
            i.own.watch();
        }
    }

    /// The rustls client settings for reaching `to` (None in plaintext).
    pub fn client_config(&self, to: Expect) -> Option<Arc<ClientConfig>> {
        let i = self.tls.as_ref()?;
        i.clients.get(&to).cloned()
    }

    /// `b` presenting this identity and accepting only servers `to`.
    pub fn reqwest(&self, to: Expect, b: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        match self.client_config(to) {
            Some(c) => b.use_preconfigured_tls((*c).clone()),
            None => b,
        }
    }

    /// The blocking flavour of [`Transport::reqwest`].
    pub fn blocking(
        &self,
        to: Expect,
        b: reqwest::blocking::ClientBuilder,
    ) -> reqwest::blocking::ClientBuilder {
        match self.client_config(to) {
            Some(c) => b.use_preconfigured_tls((*c).clone()),
            None => b,
        }
    }

    /// The server settings of a service of role `service`: TLS 1.3, this
    /// identity's (reloading) certificate, and a client certificate chained
    /// to the CA naming a role allowed to call it. None in plaintext.
    pub fn server_config(&self, service: Peer) -> anyhow::Result<Option<Arc<ServerConfig>>> {
        let Some(i) = &self.tls else { return Ok(None) };
        let verifier = Arc::new(AllowRoles::new(i.roots.clone(), service)?);
        let cfg = ServerConfig::builder_with_provider(super::provider())
            .with_protocol_versions(&[&rustls::version::TLS13])?
            .with_client_cert_verifier(verifier)
            .with_cert_resolver(i.own.clone());
        Ok(Some(Arc::new(cfg)))
    }
}

/// Server settings without client certificates (the gateway's
/// client-facing port with `gateway.tls.cert`/`key`), reloading on change.
pub fn public_server_config(files: Files) -> anyhow::Result<Arc<ServerConfig>> {
    let own = Reloading::load(files)?;
    own.watch();
    let cfg = ServerConfig::builder_with_provider(super::provider())
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_no_client_auth()
        .with_cert_resolver(own);
    Ok(Arc::new(cfg))
}

impl Transport {
    /// A hyper connector over `http` presenting this identity and accepting
    /// only servers `to` for `https` URLs (plain `http` URLs in plaintext).
    pub fn hyper_connector(
        &self,
        to: Expect,
        mut http: hyper_util::client::legacy::connect::HttpConnector,
    ) -> anyhow::Result<
        hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    > {
        http.enforce_http(false);
        let cfg = match self.client_config(to) {
            Some(c) => (*c).clone(),
            None => ClientConfig::builder_with_provider(super::provider())
                .with_protocol_versions(&[&rustls::version::TLS13])?
                .with_root_certificates(RootCertStore::empty())
                .with_no_client_auth(),
        };
        Ok(hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(cfg)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http))
    }
}

/// What a client checks a server of upstream set `service` against: the
/// set's role (`consensus`/`peers` → validator, `game_engine`/`engines`
/// → engine, `wallet`), else any service.
pub fn expect_for_upstream(service: &str) -> Expect {
    match service {
        "consensus" | "peers" | "validator" | "validators" => Expect::Role(Peer::Validator),
        "game_engine" | "engines" | "engine" | "game engine" => Expect::Role(Peer::Engine),
        "wallet" | "wallets" => Expect::Role(Peer::Wallet),
        _ => Expect::AnyService,
    }
}
