//! Run statistics and one-line descriptions of inputs, effects and
//! messages for traces (SIM_TRACE=1).

use crate::services::consensus::protocol::hotstuff::HotStuffMessage;
use crate::services::consensus::protocol::tendermint::TendermintMessage;
use crate::services::consensus::protocol::{Effect, Input, Message};

/// What happened in a run, to show the runs exercise what they claim.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    pub commits: u64,
    pub view_changes: u64,
    pub sync_responses: u64,
    pub serve_sync: u64,
    pub crashes: u64,
    pub partitions: u64,
    pub dropped: u64,
    pub duplicated: u64,
    pub evidence: u64,
    pub tampered: u64,
    pub rejected: u64,
}

impl std::ops::AddAssign for Stats {
    fn add_assign(&mut self, o: Stats) {
        self.commits += o.commits;
        self.view_changes += o.view_changes;
        self.sync_responses += o.sync_responses;
        self.serve_sync += o.serve_sync;
        self.crashes += o.crashes;
        self.partitions += o.partitions;
        self.dropped += o.dropped;
        self.duplicated += o.duplicated;
        self.evidence += o.evidence;
        self.tampered += o.tampered;
        self.rejected += o.rejected;
    }
}

pub(super) fn describe_input(input: &Input) -> String {
    match input {
        Input::Message { from, msg } => format!("{from}: {}", describe_msg(msg)),
        Input::Timeout { view, height } => format!("timeout h{height} v{view}"),
        Input::Propose(p) => format!("propose {}", p.id),
        Input::Start => "start".into(),
    }
}

pub(super) fn describe_effect(effect: &Effect) -> String {
    match effect {
        Effect::Persist(r) => format!("persist h{} v{} {:?}", r.height, r.view, r.phase),
        Effect::Send { to, msg } => format!("send {to} {}", describe_msg(msg)),
        Effect::Broadcast { msg } => format!("broadcast {}", describe_msg(msg)),
        Effect::SetTimer {
            view,
            height,
            after_ms,
        } => format!("timer h{height} v{view} {after_ms}ms"),
        Effect::Commit { block, .. } => format!("commit h{}", block.height),
        Effect::CommitProof { height, proof } => {
            format!("commit proof h{height} ({} blocks)", proof.blocks.len())
        }
        Effect::Evidence(_) => "evidence".into(),
        Effect::Rejected { from, reason } => format!("rejected {from}: {reason}"),
        Effect::ServeSync {
            to, from_height, ..
        } => format!("serve-sync {to} from {from_height}"),
    }
}

fn describe_msg(msg: &Message) -> String {
    match msg {
        Message::PrePrepare { vote, block, .. } => format!(
            "pre-prepare h{} v{} {} ({} proposals)",
            vote.height,
            vote.view,
            &hex::encode(vote.block_hash)[..8],
            block.proposals.len()
        ),
        Message::Vote(v) => format!(
            "{} by {} h{} v{} {}",
            v.phase,
            v.validator,
            v.height,
            v.view,
            &hex::encode(v.block_hash)[..8]
        ),
        Message::ViewChange(vc) => format!(
            "view-change by {} h{} -> v{} prepared={:?}",
            vc.vote.validator,
            vc.vote.height,
            vc.vote.view,
            vc.prepared.as_ref().map(|p| p.qc.view)
        ),
        Message::NewView(nv) => format!(
            "new-view h{} v{} {}",
            nv.vote.height,
            nv.vote.view,
            &hex::encode(nv.vote.block_hash)[..8]
        ),
        Message::Forward { proposals } => format!("forward {}", proposals.len()),
        Message::SyncRequest { from_height } => format!("sync-request from {from_height}"),
        Message::SyncResponse { blocks } => format!("sync-response {} blocks", blocks.len()),
        Message::Tendermint(TendermintMessage::Proposal(p)) => format!(
            "proposal by {} h{} r{} {} pol={:?} ({} proposals)",
            p.vote.validator,
            p.vote.height,
            p.vote.view,
            &hex::encode(p.vote.block_hash)[..8],
            p.valid_round(),
            p.block.proposals.len()
        ),
        Message::Tendermint(TendermintMessage::RoundState { vote, votes }) => format!(
            "round-state by {} h{} r{} {} +{} votes",
            vote.validator,
            vote.height,
            vote.view,
            vote.phase,
            votes.len()
        ),
        Message::HotStuff(m) => describe_hotstuff(m),
    }
}

fn describe_hotstuff(m: &HotStuffMessage) -> String {
    let view = |qc: &Option<crate::services::consensus::protocol::QuorumCertificate>| {
        qc.as_ref().map_or(0, |q| q.view)
    };
    match m {
        HotStuffMessage::Proposal {
            block, justify, tc, ..
        } => format!(
            "hs-proposal h{} v{} {} ({} proposals) justify v{} tc {:?}",
            block.height,
            block.view,
            &hex::encode(block.hash())[..8],
            block.proposals.len(),
            view(justify),
            tc.as_ref().map(|t| t.view)
        ),
        HotStuffMessage::Timeout { vote, high_qc, .. } => format!(
            "hs-timeout by {} v{} high-qc v{}",
            vote.validator,
            vote.view,
            view(high_qc)
        ),
        HotStuffMessage::SyncInfo { high_qc, tc } => format!(
            "hs-sync-info high-qc v{} tc {:?}",
            view(high_qc),
            tc.as_ref().map(|t| t.view)
        ),
        HotStuffMessage::Chain { blocks, high_qc } => format!(
            "hs-chain {} blocks high-qc v{}",
            blocks.len(),
            view(high_qc)
        ),
    }
}
