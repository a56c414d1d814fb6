//! What every algorithm core shares: its tunables, why it cannot be built,
//! and the choice of algorithm.

use serde::{Deserialize, Serialize};

use super::Recovered;
use super::types::{Phase, SetError, ValidatorSet};

/// Tunables. Defaults suit a LAN or a laptop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CoreConfig {
    /// Timeout of view 0 of each height.
    pub base_timeout_ms: u64,
    /// Cap of the doubling timeouts (the service passes ROUND_TIMEOUT).
    pub max_timeout_ms: u64,
    /// Most proposals in one block (same on every validator).
    pub max_batch: usize,
    /// Most proposals waiting; more are refused as overloaded.
    pub max_pending: usize,
    /// Committed blocks kept in memory to answer sync requests.
    pub sync_window: usize,
    /// Most blocks sent in one sync response.
    pub max_sync_blocks: usize,
    /// Committed proposal ids remembered to refuse duplicates.
    pub remembered_ids: usize,
    /// Signature checks that passed, remembered to skip re-checks.
    pub verify_cache: usize,
    /// Members a validator set change must leave (3f+1 for the configured
    /// f; the same on every validator, as the shell judges changes with
    /// it). HotStuff uses it to see which block ends its epoch.
    pub min_validators: usize,
}

impl Default for CoreConfig {
    fn default() -> Self {
        CoreConfig {
            base_timeout_ms: 200,
            max_timeout_ms: 15_000,
            max_batch: 256,
            max_pending: 10_000,
            sync_window: 256,
            max_sync_blocks: 64,
            remembered_ids: 100_000,
            verify_cache: 4096,
            min_validators: 1,
        }
    }
}

impl CoreConfig {
    pub fn validate(&self) -> Result<(), SetupError> {
        let bad = |what: &str| Err(SetupError::Config(what.to_string()));
        if self.base_timeout_ms == 0 {
            return bad("base_timeout_ms must be at least 1");
        }
        if self.max_timeout_ms < self.base_timeout_ms {
            return bad("max_timeout_ms must be at least base_timeout_ms");
        }
        if self.max_batch == 0 || self.max_pending == 0 || self.max_sync_blocks == 0 {
            return bad("max_batch, max_pending and max_sync_blocks must be at least 1");
        }
        if self.sync_window == 0 || self.remembered_ids == 0 || self.verify_cache == 0 {
            return bad("sync_window, remembered_ids and verify_cache must be at least 1");
        }
        Ok(())
    }

    /// How long proposals may wait with no commit before a validator calls
    /// itself stalled: five views timing out one after another.
    pub fn stall_after(&self) -> std::time::Duration {
        let ms = (0..5u64).fold(0u64, |sum, v| sum.saturating_add(self.timeout_for(v)));
        std::time::Duration::from_millis(ms)
    }

    /// Round timeout of `view`: base * 2^view, capped.
    pub fn timeout_for(&self, view: u64) -> u64 {
        let shift = u32::try_from(view).unwrap_or(u32::MAX).min(63);
        self.base_timeout_ms
            .saturating_mul(1u64 << shift)
            .min(self.max_timeout_ms)
    }
}

/// How long a validator has gone without progress while proposals wait,
/// when that is longer than `threshold`; `None` while it is not stalled.
/// Progress is measured from the later of its last commit (or start) and
/// the arrival of the oldest waiting proposal: a busy validator whose queue
/// is old but that keeps committing is not stalled, and neither is one
/// that just received its first proposal after a quiet hour.
pub fn stall<T>(
    now: T,
    oldest_pending: Option<T>,
    last_progress: T,
    threshold: std::time::Duration,
) -> Option<std::time::Duration>
where
    T: Ord + Copy + std::ops::Sub<T, Output = std::time::Duration>,
{
    let since = oldest_pending?.max(last_progress);
    let idle = if now > since {
        now - since
    } else {
        std::time::Duration::ZERO
    };
    (idle > threshold).then_some(idle)
}

/// Why a core cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Set(#[from] SetError),
    #[error("index {index} is not in the validator set")]
    NotAMember { index: u32 },
    #[error("the signing key does not match validator {index}'s public key in the set")]
    KeyMismatch { index: u32 },
    #[error("invalid consensus configuration: {0}")]
    Config(String),
    #[error("recovered state is inconsistent: {0}")]
    Recovered(String),
    #[error("consensus algorithm {0} is not available in this build")]
    Unavailable(Algorithm),
}

/// The checks every core makes before it is built: a usable set and
/// configuration, `my_index` a member, and `signing_key` that member's key.
/// Returns the signing key.
pub fn member_key(
    set: &ValidatorSet,
    my_index: u32,
    signing_key: [u8; 32],
    config: &CoreConfig,
) -> Result<ed25519_dalek::SigningKey, SetupError> {
    set.validate()?;
    config.validate()?;
    let member = set
        .get(my_index)
        .ok_or(SetupError::NotAMember { index: my_index })?;
    let key = ed25519_dalek::SigningKey::from_bytes(&signing_key);
    if key.verifying_key().to_bytes() != member.public_key {
        return Err(SetupError::KeyMismatch { index: my_index });
    }
    Ok(key)
}

/// The BFT algorithms a validator can run. Every validator of a chain must
/// run the same one (`consensus.algorithm` / CONSENSUS_ALGORITHM /
/// `--algorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    Pbft,
    Tendermint,
    HotStuff,
}

impl Algorithm {
    pub const ALL: [Algorithm; 3] = [Algorithm::Pbft, Algorithm::Tendermint, Algorithm::HotStuff];

    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Pbft => "pbft",
            Algorithm::Tendermint => "tendermint",
            Algorithm::HotStuff => "hotstuff",
        }
    }

    /// The phase of the certificate handed out with a committed block.
    pub fn commit_phase(self) -> Phase {
        match self {
            Algorithm::Pbft => Phase::Commit,
            Algorithm::Tendermint => Phase::Precommit,
            Algorithm::HotStuff => Phase::Generic,
        }
    }

    /// The slot a vote occupies in its signer's strictly increasing order
    /// of signing: an honest validator never signs two different hashes in
    /// one slot, and never signs below a slot it persisted. PBFT and
    /// Tendermint decide one height at a time, so slots are (height,
    /// view/round, phase rank); HotStuff's views grow across heights and a
    /// validator votes at most once per view whatever the height, so its
    /// slots are (view, phase rank).
    pub fn vote_slot(self, height: u64, view: u64, phase: Phase) -> VoteSlot {
        match self {
            Algorithm::Pbft | Algorithm::Tendermint => (height, view, phase.rank()),
            Algorithm::HotStuff => (view, u64::from(phase.rank()), 0),
        }
    }

    /// Whether this build has the algorithm (all three, once they land).
    pub fn available(self) -> bool {
        build_fn(self).is_some()
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a vote sits in its signer's order of signing (see
/// [`Algorithm::vote_slot`]); compared lexicographically.
pub type VoteSlot = (u64, u64, u8);

/// An algorithm name that is not one of [`Algorithm::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown consensus algorithm {0:?}; expected one of: pbft, tendermint, hotstuff")]
pub struct UnknownAlgorithm(pub String);

impl std::str::FromStr for Algorithm {
    type Err = UnknownAlgorithm;

    fn from_str(s: &str) -> Result<Algorithm, UnknownAlgorithm> {
        match s.to_ascii_lowercase().as_str() {
            "pbft" => Ok(Algorithm::Pbft),
            "tendermint" => Ok(Algorithm::Tendermint),
            "hotstuff" => Ok(Algorithm::HotStuff),
            _ => Err(UnknownAlgorithm(s.to_string())),
        }
    }
}

/// A boxed core, as the shell and the simulator hold it.
pub type BoxedCore = Box<dyn super::Consensus + Send>;

type BuildFn =
    fn(ValidatorSet, u32, [u8; 32], CoreConfig, Option<Recovered>) -> Result<BoxedCore, SetupError>;

fn build_fn(algorithm: Algorithm) -> Option<BuildFn> {
    match algorithm {
        Algorithm::Pbft => Some(|set, me, key, config, recovered| {
            Ok(Box::new(super::Pbft::new(set, me, key, config, recovered)?))
        }),
        Algorithm::Tendermint => Some(|set, me, key, config, recovered| {
            Ok(Box::new(super::Tendermint::new(
                set, me, key, config, recovered,
            )?))
        }),
        Algorithm::HotStuff => Some(|set, me, key, config, recovered| {
            Ok(Box::new(super::HotStuff::new(
                set, me, key, config, recovered,
            )?))
        }),
    }
}

/// Builds the core of validator `my_index` running `algorithm`.
/// `recovered` is what the shell persisted before a restart (`None` on
/// first start).
pub fn build(
    algorithm: Algorithm,
    set: ValidatorSet,
    my_index: u32,
    signing_key: [u8; 32],
    config: CoreConfig,
    recovered: Option<Recovered>,
) -> Result<BoxedCore, SetupError> {
    let build = build_fn(algorithm).ok_or(SetupError::Unavailable(algorithm))?;
    build(set, my_index, signing_key, config, recovered)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    #[test]
    fn stalled_only_when_proposals_wait_and_nothing_commits() {
        let t = s(6);
        // Nothing waits: never stalled, however long since the last commit.
        assert_eq!(stall(s(1000), None, s(0), t), None);
        // A proposal waits 10 s and nothing committed since it came.
        assert_eq!(stall(s(100), Some(s(90)), s(50), t), Some(s(10)));
        // The queue is old but commits keep coming: not stalled.
        assert_eq!(stall(s(100), Some(s(10)), s(99), t), None);
        // Just arrived after a quiet hour: not stalled yet.
        assert_eq!(stall(s(3700), Some(s(3699)), s(0), t), None);
        // Exactly at the threshold is not yet stalled.
        assert_eq!(stall(s(106), Some(s(100)), s(0), t), None);
        // Clock readings out of order never panic.
        assert_eq!(stall(s(1), Some(s(5)), s(9), t), None);
    }

    #[test]
    fn stall_threshold_is_five_views_of_timeouts() {
        let c = CoreConfig::default();
        assert_eq!(
            c.stall_after(),
            Duration::from_millis(200 + 400 + 800 + 1600 + 3200)
        );
        let capped = CoreConfig {
            max_timeout_ms: 500,
            ..CoreConfig::default()
        };
        assert_eq!(
            capped.stall_after(),
            Duration::from_millis(200 + 400 + 500 * 3)
        );
    }
}
