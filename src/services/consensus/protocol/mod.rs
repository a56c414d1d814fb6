//! Consensus protocols (pure, sans-IO).
//!
//! An algorithm is a deterministic state machine behind [`Consensus`]: the
//! shell feeds it [`Input`]s (peer messages, timer expiries, client
//! proposals, start) and executes the [`Effect`]s it returns, **in order**.
//! No clock, socket, randomness or tokio in here: time arrives as
//! `Input::Timeout`, which the shell fires `after_ms` after a `SetTimer`.
//!
//! # What the shell does with each effect
//!
//! - `Persist(record)`: write the safety record durably (fsync) *before*
//!   executing any later effect of the same batch. It always precedes the
//!   `Send`/`Broadcast` carrying the vote it records. Keep only the latest;
//!   hand it back in [`Recovered::safety`] after a restart.
//! - `Send { to, msg }` / `Broadcast { msg }`: deliver to one validator /
//!   to every other validator (not to itself). Best effort: the protocol
//!   copes with loss, duplication and reordering.
//! - `SetTimer { view, height, after_ms }`: fire `Input::Timeout { view,
//!   height }` after `after_ms`. Earlier timers need not be cancelled; the
//!   core ignores stale ones.
//! - `Commit { block, qc }`: store the block with its commit certificate
//!   durably, in height order (it is final), then apply it. Hand the most
//!   recent committed blocks back in [`Recovered::committed`].
//! - `CommitProof { height, proof }` (HotStuff): store `proof` with the
//!   committed block at `height` (see `hotstuff::proof`).
//! - `Evidence(e)`: record it (GET /evidence); it is reported once.
//! - `Rejected { from, reason }`: count it per sender and reason kind
//!   (`from` is the core's own index for a refused client proposal).
//! - `ServeSync { to, from_height, max_blocks }`: a peer asked for blocks
//!   older than the core keeps in memory; read up to `max_blocks`
//!   committed blocks from `from_height` on from the store and send them to
//!   `to` as `Message::SyncResponse`.

pub(crate) mod chain;
pub mod config;
pub mod evidence;
pub mod hotstuff;
pub mod limits;
pub mod messages;
pub mod pbft;
pub mod set_change;
pub mod signature;
mod stepping;
pub mod tendermint;
pub mod types;

#[cfg(test)]
mod sim;
#[cfg(test)]
pub(crate) mod testkit;

use serde::{Deserialize, Serialize};

pub use config::{Algorithm, BoxedCore, CoreConfig, SetupError, UnknownAlgorithm, build};
pub use hotstuff::HotStuff;
pub use messages::{Evidence, Message, NewView, PreparedCertificate, RejectReason, ViewChange};
pub use pbft::Pbft;
pub use tendermint::Tendermint;
pub use types::{
    Block, Phase, Proposal, QcError, QuorumCertificate, Validator, ValidatorSet, Vote, VoteError,
};

/// What the shell feeds the core.
// Inputs are moved once per step; boxing the message would only add an
// allocation (a shell that queues inputs can box them itself).
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Input {
    /// A message from validator `from` (the transport's authenticated
    /// sender; the votes inside carry their own signatures).
    Message { from: u32, msg: Message },
    /// The timer set by `Effect::SetTimer { view, height, .. }` expired.
    Timeout { view: u64, height: u64 },
    /// A client proposal arrived at this validator.
    Propose(Proposal),
    /// Begin (after construction, including after a restart).
    Start,
}

/// What the core asks the shell to do, in the order given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Effect {
    Persist(SafetyRecord),
    Send {
        to: u32,
        msg: Message,
    },
    Broadcast {
        msg: Message,
    },
    SetTimer {
        view: u64,
        height: u64,
        after_ms: u64,
    },
    Commit {
        block: Block,
        qc: QuorumCertificate,
    },
    /// HotStuff: what proves the committed block at `height` final to
    /// others (its own QC does not); stored with it and served with it.
    CommitProof {
        height: u64,
        proof: hotstuff::proof::CommitProof,
    },
    Evidence(Evidence),
    Rejected {
        from: u32,
        reason: RejectReason,
    },
    ServeSync {
        to: u32,
        from_height: u64,
        max_blocks: usize,
    },
}

/// The last thing this validator signed, and its highest prepared
/// certificate at that height. Persisted before the vote leaves the node,
/// so a restarted validator never signs two different blocks (or two
/// different view changes) for one (height, view, phase), and still
/// reports what it prepared when it asks for a view change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SafetyRecord {
    pub height: u64,
    pub view: u64,
    pub phase: Phase,
    #[serde(with = "types::hex_array")]
    pub block_hash: [u8; 32],
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prepared: Option<PreparedCertificate>,
    /// HotStuff: the certified, uncommitted ancestors of `prepared.block`
    /// down to the last block this validator committed, oldest first, each
    /// with its own QC. They may exist nowhere else (every validator could
    /// crash at once), and a restarted validator needs them to extend or
    /// commit the branch of its lock. Empty for PBFT and Tendermint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub branch: Vec<PreparedCertificate>,
}

/// What a restarted validator hands its new core: the last persisted
/// safety record and its most recent committed blocks, in height order and
/// contiguous. The last block is required to resume; the core keeps the
/// last `sync_window` of them to serve sync, and remembers the proposal ids
/// of all of them (up to `remembered_ids`) to refuse duplicates — so pass as
/// many as the dedup horizon you want (ids older than that should be
/// refused by the shell against its store before `Input::Propose`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Recovered {
    pub safety: Option<SafetyRecord>,
    pub committed: Vec<(Block, QuorumCertificate)>,
}

/// A snapshot for `GET /status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub algorithm: String,
    /// The height being decided (last committed + 1).
    pub height: u64,
    pub view: u64,
    pub leader: u32,
    /// Hex hash of the last committed block; none before the first.
    pub last_committed_hash: Option<String>,
    pub pending: usize,
    /// Latest valid vote seen from each validator, by index.
    pub last_votes: Vec<Option<Vote>>,
}

/// A consensus algorithm as the shell sees it.
pub trait Consensus {
    /// Feeds one input; returns the effects to execute, in order.
    fn step(&mut self, input: Input) -> Vec<Effect>;

    fn algorithm(&self) -> &'static str;
    fn validator_set(&self) -> &ValidatorSet;
    /// The height being decided (last committed + 1).
    fn height(&self) -> u64;
    fn view(&self) -> u64;
    /// Leader of the current (height, view).
    fn leader(&self) -> u32;
    fn last_committed_hash(&self) -> Option<[u8; 32]>;
    /// Client proposals waiting for a block.
    fn pending_count(&self) -> usize;
    /// Latest valid vote seen from each validator (own votes included).
    fn last_votes(&self) -> &[Option<Vote>];

    /// Replaces the signature check (simulations use a cheaper one).
    #[cfg(test)]
    fn set_signature_check(&mut self, check: Box<dyn signature::SignatureCheck>);

    fn status(&self) -> Status {
        Status {
            algorithm: self.algorithm().to_string(),
            height: self.height(),
            view: self.view(),
            leader: self.leader(),
            last_committed_hash: self.last_committed_hash().map(hex::encode),
            pending: self.pending_count(),
            last_votes: self.last_votes().to_vec(),
        }
    }
}
