//! Containers every algorithm core keeps: the committed chain tail (with a
//! window of recent blocks to serve sync from), the ids of recently
//! committed proposals, and the queue of pending client proposals.

use std::collections::{HashSet, VecDeque};

use super::types::{Block, Proposal, QuorumCertificate};

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

    /// Committed blocks from `from_height` on, at most `max` of them;
    /// `None` when the window does not reach back that far.
    pub(crate) fn blocks_from(
        &self,
        from_height: u64,
        max: usize,
    ) -> Option<Vec<(Block, QuorumCertificate)>> {
        let first = self.window.front()?.0.height;
        let skip = usize::try_from(from_height.checked_sub(first)?).ok()?;
        Some(self.window.iter().skip(skip).take(max).cloned().collect())
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

    /// The oldest `max` proposals not yet committed.
    pub(crate) fn batch(&self, max: usize, committed: &RecentIds) -> Vec<Proposal> {
        self.queue
            .iter()
            .filter(|p| !committed.contains(&p.id))
            .take(max)
            .cloned()
            .collect()
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
