//! The normal case: client proposals, the leader's proposal, generic votes,
//! forming QCs, and the two-chain commit rule.

use std::collections::HashMap;

use super::proof;
use super::{HotStuff, HotStuffMessage, TimeoutCertificate};
use crate::services::consensus::protocol::Effect;
use crate::services::consensus::protocol::messages::{Message, RejectReason};
use crate::services::consensus::protocol::types::{
    Block, Phase, Proposal, QuorumCertificate, Vote,
};

/// A block the two-chain rule proves committed, and its certified child
/// that proves it (by hash).
type CommitTarget = ([u8; 32], [u8; 32]);

/// How far `needs_more_blocks` walks down a branch.
const PROOF_WALK: usize = 8;

impl HotStuff {
    pub(super) fn on_propose(&mut self, p: Proposal, out: &mut Vec<Effect>) {
        let others = self.set.len() > 1;
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

    /// Whether the leader must propose even with nothing pending: some
    /// non-empty block on the highest QC's branch is not yet proven
    /// committed to everyone. The proposal that carried QC(P) (P the high-QC
    /// block's parent) proved the commit of P's parent Q when P.view ==
    /// Q.view + 1; every non-empty block above Q needs more proposals.
    pub(super) fn needs_more_blocks(&self) -> bool {
        let Some(qc) = &self.high_qc else {
            return false;
        };
        let Some(x) = self.known_block(&qc.block_hash) else {
            return true;
        };
        let proven = match self.known_block(&x.parent_hash) {
            Some(p) => match self.block_view(&p.parent_hash) {
                Some(q_view) if p.view == q_view.saturating_add(1) => p.height.saturating_sub(1),
                _ => 0,
            },
            None if x.parent_hash == [0; 32] => 0,
            None => return true,
        };
        let mut at = Some(x);
        for _ in 0..PROOF_WALK {
            let Some(block) = at else {
                return true;
            };
            if block.height <= proven {
                return false;
            }
            if !block.proposals.is_empty() {
                return true;
            }
            if block.parent_hash == [0; 32] {
                return false;
            }
            at = self.known_block(&block.parent_hash);
        }
        true
    }

    /// The leader of the current view proposes once it is justified (QC of
    /// the previous view, or a TC for it with our QC at least as high as
    /// its highest) and has something to propose. True when it proposed.
    pub(super) fn maybe_propose(&mut self, out: &mut Vec<Effect>) -> bool {
        let v = self.view;
        if self.proposed == Some(v) || self.my_timeout.is_some() {
            return false;
        }
        let parent = self.high_qc.as_ref().map_or([0; 32], |q| q.block_hash);
        if self.leader_after(&parent, v) != Some(self.me) {
            return false;
        }
        let hqc_view = self.high_qc.as_ref().map_or(0, |q| q.view);
        let tc = if hqc_view.saturating_add(1) == v {
            None
        } else {
            match &self.last_tc {
                Some(tc) if tc.view.saturating_add(1) == v && hqc_view >= tc.max_high_qc_view() => {
                    Some(tc.clone())
                }
                _ => return false,
            }
        };
        let (parent_hash, parent_height) = self
            .high_qc
            .as_ref()
            .map_or(([0; 32], 0), |q| (q.block_hash, q.height));
        let Some(ancestry) = self.branch_ids(parent_hash) else {
            return false;
        };
        // Above a set change only empty blocks, which serve to commit it.
        let max = if self.epoch_over || self.branch_ends_epoch(parent_hash) {
            0
        } else {
            self.config.max_batch
        };
        let committed = &self.chain.ids;
        let batch: Vec<Proposal> = self.pending.batch_where(max, |p| {
            !committed.contains(&p.id) && !ancestry.contains(&p.id)
        });
        if batch.is_empty() && !self.needs_more_blocks() {
            return false;
        }
        let block = Block {
            height: parent_height.saturating_add(1),
            view: v,
            parent_hash,
            proposer: self.me,
            proposals: batch,
        };
        let hash = block.hash();
        let Some(vote) = self.sign(block.height, v, Phase::Generic, hash, out) else {
            return false;
        };
        self.proposed = Some(v);
        self.my_vote = Some(vote.clone());
        out.push(Effect::Broadcast {
            msg: Message::HotStuff(HotStuffMessage::Proposal {
                block: block.clone(),
                justify: self.high_qc.clone(),
                tc,
                vote: vote.clone(),
            }),
        });
        self.remember_block(block);
        self.record_generic(vote, out);
        self.try_form_qc(v, out);
        true
    }

    /// Checks what a proposal says about itself (no local state).
    fn check_proposal(
        &mut self,
        block: &Block,
        justify: Option<&QuorumCertificate>,
        tc: Option<&TimeoutCertificate>,
        vote: &Vote,
    ) -> Result<(), RejectReason> {
        // The leader depends on the branch the block extends (leader
        // reputation); without that branch it is judged before voting.
        let leader = self
            .leader_after(&block.parent_hash, block.view)
            .unwrap_or(block.proposer);
        let problem = if vote.phase != Phase::Generic {
            Some("a proposal is signed by the leader's generic vote".to_string())
        } else if vote.view != block.view || vote.height != block.height {
            Some("the leader's vote is for another view or height".to_string())
        } else if vote.block_hash != block.hash() {
            Some("the leader's vote is for another block".to_string())
        } else if vote.validator != leader || block.proposer != leader {
            Some(format!(
                "view {} is led by validator {leader}, not {}",
                block.view, vote.validator
            ))
        } else {
            None
        };
        if let Some(detail) = problem {
            return Err(RejectReason::malformed(detail));
        }
        let justify_view = match justify {
            Some(qc) => {
                if qc.block_hash != block.parent_hash
                    || qc.height.saturating_add(1) != block.height
                    || qc.view >= block.view
                {
                    return Err(RejectReason::malformed(
                        "the proposal's justify does not certify its parent from an earlier view",
                    ));
                }
                qc.view
            }
            None => {
                if block.height != 1 || block.parent_hash != [0; 32] || block.view == 0 {
                    return Err(RejectReason::malformed(
                        "only a block at height 1 extends genesis without a justify",
                    ));
                }
                0
            }
        };
        if let Some(tc) = tc {
            if tc.view.saturating_add(1) != block.view {
                return Err(RejectReason::malformed(
                    "a proposal's timeout certificate must be for the view before it",
                ));
            }
        }
        let justified = block.view == justify_view.saturating_add(1)
            || tc.is_some_and(|tc| justify_view >= tc.max_high_qc_view());
        if !justified {
            return Err(RejectReason::malformed(format!(
                "view {} is entered neither by a QC of view {} nor by a timeout certificate \
                 no higher than its justify",
                block.view,
                block.view.saturating_sub(1)
            )));
        }
        block.check_shape(self.config.max_batch)?;
        if let Some(qc) = justify {
            self.check_qc(qc)?;
        }
        if let Some(tc) = tc {
            self.verify_tc(tc)?;
        }
        Ok(())
    }

    pub(super) fn on_proposal(
        &mut self,
        from: u32,
        block: Block,
        justify: Option<QuorumCertificate>,
        tc: Option<TimeoutCertificate>,
        vote: Vote,
        out: &mut Vec<Effect>,
    ) {
        if let Err(reason) = self.check_proposal(&block, justify.as_ref(), tc.as_ref(), &vote) {
            self.reject(from, reason, out);
            return;
        }
        let justify_view = justify.as_ref().map_or(0, |q| q.view);
        let leader_known = self.leader_after(&block.parent_hash, block.view).is_some();
        self.record_generic(vote, out);
        if let Some(tc) = &tc {
            self.observe_tc(from, tc.clone(), out);
        }
        if leader_known {
            self.remember_block(block.clone());
        }
        if let Some(qc) = justify {
            self.observe_qc(from, qc, out);
        }
        self.try_form_qc(block.view, out);
        self.refresh_high_qc();
        self.try_commit(out);
        if block.view == self.view {
            self.try_vote(from, block, justify_view, tc, out);
        }
    }

    /// Jolteon's voting rule for a block of the current view.
    fn try_vote(
        &mut self,
        from: u32,
        block: Block,
        justify_view: u64,
        tc: Option<TimeoutCertificate>,
        out: &mut Vec<Effect>,
    ) {
        let v = self.view;
        if block.view != v || self.my_timeout.is_some() {
            return;
        }
        let safe = v == justify_view.saturating_add(1)
            || tc.as_ref().is_some_and(|tc| {
                v == tc.view.saturating_add(1) && justify_view >= tc.max_high_qc_view()
            });
        if !safe {
            return;
        }
        let Some(ancestry) = self.branch_ids(block.parent_hash) else {
            // Ancestors missing: fetch them, vote when they arrive.
            if block.height > self.chain.next_height {
                self.sync_hint = Some(from);
                self.request_sync(from, self.sync_from(), out);
            }
            self.waiting = Some((block, justify_view, tc));
            return;
        };
        let leader = self.leader_after(&block.parent_hash, v);
        if leader != Some(block.proposer) {
            let detail = format!(
                "view {v} on this branch is led by validator {}, not {}",
                leader.map_or_else(|| "?".to_string(), |l| l.to_string()),
                block.proposer
            );
            self.waiting = None;
            self.reject(from, RejectReason::malformed(detail), out);
            return;
        }
        self.remember_block(block.clone());
        if let Some(p) = block
            .proposals
            .iter()
            .find(|p| ancestry.contains(&p.id) || self.chain.ids.contains(&p.id))
        {
            let detail = format!(
                "block {} repeats proposal {:?}, already in its chain",
                block.height, p.id
            );
            self.reject(from, RejectReason::malformed(detail), out);
            return;
        }
        let hash = block.hash();
        let Some(vote) = self.sign(block.height, v, Phase::Generic, hash, out) else {
            return;
        };
        self.waiting = None;
        self.my_vote = Some(vote.clone());
        let next = self.leader_hint(&hash, v.saturating_add(1));
        if next != self.me {
            out.push(Effect::Send {
                to: next,
                msg: Message::Vote(vote.clone()),
            });
        }
        self.record_generic(vote, out);
        self.try_form_qc(v, out);
    }

    pub(super) fn retry_waiting(&mut self, out: &mut Vec<Effect>) {
        let Some((block, justify_view, tc)) = self.waiting.take() else {
            return;
        };
        if block.view != self.view {
            return;
        }
        let sender = block.proposer;
        if self.branch_ids(block.parent_hash).is_some() {
            self.try_vote(sender, block, justify_view, tc, out);
        } else {
            self.waiting = Some((block, justify_view, tc));
        }
    }

    pub(super) fn on_vote(&mut self, from: u32, vote: Vote, out: &mut Vec<Effect>) {
        if vote.phase != Phase::Generic {
            let detail = match vote.phase {
                Phase::Timeout => "HotStuff timeouts travel in timeout messages with their QC",
                _ => "HotStuff votes are generic votes",
            };
            self.reject(from, RejectReason::malformed(detail), out);
            return;
        }
        let view = vote.view;
        self.record_generic(vote, out);
        self.try_form_qc(view, out);
    }

    /// Stores a valid generic vote (first per validator and view) and
    /// reports a second, different one as evidence.
    pub(super) fn record_generic(&mut self, vote: Vote, out: &mut Vec<Effect>) {
        if !self.in_vote_window(vote.view) {
            return;
        }
        let slot = self.votes.entry(vote.view).or_default();
        match slot.get(&vote.validator) {
            Some(first) => {
                let first = first.clone();
                self.duplicate(&first, vote, out);
            }
            None => {
                slot.insert(vote.validator, vote);
            }
        }
    }

    /// Forms the QC of `view` when a quorum voted for one known block.
    pub(super) fn try_form_qc(&mut self, view: u64, out: &mut Vec<Effect>) {
        let Some(by_validator) = self.votes.get(&view) else {
            return;
        };
        let mut power: std::collections::BTreeMap<[u8; 32], u64> = Default::default();
        for vote in by_validator.values() {
            let sum = power.entry(vote.block_hash).or_default();
            *sum = sum.saturating_add(self.set.power_of(vote.validator));
        }
        let Some(hash) = power
            .into_iter()
            .find(|(hash, p)| {
                self.set.has_quorum(*p)
                    && !self.qcs.contains_key(hash)
                    && self.known_block(hash).is_some()
            })
            .map(|(hash, _)| hash)
        else {
            return;
        };
        let votes = by_validator.values().filter(|v| v.block_hash == hash);
        if let Some(qc) = QuorumCertificate::from_votes(votes) {
            let me = self.me;
            self.fresh_qc = Some(qc.clone());
            self.observe_qc(me, qc, out);
        }
    }

    /// Takes in a verified generic QC: it may raise our highest QC, moves us
    /// to the view after it, and may prove commits.
    pub(super) fn observe_qc(&mut self, from: u32, qc: QuorumCertificate, out: &mut Vec<Effect>) {
        self.advance_view(qc.view.saturating_add(1));
        if qc.height.saturating_add(1) < self.chain.next_height {
            return;
        }
        let hash = qc.block_hash;
        let height = qc.height;
        self.qcs.entry(hash).or_insert(qc);
        if self.known_block(&hash).is_none() && from != self.me {
            self.sync_hint = Some(from);
            if height >= self.chain.next_height {
                self.request_sync(from, self.sync_from(), out);
            }
        }
        self.refresh_high_qc();
    }

    /// The highest block the two-chain rule proves committed (a certified
    /// block P with a certified child X of the next view) that is not yet
    /// committed here and whose ancestors down to our last committed block
    /// we hold, each with its QC; and X, which proves it. The flag says
    /// whether a higher proven block lacks some of its ancestors (then they
    /// must be fetched).
    ///
    /// A proven block with a gap below it must not hide a lower one without
    /// a gap: a validator catching up holds the batch it synced just above
    /// its height and, from the live traffic, blocks near the tip; it used
    /// to look only at the highest, find the gap, and commit nothing, so it
    /// fetched the same batch again and again (tests/nemesis.rs).
    fn commit_target(&self) -> (Option<CommitTarget>, bool) {
        let next = self.chain.next_height;
        let mut proven: Vec<(u64, [u8; 32], [u8; 32])> = self
            .qcs
            .iter()
            .filter_map(|(hash, qc)| {
                let x = self.tree.get(hash)?;
                let p = self.tree.get(&x.parent_hash)?;
                let p_qc = self.qcs.get(&x.parent_hash)?;
                let direct = qc.view == x.view
                    && p_qc.view == p.view
                    && x.view == p.view.saturating_add(1)
                    && p.height >= next;
                direct.then_some((p.height, x.parent_hash, *hash))
            })
            .collect();
        proven.sort_unstable_by(|a, b| b.cmp(a));
        let mut reaches = HashMap::new();
        let mut gap = false;
        for (_, target, proving) in proven {
            if self.reaches_chain(target, &mut reaches) {
                return (Some((target, proving)), gap);
            }
            gap = true;
        }
        (None, gap)
    }

    /// Whether every block from `hash` down to our last committed block is
    /// held, at or above our next height, with its QC. `memo` remembers
    /// the answer for every block walked, so many calls walk each once.
    fn reaches_chain(&self, hash: [u8; 32], memo: &mut HashMap<[u8; 32], bool>) -> bool {
        let mut walked = Vec::new();
        let mut at = hash;
        let answer = loop {
            if at == self.chain.last_hash {
                break true;
            }
            if let Some(known) = memo.get(&at) {
                break *known;
            }
            let Some(block) = self
                .tree
                .get(&at)
                .filter(|b| b.height >= self.chain.next_height && self.qcs.contains_key(&at))
            else {
                break false;
            };
            walked.push(at);
            at = block.parent_hash;
        };
        for h in walked {
            memo.insert(h, answer);
        }
        answer
    }

    /// Commits every block the two-chain rule proves, in height order.
    /// Stops after a block that changes the validator set: what lies above
    /// it belongs to no epoch (the next one starts from that block).
    pub(super) fn try_commit(&mut self, out: &mut Vec<Effect>) {
        while !self.epoch_over {
            let (found, gap) = self.commit_target();
            let Some((target, proving)) = found else {
                if gap {
                    // A gap below a proven block: fetch it.
                    let to = self.sync_hint.unwrap_or_else(|| self.current_leader());
                    self.request_sync(to, self.sync_from(), out);
                }
                return;
            };
            // The proving child and the blocks between it and the target,
            // highest first: the commit proof of what this step commits.
            let mut above = Vec::new();
            let mut at = proving;
            while at != target {
                let Some(block) = self.tree.get(&at) else {
                    break;
                };
                above.push(block.clone());
                at = block.parent_hash;
            }
            let proof_qc = self.qcs.get(&proving).cloned();
            let mut path = Vec::new();
            let mut at = target;
            while at != self.chain.last_hash {
                let found = self
                    .tree
                    .get(&at)
                    .filter(|b| b.height >= self.chain.next_height)
                    .zip(self.qcs.get(&at));
                let Some((block, qc)) = found else {
                    // A gap below a proven block: fetch it.
                    let to = self.sync_hint.unwrap_or_else(|| self.current_leader());
                    self.request_sync(to, self.sync_from(), out);
                    return;
                };
                path.push((block.clone(), qc.clone()));
                at = block.parent_hash;
            }
            let mut path = path.into_iter().rev();
            let mut top = None;
            for (block, qc) in path.by_ref() {
                let last = self.ends_epoch(&block);
                top = Some(block.height);
                self.commit(block, qc, out);
                if last {
                    self.epoch_over = true;
                    break;
                }
            }
            // Blocks above the top committed one, up to the proving child.
            let blocks: Vec<Block> = path
                .map(|(b, _)| b)
                .chain(above.into_iter().rev())
                .collect();
            if let (Some(height), Some(qc)) = (top, proof_qc)
                && blocks.len() <= proof::MAX_PROOF_BLOCKS
            {
                out.push(Effect::CommitProof {
                    height,
                    proof: proof::CommitProof { blocks, qc },
                });
            }
        }
    }

    fn commit(&mut self, block: Block, qc: QuorumCertificate, out: &mut Vec<Effect>) {
        out.push(Effect::Commit {
            block: block.clone(),
            qc: qc.clone(),
        });
        self.pending.remove_committed(&block);
        if qc.epoch == self.set.epoch {
            self.note_committed(qc.block_hash, block.view, block.proposer);
        }
        self.chain.append(block, qc);
        let next = self.chain.next_height;
        self.tree.retain(|_, b| b.height >= next);
        self.qcs.retain(|_, qc| qc.height.saturating_add(1) >= next);
        self.sync_asked = None;
    }
}
