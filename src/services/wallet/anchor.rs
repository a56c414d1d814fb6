//! Anchoring the ledger in the validators' log: every second in which the
//! log grew, the wallet proposes its head — `{"seq", "head_hash",
//! "timestamp_ms", "issued", "house"}` as a `wallet.anchor` proposal (a
//! kind only the wallet role may propose) — and waits for the commit. Once
//! a quorum has ordered an anchor, rewriting any transfer at or before its
//! `seq` changes that transfer's chain hash and every later one, so the
//! exported log no longer matches the anchor: `bitcraps wallet audit` checks
//! every anchor in the chain against the log.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::ledger::{HOUSE, ISSUANCE};
use super::store::{AnyStore, Store};
use crate::upstream::UpstreamSet;

pub const KIND: &str = "wallet.anchor";
/// How often the head is checked for growth.
pub const INTERVAL: Duration = Duration::from_secs(1);

/// The last anchor a quorum committed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AnchorStatus {
    /// The transfer count (head seq) anchored.
    pub seq: u64,
    pub head_hash: String,
    /// Block height and hash that hold it.
    pub height: u64,
    pub block_hash: String,
    pub proposal_id: String,
    /// When it committed, ms since the epoch.
    pub at_ms: u64,
}

#[derive(Clone, Default)]
pub struct Anchors {
    last: Arc<std::sync::RwLock<Option<AnchorStatus>>>,
}

impl Anchors {
    pub fn last(&self) -> Option<AnchorStatus> {
        self.last.read().ok().and_then(|g| g.clone())
    }
}

use crate::clock::unix_ms as now_ms;

/// Starts the anchoring task; returns where its progress is read.
pub fn spawn(
    store: AnyStore,
    validators: UpstreamSet,
    token: Arc<crate::auth::ServiceToken>,
) -> anyhow::Result<Anchors> {
    let anchors = Anchors::default();
    let http = crate::tls::transport()
        .reqwest(
            crate::tls::Expect::Role(crate::tls::Peer::Validator),
            reqwest::Client::builder().timeout(Duration::from_secs(15)),
        )
        .build()?;
    let out = anchors.clone();
    tokio::spawn(async move {
        let next = AtomicUsize::new(0);
        let mut anchored_seq = 0u64;
        loop {
            tokio::time::sleep(INTERVAL).await;
            let Ok(head) = store.head().await else {
                continue;
            };
            if head.seq == 0 || head.seq <= anchored_seq {
                continue;
            }
            let balance = |a: Option<super::ledger::Account>| a.map_or(0, |a| a.balance());
            let issued = -balance(store.account(ISSUANCE.into()).await.ok().flatten());
            let house = balance(store.account(HOUSE.into()).await.ok().flatten());
            let payload = json!({
                "seq": head.seq,
                "head_hash": head.hash,
                "timestamp_ms": head.timestamp_ms,
                "issued": issued.to_string(),
                "house": house.to_string(),
            });
            match propose(&http, &validators, &token, &next, payload).await {
                Ok((proposal_id, height, block_hash)) => {
                    anchored_seq = head.seq;
                    if let Ok(mut g) = anchors.last.write() {
                        *g = Some(AnchorStatus {
                            seq: head.seq,
                            head_hash: head.hash,
                            height,
                            block_hash,
                            proposal_id,
                            at_ms: now_ms(),
                        });
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, seq = head.seq, "anchoring the ledger's head failed; retrying")
                }
            }
        }
    });
    Ok(out)
}

/// Proposes to one healthy validator (in turn) and waits for the commit.
async fn propose(
    http: &reqwest::Client,
    validators: &UpstreamSet,
    token: &crate::auth::ServiceToken,
    next: &AtomicUsize,
    payload: Value,
) -> anyhow::Result<(String, u64, String)> {
    let addrs = validators.healthy_or_all();
    anyhow::ensure!(!addrs.is_empty(), "no validator is configured");
    let addr = &addrs[next.fetch_add(1, Ordering::Relaxed) % addrs.len()];
    let body = crate::services::consensus::records::propose_body(token, KIND, &payload);
    let token = token.token()?;
    let resp = http
        .post(format!(
            "{}/propose?wait=true",
            crate::tls::transport().base(addr)
        ))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?;
    anyhow::ensure!(
        resp.status().is_success(),
        "{addr} answered {}",
        resp.status()
    );
    let v: Value = resp.json().await?;
    Ok((
        v["proposal_id"].as_str().unwrap_or_default().to_string(),
        v["height"].as_u64().unwrap_or(0),
        v["block_hash"].as_str().unwrap_or_default().to_string(),
    ))
}
