//! What a committed block changes beyond the chain itself: the validator
//! set (a set change recorded with the height it takes effect at) and the
//! evidence index (Byzantine evidence the block carries, verified). The
//! same functions serve blocks this validator committed and blocks it
//! fetched while following or catching up, so both paths agree.

use anyhow::Context;
use serde_json::Value;

use super::node::AddressBook;
use super::protocol::{self, Algorithm, Block, Evidence, ValidatorSet};
use super::store::BlockStore;

/// The validator set in force after the last committed block: the latest
/// recorded change, else the genesis set. Also learns recorded addresses.
pub fn current_set(
    store: &BlockStore,
    genesis: &ValidatorSet,
    book: &AddressBook,
) -> anyhow::Result<ValidatorSet> {
    let mut set = genesis.clone();
    for (_, _, v) in store.epochs()? {
        if let Some(addrs) = v.get("addresses").and_then(|a| a.as_object())
            && let Ok(mut b) = book.write()
        {
            for (id, addr) in addrs {
                if let Some(a) = addr.as_str().and_then(|a| a.parse().ok()) {
                    b.insert(id.clone(), a);
                }
            }
        }
        set = serde_json::from_value(v)?;
    }
    Ok(set)
}

/// A block is stored before the set change it carries is recorded: after
/// a crash between the two, the last block's change is recorded now, so
/// the validator starts in the epoch that block began (and its core does
/// not resume an epoch the block ended). True when it recorded one.
pub(super) fn finish_set_change(
    store: &BlockStore,
    set: &ValidatorSet,
    book: &AddressBook,
    min_validators: usize,
) -> anyhow::Result<bool> {
    let Some(last) = store.last_height()? else {
        return Ok(false);
    };
    let recorded_from = store.epochs()?.last().map(|(_, from, _)| *from);
    if recorded_from == Some(last + 1) {
        return Ok(false);
    }
    let Some(stored) = store.get(last)? else {
        return Ok(false);
    };
    let block: Block = serde_json::from_value(stored.block)
        .with_context(|| format!("the stored block {last} does not parse"))?;
    let carries_change = block
        .proposals
        .iter()
        .any(|p| p.kind.as_deref() == Some(protocol::set_change::SET_CHANGE_KIND));
    Ok(carries_change && record_set_change(store, set, book, &block, min_validators))
}

/// Applies the validator set change a committed block carries, if any:
/// records the new set (effective at the next height) and any new
/// address. Returns whether the set changed.
pub fn record_set_change(
    store: &BlockStore,
    set: &ValidatorSet,
    book: &AddressBook,
    block: &Block,
    min_validators: usize,
) -> bool {
    let (next, notes) = protocol::set_change::next_set(set, &block.proposals, min_validators);
    for note in notes {
        tracing::warn!(
            height = block.height,
            "validator set change not applied: {note}"
        );
    }
    let Some((next, change)) = next else {
        return false;
    };
    let mut body = serde_json::to_value(&next).unwrap_or(Value::Null);
    if let protocol::set_change::SetChange::Add {
        id,
        address: Some(addr),
        ..
    } = &change
    {
        body["addresses"] = serde_json::json!({ id: addr });
        if let (Ok(a), Ok(mut b)) = (addr.parse(), book.write()) {
            b.insert(id.clone(), a);
        }
    }
    if let Err(e) = store.put_epoch(next.epoch, block.height + 1, &body) {
        tracing::error!(error = %e, "cannot record the new validator set");
        return false;
    }
    tracing::warn!(
        height = block.height,
        epoch = next.epoch,
        validators = next.len(),
        change = ?change,
        "validator set changed; effective at the next height"
    );
    true
}

/// Proposal kind of evidence put in a block.
pub const EVIDENCE_KIND: &str = "evidence";

/// What `GET /evidence` lists for one offence.
pub(super) fn evidence_body(
    key: &str,
    ev: &Evidence,
    me: u32,
    committed_height: Option<u64>,
) -> Value {
    let kind = match ev {
        Evidence::DuplicateVote { .. } => "duplicate_vote",
    };
    serde_json::json!({
        "key": key,
        "kind": kind,
        "validator": ev.validator(),
        "evidence": ev,
        "recorded_by": me,
        "committed_height": committed_height,
    })
}

/// Records the Byzantine evidence a committed block carries (believed only
/// if it verifies: a Byzantine leader could put anything in a block), each piece
/// verified against `set` (the set of the block's epoch) and stored with
/// the block's height. Used for blocks this validator committed and for
/// blocks it fetched while catching up. Returns how many were new.
pub fn record_committed_evidence(
    store: &BlockStore,
    set: &ValidatorSet,
    algorithm: Algorithm,
    me: u32,
    block: &Block,
) -> u64 {
    let height = block.height;
    let mut new = 0;
    for p in block
        .proposals
        .iter()
        .filter(|p| p.kind.as_deref() == Some(EVIDENCE_KIND))
    {
        let ev = match serde_json::from_value::<Evidence>(p.payload["evidence"].clone()) {
            Ok(ev) => ev,
            Err(e) => {
                tracing::warn!(height, proposal = %p.id, error = %e, "committed evidence does not parse; ignored");
                continue;
            }
        };
        if let Err(e) = ev.verify(set, algorithm) {
            tracing::warn!(height, proposal = %p.id, error = %e, "committed evidence does not verify; ignored");
            continue;
        }
        let key = ev.key(algorithm);
        let body = evidence_body(&key, &ev, me, Some(height));
        match store.put_committed_evidence(&key, &body) {
            Ok(true) => {
                new += 1;
                tracing::warn!(validator = ev.validator(), evidence = %key, height, "Byzantine evidence learnt from a block");
            }
            Ok(false) => {}
            Err(err) => tracing::error!(error = %err, "cannot store evidence"),
        }
    }
    new
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::consensus::protocol::Proposal;
    use crate::services::consensus::protocol::set_change::SetChange;
    use crate::services::consensus::protocol::testkit::{self, governance_key};
    use crate::services::consensus::store::StoredBlock;

    /// Four validators at epoch 0, the governance key of the test sets.
    fn genesis() -> ValidatorSet {
        let mut set = testkit::set(4);
        set.epoch = 0;
        set
    }

    fn put(store: &BlockStore, block: &Block) {
        let stored = StoredBlock {
            height: block.height,
            hash: hex::encode(block.hash()),
            block: serde_json::to_value(block).unwrap(),
            qc: Value::Null,
        };
        store.put(&stored, &[]).unwrap();
    }

    #[test]
    fn a_change_stored_but_not_recorded_before_a_crash_is_recorded_on_start() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlockStore::open(dir.path()).unwrap();
        let book = AddressBook::default();
        let set = genesis();
        let plain = Block {
            height: 1,
            view: 1,
            parent_hash: [0; 32],
            proposer: 1,
            proposals: vec![Proposal::new("p", serde_json::json!(1))],
        };
        put(&store, &plain);
        assert!(!finish_set_change(&store, &set, &book, 4).unwrap());
        let change = SetChange::SetPower {
            id: "validator-2".into(),
            power: 3,
        }
        .approve(&governance_key(), &set.chain_id, 0)
        .proposal("change".into());
        let block = Block {
            height: 2,
            view: 2,
            parent_hash: plain.hash(),
            proposer: 2,
            proposals: vec![change],
        };
        // The crash: the block is stored, its set is not.
        put(&store, &block);
        assert!(finish_set_change(&store, &set, &book, 4).unwrap());
        let now = current_set(&store, &set, &book).unwrap();
        assert_eq!((now.epoch, now.validators[2].power), (1, 3));
        assert_eq!(
            store.epochs().unwrap()[0].1,
            3,
            "effective at the next height"
        );
        // Recorded once: a second start changes nothing.
        assert!(!finish_set_change(&store, &now, &book, 4).unwrap());
        assert_eq!(store.epochs().unwrap().len(), 1);
    }
}
