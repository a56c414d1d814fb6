//! Anchoring games in the validators' log: each game's seed commitment (at
//! creation) and its reveal (when it finishes) are proposed to consensus
//! through `upstream` (not the gateway); the committed height and block
//! hash are recorded in the game and shown in its proof, so a player can
//! check the commitment was ordered before the reveal by a quorum.
//!
//! Anchoring runs in the background and retries with backoff; a game is
//! never held up by consensus. At start the engine re-anchors games that
//! are missing an anchor.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use super::game::Anchor;
use crate::upstream::{Health, UpstreamSet};

#[derive(Clone)]
pub struct Anchorer {
    validators: UpstreamSet,
    http: reqwest::Client,
    secret: Arc<Vec<u8>>,
    /// Who the engine is to the validators (`engine-0`).
    sub: String,
    next: Arc<AtomicUsize>,
}

impl Anchorer {
    pub fn new(
        validators: UpstreamSet,
        secret: Arc<Vec<u8>>,
        sub: String,
    ) -> anyhow::Result<Anchorer> {
        Ok(Anchorer {
            validators,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .build()?,
            secret,
            sub,
            next: Arc::default(),
        })
    }

    /// Proposes `payload` as `kind` and waits for its commit, trying the
    /// healthy validators in turn, with backoff, for about two minutes.
    pub async fn anchor(&self, kind: &str, what: &str, payload: Value) -> Option<Anchor> {
        let mut delay = Duration::from_millis(200);
        for _attempt in 0..12 {
            let view = self.validators.view();
            let healthy: Vec<String> = view
                .iter()
                .filter(|i| i.health == Health::Healthy)
                .map(|i| i.addr.clone())
                .collect();
            let token = crate::auth::mint(
                &self.secret,
                &self.sub,
                crate::auth::Role::Admin,
                crate::auth::now_secs(),
                300,
            );
            if let (false, Ok(token)) = (healthy.is_empty(), token) {
                let addr = &healthy[self.next.fetch_add(1, Ordering::Relaxed) % healthy.len()];
                let r = self
                    .http
                    .post(format!("http://{addr}/propose?wait=true"))
                    .bearer_auth(&token)
                    .json(&json!({ "kind": kind, "payload": payload }))
                    .send()
                    .await;
                match r {
                    Ok(resp) if resp.status().is_success() => {
                        if let Ok(v) = resp.json::<Value>().await {
                            return Some(Anchor {
                                what: what.to_string(),
                                proposal_id: v["proposal_id"]
                                    .as_str()
                                    .unwrap_or_default()
                                    .to_string(),
                                height: v["height"].as_u64().unwrap_or(0),
                                block_hash: v["block_hash"]
                                    .as_str()
                                    .unwrap_or_default()
                                    .to_string(),
                            });
                        }
                    }
                    Ok(resp) => {
                        tracing::warn!(status = resp.status().as_u16(), %addr, "anchoring refused; retrying")
                    }
                    Err(e) => tracing::warn!(error = %e, %addr, "anchoring failed; retrying"),
                }
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(15));
        }
        tracing::error!(kind, "gave up anchoring after repeated failures");
        None
    }
}
