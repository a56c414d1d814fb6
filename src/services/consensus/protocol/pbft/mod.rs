//! PBFT (Castro & Liskov) for a chain of blocks, one height at a time.
//!
//! # Shape
//!
//! - **One height at a time, no pipelining.** Height h+1 starts only once h
//!   is committed. Each commit certificate is a *stable checkpoint*: it
//!   proves more than 2/3 of the power committed the block, so all state of
//!   the height (votes, view changes, prepared certificates) is dropped, and
//!   a validator that missed the height catches up from the block and its
//!   certificate alone (block sync).
//! - **Leader rule: `(height + view) mod n`.** Views restart at 0 for every
//!   height, so the leader rotates each height (no validator can censor for
//!   long) and each height is an independent single-decision PBFT instance,
//!   which keeps view changes and restarts simple. The cost: a crashed
//!   validator still leads view 0 of every n-th height, which then commits
//!   one base timeout (200 ms) late.
//! - **Normal case.** The view-0 leader batches up to `max_batch` pending
//!   proposals into a block and broadcasts a pre-prepare signed by its own
//!   prepare vote. Validators check it and broadcast prepare votes; a
//!   prepare quorum certificate (more than 2/3 of the power) makes the block
//!   *prepared*; they then broadcast commit votes; a commit certificate for
//!   any view of the height decides the block (`Effect::Commit`).
//! - **View change.** On a timeout a validator signs a view change for
//!   view + 1 carrying its highest prepared certificate (prepare QC +
//!   block). Validators holding more than 1/3 of the power asking for a
//!   higher view pull the others along (PBFT's f+1 rule). The new leader,
//!   with view changes from a quorum for its view, broadcasts a new-view
//!   carrying them as proof and re-proposing the highest prepared block
//!   (or a fresh batch, possibly empty, when none is prepared); every
//!   validator re-checks the proof and the choice before preparing.
//! - **Timeouts** are `base_timeout_ms * 2^view`, capped at
//!   `max_timeout_ms`: they start short, double with each view change of a
//!   height, and reset after a commit (views restart at 0). A timer runs
//!   only while there is work: pending proposals, a block or votes in
//!   flight, a view change, or a peer known to be ahead.
//! - **Block sync** (see `sync`): the core keeps the last `sync_window`
//!   committed blocks and answers `SyncRequest`s from them; older requests
//!   become `Effect::ServeSync` for the shell to serve from its store.
//!   Every synced block's commit certificate is verified before it is
//!   committed.
//! - **Safety across restarts.** Before any vote leaves, the core emits
//!   `Effect::Persist` with what it signs. It signs in a strict order of
//!   (height, view, phase) slots (view change < prepare < commit within a
//!   view) and never signs a slot below the last record, nor the same slot
//!   for a different hash; after a restart from `Recovered` it resumes from
//!   that record.
//! - **Client proposals** (`Input::Propose`) are kept pending and forwarded
//!   to every validator (`Broadcast` of `Message::Forward`), because the
//!   leader of the next height is a different validator; they leave the
//!   queue when committed. Committed ids are remembered (`remembered_ids`)
//!   and never proposed or accepted again.
//!
//! All validators of a chain must run with the same `max_batch`.

mod normal;
mod state;
mod sync;
mod view_change;

#[cfg(test)]
mod tests;

use ed25519_dalek::SigningKey;

use super::chain::{Chain, Pending};
use state::Round;

use super::messages::{Message, RejectReason, ViewChange};
use super::signature::{Ed25519Check, VerifyCache};
use super::stepping::{self, HeightCore};
use super::types::{
    Block, Phase, QcError, QuorumCertificate, ValidatorSet, Vote, VoteError, view_change_digest,
};
use super::{Consensus, CoreConfig, Effect, Input, Proposal, Recovered, SafetyRecord, SetupError};

/// Votes for views further ahead than this are ignored (not stored).
const VIEW_AHEAD: u64 = 8;
/// Messages for heights up to this far ahead are buffered for later.
const FUTURE_HEIGHTS: u64 = 2;
/// Buffered future messages per sender.
const FUTURE_PER_PEER: usize = 64;
/// Most blocks accepted in one sync response.
const MAX_SYNC_RESPONSE: usize = 1024;

/// Per-peer bookkeeping.
#[derive(Debug, Default)]
struct Peer {
    /// (height, view) of the last stale message answered with blocks.
    helped: Option<(u64, u64)>,
    /// Messages for heights just ahead of ours, replayed after a commit.
    future: std::collections::VecDeque<Message>,
}

/// A PBFT validator core.
#[derive(Debug)]
pub struct Pbft {
    set: ValidatorSet,
    me: u32,
    key: SigningKey,
    config: CoreConfig,
    check: VerifyCache,
    chain: Chain,
    round: Round,
    safety: Option<SafetyRecord>,
    pending: Pending,
    /// (height, view) of the armed timer.
    timer: Option<(u64, u64)>,
    peers: Vec<Peer>,
    last_votes: Vec<Option<Vote>>,
    /// Highest height a peer showed us, and that peer.
    highest_seen: Option<(u64, u32)>,
    /// (height, view) at which we last sent a sync request.
    sync_asked: Option<(u64, u64)>,
    /// The height advanced: buffered messages are due.
    replay: bool,
}

impl Pbft {
    /// Builds the core of validator `my_index`. `recovered` is what the
    /// shell persisted before a restart (`None` on first start).
    pub fn new(
        set: ValidatorSet,
        my_index: u32,
        signing_key: [u8; 32],
        config: CoreConfig,
        recovered: Option<Recovered>,
    ) -> Result<Pbft, SetupError> {
        let key = super::config::member_key(&set, my_index, signing_key, &config)?;
        let n = set.len();
        let mut core = Pbft {
            me: my_index,
            key,
            check: VerifyCache::new(Box::new(Ed25519Check), config.verify_cache),
            chain: Chain::new(config.sync_window, config.remembered_ids),
            round: Round::new(n),
            safety: None,
            pending: Pending::default(),
            timer: None,
            peers: (0..n).map(|_| Peer::default()).collect(),
            last_votes: vec![None; n],
            highest_seen: None,
            sync_asked: None,
            replay: false,
            config,
            set,
        };
        if let Some(recovered) = recovered {
            core.restore(recovered)?;
        }
        Ok(core)
    }

    /// Replaces the signature check (simulations use a cheaper one).
    #[cfg(test)]
    pub(crate) fn with_signature_check(
        mut self,
        check: Box<dyn super::signature::SignatureCheck>,
    ) -> Pbft {
        self.set_signature_check(check);
        self
    }

    pub fn config(&self) -> &CoreConfig {
        &self.config
    }

    pub fn my_index(&self) -> u32 {
        self.me
    }

    /// A view change is under way (no new-view accepted yet).
    pub fn is_view_changing(&self) -> bool {
        self.round.changing
    }

    /// A committed block still in the in-memory window.
    pub fn committed_block(&self, height: u64) -> Option<&(Block, QuorumCertificate)> {
        self.chain.get(height)
    }

    /// The last persisted-to-be safety record.
    pub fn safety_record(&self) -> Option<&SafetyRecord> {
        self.safety.as_ref()
    }

    fn restore(&mut self, recovered: Recovered) -> Result<(), SetupError> {
        for (block, qc) in recovered.committed {
            if self.chain.last_qc.is_some() && block.height != self.chain.next_height {
                return Err(SetupError::Recovered(format!(
                    "committed block {} follows height {}",
                    block.height,
                    self.chain.next_height.saturating_sub(1)
                )));
            }
            if self.chain.last_qc.is_some() && block.parent_hash != self.chain.last_hash {
                return Err(SetupError::Recovered(format!(
                    "committed block {} does not extend the block before it",
                    block.height
                )));
            }
            if qc.phase != Phase::Commit || !qc.certifies(&block) {
                return Err(SetupError::Recovered(format!(
                    "the certificate stored with block {} does not commit it",
                    block.height
                )));
            }
            self.chain
                .commit_in_epoch(block, qc, &self.set, self.config.min_validators);
        }
        let Some(record) = recovered.safety else {
            return Ok(());
        };
        let h = self.chain.next_height;
        if record.height == h {
            let round = &mut self.round;
            round.view = record.view;
            round.prepared = record
                .prepared
                .clone()
                .filter(|p| p.qc.height == h && p.qc.certifies(&p.block));
            if let Some(p) = &round.prepared {
                round.remember_block(p.qc.block_hash, p.block.clone());
            }
            match record.phase {
                Phase::ViewChange => {
                    round.changing = true;
                    let prepared = round
                        .prepared
                        .as_ref()
                        .map(|p| (p.qc.view, &p.qc.block_hash));
                    if view_change_digest(prepared) == record.block_hash {
                        // Same slot, same digest: the identical signature again.
                        let vote = Vote::sign(
                            &self.key,
                            &self.set,
                            self.me,
                            h,
                            record.view,
                            Phase::ViewChange,
                            record.block_hash,
                        );
                        let vc = ViewChange {
                            vote,
                            prepared: round.prepared.clone(),
                        };
                        if let Some(slot) = round.view_changes.get_mut(self.me as usize) {
                            *slot = Some(vc.clone());
                        }
                        round.my_vc = Some(vc);
                    }
                }
                Phase::Prepare | Phase::Commit => {
                    if round.blocks.contains_key(&record.block_hash)
                        && round
                            .prepared
                            .as_ref()
                            .is_some_and(|p| p.qc.view == record.view)
                    {
                        round.proposal = Some(record.block_hash);
                    }
                    round.sent_commit = record.phase == Phase::Commit;
                }
                other => {
                    return Err(SetupError::Recovered(format!(
                        "the safety record is a {other} vote, which PBFT never signs \
                         (was this data directory written by another algorithm?)"
                    )));
                }
            }
        }
        self.safety = Some(record);
        Ok(())
    }

    // ----- helpers shared by the protocol parts -----

    fn n(&self) -> usize {
        self.set.len()
    }

    fn reject(&self, from: u32, reason: impl Into<RejectReason>, out: &mut Vec<Effect>) {
        out.push(Effect::Rejected {
            from,
            reason: reason.into(),
        });
    }

    fn verify_vote(&mut self, vote: &Vote) -> Result<(), VoteError> {
        let check = &mut self.check;
        vote.verify_with(&self.set, &mut |k, m, s| check.check(k, m, s))
    }

    fn verify_qc(&mut self, qc: &QuorumCertificate) -> Result<(), QcError> {
        let check = &mut self.check;
        qc.verify_with(&self.set, &mut |k, m, s| check.check(k, m, s))
    }

    /// Signs (current height, `view`, `phase`, `hash`) if the safety rule
    /// allows, emitting the `Persist` that must precede the vote.
    fn sign(
        &mut self,
        view: u64,
        phase: Phase,
        hash: [u8; 32],
        out: &mut Vec<Effect>,
    ) -> Option<Vote> {
        let h = self.chain.next_height;
        if let Some(last) = &self.safety {
            let slot = (h, view, phase.rank());
            let last_slot = (last.height, last.view, last.phase.rank());
            if slot < last_slot || (slot == last_slot && last.block_hash != hash) {
                return None;
            }
        }
        let vote = Vote::sign(&self.key, &self.set, self.me, h, view, phase, hash);
        let record = SafetyRecord {
            height: h,
            view,
            phase,
            block_hash: hash,
            prepared: self.round.prepared.clone(),
            branch: Vec::new(),
        };
        if self.safety.as_ref() != Some(&record) {
            self.safety = Some(record.clone());
            out.push(Effect::Persist(record));
        }
        self.note_vote(&vote);
        Some(vote)
    }

    /// Keeps the latest vote seen from its signer, for status.
    fn note_vote(&mut self, vote: &Vote) {
        let Some(slot) = self.last_votes.get_mut(vote.validator as usize) else {
            return;
        };
        let newer = slot.as_ref().is_none_or(|old| {
            (vote.height, vote.view, vote.phase.rank()) >= (old.height, old.view, old.phase.rank())
        });
        if newer {
            *slot = Some(vote.clone());
        }
    }

    /// Stores a valid vote of the current height; reports a second,
    /// different vote for one (validator, view, phase) as evidence, once.
    /// True when the vote is new.
    fn record_vote(&mut self, vote: Vote, out: &mut Vec<Effect>) -> bool {
        if vote.view > self.round.view.saturating_add(VIEW_AHEAD) {
            return false;
        }
        let round = &mut self.round;
        let slot = round.votes.entry((vote.view, vote.phase)).or_default();
        match slot.get(&vote.validator) {
            Some(prev) if prev.block_hash == vote.block_hash => false,
            Some(prev) => {
                if round
                    .reported
                    .insert((vote.validator, vote.view, vote.phase))
                {
                    out.push(Effect::Evidence(super::Evidence::DuplicateVote {
                        a: prev.clone(),
                        b: vote,
                    }));
                }
                false
            }
            None => {
                slot.insert(vote.validator, vote);
                true
            }
        }
    }

    /// Work at the current height that a timeout must move along.
    fn needs_progress(&self) -> bool {
        !self.pending.is_empty()
            || self.round.proposal.is_some()
            || self.round.changing
            || self.round.prepared.is_some()
            || self.round.has_votes()
    }

    fn behind(&self) -> bool {
        self.highest_seen
            .is_some_and(|(h, _)| h > self.chain.next_height)
    }

    fn ensure_timer(&mut self, out: &mut Vec<Effect>) {
        if !(self.needs_progress() || self.behind()) {
            return;
        }
        let key = (self.chain.next_height, self.round.view);
        if self.timer == Some(key) {
            return;
        }
        self.timer = Some(key);
        out.push(Effect::SetTimer {
            view: key.1,
            height: key.0,
            after_ms: self.config.timeout_for(key.1),
        });
    }

    fn on_start(&mut self, out: &mut Vec<Effect>) {
        if self.n() > 1 {
            out.push(Effect::Broadcast {
                msg: Message::SyncRequest {
                    from_height: self.chain.next_height,
                },
            });
        }
        if self.round.changing {
            if let Some(vc) = self.round.my_vc.clone() {
                out.push(Effect::Broadcast {
                    msg: Message::ViewChange(vc),
                });
            }
        }
    }

    fn on_message(&mut self, from: u32, msg: Message, replaying: bool, out: &mut Vec<Effect>) {
        if self.set.get(from).is_none() {
            self.reject(from, RejectReason::NonMember { validator: from }, out);
            return;
        }
        if let Some(vote) = msg.anchor_vote() {
            let (h, v) = (vote.height, vote.view);
            if let Err(e) = self.verify_vote(vote) {
                self.reject(from, e, out);
                return;
            }
            let vote = vote.clone();
            self.note_vote(&vote);
            if h < self.chain.next_height {
                if !replaying {
                    self.on_stale(from, &msg, h, v, out);
                }
                return;
            }
            if h > self.chain.next_height {
                self.on_future(from, msg, h, out);
                return;
            }
        }
        match msg {
            Message::PrePrepare {
                block,
                vote,
                parent_qc: _,
            } => self.on_pre_prepare(from, block, vote, out),
            Message::Vote(vote) => self.on_vote(from, vote, out),
            Message::ViewChange(vc) => self.on_view_change(from, vc, out),
            Message::NewView(nv) => self.on_new_view(from, nv, out),
            Message::Forward { proposals } => self.on_forward(from, proposals, out),
            Message::SyncRequest { from_height } => self.serve_sync(from, from_height, out),
            Message::SyncResponse { blocks } => self.on_sync_response(from, blocks, out),
            Message::Tendermint(_) => {
                let detail = "a Tendermint message; this chain runs PBFT";
                self.reject(from, RejectReason::malformed(detail), out);
            }
            Message::HotStuff(m) => {
                let detail = format!("{} is a HotStuff message; this chain runs PBFT", m.kind());
                self.reject(from, RejectReason::malformed(detail), out);
            }
        }
    }
}

impl HeightCore for Pbft {
    fn chain(&self) -> &Chain {
        &self.chain
    }
    fn start(&mut self, out: &mut Vec<Effect>) {
        self.on_start(out);
    }
    fn propose(&mut self, proposal: Proposal, out: &mut Vec<Effect>) {
        self.on_propose(proposal, out);
    }
    fn timeout(&mut self, height: u64, view: u64, out: &mut Vec<Effect>) {
        self.on_timeout(height, view, out);
    }
    fn message(&mut self, from: u32, msg: Message, out: &mut Vec<Effect>) {
        self.on_message(from, msg, false, out);
    }
    fn replay(&mut self, out: &mut Vec<Effect>) {
        self.replay_buffered(out);
    }
    fn lead(&mut self, out: &mut Vec<Effect>) -> bool {
        self.maybe_propose(out)
    }
    fn arm_timers(&mut self, out: &mut Vec<Effect>) {
        self.ensure_timer(out);
    }
    fn answer_sync(&mut self, to: u32, from_height: u64, out: &mut Vec<Effect>) {
        self.serve_sync(to, from_height, out);
    }
}

impl Consensus for Pbft {
    #[cfg(test)]
    fn set_signature_check(&mut self, check: Box<dyn super::signature::SignatureCheck>) {
        self.check = VerifyCache::new(check, self.config.verify_cache);
    }

    fn step(&mut self, input: Input) -> Vec<Effect> {
        stepping::step(self, input)
    }

    fn algorithm(&self) -> &'static str {
        "pbft"
    }

    fn validator_set(&self) -> &ValidatorSet {
        &self.set
    }

    fn height(&self) -> u64 {
        self.chain.next_height
    }

    fn view(&self) -> u64 {
        self.round.view
    }

    fn leader(&self) -> u32 {
        self.set.leader(self.chain.next_height, self.round.view)
    }

    fn last_committed_hash(&self) -> Option<[u8; 32]> {
        self.chain.last_qc.as_ref().map(|qc| qc.block_hash)
    }

    fn pending_count(&self) -> usize {
        self.pending.len()
    }

    fn last_votes(&self) -> &[Option<Vote>] {
        &self.last_votes
    }
}
