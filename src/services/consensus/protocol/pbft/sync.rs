//! Catching up: block sync, and messages from other heights.
//!
//! - A message for a height *below* ours is dropped; if it is a view change
//!   or new-view (its sender timed out there, so it is stuck), we answer
//!   with the committed blocks from that height — once per (sender, height,
//!   view).
//! - A message for the next height or the one after is buffered and
//!   replayed once we get there. A pre-prepare or new-view for the next
//!   height carries the commit certificate of ours: if we hold that block we
//!   commit it at once, otherwise we ask the sender for it.
//! - A message further ahead, or a timeout while a peer is known to be
//!   ahead, sends `SyncRequest { from_height: ours }` to that peer (at most
//!   once per height and view).
//! - `SyncRequest` is answered from the in-memory window of the last
//!   `sync_window` committed blocks (up to `max_sync_blocks` of them); a
//!   request older than the window becomes `Effect::ServeSync` for the shell
//!   to answer from its store. Requests are not rate-limited here: the
//!   transport limits what one peer may ask.
//! - A `SyncResponse` is applied block by block from our height on; each
//!   block must extend the chain and its commit certificate must verify.

use super::{FUTURE_HEIGHTS, FUTURE_PER_PEER, MAX_SYNC_RESPONSE, Pbft};
use crate::services::consensus::protocol::Effect;
use crate::services::consensus::protocol::chain::Synced;
use crate::services::consensus::protocol::messages::{Message, RejectReason};
use crate::services::consensus::protocol::types::{Block, Phase, QuorumCertificate};

impl Pbft {
    pub(super) fn on_stale(
        &mut self,
        from: u32,
        msg: &Message,
        height: u64,
        view: u64,
        out: &mut Vec<Effect>,
    ) {
        if !matches!(msg, Message::ViewChange(_) | Message::NewView(_)) {
            return; // a slower validator finishing the height; not stuck
        }
        let Some(peer) = self.peers.get_mut(from as usize) else {
            return;
        };
        if peer.helped == Some((height, view)) {
            return;
        }
        peer.helped = Some((height, view));
        self.serve_sync(from, height, out);
    }

    pub(super) fn on_future(
        &mut self,
        from: u32,
        msg: Message,
        height: u64,
        out: &mut Vec<Effect>,
    ) {
        if self.highest_seen.is_none_or(|(h, _)| height > h) {
            self.highest_seen = Some((height, from));
        }
        let next = self.chain.next_height;
        if height == next.saturating_add(1) {
            if let Some(qc) = msg.parent_qc().filter(|qc| qc.height == next).cloned() {
                match self.round.blocks.get(&qc.block_hash).cloned() {
                    Some(block) if qc.phase == Phase::Commit => {
                        if let Err(e) = self.verify_qc(&qc) {
                            self.reject(from, e, out);
                            return;
                        }
                        self.buffer(from, msg);
                        self.commit(block, qc, out);
                        return;
                    }
                    Some(_) => {}
                    None => self.request_sync(from, out),
                }
            }
        } else {
            self.request_sync(from, out);
        }
        if height <= next.saturating_add(FUTURE_HEIGHTS) {
            self.buffer(from, msg);
        }
    }

    fn buffer(&mut self, from: u32, msg: Message) {
        let Some(peer) = self.peers.get_mut(from as usize) else {
            return;
        };
        if peer.future.len() >= FUTURE_PER_PEER {
            peer.future.pop_front();
        }
        peer.future.push_back(msg);
    }

    /// After the height advanced, re-feed buffered messages (each is
    /// checked again; those still ahead are buffered again).
    pub(super) fn replay_buffered(&mut self, out: &mut Vec<Effect>) {
        // Each pass follows a commit, and at most FUTURE_HEIGHTS heights are
        // buffered, so this ends quickly; the bound is a belt.
        for _ in 0..64 {
            if !self.replay || self.chain.epoch_over() {
                return;
            }
            self.replay = false;
            let mut batch = Vec::new();
            for (i, peer) in self.peers.iter_mut().enumerate() {
                let from = u32::try_from(i).unwrap_or(u32::MAX);
                batch.extend(peer.future.drain(..).map(|m| (from, m)));
            }
            for (from, msg) in batch {
                // A replayed message may commit the block that ends the
                // epoch: nothing after it is signed or committed under this
                // set (see `protocol::stepping`).
                if self.chain.epoch_over() {
                    return;
                }
                self.on_message(from, msg, true, out);
            }
        }
    }

    pub(super) fn request_sync(&mut self, to: u32, out: &mut Vec<Effect>) {
        let key = (self.chain.next_height, self.round.view);
        if to == self.me || self.sync_asked == Some(key) {
            return;
        }
        self.sync_asked = Some(key);
        out.push(Effect::Send {
            to,
            msg: Message::SyncRequest { from_height: key.0 },
        });
    }

    pub(super) fn serve_sync(&mut self, to: u32, from_height: u64, out: &mut Vec<Effect>) {
        out.extend(
            self.chain
                .answer_sync(self.me, to, from_height, self.config.max_sync_blocks),
        );
    }

    pub(super) fn on_sync_response(
        &mut self,
        from: u32,
        blocks: Vec<(Block, QuorumCertificate)>,
        out: &mut Vec<Effect>,
    ) {
        if blocks.len() > MAX_SYNC_RESPONSE {
            let detail = format!(
                "a sync response holds {} blocks, at most {MAX_SYNC_RESPONSE} are accepted",
                blocks.len()
            );
            self.reject(from, RejectReason::malformed(detail), out);
            return;
        }
        let full = blocks.len() >= self.config.max_sync_blocks;
        let mut advanced = false;
        for (block, qc) in blocks {
            match self.chain.check_synced(&block, &qc, Phase::Commit) {
                Synced::Old => continue,
                Synced::Ahead => break,
                Synced::Bad(detail) => {
                    self.reject(from, RejectReason::malformed(detail), out);
                    return;
                }
                Synced::Next => {}
            }
            if let Err(e) = self.verify_qc(&qc) {
                self.reject(from, e, out);
                return;
            }
            self.commit(block, qc, out);
            advanced = true;
        }
        if advanced && (full || self.behind()) {
            self.request_sync(from, out);
        }
    }
}
