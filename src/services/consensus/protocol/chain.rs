//! Containers every algorithm core keeps: the committed chain tail (with a
//! window of recent blocks to serve sync from), the ids of recently
//! committed proposals, and the queue of pending client proposals.

use std::collections::{HashSet, VecDeque};

use super::limits::within_sync_budget;
use super::messages::RejectReason;
use super::set_change::ends_epoch;
use super::types::{
    Block, MAX_BLOCK_PROPOSAL_BYTES, Phase, Proposal, QuorumCertificate, ValidatorSet,
};
use super::{Effect, Message};

/// Ids of recently committed proposals, oldest evicted first.
#[derive(Debug, Default)]
pub(crate) struct RecentIds {
    set: HashSet<String>,
    order: VecDeque<String>,
    capacity: usize,
}

impl RecentIds {
    pub(crate) fn new(capacity: usize) -> RecentIds {
        RecentIds {
            capacity: capacity.max(1),
            ..RecentIds::default()
        }
    }

    pub(crate) fn contains(&self, id: &str) -> bool {
        self.set.contains(id)
    }

    pub(crate) fn insert(&mut self, id: &str) {
        if !self.set.insert(id.to_string()) {
            return;
        }
        self.order.push_back(id.to_string());
        while self.order.len() > self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
    }
}

/// The committed chain as far as the core needs it: where it ends and a
/// bounded window of recent blocks to answer sync requests from.
#[derive(Debug)]
pub(crate) struct Chain {
    /// The height being decided: last committed + 1.
    pub next_height: u64,
    /// Hash of the last committed block (zeros before the first).
    pub last_hash: [u8; 32],
    pub last_qc: Option<QuorumCertificate>,
    /// Recent committed blocks, contiguous heights, oldest first.
    pub window: VecDeque<(Block, QuorumCertificate)>,
    window_cap: usize,
    pub ids: RecentIds,
    /// The last committed block changed the validator set: this epoch is
    /// over (see [`Chain::commit_in_epoch`]).
    epoch_over: bool,
}

impl Chain {
    pub(crate) fn new(window_cap: usize, remembered_ids: usize) -> Chain {
        Chain {
            next_height: 1,
            last_hash: [0; 32],
            last_qc: None,
            window: VecDeque::new(),
            window_cap: window_cap.max(1),
            ids: RecentIds::new(remembered_ids),
            epoch_over: false,
        }
    }

    /// Appends the block for `next_height`; the caller has checked it.
    pub(crate) fn append(&mut self, block: Block, qc: QuorumCertificate) {
        for p in &block.proposals {
            self.ids.insert(&p.id);
        }
        self.last_hash = qc.block_hash;
        self.next_height = block.height.saturating_add(1);
        self.last_qc = Some(qc.clone());
        self.window.push_back((block, qc));
        while self.window.len() > self.window_cap {
            self.window.pop_front();
        }
    }

    /// Appends the committed block for `next_height` (the caller has
    /// checked it) of `set`'s epoch, and notes whether it ends the epoch
    /// (`set_change::ends_epoch`): from then on [`Chain::epoch_over`] holds
    /// and the core signs, commits and proposes nothing more under `set`.
    pub(crate) fn commit_in_epoch(
        &mut self,
        block: Block,
        qc: QuorumCertificate,
        set: &ValidatorSet,
        min_validators: usize,
    ) {
        self.epoch_over = ends_epoch(set, &block, min_validators);
        self.append(block, qc);
    }

    /// Whether the last committed block ended this epoch.
    pub(crate) fn epoch_over(&self) -> bool {
        self.epoch_over
    }

    /// Committed blocks from `from_height` on, at most `max` of them and
    /// within the sync byte budget (`limits::within_sync_budget`); `None`
    /// when the window does not reach back that far.
    pub(crate) fn blocks_from(
        &self,
        from_height: u64,
        max: usize,
    ) -> Option<Vec<(Block, QuorumCertificate)>> {
        let first = self.window.front()?.0.height;
        let skip = usize::try_from(from_height.checked_sub(first)?).ok()?;
        let blocks = within_sync_budget(self.window.iter().skip(skip).take(max));
        Some(blocks.into_iter().cloned().collect())
    }

    pub(crate) fn get(&self, height: u64) -> Option<&(Block, QuorumCertificate)> {
        let first = self.window.front()?.0.height;
        self.window
            .get(usize::try_from(height.checked_sub(first)?).ok()?)
    }
}

/// Client proposals waiting for a block, oldest first, no id twice.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    queue: VecDeque<Proposal>,
    ids: HashSet<String>,
}

impl Pending {
    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    pub(crate) fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    pub(crate) fn push(&mut self, p: Proposal) {
        if self.ids.insert(p.id.clone()) {
            self.queue.push_back(p);
        }
    }

    /// The oldest proposals not yet committed, at most `max` of them and
    /// at most [`MAX_BLOCK_PROPOSAL_BYTES`] together: what fits in a block.
    pub(crate) fn batch(&self, max: usize, committed: &RecentIds) -> Vec<Proposal> {
        self.batch_where(max, |p| !committed.contains(&p.id))
    }

    /// [`Pending::batch`] of the proposals `take` accepts. A proposal that
    /// would overflow the byte budget ends the batch (order is kept: a
    /// later, smaller one does not overtake it).
    pub(crate) fn batch_where(
        &self,
        max: usize,
        mut take: impl FnMut(&Proposal) -> bool,
    ) -> Vec<Proposal> {
        let mut bytes = 0usize;
        let mut out = Vec::new();
        for p in self.queue.iter().filter(|p| take(p)) {
            if out.len() >= max {
                break;
            }
            bytes = bytes.saturating_add(p.wire_size());
            if bytes > MAX_BLOCK_PROPOSAL_BYTES {
                break;
            }
            out.push(p.clone());
        }
        out
    }

    pub(crate) fn remove_committed(&mut self, block: &Block) {
        if self.queue.is_empty() {
            return;
        }
        let gone: HashSet<&str> = block.proposals.iter().map(|p| p.id.as_str()).collect();
        self.queue.retain(|p| !gone.contains(p.id.as_str()));
        self.ids.retain(|id| !gone.contains(id.as_str()));
    }
}

/// Where a block received in a sync response stands against the chain.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Synced {
    /// Already committed: skip it.
    Old,
    /// Beyond the next height: stop (responses are in height order).
    Ahead,
    /// The next block, certified and linked: verify the QC's signatures,
    /// then commit it.
    Next,
    /// Refuse the response, for this reason.
    Bad(String),
}

impl Chain {
    /// The answer to a peer's `SyncRequest`: the blocks from the window, or
    /// (when the window does not reach back that far) `ServeSync` for the
    /// shell to serve from its store; nothing for a request from ourselves
    /// or for heights we have not committed.
    pub(crate) fn answer_sync(
        &self,
        me: u32,
        to: u32,
        from_height: u64,
        max_blocks: usize,
    ) -> Option<Effect> {
        let from_height = from_height.max(1);
        if from_height >= self.next_height || to == me {
            return None;
        }
        Some(match self.blocks_from(from_height, max_blocks) {
            Some(blocks) if !blocks.is_empty() => Effect::Send {
                to,
                msg: Message::SyncResponse { blocks },
            },
            _ => Effect::ServeSync {
                to,
                from_height,
                max_blocks,
            },
        })
    }

    /// Checks a synced block against the chain's tip (everything but the
    /// certificate's signatures, which the core checks with its cache).
    pub(crate) fn check_synced(
        &self,
        block: &Block,
        qc: &QuorumCertificate,
        commit_phase: Phase,
    ) -> Synced {
        let next = self.next_height;
        if block.height < next {
            return Synced::Old;
        }
        if block.height > next || self.epoch_over {
            // Blocks above the epoch's last one belong to the next epoch's
            // core, which checks them against the next set.
            return Synced::Ahead;
        }
        if qc.phase != commit_phase || !qc.certifies(block) {
            return Synced::Bad(format!(
                "the certificate sent with block {next} does not commit it"
            ));
        }
        if block.parent_hash != self.last_hash {
            return Synced::Bad(format!(
                "synced block {next} does not extend our last committed block"
            ));
        }
        Synced::Next
    }
}

impl Pending {
    /// A client's proposal: refused when malformed or when `max_pending`
    /// wait already; ignored when committed or waiting; else queued, and
    /// the `Forward` to broadcast returned when there are other validators
    /// (whoever leads next must hold it).
    pub(crate) fn admit(
        &mut self,
        p: Proposal,
        committed: &RecentIds,
        max_pending: usize,
        others: bool,
    ) -> Result<Option<Effect>, RejectReason> {
        p.validate()?;
        if committed.contains(&p.id) || self.contains(&p.id) {
            return Ok(None);
        }
        if self.len() >= max_pending {
            let detail = format!(
                "{} proposals are waiting (max_pending); retry later",
                self.len()
            );
            return Err(RejectReason::Overloaded { detail });
        }
        self.push(p.clone());
        Ok(others.then(|| Effect::Broadcast {
            msg: Message::Forward { proposals: vec![p] },
        }))
    }

    /// Proposals a peer forwarded, queued in order: refused when there are
    /// more than `max_batch`, or at the first malformed one (those before
    /// it stay queued); committed ones, and any beyond `max_pending`, are
    /// skipped.
    pub(crate) fn admit_forwarded(
        &mut self,
        proposals: Vec<Proposal>,
        committed: &RecentIds,
        max_batch: usize,
        max_pending: usize,
    ) -> Result<(), RejectReason> {
        if proposals.len() > max_batch {
            return Err(RejectReason::malformed(format!(
                "a forward holds {} proposals, more than max_batch {max_batch}",
                proposals.len()
            )));
        }
        let bytes: usize = proposals.iter().map(Proposal::wire_size).sum();
        if bytes > MAX_BLOCK_PROPOSAL_BYTES {
            return Err(RejectReason::malformed(format!(
                "a forward holds {bytes} bytes of proposals, more than a block's {MAX_BLOCK_PROPOSAL_BYTES}"
            )));
        }
        for p in proposals {
            p.validate()?;
            if committed.contains(&p.id) || self.len() >= max_pending {
                continue;
            }
            self.push(p);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::services::consensus::protocol::types::MAX_PROPOSAL_BYTES;

    fn sized(id: &str, size: usize) -> Proposal {
        let mut p = Proposal::new(id, json!(""));
        let base = p.wire_size();
        p.payload = json!("z".repeat(size - base));
        p
    }

    #[test]
    fn a_batch_stops_at_the_block_byte_budget_in_order() {
        let mut pending = Pending::default();
        for i in 0..20 {
            pending.push(sized(&format!("big{i:02}"), MAX_PROPOSAL_BYTES));
        }
        pending.push(sized("small", 100));
        let committed = RecentIds::new(10);
        let batch = pending.batch(256, &committed);
        let bytes: usize = batch.iter().map(Proposal::wire_size).sum();
        assert_eq!(batch.len(), MAX_BLOCK_PROPOSAL_BYTES / MAX_PROPOSAL_BYTES);
        assert!(bytes <= MAX_BLOCK_PROPOSAL_BYTES);
        assert_eq!(batch[0].id, "big00", "oldest first");
        assert!(
            batch.iter().all(|p| p.id != "small"),
            "a later proposal does not overtake one that did not fit"
        );
        // The count limit still holds for small proposals.
        let mut small = Pending::default();
        for i in 0..10 {
            small.push(sized(&format!("s{i}"), 50));
        }
        assert_eq!(small.batch(3, &committed).len(), 3);
    }

    #[test]
    fn forwards_above_a_blocks_bytes_are_refused() {
        let committed = RecentIds::new(10);
        let mut pending = Pending::default();
        let fit: Vec<Proposal> = (0..MAX_BLOCK_PROPOSAL_BYTES / MAX_PROPOSAL_BYTES)
            .map(|i| sized(&format!("f{i}"), MAX_PROPOSAL_BYTES))
            .collect();
        assert!(
            pending
                .admit_forwarded(fit.clone(), &committed, 256, 1000)
                .is_ok()
        );
        let mut over = fit;
        over.push(sized("one-more", 100));
        let mut other = Pending::default();
        assert!(other.admit_forwarded(over, &committed, 256, 1000).is_err());
        assert_eq!(other.len(), 0, "nothing of a refused forward is queued");
    }
}
