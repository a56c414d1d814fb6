//! Algorithm 1's rules: proposing, the prevote and precommit rules, the
//! decision, the round skip and the timeouts; client proposals.

use super::state::{MAX_OTHER_PROPOSALS, NIL, RoundProposal, Step, TimerKind};
use super::{ROUND_AHEAD, SignedProposal, Tendermint, TendermintMessage};
use crate::services::consensus::protocol::Effect;
use crate::services::consensus::protocol::messages::{Message, PreparedCertificate, RejectReason};
use crate::services::consensus::protocol::types::{
    Block, Malformed, Phase, Proposal, QuorumCertificate, Vote,
};

impl Tendermint {
    pub(super) fn on_propose(&mut self, p: Proposal, out: &mut Vec<Effect>) {
        let others = self.n() > 1;
        match self
            .pending
            .admit(p, &self.chain.ids, self.config.max_pending, others)
        {
            Ok(forward) => out.extend(forward),
            Err(reason) => self.reject(self.me, reason, out),
        }
    }

    pub(super) fn on_forward(
        &mut self,
        from: u32,
        proposals: Vec<Proposal>,
        out: &mut Vec<Effect>,
    ) {
        if let Err(reason) = self.pending.admit_forwarded(
            proposals,
            &self.chain.ids,
            self.config.max_batch,
            self.config.max_pending,
        ) {
            self.reject(from, reason, out);
        }
    }

    /// StartRound's proposal (l. 14-19), made as soon as the proposer has
    /// something to propose. True when this decided a block (a set of one
    /// validator).
    pub(super) fn maybe_propose(&mut self, out: &mut Vec<Effect>) -> bool {
        let h = self.chain.next_height;
        let round = self.state.round;
        if self.state.step != Step::Propose || self.set.leader(h, round) != self.me {
            return false;
        }
        let (block, pol) = match &self.state.valid {
            Some(v) => (v.block.clone(), Some(v.qc.clone())),
            None => {
                let batch = self.pending.batch(self.config.max_batch, &self.chain.ids);
                if batch.is_empty() && !self.state.has_activity() {
                    return false; // idle: wait for work
                }
                let block = Block {
                    height: h,
                    view: round,
                    parent_hash: self.chain.last_hash,
                    proposer: self.me,
                    proposals: batch,
                };
                (block, None)
            }
        };
        let hash = block.hash();
        let Some(vote) = self.sign(round, Phase::Prevote, hash, out) else {
            return false;
        };
        let proposal = SignedProposal {
            block: block.clone(),
            vote,
            pol,
            parent_qc: self.chain.last_qc.clone(),
        };
        let valid_round = proposal.valid_round();
        out.push(Effect::Broadcast {
            msg: Message::Tendermint(TendermintMessage::Proposal(proposal.clone())),
        });
        let s = &mut self.state;
        s.my_proposal = Some(proposal);
        s.remember_block(hash, block);
        s.proposals
            .insert(round, RoundProposal { hash, valid_round });
        s.step = Step::Prevote;
        self.advance(out);
        self.chain.next_height != h
    }

    /// valid(v) for a block proposed in `round` with proof-of-lock round
    /// `valid_round`: it extends our chain, is well formed, holds no
    /// committed proposal, and names the right proposer (a fresh block is
    /// from this round's proposer and says so; a re-proposed one is from the
    /// proposer of the round it first appeared in, no later than the lock).
    pub(super) fn check_block(
        &self,
        block: &Block,
        round: u64,
        valid_round: Option<u64>,
    ) -> Result<(), Malformed> {
        let h = self.chain.next_height;
        if block.height != h {
            return Err(Malformed::new(format!(
                "block for height {}, but height {h} is being decided",
                block.height
            )));
        }
        if block.parent_hash != self.chain.last_hash {
            return Err(Malformed::new(format!(
                "block {h} does not extend the last committed block"
            )));
        }
        match valid_round {
            None if block.view != round => {
                return Err(Malformed::new(format!(
                    "a block first proposed in round {round} must say view {round}, not {}",
                    block.view
                )));
            }
            Some(vr) if block.view > vr => {
                return Err(Malformed::new(format!(
                    "a block locked in round {vr} cannot be first proposed in round {}",
                    block.view
                )));
            }
            _ => {}
        }
        let proposer = self.set.leader(h, block.view);
        if block.proposer != proposer {
            return Err(Malformed::new(format!(
                "block {h} names proposer {}, but round {} is proposed by {proposer}",
                block.proposer, block.view
            )));
        }
        block.check_shape(self.config.max_batch)?;
        if let Some(p) = block
            .proposals
            .iter()
            .find(|p| self.chain.ids.contains(&p.id))
        {
            return Err(Malformed::new(format!(
                "block {h} holds proposal {:?}, which is already committed",
                p.id
            )));
        }
        Ok(())
    }

    fn check_proposal(&mut self, p: &SignedProposal) -> Result<(), RejectReason> {
        let h = self.chain.next_height;
        let round = p.vote.view;
        let proposer = self.set.leader(h, round);
        if p.vote.phase != Phase::Prevote {
            return Err(RejectReason::malformed(
                "a proposal is signed by the proposer's prevote",
            ));
        }
        if p.vote.validator != proposer {
            return Err(RejectReason::malformed(format!(
                "validator {} sent a proposal, but height {h} round {round} is proposed by {proposer}",
                p.vote.validator
            )));
        }
        let hash = p.block.hash();
        if p.vote.block_hash != hash {
            return Err(RejectReason::malformed(
                "the proposer's prevote is for another block",
            ));
        }
        if let Some(pol) = &p.pol {
            if pol.phase != Phase::Prevote
                || pol.height != h
                || pol.view >= round
                || pol.block_hash != hash
            {
                return Err(RejectReason::malformed(
                    "a proof-of-lock must be a prevote certificate for the block from an earlier round",
                ));
            }
            self.verify_qc(pol)?;
        }
        self.check_block(&p.block, round, p.valid_round())?;
        Ok(())
    }

    pub(super) fn on_proposal(&mut self, from: u32, p: SignedProposal, out: &mut Vec<Effect>) {
        if let Err(reason) = self.check_proposal(&p) {
            self.reject(from, reason, out);
            return;
        }
        let round = p.vote.view;
        let hash = p.vote.block_hash;
        let valid_round = p.valid_round();
        let SignedProposal { block, vote, .. } = p;
        // The proposer's prevote counts like any other.
        self.record_vote(vote, out);
        if round <= self.state.round.saturating_add(ROUND_AHEAD) {
            let s = &mut self.state;
            s.remember_block(hash, block);
            let first = s
                .proposals
                .entry(round)
                .or_insert(RoundProposal { hash, valid_round });
            if first.hash != hash && s.blocks.contains_key(&hash) {
                let others = s.other_proposals.entry(round).or_default();
                if !others.contains(&hash) && others.len() < MAX_OTHER_PROPOSALS {
                    others.push(hash);
                }
            }
        }
        self.advance(out);
    }

    pub(super) fn on_vote(&mut self, from: u32, vote: Vote, out: &mut Vec<Effect>) {
        if !matches!(vote.phase, Phase::Prevote | Phase::Precommit) {
            let detail = format!(
                "a {} vote is not a Tendermint vote (prevote or precommit)",
                vote.phase
            );
            self.reject(from, RejectReason::malformed(detail), out);
            return;
        }
        self.help_if_behind(from, vote.height, vote.view, out);
        self.record_vote(vote, out);
        self.advance(out);
    }

    /// A peer spoke from an earlier round of our height: it missed what
    /// moved us on (it was frozen, cut off or restarted). Send it our round
    /// state — our latest vote and the votes of this round and the one
    /// before, enough for the round skip — and, if we propose this round,
    /// our proposal, once per round. Without this a validator that came
    /// back waited for its peers' next step, which after a long outage is a
    /// capped timeout away (Tendermint took 32.7 s to commit again after two
    /// of four were frozen and resumed).
    fn help_if_behind(&mut self, from: u32, height: u64, round: u64, out: &mut Vec<Effect>) {
        let current = self.state.round;
        if from == self.me || height != self.chain.next_height || round >= current {
            return;
        }
        let Some(helped) = self.state.helped.get_mut(from as usize) else {
            return;
        };
        if *helped == Some(current) {
            return;
        }
        *helped = Some(current);
        if let Some(msg) = self.round_state() {
            out.push(Effect::Send { to: from, msg });
        }
        if let Some(p) = self
            .state
            .my_proposal
            .clone()
            .filter(|p| p.vote.view == current)
        {
            out.push(Effect::Send {
                to: from,
                msg: Message::Tendermint(TendermintMessage::Proposal(p)),
            });
        }
    }

    pub(super) fn on_round_state(
        &mut self,
        from: u32,
        vote: Vote,
        votes: Vec<Vote>,
        out: &mut Vec<Effect>,
    ) {
        let problem = if vote.validator != from {
            Some(format!(
                "a round state carries its sender's own vote, not validator {}'s",
                vote.validator
            ))
        } else if votes.len() > 4 * self.n() {
            Some(format!(
                "a round state holds {} votes, more than two per validator and round",
                votes.len()
            ))
        } else if let Some(v) = std::iter::once(&vote).chain(&votes).find(|v| {
            v.height != vote.height || !matches!(v.phase, Phase::Prevote | Phase::Precommit)
        }) {
            Some(format!(
                "a round state for height {} holds a {} vote of height {}",
                vote.height, v.phase, v.height
            ))
        } else {
            None
        };
        if let Some(detail) = problem {
            self.reject(from, RejectReason::malformed(detail), out);
            return;
        }
        for v in &votes {
            if let Err(e) = self.verify_vote(v) {
                self.reject(from, e, out);
                return;
            }
        }
        self.help_if_behind(from, vote.height, vote.view, out);
        self.record_vote(vote, out);
        for v in votes {
            self.record_vote(v, out);
        }
        self.advance(out);
    }

    /// Applies every rule whose condition holds, until none does.
    pub(super) fn advance(&mut self, out: &mut Vec<Effect>) {
        // Each pass changes the round or step, or decides; both are
        // bounded, the loop bound is a belt.
        for _ in 0..64 {
            if self.try_decide(out) {
                return;
            }
            // The round ends early only after line 36 had its chance, so a
            // polka in hand still updates the valid value (and the lock).
            let moved = self.try_round_skip()
                || self.try_prevote(out)
                || self.try_polka(out)
                || self.try_nil_polka(out)
                || self.try_no_polka(out)
                || self.try_round_over();
            if !moved {
                return;
            }
        }
    }

    /// l. 49: 2/3+ precommits for a block of this height in any round.
    fn try_decide(&mut self, out: &mut Vec<Effect>) -> bool {
        let rounds: Vec<u64> = self
            .state
            .votes
            .keys()
            .filter(|(_, phase)| *phase == Phase::Precommit)
            .map(|(round, _)| *round)
            .collect();
        for round in rounds {
            let tally = self.state.tally(&self.set, round, Phase::Precommit);
            let decided = tally.by_hash.iter().find(|(hash, power)| {
                **hash != NIL
                    && self.set.has_quorum(**power)
                    && self.state.blocks.contains_key(*hash)
            });
            let Some((hash, _)) = decided else {
                continue;
            };
            let hash = *hash;
            let qc = self
                .state
                .certificate(&self.set, round, Phase::Precommit, hash);
            if let (Some(qc), Some(block)) = (qc, self.state.blocks.get(&hash).cloned()) {
                self.commit(block, qc, out);
                return true;
            }
        }
        false
    }

    /// l. 55: start the highest round that validators holding more than
    /// 1/3 of the power are in or beyond.
    fn try_round_skip(&mut self) -> bool {
        let current = self.state.round;

        let mut seen: Vec<(u64, u64)> = (0..self.n())
            .map(|i| {
                let index = u32::try_from(i).unwrap_or(u32::MAX);
                let round = if index == self.me {
                    current
                } else {
                    self.state.rounds_seen[i].unwrap_or(0)
                };
                (round, self.set.power_of(index))
            })
            .collect();
        seen.sort_by_key(|s| std::cmp::Reverse(s.0));
        let mut power = 0u64;
        for (round, p) in seen {
            power = power.saturating_add(p);
            if self.set.has_weak_quorum(power) {
                if round > current {
                    self.start_round(round);
                    return true;
                }
                return false;
            }
        }
        false
    }

    pub(super) fn start_round(&mut self, round: u64) {
        let timeout_ms = self.round_timeout(round);
        self.state.enter_round(round, timeout_ms);
        self.sync_asked = None;
    }

    /// How long the timers of `round` last: `timeout_for(k)`, where k counts
    /// the earlier rounds of this height in which validators holding more
    /// than 2/3 of the power were heard voting (`rounds_heard`). Timeouts
    /// double for rounds that failed although a quorum took part (the
    /// network is slower than the timeout), not for rounds in which a
    /// quorum could not even be heard (a partition: a longer wait does not
    /// help, and after an 8 s split the round that could decide started
    /// only when a timer backed off to seconds fired; tests/nemesis.rs).
    /// Votes count whenever they arrive, so on a slow network the timeouts
    /// still grow, a round later than the paper's would.
    pub(super) fn round_timeout(&self, round: u64) -> u64 {
        self.config
            .timeout_for(self.state.rounds_heard(&self.set, round))
    }

    /// l. 22 and 28: prevote on the round's proposal in the propose step.
    fn try_prevote(&mut self, out: &mut Vec<Effect>) -> bool {
        let round = self.state.round;
        if self.state.step != Step::Propose {
            return false;
        }
        let Some(p) = self.state.proposals.get(&round).cloned() else {
            return false;
        };
        let acceptable = match &self.state.locked {
            None => true,
            Some(lock) => {
                lock.qc.block_hash == p.hash || p.valid_round.is_some_and(|vr| lock.qc.view <= vr)
            }
        };
        self.state.step = Step::Prevote;
        let hash = if acceptable { p.hash } else { NIL };
        self.broadcast_vote(round, Phase::Prevote, hash, out);
        true
    }

    /// l. 36: 2/3+ prevotes for a proposal of the round (any of them, not
    /// only the first seen: an equivocating proposer's other block may be
    /// the one the others prevoted), from the prevote step on, for the
    /// first time: lock and precommit it (in the prevote step), and make it
    /// the valid value.
    fn try_polka(&mut self, out: &mut Vec<Effect>) -> bool {
        let s = &self.state;
        let round = s.round;
        if s.step == Step::Propose || s.polka_done == Some(round) {
            return false;
        }
        let candidates = s
            .proposals
            .get(&round)
            .map(|p| p.hash)
            .into_iter()
            .chain(s.other_proposals.get(&round).into_iter().flatten().copied());
        let mut found = None;
        for hash in candidates {
            let Some(block) = s.blocks.get(&hash) else {
                continue;
            };
            if let Some(qc) = s.certificate(&self.set, round, Phase::Prevote, hash) {
                found = Some((
                    hash,
                    PreparedCertificate {
                        qc,
                        block: block.clone(),
                    },
                ));
                break;
            }
        }
        let Some((hash, cert)) = found else {
            return false;
        };
        self.state.polka_done = Some(round);
        if self.state.step == Step::Prevote {
            self.state.locked = Some(cert.clone());
            self.state.step = Step::Precommit;
            self.broadcast_vote(round, Phase::Precommit, hash, out);
        }
        self.state.valid = Some(cert);
        true
    }

    /// l. 44: 2/3+ prevotes for nil in the prevote step: precommit nil.
    fn try_nil_polka(&mut self, out: &mut Vec<Effect>) -> bool {
        let round = self.state.round;
        if self.state.step != Step::Prevote {
            return false;
        }
        let tally = self.state.tally(&self.set, round, Phase::Prevote);
        if !self.set.has_quorum(tally.power_for(&NIL)) {
            return false;
        }
        self.state.step = Step::Precommit;
        self.broadcast_vote(round, Phase::Precommit, NIL, out);
        true
    }

    /// Whether some value could still gather 2/3+ of the power in
    /// (`round`, `phase`): the most any one value holds, plus the power that
    /// has not voted yet. Nil counts as a value unless `blocks_only`.
    fn can_reach_quorum(&self, round: u64, phase: Phase, blocks_only: bool) -> bool {
        let tally = self.state.tally(&self.set, round, phase);
        let unvoted = self.set.total_power().saturating_sub(tally.total);
        let best = tally
            .by_hash
            .iter()
            .filter(|(hash, _)| !blocks_only || **hash != NIL)
            .map(|(_, power)| *power)
            .max()
            .unwrap_or(0);
        self.set.has_quorum(best.saturating_add(unvoted))
    }

    /// In the prevote step, once the prevotes are split so that neither a
    /// block nor nil can gather 2/3+ of the power: precommit nil now rather
    /// than at the prevote timeout (nil precommits are always safe; the
    /// timeout would only wait for votes that cannot change the outcome).
    fn try_no_polka(&mut self, out: &mut Vec<Effect>) -> bool {
        let round = self.state.round;
        if self.state.step != Step::Prevote || self.can_reach_quorum(round, Phase::Prevote, false) {
            return false;
        }
        self.state.step = Step::Precommit;
        self.broadcast_vote(round, Phase::Precommit, NIL, out);
        true
    }

    /// Once the precommits of the current round are such that no block can
    /// gather 2/3+ of the power in it, the round cannot decide: start the
    /// next one now rather than at the precommit timeout (l. 47 waits for
    /// late precommits that, here, cannot change the outcome). With the
    /// help a laggard gets, this is what lets a cluster whose timeouts
    /// backed off during an outage commit again within a second of the
    /// heal instead of after the capped timeouts (it took 32.7 s).
    fn try_round_over(&mut self) -> bool {
        let round = self.state.round;
        let precommits = self.state.tally(&self.set, round, Phase::Precommit).total;
        if !self.set.has_quorum(precommits) || self.can_reach_quorum(round, Phase::Precommit, true)
        {
            return false;
        }
        self.start_round(round.saturating_add(1));
        true
    }

    fn broadcast_vote(&mut self, round: u64, phase: Phase, hash: [u8; 32], out: &mut Vec<Effect>) {
        if let Some(vote) = self.sign(round, phase, hash, out) {
            out.push(Effect::Broadcast {
                msg: Message::Vote(vote),
            });
        }
    }

    pub(super) fn on_timeout(&mut self, height: u64, round: u64, out: &mut Vec<Effect>) {
        if (height, round) != (self.chain.next_height, self.state.round) {
            return; // stale
        }
        let Some(kind) = self.state.timers.pop_front() else {
            return;
        };
        self.sync_asked = None;
        if let Some((seen, peer)) = self.highest_seen.take() {
            if seen > height {
                self.request_sync(peer, out);
            }
        }
        match kind {
            TimerKind::Propose => {
                if self.state.step == Step::Propose && self.needs_progress() {
                    self.forward_pending(out);
                    self.state.step = Step::Prevote;
                    self.broadcast_vote(round, Phase::Prevote, NIL, out);
                }
            }
            TimerKind::Prevote => {
                if self.state.step == Step::Prevote {
                    self.state.step = Step::Precommit;
                    self.broadcast_vote(round, Phase::Precommit, NIL, out);
                }
            }
            TimerKind::Precommit => {
                let precommits = self.state.tally(&self.set, round, Phase::Precommit).total;
                if !self.set.has_quorum(precommits) {
                    // The round stalled: votes may have been lost.
                    self.forward_pending(out);
                    self.resend(out);
                }
                self.start_round(round.saturating_add(1));
            }
            // Its purpose, asking the peer ahead for blocks, is done above.
            TimerKind::Sync => {}
        }
        self.advance(out);
    }

    /// Forwards may have been lost: make sure the next proposers hold them.
    fn forward_pending(&mut self, out: &mut Vec<Effect>) {
        let proposals = self.pending.batch(self.config.max_batch, &self.chain.ids);
        if !proposals.is_empty() && self.n() > 1 {
            out.push(Effect::Broadcast {
                msg: Message::Forward { proposals },
            });
        }
    }

    /// Sends again what the round has: own latest vote of this height and
    /// every vote held for this round and the one before (whose precommits
    /// may be what a peer lacks to get here). A peer already past this
    /// height answers with blocks.
    fn resend(&mut self, out: &mut Vec<Effect>) {
        if let Some(msg) = self.round_state() {
            out.push(Effect::Broadcast { msg });
        }
    }

    /// Our round state: own latest vote of this height and every vote held
    /// for this round and the one before; none before we voted at all.
    fn round_state(&self) -> Option<Message> {
        let h = self.chain.next_height;
        let vote = self
            .last_votes
            .get(self.me as usize)
            .cloned()
            .flatten()
            .filter(|v| v.height == h)?;
        let round = self.state.round;
        let mut votes = Vec::new();
        if round > 0 {
            votes.extend(self.state.round_votes(round - 1));
        }
        votes.extend(self.state.round_votes(round));
        votes.retain(|v| *v != vote);
        Some(Message::Tendermint(TendermintMessage::RoundState {
            vote,
            votes,
        }))
    }

    /// Sets the timers the current step calls for, each once per round
    /// (`Sync` again after it fired).
    pub(super) fn ensure_timers(&mut self, out: &mut Vec<Effect>) {
        let progress = self.needs_progress();
        if !(progress || self.behind()) {
            return;
        }
        let round = self.state.round;
        let precommits = self.state.tally(&self.set, round, Phase::Precommit).total;
        if self.set.has_quorum(precommits) {
            self.arm(TimerKind::Precommit, out); // l. 47
        }
        // l. 34 and l. 47 start the prevote and precommit timeouts at 2/3+
        // votes of any kind; here they run from the step on (module docs).
        let kind = match self.state.step {
            Step::Propose if progress => TimerKind::Propose,
            Step::Propose => TimerKind::Sync,
            Step::Prevote => TimerKind::Prevote,
            Step::Precommit => TimerKind::Precommit,
        };
        self.arm(kind, out);
    }

    fn arm(&mut self, kind: TimerKind, out: &mut Vec<Effect>) {
        let s = &mut self.state;
        let fresh = match kind {
            TimerKind::Sync => !s.timers.contains(&kind),
            _ => s.scheduled.insert(kind),
        };
        if !fresh {
            return;
        }
        s.timers.push_back(kind);
        out.push(Effect::SetTimer {
            view: s.round,
            height: self.chain.next_height,
            after_ms: s.timeout_ms,
        });
    }

    /// Decides the block of the current height with its certificate.
    pub(super) fn commit(&mut self, block: Block, qc: QuorumCertificate, out: &mut Vec<Effect>) {
        out.push(Effect::Commit {
            block: block.clone(),
            qc: qc.clone(),
        });
        self.pending.remove_committed(&block);
        self.chain
            .commit_in_epoch(block, qc, &self.set, self.config.min_validators);
        self.state = super::HeightState::new(self.n(), self.config.timeout_for(0));
        self.sync_asked = None;
        self.replay = true;
    }
}
