//! Seats, decks and config; and random legal play: chips are conserved,
//! no stack goes negative, every hand ends, refused actions change nothing.

use proptest::prelude::*;

use super::tests::Game;
use super::*;
use PokerAction::{AllIn, Bet, Call, Check, Fold, Raise};

#[test]
fn seats_decks_and_config_are_checked() {
    let bad = PokerConfig {
        small_blind: 10,
        big_blind: 5,
        max_seats: 6,
    };
    assert!(matches!(bad.validate(), Err(RuleError::Invalid(m)) if m.contains("big_blind")));
    let bad = PokerConfig {
        small_blind: 0,
        ..PokerConfig::default()
    };
    assert!(matches!(bad.validate(), Err(RuleError::Invalid(m)) if m.contains("small_blind")));
    let bad = PokerConfig {
        max_seats: 11,
        ..PokerConfig::default()
    };
    assert!(matches!(bad.validate(), Err(RuleError::Invalid(m)) if m.contains("max_seats")));
    let cfg: PokerConfig = serde_json::from_str(r#"{"big_blind": 50}"#).unwrap();
    assert_eq!((cfg.small_blind, cfg.big_blind), (1, 50));

    let mut t = PokerTable::new(PokerConfig {
        max_seats: 2,
        ..PokerConfig::default()
    });
    t.sit("alice").unwrap();
    assert!(matches!(t.sit("alice"), Err(RuleError::NotNow(_))));
    assert!(matches!(t.sit(" "), Err(RuleError::Invalid(_))));
    t.sit("bob").unwrap();
    assert!(matches!(t.sit("carol"), Err(RuleError::NotNow(_))), "full");
    let stacks: BTreeMap<String, Chips> = [("alice".into(), 100), ("bob".into(), 100)].into();
    let mut short = Card::deck();
    short.pop();
    assert!(matches!(
        t.start_hand(short, &stacks),
        Err(RuleError::Invalid(_))
    ));
    let mut dup = Card::deck();
    dup[51] = dup[0];
    assert!(matches!(
        t.start_hand(dup, &stacks),
        Err(RuleError::Invalid(_))
    ));
    assert!(!t.hand_in_progress());

    // Leaving mid-hand: refused until the player folds.
    let mut g = Game::new(5, 10, &[("alice", 100), ("bob", 100), ("carol", 100)]);
    g.start(Card::deck());
    assert!(matches!(g.table.leave("alice"), Err(RuleError::NotNow(_))));
    g.act("alice", Fold);
    g.table.leave("alice").unwrap();
    g.table.sit("dave").unwrap();
    let v = g.table.view(None);
    assert_eq!(
        v.seats.last().map(|s| (s.player.as_str(), s.seated)),
        Some(("alice", false))
    );
    g.act("bob", Fold);
    assert!(!g.table.hand_in_progress());
    g.ledger.insert("dave".into(), 100);
    // alice had the button; the next seat (bob) takes it.
    let o = g.start(Card::deck());
    assert!(matches!(&o.events[0], PokerEvent::HandStarted { button, .. } if button == "bob"));
}

/// A tiny deterministic generator for the property test's choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn random_action(rng: &mut Rng, stack: Chips) -> PokerAction {
    match rng.below(12) {
        0 => Fold,
        1..=3 => Check,
        4..=6 => Call,
        7 | 8 => Bet {
            amount: rng.below(stack + 20),
        },
        9 | 10 => Raise {
            to: rng.below(stack + 40),
        },
        _ => AllIn,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn random_play_conserves_chips_and_always_ends(
        stacks in proptest::collection::vec(0u64..400, 2..=7),
        decks in proptest::collection::vec(Just(Card::deck()).prop_shuffle(), 6),
        sb in 1u64..6,
        extra in 0u64..10,
        seed in 1u64..u64::MAX,
    ) {
        let names: Vec<String> = (0..stacks.len()).map(|i| format!("p{i}")).collect();
        let players: Vec<(&str, Chips)> =
            names.iter().map(String::as_str).zip(stacks.iter().copied()).collect();
        let mut g = Game::new(sb, sb + extra, &players);
        let total: Chips = stacks.iter().sum();
        let mut rng = Rng(seed);
        for deck in decks {
            let Ok(o) = g.table.start_hand(deck, &g.ledger) else {
                prop_assert!(g.ledger.values().filter(|s| **s > 0).count() < 2);
                break;
            };
            g.settle(&o);
            let mut last = o;
            let mut steps = 0;
            while !last.hand_over {
                steps += 1;
                prop_assert!(steps < 500, "the hand did not end");
                let p = g.to_act().map(str::to_string);
                prop_assert!(p.is_some(), "a hand in progress has someone to act");
                let p = p.unwrap_or_default();
                prop_assert_eq!(last.to_act.as_deref(), Some(p.as_str()));
                let stack = g.stack(&p);
                let mut outcome = None;
                for _ in 0..8 {
                    let a = random_action(&mut rng, stack);
                    let before = g.table.clone();
                    match g.table.act(&p, a, &g.ledger) {
                        Ok(o) => { outcome = Some(o); break; }
                        Err(_) => prop_assert_eq!(&g.table, &before),
                    }
                }
                let o = match outcome {
                    Some(o) => o,
                    None => g.table.act(&p, Fold, &g.ledger).map_err(|e| TestCaseError::fail(e.to_string()))?,
                };
                g.settle(&o);
                let on_table: Chips = g.ledger.values().sum();
                prop_assert_eq!(on_table + g.table.chips_in_play(), total);
                prop_assert!(serde_json::to_string(&g.table.view(Some(&p))).is_ok());
                last = o;
            }
            prop_assert_eq!(g.table.chips_in_play(), 0);
            prop_assert_eq!(g.ledger.values().sum::<Chips>(), total);
            for b in &last.busted {
                prop_assert_eq!(g.stack(b), 0);
                g.table.leave(b).map_err(|e| TestCaseError::fail(e.to_string()))?;
            }
            let round_trip: PokerTable = serde_json::from_str(
                &serde_json::to_string(&g.table).map_err(|e| TestCaseError::fail(e.to_string()))?,
            ).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&round_trip, &g.table);
        }
    }
}
