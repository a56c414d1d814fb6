//! A deterministic simulator (tests only): n PBFT cores, a virtual clock,
//! and a network that drops, delays, duplicates and reorders messages,
//! partitions and heals, while validators crash and restart from exactly
//! what their shell persisted (the last `Persist` record and the committed
//! blocks). Clients submit proposals over time. A committed validator set
//! change ends a node's epoch as in the real shell: its core stops after
//! that block and the next epoch's core starts with the new set, the
//! committed chain and a fresh safety record.
//!
//! Checked on every run, as it happens:
//! - agreement: no two honest validators commit different blocks at one
//!   height;
//! - validity: every committed proposal was submitted, with its payload,
//!   and no id appears twice in a chain; each chain links parent hashes;
//! - certificates: every commit's QC verifies and commits that block;
//! - safety discipline: an honest validator never signs two different
//!   hashes for one (height, view, phase), across restarts, and never sends
//!   a vote its persisted record does not cover.
//!
//! Liveness (commits resume once the network heals) is checked by the
//! scenarios in `scenarios`.

mod checks;
pub mod latency;
mod mutate;
mod prng;
mod scenarios;
mod trace;

use std::collections::{BTreeMap, HashMap, HashSet};

use ed25519_dalek::SigningKey;
use serde_json::Value;

use super::config::{Algorithm, BoxedCore, CoreConfig, VoteSlot, build};
use super::testkit::{ResignCheck, key, set_with_powers};
use super::types::{Block, Proposal, QuorumCertificate, ValidatorSet};
use super::{Effect, Evidence, Input, Message, Recovered, RejectReason, SafetyRecord};

pub use prng::SplitMix64;
pub use trace::Stats;
use trace::{describe_effect, describe_input};

/// How the network treats messages right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Net {
    pub drop_per_mille: u64,
    pub dup_per_mille: u64,
    pub min_delay_ms: u64,
    pub max_delay_ms: u64,
}

impl Net {
    pub const CALM: Net = Net {
        drop_per_mille: 0,
        dup_per_mille: 0,
        min_delay_ms: 1,
        max_delay_ms: 5,
    };
}

#[derive(Debug, Clone)]
enum Event {
    Deliver {
        to: usize,
        from_node: usize,
        msg: Box<Message>,
    },
    Timer {
        node: usize,
        incarnation: u64,
        height: u64,
        view: u64,
    },
    Submit {
        proposal: Proposal,
        node: Option<usize>,
    },
    Crash {
        node: usize,
    },
    Restart {
        node: usize,
    },
    Partition {
        groups: Vec<u8>,
    },
    SetNet(Net),
}

struct Node {
    index: u32,
    honest: bool,
    core: Option<BoxedCore>,
    incarnation: u64,
    persisted: Option<SafetyRecord>,
    store: Vec<(Block, QuorumCertificate)>,
    ids: HashSet<String>,
    /// The validator set of the node's current epoch (what a real shell
    /// derives from the set-change blocks it stored).
    set: ValidatorSet,
    /// A committed block changed the set: the next epoch's core starts
    /// once this step's effects are done.
    next_set: Option<ValidatorSet>,
}

/// Options of one run.
#[derive(Debug, Clone)]
pub struct SimOptions {
    pub powers: Vec<u64>,
    pub algorithm: Algorithm,
    /// Validators that run a second, independent copy with the same key
    /// (Byzantine by equivocation without Byzantine code). Both copies
    /// count as dishonest: the checks cover the others.
    pub twins: Vec<u32>,
    pub config: CoreConfig,
    /// Round-trip every delivered message through JSON.
    pub json: bool,
    /// Use real ed25519 verification instead of the re-sign check.
    pub real_crypto: bool,
    /// Also deliver a tampered copy of this share of messages.
    pub tamper_per_mille: u64,
}

impl SimOptions {
    pub fn new(n: usize) -> SimOptions {
        SimOptions {
            powers: vec![1; n],
            algorithm: Algorithm::Pbft,
            twins: Vec::new(),
            config: CoreConfig::default(),
            json: false,
            real_crypto: false,
            tamper_per_mille: 0,
        }
    }
}

pub struct Sim {
    pub rng: SplitMix64,
    pub now: u64,
    seq: u64,
    queue: BTreeMap<(u64, u64), Event>,
    nodes: Vec<Node>,
    pub set: ValidatorSet,
    keys: Vec<SigningKey>,
    options: SimOptions,
    check: ResignCheck,
    net: Net,
    groups: Vec<u8>,
    /// height -> hash committed by honest validators.
    decided: BTreeMap<u64, [u8; 32]>,
    submitted: HashMap<String, Value>,
    next_proposal: u64,
    /// (epoch, validator, signing slot) -> hash an honest validator signed.
    signed: HashMap<(u64, u32, VoteSlot), [u8; 32]>,
    pub evidence: Vec<Evidence>,
    pub rejected: Vec<(usize, u32, RejectReason)>,
    pub events: u64,
    pub stats: Stats,
    pub trace: Option<Vec<String>>,
}

impl Sim {
    pub fn new(seed: u64, options: SimOptions) -> Sim {
        let set = set_with_powers(&options.powers);
        let n = set.len();
        let keys: Vec<SigningKey> = (0..n).map(key).collect();
        let check = ResignCheck::new(keys.clone());
        let mut sim = Sim {
            rng: SplitMix64::new(seed),
            now: 0,
            seq: 0,
            queue: BTreeMap::new(),
            nodes: Vec::new(),
            set,
            keys,
            check,
            net: Net::CALM,
            groups: Vec::new(),
            decided: BTreeMap::new(),
            submitted: HashMap::new(),
            next_proposal: 0,
            signed: HashMap::new(),
            evidence: Vec::new(),
            rejected: Vec::new(),
            events: 0,
            stats: Stats::default(),
            trace: std::env::var_os("SIM_TRACE").map(|_| Vec::new()),
            options,
        };
        for i in 0..n {
            sim.add_node(u32::try_from(i).unwrap(), true);
        }
        for twin in sim.options.twins.clone() {
            sim.add_node(twin, false);
            sim.nodes[twin as usize].honest = false;
        }
        sim.groups = vec![0; sim.nodes.len()];
        for node in 0..sim.nodes.len() {
            sim.boot(node);
        }
        sim
    }

    fn add_node(&mut self, index: u32, honest: bool) {
        self.nodes.push(Node {
            index,
            honest,
            core: None,
            incarnation: 0,
            persisted: None,
            store: Vec::new(),
            ids: HashSet::new(),
            set: self.set.clone(),
            next_set: None,
        });
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Starts (or restarts) a node from what its shell persisted.
    fn boot(&mut self, node: usize) {
        let n = &self.nodes[node];
        // The shell hands back enough recent blocks for the core to refuse
        // re-submitted ids (a real shell would cap this at its dedup horizon).
        let recovered = Recovered {
            safety: n.persisted.clone(),
            committed: n.store.clone(),
        };
        let index = n.index;
        let secret = self.keys[index as usize].to_bytes();
        let mut core = build(
            self.options.algorithm,
            n.set.clone(),
            index,
            secret,
            self.options.config.clone(),
            Some(recovered),
        )
        .expect("a valid core");
        if !self.options.real_crypto {
            core.set_signature_check(Box::new(self.check.clone()));
        }
        let n = &mut self.nodes[node];
        n.core = Some(core);
        n.incarnation += 1;
        self.step(node, Input::Start);
    }

    fn schedule(&mut self, at: u64, event: Event) {
        self.seq += 1;
        self.queue.insert((at, self.seq), event);
    }

    pub fn schedule_spec(&mut self, at: u64, spec: EventSpec) {
        let event = match spec {
            EventSpec::Crash(node) => Event::Crash { node },
            EventSpec::Restart(node) => Event::Restart { node },
            EventSpec::Partition(groups) => Event::Partition { groups },
            EventSpec::Heal => Event::Partition {
                groups: vec![0; self.nodes.len()],
            },
            EventSpec::Net(net) => Event::SetNet(net),
            EventSpec::Submit(node) => {
                let proposal = self.new_proposal();
                Event::Submit { proposal, node }
            }
        };
        self.schedule(at, event);
    }

    fn new_proposal(&mut self) -> Proposal {
        self.next_proposal += 1;
        let id = format!("p{}", self.next_proposal);
        let payload = serde_json::json!({"n": self.next_proposal, "bet": {"amount": self.next_proposal % 97}});
        self.submitted.insert(id.clone(), payload.clone());
        Proposal {
            id,
            payload,
            kind: (self.next_proposal % 3 == 0).then(|| "anchor".to_string()),
            attestation: None,
        }
    }

    /// Runs until virtual time `until` (or the queue empties).
    pub fn run_until(&mut self, until: u64) {
        while let Some(entry) = self.queue.first_entry() {
            let (t, _) = *entry.key();
            if t > until {
                break;
            }
            let event = entry.remove();
            self.now = t;
            self.events += 1;
            assert!(
                self.events < 3_000_000,
                "event budget exhausted at t={}",
                self.now
            );
            self.handle(event);
        }
        self.now = self.now.max(until);
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Deliver { to, from_node, msg } => {
                if self.groups[to] != self.groups[from_node] || self.nodes[to].core.is_none() {
                    return;
                }
                let msg = if self.options.json {
                    let text = serde_json::to_string(&msg).unwrap();
                    serde_json::from_str(&text).unwrap()
                } else {
                    *msg
                };
                let from = self.nodes[from_node].index;
                self.step(to, Input::Message { from, msg });
            }
            Event::Timer {
                node,
                incarnation,
                height,
                view,
            } => {
                if self.nodes[node].incarnation == incarnation && self.nodes[node].core.is_some() {
                    self.step(node, Input::Timeout { view, height });
                }
            }
            Event::Submit { proposal, node } => {
                let live: Vec<usize> = (0..self.nodes.len())
                    .filter(|i| self.nodes[*i].core.is_some())
                    .collect();
                let target = match node {
                    Some(i) if self.nodes[i].core.is_some() => Some(i),
                    Some(_) => None,
                    None if live.is_empty() => None,
                    None => Some(*self.rng.pick(&live)),
                };
                if let Some(i) = target {
                    self.step(i, Input::Propose(proposal));
                }
            }
            Event::Crash { node } => {
                self.log(format!("crash node {node}"));
                if self.nodes[node].core.is_some() {
                    self.stats.crashes += 1;
                }
                self.nodes[node].core = None;
                self.nodes[node].incarnation += 1;
            }
            Event::Restart { node } => {
                if self.nodes[node].core.is_none() {
                    self.log(format!("restart node {node}"));
                    self.boot(node);
                }
            }
            Event::Partition { groups } => {
                self.log(format!("partition {groups:?}"));
                if groups.iter().any(|g| *g != groups[0]) {
                    self.stats.partitions += 1;
                }
                self.groups = groups;
            }
            Event::SetNet(net) => self.net = net,
        }
    }

    fn log(&mut self, line: String) {
        let now = self.now;
        if let Some(trace) = &mut self.trace {
            trace.push(format!("{now:>8} {line}"));
        }
    }

    fn step(&mut self, node: usize, input: Input) {
        if self.nodes[node].core.is_none() {
            return;
        }
        if self.trace.is_some() {
            let line = format!("node {node} <- {}", describe_input(&input));
            self.log(line);
        }
        let Some(core) = self.nodes[node].core.as_mut() else {
            return;
        };
        let before = (core.height(), core.view());
        let effects = core.step(input);
        let after = (core.height(), core.view());
        // A view (round) left without a commit: the protocol's recovery ran.
        if after.0 == before.0 && after.1 > before.1 {
            self.stats.view_changes += 1;
        }
        self.execute(node, effects);
        if let Some(next) = self.nodes[node].next_set.take() {
            // The epoch ended: its core stops, the next epoch's starts with
            // the new set and a fresh safety record (a WAL per epoch).
            self.log(format!("node {node} enters epoch {}", next.epoch));
            let n = &mut self.nodes[node];
            n.set = next;
            n.persisted = None;
            n.core = None;
            n.incarnation += 1;
            self.boot(node);
        }
    }

    fn execute(&mut self, node: usize, effects: Vec<Effect>) {
        for effect in effects {
            if self.trace.is_some() {
                let line = format!("node {node} -> {}", describe_effect(&effect));
                self.log(line);
            }
            match effect {
                Effect::Persist(record) => {
                    self.check_signed_in_epoch(node, &record);
                    self.nodes[node].persisted = Some(record)
                }
                Effect::Send { to, msg } => {
                    self.check_outgoing(node, &msg);
                    if matches!(msg, Message::SyncResponse { .. }) {
                        self.stats.sync_responses += 1;
                    }
                    self.send(node, to, msg);
                }
                Effect::Broadcast { msg } => {
                    self.check_outgoing(node, &msg);
                    let me = self.nodes[node].index;
                    for to in 0..self.nodes[node].set.len() {
                        let to = u32::try_from(to).unwrap();
                        if to != me {
                            self.send(node, to, msg.clone());
                        }
                    }
                }
                Effect::SetTimer {
                    view,
                    height,
                    after_ms,
                } => {
                    let incarnation = self.nodes[node].incarnation;
                    let at = self.now + after_ms;
                    self.schedule(
                        at,
                        Event::Timer {
                            node,
                            incarnation,
                            height,
                            view,
                        },
                    );
                }
                Effect::Commit { block, qc } => self.on_commit(node, block, qc),
                Effect::CommitProof { .. } => {}
                Effect::Evidence(e) => {
                    self.stats.evidence += 1;
                    self.evidence.push(e);
                }
                Effect::Rejected { from, reason } => {
                    self.stats.rejected += 1;
                    self.rejected.push((node, from, reason));
                }
                Effect::ServeSync {
                    to,
                    from_height,
                    max_blocks,
                } => {
                    self.stats.serve_sync += 1;
                    let store = &self.nodes[node].store;
                    let start = usize::try_from(from_height.saturating_sub(1))
                        .unwrap()
                        .min(store.len());
                    let blocks: Vec<_> = store[start..].iter().take(max_blocks).cloned().collect();
                    if !blocks.is_empty() {
                        self.send(node, to, Message::SyncResponse { blocks });
                    }
                }
            }
        }
    }

    /// Network: each copy of a message to validator `to` (twins share an
    /// index) may be dropped, duplicated and delayed.
    fn send(&mut self, from_node: usize, to: u32, msg: Message) {
        let targets: Vec<usize> = (0..self.nodes.len())
            .filter(|i| self.nodes[*i].index == to && *i != from_node)
            .collect();
        for target in targets {
            if self.rng.chance(self.net.drop_per_mille) {
                self.stats.dropped += 1;
                continue;
            }
            let copies = if self.rng.chance(self.net.dup_per_mille) {
                self.stats.duplicated += 1;
                2
            } else {
                1
            };
            for _ in 0..copies {
                let delay = self.rng.range(self.net.min_delay_ms, self.net.max_delay_ms);
                let at = self.now + delay;
                self.schedule(
                    at,
                    Event::Deliver {
                        to: target,
                        from_node,
                        msg: Box::new(msg.clone()),
                    },
                );
            }
            if self.rng.chance(self.options.tamper_per_mille) {
                if let Some(bad) = mutate::mutate(&mut self.rng, &msg) {
                    self.stats.tampered += 1;
                    let delay = self.rng.range(self.net.min_delay_ms, self.net.max_delay_ms);
                    let at = self.now + delay;
                    self.schedule(
                        at,
                        Event::Deliver {
                            to: target,
                            from_node,
                            msg: Box::new(bad),
                        },
                    );
                }
            }
        }
    }

    // ----- observations for scenarios -----

    /// The epoch node `node` is in.
    pub fn epoch_of(&self, node: usize) -> u64 {
        self.nodes[node].set.epoch
    }

    /// The blocks node `node` committed, with their certificates.
    pub fn chain(&self, node: usize) -> &[(Block, QuorumCertificate)] {
        &self.nodes[node].store
    }

    /// Schedules a client proposal of the caller's making (for example a
    /// validator set change) to a random live node.
    pub fn submit_at(&mut self, at: u64, proposal: Proposal) {
        self.submitted
            .insert(proposal.id.clone(), proposal.payload.clone());
        self.schedule(
            at,
            Event::Submit {
                proposal,
                node: None,
            },
        );
    }

    pub fn committed_height(&self, node: usize) -> u64 {
        self.nodes[node].store.len() as u64
    }

    /// The leader node `node` expects for its current (height, view).
    pub fn current_leader(&self, node: usize) -> u32 {
        self.nodes[node].core.as_ref().map_or(0, |c| c.leader())
    }

    pub fn max_committed(&self) -> u64 {
        self.decided.keys().next_back().copied().unwrap_or(0)
    }

    pub fn submitted_count(&self) -> u64 {
        self.next_proposal
    }

    pub fn committed_ids(&self, node: usize) -> &HashSet<String> {
        &self.nodes[node].ids
    }

    pub fn honest_nodes(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|i| self.nodes[*i].honest)
            .collect()
    }

    /// Every honest node holds the same chain.
    pub fn dump_trace(&self) -> String {
        match &self.trace {
            Some(t) => {
                let lines = std::env::var("SIM_TRACE_LINES")
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(400);
                t[t.len().saturating_sub(lines)..].join("\n")
            }
            None => "(set SIM_TRACE=1 for a trace)".to_string(),
        }
    }

    pub fn status_line(&self) -> String {
        (0..self.nodes.len())
            .map(|i| match &self.nodes[i].core {
                Some(c) => format!("n{i}:h{}v{}p{}", c.height(), c.view(), c.pending_count()),
                None => format!("n{i}:down(h{})", self.nodes[i].store.len() + 1),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Things a scenario schedules.
#[derive(Debug, Clone)]
pub enum EventSpec {
    Crash(usize),
    Restart(usize),
    Partition(Vec<u8>),
    Heal,
    Net(Net),
    /// A client proposal to this node, or to a random live one.
    Submit(Option<usize>),
}
