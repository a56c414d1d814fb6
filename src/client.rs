//! Typed HTTP client of the services' common routes, for the CLI, the TUI
//! and tests. Grows with each service's API.

use std::net::SocketAddr;
use std::time::Duration;

use crate::services::common::ReadyReport;
use crate::services::common::http::Liveness;

#[derive(Clone)]
pub struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    pub fn new(addr: SocketAddr, timeout: Duration) -> anyhow::Result<Client> {
        Ok(Client {
            base: crate::tls::transport().base(addr),
            http: crate::tls::transport()
                .reqwest(
                    crate::tls::Expect::AnyService,
                    reqwest::Client::builder().timeout(timeout),
                )
                .build()?,
        })
    }

    /// `GET /health`.
    pub async fn health(&self) -> anyhow::Result<Liveness> {
        let r = self
            .http
            .get(format!("{}/health", self.base))
            .send()
            .await?;
        Ok(r.error_for_status()?.json().await?)
    }

    /// `GET /health/ready`: the report, whether ready (200) or not (503).
    pub async fn ready(&self) -> anyhow::Result<ReadyReport> {
        let r = self
            .http
            .get(format!("{}/health/ready", self.base))
            .send()
            .await?;
        Ok(r.json().await?)
    }

    /// `GET /metrics` as text.
    pub async fn metrics(&self) -> anyhow::Result<String> {
        let r = self
            .http
            .get(format!("{}/metrics", self.base))
            .send()
            .await?;
        Ok(r.error_for_status()?.text().await?)
    }
}
