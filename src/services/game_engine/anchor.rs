//! Anchoring games in the validators' log: each game's seed commitment (at
//! creation) and its reveal (when it finishes) are ordered by consensus,
//! reached through `upstream` (not the gateway); the committed height and
//! block hash are recorded in the game and shown in its proof, so a player
//! can check that a quorum ordered the commitment before the reveal.
//!
//! Records are batched: one task collects them for up to 100 ms, 256
//! entries or [`BATCH_BYTES`] and proposes them as one `game.anchors`
//! proposal (`{"entries": [{"game_id", "what", "commitment", …}]}`), so a
//! burst of new games costs a few proposals, not one each, and no batch is
//! larger than a validator accepts. Every record is retried until it
//! commits: a batch that gives up after its backoff (validators down or
//! unreachable) puts all its records back in the queue; a batch the
//! validators refuse (a 4xx) is split, each record proposed alone, so one
//! bad record cannot hold the others back, and a record refused alone is
//! logged as an error (the engine retries it when it starts). A game's
//! first draw waits for its commitment's anchor (see `http`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc;

use opentelemetry::KeyValue;

use super::game::Anchor;
use crate::services::consensus::protocol::types::MAX_PROPOSAL_BYTES;
use crate::services::consensus::records::propose_body;
use crate::telemetry::trace;
use crate::upstream::{Health, UpstreamSet};

/// Most records in one proposal.
const BATCH: usize = 256;
/// Most bytes of one batch's entries (compact JSON, with their commas): a
/// proposal, its id, kind, `{"entries":[…]}` wrapper and the engine's
/// attestation (about 330 bytes) included, must stay within the
/// validators' [`MAX_PROPOSAL_BYTES`].
pub const BATCH_BYTES: usize = MAX_PROPOSAL_BYTES - 1024;
/// How long the first record of a batch waits for company.
const LINGER: Duration = Duration::from_millis(100);

/// How one batch is retried before it goes back in the queue.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    pub attempts: u32,
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Default for Retry {
    /// About two minutes: 12 attempts, 200 ms doubling up to 15 s apart.
    fn default() -> Retry {
        Retry {
            attempts: 12,
            first_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(15),
        }
    }
}

/// How a proposal ended.
enum Outcome {
    /// Committed: proposal id, height, block hash.
    Committed(String, u64, String),
    /// No validator took it within the retry schedule.
    Unavailable,
    /// A validator refused it for what it is (a 4xx other than 408/429).
    Refused(u16, String),
}

/// A queued record with its entry and the entry's size.
struct Pending {
    req: Request,
    entry: Value,
    size: usize,
}

impl Pending {
    fn of(req: Request) -> Pending {
        let mut entry = req.payload.clone();
        entry["game_id"] = json!(req.game_id);
        entry["what"] = json!(req.what);
        let size = serde_json::to_vec(&entry).map_or(usize::MAX, |v| v.len()) + 1;
        Pending { req, entry, size }
    }
}

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
    /// Propose it in a batch of its own (set when a batch it was in was
    /// refused, to find the record the validators refuse).
    pub alone: bool,
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
    retry: Retry,
}

impl Anchorer {
    pub fn new(
        validators: UpstreamSet,
        token: Arc<crate::auth::ServiceToken>,
    ) -> anyhow::Result<Anchorer> {
        Ok(Anchorer {
            validators,
            http: crate::tls::transport()
                .reqwest(
                    crate::tls::Expect::Role(crate::tls::Peer::Validator),
                    reqwest::Client::builder().timeout(Duration::from_secs(15)),
                )
                .build()?,
            token,
            next: Arc::default(),
            retry: Retry::default(),
        })
    }

    /// The same, with another retry schedule.
    pub fn with_retry(mut self, retry: Retry) -> Anchorer {
        self.retry = retry;
        self
    }

    /// Starts the batching task: requests in, anchored records out.
    pub fn spawn(self) -> (mpsc::Sender<Request>, mpsc::Receiver<Anchored>) {
        let (tx, mut rx) = mpsc::channel::<Request>(1 << 20);
        let (done_tx, done_rx) = mpsc::channel::<Anchored>(1 << 16);
        // Weak: the queue still closes when the engine drops its sender.
        let requeue = tx.downgrade();
        tokio::spawn(async move {
            // A record that did not fit in the last batch starts the next.
            let mut carry: Option<Pending> = None;
            loop {
                let first = match carry.take() {
                    Some(p) => p,
                    None => match rx.recv().await {
                        Some(r) => Pending::of(r),
                        None => return,
                    },
                };
                let mut bytes = first.size;
                let mut batch = vec![first];
                let deadline = tokio::time::Instant::now() + LINGER;
                while batch.len() < BATCH && !batch[0].req.alone {
                    match tokio::time::timeout_at(deadline, rx.recv()).await {
                        Ok(Some(r)) => {
                            let p = Pending::of(r);
                            if p.req.alone || bytes + p.size > BATCH_BYTES {
                                carry = Some(p);
                                break;
                            }
                            bytes += p.size;
                            batch.push(p);
                        }
                        _ => break,
                    }
                }
                let traces: Vec<trace::Context> =
                    batch.iter().map(|p| p.req.trace.clone()).collect();
                let entries: Vec<Value> = batch.iter().map(|p| p.entry.clone()).collect();
                let outcome = self.propose(json!({ "entries": entries }), &traces).await;
                let (proposal_id, height, block_hash) = match outcome {
                    Outcome::Committed(id, h, hash) => (id, h, hash),
                    Outcome::Unavailable => {
                        // Every record is retried until it commits (a
                        // game cannot draw before its commitment is
                        // anchored), behind what is queued.
                        requeue_all(&requeue, batch, false);
                        continue;
                    }
                    Outcome::Refused(status, detail) if batch.len() > 1 => {
                        tracing::warn!(
                            status,
                            %detail,
                            records = batch.len(),
                            "the validators refused a batch of anchor records; proposing each alone"
                        );
                        requeue_all(&requeue, batch, true);
                        continue;
                    }
                    Outcome::Refused(status, detail) => {
                        let r = &batch[0].req;
                        tracing::error!(
                            status,
                            %detail,
                            game_id = %r.game_id,
                            what = r.what,
                            round = r.round,
                            "the validators refused a game's anchor record; it is retried when the engine starts"
                        );
                        continue;
                    }
                };
                for p in batch {
                    let a = Anchored {
                        game_id: p.req.game_id,
                        anchor: Anchor {
                            what: p.req.what.to_string(),
                            proposal_id: proposal_id.clone(),
                            height,
                            block_hash: block_hash.clone(),
                            round: p.req.round,
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
    async fn propose(&self, payload: Value, traces: &[trace::Context]) -> Outcome {
        let mut delay = self.retry.first_delay;
        for _attempt in 0..self.retry.attempts {
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
                    .json(&propose_body(&self.token, "game.anchors", &payload))
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
                            return Outcome::Committed(
                                v["proposal_id"].as_str().unwrap_or_default().to_string(),
                                v["height"].as_u64().unwrap_or(0),
                                v["block_hash"].as_str().unwrap_or_default().to_string(),
                            );
                        }
                    }
                    Ok(resp) if refuses_for_good(resp.status().as_u16()) => {
                        let status = resp.status().as_u16();
                        let body: Value = resp.json().await.unwrap_or(Value::Null);
                        let detail = body["detail"].as_str().unwrap_or("").to_string();
                        return Outcome::Refused(status, detail);
                    }
                    Ok(resp) => {
                        tracing::warn!(status = resp.status().as_u16(), %addr, "anchoring refused; retrying")
                    }
                    Err(e) => tracing::warn!(error = %e, %addr, "anchoring failed; retrying"),
                }
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(self.retry.max_delay);
        }
        tracing::error!(
            "no validator took a batch of anchor records after repeated tries; its records go back in the queue"
        );
        Outcome::Unavailable
    }
}

/// A status that says the proposal itself is wrong (413, 422, 403, …): a
/// retry gets the same answer. 401 is retried (a token can be renewed),
/// as are 408 and 429.
fn refuses_for_good(status: u16) -> bool {
    (400..500).contains(&status) && !matches!(status, 401 | 408 | 429)
}

/// Puts `batch`'s records back at the end of the queue (`alone`: each to
/// be proposed in a batch of its own).
fn requeue_all(requeue: &mpsc::WeakSender<Request>, batch: Vec<Pending>, alone: bool) {
    let Some(tx) = requeue.upgrade() else { return };
    for p in batch {
        let mut r = p.req;
        r.alone = alone;
        if tx.try_send(r).is_err() {
            tracing::error!("the anchoring queue is full; a record waits for the next restart");
        }
    }
}

#[cfg(test)]
#[path = "anchor_tests.rs"]
mod tests;
