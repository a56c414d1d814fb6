//! The IO shell around a consensus core: one task owns the core, feeds it
//! inputs (client proposals, peer messages, timer expiries) and executes
//! its effects in order — the safety record is fsynced to the WAL before
//! the vote it records leaves the node, committed blocks go to the store
//! before anyone is told, timers are tokio sleeps that come back as inputs.

use std::collections::HashMap;
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
    /// Leave this epoch's core (peers are in a later epoch).
    Stop,
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
    /// This validator's index in the current set (meaningless when
    /// `retired`).
    pub index: u32,
    /// Not a member of the current set: no core runs; the node follows
    /// the chain from its peers and rejoins if a later set adds it back.
    pub retired: bool,
    pub set: Arc<ValidatorSet>,
    pub members: Arc<Vec<VerifyingKey>>,
    pub store: Arc<BlockStore>,
    pub status: Arc<RwLock<Status>>,
    pub peers_seen: Arc<Mutex<Vec<PeerSeen>>>,
    pub pending: Arc<Mutex<HashMap<String, PendingProposal>>>,
    pub metrics: NodeMetrics,
    pub algorithm: Algorithm,
    /// Members needed for BFT with the configured f (3f+1).
    pub min_validators: usize,
    /// Where each validator (by id) is reached.
    pub book: AddressBook,
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
    pub(super) evidence: prometheus::IntCounter,
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

/// A proposal waiting for its block: kept so that it survives an epoch
/// change (the new epoch's core gets it again).
#[derive(Debug, Clone)]
pub struct PendingProposal {
    pub since: Instant,
    pub proposal: Proposal,
}

/// Where each validator is reached, by id: the configured validators, plus
/// those added by set changes (with their address).
pub type AddressBook = Arc<RwLock<HashMap<String, std::net::SocketAddr>>>;

/// What a node needs to start, and to start again in a new epoch.
#[derive(Clone)]
pub struct NodeOptions {
    pub genesis: ValidatorSet,
    pub key: SigningKey,
    pub book: AddressBook,
    pub data_dir: std::path::PathBuf,
    pub algorithm: Algorithm,
    pub config: CoreConfig,
    pub metrics: NodeMetrics,
    pub fault: Arc<RwLock<FaultState>>,
    pub min_validators: usize,
    /// The shell tells the owner here that its epoch ended.
    pub epoch_ended: mpsc::UnboundedSender<Handover>,
}

/// What one epoch's shell hands the next: clients waiting for commits,
/// and proposals not yet committed.
#[derive(Default)]
pub struct Handover {
    pub waiters: HashMap<String, oneshot::Sender<Committed>>,
    pub pending: HashMap<String, PendingProposal>,
    /// Peers were seen in a later epoch: catch up from them first.
    pub behind: bool,
}

/// The validator set in force after the last committed block: the latest
/// recorded change, else the genesis set. Also learns recorded addresses.
pub fn current_set(
    store: &BlockStore,
    genesis: &ValidatorSet,
    book: &AddressBook,
) -> anyhow::Result<ValidatorSet> {
    let mut set = genesis.clone();
    for (_, _, v) in store.epochs()? {
        if let Some(addrs) = v.get("addresses").and_then(|a| a.as_object())
            && let Ok(mut b) = book.write()
        {
            for (id, addr) in addrs {
                if let Some(a) = addr.as_str().and_then(|a| a.parse().ok()) {
                    b.insert(id.clone(), a);
                }
            }
        }
        set = serde_json::from_value(v)?;
    }
    Ok(set)
}

impl Node {
    /// Recovers from the WAL and the block store, then starts the core of
    /// the current epoch (or, when this validator is not a member of the
    /// current set, a retired node that follows the chain).
    pub fn start(o: &NodeOptions, handover: Handover) -> anyhow::Result<Node> {
        std::fs::create_dir_all(&o.data_dir)
            .with_context(|| format!("cannot create {}", o.data_dir.display()))?;
        let store = Arc::new(BlockStore::open(&o.data_dir)?);
        let mut set = current_set(&store, &o.genesis, &o.book)?;
        if finish_set_change(&store, &set, &o.book, o.min_validators)? {
            set = current_set(&store, &o.genesis, &o.book)?;
        }
        let me = o.key.verifying_key().to_bytes();
        let index = set.validators.iter().position(|v| v.public_key == me);
        let members: Vec<VerifyingKey> = set
            .validators
            .iter()
            .map(|v| VerifyingKey::from_bytes(&v.public_key))
            .collect::<Result<_, _>>()
            .map_err(|e| anyhow::anyhow!("the validator set holds an invalid public key: {e}"))?;
        let (tx, rx) = mpsc::channel(8192);
        let last = store.last_height()?.unwrap_or(0);
        let mut node = Node {
            tx: tx.clone(),
            index: index.map_or(u32::MAX, |i| i as u32),
            retired: index.is_none(),
            set: Arc::new(set.clone()),
            members: Arc::new(members),
            store: store.clone(),
            status: Arc::new(RwLock::new(Status {
                algorithm: o.algorithm.name().to_string(),
                height: last + 1,
                view: 0,
                leader: 0,
                last_committed_hash: store.get(last)?.map(|b| b.hash),
                pending: 0,
                last_votes: vec![None; set.len()],
            })),
            peers_seen: Arc::new(Mutex::new(vec![PeerSeen::default(); set.len()])),
            pending: Arc::new(Mutex::new(handover.pending)),
            metrics: o.metrics.clone(),
            algorithm: o.algorithm,
            min_validators: o.min_validators,
            book: o.book.clone(),
            fault: o.fault.clone(),
        };
        let Some(index) = index else {
            tracing::warn!(
                epoch = set.epoch,
                "this validator is not in the current validator set: retired, following the chain"
            );
            drop(rx);
            return Ok(node);
        };
        let index = index as u32;
        let wal_path = if set.epoch == o.genesis.epoch {
            o.data_dir.join("safety.wal")
        } else {
            o.data_dir.join(format!("safety-e{}.wal", set.epoch))
        };
        let (wal, recovery) = Wal::<SafetyRecord>::open(&wal_path)?;
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
                epoch = set.epoch,
                "recovered from disk"
            );
        }
        let core = protocol::build(
            o.algorithm,
            set.clone(),
            index,
            o.key.to_bytes(),
            o.config.clone(),
            recovered,
        )
        .map_err(|e| anyhow::anyhow!("cannot start the consensus core: {e}"))?;
        let addrs: Vec<std::net::SocketAddr> = {
            let book = o
                .book
                .read()
                .map_err(|_| anyhow::anyhow!("address book lock poisoned"))?;
            set.validators
                .iter()
                .map(|v| {
                    book.get(&v.id).copied().ok_or_else(|| {
                        anyhow::anyhow!("no address is known for validator {}", v.id)
                    })
                })
                .collect::<anyhow::Result<_>>()?
        };
        let peers = Peers::spawn(index, &addrs)?;
        node.status = Arc::new(RwLock::new(core.status()));
        let fault = node.fault_state().fault;
        if fault != Fault::None {
            tracing::warn!(fault = %fault, "fault injected: this validator misbehaves on purpose");
        }
        let shell = Shell {
            tx,
            chain_id: set.chain_id.clone(),
            key: o.key.clone(),
            peers,
            wal,
            node: node.clone(),
            waiters: handover.waiters,
            wal_records: 0,
            epoch_ended: o.epoch_ended.clone(),
            next_epoch: false,
            behind: false,
        };
        tokio::spawn(shell.run(core, rx));
        // Proposals of the last epoch that did not make it into a block.
        let carried: Vec<Proposal> = node
            .pending
            .lock()
            .map(|p| p.values().map(|e| e.proposal.clone()).collect())
            .unwrap_or_default();
        for proposal in carried {
            if store.proposal_height(&proposal.id)?.is_some() {
                continue;
            }
            let _ = node.tx.try_send((
                Cmd::Propose {
                    proposal,
                    wait: None,
                },
                trace::Context::new(),
            ));
        }
        Ok(node)
    }

    /// Asks the core of this epoch to stop (peers are in a later epoch).
    pub fn stop_epoch(&self) {
        let _ = self.tx.try_send((Cmd::Stop, trace::Context::new()));
    }

    /// Submits a proposal; with `wait`, resolves once it is committed.
    pub async fn propose(
        &self,
        proposal: Proposal,
        wait: bool,
    ) -> anyhow::Result<Option<oneshot::Receiver<Committed>>> {
        if self.retired {
            anyhow::bail!(
                "this validator is not a member of the current validator set (epoch {})",
                self.set.epoch
            );
        }
        if let Ok(mut p) = self.pending.lock() {
            if p.len() < 100_000 {
                p.insert(
                    proposal.id.clone(),
                    PendingProposal {
                        since: Instant::now(),
                        proposal: proposal.clone(),
                    },
                );
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

    /// Whether this node's core has stopped (its epoch ended, or the
    /// service is shutting down).
    pub fn core_stopped(&self) -> bool {
        self.tx.is_closed()
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

/// A block is stored before the set change it carries is recorded: after
/// a crash between the two, the last block's change is recorded now, so
/// the validator starts in the epoch that block began (and its core does
/// not resume an epoch the block ended). True when it recorded one.
fn finish_set_change(
    store: &BlockStore,
    set: &ValidatorSet,
    book: &AddressBook,
    min_validators: usize,
) -> anyhow::Result<bool> {
    let Some(last) = store.last_height()? else {
        return Ok(false);
    };
    let recorded_from = store.epochs()?.last().map(|(_, from, _)| *from);
    if recorded_from == Some(last + 1) {
        return Ok(false);
    }
    let Some(stored) = store.get(last)? else {
        return Ok(false);
    };
    let block: Block = serde_json::from_value(stored.block)
        .with_context(|| format!("the stored block {last} does not parse"))?;
    let carries_change = block
        .proposals
        .iter()
        .any(|p| p.kind.as_deref() == Some(protocol::set_change::SET_CHANGE_KIND));
    Ok(carries_change && record_set_change(store, set, book, &block, min_validators))
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

/// Applies the validator set change a committed block carries, if any:
/// records the new set (effective at the next height) and any new
/// address. Returns whether the set changed.
pub fn record_set_change(
    store: &BlockStore,
    set: &ValidatorSet,
    book: &AddressBook,
    block: &Block,
    min_validators: usize,
) -> bool {
    let (next, notes) = protocol::set_change::next_set(set, &block.proposals, min_validators);
    for note in notes {
        tracing::warn!(
            height = block.height,
            "validator set change not applied: {note}"
        );
    }
    let Some((next, change)) = next else {
        return false;
    };
    let mut body = serde_json::to_value(&next).unwrap_or(Value::Null);
    if let protocol::set_change::SetChange::Add {
        id,
        address: Some(addr),
        ..
    } = &change
    {
        body["addresses"] = serde_json::json!({ id: addr });
        if let (Ok(a), Ok(mut b)) = (addr.parse(), book.write()) {
            b.insert(id.clone(), a);
        }
    }
    if let Err(e) = store.put_epoch(next.epoch, block.height + 1, &body) {
        tracing::error!(error = %e, "cannot record the new validator set");
        return false;
    }
    tracing::warn!(
        height = block.height,
        epoch = next.epoch,
        validators = next.len(),
        change = ?change,
        "validator set changed; effective at the next height"
    );
    true
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
    epoch_ended: mpsc::UnboundedSender<Handover>,
    /// A committed block changed the validator set: this core's epoch is
    /// over once the current batch of effects is done.
    next_epoch: bool,
    /// Told to stop: peers are in a later epoch.
    behind: bool,
}

impl Shell {
    async fn run(mut self, mut core: BoxedCore, mut rx: mpsc::Receiver<(Cmd, trace::Context)>) {
        let effects = core.step(Input::Start);
        self.execute(effects);
        self.snapshot(core.as_ref());
        while let Some((cmd, cx)) = rx.recv().await {
            let input = match cmd {
                Cmd::Stop => {
                    self.behind = true;
                    break;
                }
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
            if self.next_epoch {
                break;
            }
        }
        // The epoch is over. Take no more commands (a proposal sent from now
        // on fails and is made again on the next epoch's node), and keep
        // the clients of proposals already queued waiting: the proposals
        // themselves are in the pending map, which goes over too.
        rx.close();
        while let Ok((cmd, _)) = rx.try_recv() {
            if let Cmd::Propose {
                proposal,
                wait: Some(w),
            } = cmd
            {
                self.waiters.insert(proposal.id, w);
            }
        }
        // Hand what is in flight to the next epoch, after this epoch's
        // write-ahead log and peer queues are closed.
        let handover = Handover {
            waiters: std::mem::take(&mut self.waiters),
            pending: self
                .node
                .pending
                .lock()
                .map(|p| p.clone())
                .unwrap_or_default(),
            behind: self.behind,
        };
        let ended = self.epoch_ended.clone();
        drop(core);
        drop(self);
        let _ = ended.send(handover);
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
        let learnt = record_committed_evidence(
            &self.node.store,
            &self.node.set,
            self.node.algorithm,
            self.node.index,
            &block,
        );
        self.node.metrics.evidence.inc_by(learnt);
        if record_set_change(
            &self.node.store,
            &self.node.set,
            &self.node.book,
            &block,
            self.node.min_validators,
        ) {
            self.next_epoch = true;
        }
        let mut pending = self.node.pending.lock().ok();
        for id in ids {
            if let Some(p) = pending.as_mut()
                && let Some(entry) = p.remove(&id)
            {
                self.node
                    .metrics
                    .latency
                    .observe(entry.since.elapsed().as_secs_f64());
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
}

/// Records the Byzantine evidence a committed block carries (believed only
/// if it verifies: a Byzantine leader could put anything in a block), each piece
/// verified against `set` (the set of the block's epoch) and stored with
/// the block's height. Used for blocks this validator committed and for
/// blocks it fetched while catching up. Returns how many were new.
pub fn record_committed_evidence(
    store: &BlockStore,
    set: &ValidatorSet,
    algorithm: Algorithm,
    me: u32,
    block: &Block,
) -> u64 {
    let height = block.height;
    let mut new = 0;
    for p in block
        .proposals
        .iter()
        .filter(|p| p.kind.as_deref() == Some(EVIDENCE_KIND))
    {
        let ev = match serde_json::from_value::<Evidence>(p.payload["evidence"].clone()) {
            Ok(ev) => ev,
            Err(e) => {
                tracing::warn!(height, proposal = %p.id, error = %e, "committed evidence does not parse; ignored");
                continue;
            }
        };
        if let Err(e) = ev.verify(set, algorithm) {
            tracing::warn!(height, proposal = %p.id, error = %e, "committed evidence does not verify; ignored");
            continue;
        }
        let key = ev.key(algorithm);
        let body = evidence_body(&key, &ev, me, Some(height));
        match store.put_committed_evidence(&key, &body) {
            Ok(true) => {
                new += 1;
                tracing::warn!(validator = ev.validator(), evidence = %key, height, "Byzantine evidence learnt from a block");
            }
            Ok(false) => {}
            Err(err) => tracing::error!(error = %err, "cannot store evidence"),
        }
    }
    new
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::consensus::protocol::Validator;
    use crate::services::consensus::protocol::set_change::SetChange;
    use crate::services::consensus::protocol::testkit::governance_key;

    fn genesis() -> ValidatorSet {
        ValidatorSet {
            chain_id: "bitcraps-test".into(),
            epoch: 0,
            validators: (0..4u8)
                .map(|i| Validator {
                    id: format!("validator-{i}"),
                    public_key: SigningKey::from_bytes(&[i + 1; 32])
                        .verifying_key()
                        .to_bytes(),
                    power: 1,
                })
                .collect(),
            governance_keys: vec![governance_key().verifying_key().to_bytes()],
        }
    }

    fn put(store: &BlockStore, block: &Block) {
        let stored = StoredBlock {
            height: block.height,
            hash: hex::encode(block.hash()),
            block: serde_json::to_value(block).unwrap(),
            qc: Value::Null,
        };
        store.put(&stored, &[]).unwrap();
    }

    #[test]
    fn a_change_stored_but_not_recorded_before_a_crash_is_recorded_on_start() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlockStore::open(dir.path()).unwrap();
        let book = AddressBook::default();
        let set = genesis();
        let plain = Block {
            height: 1,
            view: 1,
            parent_hash: [0; 32],
            proposer: 1,
            proposals: vec![Proposal::new("p", serde_json::json!(1))],
        };
        put(&store, &plain);
        assert!(!finish_set_change(&store, &set, &book, 4).unwrap());
        let change = SetChange::SetPower {
            id: "validator-2".into(),
            power: 3,
        }
        .approve(&governance_key(), &set.chain_id, 0)
        .proposal("change".into());
        let block = Block {
            height: 2,
            view: 2,
            parent_hash: plain.hash(),
            proposer: 2,
            proposals: vec![change],
        };
        // The crash: the block is stored, its set is not.
        put(&store, &block);
        assert!(finish_set_change(&store, &set, &book, 4).unwrap());
        let now = current_set(&store, &set, &book).unwrap();
        assert_eq!((now.epoch, now.validators[2].power), (1, 3));
        assert_eq!(
            store.epochs().unwrap()[0].1,
            3,
            "effective at the next height"
        );
        // Recorded once: a second start changes nothing.
        assert!(!finish_set_change(&store, &now, &book, 4).unwrap());
        assert_eq!(store.epochs().unwrap().len(), 1);
    }
}
