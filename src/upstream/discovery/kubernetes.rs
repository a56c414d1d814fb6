//! Kubernetes: the EndpointSlices of a Service from the API server
//! (`GET /apis/discovery.k8s.io/v1/namespaces/<ns>/endpointslices?labelSelector=kubernetes.io/service-name=<svc>`),
//! listed once, then watched from the list's `resourceVersion`; a watch
//! that ends is resumed from the last version seen, one that has expired
//! (410 Gone) starts over with a fresh list. Ready endpoints become
//! instances; the trailing number of the pod name (a StatefulSet ordinal)
//! is the instance's index. Authenticates with the pod's service account
//! (token re-read on each request, as it rotates; the API's CA).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::{Discovery, DiscoveryError, error_chain, resolve, trailing_ordinal};
use crate::config::DiscoveryConfig;
use crate::upstream::Instance;

/// Server-side timeout of one watch request.
const WATCH_SECONDS: u64 = 240;

pub struct Kubernetes {
    client: reqwest::Client,
    api: String,
    token_file: PathBuf,
    namespace: String,
    service: String,
    slices: BTreeMap<String, Vec<Instance>>,
    resource_version: Option<String>,
    watch: Option<reqwest::Response>,
    buf: Vec<u8>,
}

#[derive(Debug, Deserialize)]
struct SliceList {
    metadata: ListMeta,
    #[serde(default)]
    items: Vec<EndpointSlice>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListMeta {
    #[serde(default)]
    resource_version: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ObjectMeta {
    #[serde(default)]
    name: String,
    #[serde(default)]
    resource_version: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EndpointSlice {
    metadata: ObjectMeta,
    #[serde(default)]
    endpoints: Option<Vec<Endpoint>>,
    #[serde(default)]
    ports: Option<Vec<Port>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Endpoint {
    #[serde(default)]
    addresses: Vec<String>,
    #[serde(default)]
    conditions: Option<Conditions>,
    #[serde(default)]
    hostname: Option<String>,
    #[serde(default)]
    target_ref: Option<TargetRef>,
}

#[derive(Debug, Deserialize)]
struct Conditions {
    ready: Option<bool>,
}

#[derive(Debug, Deserialize)]
struct TargetRef {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Port {
    name: Option<String>,
    port: Option<u16>,
}

/// One line of a watch stream.
#[derive(Debug, Deserialize)]
struct WatchEvent {
    #[serde(rename = "type")]
    kind: String,
    object: serde_json::Value,
}

impl Kubernetes {
    pub fn new(cfg: &DiscoveryConfig, service: &str) -> Result<Kubernetes, DiscoveryError> {
        let dir = &cfg.kubernetes_service_account_dir;
        let api = if cfg.kubernetes_api.is_empty() {
            let host = std::env::var("KUBERNETES_SERVICE_HOST").map_err(|_| {
                DiscoveryError::Setup(
                    "kubernetes discovery: KUBERNETES_SERVICE_HOST is not set (not in a pod?); \
                     set service_discovery.kubernetes_api (KUBERNETES_API_URL)"
                        .into(),
                )
            })?;
            let port = std::env::var("KUBERNETES_SERVICE_PORT").unwrap_or_else(|_| "443".into());
            if host.contains(':') {
                format!("https://[{host}]:{port}")
            } else {
                format!("https://{host}:{port}")
            }
        } else {
            cfg.kubernetes_api.trim_end_matches('/').to_string()
        };
        let namespace = if cfg.kubernetes_namespace.is_empty() {
            let f = dir.join("namespace");
            std::fs::read_to_string(&f)
                .map(|s| s.trim().to_string())
                .map_err(|e| {
                    DiscoveryError::Setup(format!(
                        "kubernetes discovery: cannot read {}: {e}; set service_discovery.kubernetes_namespace",
                        f.display()
                    ))
                })?
        } else {
            cfg.kubernetes_namespace.clone()
        };
        let mut builder = reqwest::Client::builder().connect_timeout(Duration::from_secs(5));
        let ca = dir.join("ca.crt");
        if api.starts_with("https://") {
            let pem = std::fs::read(&ca).map_err(|e| {
                DiscoveryError::Setup(format!(
                    "kubernetes discovery: cannot read the API's CA {}: {e}",
                    ca.display()
                ))
            })?;
            // A bundle: during a CA rotation the file holds old and new.
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                DiscoveryError::Setup(format!("{}: not a PEM certificate: {e}", ca.display()))
            })?;
            if certs.is_empty() {
                return Err(DiscoveryError::Setup(format!(
                    "kubernetes discovery: {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                    ca.display()
                )));
            }
            builder = builder.tls_built_in_root_certs(false);
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        Ok(Kubernetes {
            client: builder.build().map_err(|e| {
                DiscoveryError::Setup(format!(
                    "kubernetes discovery: cannot build the API client (CA {}): {}",
                    ca.display(),
                    error_chain(&e)
                ))
            })?,
            api,
            token_file: dir.join("token"),
            namespace,
            service: service.to_string(),
            slices: BTreeMap::new(),
            resource_version: None,
            watch: None,
            buf: Vec::new(),
        })
    }

    fn url(&self) -> String {
        format!(
            "{}/apis/discovery.k8s.io/v1/namespaces/{}/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3D{}",
            self.api, self.namespace, self.service
        )
    }

    async fn get(&self, url: &str, timeout: Duration) -> Result<reqwest::Response, DiscoveryError> {
        let mut req = self.client.get(url).timeout(timeout);
        if let Ok(token) = std::fs::read_to_string(&self.token_file) {
            req = req.bearer_auth(token.trim());
        }
        let resp = req
            .send()
            .await
            .map_err(|e| DiscoveryError::Http(format!("{url}: {}", error_chain(&e))))?;
        if !resp.status().is_success() {
            let status = resp.status();
            let body = resp.text().await.unwrap_or_default();
            return Err(DiscoveryError::Http(format!(
                "{url} answered {status}: {}",
                body.chars().take(300).collect::<String>()
            )));
        }
        Ok(resp)
    }

    async fn list(&mut self) -> Result<(), DiscoveryError> {
        let url = self.url();
        let list: SliceList = self
            .get(&url, Duration::from_secs(30))
            .await?
            .json()
            .await
            .map_err(|e| DiscoveryError::Decode(format!("{url}: {}", error_chain(&e))))?;
        self.slices.clear();
        for s in list.items {
            let instances = instances_of(&s).await?;
            self.slices.insert(s.metadata.name, instances);
        }
        self.resource_version = list.metadata.resource_version;
        Ok(())
    }

    fn current(&self) -> Vec<Instance> {
        self.slices.values().flatten().copied().collect()
    }

    /// Applies one watch line; true when the instance list may have changed.
    async fn apply(&mut self, line: &[u8]) -> Result<bool, DiscoveryError> {
        let ev: WatchEvent = serde_json::from_slice(line)
            .map_err(|e| DiscoveryError::Decode(format!("watch event: {e}")))?;
        match ev.kind.as_str() {
            "ADDED" | "MODIFIED" | "DELETED" => {
                let s: EndpointSlice = serde_json::from_value(ev.object)
                    .map_err(|e| DiscoveryError::Decode(format!("EndpointSlice: {e}")))?;
                if s.metadata.resource_version.is_some() {
                    self.resource_version = s.metadata.resource_version.clone();
                }
                if ev.kind == "DELETED" {
                    self.slices.remove(&s.metadata.name);
                } else {
                    let instances = instances_of(&s).await?;
                    self.slices.insert(s.metadata.name, instances);
                }
                Ok(true)
            }
            "BOOKMARK" => {
                if let Some(rv) = ev.object["metadata"]["resourceVersion"].as_str() {
                    self.resource_version = Some(rv.to_string());
                }
                Ok(false)
            }
            _ => {
                // ERROR (e.g. 410 Gone: the version is too old): list afresh.
                tracing::info!(event = %ev.object, "kubernetes watch ended with an error; listing again");
                self.resource_version = None;
                self.watch = None;
                Ok(false)
            }
        }
    }
}

impl Discovery for Kubernetes {
    async fn next(&mut self) -> Result<Vec<Instance>, DiscoveryError> {
        loop {
            if self.resource_version.is_none() {
                self.watch = None;
                self.buf.clear();
                self.list().await?;
                return Ok(self.current());
            }
            let mut watch = match self.watch.take() {
                Some(w) => w,
                None => {
                    let url = format!(
                        "{}&watch=true&allowWatchBookmarks=true&timeoutSeconds={WATCH_SECONDS}&resourceVersion={}",
                        self.url(),
                        self.resource_version.as_deref().unwrap_or("")
                    );
                    self.buf.clear();
                    self.get(&url, Duration::from_secs(WATCH_SECONDS + 30))
                        .await?
                }
            };
            let chunk = watch.chunk().await.map_err(|e| {
                DiscoveryError::Http(format!("kubernetes watch: {}", error_chain(&e)))
            })?;
            let Some(chunk) = chunk else {
                // The server closed the watch: resume from the last version.
                continue;
            };
            self.watch = Some(watch);
            self.buf.extend_from_slice(&chunk);
            let mut changed = false;
            while let Some(end) = self.buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=end).collect();
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                changed |= self.apply(&line).await?;
                if self.watch.is_none() {
                    break;
                }
            }
            if changed {
                return Ok(self.current());
            }
        }
    }

    fn describe(&self) -> String {
        format!(
            "kubernetes endpointslices of {}/{} at {}",
            self.namespace, self.service, self.api
        )
    }
}

/// The ready endpoints of a slice on its `http` port (else its first port).
async fn instances_of(s: &EndpointSlice) -> Result<Vec<Instance>, DiscoveryError> {
    let ports = s.ports.as_deref().unwrap_or_default();
    let Some(port) = ports
        .iter()
        .find(|p| p.name.as_deref() == Some("http"))
        .or_else(|| ports.first())
        .and_then(|p| p.port)
    else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for e in s.endpoints.as_deref().unwrap_or_default() {
        // A missing `ready` means ready (the API's documented meaning).
        if e.conditions.as_ref().and_then(|c| c.ready) == Some(false) {
            continue;
        }
        let ordinal = e
            .target_ref
            .as_ref()
            .and_then(|t| t.name.as_deref())
            .or(e.hostname.as_deref())
            .and_then(trailing_ordinal);
        if let Some(a) = e.addresses.first() {
            for addr in resolve(a, port).await? {
                out.push(Instance { addr, ordinal });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn ready_endpoints_on_the_http_port_with_pod_ordinals() {
        let s: EndpointSlice = serde_json::from_value(json!({
            "metadata": {"name": "eng-abc", "resourceVersion": "7"},
            "addressType": "IPv4",
            "endpoints": [
                {"addresses": ["10.0.0.5"], "conditions": {"ready": true}, "targetRef": {"kind": "Pod", "name": "engine-1"}},
                {"addresses": ["10.0.0.6"], "conditions": {"ready": false}, "targetRef": {"kind": "Pod", "name": "engine-2"}},
                {"addresses": ["10.0.0.7"], "hostname": "engine-0"}
            ],
            "ports": [{"name": "metrics", "port": 9000}, {"name": "http", "port": 8081, "protocol": "TCP"}]
        }))
        .unwrap();
        let got = instances_of(&s).await.unwrap();
        let want: Vec<Instance> = [("10.0.0.5:8081", 1), ("10.0.0.7:8081", 0)]
            .iter()
            .map(|(a, o)| Instance {
                addr: a.parse().unwrap(),
                ordinal: Some(*o),
            })
            .collect();
        assert_eq!(got, want);
    }
}
