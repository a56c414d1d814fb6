//! Catching up: committed blocks with their QCs (`SyncRequest` /
//! `SyncResponse`, served from memory or by the shell from its store), and
//! the certified uncommitted blocks above them (`HotStuffMessage::Chain`)
//! that prove their commit.
//!
//! Nothing synced is committed on the sender's word: every QC is verified,
//! blocks are taken by hash, and a block is committed only when the
//! two-chain rule proves it from QCs this validator verified (a synced
//! block with a certified child of the next view, or an ancestor of one).

use super::{HotStuff, HotStuffMessage, MAX_CHAIN};
use crate::services::consensus::protocol::Effect;
use crate::services::consensus::protocol::limits::SYNC_RESPONSE_BYTES;
use crate::services::consensus::protocol::messages::{Message, RejectReason};
use crate::services::consensus::protocol::types::json_size;
use crate::services::consensus::protocol::types::{Block, QuorumCertificate};

impl HotStuff {
    /// Where to ask for blocks from: our next height when a higher QC names
    /// a block we lack; else the lowest height on our highest QC's branch
    /// whose block or QC we lack (a batch ending there), else above that
    /// QC. Synced blocks wait in the tree for the proof of their commit.
    ///
    /// A lacking validator always moves forward from its own height. It
    /// used to fetch the batch ending at the lacking QC's block; while the
    /// others kept committing, a newer QC it lacked arrived every few
    /// milliseconds (a validator that cannot rebuild the leader rotation of
    /// a branch keeps none of its proposals), so it fetched the tip again
    /// and again and never filled the gap below it: one validator cut off
    /// for 8 s under load never caught up (tests/nemesis.rs).
    pub(super) fn sync_from(&self) -> u64 {
        let next = self.chain.next_height;
        let span = u64::try_from(self.config.max_sync_blocks).unwrap_or(1);
        let hqc_view = self.high_qc.as_ref().map_or(0, |q| q.view);
        let lacking = self
            .qcs
            .values()
            .filter(|q| q.view > hqc_view && q.height >= next)
            .any(|q| self.known_block(&q.block_hash).is_none());
        if lacking {
            return next;
        }
        let Some(qc) = self.high_qc.as_ref().filter(|q| q.height >= next) else {
            return next;
        };
        let mut lowest_gap = None;
        let mut at = qc.block_hash;
        while at != self.chain.last_hash {
            let Some(block) = self.tree.get(&at) else {
                break;
            };
            if !self.qcs.contains_key(&at) {
                lowest_gap = Some(block.height);
            }
            if !self.tree.contains_key(&block.parent_hash)
                && block.parent_hash != self.chain.last_hash
            {
                lowest_gap = Some(block.height.saturating_sub(1));
                break;
            }
            at = block.parent_hash;
        }
        match lowest_gap {
            Some(gap) => gap.saturating_sub(span.saturating_sub(1)).max(next),
            None => qc.height.saturating_add(1),
        }
    }

    pub(super) fn request_sync(&mut self, to: u32, from_height: u64, out: &mut Vec<Effect>) {
        let key = (from_height, self.view);
        if to == self.me || self.sync_asked == Some(key) {
            return;
        }
        self.sync_asked = Some(key);
        out.push(Effect::Send {
            to,
            msg: Message::SyncRequest { from_height },
        });
    }

    pub(super) fn on_sync_request(&mut self, to: u32, from_height: u64, out: &mut Vec<Effect>) {
        if to == self.me {
            return;
        }
        let from_height = from_height.max(1);
        if from_height < self.chain.next_height {
            let max = self.config.max_sync_blocks;
            match self.chain.blocks_from(from_height, max) {
                Some(blocks) if !blocks.is_empty() => out.push(Effect::Send {
                    to,
                    msg: Message::SyncResponse { blocks },
                }),
                _ => out.push(Effect::ServeSync {
                    to,
                    from_height,
                    max_blocks: max,
                }),
            }
        }
        if let Some(msg) = self.chain_message(from_height) {
            out.push(Effect::Send {
                to,
                msg: Message::HotStuff(msg),
            });
        }
    }

    /// Our highest QC with the uncommitted blocks below it (each with its
    /// justify), when it is of use to someone at `from_height`.
    fn chain_message(&self, from_height: u64) -> Option<HotStuffMessage> {
        let qc = self.high_qc.clone()?;
        if qc.height.saturating_add(1) < from_height {
            return None;
        }
        let mut blocks = Vec::new();
        let mut bytes = 0usize;
        let mut at = qc.block_hash;
        while let Some(block) = self.tree.get(&at) {
            // Within the sync byte budget, like every sync answer.
            bytes = bytes.saturating_add(json_size(block));
            if bytes > SYNC_RESPONSE_BYTES && !blocks.is_empty() {
                break;
            }
            let justify = if block.parent_hash == [0; 32] {
                None
            } else {
                match self.qcs.get(&block.parent_hash) {
                    Some(q) => Some(q.clone()),
                    None => break,
                }
            };
            blocks.push((block.clone(), justify));
            if blocks.len() >= MAX_CHAIN {
                break;
            }
            at = block.parent_hash;
        }
        blocks.reverse();
        Some(HotStuffMessage::Chain {
            blocks,
            high_qc: Some(qc),
        })
    }

    /// Checks a `Chain` message on its own terms.
    fn check_chain(
        &mut self,
        blocks: &[(Block, Option<QuorumCertificate>)],
        high_qc: Option<&QuorumCertificate>,
    ) -> Result<(), RejectReason> {
        if blocks.len() > MAX_CHAIN {
            return Err(RejectReason::malformed(format!(
                "a chain message holds {} blocks, at most {MAX_CHAIN} are accepted",
                blocks.len()
            )));
        }
        let mut prev: Option<[u8; 32]> = None;
        for (block, justify) in blocks {
            block.check_shape(self.config.max_batch)?;
            let linked = match justify {
                Some(qc) => {
                    qc.block_hash == block.parent_hash
                        && qc.height.saturating_add(1) == block.height
                        && qc.view < block.view
                }
                None => block.height == 1 && block.parent_hash == [0; 32],
            };
            if !linked || prev.is_some_and(|p| p != block.parent_hash) {
                return Err(RejectReason::malformed(
                    "the chain's blocks do not link to each other and their justifies",
                ));
            }
            prev = Some(block.hash());
        }
        if let (Some(top), Some(qc)) = (blocks.last(), high_qc) {
            if !qc.certifies(&top.0) {
                return Err(RejectReason::malformed(
                    "the chain's high QC does not certify its last block",
                ));
            }
        }
        for qc in blocks.iter().filter_map(|(_, j)| j.as_ref()).chain(high_qc) {
            self.check_qc(qc)?;
        }
        Ok(())
    }

    pub(super) fn on_chain(
        &mut self,
        from: u32,
        blocks: Vec<(Block, Option<QuorumCertificate>)>,
        high_qc: Option<QuorumCertificate>,
        out: &mut Vec<Effect>,
    ) {
        if let Err(reason) = self.check_chain(&blocks, high_qc.as_ref()) {
            self.reject(from, reason, out);
            return;
        }
        for (block, justify) in blocks {
            self.remember_block(block);
            if let Some(qc) = justify {
                self.observe_qc(from, qc, out);
            }
        }
        if let Some(qc) = high_qc {
            self.observe_qc(from, qc, out);
        }
    }

    pub(super) fn on_sync_response(
        &mut self,
        from: u32,
        blocks: Vec<(Block, QuorumCertificate)>,
        out: &mut Vec<Effect>,
    ) {
        if blocks.len() > MAX_CHAIN {
            let detail = format!(
                "a sync response holds {} blocks, at most {MAX_CHAIN} are accepted",
                blocks.len()
            );
            self.reject(from, RejectReason::malformed(detail), out);
            return;
        }
        let mut prev: Option<&Block> = None;
        for (block, qc) in &blocks {
            let certified = qc.certifies(block) && qc.view == block.view;
            let linked = prev.is_none_or(|p| {
                block.height == p.height.saturating_add(1) && block.parent_hash == p.hash()
            });
            if !certified || !linked {
                let detail = format!(
                    "synced block {} does not match its certificate or the block before it",
                    block.height
                );
                self.reject(from, RejectReason::malformed(detail), out);
                return;
            }
            if let Err(reason) = self.check_qc(qc) {
                self.reject(from, reason, out);
                return;
            }
            prev = Some(block);
        }
        let before = self.chain.next_height;
        let mut fresh = false;
        for (block, qc) in blocks.iter().cloned() {
            if block.height < self.chain.next_height {
                continue;
            }
            fresh |= !self.tree.contains_key(&qc.block_hash);
            self.remember_block(block);
            self.observe_qc(from, qc, out);
        }
        self.refresh_high_qc();
        self.try_commit(out);
        if fresh && (blocks.len() >= self.config.max_sync_blocks || self.chain.next_height > before)
        {
            let from_height = self.sync_from();
            self.request_sync(from, from_height, out);
        }
    }
}
