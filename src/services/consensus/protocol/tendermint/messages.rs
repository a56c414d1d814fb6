//! Tendermint's own messages (nested in `Message::Tendermint`).

use serde::{Deserialize, Serialize};

use crate::services::consensus::protocol::types::{Block, QuorumCertificate, Vote};

/// The proposer's block for (height, round).
///
/// `vote` is the proposer's own prevote for `block` in that round: the
/// proposal and the proposer's prevote are one signature (under Algorithm 1
/// an honest proposer always prevotes what it proposes). `pol` is the
/// proof-of-lock behind the paper's `validRound`: a prevote certificate of
/// an earlier round of this height for this block. `validRound` is
/// `pol.view`, or -1 when `pol` is absent, so every field is signed and
/// anyone can check it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedProposal {
    pub block: Block,
    pub vote: Vote,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pol: Option<QuorumCertificate>,
    /// Commit certificate of the previous height (lets a validator that
    /// missed the last precommits decide it at once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_qc: Option<QuorumCertificate>,
}

impl SignedProposal {
    /// The paper's validRound: the round of the proof-of-lock, if any.
    pub fn valid_round(&self) -> Option<u64> {
        self.pol.as_ref().map(|qc| qc.view)
    }
}

/// Messages only Tendermint sends. Prevotes and precommits travel as plain
/// `Message::Vote`.
// Messages are moved once per step; boxing the proposal would only add an
// allocation (as for `Input`).
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "tendermint", rename_all = "snake_case")]
pub enum TendermintMessage {
    Proposal(SignedProposal),
    /// Sent when a round ends without 2/3+ precommits: the sender's own
    /// latest vote of its height (`vote`) and every vote it holds for that
    /// round and the one before, so peers that lost some count them (the
    /// gossip the paper assumes). A validator already past that height
    /// answers with the committed blocks.
    RoundState {
        vote: Vote,
        votes: Vec<Vote>,
    },
}

impl TendermintMessage {
    /// The sender's own signed vote carried by the message.
    pub fn anchor_vote(&self) -> &Vote {
        match self {
            TendermintMessage::Proposal(p) => &p.vote,
            TendermintMessage::RoundState { vote, .. } => vote,
        }
    }

    pub fn parent_qc(&self) -> Option<&QuorumCertificate> {
        match self {
            TendermintMessage::Proposal(p) => p.parent_qc.as_ref(),
            TendermintMessage::RoundState { .. } => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            TendermintMessage::Proposal(_) => "tendermint_proposal",
            TendermintMessage::RoundState { .. } => "tendermint_round_state",
        }
    }
}
