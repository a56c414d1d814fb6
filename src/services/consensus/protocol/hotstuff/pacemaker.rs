//! The pacemaker: views, timers, timeouts and timeout certificates.

use super::{HotStuff, HotStuffMessage, TimeoutCertificate, TimeoutSignature, timeout_digest};
use crate::services::consensus::protocol::Effect;
use crate::services::consensus::protocol::messages::{Message, RejectReason};
use crate::services::consensus::protocol::types::{Phase, QuorumCertificate, Vote};

impl HotStuff {
    /// Enters `view` if it is ahead of ours.
    pub(super) fn advance_view(&mut self, view: u64) {
        if view <= self.view {
            return;
        }
        self.view = view;
        self.my_vote = None;
        self.my_timeout = None;
        let keep_from = view.saturating_sub(2);
        self.votes = self.votes.split_off(&keep_from);
        self.timeouts = self.timeouts.split_off(&view);
        self.timeout_qcs = self.timeout_qcs.split_off(&view);
        if self
            .waiting
            .as_ref()
            .is_some_and(|(block, _, _)| block.view < view)
        {
            self.waiting = None;
        }
    }

    /// Takes in a verified TC: everyone may leave its view.
    pub(super) fn observe_tc(&mut self, from: u32, tc: TimeoutCertificate, out: &mut Vec<Effect>) {
        if let Some(qc) = tc.high_qc.clone() {
            self.observe_qc(from, qc, out);
        }
        self.advance_view(tc.view.saturating_add(1));
        if self.last_tc.as_ref().is_none_or(|t| tc.view > t.view) {
            self.last_tc = Some(tc);
        }
    }

    /// Work a timer must move along.
    pub(super) fn has_work(&self) -> bool {
        !self.pending.batch(1, &self.chain.ids).is_empty()
            || self.peers_timing_out_here()
            || self.branch_has_payload()
            || self
                .my_vote
                .as_ref()
                .and_then(|v| self.tree.get(&v.block_hash))
                .is_some_and(|b| !b.proposals.is_empty())
    }

    /// Validators holding more than 1/3 of the power (so at least one
    /// honest one) timed out at or above our view, within `VIEW_AHEAD` of
    /// it: our timeout may be needed for their TC. Fewer is no work: one
    /// Byzantine validator's timeouts, sent every few views, kept an idle
    /// cluster timing out for good.
    fn peers_timing_out_here(&self) -> bool {
        if self.peer_timeout_view < self.view {
            return false;
        }
        let reach = self.view.saturating_add(super::VIEW_AHEAD);
        let power = self
            .timeout_views
            .iter()
            .enumerate()
            .filter(|(i, v)| *i as u32 != self.me && **v >= self.view && **v <= reach)
            .fold(0u64, |sum, (i, _)| {
                sum.saturating_add(self.set.power_of(u32::try_from(i).unwrap_or(u32::MAX)))
            });
        self.set.has_weak_quorum(power)
    }

    /// A non-empty uncommitted block on the highest QC's branch.
    fn branch_has_payload(&self) -> bool {
        let Some(qc) = &self.high_qc else {
            return false;
        };
        let mut at = qc.block_hash;
        while at != self.chain.last_hash {
            let Some(block) = self.tree.get(&at) else {
                return false;
            };
            if !block.proposals.is_empty() {
                return true;
            }
            at = block.parent_hash;
        }
        false
    }

    /// Timeout of the current view: `base * 2^k`, capped, where `k` counts
    /// the views since our highest QC beyond the first (the QC of the view
    /// we voted in is formed by the next leader, so one view without it is
    /// normal): it grows with consecutive failed views and resets on
    /// progress.
    fn current_timeout(&self) -> u64 {
        let hqc_view = self.high_qc.as_ref().map_or(0, |q| q.view);
        let failed = self.view.saturating_sub(hqc_view.saturating_add(2));
        self.config.timeout_for(failed)
    }

    pub(super) fn ensure_timer(&mut self, out: &mut Vec<Effect>) {
        if self.timer == Some(self.view) || !self.has_work() {
            return;
        }
        self.timer = Some(self.view);
        out.push(Effect::SetTimer {
            view: self.view,
            height: self.chain.next_height,
            after_ms: self.current_timeout(),
        });
    }

    pub(super) fn on_timer(&mut self, view: u64, out: &mut Vec<Effect>) {
        if self.timer != Some(view) || view != self.view {
            return; // stale
        }
        self.timer = None;
        if !self.has_work() {
            return;
        }
        let proposals = self.pending.batch(self.config.max_batch, &self.chain.ids);
        if !proposals.is_empty() && self.set.len() > 1 {
            // Forwards may have been lost: make sure the next leaders hold them.
            out.push(Effect::Broadcast {
                msg: Message::Forward { proposals },
            });
        }
        if self.sync_hint.is_some() || self.waiting.is_some() {
            self.sync_asked = None;
            out.push(Effect::Broadcast {
                msg: Message::SyncRequest {
                    from_height: self.sync_from(),
                },
            });
        }
        if let Some(vote) = self.my_vote.clone().filter(|v| v.view == self.view) {
            // The next leader may be down: let anyone form our view's QC.
            out.push(Effect::Broadcast {
                msg: Message::Vote(vote),
            });
        }
        self.time_out(out);
    }

    /// Signs (once per view) and broadcasts our timeout of the current view.
    pub(super) fn time_out(&mut self, out: &mut Vec<Effect>) {
        if let Some(msg) = self.my_timeout.clone() {
            out.push(Effect::Broadcast {
                msg: Message::HotStuff(msg),
            });
            return;
        }
        let view = self.view;
        let high_qc = self.high_qc.clone();
        let hqc_view = high_qc.as_ref().map_or(0, |q| q.view);
        let digest = timeout_digest(view, hqc_view);
        let Some(vote) = self.sign(0, view, Phase::Timeout, digest, out) else {
            return;
        };
        let msg = HotStuffMessage::Timeout {
            vote: vote.clone(),
            high_qc: high_qc.clone(),
            last_tc: self
                .last_tc
                .clone()
                .filter(|tc| tc.view.saturating_add(1) == view),
        };
        self.my_timeout = Some(msg.clone());
        out.push(Effect::Broadcast {
            msg: Message::HotStuff(msg),
        });
        self.store_timeout(vote, hqc_view, high_qc, out);
        self.try_form_tc(view, out);
    }

    fn check_timeout(
        &mut self,
        vote: &Vote,
        high_qc: Option<&QuorumCertificate>,
        last_tc: Option<&TimeoutCertificate>,
    ) -> Result<(), RejectReason> {
        let hqc_view = high_qc.map_or(0, |q| q.view);
        if vote.phase != Phase::Timeout || vote.height != 0 {
            return Err(RejectReason::malformed(
                "a timeout message carries a timeout vote at height 0",
            ));
        }
        if hqc_view >= vote.view || vote.block_hash != timeout_digest(vote.view, hqc_view) {
            return Err(RejectReason::malformed(
                "the timeout's signed digest does not match its view and high QC",
            ));
        }
        if last_tc.is_some_and(|tc| tc.view.saturating_add(1) != vote.view) {
            return Err(RejectReason::malformed(
                "a timeout carries the TC of the view before it",
            ));
        }
        if let Some(qc) = high_qc {
            self.check_qc(qc)?;
        }
        if let Some(tc) = last_tc {
            self.verify_tc(tc)?;
        }
        Ok(())
    }

    pub(super) fn on_timeout_msg(
        &mut self,
        from: u32,
        vote: Vote,
        high_qc: Option<QuorumCertificate>,
        last_tc: Option<TimeoutCertificate>,
        out: &mut Vec<Effect>,
    ) {
        if let Err(reason) = self.check_timeout(&vote, high_qc.as_ref(), last_tc.as_ref()) {
            self.reject(from, reason, out);
            return;
        }
        if let Some(tc) = last_tc {
            self.observe_tc(from, tc, out);
        }
        if let Some(qc) = high_qc.clone() {
            self.observe_qc(from, qc, out);
        }
        let view = vote.view;
        if let Some(v) = self.timeout_views.get_mut(vote.validator as usize) {
            *v = (*v).max(view);
        }
        if view < self.view {
            self.help(from, view, out);
            return;
        }
        self.maybe_join(out);
        // A peer's timeout near our view is work for our timer (we may be
        // needed for its TC). One for a view far ahead is not: a single
        // validly signed timeout for view 10^12 kept an idle cluster timing
        // out forever (a weak quorum that far ahead moves us by
        // `maybe_join` instead).
        if vote.validator != self.me && view <= self.view.saturating_add(super::VIEW_AHEAD) {
            self.peer_timeout_view = self.peer_timeout_view.max(view);
        }
        let hqc_view = high_qc.as_ref().map_or(0, |q| q.view);
        self.store_timeout(vote, hqc_view, high_qc, out);
        self.try_form_tc(view, out);
        // More than 1/3 of the power left our view: at least one honest
        // validator did, so join without waiting for our timer.
        if view == self.view && self.my_timeout.is_none() {
            let power = self.timeouts.get(&view).map_or(0, |t| {
                t.keys()
                    .fold(0u64, |s, i| s.saturating_add(self.set.power_of(*i)))
            });
            if self.set.has_weak_quorum(power) {
                self.time_out(out);
            }
        }
    }

    /// Validators holding at least 1/3 of the power timed out in views
    /// above ours (so at least one honest one did, since the faulty power is
    /// below 1/3): join the highest view they reach together and time out
    /// there at once. This unsticks validators that restarted in different
    /// views after the TC that moved some of them on was lost.
    fn maybe_join(&mut self, out: &mut Vec<Effect>) {
        let me = self.me as usize;
        let mut views: Vec<(u64, u64)> = self
            .timeout_views
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let view = if i == me { self.view } else { *v };
                let index = u32::try_from(i).unwrap_or(u32::MAX);
                (view, self.set.power_of(index))
            })
            .collect();
        views.sort_by_key(|v| std::cmp::Reverse(v.0));
        let total = u128::from(self.set.total_power());
        let mut power = 0u64;
        for (view, p) in views {
            power = power.saturating_add(p);
            if u128::from(power) * 3 >= total {
                if view > self.view && self.has_work() {
                    self.advance_view(view);
                    self.time_out(out);
                }
                return;
            }
        }
    }

    /// Answers a validator stuck in an old view with our QC and TC, once
    /// per (validator, view).
    fn help(&mut self, to: u32, view: u64, out: &mut Vec<Effect>) {
        let Some(helped) = self.helped.get_mut(to as usize) else {
            return;
        };
        if *helped >= view || to == self.me {
            return;
        }
        *helped = view;
        out.push(Effect::Send {
            to,
            msg: Message::HotStuff(HotStuffMessage::SyncInfo {
                high_qc: self.high_qc.clone(),
                tc: self.last_tc.clone(),
            }),
        });
    }

    pub(super) fn on_sync_info(
        &mut self,
        from: u32,
        high_qc: Option<QuorumCertificate>,
        tc: Option<TimeoutCertificate>,
        out: &mut Vec<Effect>,
    ) {
        let mut checked = Ok(());
        if let Some(qc) = &high_qc {
            checked = self.check_qc(qc);
        }
        if let (Ok(()), Some(tc)) = (&checked, &tc) {
            checked = self.verify_tc(tc);
        }
        if let Err(reason) = checked {
            self.reject(from, reason, out);
            return;
        }
        if let Some(tc) = tc {
            self.observe_tc(from, tc, out);
        }
        if let Some(qc) = high_qc {
            self.observe_qc(from, qc, out);
        }
    }

    /// Stores a valid timeout (first per validator and view); a second one
    /// with another digest is evidence.
    pub(super) fn store_timeout(
        &mut self,
        vote: Vote,
        hqc_view: u64,
        high_qc: Option<QuorumCertificate>,
        out: &mut Vec<Effect>,
    ) {
        let view = vote.view;
        if view < self.view || view > self.view.saturating_add(super::VIEW_AHEAD) {
            return;
        }
        if let Some(qc) = high_qc {
            let best = self.timeout_qcs.get(&view).map_or(0, |q| q.view);
            if qc.view > best {
                self.timeout_qcs.insert(view, qc);
            }
        }
        let slot = self.timeouts.entry(view).or_default();
        match slot.get(&vote.validator) {
            Some((first, _)) => {
                let first = first.clone();
                self.duplicate(&first, vote, out);
            }
            None => {
                slot.insert(vote.validator, (vote, hqc_view));
            }
        }
    }

    /// Forms the TC of `view` once timeouts from a quorum are in.
    fn try_form_tc(&mut self, view: u64, out: &mut Vec<Effect>) {
        if self.last_tc.as_ref().is_some_and(|tc| tc.view >= view) {
            return;
        }
        let Some(by_validator) = self.timeouts.get(&view) else {
            return;
        };
        let power = by_validator
            .keys()
            .fold(0u64, |s, i| s.saturating_add(self.set.power_of(*i)));
        if !self.set.has_quorum(power) {
            return;
        }
        let signatures: Vec<TimeoutSignature> = by_validator
            .iter()
            .map(|(validator, (vote, hqc_view))| TimeoutSignature {
                validator: *validator,
                high_qc_view: *hqc_view,
                signature: vote.signature,
            })
            .collect();
        let mut tc = TimeoutCertificate {
            view,
            signatures,
            high_qc: None,
        };
        let max = tc.max_high_qc_view();
        if max > 0 {
            match self.timeout_qcs.get(&view).filter(|q| q.view == max) {
                Some(qc) => tc.high_qc = Some(qc.clone()),
                None => return,
            }
        }
        let me = self.me;
        self.observe_tc(me, tc, out);
    }
}
