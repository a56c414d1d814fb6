//! What `up` starts, in which order, on which addresses (pure).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use serde::{Deserialize, Serialize};

use crate::config::Config;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceKind {
    Consensus,
    Wallet,
    Engine,
    Gateway,
}

impl ServiceKind {
    /// The word `bitcraps serve` takes.
    pub fn serve_arg(self) -> &'static str {
        match self {
            ServiceKind::Consensus => "consensus",
            ServiceKind::Wallet => "wallet",
            ServiceKind::Engine => "engine",
            ServiceKind::Gateway => "gateway",
        }
    }

    /// Start order: validators, then the wallet (the engines move chips
    /// through it), then engines, then the gateway. Stops run in reverse.
    pub fn stage(self) -> u8 {
        match self {
            ServiceKind::Consensus => 0,
            ServiceKind::Wallet => 1,
            ServiceKind::Engine => 2,
            ServiceKind::Gateway => 3,
        }
    }

    /// The stages of `specs`, in start order.
    pub fn stages(specs: &[ServiceSpec]) -> Vec<u8> {
        let mut v: Vec<u8> = specs.iter().map(|s| s.kind.stage()).collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// One process the supervisor runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceSpec {
    /// `validator-0`, `wallet`, `engine-0`, `gateway`.
    pub name: String,
    pub kind: ServiceKind,
    pub index: u16,
    pub addr: SocketAddr,
}

/// Every service `up` runs, in start order. The gateway binds loopback
/// unless its address was set explicitly (a laptop's `up` is not public).
pub fn plan(cfg: &Config) -> Vec<ServiceSpec> {
    let mut out = Vec::new();
    for (i, addr) in cfg.validator_addrs().into_iter().enumerate() {
        out.push(ServiceSpec {
            name: format!("validator-{i}"),
            kind: ServiceKind::Consensus,
            index: i as u16,
            addr,
        });
    }
    let wallets = cfg.wallet_addrs();
    for (i, addr) in wallets.iter().enumerate() {
        out.push(ServiceSpec {
            name: crate::config::wallet_name(i as u16, wallets.len()),
            kind: ServiceKind::Wallet,
            index: i as u16,
            addr: *addr,
        });
    }
    for (i, addr) in cfg.engine_addrs().into_iter().enumerate() {
        out.push(ServiceSpec {
            name: format!("engine-{i}"),
            kind: ServiceKind::Engine,
            index: i as u16,
            addr,
        });
    }
    let mut gw = cfg.gateway.listen_addr;
    if !cfg.gateway.listen_addr_explicit {
        gw.set_ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    out.push(ServiceSpec {
        name: "gateway".to_string(),
        kind: ServiceKind::Gateway,
        index: 0,
        addr: gw,
    });
    out
}

/// Resolves a user's service argument: an exact name, or a kind
/// (`validator`, `validators`, `wallet`, `wallets`, `engine`, `engines`,
/// `gateway`) for all of it.
pub fn select<'a>(specs: &'a [ServiceSpec], arg: &str) -> Vec<&'a ServiceSpec> {
    let exact: Vec<_> = specs.iter().filter(|s| s.name == arg).collect();
    if !exact.is_empty() {
        return exact;
    }
    let kind = match arg {
        "validator" | "validators" | "consensus" => Some(ServiceKind::Consensus),
        "wallet" | "wallets" => Some(ServiceKind::Wallet),
        "engine" | "engines" | "game-engine" => Some(ServiceKind::Engine),
        "gateway" | "api-gateway" => Some(ServiceKind::Gateway),
        _ => None,
    };
    specs.iter().filter(|s| Some(s.kind) == kind).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_plan_is_four_validators_a_wallet_one_engine_and_a_loopback_gateway() {
        let cfg = Config::defaults().unwrap();
        let p = plan(&cfg);
        let names: Vec<_> = p.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "validator-0",
                "validator-1",
                "validator-2",
                "validator-3",
                "wallet",
                "engine-0",
                "gateway"
            ]
        );
        assert_eq!(p[3].addr.to_string(), "127.0.0.1:8085");
        assert_eq!(p[4].addr.to_string(), "127.0.0.1:8090");
        assert_eq!(p[6].addr.to_string(), "127.0.0.1:8080");
        assert!(p.windows(2).all(|w| w[0].kind.stage() <= w[1].kind.stage()));
        assert_eq!(ServiceKind::stages(&p), [0, 1, 2, 3]);
    }

    #[test]
    fn select_takes_names_and_kinds() {
        let cfg = Config::defaults().unwrap();
        let p = plan(&cfg);
        assert_eq!(select(&p, "validator-2").len(), 1);
        assert_eq!(select(&p, "validators").len(), 4);
        assert_eq!(select(&p, "engine").len(), 1);
        assert_eq!(select(&p, "wallet").len(), 1);
        assert_eq!(select(&p, "wallets")[0].name, "wallet");
        assert!(select(&p, "nginx").is_empty());
    }
}
