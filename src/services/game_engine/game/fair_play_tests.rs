//! Nothing is drawn that can be refused (issue 14): an action that draws
//! (a roll, a shuffle, a card) is either refused before any randomness is
//! used, for a reason that does not depend on what would be drawn, or it
//! succeeds. Each test plays the same state against different draws (other
//! server seeds, other orders of the unseen cards) and requires the same
//! answer: the same acceptance and, when refused, the same error text and
//! an unchanged game.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::services::game_engine::games::ChipMove;
use crate::services::game_engine::games::blackjack::Phase as BjPhase;

const BIG: Chips = 2_000_000_000;

/// A game on a seed chain (`chain`, the scheme of every new game) or on
/// one server seed for the whole game (games stored before chains).
fn create(
    chain: bool,
    game_type: GameType,
    players: &[(&str, Chips)],
    config: Value,
    seed: [u8; 32],
) -> Game {
    let req = CreateGame {
        game_type,
        players: players
            .iter()
            .map(|(id, b)| PlayerBuyIn {
                id: id.to_string(),
                buy_in: *b,
            })
            .collect(),
        config,
        client_seed: None,
    };
    let length = chain.then_some(64);
    anchored(
        Game::open_with("g".into(), &req, seed, 0, 8, HOUSE_BANKROLL, length)
            .unwrap()
            .0,
    )
}

/// Shrinks the house bankroll (keeping the ledger's books balanced) so
/// that small bets reach it.
fn with_house(mut g: Game, house: Chips) -> Game {
    g.ledger.deposits -= u128::from(g.ledger.house) - u128::from(house);
    g.ledger.house = house;
    assert!(g.ledger.conserved());
    g
}

/// The same game with another server seed: every later draw differs (on
/// a chain, the round in play draws with the new chain's link).
fn reseeded(g: &Game, seed: [u8; 32]) -> Game {
    let mut h = g.clone();
    h.fairness.server_seed = hex::encode(seed);
    if let Some(chain) = h.fairness.chain.as_mut() {
        chain.cache = Default::default();
        let length = chain.length;
        if let Some(r) = chain
            .rounds
            .last_mut()
            .filter(|r| !r.ended())
            .map(std::sync::Arc::make_mut)
        {
            r.link = hex::encode(crate::services::game_engine::fairness::chain_link(
                &seed, length, r.round,
            ));
            // The variant really draws differently (else the tests that use
            // it would prove nothing on chain games).
            if hex::encode(seed) != g.fairness.server_seed {
                assert_ne!(next_seeds(&h).server_seed, next_seeds(g).server_seed);
            }
        }
    }
    h
}

/// The seeds the game's next draw uses.
fn next_seeds(g: &Game) -> crate::services::game_engine::fairness::Seeds {
    match g.round_seeds() {
        Some(seeds) => seeds.unwrap(),
        None => g.fairness.seeds().unwrap(),
    }
}

/// What a player learns from an answer: accepted, or the refusal's text.
fn answer(r: &Result<Vec<Event>, GameError>) -> Result<(), String> {
    r.as_ref().map(|_| ()).map_err(|e| e.to_string())
}

/// Applies `action` to `g` and to every variant of `g` (same state, other
/// draws); every answer must be the same, and a refusal must leave each
/// game exactly as it was (draw count included).
fn same_answer_whatever_the_draw(
    g: &mut Game,
    variants: Vec<Game>,
    player: &str,
    action: &Value,
) -> Result<Vec<Event>, GameError> {
    let before = g.clone();
    let r = g.apply(player, action, 1);
    assert!(
        !matches!(r, Err(GameError::Invariant(_))),
        "{action} broke an invariant: {r:?}"
    );
    if r.is_err() {
        assert_eq!(*g, before, "a refused {action} changed the game");
    }
    for mut v in variants {
        let v_before = v.clone();
        let rv = v.apply(player, action, 1);
        assert_eq!(
            answer(&r),
            answer(&rv),
            "{action} by {player}: the answer depends on the next draw"
        );
        if rv.is_err() {
            assert_eq!(v, v_before, "a refused {action} changed the game");
        }
    }
    r
}

fn seeds() -> impl Iterator<Item = [u8; 32]> {
    (0u8..48).map(|i| [i; 32])
}

fn big_craps(chain: bool, seed: [u8; 32]) -> Game {
    create(
        chain,
        GameType::Craps,
        &[("alice", BIG)],
        json!({ "min_bet": 1, "max_bet": 1_000_000_000 }),
        seed,
    )
}

/// The outside tester's sequence: any_7 for more than the bankroll can pay
/// at 4:1, then roll. Whatever the next roll is (48 seeds give sevens and
/// non-sevens), the answers are the same, and the bet is refused at bet
/// time with 422.
#[test]
fn an_uncovered_any_7_is_refused_at_bet_time_whatever_the_next_roll() {
    for chain in [true, false] {
        let mut sevens = 0;
        let mut answers = std::collections::BTreeSet::new();
        for seed in seeds() {
            let mut g = big_craps(chain, seed);
            if let (a, b) = next_seeds(&g).dice(0)
                && a + b == 7
            {
                sevens += 1;
            }
            let bet = g.apply(
                "alice",
                &json!({"type": "bet", "bet": "any_7", "amount": 400_000_000}),
                1,
            );
            let roll = g.apply("alice", &json!({"type": "roll"}), 2);
            answers.insert((answer(&bet), answer(&roll)));
            let err = bet.unwrap_err();
            assert!(
                matches!(err, GameError::Exposure { .. }),
                "refused at bet time for the exposure: {err:?}"
            );
            assert_eq!(
                err.to_string(),
                "any_7 for 400000000 would put the table's worst-case payout on one roll at \
             1600000000 chips; the house bankroll backing the table is 1000000000"
            );
            assert!(g.fairness.draws.len() == 1, "the roll itself went ahead");
        }
        assert!(
            sevens > 0 && sevens < 48,
            "both kinds of next roll were tried"
        );
        assert_eq!(answers.len(), 1, "{answers:?}");
    }
}

/// Just under the limit (4 x 250000000 = the whole bankroll): accepted,
/// and the roll settles whatever it is.
#[test]
fn a_covered_any_7_rolls_and_settles_whatever_the_dice() {
    for chain in [true, false] {
        for seed in seeds() {
            let mut g = big_craps(chain, seed);
            g.apply(
                "alice",
                &json!({"type": "bet", "bet": "any_7", "amount": 250_000_000}),
                1,
            )
            .unwrap();
            let over = g.apply(
                "alice",
                &json!({"type": "bet", "bet": "any_7", "amount": 1}),
                1,
            );
            assert!(matches!(over, Err(GameError::Exposure { .. })), "{over:?}");
            g.apply("alice", &json!({"type": "roll"}), 2).unwrap();
            assert_eq!(g.fairness.draws.len(), 1);
            assert!(g.ledger.conserved());
        }
    }
}

/// A place bet that keeps winning drains the house: once the bets on the
/// layout could take more than is left, the roll is refused before the
/// dice are drawn (409), and the same way whatever the dice would be.
#[test]
fn a_roll_the_house_could_not_cover_is_refused_before_the_draw() {
    for chain in [true, false] {
        let g = create(
            chain,
            GameType::Craps,
            &[("alice", 10_000)],
            json!({ "min_bet": 1, "max_bet": 1_000 }),
            [1; 32],
        );
        let mut g = with_house(g, 1_500);
        // 4 x 300 = 1200: covered.
        g.apply(
            "alice",
            &json!({"type": "bet", "bet": "any_7", "amount": 300}),
            1,
        )
        .unwrap();
        // Drain the bankroll behind the table's back, as wins on bets that stay
        // up would: 500 left cannot cover the 1200 a seven would pay.
        g.ledger.house -= 1_000;
        g.ledger.deposits -= 1_000;
        let variants = seeds().map(|s| reseeded(&g, s)).collect();
        let err =
            same_answer_whatever_the_draw(&mut g, variants, "alice", &json!({"type": "roll"}))
                .unwrap_err();
        assert!(matches!(err, GameError::Uncovered { .. }), "{err:?}");
        assert!(g.fairness.draws.is_empty());
    }
}

/// Blackjack: a bet whose best possible round (a blackjack, doubles,
/// splits to max_hands, insurance) the house could not pay is refused at
/// bet time, and the deal and the round then settle whatever the cards.
#[test]
fn blackjack_bets_are_covered_before_the_shoe_is_drawn() {
    for chain in [true, false] {
        let config =
            json!({"decks": 1, "reshuffle_at": 20, "min_bet": 1, "max_bet": 1_000_000_000});
        let mut answers = std::collections::BTreeSet::new();
        for seed in seeds() {
            let g = create(
                chain,
                GameType::Blackjack,
                &[("alice", BIG), ("bob", BIG)],
                config.clone(),
                seed,
            );
            let mut g = with_house(g, 1_000);
            let over = g.apply("alice", &json!({"type": "bet", "amount": 126}), 1);
            answers.insert(answer(&over));
            let err = over.unwrap_err();
            assert!(matches!(err, GameError::Exposure { .. }), "{err:?}");
            // 8 x 125 = 1000: four split hands, each doubled.
            g.apply("alice", &json!({"type": "bet", "amount": 125}), 1)
                .unwrap();
            assert!(
                g.apply("bob", &json!({"type": "bet", "amount": 1}), 1)
                    .is_err()
            );
            play_round(&mut g, "alice");
            assert!(g.ledger.conserved());
        }
        assert_eq!(answers.len(), 1, "{answers:?}");
    }
}

/// A double or a split the player cannot pay for is refused before the
/// card it would take, with the same text whatever that card is.
#[test]
fn a_double_without_the_chips_is_refused_whatever_the_next_card() {
    for chain in [true, false] {
        let config = json!({"decks": 1, "reshuffle_at": 20, "min_bet": 1, "max_bet": 100});
        let mut tried = 0;
        for seed in seeds() {
            let mut g = create(
                chain,
                GameType::Blackjack,
                &[("alice", 10)],
                config.clone(),
                seed,
            );
            g.apply("alice", &json!({"type": "bet", "amount": 6}), 1)
                .unwrap();
            g.apply("alice", &json!({"type": "deal"}), 2).unwrap();
            let Table::Blackjack(t) = &g.table else {
                unreachable!()
            };
            if t.phase() != BjPhase::PlayerTurns {
                continue;
            }
            tried += 1;
            let variants = (0..8u64)
                .map(|k| {
                    let mut v = g.clone();
                    if let Table::Blackjack(t) = &mut v.table {
                        t.permute_unseen(k);
                    }
                    v
                })
                .collect();
            let err = same_answer_whatever_the_draw(
                &mut g,
                variants,
                "alice",
                &json!({"type": "double"}),
            )
            .unwrap_err();
            assert_eq!(err.to_string(), "alice has 4 chips; 6 are needed");
        }
        assert!(tried > 10, "{tried}");
    }
}

/// Deals, then plays every decision greedily (insurance, split, double)
/// until the round is over: nothing may be refused after cards are out.
fn play_round(g: &mut Game, player: &str) {
    g.apply(player, &json!({"type": "deal"}), 2).unwrap();
    for _ in 0..40 {
        let Table::Blackjack(t) = &g.table else {
            unreachable!()
        };
        if t.phase() == BjPhase::Betting {
            return;
        }
        let tried = [
            json!({"type": "insurance", "amount": 62}),
            json!({"type": "split"}),
            json!({"type": "double"}),
            json!({"type": "stand"}),
        ];
        let ok = tried.iter().any(|a| g.apply(player, a, 3).is_ok());
        assert!(ok, "no decision was accepted");
    }
    panic!("the round did not end");
}

// ---------------------------------------------------------------------------
// Properties over random play.

fn craps_action(op: u8, kind: usize, amount: Chips) -> Value {
    let kinds = crate::services::game_engine::games::craps::BetKind::placeable();
    let kind = kinds[kind % kinds.len()];
    match op % 4 {
        0 | 1 => json!({"type": "bet", "bet": kind, "amount": amount}),
        2 => json!({"type": "remove", "bet": kind}),
        _ => json!({"type": "roll"}),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Craps: at every step of random play against a small bankroll, each
    /// action (rolls included) gets the same answer whatever the next dice.
    #[test]
    fn craps_answers_never_depend_on_the_next_roll(
        seed in any::<u8>(),
        chain in any::<bool>(),
        house in 0u64..20_000,
        steps in proptest::collection::vec((0usize..2, any::<u8>(), any::<usize>(), 1u64..600), 1..80),
    ) {
        let g = create(
            chain,
            GameType::Craps,
            &[("alice", 50_000), ("bob", 50_000)],
            json!({ "min_bet": 1, "max_bet": 500 }),
            [seed; 32],
        );
        let mut g = with_house(g, house);
        for (who, op, kind, amount) in steps {
            let action = craps_action(op, kind, amount);
            let player = if action["type"] == "roll" {
                let Table::Craps(t) = &g.table else { unreachable!() };
                t.shooter.clone().unwrap_or_default()
            } else {
                ["alice", "bob"][who].to_string()
            };
            let variants = (1..4u8).map(|k| reseeded(&g, [seed.wrapping_add(k); 32])).collect();
            let _ = same_answer_whatever_the_draw(&mut g, variants, &player, &action);
            prop_assert!(g.ledger.conserved());
        }
    }

    /// Blackjack: the same for bets, deals (new shoes) and every decision;
    /// mid-round, the variants have the unseen cards in other orders.
    #[test]
    fn blackjack_answers_never_depend_on_unseen_cards(
        seed in any::<u8>(),
        chain in any::<bool>(),
        house in 0u64..400,
        steps in proptest::collection::vec((0usize..2, 0u8..9, 1u64..200), 1..80),
    ) {
        let g = create(
            chain,
            GameType::Blackjack,
            &[("alice", 5_000), ("bob", 5_000)],
            json!({"decks": 1, "reshuffle_at": 20, "min_bet": 1, "max_bet": 200}),
            [seed; 32],
        );
        let mut g = with_house(g, house);
        for (who, op, amount) in steps {
            let player = ["alice", "bob"][who];
            let action = match op {
                0 => json!({"type": "bet", "amount": amount}),
                1 => json!({"type": "deal"}),
                2 => json!({"type": "hit"}),
                3 => json!({"type": "stand"}),
                4 => json!({"type": "double"}),
                5 => json!({"type": "split"}),
                6 => json!({"type": "insurance", "amount": amount / 4 + 1}),
                7 => json!({"type": "decline_insurance"}),
                _ => json!({"type": "surrender"}),
            };
            let variants = (1..4u64)
                .map(|k| {
                    let mut v = reseeded(&g, [seed.wrapping_add(k as u8); 32]);
                    if let Table::Blackjack(t) = &mut v.table {
                        t.permute_unseen(u64::from(seed) * 7919 + k);
                    }
                    v
                })
                .collect();
            let _ = same_answer_whatever_the_draw(&mut g, variants, player, &action);
            prop_assert!(g.ledger.conserved());
        }
    }

    /// Hold'em: the house pays nothing (chips only move between players and
    /// the pot), so there is no exposure to check; whether a hand may be
    /// dealt never depends on the shuffle.
    #[test]
    fn holdem_moves_no_house_chips_and_deals_whatever_the_shuffle(
        seed in any::<u8>(),
        chain in any::<bool>(),
        steps in proptest::collection::vec((0usize..3, 0u8..7, 1u64..300), 1..80),
    ) {
        let mut g = create(
            chain,
            GameType::Poker,
            &[("alice", 500), ("bob", 500), ("carol", 500)],
            json!({"small_blind": 5, "big_blind": 10}),
            [seed; 32],
        );
        let house = g.ledger.house;
        for (who, op, amount) in steps {
            let player = ["alice", "bob", "carol"][who];
            if !g.seats.iter().any(|s| s == player) {
                continue;
            }
            let action = match op {
                0 => json!({"type": "deal"}),
                1 => json!({"type": "fold"}),
                2 => json!({"type": "check"}),
                3 => json!({"type": "call"}),
                4 => json!({"type": "bet", "amount": amount}),
                5 => json!({"type": "raise", "to": amount}),
                _ => json!({"type": "all_in"}),
            };
            let variants = if op == 0 {
                (1..4u8).map(|k| reseeded(&g, [seed.wrapping_add(k); 32])).collect()
            } else {
                Vec::new()
            };
            if let Ok(events) = same_answer_whatever_the_draw(&mut g, variants, player, &action) {
                for m in events.iter().flat_map(|e| &e.moves) {
                    prop_assert!(
                        matches!(m, ChipMove::Stake { .. } | ChipMove::Return { .. }),
                        "the house took part in a hand: {m:?}"
                    );
                }
            }
            prop_assert_eq!(g.ledger.house, house);
            if g.status == GameStatus::Finished {
                break;
            }
        }
    }
}
