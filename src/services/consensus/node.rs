//! The IO shell around a consensus core: one task owns the core, feeds it
//! inputs (client proposals, peer messages, timer expiries) and executes
//! its effects in order — the safety record is fsynced to the WAL before
//! the vote it records leaves the node, committed blocks go to the store
//! before anyone is told, timers are tokio sleeps that come back as inputs.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use super::protocol::{
    Block, Consensus, Effect, Evidence, Input, Message, Pbft, PbftConfig, Proposal,
    QuorumCertificate, Recovered, SafetyRecord, Status, ValidatorSet,
};
use super::store::{BlockStore, StoredBlock};
use super::transport::{Envelope, Peers};
use super::wal::Wal;
use crate::telemetry::trace;

/// What `?wait=true` answers once a proposal is committed.
#[derive(Debug, Clone, Serialize)]
pub struct Committed {
    pub proposal_id: String,
    pub height: u64,
    pub block_hash: String,
    pub qc: QuorumCertificate,
}

enum Cmd {
    Input(Box<Input>),
    Propose {
        proposal: Proposal,
        wait: Option<oneshot::Sender<Committed>>,
    },
}

/// Per-validator observations for `/status`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PeerSeen {
    /// Milliseconds since a message from this validator arrived.
    pub last_seen_ms_ago: Option<u64>,
    #[serde(skip)]
    pub last_seen: Option<Instant>,
    /// Messages from it refused, by reason.
    pub rejected: HashMap<String, u64>,
}

/// Handle to a running validator node.
#[derive(Clone)]
pub struct Node {
    tx: mpsc::Sender<(Cmd, trace::Context)>,
    pub index: u32,
    pub set: Arc<ValidatorSet>,
    pub members: Arc<Vec<VerifyingKey>>,
    pub store: Arc<BlockStore>,
    pub status: Arc<RwLock<Status>>,
    pub peers_seen: Arc<Mutex<Vec<PeerSeen>>>,
    pub pending: Arc<Mutex<HashMap<String, Instant>>>,
    pub metrics: NodeMetrics,
}

#[derive(Clone)]
pub struct NodeMetrics {
    height: prometheus::IntGauge,
    view: prometheus::IntGauge,
    commits: prometheus::IntCounter,
    committed_proposals: prometheus::IntCounter,
    latency: prometheus::Histogram,
    rejected: prometheus::IntCounterVec,
    evidence: prometheus::IntCounter,
}

impl NodeMetrics {
    pub fn new(r: &prometheus::Registry) -> anyhow::Result<NodeMetrics> {
        let height = prometheus::IntGauge::new(
            "bitcraps_consensus_height",
            "The height being decided (last committed + 1).",
        )?;
        let view = prometheus::IntGauge::new(
            "bitcraps_consensus_view",
            "The current view (round) at this height.",
        )?;
        let commits = prometheus::IntCounter::new(
            "bitcraps_consensus_blocks_committed_total",
            "Blocks committed.",
        )?;
        let committed_proposals = prometheus::IntCounter::new(
            "bitcraps_consensus_proposals_committed_total",
            "Proposals committed in blocks.",
        )?;
        let latency = prometheus::Histogram::with_opts(
            prometheus::HistogramOpts::new(
                "bitcraps_consensus_commit_latency_seconds",
                "From a proposal arriving at this validator to its commit.",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
            ]),
        )?;
        let rejected = prometheus::IntCounterVec::new(
            prometheus::Opts::new(
                "bitcraps_consensus_rejected_total",
                "Messages and votes refused, by sending validator index and reason.",
            ),
            &["from", "reason"],
        )?;
        let evidence = prometheus::IntCounter::new(
            "bitcraps_consensus_evidence_total",
            "Byzantine evidence recorded.",
        )?;
        r.register(Box::new(height.clone()))?;
        r.register(Box::new(view.clone()))?;
        r.register(Box::new(commits.clone()))?;
        r.register(Box::new(committed_proposals.clone()))?;
        r.register(Box::new(latency.clone()))?;
        r.register(Box::new(rejected.clone()))?;
        r.register(Box::new(evidence.clone()))?;
        Ok(NodeMetrics {
            height,
            view,
            commits,
            committed_proposals,
            latency,
            rejected,
            evidence,
        })
    }

    pub fn reject(&self, from: u32, reason: &str) {
        self.rejected
            .with_label_values(&[&from.to_string(), reason])
            .inc();
    }
}

pub struct NodeOptions<'a> {
    pub index: u32,
    pub set: ValidatorSet,
    pub key: SigningKey,
    pub peers: &'a [std::net::SocketAddr],
    pub data_dir: &'a Path,
    pub config: PbftConfig,
    pub metrics: NodeMetrics,
}

impl Node {
    /// Recovers from the WAL and the block store, then starts the core.
    pub fn start(o: NodeOptions<'_>) -> anyhow::Result<Node> {
        std::fs::create_dir_all(o.data_dir)
            .with_context(|| format!("cannot create {}", o.data_dir.display()))?;
        let store = Arc::new(BlockStore::open(o.data_dir)?);
        let (wal, recovery) = Wal::<SafetyRecord>::open(&o.data_dir.join("safety.wal"))?;
        if recovery.truncated_bytes > 0 {
            tracing::warn!(
                bytes = recovery.truncated_bytes,
                reason = recovery.reason.as_deref().unwrap_or(""),
                "cut a torn or corrupt tail off the write-ahead log"
            );
        }
        let safety = recovery.records.last().cloned();
        let committed = recent_blocks(&store, o.config.sync_window)?;
        let recovered = if safety.is_none() && committed.is_empty() {
            None
        } else {
            Some(Recovered { safety, committed })
        };
        if let Some(r) = &recovered {
            tracing::info!(
                committed = r.committed.last().map(|(b, _)| b.height).unwrap_or(0),
                signed = ?r.safety.as_ref().map(|s| (s.height, s.view)),
                "recovered from disk"
            );
        }
        let core = Pbft::new(
            o.set.clone(),
            o.index,
            o.key.to_bytes(),
            o.config,
            recovered,
        )
        .map_err(|e| anyhow::anyhow!("cannot start the consensus core: {e}"))?;
        let members: Vec<VerifyingKey> = o
            .set
            .validators
            .iter()
            .map(|v| VerifyingKey::from_bytes(&v.public_key))
            .collect::<Result<_, _>>()
            .map_err(|e| anyhow::anyhow!("genesis holds an invalid public key: {e}"))?;
        let peers = Peers::spawn(o.index, o.peers)?;
        let (tx, rx) = mpsc::channel(8192);
        let node = Node {
            tx: tx.clone(),
            index: o.index,
            set: Arc::new(o.set.clone()),
            members: Arc::new(members),
            store: store.clone(),
            status: Arc::new(RwLock::new(core.status())),
            peers_seen: Arc::new(Mutex::new(vec![PeerSeen::default(); o.set.len()])),
            pending: Arc::new(Mutex::new(HashMap::new())),
            metrics: o.metrics,
        };
        let shell = Shell {
            tx,
            chain_id: o.set.chain_id.clone(),
            key: o.key,
            peers,
            wal,
            node: node.clone(),
            waiters: HashMap::new(),
            wal_records: 0,
        };
        tokio::spawn(shell.run(core, rx));
        Ok(node)
    }

    /// Submits a proposal; with `wait`, resolves once it is committed.
    pub async fn propose(
        &self,
        proposal: Proposal,
        wait: bool,
    ) -> anyhow::Result<Option<oneshot::Receiver<Committed>>> {
        if let Ok(mut p) = self.pending.lock() {
            if p.len() < 100_000 {
                p.insert(proposal.id.clone(), Instant::now());
            }
        }
        let (w, r) = if wait {
            let (s, r) = oneshot::channel();
            (Some(s), Some(r))
        } else {
            (None, None)
        };
        // Messages sent for this proposal carry the client's trace.
        self.tx
            .send((
                Cmd::Propose { proposal, wait: w },
                trace::Context::current(),
            ))
            .await
            .map_err(|_| anyhow::anyhow!("the consensus core has stopped"))?;
        Ok(r)
    }

    /// Hands an authenticated peer message to the core.
    pub fn deliver(&self, from: u32, msg: Message) -> bool {
        if let Ok(mut seen) = self.peers_seen.lock()
            && let Some(p) = seen.get_mut(from as usize)
        {
            p.last_seen = Some(Instant::now());
        }
        // Untraced: what a validator sends in reaction to a peer would chain
        // every later block into the trace of the first traced proposal.
        self.tx
            .try_send((
                Cmd::Input(Box::new(Input::Message { from, msg })),
                trace::Context::new(),
            ))
            .is_ok()
    }

    pub fn count_rejection(&self, from: u32, reason: &str) {
        self.metrics.reject(from, reason);
        if let Ok(mut seen) = self.peers_seen.lock()
            && let Some(p) = seen.get_mut(from as usize)
        {
            *p.rejected.entry(reason.to_string()).or_insert(0) += 1;
        }
    }
}

/// The most recent `n` committed blocks from the store, oldest first.
fn recent_blocks(store: &BlockStore, n: usize) -> anyhow::Result<Vec<(Block, QuorumCertificate)>> {
    let Some(last) = store.last_height()? else {
        return Ok(Vec::new());
    };
    let from = last.saturating_sub(n as u64 - 1).max(1);
    store
        .range(from, n as u32)?
        .into_iter()
        .map(|b| {
            Ok((
                serde_json::from_value(b.block)?,
                serde_json::from_value(b.qc)?,
            ))
        })
        .collect()
}

struct Shell {
    tx: mpsc::Sender<(Cmd, trace::Context)>,
    chain_id: String,
    key: SigningKey,
    peers: Peers,
    wal: Wal<SafetyRecord>,
    node: Node,
    waiters: HashMap<String, oneshot::Sender<Committed>>,
    wal_records: u64,
}

impl Shell {
    async fn run(mut self, mut core: Pbft, mut rx: mpsc::Receiver<(Cmd, trace::Context)>) {
        let effects = core.step(Input::Start);
        self.execute(effects);
        self.snapshot(&core);
        while let Some((cmd, cx)) = rx.recv().await {
            let input = match cmd {
                Cmd::Input(i) => *i,
                Cmd::Propose { proposal, wait } => {
                    if let Some(w) = wait {
                        self.waiters.insert(proposal.id.clone(), w);
                    }
                    Input::Propose(proposal)
                }
            };
            let effects = core.step(input);
            {
                // Outbound messages pick the input's trace up as their parent.
                let _current = cx.attach();
                self.execute(effects);
            }
            self.snapshot(&core);
        }
    }

    fn snapshot(&self, core: &Pbft) {
        let st = core.status();
        self.node.metrics.height.set(st.height as i64);
        self.node.metrics.view.set(st.view as i64);
        if let Ok(mut s) = self.node.status.write() {
            *s = st;
        }
    }

    fn send(&self, to: Option<u32>, msg: &Message) {
        let Ok(text) = serde_json::to_string(msg) else {
            return;
        };
        let env = Envelope::seal(&self.chain_id, self.node.index, text, &self.key);
        match to {
            Some(t) => self.peers.send(t, env),
            None => self.peers.broadcast(&env),
        }
    }

    fn execute(&mut self, effects: Vec<Effect>) {
        for e in effects {
            match e {
                Effect::Persist(rec) => {
                    if let Err(err) = self.wal.append(&rec) {
                        // A validator that cannot remember what it signed
                        // must not sign: drop the rest of this batch.
                        tracing::error!(error = %err, "cannot persist the safety record; not voting");
                        return;
                    }
                    self.wal_records += 1;
                    if self.wal_records >= 1024 {
                        // Only the latest record matters: compact.
                        if self.wal.rewrite(std::slice::from_ref(&rec)).is_ok() {
                            self.wal_records = 1;
                        }
                    }
                }
                Effect::Send { to, msg } => self.send(Some(to), &msg),
                Effect::Broadcast { msg } => self.send(None, &msg),
                Effect::SetTimer {
                    view,
                    height,
                    after_ms,
                } => {
                    let tx = self.tx.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_millis(after_ms)).await;
                        let _ = tx
                            .send((
                                Cmd::Input(Box::new(Input::Timeout { view, height })),
                                trace::Context::new(),
                            ))
                            .await;
                    });
                }
                Effect::Commit { block, qc } => self.commit(block, qc),
                Effect::Evidence(ev) => self.evidence(&ev),
                Effect::Rejected { from, reason } => self.node.count_rejection(from, reason.kind()),
                Effect::ServeSync {
                    to,
                    from_height,
                    max_blocks,
                } => match self.node.store.range(from_height, max_blocks as u32) {
                    Ok(rows) => {
                        let blocks: Vec<(Block, QuorumCertificate)> = rows
                            .into_iter()
                            .filter_map(|b| {
                                Some((
                                    serde_json::from_value(b.block).ok()?,
                                    serde_json::from_value(b.qc).ok()?,
                                ))
                            })
                            .collect();
                        if !blocks.is_empty() {
                            self.send(Some(to), &Message::SyncResponse { blocks });
                        }
                    }
                    Err(err) => tracing::error!(error = %err, "cannot read blocks to serve sync"),
                },
            }
        }
    }

    fn commit(&mut self, block: Block, qc: QuorumCertificate) {
        let hash = hex::encode(block.hash());
        let ids: Vec<String> = block.proposals.iter().map(|p| p.id.clone()).collect();
        let stored = StoredBlock {
            height: block.height,
            hash: hash.clone(),
            block: serde_json::to_value(&block).unwrap_or(Value::Null),
            qc: serde_json::to_value(&qc).unwrap_or(Value::Null),
        };
        if let Err(err) = self.node.store.put(&stored, &ids) {
            tracing::error!(error = %err, height = block.height, "cannot store a committed block");
            return;
        }
        self.node.metrics.commits.inc();
        self.node
            .metrics
            .committed_proposals
            .inc_by(ids.len() as u64);
        tracing::info!(height = block.height, hash = %hash, proposals = ids.len(), view = block.view, "committed");
        let mut pending = self.node.pending.lock().ok();
        for id in ids {
            if let Some(p) = pending.as_mut()
                && let Some(since) = p.remove(&id)
            {
                self.node
                    .metrics
                    .latency
                    .observe(since.elapsed().as_secs_f64());
            }
            if let Some(w) = self.waiters.remove(&id) {
                let _ = w.send(Committed {
                    proposal_id: id,
                    height: block.height,
                    block_hash: hash.clone(),
                    qc: qc.clone(),
                });
            }
        }
    }

    fn evidence(&self, ev: &Evidence) {
        let key = match ev {
            Evidence::DuplicateVote { a, .. } => format!(
                "duplicate-vote:{}:{}:{}:{:?}",
                a.validator, a.height, a.view, a.phase
            ),
        };
        let body = serde_json::to_value(ev).unwrap_or(Value::Null);
        match self.node.store.add_evidence(&key, &body) {
            Ok(true) => {
                self.node.metrics.evidence.inc();
                tracing::warn!(validator = ev.validator(), evidence = %key, "Byzantine evidence recorded");
            }
            Ok(false) => {}
            Err(err) => tracing::error!(error = %err, "cannot store evidence"),
        }
    }
}
