//! Leader reputation (DiemBFT / Aptos leader reputation, in the chained
//! form of Carousel): a validator whose view failed recently is skipped by
//! the leader election for a while, so one silent or slow validator costs
//! a timeout when it is first met (and once per window after), not one per
//! rotation of the leaders.
//!
//! # The rule
//!
//! The leader of view `v` is a function of `v` and of the branch the
//! view's proposal extends (the block its justify certifies, `J`), never
//! of local clocks or of who happens to be heard: every validator that
//! holds `J`'s branch computes the same leader.
//!
//! - Take the last [`REPUTATION_WINDOW`] blocks of `J`'s branch in this
//!   epoch (`J` included; committed and uncommitted alike), oldest first,
//!   as (view, proposer) pairs, and fold over them with an ordered list of
//!   failures (most recent last), starting empty.
//! - Between consecutive blocks `p`, `c` with `c.view > p.view + 1` the
//!   views in between produced no block of this branch: the leader each of
//!   the last `n` of them had (computed by this same rule from the
//!   failures so far, each failure joining the list before the next view)
//!   failed. Then `c`'s proposer is alive: its failures are forgotten.
//! - The views between `J` and `v` (entered by timeout certificates) are
//!   attributed the same way.
//! - The excluded validators are the most recent failures, as long as
//!   their power stays at most a third of the total (so a quorum is always
//!   eligible; with 4 validators of equal power, one).
//! - The leader is the round-robin leader of `v` (`v mod n`), or when it
//!   is excluded the next validator in index order that is not.
//!
//! With no failure in the window the leader is the plain round-robin one.
//! A failure leaves the window after [`REPUTATION_WINDOW`] blocks, and the
//! validator is tried again. A validator that does not hold `J`'s branch
//! down to its committed chain cannot tell the leader; it waits for the
//! missing blocks before judging a proposal.

use super::HotStuff;
use crate::services::consensus::protocol::types::ValidatorSet;

/// Blocks of a branch the leader election looks back on.
pub const REPUTATION_WINDOW: usize = 256;

/// The leader of `view` when its proposal extends the branch whose last
/// blocks are `branch` ((view, proposer) pairs, oldest first, ending with
/// the justify's block).
pub(super) fn leader(set: &ValidatorSet, branch: &[(u64, u32)], view: u64) -> u32 {
    let mut failures: Vec<u32> = Vec::new();
    for pair in branch.windows(2) {
        let ((parent_view, _), (child_view, proposer)) = (pair[0], pair[1]);
        attribute_gap(set, &mut failures, parent_view, child_view);
        failures.retain(|v| *v != proposer);
    }
    if let Some((last_view, _)) = branch.last() {
        attribute_gap(set, &mut failures, *last_view, view);
    }
    pick(set, view, &excluded(set, &failures))
}

/// Views strictly between `parent_view` and `child_view` (the last `n` of
/// them) had leaders that produced no block of this branch.
fn attribute_gap(set: &ValidatorSet, failures: &mut Vec<u32>, parent_view: u64, child_view: u64) {
    let n = set.len() as u64;
    let from = parent_view
        .saturating_add(1)
        .max(child_view.saturating_sub(n));
    for view in from..child_view {
        let failed = pick(set, view, &excluded(set, failures));
        failures.retain(|v| *v != failed);
        failures.push(failed);
    }
}

/// The most recent failures, while their power is at most a third.
fn excluded(set: &ValidatorSet, failures: &[u32]) -> Vec<u32> {
    let mut out: Vec<u32> = Vec::new();
    let mut power = 0u64;
    for validator in failures.iter().rev() {
        if out.contains(validator) {
            continue;
        }
        let with = power.saturating_add(set.power_of(*validator));
        if set.has_weak_quorum(with) {
            break;
        }
        power = with;
        out.push(*validator);
    }
    out
}

/// The round-robin leader of `view`, or the next one not excluded.
fn pick(set: &ValidatorSet, view: u64, excluded: &[u32]) -> u32 {
    let n = u32::try_from(set.len().max(1)).unwrap_or(u32::MAX);
    let first = set.leader(0, view);
    (0..n)
        .map(|k| first.wrapping_add(k) % n)
        .find(|i| !excluded.contains(i))
        .unwrap_or(first)
}

impl HotStuff {
    /// The leader of `view` for a proposal extending the block `parent`
    /// (genesis: all zeros); `None` when a block of that branch above our
    /// committed chain is missing.
    pub(super) fn leader_after(&self, parent: &[u8; 32], view: u64) -> Option<u32> {
        let branch = self.reputation_branch(parent)?;
        Some(leader(&self.set, &branch, view))
    }

    /// [`HotStuff::leader_after`], or the round-robin leader when the
    /// branch is incomplete (where to send something, not what to accept).
    pub(super) fn leader_hint(&self, parent: &[u8; 32], view: u64) -> u32 {
        self.leader_after(parent, view)
            .unwrap_or_else(|| self.set.leader(0, view))
    }

    /// The leader of our current view on our highest QC's branch.
    pub(super) fn current_leader(&self) -> u32 {
        let parent = self.high_qc.as_ref().map_or([0; 32], |q| q.block_hash);
        self.leader_hint(&parent, self.view)
    }

    /// (view, proposer) of the last [`REPUTATION_WINDOW`] blocks of this
    /// epoch on the branch ending at `hash`, oldest first.
    fn reputation_branch(&self, hash: &[u8; 32]) -> Option<Vec<(u64, u32)>> {
        let mut out = Vec::new();
        let mut at = *hash;
        while out.len() < REPUTATION_WINDOW && at != [0; 32] {
            if let Some(block) = self.tree.get(&at) {
                out.push((block.view, block.proposer));
                at = block.parent_hash;
                continue;
            }
            let Some(pos) = self.recent.iter().rposition(|(h, _, _)| *h == at) else {
                // A committed block we no longer look back on (the root of
                // this epoch, committed under the last one, or older).
                let committed = self.chain.window.iter().any(|(_, qc)| qc.block_hash == at);
                if committed {
                    break;
                }
                return None;
            };
            out.extend(
                self.recent
                    .iter()
                    .take(pos.saturating_add(1))
                    .rev()
                    .take(REPUTATION_WINDOW.saturating_sub(out.len()))
                    .map(|(_, view, proposer)| (*view, *proposer)),
            );
            break;
        }
        out.reverse();
        Some(out)
    }

    /// Notes a committed block of this epoch for the leader election.
    pub(super) fn note_committed(&mut self, hash: [u8; 32], view: u64, proposer: u32) {
        self.recent.push_back((hash, view, proposer));
        while self.recent.len() > REPUTATION_WINDOW {
            self.recent.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::consensus::protocol::testkit::{set, set_with_powers};

    #[test]
    fn no_failure_is_round_robin() {
        let s = set(4);
        let branch: Vec<(u64, u32)> = (1..=10).map(|v| (v, (v % 4) as u32)).collect();
        for v in 11..20 {
            assert_eq!(leader(&s, &branch, v), (v % 4) as u32);
        }
        assert_eq!(leader(&s, &[], 1), 1);
    }

    #[test]
    fn a_validator_whose_view_failed_is_skipped_until_it_leaves_the_window() {
        let s = set(4);
        // View 3 (validator 3's) produced no block: 4 extends 2.
        let branch = vec![(1, 1), (2, 2), (4, 0)];
        assert_eq!(leader(&s, &branch, 5), 1);
        assert_eq!(leader(&s, &branch[..2], 3), 3);
        let mut longer = branch.clone();
        for v in 5..40 {
            let l = leader(&s, &longer, v);
            assert_ne!(l, 3, "view {v}");
            longer.push((v, l));
        }
        // Once the failed view is out of the window, 3 gets its turn again.
        let mut tail = longer[longer.len() - 4..].to_vec();
        let mut turn = false;
        for v in 40..44 {
            let l = leader(&s, &tail, v);
            turn |= l == 3;
            tail.push((v, l));
        }
        assert!(turn, "{tail:?}");
    }

    #[test]
    fn a_view_entered_by_timeout_skips_the_leader_that_just_failed() {
        let s = set(4);
        // Justify at view 2; view 3 timed out: view 4's leader is round
        // robin (0), and view 3's leader 3 is excluded from now on.
        let branch = vec![(1, 1), (2, 2)];
        assert_eq!(leader(&s, &branch, 4), 0);
        // Views 3 (3) and 4 (0) timed out: 0 is the most recent failure.
        assert_eq!(leader(&s, &branch, 5), 1);
        // Only the last n views of a gap are judged.
        assert_eq!(leader(&s, &branch, 8), 0);
    }

    #[test]
    fn never_more_than_a_third_of_the_power_is_excluded() {
        let s = set(7);
        // Views 2..=7 all failed: only the two most recent failures (f = 2)
        // are skipped.
        let branch = vec![(1, 1), (8, 1)];
        let l = leader(&s, &branch, 9);
        assert_eq!(l, 2);
        let weighted = set_with_powers(&[3, 1, 1, 1]);
        // Validator 0 holds 3 of 6: never excluded, whatever failed.
        let branch = vec![(3, 3), (5, 1)];
        assert_eq!(leader(&weighted, &branch, 8), 0);
    }
}
