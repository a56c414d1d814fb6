//! What `up` starts, in which order, on which addresses (pure).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use serde::{Deserialize, Serialize};

use crate::config::Config;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceKind {
    Consensus,
    Engine,
    Gateway,
}

impl ServiceKind {
    /// The word `bitcraps serve` takes.
    pub fn serve_arg(self) -> &'static str {
        match self {
            ServiceKind::Consensus => "consensus",
            ServiceKind::Engine => "engine",
            ServiceKind::Gateway => "gateway",
        }
    }

    /// Start order: validators, then engines, then the gateway.
    pub fn stage(self) -> u8 {
        match self {
            ServiceKind::Consensus => 0,
            ServiceKind::Engine => 1,
            ServiceKind::Gateway => 2,
        }
    }
}

/// One process the supervisor runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceSpec {
    /// `validator-0`, `engine-0`, `gateway`.
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
/// (`validator`, `validators`, `engine`, `engines`, `gateway`) for all of it.
pub fn select<'a>(specs: &'a [ServiceSpec], arg: &str) -> Vec<&'a ServiceSpec> {
    let exact: Vec<_> = specs.iter().filter(|s| s.name == arg).collect();
    if !exact.is_empty() {
        return exact;
    }
    let kind = match arg {
        "validator" | "validators" | "consensus" => Some(ServiceKind::Consensus),
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
    fn default_plan_is_four_validators_one_engine_and_a_loopback_gateway() {
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
                "engine-0",
                "gateway"
            ]
        );
        assert_eq!(p[3].addr.to_string(), "127.0.0.1:8085");
        assert_eq!(p[5].addr.to_string(), "127.0.0.1:8080");
        assert!(p.windows(2).all(|w| w[0].kind.stage() <= w[1].kind.stage()));
    }

    #[test]
    fn select_takes_names_and_kinds() {
        let cfg = Config::defaults().unwrap();
        let p = plan(&cfg);
        assert_eq!(select(&p, "validator-2").len(), 1);
        assert_eq!(select(&p, "validators").len(), 4);
        assert_eq!(select(&p, "engine").len(), 1);
        assert!(select(&p, "nginx").is_empty());
    }
}
