//! The state of the height PBFT is deciding (the committed chain tail and
//! the pending queue are shared by every algorithm: `protocol::chain`).

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::services::consensus::protocol::messages::{PreparedCertificate, ViewChange};
use crate::services::consensus::protocol::types::{
    Block, Phase, QuorumCertificate, ValidatorSet, Vote,
};

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
