//! The normal case: client proposals, the leader's pre-prepare, prepare
//! and commit votes, and committing a decided block.

use super::Pbft;
use crate::services::consensus::protocol::Effect;
use crate::services::consensus::protocol::messages::{Message, PreparedCertificate, RejectReason};
use crate::services::consensus::protocol::types::{
    Block, Malformed, Phase, Proposal, QuorumCertificate, Vote,
};

impl Pbft {
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

    /// The view-0 leader proposes a batch when it has one and nothing is in
    /// flight. True when this committed a block (a set of one validator).
    pub(super) fn maybe_propose(&mut self, out: &mut Vec<Effect>) -> bool {
        let h = self.chain.next_height;
        let r = &self.round;
        if r.view != 0 || r.changing || r.proposal.is_some() || self.set.leader(h, 0) != self.me {
            return false;
        }
        let batch = self.pending.batch(self.config.max_batch, &self.chain.ids);
        if batch.is_empty() {
            return false;
        }
        let block = Block {
            height: h,
            view: 0,
            parent_hash: self.chain.last_hash,
            proposer: self.me,
            proposals: batch,
        };
        let hash = block.hash();
        let Some(vote) = self.sign(0, Phase::Prepare, hash, out) else {
            return false;
        };
        out.push(Effect::Broadcast {
            msg: Message::PrePrepare {
                block: block.clone(),
                vote: vote.clone(),
                parent_qc: self.chain.last_qc.clone(),
            },
        });
        self.round.remember_block(hash, block);
        self.round.proposal = Some(hash);
        self.record_vote(vote, out);
        self.advance(out);
        self.chain.next_height != h
    }

    /// Checks a block proposed for the current height. `fresh_view` is the
    /// view a newly built block must carry; `None` for a re-proposal.
    pub(super) fn check_block(
        &self,
        block: &Block,
        fresh_view: Option<u64>,
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
        if let Some(view) = fresh_view {
            if block.view != view {
                return Err(Malformed::new(format!(
                    "a block first proposed in view {view} must say view {view}, not {}",
                    block.view
                )));
            }
        }
        if block.proposer != self.set.leader(h, block.view) {
            return Err(Malformed::new(format!(
                "block {h} names proposer {}, but view {} is led by {}",
                block.proposer,
                block.view,
                self.set.leader(h, block.view)
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

    pub(super) fn on_pre_prepare(
        &mut self,
        from: u32,
        block: Block,
        vote: Vote,
        out: &mut Vec<Effect>,
    ) {
        let h = self.chain.next_height;
        let leader = self.set.leader(h, 0);
        let problem = if vote.phase != Phase::Prepare {
            Some("a pre-prepare is signed by the leader's prepare vote".to_string())
        } else if vote.view != 0 {
            Some("a pre-prepare opens view 0 only; later views open with a new-view".to_string())
        } else if vote.validator != leader {
            Some(format!(
                "validator {} sent a pre-prepare, but height {h} view 0 is led by {leader}",
                vote.validator
            ))
        } else {
            None
        };
        if let Some(detail) = problem {
            self.reject(from, RejectReason::malformed(detail), out);
            return;
        }
        let hash = block.hash();
        if vote.block_hash != hash {
            self.reject(
                from,
                RejectReason::malformed("the leader's vote is for another block"),
                out,
            );
            return;
        }
        if let Err(e) = self.check_block(&block, Some(0)) {
            self.reject(from, e, out);
            return;
        }
        self.record_vote(vote, out);
        self.round.remember_block(hash, block);
        let r = &self.round;
        if r.view == 0 && !r.changing && r.proposal.is_none() {
            self.accept_proposal(0, hash, out);
        } else {
            // Not ours to prepare (we moved on, or the leader equivocated),
            // but the block may complete a certificate.
            self.advance(out);
        }
    }

    pub(super) fn on_vote(&mut self, from: u32, vote: Vote, out: &mut Vec<Effect>) {
        if vote.phase == Phase::ViewChange {
            let detail = "view-change votes travel in view-change messages";
            self.reject(from, RejectReason::malformed(detail), out);
            return;
        }
        if self.record_vote(vote, out) {
            self.advance(out);
        }
    }

    /// Accepts the block `hash` (already remembered) for `view`: prepare
    /// it. If the safety record forbids the prepare (after a restart, some
    /// other block was prepared in this view), the block is not ours: no
    /// commit vote can follow for it.
    pub(super) fn accept_proposal(&mut self, view: u64, hash: [u8; 32], out: &mut Vec<Effect>) {
        if let Some(vote) = self.sign(view, Phase::Prepare, hash, out) {
            self.round.proposal = Some(hash);
            self.round.sent_commit = false;
            out.push(Effect::Broadcast {
                msg: Message::Vote(vote.clone()),
            });
            self.record_vote(vote, out);
        }
        self.advance(out);
    }

    /// Moves the height along as far as the votes allow: commit on a commit
    /// certificate, note prepare certificates, vote commit once prepared.
    pub(super) fn advance(&mut self, out: &mut Vec<Effect>) {
        loop {
            if let Some(qc) = self
                .round
                .certificates(&self.set, Phase::Commit)
                .into_iter()
                .next()
            {
                if let Some(block) = self.round.blocks.get(&qc.block_hash).cloned() {
                    self.commit(block, qc, out);
                    return;
                }
            }
            // Only certificates up to our view: a view change we sign later
            // targets a higher view than the certificate it carries.
            let view = self.round.view;
            let best = self
                .round
                .certificates(&self.set, Phase::Prepare)
                .into_iter()
                .filter(|qc| qc.view <= view)
                .max_by_key(|qc| qc.view);
            if let Some(qc) = best {
                let higher = self
                    .round
                    .prepared
                    .as_ref()
                    .is_none_or(|p| qc.view > p.qc.view);
                if higher {
                    if let Some(block) = self.round.blocks.get(&qc.block_hash).cloned() {
                        self.round.prepared = Some(PreparedCertificate { qc, block });
                    }
                }
            }
            if !self.maybe_send_commit(out) {
                return;
            }
        }
    }

    fn maybe_send_commit(&mut self, out: &mut Vec<Effect>) -> bool {
        let r = &self.round;
        if r.changing || r.sent_commit {
            return false;
        }
        let Some(hash) = r.proposal else {
            return false;
        };
        let prepared_here = r
            .prepared
            .as_ref()
            .is_some_and(|p| p.qc.view == r.view && p.qc.block_hash == hash);
        if !prepared_here {
            return false;
        }
        let view = r.view;
        self.round.sent_commit = true;
        let Some(vote) = self.sign(view, Phase::Commit, hash, out) else {
            return false;
        };
        out.push(Effect::Broadcast {
            msg: Message::Vote(vote.clone()),
        });
        self.record_vote(vote, out);
        true
    }

    /// Commits the block of the current height with its certificate.
    pub(super) fn commit(&mut self, block: Block, qc: QuorumCertificate, out: &mut Vec<Effect>) {
        out.push(Effect::Commit {
            block: block.clone(),
            qc: qc.clone(),
        });
        self.pending.remove_committed(&block);
        self.chain
            .commit_in_epoch(block, qc, &self.set, self.config.min_validators);
        self.round = super::Round::new(self.n());
        self.timer = None;
        self.sync_asked = None;
        self.replay = true;
    }
}
