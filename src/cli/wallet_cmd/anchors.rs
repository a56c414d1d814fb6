//! The audit's anchors: every `wallet.anchor` proposal in the validators'
//! committed blocks names a head (seq, hash) the wallet once had. A log that
//! verifies on its own can still have been rewritten and re-hashed, or cut
//! short; an anchor a quorum ordered cannot, so each one must match the
//! log's transfer at its seq.

use serde::Serialize;
use serde_json::Value;

use crate::auth::ServiceKeys;
use crate::cli::consensus_cmd::Certifier;
use crate::cli::gateway_client::Gateway;
use crate::services::consensus::records;
use crate::services::wallet::anchor::{AnchorStatus, KIND};
use crate::services::wallet::ledger::Transfer;

/// One `wallet.anchor` found in a committed block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Found {
    pub height: u64,
    pub proposal_id: String,
    pub seq: u64,
    pub head_hash: String,
}

/// What the anchors said.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// False when the validators could not be asked; `reason` says why.
    pub checked: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub blocks_scanned: u64,
    /// `wallet.anchor` proposals found.
    pub found: u64,
    /// Anchors whose hash is the log's hash at their seq.
    pub matched: u64,
    /// Anchors of transfers written after the log was read (not checked).
    pub newer: u64,
    /// The matched anchor with the highest seq.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<Found>,
}

/// The `wallet.anchor` proposals of a block (`GET /blocks/{height}`) the
/// wallet signed (checked with `keys`), and a problem for each one that is
/// not signed by the wallet or whose payload is not an anchor. An unsigned
/// one proves nothing about the log (the validators admit none since
/// records are signed), so it is never held against the log either.
pub fn in_block(height: u64, block: &Value, keys: &ServiceKeys) -> (Vec<Found>, Vec<String>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for p in block["block"]["proposals"].as_array().into_iter().flatten() {
        if p["kind"] != KIND {
            continue;
        }
        let id = p["id"].as_str().unwrap_or("").to_string();
        if let Err(e) = records::check_served(p, keys) {
            problems.push(format!(
                "the wallet.anchor {id:?} in block {height} is not signed by the wallet: {e}"
            ));
            continue;
        }
        match (
            p["payload"]["seq"].as_u64(),
            p["payload"]["head_hash"].as_str(),
        ) {
            (Some(seq), Some(hash)) if seq > 0 => found.push(Found {
                height,
                proposal_id: id,
                seq,
                head_hash: hash.to_string(),
            }),
            _ => problems.push(format!(
                "the wallet.anchor {id:?} in block {height} has no seq and head_hash"
            )),
        }
    }
    (found, problems)
}

#[derive(Debug, PartialEq, Eq)]
pub enum Against {
    Matches,
    /// The anchor's seq is past the end of the log as read.
    Beyond,
    Differs(String),
}

/// An anchor against the log (`log[i]` has seq `i + 1`).
pub fn against(a: &Found, log: &[Transfer]) -> Against {
    let Some(t) = a
        .seq
        .checked_sub(1)
        .and_then(|i| usize::try_from(i).ok())
        .and_then(|i| log.get(i))
    else {
        return Against::Beyond;
    };
    if t.seq == a.seq && t.hash == a.head_hash {
        Against::Matches
    } else {
        Against::Differs(format!(
            "the validators' block {} anchors seq {} with hash {}, but the log's transfer {} has hash {}: the log was rewritten",
            a.height, a.seq, a.head_hash, t.seq, t.hash
        ))
    }
}

/// Scans every committed block through the gateway. `head_now` reads the
/// wallet's head again, to tell an anchor of a transfer written since the
/// log was read from a log cut short. Problems go to `problems`.
pub fn check(
    g: &crate::cli::GlobalArgs,
    gateway: &Gateway,
    log: &[Transfer],
    claimed: Option<&AnchorStatus>,
    head_now: &dyn Fn() -> anyhow::Result<u64>,
    progress: &indicatif::ProgressBar,
    problems: &mut Vec<String>,
) -> anyhow::Result<Report> {
    let status = match gateway.call("GET", "/api/v1/consensus/status", None) {
        Ok(s) => s,
        Err(e) => {
            return Ok(Report {
                reason: Some(format!(
                    "the validators could not be asked through the gateway at {} ({e:#})",
                    gateway.base()
                )),
                ..Report::default()
            });
        }
    };
    let keys = gateway.service_keys().unwrap_or_else(|e| {
        problems.push(format!(
            "the gateway's key set, to check who signed the anchors: {e:#}"
        ));
        ServiceKeys::default()
    });
    // A block holding anchors counts only with a commit certificate that
    // verifies against the genesis: the validator the gateway picked could
    // be a Byzantine one serving a block of its own making.
    let certifier = match Certifier::new(g, gateway.clone(), None) {
        Ok(c) => Some(c),
        Err(e) => {
            problems.push(format!(
                "the validators' certificates cannot be checked: {e:#}"
            ));
            None
        }
    };
    let last = status["last_committed_height"].as_u64().unwrap_or(0);
    let mut report = Report {
        checked: true,
        ..Report::default()
    };
    let mut all = Vec::new();
    let mut beyond = Vec::new();
    for h in 1..=last {
        progress.set_message(format!("reading the validators' block {h} of {last}"));
        let b = gateway.get_committed(&format!("/api/v1/consensus/blocks/{h}"))?;
        report.blocks_scanned += 1;
        let (found, bad) = in_block(h, &b, &keys);
        problems.extend(bad);
        if !found.is_empty()
            && let Some(c) = &certifier
        {
            let uncertified = c.problems(h, &b)?;
            if !uncertified.is_empty() {
                problems.push(format!(
                    "the validators' block {h} holding wallet anchors is not certified: {}",
                    uncertified.join("; ")
                ));
                continue;
            }
        }
        for a in found {
            report.found += 1;
            match against(&a, log) {
                Against::Matches => {
                    report.matched += 1;
                    if report.last.as_ref().is_none_or(|l| l.seq <= a.seq) {
                        report.last = Some(a.clone());
                    }
                }
                Against::Beyond => beyond.push(a.clone()),
                Against::Differs(p) => problems.push(p),
            }
            all.push(a);
        }
    }
    if !beyond.is_empty() {
        let now = head_now()?;
        for a in beyond {
            if a.seq <= now {
                report.newer += 1;
            } else {
                problems.push(format!(
                    "the validators' block {} anchors seq {}, but the wallet's log ends at seq {now}: anchored transfers are missing",
                    a.height, a.seq
                ));
            }
        }
    }
    if let Some(c) = claimed
        && c.height <= last
        && !all
            .iter()
            .any(|a| a.height == c.height && a.proposal_id == c.proposal_id && a.seq == c.seq)
    {
        problems.push(format!(
            "the wallet reports anchoring seq {} in block {} (proposal {}), which that block does not hold",
            c.seq, c.height, c.proposal_id
        ));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(seq: u64, hash: &str) -> Transfer {
        Transfer {
            seq,
            id: format!("t{seq}"),
            kind: crate::services::wallet::ledger::TransferKind::Single,
            debit: "issuance".into(),
            credit: "player:a".into(),
            amount: 1,
            pending_id: None,
            expires_ms: None,
            timestamp_ms: 0,
            memo: None,
            fingerprint: String::new(),
            prev_hash: String::new(),
            hash: hash.into(),
        }
    }

    #[test]
    fn only_wallet_anchors_the_wallet_signed_are_read_from_a_block() {
        use crate::auth::keys::{Jwk, JwkSet, generate};
        use crate::auth::{RecordSigner, Role};
        use crate::services::consensus::protocol::Proposal;
        let key = generate();
        let keys = ServiceKeys::from_set(&JwkSet {
            keys: vec![Jwk::ed25519(
                &key.verifying_key(),
                &[Role::Wallet],
                Some("wallet"),
            )],
        });
        let wallet = RecordSigner::new("wallet", key);
        let signed = |id: &str, payload: Value| {
            let sig = wallet.sign(&Proposal::record_bytes(KIND, &payload));
            json!({"id": id, "kind": KIND, "payload": payload, "attestation": {
                "signer": "wallet", "kid": wallet.kid(), "sig": hex::encode(sig)}})
        };
        let b = json!({"height": 7, "block": {"proposals": [
            {"id": "g", "kind": "game.anchors", "payload": {"entries": []}},
            signed("w", json!({"seq": 2, "head_hash": "bb", "issued": "5", "house": "0"})),
            signed("x", json!({"seq": "2"})),
            // A validator's forgery: the wallet never signed it, so it is
            // not held against the log.
            {"id": "f", "kind": "wallet.anchor", "payload": {"seq": 1, "head_hash": "ff"}},
            {"id": "y", "payload": {"seq": 1, "head_hash": "aa"}},
        ]}});
        let (found, problems) = in_block(7, &b, &keys);
        assert_eq!(
            found,
            [Found {
                height: 7,
                proposal_id: "w".into(),
                seq: 2,
                head_hash: "bb".into()
            }]
        );
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems
                .iter()
                .any(|p| p.contains("\"f\"") && p.contains("not signed by the wallet")),
            "{problems:?}"
        );
    }

    #[test]
    fn an_anchor_matches_differs_or_lies_beyond_the_log() {
        let log = [t(1, "aa"), t(2, "bb")];
        let a = |seq, hash: &str| Found {
            height: 3,
            proposal_id: "p".into(),
            seq,
            head_hash: hash.into(),
        };
        assert_eq!(against(&a(2, "bb"), &log), Against::Matches);
        assert_eq!(against(&a(1, "aa"), &log), Against::Matches);
        assert!(matches!(against(&a(2, "cc"), &log), Against::Differs(_)));
        assert_eq!(against(&a(3, "dd"), &log), Against::Beyond);
    }
}
