//! The invariants checked as a run goes: safety discipline of every
//! outgoing vote, and agreement, validity and certificate checks of every
//! commit.

use super::Sim;
use crate::services::consensus::protocol::set_change::next_set;
use crate::services::consensus::protocol::signature::SignatureCheck;
use crate::services::consensus::protocol::types::{Block, QuorumCertificate};
use crate::services::consensus::protocol::{Algorithm, Message, SafetyRecord};

impl Sim {
    /// An honest validator never signs two hashes for one slot, and every
    /// vote it sends is covered by its persisted record.
    pub(super) fn check_outgoing(&mut self, node: usize, msg: &Message) {
        let n = &self.nodes[node];
        let algorithm = self.options.algorithm;
        let Some(vote) = msg.anchor_vote().filter(|v| v.validator == n.index) else {
            return;
        };
        let public_key = n.set.validators[n.index as usize].public_key;
        self.check
            .register(&public_key, &vote.sign_bytes(), &vote.signature);
        if !n.honest {
            return;
        }
        {
            let slot = algorithm.vote_slot(vote.height, vote.view, vote.phase);
            let record = n
                .persisted
                .as_ref()
                .expect("a vote left before anything was persisted");
            let rslot = algorithm.vote_slot(record.height, record.view, record.phase);
            assert!(
                slot < rslot || (slot == rslot && record.block_hash == vote.block_hash),
                "node {node} sent {vote:?} not covered by its persisted record {rslot:?}"
            );
            let key = (vote.epoch, vote.validator, slot);
            let prev = *self.signed.entry(key).or_insert(vote.block_hash);
            assert_eq!(
                prev, vote.block_hash,
                "honest node {node} double-signed {key:?}"
            );
        }
    }

    pub(super) fn on_commit(&mut self, node: usize, block: Block, qc: QuorumCertificate) {
        let check = self.check.clone();
        let set = self.nodes[node].set.clone();
        qc.verify_with(&set, &mut |k, m, s| check.check(k, m, s))
            .unwrap_or_else(|e| {
                panic!(
                    "node {node} committed height {} with a bad QC: {e}",
                    block.height
                )
            });
        assert_eq!(qc.phase, self.options.algorithm.commit_phase());
        assert!(
            qc.certifies(&block),
            "node {node}: the QC does not certify block {}",
            block.height
        );
        let n = &mut self.nodes[node];
        assert!(
            !(n.honest && n.next_set.is_some()),
            "node {node} committed block {} above its epoch's last block\n{}",
            block.height,
            self.dump_trace()
        );
        let n = &mut self.nodes[node];
        let expected = n.store.len() as u64 + 1;
        assert_eq!(block.height, expected, "node {node} committed out of order");
        let parent = n.store.last().map_or([0; 32], |(_, qc)| qc.block_hash);
        assert_eq!(
            block.parent_hash, parent,
            "node {node}: block {} does not extend its chain",
            block.height
        );
        for p in &block.proposals {
            let payload = self
                .submitted
                .get(&p.id)
                .unwrap_or_else(|| panic!("node {node} committed unknown proposal {:?}", p.id));
            assert_eq!(payload, &p.payload, "proposal {:?} changed", p.id);
            assert!(
                n.ids.insert(p.id.clone()),
                "node {node} committed {:?} twice",
                p.id
            );
        }
        let honest = n.honest;
        self.stats.commits += 1;
        let (height, hash) = (block.height, qc.block_hash);
        let min = self.options.config.min_validators;
        if let (Some((next, _)), _) = next_set(&n.set, &block.proposals, min) {
            n.next_set = Some(next);
        }
        n.store.push((block, qc));
        if honest {
            let agreed = *self.decided.entry(height).or_insert(hash);
            assert_eq!(
                agreed,
                hash,
                "agreement violated at height {height} (node {node})\n{}",
                self.dump_trace()
            );
        }
        let line = format!("node {node} COMMIT {height} {}", &hex::encode(hash)[..8]);
        self.log(line);
    }

    /// An honest PBFT or Tendermint validator signs nothing above the
    /// block that ended its epoch (HotStuff votes on the empty blocks above
    /// it by design: they only serve to commit it at the others, and never
    /// commit themselves).
    pub(super) fn check_signed_in_epoch(&self, node: usize, record: &SafetyRecord) {
        let n = &self.nodes[node];
        if !n.honest || n.next_set.is_none() || self.options.algorithm == Algorithm::HotStuff {
            return;
        }
        let last = n.store.last().map_or(0, |(b, _)| b.height);
        assert!(
            record.height <= last,
            "node {node} signed at height {} above its epoch's last block {last}\n{}",
            record.height,
            self.dump_trace()
        );
    }

    pub fn converged(&self) -> bool {
        let honest = self.honest_nodes();
        let first = &self.nodes[honest[0]].store;
        honest.iter().all(|i| {
            let s = &self.nodes[*i].store;
            s.len() == first.len()
                && s.iter()
                    .zip(first)
                    .all(|(a, b)| a.1.block_hash == b.1.block_hash)
        })
    }
}
