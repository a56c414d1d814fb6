//! What a validator does with bytes it did not make, as functions of those
//! bytes: the entry points of the fuzz targets (`fuzz/`, run by
//! `scripts/fuzz`) and of the test that replays every input they have kept
//! (`tests/fuzz_regressions.rs`). None of them may panic, whatever the
//! bytes; each runs the same decoding and checks a validator runs.
//!
//! | target | the bytes are | as they arrive at |
//! |---|---|---|
//! | `envelope` | a `/peer` request body | `http::peer`: decode, then `Envelope::open` |
//! | `message` | the protocol message inside an envelope | each algorithm's core, as validator 0 of four, from a member |
//! | `block` | a block's JSON | `Block::check_shape` and `Block::hash` |
//! | `qc` | a quorum certificate's JSON | `QuorumCertificate::verify` against a four-validator set, `certifies` |
//! | `genesis` | `genesis.json` | `ValidatorSet::validate` and the genesis record |
//! | `wal` | `safety.wal` | `Wal::<SafetyRecord>::open` on a file holding them |
//! | `sync` | a block-sync answer's JSON | `protocol::Message::SyncResponse` at each core |

use ed25519_dalek::{SigningKey, VerifyingKey};

use super::protocol::types::{Block, QuorumCertificate, Validator, ValidatorSet};
use super::protocol::{Algorithm, CoreConfig, Input, Message, SafetyRecord, build};
use super::transport::Envelope;

/// What a fuzz target runs: bytes in, nothing out but a panic on a bug.
pub type Target = fn(&[u8]);

/// Every target, by name (the fuzz crate's binaries and the corpus
/// directories under `tests/data/fuzz/` carry these names).
pub const TARGETS: &[(&str, Target)] = &[
    ("envelope", envelope),
    ("message", message),
    ("block", block),
    ("qc", qc),
    ("genesis", genesis),
    ("wal", wal),
    ("sync", sync),
];

const CHAIN: &str = "bitcraps-fuzz";
const N: usize = 4;
/// The envelope clock the targets run at (an envelope's `sent_ms` is
/// checked against it).
const NOW_MS: u64 = 1_765_000_000_000;

/// Validator `i`'s key: secret bytes all `i + 1` (as in the protocol's
/// tests), so inputs can carry real signatures.
pub fn key(i: usize) -> SigningKey {
    SigningKey::from_bytes(&[u8::try_from(i + 1).unwrap_or(u8::MAX); 32])
}

/// The four-validator set every target checks against.
pub fn set() -> ValidatorSet {
    ValidatorSet {
        chain_id: CHAIN.into(),
        epoch: 1,
        validators: (0..N)
            .map(|i| Validator {
                id: format!("validator-{i}"),
                public_key: key(i).verifying_key().to_bytes(),
                power: 1,
            })
            .collect(),
        governance_keys: vec![
            SigningKey::from_bytes(&[0xee; 32])
                .verifying_key()
                .to_bytes(),
        ],
    }
}

pub fn envelope(data: &[u8]) {
    let Ok(env) = serde_json::from_slice::<Envelope>(data) else {
        return;
    };
    let members: Vec<VerifyingKey> = (0..N).map(|i| key(i).verifying_key()).collect();
    if env.open(CHAIN, &members, 0, NOW_MS).is_ok() {
        message(env.msg.as_bytes());
    }
}

/// Each algorithm's core, started as validator 0, takes the message from
/// validator 1 (the sender's index matters to the cores only as a member).
pub fn message(data: &[u8]) {
    let Ok(msg) = serde_json::from_slice::<Message>(data) else {
        return;
    };
    deliver(msg);
}

fn deliver(msg: Message) {
    for algorithm in [Algorithm::Pbft, Algorithm::Tendermint, Algorithm::HotStuff] {
        let Ok(mut core) = build(
            algorithm,
            set(),
            0,
            key(0).to_bytes(),
            CoreConfig::default(),
            None,
        ) else {
            continue;
        };
        core.step(Input::Start);
        core.step(Input::Message {
            from: 1,
            msg: msg.clone(),
        });
    }
}

pub fn block(data: &[u8]) {
    if let Ok(b) = serde_json::from_slice::<Block>(data) {
        let _ = b.check_shape(CoreConfig::default().max_batch);
        let _ = b.hash();
    }
}

pub fn qc(data: &[u8]) {
    if let Ok(qc) = serde_json::from_slice::<QuorumCertificate>(data) {
        let _ = qc.verify(&set());
    }
}

pub fn genesis(data: &[u8]) {
    if let Ok(set) = serde_json::from_slice::<ValidatorSet>(data)
        && set.validate().is_ok()
    {
        let total = set
            .validators
            .iter()
            .map(|v| v.power)
            .fold(0u64, u64::saturating_add);
        let _ = set.has_quorum(total);
        let _ = set.has_weak_quorum(total);
    }
    let _ = serde_json::from_slice::<super::genesis::Genesis>(data);
}

pub fn wal(data: &[u8]) {
    static RUN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let run = RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("bitcraps-fuzz-wal-{}-{run}", std::process::id()));
    if std::fs::write(&path, data).is_ok()
        && let Ok((mut wal, recovery)) = super::wal::Wal::<SafetyRecord>::open(&path)
        && let Some(last) = recovery.records.last()
    {
        // What a restart does next: append after the intact prefix.
        let _ = wal.append(last);
    }
    let _ = std::fs::remove_file(&path);
}

pub fn sync(data: &[u8]) {
    if let Ok(blocks) = serde_json::from_slice::<Vec<(Block, QuorumCertificate)>>(data) {
        deliver(Message::SyncResponse { blocks });
    }
}

/// Realistic inputs for every target, made by running four cores of each
/// algorithm in memory until each commits two blocks with a proposal each:
/// every message they exchange (and its envelope), the committed blocks and
/// certificates, a sync answer, the genesis set and a write-ahead log of
/// their safety records. `tests/fuzz_regressions.rs` writes them to
/// `tests/data/fuzz/<target>/seed-*` (`-- --ignored write_seeds`), where the
/// fuzzer starts from them, and checks that the kept ones still decode.
pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let mut out: Vec<(&'static str, Vec<u8>)> = Vec::new();
    let json = |v: &dyn erased::Json| v.to_vec();
    out.push(("genesis", json(&set())));
    for algorithm in [Algorithm::Pbft, Algorithm::Tendermint, Algorithm::HotStuff] {
        let run = Run::play(algorithm);
        let mut kinds = std::collections::HashSet::new();
        for (from, to, msg) in &run.messages {
            // One of each kind of message per algorithm is plenty.
            if !kinds.insert(msg.kind()) {
                continue;
            }
            let text = serde_json::to_string(msg).unwrap_or_default();
            let env = Envelope::seal(
                CHAIN,
                *from,
                *to,
                NOW_MS,
                text.clone(),
                &key(*from as usize),
            );
            out.push(("message", text.into_bytes()));
            out.push(("envelope", json(&env)));
        }
        for (block, qc) in run.commits.iter().take(2) {
            out.push(("block", json(block)));
            out.push(("qc", json(qc)));
        }
        out.push(("sync", json(&run.commits)));
        out.push(("wal", run.wal));
    }
    out
}

mod erased {
    /// Any serializable value as JSON bytes (for a list of mixed types).
    pub trait Json {
        fn to_vec(&self) -> Vec<u8>;
    }

    impl<T: serde::Serialize> Json for T {
        fn to_vec(&self) -> Vec<u8> {
            serde_json::to_vec(self).unwrap_or_default()
        }
    }
}

/// Four cores of one algorithm exchanging messages in memory.
struct Run {
    messages: Vec<(u32, u32, Message)>,
    commits: Vec<(Block, QuorumCertificate)>,
    wal: Vec<u8>,
}

impl Run {
    fn play(algorithm: Algorithm) -> Run {
        use super::protocol::Effect;
        use super::protocol::types::Proposal;
        let mut cores: Vec<_> = (0..N)
            .filter_map(|i| {
                let index = u32::try_from(i).ok()?;
                build(
                    algorithm,
                    set(),
                    index,
                    key(i).to_bytes(),
                    CoreConfig::default(),
                    None,
                )
                .ok()
            })
            .collect();
        let mut run = Run {
            messages: Vec::new(),
            commits: Vec::new(),
            wal: Vec::new(),
        };
        let mut queue: std::collections::VecDeque<(u32, Input)> = std::collections::VecDeque::new();
        for i in 0..N {
            let i = u32::try_from(i).unwrap_or(0);
            queue.push_back((i, Input::Start));
        }
        for k in 0..2 {
            let proposal = Proposal {
                id: format!("fuzz-seed-{k}"),
                payload: serde_json::json!({ "k": k }),
                kind: None,
                attestation: None,
            };
            for i in 0..N {
                let i = u32::try_from(i).unwrap_or(0);
                queue.push_back((i, Input::Propose(proposal.clone())));
            }
            let want = k + 1;
            let mut steps = 0;
            while let Some((at, input)) = queue.pop_front() {
                steps += 1;
                if steps > 10_000 {
                    break;
                }
                let Some(core) = cores.get_mut(at as usize) else {
                    continue;
                };
                for effect in core.step(input) {
                    match effect {
                        Effect::Broadcast { msg } => {
                            for to in (0..N).filter_map(|j| u32::try_from(j).ok()) {
                                if to != at {
                                    run.messages.push((at, to, msg.clone()));
                                    queue.push_back((
                                        to,
                                        Input::Message {
                                            from: at,
                                            msg: msg.clone(),
                                        },
                                    ));
                                }
                            }
                        }
                        Effect::Send { to, msg } => {
                            run.messages.push((at, to, msg.clone()));
                            queue.push_back((to, Input::Message { from: at, msg }));
                        }
                        Effect::Commit { block, qc } if at == 0 => run.commits.push((block, qc)),
                        Effect::Persist(record) if at == 0 => {
                            if let Ok(payload) = serde_json::to_vec(&record) {
                                run.wal.extend(super::wal::encode(&payload));
                            }
                        }
                        _ => {}
                    }
                }
                if run.commits.len() >= want && queue.is_empty() {
                    break;
                }
            }
        }
        run
    }
}
