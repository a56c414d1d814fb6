//! Proposals waiting for their block at this validator, and each client's
//! share of them. Pure bookkeeping: the caller brings the time.
//!
//! A player's proposals are welcome, but one player must not fill the
//! validators' queue (up to `max_pending` proposals of 64 KiB each) and
//! push everyone else's anchors back: each client may have at most
//! [`ClientQuota::proposals`] proposals and [`ClientQuota::bytes`] bytes
//! waiting here at once; past that its proposals are refused (429) until
//! some of its own commit. Services (engines, the wallet, validators) and
//! admins are not counted.

use std::collections::HashMap;
use std::time::Instant;

use super::protocol::Proposal;

/// A proposal waiting for its block: kept so that it survives an epoch
/// change (the new epoch's core gets it again).
#[derive(Debug, Clone)]
pub struct PendingProposal {
    pub since: Instant,
    pub proposal: Proposal,
    /// The client it counts against (none: a service's, an admin's, or one
    /// another validator forwarded).
    pub client: Option<String>,
}

/// How much one client may have waiting at this validator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientQuota {
    pub proposals: usize,
    pub bytes: usize,
}

impl Default for ClientQuota {
    /// 256 proposals and 4 MiB.
    fn default() -> ClientQuota {
        ClientQuota {
            proposals: 256,
            bytes: 4 << 20,
        }
    }
}

/// A client's proposal refused: it has its quota waiting already.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{client} has {waiting} proposals ({bytes} bytes) waiting at this validator, and a client may have at most {} ({} bytes; consensus.client_max_pending): retry once some of them commit",
    quota.proposals, quota.bytes
)]
pub struct QuotaExceeded {
    pub client: String,
    pub waiting: usize,
    pub bytes: usize,
    pub quota: ClientQuota,
}

/// The proposals waiting here, by id, with each client's count and bytes.
#[derive(Debug, Clone, Default)]
pub struct PendingMap {
    by_id: HashMap<String, PendingProposal>,
    by_client: HashMap<String, (usize, usize)>,
}

impl PendingMap {
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn contains_key(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    pub fn values(&self) -> impl Iterator<Item = &PendingProposal> {
        self.by_id.values()
    }

    /// What `client` has waiting: (proposals, bytes).
    pub fn load(&self, client: &str) -> (usize, usize) {
        self.by_client.get(client).copied().unwrap_or((0, 0))
    }

    /// Records `p` unless its id is here already (the first record stays).
    pub fn note(&mut self, p: PendingProposal) {
        if self.by_id.contains_key(&p.proposal.id) {
            return;
        }
        if let Some(c) = &p.client {
            let load = self.by_client.entry(c.clone()).or_default();
            load.0 += 1;
            load.1 += p.proposal.wire_size();
        }
        self.by_id.insert(p.proposal.id.clone(), p);
    }

    /// Records `p` if its client is within `quota`; recorded only while
    /// fewer than `cap` proposals are here (beyond it the proposal still
    /// goes ahead, unrecorded, as the core bounds its own queue), but the
    /// quota is checked whatever the cap.
    pub fn admit(
        &mut self,
        p: PendingProposal,
        quota: ClientQuota,
        cap: usize,
    ) -> Result<(), QuotaExceeded> {
        if let Some(c) = &p.client {
            let (waiting, bytes) = self.load(c);
            let size = p.proposal.wire_size();
            if waiting + 1 > quota.proposals || bytes + size > quota.bytes {
                return Err(QuotaExceeded {
                    client: c.clone(),
                    waiting,
                    bytes,
                    quota,
                });
            }
        }
        if self.by_id.len() < cap {
            self.note(p);
        }
        Ok(())
    }

    /// Removes a committed proposal; its client's share goes down.
    pub fn remove(&mut self, id: &str) -> Option<PendingProposal> {
        let p = self.by_id.remove(id)?;
        if let Some(c) = &p.client
            && let Some(load) = self.by_client.get_mut(c)
        {
            load.0 = load.0.saturating_sub(1);
            load.1 = load.1.saturating_sub(p.proposal.wire_size());
            if load.0 == 0 {
                self.by_client.remove(c);
            }
        }
        Some(p)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn proposal(id: &str, client: Option<&str>, pad: usize) -> PendingProposal {
        PendingProposal {
            since: Instant::now(),
            proposal: Proposal::new(id.to_string(), json!({ "pad": "x".repeat(pad) })),
            client: client.map(str::to_string),
        }
    }

    #[test]
    fn a_client_gets_its_quota_and_no_more_until_some_commit() {
        let quota = ClientQuota {
            proposals: 3,
            bytes: 1 << 20,
        };
        let mut m = PendingMap::default();
        for i in 0..3 {
            m.admit(proposal(&format!("m{i}"), Some("mallory"), 10), quota, 100)
                .unwrap();
        }
        let err = m
            .admit(proposal("m3", Some("mallory"), 10), quota, 100)
            .unwrap_err();
        assert_eq!(err.waiting, 3);
        assert!(err.to_string().contains("mallory has 3 proposals"), "{err}");
        // Others are not held back, services not counted.
        m.admit(proposal("a0", Some("alice"), 10), quota, 100)
            .unwrap();
        for i in 0..10 {
            m.admit(proposal(&format!("e{i}"), None, 10), quota, 100)
                .unwrap();
        }
        // One of mallory's commits: one more fits.
        assert!(m.remove("m1").is_some());
        m.admit(proposal("m3", Some("mallory"), 10), quota, 100)
            .unwrap();
        assert_eq!(m.load("mallory").0, 3);
    }

    #[test]
    fn bytes_count_too_and_the_cap_does_not_lift_the_quota() {
        let quota = ClientQuota {
            proposals: 100,
            bytes: 10_000,
        };
        let mut m = PendingMap::default();
        m.admit(proposal("big", Some("mallory"), 6_000), quota, 100)
            .unwrap();
        assert!(
            m.admit(proposal("big2", Some("mallory"), 6_000), quota, 100)
                .is_err()
        );
        // Beyond the cap nothing more is recorded, but the quota holds.
        let mut full = PendingMap::default();
        full.admit(
            proposal("x", Some("mallory"), 10),
            ClientQuota::default(),
            0,
        )
        .unwrap();
        assert_eq!(full.len(), 0);
    }

    proptest! {
        /// Whatever the order of admissions and commits, each client's
        /// count and bytes are exactly those of its proposals here, and no
        /// client ever has more than its quota here.
        #[test]
        fn shares_match_the_map(ops in proptest::collection::vec((0u8..3, 0usize..4, 0usize..12, 0usize..300), 0..200)) {
            let quota = ClientQuota { proposals: 4, bytes: 800 };
            let clients = [Some("a"), Some("b"), None, Some("c")];
            let mut m = PendingMap::default();
            for (op, who, id, pad) in ops {
                let id = format!("p{id}");
                match op {
                    0 | 1 => { let _ = m.admit(proposal(&id, clients[who], pad), quota, 1_000); }
                    _ => { m.remove(&id); }
                }
                for c in ["a", "b", "c"] {
                    let mine: Vec<&PendingProposal> = m.values().filter(|p| p.client.as_deref() == Some(c)).collect();
                    let bytes: usize = mine.iter().map(|p| p.proposal.wire_size()).sum();
                    prop_assert_eq!(m.load(c), (mine.len(), bytes));
                    prop_assert!(mine.len() <= quota.proposals && bytes <= quota.bytes);
                }
            }
        }
    }
}
