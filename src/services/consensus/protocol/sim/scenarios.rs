//! Simulated runs: seeded chaos with a liveness check after the heal, and
//! focused scenarios (leader crash, partitions, long outages).

use super::super::config::Algorithm;
use super::super::set_change::SetChange;
use super::super::testkit::governance_key;
use super::{EventSpec, Net, Sim, SimOptions, SplitMix64, Stats};

/// What one chaos run did.
#[derive(Debug)]
pub struct Outcome {
    pub height: u64,
    pub stats: Stats,
    /// Virtual ms from the heal until every proposal submitted after it was
    /// committed on every honest validator.
    pub recovery_ms: u64,
}

/// Liveness bound after the heal, in virtual ms: enough for views to
/// converge at the largest timeout and for every laggard to sync.
fn liveness_bound(max_timeout_ms: u64) -> u64 {
    8 * max_timeout_ms + 20_000
}

/// One seeded run: random size and powers, a chaotic phase (drops, delays,
/// duplicates, partitions, crashes and restarts, client load), then a heal
/// (network calm, everyone restarted) with more client load. Every safety
/// invariant is checked throughout; afterwards every proposal submitted
/// after the heal must be committed everywhere, and all chains must agree.
/// With `tamper_per_mille > 0`, tampered copies of that share of the
/// messages are delivered too.
pub fn chaos_run_with(
    algorithm: Algorithm,
    seed: u64,
    twin: bool,
    tamper_per_mille: u64,
) -> Outcome {
    let mut r = SplitMix64::new(seed ^ 0x00c0_ffee_d00d_f00d);
    let n = if twin {
        4
    } else {
        *r.pick(&[4usize, 4, 4, 4, 5, 7])
    };
    let mut options = SimOptions::new(n);
    options.algorithm = algorithm;
    if r.chance(150) {
        options.powers = (0..n).map(|_| r.range(1, 3)).collect();
        if twin {
            // The twinned validator is Byzantine: BFT holds only while its
            // power is at most f (less than a third of the total).
            options.powers[0] = 1;
        }
    }
    if twin {
        options.twins = vec![0];
    }
    options.config.max_timeout_ms = *r.pick(&[1_600u64, 3_200, 15_000]);
    options.config.max_batch = usize::try_from(r.range(1, 6)).unwrap();
    options.config.sync_window = usize::try_from(r.range(2, 24)).unwrap();
    options.config.max_sync_blocks = usize::try_from(r.range(1, 6)).unwrap();
    options.json = seed % 8 == 0;
    options.tamper_per_mille = tamper_per_mille;
    let max_timeout = options.config.max_timeout_ms;
    let mut sim = Sim::new(seed, options);
    if twin {
        assert!(
            sim.set.power_of(0) <= sim.set.f(),
            "the twin must hold at most f power"
        );
    }
    let nodes = sim.node_count();

    let heal = r.range(2_000, 12_000);
    // Client load during the chaos.
    let mut t = 0;
    while t < heal {
        t += r.range(10, 400);
        sim.schedule_spec(t, EventSpec::Submit(None));
    }
    // Network weather.
    let mut t = 0;
    while t < heal {
        let net = Net {
            drop_per_mille: *r.pick(&[0, 0, 20, 100, 300]),
            dup_per_mille: r.range(0, 100),
            min_delay_ms: 1,
            max_delay_ms: r.range(2, 120),
        };
        sim.schedule_spec(t, EventSpec::Net(net));
        t += r.range(300, 3_000);
    }
    // Crashes and partitions.
    let mut t = r.range(0, 1_000);
    while t < heal {
        match r.below(4) {
            0 | 1 => {
                let node = usize::try_from(r.below(nodes as u64)).unwrap();
                sim.schedule_spec(t, EventSpec::Crash(node));
                sim.schedule_spec(t + r.range(50, 4_000), EventSpec::Restart(node));
            }
            2 => {
                let groups = (0..nodes)
                    .map(|_| u8::try_from(r.below(3)).unwrap())
                    .collect();
                sim.schedule_spec(t, EventSpec::Partition(groups));
                sim.schedule_spec(t + r.range(100, 5_000), EventSpec::Heal);
            }
            _ => {}
        }
        t += r.range(100, 2_000);
    }
    // The heal: calm network (delays and duplicates, no loss), all up.
    let calm = Net {
        drop_per_mille: 0,
        dup_per_mille: r.range(0, 50),
        min_delay_ms: 1,
        max_delay_ms: r.range(2, 40),
    };
    sim.schedule_spec(heal, EventSpec::Heal);
    sim.schedule_spec(heal, EventSpec::Net(calm));
    for node in 0..nodes {
        sim.schedule_spec(heal, EventSpec::Restart(node));
    }
    sim.run_until(heal);
    let first_after = sim.submitted_count() + 1;
    let extra = r.range(3, 12);
    for i in 0..extra {
        sim.schedule_spec(heal + 1 + i * r.range(5, 200), EventSpec::Submit(None));
    }
    let deadline = heal + liveness_bound(max_timeout);
    let wanted: Vec<String> = (first_after..first_after + extra)
        .map(|k| format!("p{k}"))
        .collect();
    let mut t = heal;
    loop {
        t += 250;
        sim.run_until(t);
        let done = sim
            .honest_nodes()
            .into_iter()
            .all(|i| wanted.iter().all(|id| sim.committed_ids(i).contains(id)));
        if done && sim.converged() {
            break;
        }
        assert!(
            t < deadline,
            "seed {seed}: no liveness {} ms after the heal: {}\n{}",
            t - heal,
            sim.status_line(),
            sim.dump_trace()
        );
    }
    if std::env::var_os("SIM_SHOW_REJECTED").is_some() {
        for (node, from, reason) in &sim.rejected {
            eprintln!("seed {seed}: node {node} rejected {from}: {reason}");
        }
    }
    if tamper_per_mille > 0 {
        // Every tampered message is refused or harmless; honest ones never are.
        assert!(
            sim.stats.rejected <= sim.stats.tampered,
            "seed {seed}: {:?}",
            sim.stats
        );
    } else if !twin {
        assert!(
            sim.rejected.is_empty(),
            "seed {seed}: honest validators rejected each other: {:?}",
            &sim.rejected[..sim.rejected.len().min(5)]
        );
        assert!(
            sim.evidence.is_empty(),
            "seed {seed}: evidence without a Byzantine validator"
        );
    }
    Outcome {
        height: sim.max_committed(),
        stats: sim.stats,
        recovery_ms: t - heal,
    }
}

fn seeds_from_env(default_count: u64) -> std::ops::Range<u64> {
    let start = std::env::var("SIM_SEED_START")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let count = std::env::var("SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default_count);
    start..start + count
}

fn run_seeds(algorithm: Algorithm, seeds: std::ops::Range<u64>, twin: bool) -> Stats {
    run_seeds_with(algorithm, seeds, twin, 0)
}

fn run_seeds_with(
    algorithm: Algorithm,
    seeds: std::ops::Range<u64>,
    twin: bool,
    tamper_per_mille: u64,
) -> Stats {
    let mut worst = 0;
    let mut heights = 0;
    let mut stats = Stats::default();
    for seed in seeds.clone() {
        let run =
            std::panic::catch_unwind(|| chaos_run_with(algorithm, seed, twin, tamper_per_mille));
        let outcome = run.unwrap_or_else(|e| {
            panic!(
                "{algorithm} seed {seed} (twin: {twin}, tamper: {tamper_per_mille}) failed: {}",
                panic_text(&*e)
            )
        });
        worst = worst.max(outcome.recovery_ms);
        heights += outcome.height;
        stats += outcome.stats;
    }
    eprintln!(
        "{algorithm}: {} seeds from {} (twin: {twin}, tamper: {tamper_per_mille}): {heights} heights, slowest recovery {worst} ms, {stats:?}",
        seeds.end - seeds.start,
        seeds.start
    );
    // The runs must exercise what they claim to.
    assert!(stats.view_changes > 0 && stats.sync_responses > 0 && stats.serve_sync > 0);
    assert!(stats.crashes > 0 && stats.partitions > 0 && stats.dropped > 0 && stats.duplicated > 0);
    stats
}

fn panic_text(e: &(dyn std::any::Any + Send)) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

const CHAOS_SEEDS: u64 = 300;
const TWIN_SEEDS: u64 = 100;
const TAMPER_SEEDS: u64 = 100;

pub fn chaos_seeds(algorithm: Algorithm) {
    run_seeds(algorithm, seeds_from_env(CHAOS_SEEDS), false);
}

pub fn chaos_seeds_second_batch(algorithm: Algorithm) {
    let range = seeds_from_env(CHAOS_SEEDS);
    run_seeds(algorithm, range.start + 10_000..range.end + 10_000, false);
}

/// One twin pair (at most f power): never a fork, and the equivocation is
/// caught as evidence.
pub fn twins_never_fork(algorithm: Algorithm) {
    let stats = run_seeds(algorithm, seeds_from_env(TWIN_SEEDS), true);
    assert!(stats.evidence > 0, "twins never equivocated");
}

/// Twins beyond f (two twin pairs of four validators), split so that each
/// side holds a quorum of keys: the two sides decide different blocks, and
/// the agreement check must see the fork. This proves the checker can see
/// forks, so its silence in the other runs means something.
pub fn twins_beyond_f_fork_is_detected(algorithm: Algorithm) {
    let run = std::panic::catch_unwind(|| {
        let mut options = SimOptions::new(4);
        options.algorithm = algorithm;
        options.twins = vec![0, 1];
        let mut sim = Sim::new(5, options);
        // Nodes 0..4 are the originals, 4 and 5 the twins of 0 and 1.
        // Side A: 0, 1, 2; side B: twin 0, twin 1, 3.
        sim.schedule_spec(0, EventSpec::Partition(vec![0, 0, 0, 1, 1, 1]));
        let mut t = 1;
        while t < 5_000 {
            sim.schedule_spec(t, EventSpec::Submit(Some(2)));
            sim.schedule_spec(t, EventSpec::Submit(Some(3)));
            t += 40;
        }
        sim.run_until(5_000);
        sim.max_committed()
    });
    match run {
        Ok(height) => panic!(
            "{algorithm}: twins beyond f committed up to height {height} with no fork detected"
        ),
        Err(e) => {
            let text = panic_text(&*e);
            assert!(
                text.contains("agreement violated"),
                "{algorithm}: the run failed, but not on agreement: {text}"
            );
        }
    }
}

pub fn tampered_messages_are_refused(algorithm: Algorithm) {
    let range = seeds_from_env(TAMPER_SEEDS);
    let stats = run_seeds_with(
        algorithm,
        range.start + 20_000..range.end + 20_000,
        false,
        50,
    );
    assert!(stats.tampered > 0 && stats.rejected > 0);
}

pub fn chaos_many_seeds(algorithm: Algorithm) {
    run_seeds(algorithm, seeds_from_env(20_000), false);
    run_seeds(algorithm, seeds_from_env(2_000), true);
    run_seeds_with(algorithm, seeds_from_env(2_000), false, 50);
}

/// Seeds of the long run that once stalled HotStuff: every validator
/// crashed while the highest QC's branch held two or more certified,
/// uncommitted blocks that lived only in memory. Kept for every algorithm.
pub fn whole_cluster_crash_seeds(algorithm: Algorithm) {
    for seed in [844, 863, 1539, 1591] {
        chaos_run_with(algorithm, seed, false, 0);
    }
    for seed in [20_535, 21_468] {
        chaos_run_with(algorithm, seed, false, 50);
    }
}

pub fn chaos_with_real_crypto_and_json(algorithm: Algorithm) {
    for seed in [1, 2] {
        let mut options = SimOptions::new(4);
        options.algorithm = algorithm;
        options.real_crypto = true;
        options.json = true;
        let mut sim = Sim::new(seed, options);
        for i in 0..4 {
            sim.schedule_spec(10 + i * 30, EventSpec::Submit(None));
        }
        sim.schedule_spec(40, EventSpec::Crash(1));
        sim.schedule_spec(900, EventSpec::Restart(1));
        sim.run_until(5_000);
        assert!(sim.converged(), "{}", sim.status_line());
        assert_eq!(sim.committed_ids(1).len(), 4, "{}", sim.status_line());
    }
}

/// A four-validator cluster with a steady client.
fn steady(algorithm: Algorithm, seed: u64, until: u64) -> Sim {
    let mut options = SimOptions::new(4);
    options.algorithm = algorithm;
    let mut sim = Sim::new(seed, options);
    let mut t = 10;
    while t < until {
        sim.schedule_spec(t, EventSpec::Submit(None));
        t += 50;
    }
    sim
}

pub fn leader_crash_view_change_then_commits_resume(algorithm: Algorithm) {
    let mut sim = steady(algorithm, 7, 6_000);
    sim.run_until(1_000);
    let before = sim.max_committed();
    assert!(
        before > 3,
        "commits before the crash: {}",
        sim.status_line()
    );
    // Whoever leads next on validator 0's view of things.
    let leader = usize::try_from(sim.current_leader(0)).unwrap();
    sim.schedule_spec(1_001, EventSpec::Crash(leader));
    let view_changes = sim.stats.view_changes;
    sim.run_until(3_000);
    // Leaders rotate, so the crashed validator's turns went through a view
    // (round) change.
    assert!(
        sim.stats.view_changes > view_changes,
        "no view change happened"
    );
    let after = sim.max_committed();
    assert!(
        after >= before + 5,
        "commits resumed only to {after} from {before}: {}",
        sim.status_line()
    );
    sim.schedule_spec(3_001, EventSpec::Restart(leader));
    sim.run_until(7_000);
    assert!(sim.converged(), "{}", sim.status_line());
}

pub fn partition_two_two_commits_nothing_then_heals(algorithm: Algorithm) {
    let mut sim = steady(algorithm, 11, 8_000);
    sim.run_until(500);
    let before = sim.max_committed();
    sim.schedule_spec(501, EventSpec::Partition(vec![0, 0, 1, 1]));
    sim.run_until(4_000);
    // In-flight messages may finish what was nearly decided at the split.
    assert!(
        sim.max_committed() <= before + 2,
        "a 2|2 split committed: {}",
        sim.status_line()
    );
    let stalled = sim.max_committed();
    sim.run_until(4_500);
    assert_eq!(sim.max_committed(), stalled);
    sim.schedule_spec(4_501, EventSpec::Heal);
    sim.run_until(20_000);
    assert!(
        sim.max_committed() > stalled + 5,
        "no commits after the heal: {}",
        sim.status_line()
    );
    assert!(sim.converged(), "{}", sim.status_line());
}

pub fn partition_one_three_majority_commits_minority_catches_up(algorithm: Algorithm) {
    let mut sim = steady(algorithm, 12, 6_000);
    sim.run_until(500);
    sim.schedule_spec(501, EventSpec::Partition(vec![0, 1, 1, 1]));
    sim.run_until(3_000);
    let majority = (1..4).map(|i| sim.committed_height(i)).min().unwrap();
    let minority = sim.committed_height(0);
    assert!(
        majority > minority + 5,
        "majority {majority}, minority {minority}: {}",
        sim.status_line()
    );
    sim.schedule_spec(3_001, EventSpec::Heal);
    sim.run_until(9_000);
    assert!(sim.converged(), "{}", sim.status_line());
    assert!(sim.committed_height(0) > majority);
}

/// A validator cut off while the others commit catches up after the heal
/// even though the chain keeps growing, with sync answers far smaller than
/// the gap. (On real processes HotStuff once failed exactly this: it chased
/// the tip instead of moving forward from its own height; see
/// `HotStuff::sync_from`. This scenario passed before that fix too: the
/// simulator's HotStuff keeps the proposals the real one dropped. The
/// regression test is the one-against-three schedule of tests/nemesis.rs.)
pub fn a_minority_catches_up_while_the_chain_keeps_growing(algorithm: Algorithm) {
    let mut options = SimOptions::new(4);
    options.algorithm = algorithm;
    // Far more blocks behind than one sync answer holds.
    options.config.max_sync_blocks = 4;
    options.config.sync_window = 8;
    let mut sim = Sim::new(15, options);
    let mut t = 10;
    while t < 12_000 {
        sim.schedule_spec(t, EventSpec::Submit(Some(1)));
        t += 20;
    }
    sim.run_until(500);
    sim.schedule_spec(501, EventSpec::Partition(vec![0, 1, 1, 1]));
    sim.run_until(4_000);
    let at_heal = (1..4).map(|i| sim.committed_height(i)).max().unwrap();
    assert!(
        at_heal > sim.committed_height(0) + 20,
        "the majority did not get far ahead: {}",
        sim.status_line()
    );
    sim.schedule_spec(4_001, EventSpec::Heal);
    // Still under load: the client submits until 12 s.
    sim.run_until(8_000);
    assert!(
        sim.committed_height(0) > at_heal,
        "validator 0 is at {} after the heal, the chain was at {at_heal} at the heal: {}",
        sim.committed_height(0),
        sim.status_line()
    );
}

pub fn long_outage_syncs_beyond_the_window_from_the_store(algorithm: Algorithm) {
    let mut options = SimOptions::new(4);
    options.algorithm = algorithm;
    options.config.sync_window = 3;
    options.config.max_sync_blocks = 2;
    options.config.max_batch = 1;
    let mut sim = Sim::new(13, options);
    let mut t = 10;
    while t < 4_000 {
        sim.schedule_spec(t, EventSpec::Submit(Some(1)));
        t += 40;
    }
    sim.schedule_spec(100, EventSpec::Crash(3));
    sim.schedule_spec(3_000, EventSpec::Restart(3));
    sim.run_until(2_999);
    assert!(sim.max_committed() > 20, "{}", sim.status_line());
    sim.run_until(8_000);
    assert!(sim.converged(), "{}", sim.status_line());
}

pub fn whole_cluster_restart_keeps_the_chain(algorithm: Algorithm) {
    let mut sim = steady(algorithm, 14, 3_000);
    sim.run_until(800);
    for node in 0..4 {
        sim.schedule_spec(801 + node as u64, EventSpec::Crash(node));
        sim.schedule_spec(1_200 + 7 * node as u64, EventSpec::Restart(node));
    }
    sim.run_until(6_000);
    assert!(sim.converged(), "{}", sim.status_line());
    assert!(sim.max_committed() > 20);
}

/// A validator set change under client load: the block that commits it is
/// the last of its epoch on every validator, every later block carries a
/// certificate of the next epoch (where validator 1's doubled power
/// counts), and a validator that crashes after the change comes back in
/// the new epoch and catches up.
pub fn set_change_starts_a_new_epoch_at_the_next_height(algorithm: Algorithm) {
    let mut sim = steady(algorithm, 21, 6_000);
    let epoch = sim.set.epoch;
    let change = SetChange::SetPower {
        id: sim.set.validators[1].id.clone(),
        power: 2,
    };
    let signed = change.approve(&governance_key(), &sim.set.chain_id, epoch);
    sim.submit_at(700, signed.proposal("set-change".to_string()));
    sim.schedule_spec(2_500, EventSpec::Crash(3));
    sim.schedule_spec(3_500, EventSpec::Restart(3));
    sim.run_until(8_000);
    assert!(sim.converged(), "{}", sim.status_line());
    let chain = sim.chain(0);
    let at = chain
        .iter()
        .position(|(b, _)| b.proposals.iter().any(|p| p.id == "set-change"))
        .unwrap_or_else(|| panic!("the change never committed: {}", sim.status_line()));
    assert!(chain.len() > at + 5, "commits go on: {}", sim.status_line());
    for (i, (block, qc)) in chain.iter().enumerate() {
        let want = if i <= at { epoch } else { epoch + 1 };
        assert_eq!(qc.epoch, want, "block {}", block.height);
    }
    for node in 0..4 {
        assert_eq!(sim.epoch_of(node), epoch + 1, "node {node}");
    }
}

/// A twin pair (validator 0 runs twice with one key: a Byzantine validator
/// of at most f power that equivocates by construction) while a validator
/// set change commits, under load and a network that delays and reorders:
/// every safety check holds throughout (no two honest validators commit
/// different blocks at a height), the change block ends its epoch on every
/// honest validator, every block after it carries a certificate of the next
/// epoch, and the honest validators converge. This is the setting of the
/// epoch-end fork (issue 16): a Byzantine leader of the height after the
/// change sending its proposal with the change block's certificate early.
pub fn twins_across_a_set_change_never_fork(algorithm: Algorithm) {
    for seed in 0..6u64 {
        let mut options = SimOptions::new(4);
        options.algorithm = algorithm;
        options.twins = vec![0];
        let mut sim = Sim::new(300 + seed, options);
        let epoch = sim.set.epoch;
        sim.schedule_spec(
            0,
            EventSpec::Net(Net {
                drop_per_mille: 0,
                dup_per_mille: 50,
                min_delay_ms: 1,
                max_delay_ms: 40,
            }),
        );
        let mut t = 10;
        while t < 5_000 {
            sim.schedule_spec(t, EventSpec::Submit(None));
            t += 30;
        }
        let change = SetChange::SetPower {
            id: sim.set.validators[1].id.clone(),
            power: 2,
        };
        let signed = change.approve(&governance_key(), &sim.set.chain_id, epoch);
        sim.submit_at(600 + 97 * seed, signed.proposal("set-change".to_string()));
        sim.schedule_spec(5_000, EventSpec::Net(Net::CALM));
        sim.run_until(12_000);
        assert!(sim.converged(), "seed {seed}: {}", sim.status_line());
        let honest = sim.honest_nodes();
        let chain = sim.chain(honest[0]);
        let at = chain
            .iter()
            .position(|(b, _)| b.proposals.iter().any(|p| p.id == "set-change"))
            .unwrap_or_else(|| {
                panic!(
                    "seed {seed}: the change never committed: {}",
                    sim.status_line()
                )
            });
        assert!(
            chain.len() > at + 3,
            "seed {seed}: commits go on: {}",
            sim.status_line()
        );
        for (i, (block, qc)) in chain.iter().enumerate() {
            let want = if i <= at { epoch } else { epoch + 1 };
            assert_eq!(qc.epoch, want, "seed {seed}: block {}", block.height);
        }
        for node in honest {
            assert_eq!(sim.epoch_of(node), epoch + 1, "seed {seed}: node {node}");
        }
    }
}

/// The same suite for every algorithm: one module of tests each.
macro_rules! algorithm_suite {
    ($name:ident, $algorithm:expr) => {
        mod $name {
            use super::*;

            #[test]
            fn chaos_seeds() {
                super::chaos_seeds($algorithm);
            }

            #[test]
            fn chaos_seeds_second_batch() {
                super::chaos_seeds_second_batch($algorithm);
            }

            #[test]
            fn twins_never_fork() {
                super::twins_never_fork($algorithm);
            }

            #[test]
            fn twins_beyond_f_fork_is_detected() {
                super::twins_beyond_f_fork_is_detected($algorithm);
            }

            #[test]
            fn tampered_messages_are_refused() {
                super::tampered_messages_are_refused($algorithm);
            }

            #[test]
            #[ignore = "long: many thousands of seeds (SIM_SEEDS / SIM_SEED_START to choose)"]
            fn chaos_many_seeds() {
                super::chaos_many_seeds($algorithm);
            }

            #[test]
            fn whole_cluster_crash_seeds() {
                super::whole_cluster_crash_seeds($algorithm);
            }

            #[test]
            fn chaos_with_real_crypto_and_json() {
                super::chaos_with_real_crypto_and_json($algorithm);
            }

            #[test]
            fn leader_crash_view_change_then_commits_resume() {
                super::leader_crash_view_change_then_commits_resume($algorithm);
            }

            #[test]
            fn partition_two_two_commits_nothing_then_heals() {
                super::partition_two_two_commits_nothing_then_heals($algorithm);
            }

            #[test]
            fn partition_one_three_majority_commits_minority_catches_up() {
                super::partition_one_three_majority_commits_minority_catches_up($algorithm);
            }

            #[test]
            fn a_minority_catches_up_while_the_chain_keeps_growing() {
                super::a_minority_catches_up_while_the_chain_keeps_growing($algorithm);
            }

            #[test]
            fn long_outage_syncs_beyond_the_window_from_the_store() {
                super::long_outage_syncs_beyond_the_window_from_the_store($algorithm);
            }

            #[test]
            fn twins_across_a_set_change_never_fork() {
                super::twins_across_a_set_change_never_fork($algorithm);
            }

            #[test]
            fn set_change_starts_a_new_epoch_at_the_next_height() {
                super::set_change_starts_a_new_epoch_at_the_next_height($algorithm);
            }

            #[test]
            fn whole_cluster_restart_keeps_the_chain() {
                super::whole_cluster_restart_keeps_the_chain($algorithm);
            }
        }
    };
}

algorithm_suite!(pbft, Algorithm::Pbft);
algorithm_suite!(tendermint, Algorithm::Tendermint);
algorithm_suite!(hotstuff, Algorithm::HotStuff);
