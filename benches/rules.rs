//! Criterion benches of the engine's pure cores: settling a full craps
//! layout, evaluating 7-card poker hands, a fair shuffle, and ledger batches.
//! `cargo bench --bench rules`.

use std::hint::black_box;

use bitcraps::services::game_engine::fairness::{RandomSource, Seeds};
use bitcraps::services::game_engine::games::ChipMove;
use bitcraps::services::game_engine::games::cards::Card;
use bitcraps::services::game_engine::games::craps::{BetKind, CrapsConfig, CrapsTable, Roll};
use bitcraps::services::game_engine::games::hand_eval::evaluate;
use bitcraps::services::game_engine::ledger::Ledger;
use criterion::{Criterion, criterion_group, criterion_main};

fn craps(c: &mut Criterion) {
    let seats = vec!["a".to_string(), "b".to_string()];
    let mut base = CrapsTable::new(CrapsConfig::default());
    base.seat_changed(&seats);
    for kind in BetKind::placeable() {
        for p in &seats {
            let _ = base.place(p, kind, 120);
        }
    }
    c.bench_function("craps: roll settling a full layout (2 players)", |b| {
        b.iter(|| {
            let mut t = base.clone();
            black_box(t.roll(black_box(Roll::new(3, 4)), &seats))
        })
    });
}

fn poker(c: &mut Criterion) {
    let seeds = Seeds {
        server_seed: [3; 32],
        client_seed: "bench".into(),
    };
    let hands: Vec<Vec<Card>> = (0..1024)
        .map(|n| {
            let mut d = Card::deck();
            seeds.shuffle(n, &mut d);
            d.truncate(7);
            d
        })
        .collect();
    let mut i = 0;
    c.bench_function("hand_eval: best hand of 7 cards", |b| {
        b.iter(|| {
            i = (i + 1) % hands.len();
            black_box(evaluate(black_box(&hands[i])))
        })
    });
    c.bench_function("fairness: shuffle a 6-deck shoe (312 cards)", |b| {
        let mut n = 0;
        b.iter(|| {
            n += 1;
            let mut shoe: Vec<Card> = (0..6).flat_map(|_| Card::deck()).collect();
            seeds.shuffle(n, &mut shoe);
            black_box(shoe)
        })
    });
}

fn ledger(c: &mut Criterion) {
    let mut l = Ledger::new(1_000_000_000);
    l.deposit("a", 1_000_000);
    let batch = vec![
        ChipMove::Stake {
            player: "a".into(),
            amount: 10,
        },
        ChipMove::Return {
            player: "a".into(),
            amount: 10,
        },
        ChipMove::Pay {
            player: "a".into(),
            amount: 10,
        },
    ];
    c.bench_function("ledger: apply a 3-move batch", |b| {
        b.iter(|| {
            let mut x = l.clone();
            black_box(x.apply(black_box(&batch)))
        })
    });
}

criterion_group!(benches, craps, poker, ledger);
criterion_main!(benches);
