//! The containers PBFT keeps: the committed chain tail, the pending
//! proposal queue and the state of the height being decided.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use crate::services::consensus::protocol::messages::{PreparedCertificate, ViewChange};
use crate::services::consensus::protocol::types::{
    Block, Phase, Proposal, QuorumCertificate, ValidatorSet, Vote,
};

/// Ids of recently committed proposals, oldest evicted first.
#[derive(Debug, Default)]
pub(super) struct RecentIds {
    set: HashSet<String>,
    order: VecDeque<String>,
    capacity: usize,
}

impl RecentIds {
    pub(super) fn new(capacity: usize) -> RecentIds {
        RecentIds {
            capacity: capacity.max(1),
            ..RecentIds::default()
        }
    }

    pub(super) fn contains(&self, id: &str) -> bool {
        self.set.contains(id)
    }

    fn insert(&mut self, id: &str) {
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
pub(super) struct Chain {
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
    pub(super) fn new(window_cap: usize, remembered_ids: usize) -> Chain {
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
    pub(super) fn append(&mut self, block: Block, qc: QuorumCertificate) {
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
    pub(super) fn blocks_from(
        &self,
        from_height: u64,
        max: usize,
    ) -> Option<Vec<(Block, QuorumCertificate)>> {
        let first = self.window.front()?.0.height;
        let skip = usize::try_from(from_height.checked_sub(first)?).ok()?;
        Some(self.window.iter().skip(skip).take(max).cloned().collect())
    }

    pub(super) fn get(&self, height: u64) -> Option<&(Block, QuorumCertificate)> {
        let first = self.window.front()?.0.height;
        self.window
            .get(usize::try_from(height.checked_sub(first)?).ok()?)
    }
}

/// Client proposals waiting for a block, oldest first, no id twice.
#[derive(Debug, Default)]
pub(super) struct Pending {
    queue: VecDeque<Proposal>,
    ids: HashSet<String>,
}

impl Pending {
    pub(super) fn len(&self) -> usize {
        self.queue.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    pub(super) fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    pub(super) fn push(&mut self, p: Proposal) {
        if self.ids.insert(p.id.clone()) {
            self.queue.push_back(p);
        }
    }

    /// The oldest `max` proposals not yet committed.
    pub(super) fn batch(&self, max: usize, committed: &RecentIds) -> Vec<Proposal> {
        self.queue
            .iter()
            .filter(|p| !committed.contains(&p.id))
            .take(max)
            .cloned()
            .collect()
    }

    pub(super) fn remove_committed(&mut self, block: &Block) {
        if self.queue.is_empty() {
            return;
        }
        let gone: HashSet<&str> = block.proposals.iter().map(|p| p.id.as_str()).collect();
        self.queue.retain(|p| !gone.contains(p.id.as_str()));
        self.ids.retain(|id| !gone.contains(id.as_str()));
    }
}

/// Everything about the height being decided. Replaced wholesale when the
/// height is committed: the commit certificate is the stable checkpoint,
/// so nothing below it is kept.
#[derive(Debug)]
pub(super) struct Round {
    pub view: u64,
    /// A view change to `view` was sent and no new-view accepted yet.
    pub changing: bool,
    /// The block accepted (and prepared for) in `view`.
    pub proposal: Option<[u8; 32]>,
    pub sent_commit: bool,
    /// Blocks seen for this height from valid pre-prepares and new-views.
    pub blocks: HashMap<[u8; 32], Block>,
    /// Valid votes by (view, phase), first vote per validator.
    pub votes: BTreeMap<(u64, Phase), BTreeMap<u32, Vote>>,
    /// (validator, view, phase) already reported as duplicate votes.
    pub reported: HashSet<(u32, u64, Phase)>,
    /// Highest prepare certificate known, with its block.
    pub prepared: Option<PreparedCertificate>,
    /// Latest view change from each validator.
    pub view_changes: Vec<Option<ViewChange>>,
    /// Own view change for `view` while `changing`.
    pub my_vc: Option<ViewChange>,
    pub new_view_sent: Option<u64>,
}

/// Most blocks remembered per height (one per view from honest leaders).
pub(super) const MAX_BLOCKS_PER_HEIGHT: usize = 64;

impl Round {
    pub(super) fn new(n: usize) -> Round {
        Round {
            view: 0,
            changing: false,
            proposal: None,
            sent_commit: false,
            blocks: HashMap::new(),
            votes: BTreeMap::new(),
            reported: HashSet::new(),
            prepared: None,
            view_changes: vec![None; n],
            my_vc: None,
            new_view_sent: None,
        }
    }

    pub(super) fn remember_block(&mut self, hash: [u8; 32], block: Block) {
        if self.blocks.len() < MAX_BLOCKS_PER_HEIGHT || self.blocks.contains_key(&hash) {
            self.blocks.insert(hash, block);
        }
    }

    /// Certificates of `phase` that reach a quorum for a block this round
    /// holds, lowest view first.
    pub(super) fn certificates(&self, set: &ValidatorSet, phase: Phase) -> Vec<QuorumCertificate> {
        let mut found = Vec::new();
        for ((_, p), by_validator) in &self.votes {
            if *p != phase {
                continue;
            }
            let mut power: HashMap<[u8; 32], u64> = HashMap::new();
            for vote in by_validator.values() {
                let sum = power.entry(vote.block_hash).or_default();
                *sum = sum.saturating_add(set.power_of(vote.validator));
            }
            let mut hashes: Vec<_> = power
                .into_iter()
                .filter(|(hash, sum)| set.has_quorum(*sum) && self.blocks.contains_key(hash))
                .map(|(hash, _)| hash)
                .collect();
            hashes.sort();
            for hash in hashes {
                let votes = by_validator.values().filter(|v| v.block_hash == hash);
                if let Some(qc) = QuorumCertificate::from_votes(votes) {
                    found.push(qc);
                }
            }
        }
        found
    }

    /// Anyone's votes at this height (someone is working on it).
    pub(super) fn has_votes(&self) -> bool {
        !self.votes.is_empty()
    }
}
