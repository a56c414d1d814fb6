//! What validators send each other (JSON over HTTP), what the core reports
//! as misbehaviour, and why it refuses a message.

use serde::{Deserialize, Serialize};

use super::tendermint::TendermintMessage;
use super::types::{Block, Malformed, Proposal, QcError, QuorumCertificate, Vote, VoteError};

/// A prepare quorum certificate with the block it certifies: proof that
/// more than 2/3 of the power accepted `block` in `qc.view`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreparedCertificate {
    pub qc: QuorumCertificate,
    pub block: Block,
}

/// "I leave every view below `vote.view` at `vote.height`": a signed
/// view-change vote whose block-hash field is the digest of `prepared`
/// (see `types::view_change_digest`), so nobody can strip the certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViewChange {
    pub vote: Vote,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prepared: Option<PreparedCertificate>,
}

/// The new leader's opening of view `vote.view`: view changes from a
/// quorum for exactly that view as proof, and the block everyone should
/// prepare — the highest prepared block among the proofs, else a fresh one.
/// `vote` is the leader's own prepare vote for `block`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewView {
    pub view_changes: Vec<ViewChange>,
    pub block: Block,
    pub vote: Vote,
    /// Commit certificate of the previous height (lets a validator that
    /// missed the last commit votes decide it at once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_qc: Option<QuorumCertificate>,
}

/// Messages between validators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Message {
    /// The view-0 leader's block for a height, signed by its prepare vote.
    PrePrepare {
        block: Block,
        vote: Vote,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent_qc: Option<QuorumCertificate>,
    },
    /// A prepare or commit vote.
    Vote(Vote),
    ViewChange(ViewChange),
    NewView(NewView),
    /// Client proposals passed on so that whichever validator leads next
    /// holds them.
    Forward {
        proposals: Vec<Proposal>,
    },
    /// "Send me committed blocks from this height on."
    SyncRequest {
        from_height: u64,
    },
    /// Committed blocks in height order, each with its commit certificate.
    SyncResponse {
        blocks: Vec<(Block, QuorumCertificate)>,
    },
    /// Tendermint's proposal and round-state messages.
    Tendermint(TendermintMessage),
    /// HotStuff's proposals, timeouts and catch-up messages.
    #[serde(rename = "hotstuff")]
    HotStuff(super::hotstuff::HotStuffMessage),
}

impl Message {
    /// The signed vote that anchors the message to a height and view.
    pub fn anchor_vote(&self) -> Option<&Vote> {
        match self {
            Message::PrePrepare { vote, .. } | Message::Vote(vote) => Some(vote),
            Message::ViewChange(vc) => Some(&vc.vote),
            Message::NewView(nv) => Some(&nv.vote),
            Message::Tendermint(m) => Some(m.anchor_vote()),
            Message::HotStuff(m) => m.anchor_vote(),
            Message::Forward { .. }
            | Message::SyncRequest { .. }
            | Message::SyncResponse { .. } => None,
        }
    }

    /// The previous height's commit certificate a proposal carries.
    pub fn parent_qc(&self) -> Option<&QuorumCertificate> {
        match self {
            Message::PrePrepare { parent_qc, .. } => parent_qc.as_ref(),
            Message::NewView(nv) => nv.parent_qc.as_ref(),
            Message::Tendermint(m) => m.parent_qc(),
            Message::HotStuff(super::hotstuff::HotStuffMessage::Proposal { justify, .. }) => {
                justify.as_ref()
            }
            _ => None,
        }
    }

    /// The proposals the message asks its receiver to accept for the first
    /// time: forwarded ones, and those of a block proposed for a vote.
    /// Blocks that travel with a certificate (sync answers, a HotStuff
    /// chain, prepared certificates inside view changes) are not included:
    /// a quorum accepted them already.
    pub fn proposed(&self) -> impl Iterator<Item = &Proposal> {
        let list: &[Proposal] = match self {
            Message::Forward { proposals } => proposals,
            Message::PrePrepare { block, .. } => &block.proposals,
            Message::NewView(nv) => &nv.block.proposals,
            Message::Tendermint(TendermintMessage::Proposal(p)) => &p.block.proposals,
            Message::HotStuff(super::hotstuff::HotStuffMessage::Proposal { block, .. }) => {
                &block.proposals
            }
            _ => &[],
        };
        list.iter()
    }

    /// Short name for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::PrePrepare { .. } => "pre_prepare",
            Message::Vote(_) => "vote",
            Message::ViewChange(_) => "view_change",
            Message::NewView(_) => "new_view",
            Message::Forward { .. } => "forward",
            Message::SyncRequest { .. } => "sync_request",
            Message::SyncResponse { .. } => "sync_response",
            Message::Tendermint(m) => m.kind(),
            Message::HotStuff(m) => m.kind(),
        }
    }
}

/// Proof of misbehaviour, reported once per offence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Evidence {
    /// Two validly signed votes by one validator for one (height, view,
    /// phase) with different block hashes.
    DuplicateVote { a: Vote, b: Vote },
}

impl Evidence {
    pub fn validator(&self) -> u32 {
        match self {
            Evidence::DuplicateVote { a, .. } => a.validator,
        }
    }
}

/// Why a message (or a client proposal) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum RejectReason {
    #[error("bad signature from validator {validator}")]
    BadSignature { validator: u32 },
    #[error("wrong chain id {got:?} (this chain is {expected:?})")]
    WrongChain { expected: String, got: String },
    #[error("wrong epoch {got} (the current epoch is {expected})")]
    WrongEpoch { expected: u64, got: u64 },
    #[error("validator {validator} is not a member of the validator set")]
    NonMember { validator: u32 },
    #[error("malformed: {detail}")]
    Malformed { detail: String },
    #[error("overloaded: {detail}")]
    Overloaded { detail: String },
}

impl RejectReason {
    pub fn malformed(detail: impl Into<String>) -> RejectReason {
        RejectReason::Malformed {
            detail: detail.into(),
        }
    }

    /// Stable label for per-sender counters.
    pub fn kind(&self) -> &'static str {
        match self {
            RejectReason::BadSignature { .. } => "bad_signature",
            RejectReason::WrongChain { .. } => "wrong_chain",
            RejectReason::WrongEpoch { .. } => "wrong_epoch",
            RejectReason::NonMember { .. } => "non_member",
            RejectReason::Malformed { .. } => "malformed",
            RejectReason::Overloaded { .. } => "overloaded",
        }
    }
}

impl From<VoteError> for RejectReason {
    fn from(e: VoteError) -> RejectReason {
        match e {
            VoteError::WrongChain { expected, got } => RejectReason::WrongChain { expected, got },
            VoteError::WrongEpoch { expected, got } => RejectReason::WrongEpoch { expected, got },
            VoteError::NonMember { validator } => RejectReason::NonMember { validator },
            VoteError::BadSignature { validator } => RejectReason::BadSignature { validator },
        }
    }
}

impl From<QcError> for RejectReason {
    fn from(e: QcError) -> RejectReason {
        match e {
            QcError::WrongChain { expected, got } => RejectReason::WrongChain { expected, got },
            QcError::WrongEpoch { expected, got } => RejectReason::WrongEpoch { expected, got },
            QcError::NonMember { validator } => RejectReason::NonMember { validator },
            QcError::BadSignature { validator } => RejectReason::BadSignature { validator },
            e @ (QcError::DuplicateSigner { .. } | QcError::InsufficientPower { .. }) => {
                RejectReason::malformed(e.to_string())
            }
        }
    }
}

impl From<Malformed> for RejectReason {
    fn from(e: Malformed) -> RejectReason {
        RejectReason::Malformed { detail: e.0 }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::services::consensus::protocol::testkit::{key, set};
    use crate::services::consensus::protocol::types::Phase;

    #[test]
    fn json_shapes_are_a_contract() {
        let vote = Vote::sign(&key(1), &set(4), 1, 5, 2, Phase::Commit, [0xab; 32]);
        let text = serde_json::to_value(Message::Vote(vote.clone())).unwrap();
        assert_eq!(text["type"], "vote");
        assert_eq!(text["phase"], "commit");
        assert_eq!(text["block_hash"], "ab".repeat(32));
        assert_eq!(text["signature"].as_str().unwrap().len(), 128);
        assert_eq!(
            serde_json::from_value::<Message>(text).unwrap(),
            Message::Vote(vote.clone())
        );

        let block = Block {
            height: 5,
            view: 0,
            parent_hash: [0; 32],
            proposer: 1,
            proposals: vec![Proposal::new("p", json!({"a": 1}))],
        };
        let qc = QuorumCertificate::from_votes([&vote]).unwrap();
        let sync = Message::SyncResponse {
            blocks: vec![(block.clone(), qc)],
        };
        let text = serde_json::to_value(&sync).unwrap();
        assert_eq!(text["type"], "sync_response");
        assert_eq!(text["blocks"][0][0]["proposals"][0]["id"], "p");
        assert!(text["blocks"][0][0]["proposals"][0].get("kind").is_none());
        assert_eq!(text["blocks"][0][1]["signatures"][0]["validator"], 1);
        assert_eq!(serde_json::from_value::<Message>(text).unwrap(), sync);

        let request = serde_json::json!({"type": "sync_request", "from_height": 3});
        assert_eq!(
            serde_json::from_value::<Message>(request).unwrap(),
            Message::SyncRequest { from_height: 3 }
        );
        let reason = RejectReason::from(VoteError::BadSignature { validator: 2 });
        assert_eq!(reason.kind(), "bad_signature");
        assert_eq!(
            serde_json::to_value(&reason).unwrap(),
            json!({"reason": "bad_signature", "validator": 2})
        );
        let bad = serde_json::json!({"type": "vote", "phase": "commit"});
        assert!(serde_json::from_value::<Message>(bad).is_err());
    }
}
