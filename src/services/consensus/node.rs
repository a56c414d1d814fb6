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
use sha2::Digest;
use tokio::sync::{mpsc, oneshot};

use super::fault::{Fault, FaultState};
use super::protocol::{
    self, Algorithm, Block, BoxedCore, Consensus, CoreConfig, Effect, Evidence, Input, Message,
    Proposal, QuorumCertificate, Recovered, SafetyRecord, Status, ValidatorSet,
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
    pub algorithm: Algorithm,
    /// Injected faults (see `fault`); honest unless configured.
    pub fault: Arc<RwLock<FaultState>>,
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
    pub algorithm: Algorithm,
    pub config: CoreConfig,
    pub metrics: NodeMetrics,
    pub fault: Fault,
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
        let core = protocol::build(
            o.algorithm,
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
            algorithm: o.algorithm,
            fault: Arc::new(RwLock::new(FaultState {
                fault: o.fault,
                ..FaultState::default()
            })),
        };
        if o.fault != Fault::None {
            tracing::warn!(fault = %o.fault, "fault injected: this validator misbehaves on purpose");
        }
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

    /// The injected faults now in force.
    pub fn fault_state(&self) -> FaultState {
        self.fault.read().map(|f| f.clone()).unwrap_or_default()
    }

    /// Hands an authenticated peer message to the core (dropped when an
    /// injected partition cuts `from` off).
    pub fn deliver(&self, from: u32, msg: Message) -> bool {
        if from != self.index && !self.fault_state().reaches(from) {
            return true;
        }
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

/// Proposal kind of evidence put in a block.
pub const EVIDENCE_KIND: &str = "evidence";

/// What `GET /evidence` lists for one offence.
fn evidence_body(key: &str, ev: &Evidence, me: u32, committed_height: Option<u64>) -> Value {
    let kind = match ev {
        Evidence::DuplicateVote { .. } => "duplicate_vote",
    };
    serde_json::json!({
        "key": key,
        "kind": kind,
        "validator": ev.validator(),
        "evidence": ev,
        "recorded_by": me,
        "committed_height": committed_height,
    })
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
    async fn run(mut self, mut core: BoxedCore, mut rx: mpsc::Receiver<(Cmd, trace::Context)>) {
        let effects = core.step(Input::Start);
        self.execute(effects);
        self.snapshot(core.as_ref());
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
            self.snapshot(core.as_ref());
        }
    }

    fn snapshot(&self, core: &dyn Consensus) {
        let st = core.status();
        self.node.metrics.height.set(st.height as i64);
        self.node.metrics.view.set(st.view as i64);
        if let Ok(mut s) = self.node.status.write() {
            *s = st;
        }
    }

    fn send(&self, to: Option<u32>, msg: &Message) {
        let fault = self.node.fault_state();
        if fault.fault == Fault::Silent {
            return;
        }
        let Ok(text) = serde_json::to_string(msg) else {
            return;
        };
        let env = Envelope::seal(&self.chain_id, self.node.index, text, &self.key);
        let me = self.node.index;
        let targets: Option<Vec<u32>> = match to {
            Some(t) => Some(vec![t]),
            None if fault.cut.is_empty() => None,
            None => Some(
                (0..self.node.set.len() as u32)
                    .filter(|t| *t != me)
                    .collect(),
            ),
        };
        let targets: Option<Vec<u32>> =
            targets.map(|t| t.into_iter().filter(|t| fault.reaches(*t)).collect());
        let mut out = vec![(targets.clone(), env)];
        if fault.fault == Fault::Equivocate
            && let Some(conflict) = self.conflicting_vote(msg)
            && let Ok(text) = serde_json::to_string(&Message::Vote(conflict))
        {
            out.push((targets, Envelope::seal(&self.chain_id, me, text, &self.key)));
        }
        let peers = self.peers.clone();
        let deliver = move || {
            for (targets, env) in out {
                match targets {
                    Some(ts) => {
                        for t in ts {
                            peers.send(t, env.clone());
                        }
                    }
                    None => peers.broadcast(&env),
                }
            }
        };
        match fault.fault {
            Fault::Slow { delay_ms } => {
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(delay_ms)).await;
                    deliver();
                });
            }
            _ => deliver(),
        }
    }

    /// An equivocating validator's second vote: its own vote in `msg`,
    /// re-signed for the same slot with a different block hash.
    fn conflicting_vote(&self, msg: &Message) -> Option<protocol::Vote> {
        let v = msg
            .anchor_vote()
            .filter(|v| v.validator == self.node.index)?;
        let mut other = [0u8; 32];
        other.copy_from_slice(&sha2::Sha256::digest(
            [b"bitcraps-equivocation".as_slice(), &v.block_hash].concat(),
        ));
        Some(protocol::Vote::sign(
            &self.key,
            &self.node.set,
            v.validator,
            v.height,
            v.view,
            v.phase,
            other,
        ))
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
        for p in block
            .proposals
            .iter()
            .filter(|p| p.kind.as_deref() == Some(EVIDENCE_KIND))
        {
            self.committed_evidence(block.height, p);
        }
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

    /// Evidence this validator's core saw: checked again, stored, and
    /// proposed for a block — the proposal is forwarded to every validator
    /// (gossip), and once committed every validator records it.
    fn evidence(&self, ev: &Evidence) {
        if let Err(e) = ev.verify(&self.node.set, self.node.algorithm) {
            tracing::error!(error = %e, "the core reported evidence that does not verify; ignored");
            return;
        }
        let key = ev.key(self.node.algorithm);
        let body = evidence_body(&key, ev, self.node.index, None);
        match self.node.store.add_evidence(&key, &body) {
            Ok(true) => {
                self.node.metrics.evidence.inc();
                tracing::warn!(validator = ev.validator(), evidence = %key, "Byzantine evidence recorded");
                let proposal = Proposal {
                    id: key.clone(),
                    payload: serde_json::json!({ "evidence": ev }),
                    kind: Some(EVIDENCE_KIND.to_string()),
                };
                if self
                    .tx
                    .try_send((
                        Cmd::Propose {
                            proposal,
                            wait: None,
                        },
                        trace::Context::current(),
                    ))
                    .is_err()
                {
                    tracing::warn!(evidence = %key, "queue full; evidence kept locally, not proposed");
                }
            }
            Ok(false) => {}
            Err(err) => tracing::error!(error = %err, "cannot store evidence"),
        }
    }

    /// Evidence committed in a block: believed only if it verifies (a
    /// Byzantine leader could put anything in a block).
    fn committed_evidence(&self, height: u64, p: &Proposal) {
        let ev = match serde_json::from_value::<Evidence>(p.payload["evidence"].clone()) {
            Ok(ev) => ev,
            Err(e) => {
                tracing::warn!(height, proposal = %p.id, error = %e, "committed evidence does not parse; ignored");
                return;
            }
        };
        if let Err(e) = ev.verify(&self.node.set, self.node.algorithm) {
            tracing::warn!(height, proposal = %p.id, error = %e, "committed evidence does not verify; ignored");
            return;
        }
        let key = ev.key(self.node.algorithm);
        let body = evidence_body(&key, &ev, self.node.index, Some(height));
        match self.node.store.put_committed_evidence(&key, &body) {
            Ok(true) => {
                self.node.metrics.evidence.inc();
                tracing::warn!(validator = ev.validator(), evidence = %key, height, "Byzantine evidence learnt from a block");
            }
            Ok(false) => {}
            Err(err) => tracing::error!(error = %err, "cannot store evidence"),
        }
    }
}
