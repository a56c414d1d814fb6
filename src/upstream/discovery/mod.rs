//! Service discovery behind one trait: where the instances of an upstream
//! service are now. `static` (the configuration's addresses), `consul`
//! (blocking queries on the agent's health endpoint; services register
//! themselves) and `kubernetes` (EndpointSlices from the API server, listed
//! then watched). A driver applies each new list to an [`UpstreamSet`]:
//! instances that stay keep their health, breakers and in-flight requests.

pub mod consul;
pub mod kubernetes;
pub mod r#static;

use std::future::Future;
use std::time::Duration;

use super::{Instance, UpstreamSet};
use crate::config::Config;

#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error("{0}")]
    Http(String),
    #[error("unexpected answer: {0}")]
    Decode(String),
    #[error("{0}")]
    Setup(String),
}

/// A source of instance lists for one service.
pub trait Discovery: Send + 'static {
    /// The next instance list. The first call answers at once; later calls
    /// wait until the list may have changed (a blocking query or a watch
    /// event), so the same list may come back; the driver compares.
    fn next(&mut self) -> impl Future<Output = Result<Vec<Instance>, DiscoveryError>> + Send;

    /// What is watched, for logs (`consul bitcraps-game-engine`).
    fn describe(&self) -> String;
}

/// Which upstream service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    GameEngine,
    Consensus,
    Wallet,
}

impl Service {
    /// The service's name in Consul or Kubernetes.
    pub fn name(self, cfg: &Config) -> &str {
        match self {
            Service::GameEngine => &cfg.service_discovery.game_engine_service,
            Service::Consensus => &cfg.service_discovery.consensus_service,
            Service::Wallet => &cfg.service_discovery.wallet_service,
        }
    }

    /// The statically configured instances.
    pub fn static_instances(self, cfg: &Config) -> Vec<Instance> {
        Instance::numbered(&match self {
            Service::GameEngine => cfg.engine_addrs(),
            Service::Consensus => cfg.validator_addrs(),
            Service::Wallet => cfg.wallet_addrs(),
        })
    }
}

/// A running discovery of one service.
pub struct Watcher {
    task: tokio::task::JoinHandle<()>,
    static_list: Option<tokio::sync::watch::Sender<Vec<Instance>>>,
}

impl Watcher {
    /// Hands a reloaded configuration's static instances to static
    /// discovery; false when the service is discovered otherwise.
    pub fn set_static(&self, instances: Vec<Instance>) -> bool {
        match &self.static_list {
            Some(tx) => {
                tx.send_replace(instances);
                true
            }
            None => false,
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts keeping `set` current with the configured discovery method;
/// `on_change` runs after each change.
pub fn watch(
    cfg: &Config,
    service: Service,
    set: UpstreamSet,
    on_change: impl Fn(&UpstreamSet) + Send + 'static,
) -> Result<Watcher, DiscoveryError> {
    let name = service.name(cfg).to_string();
    Ok(match cfg.service_discovery.method.as_str() {
        "consul" => Watcher {
            task: spawn(
                consul::Consul::new(&cfg.service_discovery.consul_address, &name)?,
                set,
                on_change,
            ),
            static_list: None,
        },
        "kubernetes" => Watcher {
            task: spawn(
                kubernetes::Kubernetes::new(&cfg.service_discovery, &name)?,
                set,
                on_change,
            ),
            static_list: None,
        },
        _ => {
            let (source, tx) = r#static::Static::new(service.static_instances(cfg));
            Watcher {
                task: spawn(source, set, on_change),
                static_list: Some(tx),
            }
        }
    })
}

/// Runs `d` for ever, applying each new list to `set`. Errors are logged
/// and retried with backoff (0.5 s doubling to 30 s) while the last good
/// list stays in use.
pub fn spawn<D: Discovery>(
    mut d: D,
    set: UpstreamSet,
    on_change: impl Fn(&UpstreamSet) + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut backoff = Duration::from_millis(500);
        let mut failing = false;
        loop {
            let started = tokio::time::Instant::now();
            match d.next().await {
                Ok(mut list) => {
                    if failing {
                        tracing::info!(source = %d.describe(), "service discovery recovered");
                        failing = false;
                    }
                    backoff = Duration::from_millis(500);
                    list.sort();
                    list.dedup();
                    if set.replace(&list) {
                        tracing::info!(upstream = %set.service, source = %d.describe(),
                            instances = ?list.iter().map(|i| i.addr.to_string()).collect::<Vec<_>>(),
                            "discovered instances changed");
                        on_change(&set);
                    }
                    // A source that answers at once every time (a Consul
                    // index that does not advance) must not spin.
                    tokio::time::sleep_until(started + Duration::from_millis(100)).await;
                }
                Err(e) => {
                    tracing::warn!(source = %d.describe(), error = %e, retry_in = ?backoff,
                        "service discovery failed; keeping the last known instances");
                    failing = true;
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
        }
    })
}

/// Resolves `host` (a name or an IP) with `port` to addresses.
pub(crate) async fn resolve(
    host: &str,
    port: u16,
) -> Result<Vec<std::net::SocketAddr>, DiscoveryError> {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Ok(vec![std::net::SocketAddr::new(ip, port)]);
    }
    tokio::net::lookup_host((host, port))
        .await
        .map(|a| a.take(1).collect())
        .map_err(|e| DiscoveryError::Http(format!("cannot resolve {host}: {e}")))
}

/// The trailing number of a name (`engine-2` → 2): the StatefulSet ordinal.
pub fn trailing_ordinal(name: &str) -> Option<u16> {
    let digits: String = name
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if digits.is_empty() || digits.len() == name.len() {
        return None;
    }
    name[..name.len() - digits.len()]
        .ends_with('-')
        .then(|| digits.parse().ok())
        .flatten()
}

pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_come_from_statefulset_style_names() {
        assert_eq!(trailing_ordinal("bitcraps-engine-2"), Some(2));
        assert_eq!(trailing_ordinal("engine-10"), Some(10));
        assert_eq!(trailing_ordinal("engine"), None);
        assert_eq!(trailing_ordinal("engine2"), None);
        assert_eq!(trailing_ordinal("42"), None);
        assert_eq!(trailing_ordinal("engine-99999999"), None);
    }
}
