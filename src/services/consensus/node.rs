//! A validator node: the handle the HTTP API and the epoch owner use
//! (proposals, status, faults) and the start of one epoch's core,
//! recovered from the WAL and the block store. The task that runs the
//! core is [`super::shell`]: one task owns the core, feeds it inputs
//! (client proposals, peer messages, timer expiries) and executes its
//! effects in order — the safety record is fsynced to the WAL before the
//! vote it records leaves the node, committed blocks go to the store
//! before anyone is told, timers are tokio sleeps that come back as
//! inputs. What a committed block changes besides the chain (the set, the
//! evidence index) is [`super::committed`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use anyhow::Context;
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use super::committed::{current_set, finish_set_change};
use super::fault::{Fault, FaultState};
use super::protocol::{
    self, Algorithm, Block, CoreConfig, Input, Message, Proposal, QuorumCertificate, Recovered,
    SafetyRecord, Status, ValidatorSet,
};
use super::shell::Shell;
use super::store::BlockStore;
use super::transport::Peers;
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

pub(super) enum Cmd {
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
    /// Refused messages whose sender is not proven, by reason.
    pub unauthenticated: Arc<Mutex<HashMap<String, u64>>>,
    pub pending: Arc<Mutex<PendingMap>>,
    pub metrics: NodeMetrics,
    pub algorithm: Algorithm,
    /// Members needed for BFT with the configured f (3f+1).
    pub min_validators: usize,
    /// Where each validator (by id) is reached.
    pub book: AddressBook,
    /// Injected faults (see `fault`); honest unless configured.
    pub fault: Arc<RwLock<FaultState>>,
    /// When this node last made progress: its last commit, or its start.
    pub last_progress: Arc<Mutex<Instant>>,
    /// Since when its core has had proposals waiting (none: its queue is
    /// empty, or no core runs).
    pub pending_since: Arc<Mutex<Option<Instant>>>,
    /// How long proposals may wait with no commit before the node reports
    /// itself stalled (`CoreConfig::stall_after`).
    pub stall_after: std::time::Duration,
    /// The core's `max_pending`: a proposal beyond it is refused up front.
    /// Most proposals in a block (and in a forward).
    pub max_batch: usize,
    pub max_pending: usize,
    /// What one client may have waiting here.
    pub quota: ClientQuota,
}

#[derive(Clone)]
pub struct NodeMetrics {
    pub(super) height: prometheus::IntGauge,
    pub(super) view: prometheus::IntGauge,
    pub(super) commits: prometheus::IntCounter,
    pub(super) committed_proposals: prometheus::IntCounter,
    pub(super) latency: prometheus::Histogram,
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
                "Messages and votes refused, by sending validator index (or `unauthenticated` when the sender is not proven) and reason.",
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

    /// `from` is a member's index or `unauthenticated`.
    pub fn reject(&self, from: &str, reason: &str) {
        self.rejected.with_label_values(&[from, reason]).inc();
    }
}

impl Node {
    /// How long this node has gone without a commit while proposals wait,
    /// if longer than `stall_after`: readiness reports it.
    pub fn stalled_for(&self) -> Option<std::time::Duration> {
        // The core's own queue, not the `pending` map (which also serves
        // `GET /proposals/{id}` and could hold an entry the core refused).
        let oldest = *self.pending_since.lock().ok()?;
        let last = *self.last_progress.lock().ok()?;
        super::protocol::config::stall(Instant::now(), oldest, last, self.stall_after)
    }
}

/// A proposal refused because `max_pending` proposals already wait.
#[derive(Debug, thiserror::Error)]
#[error("{waiting} proposals are waiting (max_pending); retry later")]
pub struct Overloaded {
    pub waiting: usize,
}

pub use super::pending::{ClientQuota, PendingMap, PendingProposal, QuotaExceeded};

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
    /// What one client may have waiting at this validator.
    pub quota: ClientQuota,
    /// The shell tells the owner here that its epoch ended.
    pub epoch_ended: mpsc::UnboundedSender<Handover>,
}

/// What one epoch's shell hands the next: clients waiting for commits,
/// and proposals not yet committed.
#[derive(Default)]
pub struct Handover {
    pub waiters: HashMap<String, oneshot::Sender<Committed>>,
    pub pending: PendingMap,
    /// Peers were seen in a later epoch: catch up from them first.
    pub behind: bool,
}

impl Node {
    /// Recovers from the WAL and the block store, then starts the core of
    /// the current epoch (or, when this validator is not a member of the
    /// current set, a retired node that follows the chain).
    /// What is in flight from the last epoch is taken from `handover` only
    /// once the start can no longer fail, so a failed start can be retried
    /// with it.
    pub fn start(o: &NodeOptions, handover: &mut Handover) -> anyhow::Result<Node> {
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
            unauthenticated: Arc::default(),
            pending: Arc::new(Mutex::new(handover.pending.clone())),
            metrics: o.metrics.clone(),
            algorithm: o.algorithm,
            min_validators: o.min_validators,
            book: o.book.clone(),
            fault: o.fault.clone(),
            last_progress: Arc::new(Mutex::new(Instant::now())),
            pending_since: Arc::default(),
            stall_after: o.config.stall_after(),
            max_pending: o.config.max_pending,
            max_batch: o.config.max_batch,
            quota: o.quota,
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
        // HotStuff's leader election looks back on the last
        // `REPUTATION_WINDOW` blocks: a restarted validator must hold them
        // to name the same leaders as the others.
        let keep = o
            .config
            .sync_window
            .max(protocol::hotstuff::REPUTATION_WINDOW);
        let committed = recent_blocks(&store, keep)?;
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
        // A member nobody knows the address of (an added validator whose
        // change named none) is unreachable, not a reason to stop: the
        // others go on as long as they hold a quorum.
        let addrs: Vec<Option<std::net::SocketAddr>> = {
            let book = o
                .book
                .read()
                .map_err(|_| anyhow::anyhow!("address book lock poisoned"))?;
            set.validators
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let addr = book.get(&v.id).copied();
                    if addr.is_none() && i as u32 != index {
                        tracing::error!(validator = %v.id, epoch = set.epoch, "no address is known for this member; it cannot be reached this epoch");
                    }
                    addr
                })
                .collect()
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
            waiters: std::mem::take(&mut handover.waiters),
            wal_records: 0,
            epoch_ended: o.epoch_ended.clone(),
            next_epoch: false,
            behind: false,
            fail_stopped: false,
            max_batch: o.config.max_batch,
            evidence_proposed: Default::default(),
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
    /// `client`: whom it counts against ([`ClientQuota`]; none for
    /// services and admins).
    pub async fn propose(
        &self,
        proposal: Proposal,
        wait: bool,
        client: Option<String>,
    ) -> anyhow::Result<Option<oneshot::Receiver<Committed>>> {
        if self.retired {
            anyhow::bail!(
                "this validator is not a member of the current validator set (epoch {})",
                self.set.epoch
            );
        }
        // The core refuses a proposal beyond `max_pending` too, but only
        // after the client has its answer: refuse it here, so that a 202
        // means queued. (Between two snapshots a few more may pass; the
        // core's own check bounds its queue.)
        let waiting = self.status.read().map(|s| s.pending).unwrap_or(0);
        if waiting >= self.max_pending {
            return Err(Overloaded { waiting }.into());
        }
        if let Ok(mut p) = self.pending.lock() {
            p.admit(
                PendingProposal {
                    since: Instant::now(),
                    proposal: proposal.clone(),
                    client,
                },
                self.quota,
                100_000,
            )?;
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

    /// Counts a refused message from member `from`, whose sending is
    /// authenticated (its envelope verified, or the core's own index). A
    /// claimed sender that is not a member counts as unauthenticated.
    pub fn count_rejection(&self, from: u32, reason: &str) {
        if self.set.get(from).is_none() {
            self.count_unauthenticated(reason);
            return;
        }
        self.metrics.reject(&from.to_string(), reason);
        if let Ok(mut seen) = self.peers_seen.lock()
            && let Some(p) = seen.get_mut(from as usize)
        {
            *p.rejected.entry(reason.to_string()).or_insert(0) += 1;
        }
    }

    /// Counts a refused message whose sender is not proven (a bad envelope
    /// or vote signature, a non-member): never charged to the validator it
    /// names, and one metrics label for all of them, so a forger can
    /// neither frame an honest validator nor grow the label set.
    pub fn count_unauthenticated(&self, reason: &str) {
        self.metrics.reject("unauthenticated", reason);
        if let Ok(mut u) = self.unauthenticated.lock() {
            *u.entry(reason.to_string()).or_insert(0) += 1;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::consensus::protocol::testkit::{key, set};

    /// An approved change can add a member whose address nobody knows (the
    /// HTTP check asks for one, but a replayed or Byzantine-proposed change
    /// need not have it): the node starts anyway, that member unreachable.
    #[tokio::test]
    async fn a_member_without_an_address_does_not_stop_the_node() {
        let dir = tempfile::tempdir().unwrap();
        let set = set(4);
        let book: AddressBook = Arc::new(RwLock::new(
            set.validators[..3]
                .iter()
                .enumerate()
                .map(|(i, v)| (v.id.clone(), ([127, 0, 0, 1], 1 + i as u16).into()))
                .collect(),
        ));
        let (epoch_ended, _ended) = mpsc::unbounded_channel();
        let opts = NodeOptions {
            genesis: set,
            key: key(0),
            book,
            data_dir: dir.path().join("validator-0"),
            algorithm: Algorithm::Pbft,
            config: CoreConfig::default(),
            metrics: NodeMetrics::new(&prometheus::Registry::new()).unwrap(),
            fault: Arc::default(),
            min_validators: 4,
            quota: ClientQuota::default(),
            epoch_ended,
        };
        let node = Node::start(&opts, &mut Handover::default()).unwrap();
        assert_eq!(node.index, 0);
        assert!(!node.retired && !node.core_stopped());
    }
}
