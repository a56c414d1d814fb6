//! The state of the height Tendermint is deciding: round and step, lock and
//! valid value, and the proposals and votes seen, by round. Replaced
//! wholesale when the height is decided.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use crate::services::consensus::protocol::messages::PreparedCertificate;
use crate::services::consensus::protocol::types::{
    Block, Phase, QuorumCertificate, ValidatorSet, Vote,
};

/// The block hash of a nil vote.
pub const NIL: [u8; 32] = [0; 32];

/// Most blocks remembered per height (one per round from honest proposers).
pub(super) const MAX_BLOCKS_PER_HEIGHT: usize = 64;
/// Most further proposals (after the first) kept per round: only an
/// equivocating proposer sends more than one.
pub(super) const MAX_OTHER_PROPOSALS: usize = 4;

/// Where a validator is within a round (the paper's step_p).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Step {
    Propose,
    Prevote,
    Precommit,
}

/// What an expired timer of the current (height, round) means. Every timer
/// of a round lasts the same (`HeightState::timeout_ms`, fixed when the
/// round starts), so they expire in the order they were set and a FIFO
/// queue tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum TimerKind {
    /// OnTimeoutPropose: prevote nil if still in the propose step.
    Propose,
    /// OnTimeoutPrevote (after 2f+1 prevotes of any kind): precommit nil.
    Prevote,
    /// OnTimeoutPrecommit (after 2f+1 precommits of any kind): next round.
    Precommit,
    /// Idle, but a peer showed a higher height: ask it for blocks.
    Sync,
}

/// A valid proposal seen for one round.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct RoundProposal {
    pub hash: [u8; 32],
    /// The paper's validRound (the proof-of-lock's round).
    pub valid_round: Option<u64>,
}

#[derive(Debug)]
pub(super) struct HeightState {
    pub round: u64,
    pub step: Step,
    /// lockedValue / lockedRound: the prevote certificate (its view is
    /// the round) with the block.
    pub locked: Option<PreparedCertificate>,
    /// validValue / validRound, likewise.
    pub valid: Option<PreparedCertificate>,
    /// First valid proposal per round (the one we prevote, l. 22/28).
    pub proposals: BTreeMap<u64, RoundProposal>,
    /// Hashes of further valid proposals per round (an equivocating
    /// proposer's): line 36 applies to any proposal of the round that
    /// gathers 2f+1 prevotes, not only to the first one seen.
    pub other_proposals: BTreeMap<u64, Vec<[u8; 32]>>,
    /// Blocks of valid proposals (and proof-of-locks) of this height.
    pub blocks: HashMap<[u8; 32], Block>,
    /// Valid votes by (round, phase), first vote per validator.
    pub votes: BTreeMap<(u64, Phase), BTreeMap<u32, Vote>>,
    /// (validator, round, phase) already reported as duplicate votes.
    pub reported: HashSet<(u32, u64, Phase)>,
    /// Highest round each validator was seen in at this height.
    pub rounds_seen: Vec<Option<u64>>,
    /// Rounds whose polka rule (line 36) already ran.
    pub polka_done: Option<u64>,
    /// Outstanding timers of the current round, in the order they were set.
    pub timers: VecDeque<TimerKind>,
    /// How long every timer of the current round lasts.
    pub timeout_ms: u64,
    /// Timers of the current round set once only (all but `Sync`).
    pub scheduled: HashSet<TimerKind>,
    /// Per peer, the round in which we last sent it our round state because
    /// it was in an earlier round of this height (once per round).
    pub helped: Vec<Option<u64>>,
    /// Our own proposal of the current round, when we are its proposer, to
    /// send again to a peer that missed it.
    pub my_proposal: Option<super::SignedProposal>,
}

impl HeightState {
    /// Round 0 of a height, whose timers last `timeout_ms`.
    pub(super) fn new(n: usize, timeout_ms: u64) -> HeightState {
        HeightState {
            round: 0,
            step: Step::Propose,
            locked: None,
            valid: None,
            proposals: BTreeMap::new(),
            other_proposals: BTreeMap::new(),
            blocks: HashMap::new(),
            votes: BTreeMap::new(),
            reported: HashSet::new(),
            rounds_seen: vec![None; n],
            polka_done: None,
            timers: VecDeque::new(),
            timeout_ms,
            scheduled: HashSet::new(),
            helped: vec![None; n],
            my_proposal: None,
        }
    }

    /// StartRound's bookkeeping: a new round begins in the propose step
    /// with no timers; each of its timers will last `timeout_ms`.
    pub(super) fn enter_round(&mut self, round: u64, timeout_ms: u64) {
        self.round = round;
        self.timeout_ms = timeout_ms;
        self.step = Step::Propose;
        self.timers.clear();
        self.scheduled.clear();
        self.my_proposal = None;
    }

    pub(super) fn remember_block(&mut self, hash: [u8; 32], block: Block) {
        if self.blocks.len() < MAX_BLOCKS_PER_HEIGHT || self.blocks.contains_key(&hash) {
            self.blocks.insert(hash, block);
        }
    }

    /// Rounds of this height before `round` in which votes (prevotes or
    /// precommits, any value) from validators holding more than 2/3 of the
    /// power were seen, whenever they arrived.
    pub(super) fn rounds_heard(&self, set: &ValidatorSet, round: u64) -> u64 {
        let mut heard = BTreeSet::new();
        for &(r, phase) in self.votes.keys() {
            if r < round && !heard.contains(&r) && set.has_quorum(self.tally(set, r, phase).total) {
                heard.insert(r);
            }
        }
        heard.len() as u64
    }

    /// Voting power behind each block hash (nil included) for one round
    /// and phase.
    pub(super) fn tally(&self, set: &ValidatorSet, round: u64, phase: Phase) -> Tally {
        let mut by_hash: BTreeMap<[u8; 32], u64> = BTreeMap::new();
        let mut total = 0u64;
        if let Some(votes) = self.votes.get(&(round, phase)) {
            for vote in votes.values() {
                let power = set.power_of(vote.validator);
                total = total.saturating_add(power);
                let sum = by_hash.entry(vote.block_hash).or_default();
                *sum = sum.saturating_add(power);
            }
        }
        Tally { by_hash, total }
    }

    /// The certificate of `phase` votes for `hash` in `round`, if they
    /// hold a quorum.
    pub(super) fn certificate(
        &self,
        set: &ValidatorSet,
        round: u64,
        phase: Phase,
        hash: [u8; 32],
    ) -> Option<QuorumCertificate> {
        let votes = self.votes.get(&(round, phase))?;
        let matching: Vec<&Vote> = votes.values().filter(|v| v.block_hash == hash).collect();
        let power = matching
            .iter()
            .fold(0u64, |sum, v| sum.saturating_add(set.power_of(v.validator)));
        if !set.has_quorum(power) {
            return None;
        }
        QuorumCertificate::from_votes(matching)
    }

    /// Every vote held for `round`, prevotes first.
    pub(super) fn round_votes(&self, round: u64) -> Vec<Vote> {
        [Phase::Prevote, Phase::Precommit]
            .iter()
            .filter_map(|phase| self.votes.get(&(round, *phase)))
            .flat_map(|votes| votes.values().cloned())
            .collect()
    }

    /// Anyone's proposal or vote at this height (someone is working on it).
    pub(super) fn has_activity(&self) -> bool {
        !self.votes.is_empty() || !self.proposals.is_empty()
    }
}

/// Power by block hash for one (round, phase).
#[derive(Debug, Default)]
pub(super) struct Tally {
    pub by_hash: BTreeMap<[u8; 32], u64>,
    pub total: u64,
}

impl Tally {
    pub(super) fn power_for(&self, hash: &[u8; 32]) -> u64 {
        self.by_hash.get(hash).copied().unwrap_or(0)
    }
}
