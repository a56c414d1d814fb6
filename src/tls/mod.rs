//! Mutual TLS between the services.
//!
//! `up` makes a local certificate authority and one certificate per service
//! instance ([`issue`]); every service listens with rustls and requires a
//! client certificate chained to that CA whose names include a role allowed
//! to call it ([`verify`], [`Peer::allowed_callers`]); every client presents
//! its own certificate and checks the server's against the CA and the role
//! it expects to reach, whatever host the URL names ([`transport`]).
//!
//! The files, in the shape cert-manager writes into a Secret:
//!
//! ```text
//! <state>/tls/ca.crt                  the CA certificate (0644)
//! <state>/tls/ca.key                  the CA key (0600; only `up` and `certs rotate` read it)
//! <state>/tls/<instance>/tls.crt      an instance's certificate (engine-0, validator-2, wallet, gateway, cli)
//! <state>/tls/<instance>/tls.key      its key (0600)
//! <state>/tls/<instance>/ca.crt       a copy of the CA certificate
//! ```
//!
//! Directories are 0700. A service reads `<tls dir>/{tls.crt,tls.key,ca.crt}`
//! (`tls.dir`, default `<state>/tls/<instance>`) and reloads its certificate
//! and key within a second of their change.

pub mod issue;
pub mod reload;
pub mod serve;
pub mod transport;
pub mod verify;

use std::fmt;
use std::path::{Path, PathBuf};

pub use transport::{Expect, Transport, install, transport};

/// The internal DNS domain of role and instance names
/// (`validator.bitcraps.internal`, `validator-2.bitcraps.internal`).
pub const DOMAIN: &str = "bitcraps.internal";

/// Who a certificate says its holder is: a role among the services, or the
/// operator's tools (`cli`: supervisor health checks, CLI, TUI, bench, tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Peer {
    Gateway,
    Engine,
    Wallet,
    Validator,
    Cli,
}

impl Peer {
    pub const ALL: [Peer; 5] = [
        Peer::Gateway,
        Peer::Engine,
        Peer::Wallet,
        Peer::Validator,
        Peer::Cli,
    ];

    /// Every role that serves requests (what a `cli` client may reach).
    pub const SERVICES: [Peer; 4] = [Peer::Gateway, Peer::Engine, Peer::Wallet, Peer::Validator];

    pub fn name(self) -> &'static str {
        match self {
            Peer::Gateway => "gateway",
            Peer::Engine => "engine",
            Peer::Wallet => "wallet",
            Peer::Validator => "validator",
            Peer::Cli => "cli",
        }
    }

    /// The role's DNS name, e.g. `validator.bitcraps.internal`.
    pub fn dns_name(self) -> String {
        format!("{}.{DOMAIN}", self.name())
    }

    /// The role of an instance name: `engine-0` → engine, `validator-2` →
    /// validator, `wallet-1` → wallet, `gateway`, `cli`.
    pub fn of_instance(instance: &str) -> Option<Peer> {
        let base = match instance.rsplit_once('-') {
            Some((b, n)) if n.chars().all(|c| c.is_ascii_digit()) && !n.is_empty() => b,
            _ => instance,
        };
        Peer::ALL.into_iter().find(|p| p.name() == base)
    }

    /// The roles whose certificates may call a service of this role.
    pub fn allowed_callers(self) -> &'static [Peer] {
        match self {
            Peer::Engine => &[Peer::Gateway, Peer::Cli],
            Peer::Wallet => &[Peer::Gateway, Peer::Engine, Peer::Cli],
            Peer::Validator => &[
                Peer::Gateway,
                Peer::Engine,
                Peer::Wallet,
                Peer::Validator,
                Peer::Cli,
            ],
            // The gateway's client-facing port takes no client certificates.
            Peer::Gateway | Peer::Cli => &[],
        }
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Who called, as the handshake proved it: put into each request's
/// extensions by a mutual-TLS listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIdentity {
    /// The first allowed role the certificate is valid for.
    pub role: Peer,
    /// The certificate's common name (the instance, e.g. `engine-0`).
    pub instance: String,
}

/// `<state>/tls`.
pub fn tls_root(state_dir: &Path) -> PathBuf {
    state_dir.join("tls")
}

/// `<state>/tls/<instance>`: what a service reads unless `tls.dir` is set.
pub fn instance_dir(state_dir: &Path, instance: &str) -> PathBuf {
    tls_root(state_dir).join(instance)
}

/// The three files of one identity directory.
#[derive(Debug, Clone)]
pub struct Files {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub ca: PathBuf,
}

impl Files {
    pub fn in_dir(dir: &Path) -> Files {
        Files {
            cert: dir.join("tls.crt"),
            key: dir.join("tls.key"),
            ca: dir.join("ca.crt"),
        }
    }
}

/// The process-wide crypto provider (ring; TLS 1.3 only is chosen per config).
pub fn provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    std::sync::Arc::new(rustls::crypto::ring::default_provider())
}

#[cfg(test)]
mod tests;
