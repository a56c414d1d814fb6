//! How the engine moves table money: `POST /transfers` on the wallet, as
//! the `engine` role (which may move chips only between a table's escrow
//! and players or the house). Transfer ids come from [`super::settle`], so
//! any call may be repeated.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;

use crate::services::wallet::http::ReservationList;
use crate::services::wallet::ledger::{Transfer, TransferRequest};
use crate::upstream::UpstreamSet;

/// Why the wallet did not take a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalletCallError {
    /// The wallet answered and refused (4xx): nothing was applied.
    Refused {
        status: u16,
        /// The problem's `type` (e.g. `/problems/wallet/insufficient-funds`).
        kind: String,
        detail: String,
    },
    /// No answer, or a 5xx: the outcome is unknown (a retry with the same
    /// ids settles it).
    Unavailable(String),
}

impl std::fmt::Display for WalletCallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WalletCallError::Refused { status, detail, .. } => {
                write!(f, "the wallet refused ({status}): {detail}")
            }
            WalletCallError::Unavailable(m) => write!(f, "the wallet is unavailable: {m}"),
        }
    }
}

/// A 4xx answer as [`WalletCallError::Refused`], with its problem's type
/// and detail.
async fn refused(resp: reqwest::Response) -> WalletCallError {
    let status = resp.status().as_u16();
    let v: Value = resp.json().await.unwrap_or(Value::Null);
    WalletCallError::Refused {
        status,
        kind: v["type"].as_str().unwrap_or_default().to_string(),
        detail: v["detail"].as_str().unwrap_or_default().to_string(),
    }
}

#[derive(Clone)]
pub struct WalletClient {
    wallets: UpstreamSet,
    http: reqwest::Client,
    /// The engine's own tokens (role `engine`, its own key).
    token: Arc<crate::auth::ServiceToken>,
    next: Arc<AtomicUsize>,
}

impl WalletClient {
    pub fn new(
        wallets: UpstreamSet,
        token: Arc<crate::auth::ServiceToken>,
    ) -> anyhow::Result<WalletClient> {
        Ok(WalletClient {
            wallets,
            http: crate::tls::transport()
                .reqwest(
                    crate::tls::Expect::Role(crate::tls::Peer::Wallet),
                    reqwest::Client::builder().timeout(Duration::from_secs(10)),
                )
                .build()?,
            token,
            next: Arc::default(),
        })
    }

    /// Sends one request to the healthy wallet instances (all of them
    /// while none is known healthy), starting at the next in turn, until
    /// one answers: its 2xx answer, or its 4xx as a refusal; no answer or
    /// a 5xx from every one is `Unavailable`.
    async fn call(
        &self,
        request: impl Fn(&str) -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, WalletCallError> {
        let addrs = self.wallets.healthy_or_all();
        if addrs.is_empty() {
            return Err(WalletCallError::Unavailable(
                "no wallet instance is configured".into(),
            ));
        }
        let token = self
            .token
            .token()
            .map_err(|e| WalletCallError::Unavailable(format!("cannot mint a token: {e}")))?;
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let mut last = String::new();
        for k in 0..addrs.len() {
            let addr = &addrs[(start + k) % addrs.len()];
            let r = request(&crate::tls::transport().base(addr))
                .bearer_auth(&token)
                .send()
                .await;
            match r {
                Ok(resp) if resp.status().is_success() => return Ok(resp),
                Ok(resp) if resp.status().is_client_error() => return Err(refused(resp).await),
                Ok(resp) => last = format!("{addr} answered {}", resp.status()),
                Err(e) => last = format!("{addr}: {e}"),
            }
        }
        Err(WalletCallError::Unavailable(last))
    }

    /// Submits `batch` as one linked submission (all or none), to the
    /// first wallet instance that answers.
    pub async fn submit(&self, batch: Vec<TransferRequest>) -> Result<(), WalletCallError> {
        if batch.is_empty() {
            return Ok(());
        }
        let body = serde_json::to_value(&batch)
            .map_err(|e| WalletCallError::Unavailable(format!("cannot encode: {e}")))?;
        self.call(|base| self.http.post(format!("{base}/transfers")).json(&body))
            .await
            .map(|_| ())
    }

    /// One page of the open reservations whose ids start with `id_prefix`
    /// (`GET /reservations`), after `after`; the id to continue after, if
    /// there are more.
    pub async fn open_reservations(
        &self,
        id_prefix: &str,
        after: Option<&str>,
    ) -> Result<(Vec<Transfer>, Option<String>), WalletCallError> {
        let mut query = vec![("id_prefix", id_prefix), ("limit", "500")];
        if let Some(a) = after {
            query.push(("after", a));
        }
        let resp = self
            .call(|base| self.http.get(format!("{base}/reservations")).query(&query))
            .await?;
        let page: ReservationList = resp
            .json()
            .await
            .map_err(|e| WalletCallError::Unavailable(format!("a bad answer: {e}")))?;
        Ok((page.transfers, page.next_after))
    }

    /// Sends settlement steps one by one, in order, stopping at the first
    /// failure (a retry may find some already applied: replays). A step the
    /// wallet refuses with 409 (its reservation was voided or expired) is
    /// replaced by its fallback.
    pub async fn settle(&self, steps: Vec<super::settle::Step>) -> Result<(), WalletCallError> {
        for s in steps {
            match self.submit(vec![s.transfer]).await {
                Ok(()) => {}
                Err(WalletCallError::Refused { status: 409, .. }) if s.fallback.is_some() => {
                    if let Some(f) = s.fallback {
                        self.submit(vec![f]).await?;
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}
