//! Tendermint ("The latest gossip on BFT consensus", Buchman, Kwon and
//! Milosevic 2018, Algorithm 1; the CometBFT consensus spec), one height at
//! a time.
//!
//! # Rules (line numbers of Algorithm 1)
//!
//! - **Rounds.** `view` in votes, timers and [`Consensus::view`] is the
//!   round. Each height starts at round 0. The proposer of (height, round)
//!   is [`ValidatorSet::leader`]: `(height + round) mod n`, so a crashed
//!   proposer is skipped by the next round.
//! - **Propose (StartRound, l. 11).** The proposer proposes its validValue
//!   with its proof-of-lock, else a fresh batch of pending proposals (fresh
//!   blocks say `view = round` and name the proposer). It waits while it has
//!   nothing to propose and the height is idle (no pending proposals, no
//!   votes): heights are decided on demand, not as a stream of empty blocks;
//!   once anyone votes at the height, a proposer with nothing pending
//!   proposes an empty block.
//! - **The proposal** ([`SignedProposal`]) is signed by the proposer's own
//!   prevote for the block in that round (so an equivocating proposer is a
//!   duplicate prevote, reported as evidence). validRound travels as `pol`,
//!   the prevote certificate of that round for the block, so every field is
//!   signed and checked by every receiver (and a receiver that missed those
//!   prevotes may still unlock, l. 28).
//! - **Prevote (l. 22, 28).** In the propose step, on the round's proposal:
//!   prevote the block if it is valid and we are unlocked, locked on it, or
//!   the proof-of-lock is from our lock round or later; otherwise prevote
//!   nil (32 zero bytes). On the propose timeout: prevote nil (l. 57).
//! - **Precommit (l. 36, 44).** On 2/3+ prevotes for the round's proposal,
//!   in the prevote step: lock it (lockedValue/lockedRound) and precommit it;
//!   from the prevote step on, it also becomes the validValue/validRound. On
//!   2/3+ prevotes for nil: precommit nil. The prevote timeout precommits
//!   nil (l. 61).
//! - **Decide (l. 49).** 2/3+ precommits for a block of this height in any
//!   round decide it: `Effect::Commit` with that precommit certificate.
//!   After 2/3+ precommits of any kind, the precommit timeout starts the
//!   next round (l. 47, 65).
//! - **Round skip (l. 55).** When validators holding more than 1/3 of the
//!   power have been seen (valid proposals and votes of this height) in
//!   rounds at or above some round above ours, we start the highest such
//!   round.
//! - **Timeouts.** Every timeout of round r is `timeout_for(k)` = base *
//!   2^k, capped at `max_timeout_ms`, where k counts the earlier rounds of
//!   the height in which validators holding 2/3+ of the power were heard
//!   voting (late votes included): they double with rounds a quorum took
//!   part in but did not finish in time, not with rounds cut off from a
//!   quorum (a partition), so a split does not leave timers seconds long
//!   when it heals. Rounds restart at 0 with each height, so timeouts
//!   reset on progress.
//! - **Rounds that cannot succeed end early.** Prevotes split so that no
//!   value can reach 2/3+ precommit nil at once; precommits such that no
//!   block can reach 2/3+ start the next round at once (the paper waits
//!   out the timeouts, for votes that here cannot change the outcome).
//! - **Helping a laggard.** A vote or round state from a peer in an earlier
//!   round of our height gets our round state back (and our proposal, if
//!   we propose this round), once per round: with it the peer's round skip
//!   brings it to us at once instead of at our next step, which after a
//!   long outage is a capped timeout away. A timer runs only while the height has
//!   work: pending proposals, a proposal or votes, a lock, or a peer ahead.
//!   Departure from l. 34 and l. 47, which start the prevote and precommit
//!   timeouts at 2/3+ votes of any kind: here they also run from entering
//!   the prevote and precommit steps. A validator restarted after signing
//!   in a later round cannot send its earlier votes again (its safety
//!   record holds only the last one), so those 2/3+ may never gather, and
//!   nil precommits and round changes are always safe. A round that ends
//!   without 2/3+ precommits sends its votes again (`RoundState`: the
//!   sender's own latest vote and every vote it holds for this round and
//!   the one before): the gossip the paper assumes, and the signal that
//!   lets a peer past this height send the blocks.
//!
//! # What the commit certificate proves
//!
//! A committed block comes with a quorum certificate of phase `Precommit`
//! for (height, round, block hash): validators holding more than 2/3 of the
//! power precommitted this block in that round. An honest validator
//! precommits a block only after seeing 2/3+ prevotes for it in that round,
//! and then stays locked on it: in later rounds it prevotes another block
//! only on a proof-of-lock from a later round, and no such certificate can
//! form while more than 1/3 of the power (the honest part of the
//! precommitters when at most f is faulty) is locked on this block. So no
//! other block of this height can ever gather a precommit certificate.
//! `qc.view` is the deciding round; `block.view` is the round in which the
//! block was first proposed (a re-proposed validValue travels unchanged).
//!
//! # Safety records
//!
//! Before any vote leaves, `Effect::Persist` records it: (height, round,
//! phase, hash) of the last vote signed, in the strict order of
//! [`Algorithm::vote_slot`] (prevote < precommit within a round). The lock
//! is `SafetyRecord::prepared`: `qc` is the 2/3+ prevote certificate of
//! lockedRound for lockedValue (`qc.view` = lockedRound) and `block` is
//! lockedValue. It changes only together with a precommit, so the record
//! that covers that precommit carries it. validValue/validRound are kept in
//! memory only: after a restart the core starts from validValue =
//! lockedValue (validRound = lockedRound), which is what Algorithm 1 allows
//! a validator that has seen no later polka. A record of a phase Tendermint
//! never signs is refused with `SetupError::Recovered`.
//!
//! # Catching up
//!
//! As PBFT (see `pbft::sync`): `SyncRequest` on start; messages of the
//! next two heights are buffered, a proposal for the next height carries
//! the commit certificate of ours; further ahead, or a timeout while a peer
//! is ahead, asks that peer for blocks; a `RoundState` from a height we
//! have decided is answered with the blocks; every synced certificate is
//! verified.
//!
//! [`Algorithm::vote_slot`]: super::Algorithm::vote_slot

mod messages;
mod rules;
mod state;
mod sync;

#[cfg(test)]
mod tests;

use ed25519_dalek::SigningKey;

pub use messages::{SignedProposal, TendermintMessage};
pub use state::NIL;

use super::chain::{Chain, Pending};
use super::messages::{Evidence, Message, RejectReason};
use super::signature::{Ed25519Check, VerifyCache};
use super::stepping::{self, HeightCore};
use super::types::{Phase, QcError, QuorumCertificate, ValidatorSet, Vote, VoteError};
use super::{Consensus, CoreConfig, Effect, Input, Proposal, Recovered, SafetyRecord, SetupError};
use state::{HeightState, Step};

/// Votes and proposals for rounds further ahead than this are not stored
/// (they still count for the round skip).
const ROUND_AHEAD: u64 = 8;
/// Messages for heights up to this far ahead are buffered for later.
const FUTURE_HEIGHTS: u64 = 2;
/// Buffered future messages per sender.
const FUTURE_PER_PEER: usize = 64;
/// Most blocks accepted in one sync response.
const MAX_SYNC_RESPONSE: usize = 1024;

/// A Tendermint validator core.
#[derive(Debug)]
pub struct Tendermint {
    set: ValidatorSet,
    me: u32,
    key: SigningKey,
    config: CoreConfig,
    check: VerifyCache,
    chain: Chain,
    state: HeightState,
    safety: Option<SafetyRecord>,
    pending: Pending,
    /// Messages for heights just ahead of ours, per sender.
    future: Vec<std::collections::VecDeque<Message>>,
    last_votes: Vec<Option<Vote>>,
    /// Highest height a peer showed us, and that peer.
    highest_seen: Option<(u64, u32)>,
    /// (height, round) at which we last sent a sync request.
    sync_asked: Option<(u64, u64)>,
    /// The height advanced: buffered messages are due.
    replay: bool,
}

impl Tendermint {
    /// Builds the core of validator `my_index`. `recovered` is what the
    /// shell persisted before a restart (`None` on first start).
    pub fn new(
        set: ValidatorSet,
        my_index: u32,
        signing_key: [u8; 32],
        config: CoreConfig,
        recovered: Option<Recovered>,
    ) -> Result<Tendermint, SetupError> {
        let key = super::config::member_key(&set, my_index, signing_key, &config)?;
        let n = set.len();
        let mut core = Tendermint {
            me: my_index,
            key,
            check: VerifyCache::new(Box::new(Ed25519Check), config.verify_cache),
            chain: Chain::new(config.sync_window, config.remembered_ids),
            state: HeightState::new(n, config.timeout_for(0)),
            safety: None,
            pending: Pending::default(),
            future: vec![std::collections::VecDeque::new(); n],
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
    ) -> Tendermint {
        self.set_signature_check(check);
        self
    }

    pub fn my_index(&self) -> u32 {
        self.me
    }

    /// The last persisted-to-be safety record.
    pub fn safety_record(&self) -> Option<&SafetyRecord> {
        self.safety.as_ref()
    }

    /// lockedRound and the hash of lockedValue, if locked.
    pub fn locked(&self) -> Option<(u64, [u8; 32])> {
        self.state
            .locked
            .as_ref()
            .map(|p| (p.qc.view, p.qc.block_hash))
    }

    /// validRound and the hash of validValue, if any.
    pub fn valid(&self) -> Option<(u64, [u8; 32])> {
        self.state
            .valid
            .as_ref()
            .map(|p| (p.qc.view, p.qc.block_hash))
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
            if qc.phase != Phase::Precommit || !qc.certifies(&block) {
                return Err(SetupError::Recovered(format!(
                    "the certificate stored with block {} is not a precommit certificate \
                     for it (was this data directory written by another algorithm?)",
                    block.height
                )));
            }
            self.chain
                .commit_in_epoch(block, qc, &self.set, self.config.min_validators);
        }
        let Some(record) = recovered.safety else {
            return Ok(());
        };
        if !matches!(record.phase, Phase::Prevote | Phase::Precommit) {
            return Err(SetupError::Recovered(format!(
                "the safety record is a {} vote, which Tendermint never signs \
                 (was this data directory written by another algorithm?)",
                record.phase
            )));
        }
        let h = self.chain.next_height;
        if record.height == h {
            let lock = record.prepared.clone().filter(|p| {
                p.qc.phase == Phase::Prevote
                    && p.qc.height == h
                    && p.qc.view <= record.view
                    && p.qc.certifies(&p.block)
            });
            let timeout_ms = self.round_timeout(record.view);
            let s = &mut self.state;
            s.enter_round(record.view, timeout_ms);
            s.step = if record.phase == Phase::Prevote {
                Step::Prevote
            } else {
                Step::Precommit
            };
            if let Some(p) = &lock {
                s.remember_block(p.qc.block_hash, p.block.clone());
            }
            s.valid = lock.clone();
            s.locked = lock;
            // Ed25519 signatures are deterministic: this is the very vote
            // signed before the restart, to count and send again.
            let vote = Vote::sign(
                &self.key,
                &self.set,
                self.me,
                h,
                record.view,
                record.phase,
                record.block_hash,
            );
            self.safety = Some(record);
            let mut ignored = Vec::new();
            self.record_vote(vote.clone(), &mut ignored);
            self.note_vote(&vote);
            return Ok(());
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

    /// Signs (current height, `round`, `phase`, `hash`) if the safety
    /// record allows, emitting the `Persist` that must precede the vote.
    fn sign(
        &mut self,
        round: u64,
        phase: Phase,
        hash: [u8; 32],
        out: &mut Vec<Effect>,
    ) -> Option<Vote> {
        let h = self.chain.next_height;
        if let Some(last) = &self.safety {
            let slot = (h, round, phase.rank());
            let last_slot = (last.height, last.view, last.phase.rank());
            if slot < last_slot || (slot == last_slot && last.block_hash != hash) {
                return None;
            }
        }
        let vote = Vote::sign(&self.key, &self.set, self.me, h, round, phase, hash);
        let record = SafetyRecord {
            height: h,
            view: round,
            phase,
            block_hash: hash,
            prepared: self.state.locked.clone(),
            branch: Vec::new(),
        };
        if self.safety.as_ref() != Some(&record) {
            self.safety = Some(record.clone());
            out.push(Effect::Persist(record));
        }
        self.note_vote(&vote);
        self.record_vote(vote.clone(), out);
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

    /// Notes that `validator` was seen in `round` of this height.
    fn saw_round(&mut self, validator: u32, round: u64) {
        if let Some(seen) = self.state.rounds_seen.get_mut(validator as usize) {
            if seen.is_none_or(|r| round > r) {
                *seen = Some(round);
            }
        }
    }

    /// Stores a verified prevote or precommit of the current height;
    /// reports a second, different vote for one (validator, round, phase)
    /// as evidence, once. True when the vote is new.
    fn record_vote(&mut self, vote: Vote, out: &mut Vec<Effect>) -> bool {
        self.saw_round(vote.validator, vote.view);
        if vote.view > self.state.round.saturating_add(ROUND_AHEAD) {
            return false;
        }
        let s = &mut self.state;
        let slot = s.votes.entry((vote.view, vote.phase)).or_default();
        match slot.get(&vote.validator) {
            Some(prev) if prev.block_hash == vote.block_hash => false,
            Some(prev) => {
                if s.reported.insert((vote.validator, vote.view, vote.phase)) {
                    out.push(Effect::Evidence(Evidence::DuplicateVote {
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
            || self.state.step != Step::Propose
            || self.state.has_activity()
            || self.state.locked.is_some()
    }

    fn behind(&self) -> bool {
        self.highest_seen
            .is_some_and(|(h, _)| h > self.chain.next_height)
    }

    fn on_start(&mut self, out: &mut Vec<Effect>) {
        if self.n() > 1 {
            out.push(Effect::Broadcast {
                msg: Message::SyncRequest {
                    from_height: self.chain.next_height,
                },
            });
        }
        // Start the round we restarted in (no-op on a fresh core).
        self.advance(out);
    }

    fn on_message(&mut self, from: u32, msg: Message, replaying: bool, out: &mut Vec<Effect>) {
        if self.set.get(from).is_none() {
            self.reject(from, RejectReason::NonMember { validator: from }, out);
            return;
        }
        if let Some(vote) = msg.anchor_vote() {
            let h = vote.height;
            if let Err(e) = self.verify_vote(vote) {
                self.reject(from, e, out);
                return;
            }
            let vote = vote.clone();
            self.note_vote(&vote);
            if h < self.chain.next_height {
                if !replaying {
                    self.on_stale(from, &msg, h, out);
                }
                return;
            }
            if h > self.chain.next_height {
                self.on_future(from, msg, h, out);
                return;
            }
        }
        match msg {
            Message::Vote(vote) => self.on_vote(from, vote, out),
            Message::Tendermint(TendermintMessage::Proposal(p)) => self.on_proposal(from, p, out),
            Message::Tendermint(TendermintMessage::RoundState { vote, votes }) => {
                self.on_round_state(from, vote, votes, out)
            }
            Message::Forward { proposals } => self.on_forward(from, proposals, out),
            Message::SyncRequest { from_height } => self.serve_sync(from, from_height, out),
            Message::SyncResponse { blocks } => self.on_sync_response(from, blocks, out),
            Message::PrePrepare { .. }
            | Message::ViewChange(_)
            | Message::NewView(_)
            | Message::HotStuff(_) => {
                let detail = format!(
                    "a {} message belongs to another algorithm; this chain runs Tendermint",
                    msg.kind()
                );
                self.reject(from, RejectReason::malformed(detail), out);
            }
        }
    }
}

impl HeightCore for Tendermint {
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
        self.ensure_timers(out);
    }
    fn answer_sync(&mut self, to: u32, from_height: u64, out: &mut Vec<Effect>) {
        self.serve_sync(to, from_height, out);
    }
}

impl Consensus for Tendermint {
    #[cfg(test)]
    fn set_signature_check(&mut self, check: Box<dyn super::signature::SignatureCheck>) {
        self.check = VerifyCache::new(check, self.config.verify_cache);
    }

    fn step(&mut self, input: Input) -> Vec<Effect> {
        stepping::step(self, input)
    }

    fn algorithm(&self) -> &'static str {
        "tendermint"
    }

    fn validator_set(&self) -> &ValidatorSet {
        &self.set
    }

    fn height(&self) -> u64 {
        self.chain.next_height
    }

    fn view(&self) -> u64 {
        self.state.round
    }

    fn leader(&self) -> u32 {
        self.set.leader(self.chain.next_height, self.state.round)
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
