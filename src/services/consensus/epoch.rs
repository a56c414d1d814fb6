//! Epochs: a validator runs one core per validator set. When a committed
//! block changes the set, the shell of that epoch ends after the block;
//! the owner here starts the next epoch's node (new index, peers, keys,
//! write-ahead log) and swaps it in for the HTTP handlers, carrying over
//! clients waiting for commits and proposals not yet in a block.
//!
//! A validator that is not in the current set is *retired*: it runs no
//! core and follows the chain from its peers over HTTP (`GET
//! /blocks/{h}`, every block's certificate checked against the set of its
//! epoch), so that it knows when a later set adds it back. A member that
//! finds its peers in a later epoch (it was down during a change) stops
//! its core, catches up the same way, and starts again.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::mpsc;

use super::committed::{current_set, record_committed_evidence, record_set_change};
use super::node::{Handover, Node, NodeOptions};
use super::protocol::hotstuff::proof::{CommitProof, MAX_PROOF_BLOCKS, Served, final_prefix};
use super::protocol::{Block, Phase, QuorumCertificate};
use super::store::{BlockStore, StoredBlock};

/// The node of the current epoch, as the HTTP handlers see it.
pub type Slot = Arc<RwLock<Node>>;

/// How often a node looks at its peers' epochs (and a retired node
/// follows the chain).
const FOLLOW_EVERY: Duration = Duration::from_millis(500);

/// Starts the owner (re-initialises on each epoch change) and the
/// follower; returns the slot holding the current node.
pub fn spawn(
    opts: NodeOptions,
    first: Node,
    mut ended: mpsc::UnboundedReceiver<Handover>,
) -> anyhow::Result<Slot> {
    let slot: Slot = Arc::new(RwLock::new(first));
    let http = crate::tls::transport()
        .reqwest(
            crate::tls::Expect::Role(crate::tls::Peer::Validator),
            reqwest::Client::builder().timeout(Duration::from_secs(2)),
        )
        .build()?;
    {
        let (opts, slot, http) = (opts.clone(), slot.clone(), http.clone());
        tokio::spawn(async move {
            while let Some(mut handover) = ended.recv().await {
                if handover.behind
                    && let Err(e) = catch_up(&opts, &http).await
                {
                    tracing::warn!(error = %e, "catching up from peers failed; starting from what is stored");
                }
                loop {
                    match Node::start(&opts, &mut handover) {
                        Ok(node) => {
                            tracing::info!(
                                epoch = node.set.epoch,
                                index = node.index,
                                retired = node.retired,
                                "new epoch started"
                            );
                            if let Ok(mut s) = slot.write() {
                                *s = node;
                            }
                            break;
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "cannot start the next epoch; retrying");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                }
            }
        });
    }
    {
        let slot = slot.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(FOLLOW_EVERY).await;
                let node = match slot.read() {
                    Ok(n) => n.clone(),
                    Err(_) => return,
                };
                if node.retired {
                    match catch_up(&opts, &http).await {
                        Ok(true) => {
                            let set = current_set(&node.store, &opts.genesis, &opts.book);
                            let me = opts.key.verifying_key().to_bytes();
                            if set.is_ok_and(|s| s.validators.iter().any(|v| v.public_key == me)) {
                                tracing::warn!("a validator set change added this validator back");
                                let _ = opts.epoch_ended.send(Handover::default());
                            } else if let Ok(last) = node.store.last_height()
                                && let Ok(mut st) = node.status.write()
                            {
                                st.height = last.unwrap_or(0) + 1;
                            }
                        }
                        Ok(false) => {}
                        Err(e) => tracing::debug!(error = %e, "following the chain"),
                    }
                } else if peers_ahead_in_epochs(&node, &http).await {
                    tracing::warn!(
                        epoch = node.set.epoch,
                        "peers are in a later epoch; stopping this core to catch up"
                    );
                    node.stop_epoch();
                    // Give the owner time to swap the node before looking again.
                    tokio::time::sleep(FOLLOW_EVERY * 4).await;
                }
            }
        });
    }
    Ok(slot)
}

/// Whether members holding more than 1/3 of the voting power report a
/// later epoch, so at least one honest validator has seen the change
/// (counted in power, as every quorum is; a head count let a few
/// low-power members, or f Byzantine ones in a weighted set, stop a
/// validator's core). `/status` is not authenticated, so this only decides
/// whether to look: what the catch-up then applies is every block with a
/// certificate checked against the set of its epoch.
async fn peers_ahead_in_epochs(node: &Node, http: &reqwest::Client) -> bool {
    let members: Vec<_> = match node.book.read() {
        Ok(b) => node
            .set
            .validators
            .iter()
            .enumerate()
            .filter(|(i, _)| *i as u32 != node.index)
            .filter_map(|(_, v)| Some((b.get(&v.id).copied()?, v.power)))
            .collect(),
        Err(_) => return false,
    };
    let mut reports = Vec::with_capacity(members.len());
    for (addr, power) in members {
        let Ok(r) = http
            .get(format!("{}/status", crate::tls::transport().base(addr)))
            .send()
            .await
        else {
            continue;
        };
        let Ok(v) = r.json::<serde_json::Value>().await else {
            continue;
        };
        reports.push((power, v["epoch"].as_u64()));
    }
    later_epoch_by_power(&node.set, reports)
}

/// Whether the members reporting an epoch above `set`'s hold more than 1/3
/// of its power; `reports` is (power, the epoch a member reported, if any).
fn later_epoch_by_power(
    set: &super::protocol::ValidatorSet,
    reports: impl IntoIterator<Item = (u64, Option<u64>)>,
) -> bool {
    let ahead = reports
        .into_iter()
        .filter(|(_, epoch)| epoch.is_some_and(|e| e > set.epoch))
        .fold(0u64, |sum, (power, _)| sum.saturating_add(power));
    set.has_weak_quorum(ahead)
}

/// Fetches committed blocks beyond this validator's chain from any peer
/// that has them, checks each one's certificate against the set of its
/// epoch and its link to the chain, stores it, and applies the set
/// changes it carries. Returns whether anything was added.
async fn catch_up(opts: &NodeOptions, http: &reqwest::Client) -> anyhow::Result<bool> {
    let store = BlockStore::open(&opts.data_dir)?;
    let mut added = false;
    loop {
        let set = current_set(&store, &opts.genesis, &opts.book)?;
        let last = store.last_height()?.unwrap_or(0);
        let parent = match store.get(last)? {
            Some(b) => hex_hash(&b.hash)?,
            None => [0; 32],
        };
        let addrs: Vec<_> = opts
            .book
            .read()
            .map_err(|_| anyhow::anyhow!("address book lock poisoned"))?
            .values()
            .copied()
            .collect();
        let mut got = None;
        for addr in addrs {
            match fetch_final(http, addr, &set, last, parent).await {
                Ok(Some(blocks)) => {
                    got = Some(blocks);
                    break;
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(%addr, height = last + 1, error = %e, "refused a block from a peer")
                }
            }
        }
        let Some(blocks) = got else {
            return Ok(added);
        };
        for (block, qc, proof) in blocks {
            let ids: Vec<String> = block.proposals.iter().map(|p| p.id.clone()).collect();
            store.put(
                &StoredBlock {
                    height: block.height,
                    hash: hex::encode(block.hash()),
                    block: serde_json::to_value(&block)?,
                    qc: serde_json::to_value(&qc)?,
                },
                &ids,
            )?;
            if let Some(proof) = proof {
                store.put_proof(block.height, &serde_json::to_value(&proof)?)?;
            }
            let me = opts.key.verifying_key().to_bytes();
            let me = set
                .validators
                .iter()
                .position(|v| v.public_key == me)
                .map_or(u32::MAX, |i| i as u32);
            let learnt = record_committed_evidence(&store, &set, opts.algorithm, me, &block);
            opts.metrics.evidence.inc_by(learnt);
            added = true;
            if record_set_change(&store, &set, &opts.book, &block, opts.min_validators) {
                // The rest (if any) belongs to the next epoch: fetch again.
                break;
            }
        }
    }
}

/// A committed block with what proves it final, ready to store.
type Final = (Block, QuorumCertificate, Option<CommitProof>);

/// The blocks after `last` that `addr` serves and that are proven final:
/// for PBFT and Tendermint the next block with its commit certificate;
/// for HotStuff, whose blocks carry their own QC (not proof of finality),
/// the blocks up to the first one served with a commit proof that holds
/// (`hotstuff::proof::final_prefix`). `None` when the peer has nothing
/// proven to give yet.
async fn fetch_final(
    http: &reqwest::Client,
    addr: std::net::SocketAddr,
    set: &super::protocol::ValidatorSet,
    last: u64,
    parent: [u8; 32],
) -> anyhow::Result<Option<Vec<Final>>> {
    let get = |height: u64| {
        let url = format!("{}/blocks/{height}", crate::tls::transport().base(addr));
        async move {
            let r = http.get(url).send().await.ok()?;
            if !r.status().is_success() {
                return None;
            }
            r.json::<serde_json::Value>().await.ok()
        }
    };
    let Some(first) = get(last + 1).await else {
        return Ok(None);
    };
    let (block, qc) = checked(&first, set, last + 1, parent)?;
    if qc.phase != Phase::Generic {
        return Ok(Some(vec![(block, qc, None)]));
    }
    let mut chain = vec![served(&first)?];
    while chain.last().is_some_and(|s| s.proof.is_none()) && chain.len() < MAX_PROOF_BLOCKS {
        let Some(v) = get(last + 1 + chain.len() as u64).await else {
            break;
        };
        chain.push(served(&v)?);
    }
    let proven = final_prefix(&chain, parent, set).map_err(|e| anyhow::anyhow!(e))?;
    if proven == 0 {
        return Ok(None);
    }
    Ok(Some(
        chain
            .into_iter()
            .take(proven)
            .map(|s| (s.block, s.qc, s.proof))
            .collect(),
    ))
}

fn served(v: &serde_json::Value) -> anyhow::Result<Served> {
    Served::from_answer(v).map_err(|e| anyhow::anyhow!(e))
}

fn hex_hash(h: &str) -> anyhow::Result<[u8; 32]> {
    let mut out = [0; 32];
    hex::decode_to_slice(h, &mut out)?;
    Ok(out)
}

/// A peer's `GET /blocks/{h}` answer, if it is the next block of this
/// chain with a valid commit certificate of `set`.
fn checked(
    v: &serde_json::Value,
    set: &super::protocol::ValidatorSet,
    height: u64,
    parent: [u8; 32],
) -> anyhow::Result<(Block, QuorumCertificate)> {
    let block: Block = serde_json::from_value(v["block"].clone())?;
    let qc: QuorumCertificate = serde_json::from_value(v["qc"].clone())?;
    anyhow::ensure!(
        block.height == height,
        "height {} is not {height}",
        block.height
    );
    anyhow::ensure!(block.parent_hash == parent, "it does not extend this chain");
    anyhow::ensure!(
        qc.phase.certifies_commit(),
        "the certificate is a {} certificate",
        qc.phase
    );
    anyhow::ensure!(qc.certifies(&block), "the certificate is for another block");
    qc.verify(set)?;
    Ok((block, qc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::consensus::protocol::testkit::set_with_powers;

    /// A later epoch counts only when members holding more than 1/3 of the
    /// power report it: a head count let a few low-power members (or f
    /// Byzantine ones of a weighted set) stop a validator's core.
    #[test]
    fn a_later_epoch_counts_by_power_not_by_heads() {
        // Powers 10, 1, 1, 1 (total 13): three members are a majority of
        // heads but hold 3/13 of the power.
        let set = set_with_powers(&[10, 1, 1, 1]);
        let later = Some(set.epoch + 1);
        assert!(!later_epoch_by_power(
            &set,
            [(1, later), (1, later), (1, later)]
        ));
        assert!(later_epoch_by_power(&set, [(10, later)]));
        // The same epoch, an earlier one, or none reported: not ahead.
        let same = Some(set.epoch);
        assert!(!later_epoch_by_power(
            &set,
            [(10, same), (1, None), (1, Some(0))]
        ));
        // Exactly 1/3 is not more than 1/3.
        let even = set_with_powers(&[1, 1, 1]);
        assert!(!later_epoch_by_power(&even, [(1, Some(even.epoch + 1))]));
        assert!(later_epoch_by_power(
            &even,
            [(1, Some(even.epoch + 1)), (1, Some(even.epoch + 2))]
        ));
    }
}
