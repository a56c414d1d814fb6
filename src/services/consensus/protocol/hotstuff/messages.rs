//! HotStuff's own messages (nested in `Message::HotStuff`), the timeout
//! digest and the timeout certificate.
//!
//! # Timeout sign bytes
//!
//! A timeout is an ordinary vote (`bitcraps-vote-v1` sign bytes) with
//! phase 7 (timeout), height 0 (a timeout is about a view, not a height),
//! the view being left, and in the block-hash field
//! SHA-256("bitcraps-timeout-v1" || u64 BE view || u64 BE high-QC view),
//! where the high-QC view is the view of the highest quorum certificate
//! the signer holds (0 for none). Binding the high-QC view lets a timeout
//! certificate prove the highest QC among its signers without carrying
//! every signer's certificate.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::services::consensus::protocol::messages::RejectReason;
use crate::services::consensus::protocol::signature::CheckFn;
use crate::services::consensus::protocol::types::{
    Block, Phase, QuorumCertificate, ValidatorSet, Vote, hex_array, sign_bytes,
};

/// Domain tag of the timeout digest.
pub const TIMEOUT_DOMAIN: &[u8] = b"bitcraps-timeout-v1";

/// What a timeout for `view` signs in place of a block hash.
pub fn timeout_digest(view: u64, high_qc_view: u64) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(TIMEOUT_DOMAIN);
    h.update(view.to_be_bytes());
    h.update(high_qc_view.to_be_bytes());
    h.finalize().into()
}

/// One signer's timeout inside a [`TimeoutCertificate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeoutSignature {
    pub validator: u32,
    pub high_qc_view: u64,
    #[serde(with = "hex_array")]
    pub signature: [u8; 64],
}

/// Timeouts for one view from validators holding more than 2/3 of the
/// power: every honest replica may leave `view` for `view + 1`. `high_qc`
/// is the certificate with the highest high-QC view among the signers (none
/// when that view is 0), so whoever holds the TC can extend it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeoutCertificate {
    pub view: u64,
    pub signatures: Vec<TimeoutSignature>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high_qc: Option<QuorumCertificate>,
}

impl TimeoutCertificate {
    /// The highest high-QC view any signer reported.
    pub fn max_high_qc_view(&self) -> u64 {
        self.signatures
            .iter()
            .map(|s| s.high_qc_view)
            .max()
            .unwrap_or(0)
    }

    /// Distinct members holding a quorum, each signature valid, and the
    /// carried QC is a valid generic QC of exactly the highest view.
    pub fn verify_with(
        &self,
        set: &ValidatorSet,
        check: &mut CheckFn<'_>,
    ) -> Result<(), RejectReason> {
        self.verify_trusting(set, check, &|_| false)
    }

    /// As `verify_with`, but a carried QC for which `trusted` holds is
    /// taken as valid without checking its signatures against `set` (the
    /// certificate of the block an epoch starts from, signed by the set
    /// before).
    pub fn verify_trusting(
        &self,
        set: &ValidatorSet,
        check: &mut CheckFn<'_>,
        trusted: &dyn Fn(&QuorumCertificate) -> bool,
    ) -> Result<(), RejectReason> {
        let mut seen = vec![false; set.len()];
        let mut power = 0u64;
        for s in &self.signatures {
            let Some(member) = set.get(s.validator) else {
                return Err(RejectReason::NonMember {
                    validator: s.validator,
                });
            };
            match seen.get_mut(s.validator as usize) {
                Some(slot) if !*slot => *slot = true,
                _ => {
                    return Err(RejectReason::malformed(format!(
                        "validator {} signs the timeout certificate twice",
                        s.validator
                    )));
                }
            }
            if s.high_qc_view >= self.view {
                return Err(RejectReason::malformed(
                    "a timeout's high QC must come from an earlier view",
                ));
            }
            power = power.saturating_add(member.power);
        }
        if !set.has_quorum(power) {
            return Err(RejectReason::malformed(format!(
                "the timeout certificate's signers hold power {power}, a quorum needs {}",
                set.quorum_power()
            )));
        }
        let max = self.max_high_qc_view();
        match &self.high_qc {
            None if max == 0 => {}
            Some(qc) if qc.view == max && qc.phase == Phase::Generic => {
                if !trusted(qc) {
                    qc.verify_with(set, check)?;
                }
            }
            _ => {
                return Err(RejectReason::malformed(
                    "a timeout certificate carries the generic QC of its highest high-QC view",
                ));
            }
        }
        for s in &self.signatures {
            let digest = timeout_digest(self.view, s.high_qc_view);
            let bytes = sign_bytes(
                &set.chain_id,
                set.epoch,
                0,
                self.view,
                Phase::Timeout,
                &digest,
            );
            let key = set
                .get(s.validator)
                .map(|m| m.public_key)
                .unwrap_or([0; 32]);
            if !check(&key, &bytes, &s.signature) {
                return Err(RejectReason::BadSignature {
                    validator: s.validator,
                });
            }
        }
        Ok(())
    }
}

/// HotStuff messages between validators (plain generic votes travel as
/// `Message::Vote`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HotStuffMessage {
    /// The leader of `block.view` proposes `block`, extending the block
    /// `justify` certifies (none: genesis), entering the view by `justify`
    /// (view - 1) or by `tc` (a TC for view - 1). `vote` is the leader's own
    /// generic vote for the block, which signs the proposal.
    Proposal {
        block: Block,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        justify: Option<QuorumCertificate>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tc: Option<TimeoutCertificate>,
        vote: Vote,
    },
    /// "I leave `vote.view`": a signed timeout with the signer's highest QC
    /// (its view is bound by the digest) and the TC that opened the view, if
    /// any (so laggards can follow).
    Timeout {
        vote: Vote,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        high_qc: Option<QuorumCertificate>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_tc: Option<TimeoutCertificate>,
    },
    /// The sender's highest QC and TC, sent to a validator heard timing out
    /// in a view the sender has left.
    SyncInfo {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        high_qc: Option<QuorumCertificate>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tc: Option<TimeoutCertificate>,
    },
    /// Certified but not yet committed blocks, in height order, each with
    /// its `justify` (the QC of its parent), up to the block `high_qc`
    /// certifies: sent with the answer to a `SyncRequest`, so the asker can
    /// prove the commit of the sender's last committed blocks.
    Chain {
        blocks: Vec<(Block, Option<QuorumCertificate>)>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        high_qc: Option<QuorumCertificate>,
    },
}

impl HotStuffMessage {
    /// The sender's own signed vote the message carries.
    pub fn anchor_vote(&self) -> Option<&Vote> {
        match self {
            HotStuffMessage::Proposal { vote, .. } | HotStuffMessage::Timeout { vote, .. } => {
                Some(vote)
            }
            HotStuffMessage::SyncInfo { .. } | HotStuffMessage::Chain { .. } => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            HotStuffMessage::Proposal { .. } => "hotstuff_proposal",
            HotStuffMessage::Timeout { .. } => "hotstuff_timeout",
            HotStuffMessage::SyncInfo { .. } => "hotstuff_sync_info",
            HotStuffMessage::Chain { .. } => "hotstuff_chain",
        }
    }
}
