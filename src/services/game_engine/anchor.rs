//! Anchoring games in the validators' log: each game's seed commitment (at
//! creation) and its reveal (when it finishes) are ordered by consensus,
//! reached through `upstream` (not the gateway); the committed height and
//! block hash are recorded in the game and shown in its proof, so a player
//! can check that a quorum ordered the commitment before the reveal.
//!
//! Records are batched: one task collects them for up to 100 ms or 256
//! entries and proposes them as one `game.anchors` proposal
//! (`{"entries": [{"game_id", "what", "commitment", …}]}`), so a burst of
//! new games costs a few proposals, not one each. A game's first draw
//! waits for its commitment's anchor (see `http`), so a commitment is
//! retried until it commits: a batch that gives up after its backoff puts
//! its commitments back in the queue. Reveals are retried when the engine
//! starts, which re-anchors every game missing an anchor.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc;

use opentelemetry::KeyValue;

use super::game::Anchor;
use crate::telemetry::trace;
use crate::upstream::{Health, UpstreamSet};

/// Most records in one proposal.
const BATCH: usize = 256;
/// How long the first record of a batch waits for company.
const LINGER: Duration = Duration::from_millis(100);

/// One record to order: `what` (`commitment`, `reveal`) of a game.
#[derive(Debug, Clone)]
pub struct Request {
    pub game_id: String,
    pub what: &'static str,
    /// The round of a `round` record (a chain game's revealed link).
    pub round: Option<u64>,
    /// The record; must include `game_id` and `what` (added if missing).
    pub payload: Value,
    /// The trace of the request that produced the record.
    pub trace: trace::Context,
}

/// Where a record was ordered.
#[derive(Debug, Clone)]
pub struct Anchored {
    pub game_id: String,
    pub anchor: Anchor,
}

#[derive(Clone)]
pub struct Anchorer {
    validators: UpstreamSet,
    http: reqwest::Client,
    /// The engine's own tokens (role `engine`, its own key).
    token: Arc<crate::auth::ServiceToken>,
    next: Arc<AtomicUsize>,
}

impl Anchorer {
    pub fn new(
        validators: UpstreamSet,
        token: Arc<crate::auth::ServiceToken>,
    ) -> anyhow::Result<Anchorer> {
        Ok(Anchorer {
            validators,
            http: crate::tls::transport()
                .reqwest(crate::tls::Expect::Role(crate::tls::Peer::Validator), reqwest::Client::builder().timeout(Duration::from_secs(15)))
                .build()?,
            token,
            next: Arc::default(),
        })
    }

    /// Starts the batching task: requests in, anchored records out.
    pub fn spawn(self) -> (mpsc::Sender<Request>, mpsc::Receiver<Anchored>) {
        let (tx, mut rx) = mpsc::channel::<Request>(1 << 20);
        let (done_tx, done_rx) = mpsc::channel::<Anchored>(1 << 16);
        // Weak: the queue still closes when the engine drops its sender.
        let requeue = tx.downgrade();
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                let deadline = tokio::time::Instant::now() + LINGER;
                while batch.len() < BATCH {
                    match tokio::time::timeout_at(deadline, rx.recv()).await {
                        Ok(Some(r)) => batch.push(r),
                        _ => break,
                    }
                }
                let entries: Vec<Value> = batch
                    .iter()
                    .map(|r| {
                        let mut p = r.payload.clone();
                        p["game_id"] = json!(r.game_id);
                        p["what"] = json!(r.what);
                        p
                    })
                    .collect();
                let traces: Vec<trace::Context> = batch.iter().map(|r| r.trace.clone()).collect();
                let Some((proposal_id, height, block_hash)) =
                    self.propose(json!({ "entries": entries }), &traces).await
                else {
                    // A game cannot draw before its commitment is anchored:
                    // try its commitment again, behind what is queued.
                    if let Some(tx) = requeue.upgrade() {
                        for r in batch.into_iter().filter(|r| r.what == "commitment") {
                            if tx.try_send(r).is_err() {
                                tracing::error!(
                                    "the anchoring queue is full; a commitment waits for the next restart"
                                );
                            }
                        }
                    }
                    continue;
                };
                for r in batch {
                    let a = Anchored {
                        game_id: r.game_id,
                        anchor: Anchor {
                            what: r.what.to_string(),
                            proposal_id: proposal_id.clone(),
                            height,
                            block_hash: block_hash.clone(),
                            round: r.round,
                        },
                    };
                    if done_tx.send(a).await.is_err() {
                        return;
                    }
                }
            }
        });
        (tx, done_rx)
    }

    /// Proposes and waits for the commit, trying the healthy validators in
    /// turn with backoff for about two minutes.
    /// The call is a child span of the first record's request, linked to
    /// the others' (`traces`).
    async fn propose(
        &self,
        payload: Value,
        traces: &[trace::Context],
    ) -> Option<(String, u64, String)> {
        let mut delay = Duration::from_millis(200);
        for _attempt in 0..12 {
            let healthy: Vec<String> = self
                .validators
                .view()
                .iter()
                .filter(|i| i.health == Health::Healthy)
                .map(|i| i.addr.clone())
                .collect();
            let token = self.token.token();
            if let (false, Ok(token)) = (healthy.is_empty(), token) {
                let addr = &healthy[self.next.fetch_add(1, Ordering::Relaxed) % healthy.len()];
                let url = format!("{}/propose?wait=true", crate::tls::transport().base(addr));
                let (parent, links) = traces
                    .split_first()
                    .map(|(p, rest)| (p.clone(), rest))
                    .unwrap_or_default();
                let span = trace::client_span(
                    &parent,
                    "POST".to_string(),
                    vec![
                        KeyValue::new("http.request.method", "POST"),
                        KeyValue::new("url.full", url.clone()),
                        KeyValue::new("peer.service", "consensus"),
                        KeyValue::new("bitcraps.anchor.records", traces.len() as i64),
                    ],
                    links,
                );
                let mut headers = axum::http::HeaderMap::new();
                trace::inject(&span, &mut headers);
                let r = self
                    .http
                    .post(url)
                    .headers(headers)
                    .bearer_auth(&token)
                    .json(&json!({ "kind": "game.anchors", "payload": payload }))
                    .send()
                    .await;
                trace::finish(
                    &span,
                    r.as_ref().ok().map(|r| r.status().as_u16()),
                    r.as_ref().err().map(|e| e.to_string()).as_deref(),
                );
                match r {
                    Ok(resp) if resp.status().is_success() => {
                        if let Ok(v) = resp.json::<Value>().await {
                            return Some((
                                v["proposal_id"].as_str().unwrap_or_default().to_string(),
                                v["height"].as_u64().unwrap_or(0),
                                v["block_hash"].as_str().unwrap_or_default().to_string(),
                            ));
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
        tracing::error!(
            "gave up on a batch after repeated failures; its commitments go back in the queue, its reveals wait for the engine to restart"
        );
        None
    }
}
