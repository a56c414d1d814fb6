//! Criterion benches of the consensus core: a vote's and a commit
//! certificate's ed25519 verification, one prepare vote handled by a PBFT
//! core, and a whole height decided by four cores exchanging messages in
//! memory (no IO: the same state machines the validators run).
//! `cargo bench --bench consensus_cores`.

use std::collections::VecDeque;
use std::hint::black_box;
use std::time::Duration;

use bitcraps::services::consensus::protocol::CoreConfig;
use bitcraps::services::consensus::protocol::{
    Consensus, Effect, Input, Message, Pbft, Phase, Proposal, QuorumCertificate, Validator,
    ValidatorSet, Vote,
};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ed25519_dalek::SigningKey;
use serde_json::json;

fn key(i: usize) -> SigningKey {
    SigningKey::from_bytes(&[u8::try_from(i + 1).unwrap_or(1); 32])
}

fn set(n: usize) -> ValidatorSet {
    ValidatorSet {
        chain_id: "bitcraps-bench".into(),
        epoch: 0,
        validators: (0..n)
            .map(|i| Validator {
                id: format!("validator-{i}"),
                public_key: key(i).verifying_key().to_bytes(),
                power: 1,
            })
            .collect(),
        governance_keys: vec![],
    }
}

/// Four started cores (their start-up effects dropped).
fn cluster() -> Vec<Pbft> {
    let s = set(4);
    (0..4)
        .map(|i| {
            let mut p = Pbft::new(
                s.clone(),
                i as u32,
                key(i).to_bytes(),
                CoreConfig::default(),
                None,
            )
            .expect("a valid core");
            p.step(Input::Start);
            p
        })
        .collect()
}

/// Delivers every message until the queue is empty; returns the commits.
fn route(nodes: &mut [Pbft], mut queue: VecDeque<(u32, u32, Message)>) -> usize {
    let mut commits = 0;
    while let Some((from, to, msg)) = queue.pop_front() {
        for e in nodes[to as usize].step(Input::Message { from, msg }) {
            commits += enqueue(&mut queue, to, e);
        }
    }
    commits
}

fn enqueue(queue: &mut VecDeque<(u32, u32, Message)>, from: u32, e: Effect) -> usize {
    match e {
        Effect::Broadcast { msg } => {
            for to in (0..4).filter(|t| *t != from) {
                queue.push_back((from, to, msg.clone()));
            }
            0
        }
        Effect::Send { to, msg } => {
            queue.push_back((from, to, msg));
            0
        }
        Effect::Commit { .. } => 1,
        _ => 0,
    }
}

fn propose(nodes: &mut [Pbft], n: u64) -> VecDeque<(u32, u32, Message)> {
    let leader = nodes[0].leader();
    let mut queue = VecDeque::new();
    let p = Proposal::new(format!("bench-{n}"), json!({"n": n}));
    for e in nodes[leader as usize].step(Input::Propose(p)) {
        enqueue(&mut queue, leader, e);
    }
    queue
}

fn votes(c: &mut Criterion) {
    let s = set(4);
    let hash = [7u8; 32];
    let signed: Vec<Vote> = (0..4)
        .map(|i| Vote::sign(&key(i), &s, i as u32, 9, 0, Phase::Commit, hash))
        .collect();
    c.bench_function("vote: verify one ed25519-signed vote", |b| {
        b.iter(|| black_box(black_box(&signed[1]).verify(&s)))
    });
    let qc = QuorumCertificate::from_votes(&signed[..3]).expect("agreeing votes");
    c.bench_function("qc: verify a 3-of-4 commit certificate", |b| {
        b.iter(|| black_box(black_box(&qc).verify(&s)))
    });
}

fn pbft(c: &mut Criterion) {
    // One prepare vote reaching a follower that holds the pre-prepare:
    // checking the signature and counting it toward the quorum.
    c.bench_function("pbft: one prepare vote handled by a core", |b| {
        b.iter_batched_ref(
            || {
                let mut nodes = cluster();
                let mut queue = propose(&mut nodes, 0);
                let leader = nodes[0].leader();
                let (f1, f2) = ((leader + 1) % 4, (leader + 2) % 4);
                // Hand the pre-prepare to two followers; f2's prepare vote
                // is what f1 will handle.
                let mut vote = None;
                while let Some((from, to, msg)) = queue.pop_front() {
                    if to == f1 {
                        nodes[f1 as usize].step(Input::Message { from, msg });
                    } else if to == f2 {
                        for e in nodes[f2 as usize].step(Input::Message { from, msg }) {
                            if let Effect::Broadcast {
                                msg: m @ Message::Vote(_),
                            } = e
                            {
                                vote = Some(m);
                            }
                        }
                    }
                }
                let node = nodes.swap_remove(f1 as usize);
                (node, f2, vote)
            },
            // By reference, so dropping the core is not timed.
            |(node, from, vote)| {
                let msg = vote.take().expect("a prepare vote");
                black_box(node.step(Input::Message { from: *from, msg }))
            },
            BatchSize::SmallInput,
        )
    });
    // A whole height: propose, pre-prepare, prepare and commit votes of all
    // four, every signature made and checked.
    let mut nodes = cluster();
    let mut n = 0;
    c.bench_function(
        "pbft: one height decided by 4 cores (in memory, every vote signed and checked)",
        |b| {
            b.iter(|| {
                n += 1;
                let queue = propose(&mut nodes, n);
                let commits = route(&mut nodes, queue);
                assert_eq!(commits, 4, "all four commit");
                black_box(commits)
            })
        },
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_millis(500));
    targets = votes, pbft
}
criterion_main!(benches);
