//! One epoch's core and the IO around it: the task that owns the core,
//! feeds it inputs and executes its effects in order (see `node`).

use std::collections::HashMap;
use std::time::Duration;

use ed25519_dalek::SigningKey;
use serde_json::Value;
use sha2::Digest;
use tokio::sync::{mpsc, oneshot};

use super::committed::{
    EVIDENCE_KIND, evidence_body, record_committed_evidence, record_set_change,
};
use super::fault::Fault;
use super::node::{Cmd, Committed, Handover, Node};
use super::protocol::{
    self, Block, BoxedCore, Consensus, Effect, Evidence, Input, Message, Proposal,
    QuorumCertificate, SafetyRecord,
};
use super::store::StoredBlock;
use super::transport::{Envelope, Peers, now_ms};
use super::wal::Wal;
use crate::telemetry::trace;

pub(super) struct Shell {
    pub(super) tx: mpsc::Sender<(Cmd, trace::Context)>,
    pub(super) chain_id: String,
    pub(super) key: SigningKey,
    pub(super) peers: Peers,
    pub(super) wal: Wal<SafetyRecord>,
    pub(super) node: Node,
    pub(super) waiters: HashMap<String, oneshot::Sender<Committed>>,
    pub(super) wal_records: u64,
    pub(super) epoch_ended: mpsc::UnboundedSender<Handover>,
    /// A committed block changed the validator set: this core's epoch is
    /// over once the current batch of effects is done.
    pub(super) next_epoch: bool,
    /// Told to stop: peers are in a later epoch.
    pub(super) behind: bool,
    /// The safety record or a committed block could not be written: the
    /// process stops.
    pub(super) fail_stopped: bool,
    /// The cores' `max_batch`: a forward holding more is refused whole.
    pub(super) max_batch: usize,
    /// Validators this one proposed evidence against in this epoch.
    pub(super) evidence_proposed: std::collections::HashSet<u32>,
}

/// Exit status of a validator that could not write its safety record, a
/// committed block or the set a committed change makes (EX_IOERR). Its core
/// had moved on as if the write had succeeded, so it must not run again in
/// this process: it exits, the supervisor restarts it, and it recovers from
/// what is durable (the WAL keeps only intact, fsynced records).
/// Fail-stop, never continue.
pub const EXIT_SAFETY_RECORD_FAILED: i32 = 74;

impl Shell {
    pub(super) async fn run(
        mut self,
        mut core: BoxedCore,
        mut rx: mpsc::Receiver<(Cmd, trace::Context)>,
    ) {
        let effects = core.step(Input::Start);
        self.execute(effects);
        if self.fail_stopped {
            std::process::exit(EXIT_SAFETY_RECORD_FAILED);
        }
        self.snapshot(core.as_ref());
        while let Some((cmd, cx)) = rx.recv().await {
            let input = match cmd {
                Cmd::Stop => {
                    self.behind = true;
                    break;
                }
                Cmd::Input(i) => {
                    if let Input::Message {
                        msg: Message::Forward { proposals },
                        ..
                    } = i.as_ref()
                    {
                        self.note_forwarded(proposals);
                    }
                    *i
                }
                Cmd::Propose { proposal, wait } => {
                    if let Some(w) = wait {
                        self.waiters.insert(proposal.id.clone(), w);
                    }
                    Input::Propose(proposal)
                }
            };
            if let Input::Message { from, msg } = &input {
                tracing::trace!(from, kind = msg.kind(), sync = ?sync_summary(msg), "message in");
            }
            let effects = core.step(input);
            {
                // Outbound messages pick the input's trace up as their parent.
                let _current = cx.attach();
                self.execute(effects);
            }
            if self.fail_stopped {
                tracing::error!(
                    code = EXIT_SAFETY_RECORD_FAILED,
                    "a write this validator cannot go on without failed (safety record, committed block or new validator set): exiting so that it restarts from what is durable"
                );
                std::process::exit(EXIT_SAFETY_RECORD_FAILED);
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

    /// Proposals another validator forwarded are pending here too: any
    /// validator answers `GET /proposals/{id}` for them, not only the one a
    /// client sent them to. Committed ones, malformed ones and any beyond
    /// the bound are skipped; a commit removes them as it does the others.
    /// (Readiness judges a stall by the core's own queue, not this map.)
    fn note_forwarded(&self, proposals: &[Proposal]) {
        const MAX_NOTED: usize = 100_000;
        // A forward the core refuses whole (see `Pending::admit_forwarded`)
        // is noted nowhere: nothing would ever commit and remove it.
        let bytes: usize = proposals.iter().map(Proposal::wire_size).sum();
        if proposals.len() > self.max_batch || bytes > protocol::limits::MAX_BLOCK_PROPOSAL_BYTES {
            return;
        }
        let fresh: Vec<&Proposal> = proposals
            .iter()
            .filter(|p| p.validate().is_ok())
            .filter(|p| matches!(self.node.store.proposal_height(&p.id), Ok(None)))
            .collect();
        if fresh.is_empty() {
            return;
        }
        if let Ok(mut pending) = self.node.pending.lock() {
            for p in fresh {
                if pending.len() >= MAX_NOTED {
                    break;
                }
                pending.note(super::node::PendingProposal {
                    since: std::time::Instant::now(),
                    proposal: p.clone(),
                    client: None,
                });
            }
        }
    }

    fn snapshot(&self, core: &dyn Consensus) {
        let st = core.status();
        // Since when the core has had proposals waiting (readiness judges
        // a stall by the core's own queue, which commits empty).
        if let Ok(mut since) = self.node.pending_since.lock() {
            match (st.pending, *since) {
                (0, _) => *since = None,
                (_, None) => *since = Some(std::time::Instant::now()),
                _ => {}
            }
        }
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
        // Every message the core builds is within this bound (see
        // `protocol::limits`); one that is not would be refused by every
        // peer, so it is a defect to report, never something to send.
        let bound = protocol::limits::max_message_bytes(&self.node.set);
        if text.len() > bound {
            tracing::error!(
                kind = msg.kind(),
                bytes = text.len(),
                bound,
                "a message exceeds the transport bound; not sent (this is a bug)"
            );
            return;
        }
        tracing::trace!(to, kind = msg.kind(), sync = ?sync_summary(msg), "message out");
        let me = self.node.index;
        let targets: Vec<u32> = match to {
            Some(t) => vec![t],
            None => (0..self.node.set.len() as u32)
                .filter(|t| *t != me)
                .collect(),
        };
        let mut texts = vec![text];
        if fault.fault == Fault::Equivocate
            && let Some(conflict) = self.conflicting_vote(msg)
            && let Ok(text) = serde_json::to_string(&Message::Vote(conflict))
        {
            texts.push(text);
        }
        // One envelope per recipient: each names its recipient and the
        // time it was sealed, so it counts nowhere else and not for long.
        let sent_ms = now_ms();
        let digests: Vec<_> = texts
            .iter()
            .map(|t| sha2::Sha256::digest(t.as_bytes()))
            .collect();
        let out: Vec<(u32, Envelope)> = targets
            .into_iter()
            .filter(|t| fault.reaches(*t))
            .flat_map(|t| {
                texts.iter().zip(&digests).map(move |(text, digest)| {
                    (
                        t,
                        Envelope::seal_digested(
                            &self.chain_id,
                            me,
                            t,
                            sent_ms,
                            text.clone(),
                            digest,
                            &self.key,
                        ),
                    )
                })
            })
            .collect();
        let peers = self.peers.clone();
        let deliver = move || {
            for (to, env) in out {
                peers.send(to, env);
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
            if self.fail_stopped {
                return;
            }
            // The block that ends this epoch is committed: PBFT and
            // Tendermint sign and commit nothing above it, and should they
            // ever emit more, nothing of it leaves this validator (defence
            // in depth); sync answers, proofs and reports still go out.
            // HotStuff by design votes on the empty blocks above its last
            // block, which only serve to commit it at the others.
            if self.next_epoch
                && self.node.algorithm != protocol::Algorithm::HotStuff
                && !matches!(
                    e,
                    Effect::CommitProof { .. }
                        | Effect::ServeSync { .. }
                        | Effect::Evidence(_)
                        | Effect::Rejected { .. }
                        | Effect::Send {
                            msg: Message::SyncResponse { .. },
                            ..
                        }
                )
            {
                tracing::error!(effect = ?std::mem::discriminant(&e), "an effect after the epoch's last block was dropped (this is a bug in the core)");
                continue;
            }
            match e {
                Effect::Persist(rec) => {
                    if self.node.fault_state().fault == Fault::FailSafetyRecord {
                        // Injected: the frame's first bytes reach the file,
                        // then the write fails (a full disk, a dying device).
                        self.wal.inject(super::wal::InjectedFailure {
                            written: 8,
                            sync: false,
                        });
                    }
                    if let Err(err) = self.wal.append(&rec) {
                        // A validator that cannot remember what it signed
                        // must not sign: drop the rest of this batch and
                        // stop (the core has already moved on as if the
                        // record were durable, so it must never run again).
                        tracing::error!(error = %err, "cannot persist the safety record; stopping");
                        self.fail_stopped = true;
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
                Effect::CommitProof { height, proof } => {
                    // Best effort: without it a follower waits for the next
                    // commit's proof, which covers this block too.
                    let stored = serde_json::to_value(&proof)
                        .map_err(anyhow::Error::from)
                        .and_then(|v| self.node.store.put_proof(height, &v));
                    if let Err(err) = stored {
                        tracing::warn!(error = %err, height, "cannot store a commit proof");
                    }
                }
                Effect::Evidence(ev) => self.evidence(&ev),
                Effect::Rejected { from, reason } => self.node.count_rejection(from, reason.kind()),
                Effect::ServeSync {
                    to,
                    from_height,
                    max_blocks,
                } => match self.node.store.range(from_height, max_blocks as u32) {
                    Ok(rows) => {
                        let blocks: Vec<(Block, QuorumCertificate)> =
                            protocol::limits::within_sync_budget(rows.into_iter().filter_map(
                                |b| {
                                    Some((
                                        serde_json::from_value(b.block).ok()?,
                                        serde_json::from_value(b.qc).ok()?,
                                    ))
                                },
                            ));
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
            // The core has moved past this block: a validator whose store
            // lacks it must not go on (it restarts, and syncs the block).
            tracing::error!(error = %err, height = block.height, "cannot store a committed block; stopping");
            self.fail_stopped = true;
            return;
        }
        self.node.metrics.commits.inc();
        if let Ok(mut at) = self.node.last_progress.lock() {
            *at = std::time::Instant::now();
        }
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
        let ends_epoch =
            protocol::set_change::ends_epoch(&self.node.set, &block, self.node.min_validators);
        if record_set_change(
            &self.node.store,
            &self.node.set,
            &self.node.book,
            &block,
            self.node.min_validators,
        ) {
            self.next_epoch = true;
        } else if ends_epoch {
            // The core ended its epoch with this block but the new set could
            // not be recorded: this core will sign nothing more, so stop
            // (a restart completes the change from the stored block).
            tracing::error!(
                height = block.height,
                "cannot record the validator set change; stopping"
            );
            self.fail_stopped = true;
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
    fn evidence(&mut self, ev: &Evidence) {
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
                // One offence per validator and epoch proves it Byzantine;
                // more are kept here but not proposed. Proposing each one
                // let an equivocator that signs twice on every vote keep
                // the chain busy for good: each evidence block it voted on
                // made new evidence (HotStuff, a new view every block, made
                // 1,047 heights in 15 s with no client load).
                if !self.evidence_proposed.insert(ev.validator()) {
                    return;
                }
                let proposal = Proposal {
                    id: key.clone(),
                    payload: serde_json::json!({ "evidence": ev }),
                    kind: Some(EVIDENCE_KIND.to_string()),
                    attestation: None,
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

/// The heights a sync message names, for trace logs.
fn sync_summary(msg: &Message) -> Option<(u64, u64)> {
    match msg {
        Message::SyncRequest { from_height } => Some((*from_height, 0)),
        Message::SyncResponse { blocks } => Some((
            blocks.first().map_or(0, |b| b.0.height),
            blocks.last().map_or(0, |b| b.0.height),
        )),
        _ => None,
    }
}
