//! Criterion benches of the gateway's pure cores: choosing an instance
//! (every balancer strategy), the per-client rate limit (GCRA) and circuit
//! breaker transitions; plus 5-card hand evaluation. `cargo bench --bench
//! gateway_cores`.

use std::hint::black_box;
use std::time::Duration;

use bitcraps::services::api_gateway::ratelimit::Gcra;
use bitcraps::services::game_engine::fairness::{RandomSource, Seeds};
use bitcraps::services::game_engine::games::cards::Card;
use bitcraps::services::game_engine::games::hand_eval::evaluate;
use bitcraps::upstream::balancer::{Balancer, Candidate, Key, Strategy};
use bitcraps::upstream::breaker::{Breaker, BreakerPolicy};
use criterion::{Criterion, criterion_group, criterion_main};

fn balancer(c: &mut Criterion) {
    // Eight instances, one unavailable, uneven weights and loads.
    let candidates: Vec<Candidate> = (0..8u32)
        .map(|i| Candidate {
            available: i != 3,
            weight: 1 + i % 3,
            in_flight: (i * 7) % 5,
            id: u64::from(i),
        })
        .collect();
    let clients: Vec<String> = (0..256)
        .map(|i| format!("10.0.{}.{}", i / 16, i % 16))
        .collect();
    for (name, strategy) in [
        ("round_robin", Strategy::RoundRobin),
        ("weighted", Strategy::Weighted),
        ("least_connections", Strategy::LeastConnections),
        ("ip_hash", Strategy::IpHash),
        ("random", Strategy::Random),
    ] {
        let mut b = Balancer::default();
        let mut n = 0u64;
        c.bench_function(&format!("balancer: {name} over 8 instances"), |bench| {
            bench.iter(|| {
                n = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let key = Key {
                    affinity: Some(&clients[(n % 256) as usize]),
                    random: n,
                };
                black_box(b.choose(strategy, black_box(&candidates), key))
            })
        });
    }
}

fn rate_limit(c: &mut Criterion) {
    // The GCRA arithmetic every request goes through (time is passed in).
    let quota = Gcra::new(1_000, Duration::from_secs(60));
    let mut tat = None;
    let mut now = 0u64;
    c.bench_function("rate limit: GCRA decision, allowed", |b| {
        b.iter(|| {
            now += 60_000_000; // one request per quota period: always allowed
            let (d, next) = quota.check(black_box(tat), black_box(now));
            tat = Some(next);
            black_box(d)
        })
    });
    let tight = Gcra::new(1, Duration::from_secs(3600));
    let (_, full) = tight.check(None, 0);
    c.bench_function("rate limit: GCRA decision, refused with the wait", |b| {
        b.iter(|| black_box(tight.check(black_box(Some(full)), black_box(1))))
    });
}

fn breaker(c: &mut Criterion) {
    let p = BreakerPolicy {
        failure_threshold: 5,
        cool_down_ms: 1000,
        half_open_probes: 1,
    };
    c.bench_function("breaker: closed request and success", |b| {
        let mut br = Breaker::default();
        b.iter(|| {
            let ticket = br.acquire(black_box(1), &p);
            if let Some(t) = ticket {
                br.on_success(t, &p);
            }
            black_box(ticket)
        })
    });
    c.bench_function(
        "breaker: full cycle (5 failures open, cool-down, probe closes)",
        |b| {
            let mut now = 0u64;
            let mut br = Breaker::default();
            b.iter(|| {
                for _ in 0..5 {
                    if let Some(t) = br.acquire(now, &p) {
                        br.on_failure(t, now, &p);
                    }
                }
                let refused = br.acquire(now + 1, &p).is_none();
                now += 1001;
                let probe = br.acquire(now, &p);
                if let Some(t) = probe {
                    br.on_success(t, &p);
                }
                black_box((refused, probe, br.state(now, &p)))
            })
        },
    );
}

fn hands(c: &mut Criterion) {
    let seeds = Seeds {
        server_seed: [5; 32],
        client_seed: "bench".into(),
    };
    let hands: Vec<Vec<Card>> = (0..1024)
        .map(|n| {
            let mut d = Card::deck();
            seeds.shuffle(n, &mut d);
            d.truncate(5);
            d
        })
        .collect();
    let mut i = 0;
    c.bench_function("hand_eval: 5-card hand", |b| {
        b.iter(|| {
            i = (i + 1) % hands.len();
            black_box(evaluate(black_box(&hands[i])))
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    targets = balancer, rate_limit, breaker, hands
}
criterion_main!(benches);
