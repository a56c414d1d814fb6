//! Chained HotStuff, two-chain variant (Jolteon / DiemBFT v4 style), for a
//! chain of blocks.
//!
//! # Shape
//!
//! - **Views and leaders.** Views grow across heights (one block per view
//!   at best). The leader of view `v` is `v mod n`
//!   (`ValidatorSet::leader(0, v)`) unless leader reputation skips it: a
//!   validator whose recent view produced no block of the branch the
//!   proposal extends is passed over (`reputation`), so a crashed leader
//!   costs a view when first met, not one per rotation.
//! - **Proposal.** The leader of `v` extends the block certified by its
//!   highest QC (`justify`) with a batch of pending client proposals, and
//!   enters `v` either because `justify.view == v - 1` or with a timeout
//!   certificate (TC) for `v - 1`. The proposal is signed by the leader's own
//!   generic vote. Height = parent height + 1.
//! - **Voting rule** (Jolteon's `safe_to_vote`). A replica votes (phase
//!   generic) for a block of its current view `v` when
//!   `v == justify.view + 1`, or the proposal carries a TC for `v - 1` and
//!   `justify.view >= ` the highest high-QC view in that TC; it signs at most
//!   one generic vote per view, never after its timeout of that view, and
//!   only for a block whose ancestors up to its last committed block it
//!   holds (and that repeats no committed or ancestral proposal id). The vote
//!   goes to the leader of `v + 1`, which forms the QC and proposes next.
//! - **Commit rule (two-chain).** A block `b` is committed when there is a
//!   QC for `b` and a QC for a child `b'` with `b'.view == b.view + 1`; `b`
//!   and all its uncommitted ancestors are committed in height order.
//!   `Effect::Commit` carries `b`'s own generic QC: it proves that more than
//!   2/3 of the power voted for `b` in `b.view`. Finality additionally rests
//!   on the child's QC in the next view, which a validator checked before
//!   committing (it is not stored with the block): a QC alone does not make
//!   a HotStuff block final.
//! - **Pacemaker.** A validator that sees no progress in its view for
//!   `base_timeout_ms * 2^k` (capped at `max_timeout_ms`; `k` counts the
//!   views since its highest QC beyond the first, so it grows with
//!   consecutive failed views and resets on progress) re-forwards its
//!   pending proposals, broadcasts its generic vote of that view (so anyone,
//!   not only a crashed next leader, can form the QC), then signs a timeout
//!   (phase timeout; digest in `messages`) carrying its highest QC and
//!   broadcasts it. Timeouts from a quorum form a TC that moves everyone to
//!   `v + 1`; the next leader proposes extending the highest QC, which is at
//!   least as high as every QC the TC's signers reported. Timeouts from more
//!   than 1/3 of the power for our view make us time out at once, and when
//!   validators holding at least 1/3 of the power timed out in higher views
//!   we join the highest such view (at least one of them is honest; this
//!   unsticks validators that restarted in different views after the TC
//!   that moved some of them on was lost). A validator heard timing out in
//!   a view we left gets a `SyncInfo` with our highest QC and TC.
//! - **When there is work.** Timers run only while there is work: pending
//!   proposals, a non-empty uncommitted block on the highest QC's branch or
//!   under our vote, or a peer timing out in our view. Leaders propose
//!   while they have pending proposals or a non-empty block on their
//!   branch is not yet proven committed to everyone (empty blocks carry the
//!   proof: two views after the last non-empty block the cluster idles). A
//!   leader that forms a QC and has nothing to propose broadcasts it
//!   (`SyncInfo`), so every validator commits what it proves.
//! - **Safety across restarts.** `Effect::Persist` precedes every vote and
//!   timeout. Vote slots are (view, rank) with generic < timeout
//!   (`Algorithm::vote_slot`). `SafetyRecord.prepared` holds the highest QC
//!   (with its block) at the time of signing: that is Jolteon's lock (the
//!   "one-chain round"), which every later timeout reports at least, so a
//!   TC can never justify a block that skips a possibly committed one.
//!   After a restart the core resumes in the recorded view, never signs
//!   below that slot, and re-sends its recorded timeout.
//! - **Catching up.** A `SyncRequest` is answered with committed blocks and
//!   their QCs (from memory, else `Effect::ServeSync`) and with a `Chain`
//!   message of the certified uncommitted blocks above them with the
//!   sender's highest QC. Blocks are addressed by hash and linked by parent
//!   hash, and every QC is verified, but a synced block is committed only
//!   when the two-chain rule proves it (a consecutive-view certified child,
//!   or a descendant that is so proven). Messages for views ahead carry
//!   their own justification (QC or TC), so no buffering is needed; a
//!   validator missing blocks or QCs below its highest QC asks for exactly
//!   that range.
//!
//! - **Epochs (validator set changes).** A block carrying a set change
//!   that applies to this set (`set_change::next_set` with
//!   `CoreConfig::min_validators`, exactly as the shell judges it) ends the
//!   epoch: it commits by the two-chain rule, nothing above it ever commits
//!   in this epoch, and leaders put no proposals in blocks above it (empty
//!   blocks only serve to commit it). The next epoch's core is built with
//!   the new set and that block as its last committed one: its root, like
//!   genesis. The root's QC is of the old set, so it cannot verify against
//!   the new one; a QC of an earlier epoch is accepted (in a justify, a
//!   timeout's high QC or a TC) only when it names a block this validator
//!   committed, in the same view (DiemBFT/Aptos reconfiguration).
//!
//! **Whole-cluster crashes.** Certified but uncommitted blocks live in
//! memory, so the safety record carries them too: `SafetyRecord::branch`
//! holds the certified ancestors of the lock's block down to the last
//! committed one, each with its QC (usually none: a QC of the next view
//! commits the parent; after a view ended by a TC there may be several).
//! Without them a cluster that crashed entirely could neither extend nor
//! commit the locked branch, since nobody could serve its lower blocks
//! (this stalled 6 of 9,000 runs of the long simulation; those seeds are
//! now `sim::scenarios::*::whole_cluster_crash_seeds`).
//!
//! All validators of a chain must run with the same `max_batch`.

mod messages;
mod pacemaker;
pub mod proof;
mod reputation;
mod sync;
mod voting;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use ed25519_dalek::SigningKey;

pub use reputation::REPUTATION_WINDOW;

pub use messages::{
    HotStuffMessage, TIMEOUT_DOMAIN, TimeoutCertificate, TimeoutSignature, timeout_digest,
};

use super::chain::{Chain, Pending};
use super::config::Algorithm;
use super::messages::{Message, PreparedCertificate, RejectReason};
use super::set_change;
use super::signature::{Ed25519Check, VerifyCache};
use super::types::{Block, Phase, QcError, QuorumCertificate, ValidatorSet, Vote, VoteError};
use super::{Consensus, CoreConfig, Effect, Input, Recovered, SafetyRecord, SetupError};

/// Votes and timeouts for views further ahead than this are not stored.
const VIEW_AHEAD: u64 = 8;
/// Uncommitted blocks kept (all branches).
const MAX_TREE: usize = 4096;
/// Blocks further above the committed height than this are not kept.
const MAX_AHEAD: u64 = 1024;
/// Most blocks in a `Chain` message or accepted from a sync response.
const MAX_CHAIN: usize = 1024;

/// A HotStuff validator core.
#[derive(Debug)]
pub struct HotStuff {
    set: ValidatorSet,
    me: u32,
    key: SigningKey,
    config: CoreConfig,
    check: VerifyCache,
    chain: Chain,
    pending: Pending,
    safety: Option<SafetyRecord>,
    /// Current view (the first is 1).
    view: u64,
    /// Uncommitted blocks (height >= next height), by hash.
    tree: HashMap<[u8; 32], Block>,
    /// Verified generic QCs by the hash of the block they certify.
    qcs: HashMap<[u8; 32], QuorumCertificate>,
    /// Highest-view QC whose block is known (none: genesis, view 0).
    high_qc: Option<QuorumCertificate>,
    /// Highest TC seen.
    last_tc: Option<TimeoutCertificate>,
    /// Valid generic votes by view, first per validator.
    votes: BTreeMap<u64, BTreeMap<u32, Vote>>,
    /// Valid timeouts by view: first per validator, with its high-QC view.
    timeouts: BTreeMap<u64, BTreeMap<u32, (Vote, u64)>>,
    /// Highest QC carried by the timeouts of each view.
    timeout_qcs: BTreeMap<u64, QuorumCertificate>,
    /// (validator, view, phase) already reported as duplicate votes.
    reported: HashSet<(u32, u64, Phase)>,
    /// Own generic vote of the current view, once signed.
    my_vote: Option<Vote>,
    /// Own timeout for the current view, once signed.
    my_timeout: Option<HotStuffMessage>,
    /// View of our last proposal.
    proposed: Option<u64>,
    /// View of the armed timer.
    timer: Option<u64>,
    /// Highest view a peer was heard timing out in.
    peer_timeout_view: u64,
    /// Per validator: highest view of a valid timeout it signed.
    timeout_views: Vec<u64>,
    /// Per peer: highest stale view answered with a `SyncInfo`.
    helped: Vec<u64>,
    /// A proposal of the current view waiting for its ancestors.
    waiting: Option<(Block, u64, Option<TimeoutCertificate>)>,
    /// (from_height, view) of the last sync request.
    sync_asked: Option<(u64, u64)>,
    /// Who showed us a QC whose blocks we lack.
    sync_hint: Option<u32>,
    /// A QC we formed from votes and have not yet passed on.
    fresh_qc: Option<QuorumCertificate>,
    last_votes: Vec<Option<Vote>>,
    /// A committed block changed the validator set: this epoch commits
    /// nothing more (the shell starts the next epoch's core).
    epoch_over: bool,
    /// (hash, view, proposer) of the last committed blocks of this epoch,
    /// for the leader election (`reputation`).
    recent: VecDeque<([u8; 32], u64, u32)>,
}

impl HotStuff {
    /// Builds the core of validator `my_index`. `recovered` is what the
    /// shell persisted before a restart (`None` on first start).
    pub fn new(
        set: ValidatorSet,
        my_index: u32,
        signing_key: [u8; 32],
        config: CoreConfig,
        recovered: Option<Recovered>,
    ) -> Result<HotStuff, SetupError> {
        let key = super::config::member_key(&set, my_index, signing_key, &config)?;
        let n = set.len();
        let mut core = HotStuff {
            me: my_index,
            key,
            check: VerifyCache::new(Box::new(Ed25519Check), config.verify_cache),
            chain: Chain::new(config.sync_window, config.remembered_ids),
            pending: Pending::default(),
            safety: None,
            view: 1,
            tree: HashMap::new(),
            qcs: HashMap::new(),
            high_qc: None,
            last_tc: None,
            votes: BTreeMap::new(),
            timeouts: BTreeMap::new(),
            timeout_qcs: BTreeMap::new(),
            reported: HashSet::new(),
            my_vote: None,
            my_timeout: None,
            proposed: None,
            timer: None,
            peer_timeout_view: 0,
            timeout_views: vec![0; n],
            helped: vec![0; n],
            waiting: None,
            sync_asked: None,
            sync_hint: None,
            fresh_qc: None,
            last_votes: vec![None; n],
            epoch_over: false,
            recent: VecDeque::new(),
            config,
            set,
        };
        if let Some(recovered) = recovered {
            core.restore(recovered)?;
        }
        Ok(core)
    }

    /// Replaces the signature check (simulations use a cheaper one).
    #[cfg(test)]
    pub(crate) fn with_signature_check(
        mut self,
        check: Box<dyn super::signature::SignatureCheck>,
    ) -> HotStuff {
        self.set_signature_check(check);
        self
    }

    pub fn my_index(&self) -> u32 {
        self.me
    }

    /// The highest QC whose block this validator holds.
    pub fn high_qc(&self) -> Option<&QuorumCertificate> {
        self.high_qc.as_ref()
    }

    /// The last persisted-to-be safety record.
    pub fn safety_record(&self) -> Option<&SafetyRecord> {
        self.safety.as_ref()
    }

    /// A committed block still in the in-memory window.
    pub fn committed_block(&self, height: u64) -> Option<&(Block, QuorumCertificate)> {
        self.chain.get(height)
    }

    fn restore(&mut self, recovered: Recovered) -> Result<(), SetupError> {
        for (block, qc) in recovered.committed {
            if self.chain.last_qc.is_some() && block.height != self.chain.next_height {
                return Err(SetupError::Recovered(format!(
                    "committed block {} follows height {}",
                    block.height,
                    self.chain.next_height.saturating_sub(1)
                )));
            }
            if self.chain.last_qc.is_some() && block.parent_hash != self.chain.last_hash {
                return Err(SetupError::Recovered(format!(
                    "committed block {} does not extend the block before it",
                    block.height
                )));
            }
            if qc.phase != Phase::Generic || !qc.certifies(&block) || qc.view != block.view {
                return Err(SetupError::Recovered(format!(
                    "the certificate stored with block {} is not its generic QC",
                    block.height
                )));
            }
            self.view = self.view.max(qc.view.saturating_add(1));
            if qc.epoch == self.set.epoch {
                self.note_committed(qc.block_hash, block.view, block.proposer);
            }
            self.chain.append(block, qc);
        }
        self.high_qc = self.chain.last_qc.clone();
        let Some(record) = recovered.safety else {
            return Ok(());
        };
        if !matches!(record.phase, Phase::Generic | Phase::Timeout) {
            return Err(SetupError::Recovered(format!(
                "the safety record is a {} vote, which HotStuff never signs \
                 (was this data directory written by another algorithm?)",
                record.phase
            )));
        }
        let generic = |p: &PreparedCertificate| {
            p.qc.phase == Phase::Generic && p.qc.certifies(&p.block) && p.qc.view == p.block.view
        };
        // The lock's uncommitted ancestors, which only our record may hold.
        for p in record.branch.iter().filter(|p| generic(p)) {
            if p.block.height >= self.chain.next_height {
                self.tree.insert(p.qc.block_hash, p.block.clone());
                self.qcs.insert(p.qc.block_hash, p.qc.clone());
            }
        }
        let prepared = record.prepared.clone().filter(generic);
        if let Some(p) = &prepared {
            let hash = p.qc.block_hash;
            if p.block.height >= self.chain.next_height {
                self.tree.insert(hash, p.block.clone());
            }
            if self.known_block(&hash).is_some()
                && self.high_qc.as_ref().is_none_or(|h| p.qc.view > h.view)
            {
                self.high_qc = Some(p.qc.clone());
            }
            self.qcs.insert(hash, p.qc.clone());
            self.view = self.view.max(p.qc.view.saturating_add(1));
        }
        self.view = self.view.max(record.view);
        if record.phase == Phase::Generic && record.view == self.view {
            // Same slot, same block: the identical signature again.
            self.my_vote = Some(Vote::sign(
                &self.key,
                &self.set,
                self.me,
                record.height,
                record.view,
                Phase::Generic,
                record.block_hash,
            ));
        }
        if record.phase == Phase::Timeout && record.view == self.view {
            let hqc = prepared.map(|p| p.qc);
            let hqc_view = hqc.as_ref().map_or(0, |q| q.view);
            if timeout_digest(record.view, hqc_view) == record.block_hash {
                // Same slot, same digest: the identical signature again.
                let vote = Vote::sign(
                    &self.key,
                    &self.set,
                    self.me,
                    0,
                    record.view,
                    Phase::Timeout,
                    record.block_hash,
                );
                self.store_timeout(vote.clone(), hqc_view, hqc.clone(), &mut Vec::new());
                self.my_timeout = Some(HotStuffMessage::Timeout {
                    vote,
                    high_qc: hqc,
                    last_tc: None,
                });
            }
        }
        self.safety = Some(record);
        Ok(())
    }

    // ----- helpers shared by the protocol parts -----

    fn reject(&self, from: u32, reason: impl Into<RejectReason>, out: &mut Vec<Effect>) {
        out.push(Effect::Rejected {
            from,
            reason: reason.into(),
        });
    }

    fn verify_vote(&mut self, vote: &Vote) -> Result<(), VoteError> {
        let check = &mut self.check;
        vote.verify_with(&self.set, &mut |k, m, s| check.check(k, m, s))
    }

    fn verify_qc(&mut self, qc: &QuorumCertificate) -> Result<(), QcError> {
        let check = &mut self.check;
        qc.verify_with(&self.set, &mut |k, m, s| check.check(k, m, s))
    }

    fn verify_tc(&mut self, tc: &TimeoutCertificate) -> Result<(), RejectReason> {
        let root = tc
            .high_qc
            .as_ref()
            .filter(|qc| qc.epoch < self.set.epoch && self.is_committed_qc(qc))
            .cloned();
        let trusted = |qc: &QuorumCertificate| root.as_ref() == Some(qc);
        let check = &mut self.check;
        tc.verify_trusting(&self.set, &mut |k, m, s| check.check(k, m, s), &trusted)
    }

    /// A generic QC, checked in full — or, when it is of an earlier epoch,
    /// the certificate of a block this validator has committed (the epoch's
    /// root, see `is_committed_qc`).
    fn check_qc(&mut self, qc: &QuorumCertificate) -> Result<(), RejectReason> {
        if qc.phase != Phase::Generic {
            return Err(RejectReason::malformed(format!(
                "a HotStuff certificate is of generic votes, not {}",
                qc.phase
            )));
        }
        if qc.epoch < self.set.epoch && self.is_committed_qc(qc) {
            return Ok(());
        }
        self.verify_qc(qc).map_err(RejectReason::from)
    }

    /// Whether `qc` names a block this validator committed (in view
    /// `qc.view`). The first block of an epoch extends the block that
    /// committed the set change, whose certificate is of the old set and so
    /// cannot be checked against this epoch's set; like a genesis QC it is
    /// trusted because this validator committed that block itself, under
    /// the old set's verified certificates (DiemBFT/Aptos reconfiguration).
    fn is_committed_qc(&self, qc: &QuorumCertificate) -> bool {
        self.chain.get(qc.height).is_some_and(|(block, mine)| {
            mine.block_hash == qc.block_hash
                && block.view == qc.view
                && qc.chain_id == self.set.chain_id
        })
    }

    /// Whether committing `block` in this epoch changes the validator set
    /// (judged exactly as the shell will judge it): the epoch ends with
    /// that block, and nothing above it may commit under this set.
    fn ends_epoch(&self, block: &Block) -> bool {
        set_change::ends_epoch(&self.set, block, self.config.min_validators)
    }

    /// Whether the uncommitted branch ending at `hash` holds a block that
    /// ends the epoch: its descendants carry no proposals (they only serve
    /// to commit it, and never commit themselves).
    fn branch_ends_epoch(&self, hash: [u8; 32]) -> bool {
        let mut at = hash;
        while at != self.chain.last_hash {
            let Some(block) = self.tree.get(&at) else {
                return false;
            };
            if self.ends_epoch(block) {
                return true;
            }
            at = block.parent_hash;
        }
        false
    }

    /// A block we hold: uncommitted, or committed and still in memory.
    fn known_block(&self, hash: &[u8; 32]) -> Option<&Block> {
        if let Some(block) = self.tree.get(hash) {
            return Some(block);
        }
        self.chain
            .window
            .iter()
            .rev()
            .find(|(_, qc)| qc.block_hash == *hash)
            .map(|(block, _)| block)
    }

    /// View of a known block (genesis, all zeros, is view 0).
    fn block_view(&self, hash: &[u8; 32]) -> Option<u64> {
        if *hash == [0; 32] {
            return Some(0);
        }
        self.known_block(hash).map(|b| b.view)
    }

    fn remember_block(&mut self, block: Block) {
        let next = self.chain.next_height;
        if block.height < next || block.height > next.saturating_add(MAX_AHEAD) {
            return;
        }
        let hash = block.hash();
        if self.tree.len() < MAX_TREE || self.tree.contains_key(&hash) {
            self.tree.insert(hash, block);
        }
    }

    /// Ids of the uncommitted ancestors of (and including) `hash`, down to
    /// the last committed block; `None` when one is missing or the branch
    /// does not extend our committed chain.
    fn branch_ids(&self, hash: [u8; 32]) -> Option<HashSet<String>> {
        let mut ids = HashSet::new();
        let mut at = hash;
        while at != self.chain.last_hash {
            let block = self.tree.get(&at)?;
            if block.height < self.chain.next_height {
                return None;
            }
            ids.extend(block.proposals.iter().map(|p| p.id.clone()));
            at = block.parent_hash;
        }
        Some(ids)
    }

    /// The highest-view QC among those held whose block is known.
    fn refresh_high_qc(&mut self) {
        let best = self
            .qcs
            .values()
            .chain(self.chain.last_qc.as_ref())
            .filter(|qc| self.known_block(&qc.block_hash).is_some())
            .max_by_key(|qc| (qc.view, qc.block_hash))
            .cloned();
        if let Some(qc) = best {
            if self.high_qc.as_ref().is_none_or(|h| qc.view > h.view) {
                self.high_qc = Some(qc);
            }
        }
    }

    /// What `SafetyRecord::prepared` holds: the highest QC with its block.
    fn prepared(&self) -> Option<PreparedCertificate> {
        let qc = self.high_qc.clone()?;
        let block = self.known_block(&qc.block_hash)?.clone();
        Some(PreparedCertificate { qc, block })
    }

    /// What `SafetyRecord::branch` holds: the certified ancestors of the
    /// highest QC's block above our last committed block, oldest first,
    /// each with its QC (at most `MAX_CHAIN`; usually none, since a QC of
    /// the next view commits the parent).
    fn branch_below_high_qc(&self) -> Vec<PreparedCertificate> {
        let mut branch = Vec::new();
        let Some(top) = self
            .high_qc
            .as_ref()
            .and_then(|qc| self.tree.get(&qc.block_hash))
        else {
            return branch;
        };
        let mut at = top.parent_hash;
        while at != self.chain.last_hash && branch.len() < MAX_CHAIN {
            let (Some(block), Some(qc)) = (self.tree.get(&at), self.qcs.get(&at)) else {
                break;
            };
            branch.push(PreparedCertificate {
                qc: qc.clone(),
                block: block.clone(),
            });
            at = block.parent_hash;
        }
        branch.reverse();
        branch
    }

    /// Signs (`height`, `view`, `phase`, `hash`) if the slot order allows,
    /// emitting the `Persist` that must precede the vote.
    fn sign(
        &mut self,
        height: u64,
        view: u64,
        phase: Phase,
        hash: [u8; 32],
        out: &mut Vec<Effect>,
    ) -> Option<Vote> {
        let slot = Algorithm::HotStuff.vote_slot(height, view, phase);
        if let Some(last) = &self.safety {
            let last_slot = Algorithm::HotStuff.vote_slot(last.height, last.view, last.phase);
            if slot < last_slot || (slot == last_slot && last.block_hash != hash) {
                return None;
            }
        }
        let vote = Vote::sign(&self.key, &self.set, self.me, height, view, phase, hash);
        let record = SafetyRecord {
            height,
            view,
            phase,
            block_hash: hash,
            prepared: self.prepared(),
            branch: self.branch_below_high_qc(),
        };
        if self.safety.as_ref() != Some(&record) {
            self.safety = Some(record.clone());
            out.push(Effect::Persist(record));
        }
        self.note_vote(&vote);
        Some(vote)
    }

    /// Keeps the latest vote seen from its signer, for status.
    fn note_vote(&mut self, vote: &Vote) {
        let Some(slot) = self.last_votes.get_mut(vote.validator as usize) else {
            return;
        };
        let newer = slot
            .as_ref()
            .is_none_or(|old| (vote.view, vote.phase.rank()) >= (old.view, old.phase.rank()));
        if newer {
            *slot = Some(vote.clone());
        }
    }

    /// Reports a second, different signature in one slot, once.
    fn duplicate(&mut self, first: &Vote, second: Vote, out: &mut Vec<Effect>) {
        if first.block_hash == second.block_hash {
            return;
        }
        if self
            .reported
            .insert((second.validator, second.view, second.phase))
        {
            out.push(Effect::Evidence(super::Evidence::DuplicateVote {
                a: first.clone(),
                b: second,
            }));
        }
    }

    fn in_vote_window(&self, view: u64) -> bool {
        view.saturating_add(2) >= self.view && view <= self.view.saturating_add(VIEW_AHEAD)
    }

    fn on_start(&mut self, out: &mut Vec<Effect>) {
        if self.set.len() > 1 {
            out.push(Effect::Broadcast {
                msg: Message::SyncRequest {
                    from_height: self.chain.next_height,
                },
            });
        }
        if let Some(msg) = self.my_timeout.clone() {
            out.push(Effect::Broadcast {
                msg: Message::HotStuff(msg),
            });
        }
    }

    fn on_message(&mut self, from: u32, msg: Message, out: &mut Vec<Effect>) {
        if self.set.get(from).is_none() {
            self.reject(from, RejectReason::NonMember { validator: from }, out);
            return;
        }
        if let Some(vote) = msg.anchor_vote() {
            if let Err(e) = self.verify_vote(vote) {
                self.reject(from, e, out);
                return;
            }
            let vote = vote.clone();
            self.note_vote(&vote);
        }
        match msg {
            Message::Vote(vote) => self.on_vote(from, vote, out),
            Message::HotStuff(HotStuffMessage::Proposal {
                block,
                justify,
                tc,
                vote,
            }) => self.on_proposal(from, block, justify, tc, vote, out),
            Message::HotStuff(HotStuffMessage::Timeout {
                vote,
                high_qc,
                last_tc,
            }) => self.on_timeout_msg(from, vote, high_qc, last_tc, out),
            Message::HotStuff(HotStuffMessage::SyncInfo { high_qc, tc }) => {
                self.on_sync_info(from, high_qc, tc, out)
            }
            Message::HotStuff(HotStuffMessage::Chain { blocks, high_qc }) => {
                self.on_chain(from, blocks, high_qc, out)
            }
            Message::Forward { proposals } => self.on_forward(from, proposals, out),
            Message::SyncRequest { from_height } => self.on_sync_request(from, from_height, out),
            Message::SyncResponse { blocks } => self.on_sync_response(from, blocks, out),
            other @ (Message::PrePrepare { .. }
            | Message::ViewChange(_)
            | Message::NewView(_)
            | Message::Tendermint(_)) => {
                let detail = format!(
                    "{} is a PBFT message; this chain runs HotStuff",
                    other.kind()
                );
                self.reject(from, RejectReason::malformed(detail), out);
            }
        }
    }

    /// Commits, retries a waiting vote and proposes, as far as possible.
    fn settle(&mut self, out: &mut Vec<Effect>) {
        for _ in 0..64 {
            self.refresh_high_qc();
            self.try_commit(out);
            self.retry_waiting(out);
            if !self.maybe_propose(out) {
                break;
            }
        }
        // A QC we formed but carry in no proposal: pass it on, so everyone
        // commits what it proves and enters the next view.
        if let Some(qc) = self.fresh_qc.take() {
            let next = qc.view.saturating_add(1);
            let leader = self.leader_hint(&qc.block_hash, next);
            if leader == self.me && self.proposed != Some(next) && self.set.len() > 1 {
                out.push(Effect::Broadcast {
                    msg: Message::HotStuff(HotStuffMessage::SyncInfo {
                        high_qc: Some(qc),
                        tc: None,
                    }),
                });
            }
        }
    }
}

impl Consensus for HotStuff {
    #[cfg(test)]
    fn set_signature_check(&mut self, check: Box<dyn super::signature::SignatureCheck>) {
        self.check = VerifyCache::new(check, self.config.verify_cache);
    }

    fn step(&mut self, input: Input) -> Vec<Effect> {
        let mut out = Vec::new();
        match input {
            Input::Start => self.on_start(&mut out),
            Input::Propose(p) => self.on_propose(p, &mut out),
            Input::Timeout { view, height: _ } => self.on_timer(view, &mut out),
            Input::Message { from, msg } => self.on_message(from, msg, &mut out),
        }
        self.settle(&mut out);
        self.ensure_timer(&mut out);
        out
    }

    fn algorithm(&self) -> &'static str {
        "hotstuff"
    }

    fn validator_set(&self) -> &ValidatorSet {
        &self.set
    }

    fn height(&self) -> u64 {
        self.chain.next_height
    }

    fn view(&self) -> u64 {
        self.view
    }

    fn leader(&self) -> u32 {
        self.current_leader()
    }

    fn last_committed_hash(&self) -> Option<[u8; 32]> {
        self.chain.last_qc.as_ref().map(|qc| qc.block_hash)
    }

    fn pending_count(&self) -> usize {
        self.pending.len()
    }

    fn last_votes(&self) -> &[Option<Vote>] {
        &self.last_votes
    }
}
