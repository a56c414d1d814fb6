//! Consul: services register themselves with the local agent (with an HTTP
//! check on `/health`) and deregister on shutdown; the gateway follows
//! `GET /v1/health/service/<name>?passing` with blocking queries (`index`
//! from the last `X-Consul-Index`, `wait`), so a change arrives as soon as
//! Consul sees it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use super::{Discovery, DiscoveryError, error_chain, resolve};
use crate::upstream::Instance;

/// How long one blocking query may wait on the agent.
const WAIT: Duration = Duration::from_secs(30);

pub struct Consul {
    client: reqwest::Client,
    base: String,
    service: String,
    index: u64,
}

/// One entry of `/v1/health/service/<name>` (fields we read).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HealthEntry {
    node: Node,
    service: AgentService,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Node {
    #[serde(default)]
    address: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AgentService {
    #[serde(default)]
    address: String,
    port: u16,
    #[serde(default)]
    meta: Option<HashMap<String, String>>,
}

impl Consul {
    pub fn new(agent: &str, service: &str) -> Result<Consul, DiscoveryError> {
        Ok(Consul {
            client: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(2))
                .build()
                .map_err(|e| DiscoveryError::Setup(e.to_string()))?,
            base: format!("http://{agent}"),
            service: service.to_string(),
            index: 0,
        })
    }
}

impl Discovery for Consul {
    async fn next(&mut self) -> Result<Vec<Instance>, DiscoveryError> {
        let mut url = format!(
            "{}/v1/health/service/{}?passing=true",
            self.base, self.service
        );
        if self.index > 0 {
            url.push_str(&format!("&index={}&wait={}s", self.index, WAIT.as_secs()));
        }
        let resp = self
            .client
            .get(&url)
            // Consul adds up to wait/16 of jitter to a blocking query.
            .timeout(WAIT + WAIT / 16 + Duration::from_secs(5))
            .send()
            .await
            .map_err(|e| DiscoveryError::Http(format!("{url}: {}", error_chain(&e))))?;
        if !resp.status().is_success() {
            return Err(DiscoveryError::Http(format!(
                "{url} answered {}",
                resp.status()
            )));
        }
        let index = resp
            .headers()
            .get("x-consul-index")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        // Consul's rule: an index that goes backwards (a snapshot restore)
        // resets the query.
        self.index = if index < self.index { 0 } else { index };
        let entries: Vec<HealthEntry> = resp
            .json()
            .await
            .map_err(|e| DiscoveryError::Decode(format!("{url}: {}", error_chain(&e))))?;
        let mut out = Vec::new();
        for e in entries {
            let host = if e.service.address.is_empty() {
                e.node.address
            } else {
                e.service.address
            };
            let ordinal = e
                .service
                .meta
                .as_ref()
                .and_then(|m| m.get("index"))
                .and_then(|v| v.parse().ok());
            for addr in resolve(&host, e.service.port).await? {
                out.push(Instance { addr, ordinal });
            }
        }
        Ok(out)
    }

    fn describe(&self) -> String {
        format!("consul {} at {}", self.service, self.base)
    }
}

/// A service registered with the Consul agent.
pub struct Registration {
    client: reqwest::Client,
    base: String,
    pub id: String,
}

impl Registration {
    /// Registers `name` at `host:addr.port()` with an HTTP check of its
    /// `/health`; `ordinal` goes into the service's `index` meta.
    pub async fn register(
        agent: &str,
        name: &str,
        host: &str,
        addr: SocketAddr,
        ordinal: Option<u16>,
    ) -> Result<Registration, DiscoveryError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| DiscoveryError::Setup(e.to_string()))?;
        let base = format!("http://{agent}");
        let id = format!("{name}-{host}-{}", addr.port());
        let mut meta = serde_json::Map::new();
        if let Some(n) = ordinal {
            meta.insert("index".into(), json!(n.to_string()));
        }
        // Under mutual TLS the agent holds no client certificate: it checks
        // that the port accepts connections instead of asking /health.
        let target = host_port(host, addr.port());
        let mut check = json!({
            "Interval": "5s",
            "Timeout": "2s",
            "DeregisterCriticalServiceAfter": "1m",
        });
        if crate::tls::transport().is_tls() {
            check["TCP"] = json!(target);
        } else {
            check["HTTP"] = json!(format!("http://{target}/health"));
        }
        let body = json!({
            "ID": id,
            "Name": name,
            "Address": host,
            "Port": addr.port(),
            "Meta": meta,
            "Check": check,
        });
        let url = format!("{base}/v1/agent/service/register");
        let resp = client
            .put(&url)
            .json(&body)
            .send()
            .await
            .map_err(|e| DiscoveryError::Http(format!("{url}: {}", error_chain(&e))))?;
        if !resp.status().is_success() {
            let status = resp.status();
            let text = resp.text().await.unwrap_or_default();
            return Err(DiscoveryError::Http(format!(
                "{url} answered {status}: {text}"
            )));
        }
        Ok(Registration { client, base, id })
    }

    /// Removes the registration.
    pub async fn deregister(&self) -> Result<(), DiscoveryError> {
        let url = format!("{}/v1/agent/service/deregister/{}", self.base, self.id);
        let resp = self
            .client
            .put(&url)
            .send()
            .await
            .map_err(|e| DiscoveryError::Http(format!("{url}: {}", error_chain(&e))))?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(DiscoveryError::Http(format!(
                "{url} answered {}",
                resp.status()
            )))
        }
    }
}

fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The host a service advertises: the configured one, else its listen IP,
/// else (listening on every interface) this machine's host name.
pub fn advertise_host(configured: &str, listen: SocketAddr) -> String {
    if !configured.is_empty() {
        return configured.to_string();
    }
    if !listen.ip().is_unspecified() {
        return listen.ip().to_string();
    }
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "127.0.0.1".to_string())
}

/// Registers with retries in the background (the agent may start after
/// the service), runs `service`, then deregisters.
pub async fn registered<F>(
    agent: &str,
    name: &str,
    host: String,
    addr: SocketAddr,
    ordinal: Option<u16>,
    service: F,
) -> F::Output
where
    F: std::future::Future,
{
    let (agent_s, name_s) = (agent.to_string(), name.to_string());
    let task = tokio::spawn(async move {
        let mut backoff = Duration::from_millis(500);
        loop {
            match Registration::register(&agent_s, &name_s, &host, addr, ordinal).await {
                Ok(r) => {
                    tracing::info!(id = %r.id, agent = %agent_s, "registered with consul");
                    return r;
                }
                Err(e) => {
                    tracing::warn!(error = %e, retry_in = ?backoff, "cannot register with consul");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
        }
    });
    let out = service.await;
    if task.is_finished() {
        if let Ok(reg) = task.await {
            match reg.deregister().await {
                Ok(()) => tracing::info!(id = %reg.id, "deregistered from consul"),
                Err(e) => tracing::warn!(error = %e, "cannot deregister from consul"),
            }
        }
    } else {
        task.abort();
    }
    out
}
