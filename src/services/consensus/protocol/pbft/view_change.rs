//! Timeouts, view changes and new-views.
//!
//! A validator whose timer expires signs a view change for view + 1 with
//! its highest prepared certificate. While waiting for the new leader it
//! re-sends that view change on every timeout, and moves on to the next view
//! only once validators holding a quorum of power have asked for its view
//! or a later one — so a lone validator never races ahead. When validators
//! holding more than 1/3 of the power ask for a view above ours, we join the
//! highest such view (at least one honest validator is there).
//!
//! The new leader waits for view changes from a quorum for exactly its
//! view, then sends a new-view with them as proof and the block to prepare:
//! the prepared block with the highest prepare-certificate view among the
//! proofs, or a fresh batch when none is prepared. If a block was committed
//! in an earlier view, a quorum prepared it, every quorum of view changes
//! includes an honest validator that reports it, and no other block can
//! hold a prepare certificate in that view or later — so the new-view
//! re-proposes it, and every validator checks that it does.

use super::{Pbft, VIEW_AHEAD};
use crate::services::consensus::protocol::Effect;
use crate::services::consensus::protocol::messages::{
    Message, NewView, PreparedCertificate, RejectReason, ViewChange,
};
use crate::services::consensus::protocol::types::{Block, Phase, view_change_digest};

/// The prepared certificate a new-view must follow: highest prepare-QC
/// view, ties broken by hash so every validator picks the same.
fn highest_prepared(vcs: &[ViewChange]) -> Option<&PreparedCertificate> {
    vcs.iter()
        .filter_map(|vc| vc.prepared.as_ref())
        .max_by_key(|p| (p.qc.view, p.qc.block_hash))
}

impl Pbft {
    pub(super) fn on_timeout(&mut self, height: u64, view: u64, out: &mut Vec<Effect>) {
        let key = (self.chain.next_height, self.round.view);
        if self.timer != Some((height, view)) || key != (height, view) {
            return; // stale
        }
        self.timer = None;
        self.sync_asked = None;
        if let Some((seen, peer)) = self.highest_seen {
            if seen > height {
                self.request_sync(peer, out);
            }
            self.highest_seen = None;
        }
        if !self.needs_progress() {
            return;
        }
        if !self.pending.is_empty() {
            // Forwards may have been lost: make sure the next leaders hold them.
            let proposals = self.pending.batch(self.config.max_batch, &self.chain.ids);
            if !proposals.is_empty() {
                out.push(Effect::Broadcast {
                    msg: Message::Forward { proposals },
                });
            }
        }
        if !self.round.changing || self.quorum_at_or_above(view) {
            self.start_view_change(view.saturating_add(1), out);
        } else if let Some(vc) = self.round.my_vc.clone() {
            out.push(Effect::Broadcast {
                msg: Message::ViewChange(vc),
            });
        }
    }

    /// Latest view each validator is in or asks for (ours: the current).
    fn views_by_power(&self) -> Vec<(u64, u64)> {
        let mut views: Vec<(u64, u64)> = (0..self.set.len())
            .map(|i| {
                let index = u32::try_from(i).unwrap_or(u32::MAX);
                let view = if index == self.me {
                    self.round.view
                } else {
                    self.round.view_changes[i]
                        .as_ref()
                        .map_or(0, |vc| vc.vote.view)
                };
                (view, self.set.power_of(index))
            })
            .collect();
        views.sort_by_key(|v| std::cmp::Reverse(v.0));
        views
    }

    fn quorum_at_or_above(&self, view: u64) -> bool {
        let power = self
            .views_by_power()
            .into_iter()
            .filter(|(v, _)| *v >= view)
            .fold(0u64, |sum, (_, p)| sum.saturating_add(p));
        self.set.has_quorum(power)
    }

    /// PBFT's f+1 rule: join the highest view that validators holding more
    /// than 1/3 of the power are in or ask for.
    fn maybe_join(&mut self, out: &mut Vec<Effect>) {
        let mut power = 0u64;
        for (view, p) in self.views_by_power() {
            power = power.saturating_add(p);
            if self.set.has_weak_quorum(power) {
                if view > self.round.view {
                    self.start_view_change(view, out);
                }
                return;
            }
        }
    }

    pub(super) fn start_view_change(&mut self, target: u64, out: &mut Vec<Effect>) {
        let prepared = self
            .round
            .prepared
            .as_ref()
            .map(|p| (p.qc.view, &p.qc.block_hash));
        let digest = view_change_digest(prepared);
        let Some(vote) = self.sign(target, Phase::ViewChange, digest, out) else {
            return;
        };
        let vc = ViewChange {
            vote: vote.clone(),
            prepared: self.round.prepared.clone(),
        };
        let r = &mut self.round;
        r.view = target;
        r.changing = true;
        r.proposal = None;
        r.sent_commit = false;
        r.my_vc = Some(vc.clone());
        if let Some(slot) = r.view_changes.get_mut(self.me as usize) {
            *slot = Some(vc.clone());
        }
        self.record_vote(vote, out);
        out.push(Effect::Broadcast {
            msg: Message::ViewChange(vc),
        });
        self.try_new_view(out);
    }

    /// Checks a view change for the current height: signature, digest, and
    /// the prepared certificate it carries.
    fn check_view_change(&mut self, vc: &ViewChange) -> Result<(), RejectReason> {
        self.verify_vote(&vc.vote)?;
        let h = self.chain.next_height;
        if vc.vote.phase != Phase::ViewChange || vc.vote.view == 0 || vc.vote.height != h {
            return Err(RejectReason::malformed(format!(
                "expected a view change to view 1 or later at height {h}"
            )));
        }
        let prepared = vc.prepared.as_ref().map(|p| (p.qc.view, &p.qc.block_hash));
        if view_change_digest(prepared) != vc.vote.block_hash {
            return Err(RejectReason::malformed(
                "the view change's signed digest does not match its prepared certificate",
            ));
        }
        if let Some(p) = &vc.prepared {
            if p.qc.phase != Phase::Prepare || p.qc.height != h || p.qc.view >= vc.vote.view {
                return Err(RejectReason::malformed(
                    "a prepared certificate must be a prepare QC of this height from an earlier view",
                ));
            }
            if !p.qc.certifies(&p.block) || p.block.parent_hash != self.chain.last_hash {
                return Err(RejectReason::malformed(
                    "the prepared block does not match its certificate or the chain",
                ));
            }
            self.verify_qc(&p.qc)?;
        }
        Ok(())
    }

    /// Keeps `vc` as its signer's latest if it asks for a higher view.
    fn store_view_change(&mut self, vc: ViewChange) {
        let Some(slot) = self.round.view_changes.get_mut(vc.vote.validator as usize) else {
            return;
        };
        if slot.as_ref().is_none_or(|old| vc.vote.view > old.vote.view) {
            *slot = Some(vc);
        }
    }

    pub(super) fn on_view_change(&mut self, from: u32, vc: ViewChange, out: &mut Vec<Effect>) {
        if let Err(reason) = self.check_view_change(&vc) {
            self.reject(from, reason, out);
            return;
        }
        if vc.vote.view <= self.round.view.saturating_add(VIEW_AHEAD) {
            self.record_vote(vc.vote.clone(), out);
        }
        if let Some(p) = &vc.prepared {
            // A certificate is a certificate: it may complete a commit.
            self.round.remember_block(p.qc.block_hash, p.block.clone());
        }
        self.store_view_change(vc);
        self.maybe_join(out);
        self.try_new_view(out);
        self.advance(out);
    }

    /// As leader of the view we are changing to, open it once view
    /// changes from a quorum for exactly this view are in.
    fn try_new_view(&mut self, out: &mut Vec<Effect>) {
        let (h, w) = (self.chain.next_height, self.round.view);
        let r = &self.round;
        if !r.changing || self.set.leader(h, w) != self.me || r.new_view_sent == Some(w) {
            return;
        }
        let vcs: Vec<ViewChange> = r
            .view_changes
            .iter()
            .flatten()
            .filter(|vc| vc.vote.view == w)
            .cloned()
            .collect();
        let power = vcs.iter().fold(0u64, |sum, vc| {
            sum.saturating_add(self.set.power_of(vc.vote.validator))
        });
        if !self.set.has_quorum(power) {
            return;
        }
        let block = match highest_prepared(&vcs) {
            Some(p) => p.block.clone(),
            None => Block {
                height: h,
                view: w,
                parent_hash: self.chain.last_hash,
                proposer: self.me,
                proposals: self.pending.batch(self.config.max_batch, &self.chain.ids),
            },
        };
        let hash = block.hash();
        let Some(vote) = self.sign(w, Phase::Prepare, hash, out) else {
            return;
        };
        self.round.new_view_sent = Some(w);
        out.push(Effect::Broadcast {
            msg: Message::NewView(NewView {
                view_changes: vcs,
                block: block.clone(),
                vote: vote.clone(),
                parent_qc: self.chain.last_qc.clone(),
            }),
        });
        let r = &mut self.round;
        r.changing = false;
        r.sent_commit = false;
        r.proposal = Some(hash);
        r.remember_block(hash, block);
        self.record_vote(vote, out);
        self.advance(out);
    }

    fn check_new_view(&mut self, nv: &NewView) -> Result<(), RejectReason> {
        let w = nv.vote.view;
        if nv.view_changes.len() > self.set.len() {
            return Err(RejectReason::malformed(
                "a new-view holds more view changes than validators",
            ));
        }
        let mut seen = vec![false; self.set.len()];
        let mut power = 0u64;
        for vc in &nv.view_changes {
            if vc.vote.view != w {
                return Err(RejectReason::malformed(format!(
                    "a new-view for view {w} holds a view change for view {}",
                    vc.vote.view
                )));
            }
            match seen.get_mut(vc.vote.validator as usize) {
                Some(s) if !*s => *s = true,
                Some(_) => {
                    return Err(RejectReason::malformed(format!(
                        "validator {} appears twice in the new-view's proof",
                        vc.vote.validator
                    )));
                }
                None => {
                    return Err(RejectReason::NonMember {
                        validator: vc.vote.validator,
                    });
                }
            }
            self.check_view_change(vc)?;
            power = power.saturating_add(self.set.power_of(vc.vote.validator));
        }
        if !self.set.has_quorum(power) {
            return Err(RejectReason::malformed(format!(
                "the new-view's view changes hold power {power}, a quorum needs {}",
                self.set.quorum_power()
            )));
        }
        match highest_prepared(&nv.view_changes) {
            Some(p) if p.qc.block_hash != nv.vote.block_hash => Err(RejectReason::malformed(
                "the new-view must re-propose the highest prepared block",
            )),
            Some(_) => Ok(()),
            None => self
                .check_block(&nv.block, Some(w))
                .map_err(RejectReason::from),
        }
    }

    pub(super) fn on_new_view(&mut self, from: u32, nv: NewView, out: &mut Vec<Effect>) {
        let (h, w) = (self.chain.next_height, nv.vote.view);
        let leader = self.set.leader(h, w);
        if nv.vote.phase != Phase::Prepare || w == 0 || nv.vote.validator != leader {
            let detail = format!(
                "a new-view carries the prepare vote of its view's leader ({leader} for view {w})"
            );
            self.reject(from, RejectReason::malformed(detail), out);
            return;
        }
        let hash = nv.block.hash();
        if hash != nv.vote.block_hash {
            self.reject(
                from,
                RejectReason::malformed("the leader's vote is for another block"),
                out,
            );
            return;
        }
        if w < self.round.view || (w == self.round.view && !self.round.changing) {
            return; // stale, or already in this view
        }
        if let Err(reason) = self.check_new_view(&nv) {
            self.reject(from, reason, out);
            return;
        }
        let NewView {
            view_changes,
            block,
            vote,
            ..
        } = nv;
        for vc in view_changes {
            self.store_view_change(vc);
        }
        let r = &mut self.round;
        r.view = w;
        r.changing = false;
        r.remember_block(hash, block);
        self.record_vote(vote, out);
        self.accept_proposal(w, hash, out);
    }
}
