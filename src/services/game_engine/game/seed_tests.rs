//! Commit first, then seeds; anchored before the first draw (issue 14).
//! The server's commitment exists before any client seed is taken; every
//! seated player may add one until the first draw, and every draw uses all
//! of them in the order accepted; nothing is drawn before the commitment is
//! in a committed block.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::services::game_engine::fairness::commitment;

fn request(game_type: GameType, players: &[&str], client_seed: Option<&str>) -> CreateGame {
    CreateGame {
        game_type,
        players: players
            .iter()
            .map(|id| PlayerBuyIn {
                id: id.to_string(),
                buy_in: 1000,
            })
            .collect(),
        config: Value::Null,
        client_seed: client_seed.map(str::to_string),
    }
}

fn new_game(game_type: GameType, players: &[&str]) -> Game {
    Game::create(
        "g".into(),
        &request(game_type, players, None),
        [3; 32],
        0,
        8,
    )
    .unwrap()
    .0
}

fn seed(g: &mut Game, player: &str, s: &str) -> Result<Vec<Event>, GameError> {
    g.apply(player, &json!({"type": "seed", "client_seed": s}), 1)
}

fn roll(g: &mut Game) -> Result<Vec<Event>, GameError> {
    let shooter = match &g.table {
        Table::Craps(t) => t.shooter.clone().unwrap(),
        _ => unreachable!(),
    };
    g.apply(&shooter, &json!({"type": "roll"}), 2)
}

/// Applies `action` expecting a refusal; the game must be unchanged.
fn refused(g: &mut Game, player: &str, action: Value) -> GameError {
    let before = g.clone();
    let err = g.apply(player, &action, 3).unwrap_err();
    assert_eq!(*g, before, "a refused {action} changed the game");
    err
}

#[test]
fn no_client_seed_is_taken_before_the_commitment_exists() {
    // The server seed is chosen after the request arrives, so a client seed
    // in the request is one the server could have ground against: refused.
    let err = Game::create(
        "g".into(),
        &request(GameType::Craps, &["alice"], Some("mine")),
        [3; 32],
        0,
        8,
    )
    .unwrap_err();
    assert!(matches!(err, GameError::BadRequest(_)), "{err:?}");
    assert!(err.to_string().contains("\"seed\""), "{err}");
    // Created without one, the game publishes its commitment and has no
    // client seed at all yet.
    let g = new_game(GameType::Craps, &["alice"]);
    assert_eq!(g.fairness.commitment, hex::encode(commitment(&[3; 32])));
    assert!(g.fairness.contributions.is_empty());
    assert!(g.fairness.legacy_client_seed.is_none());
}

#[test]
fn every_seated_player_contributes_and_the_draw_uses_them_all_in_order() {
    let mut g = anchored(new_game(GameType::Craps, &["alice"]));
    seed(&mut g, "alice", "a-seed").unwrap();
    let ev = g
        .apply(
            "bob",
            &json!({"type": "join", "buy_in": 100, "client_seed": "b-seed"}),
            1,
        )
        .unwrap();
    assert_eq!(ev[0].kind, "joined");
    assert_eq!(ev[1].kind, "seeded");
    // carol contributes nothing: she is protected by alice and bob.
    g.apply("carol", &json!({"type": "join", "buy_in": 100}), 1)
        .unwrap();
    let mixed = mix([("alice", "a-seed"), ("bob", "b-seed")]);
    assert_eq!(g.fairness.client_seed(), mixed);
    assert_eq!(ev[1].data["mixed"], json!(mixed));
    roll(&mut g).unwrap();
    let s = Seeds {
        server_seed: [3; 32],
        client_seed: mixed.clone(),
    };
    let (a, b) = s.dice(0);
    assert_eq!(g.fairness.draws[0].result, json!([a, b]));
    let proof = g.proof();
    assert_eq!(proof["client_seed"], json!(mixed));
    assert_eq!(proof["seed_scheme"], "contributions");
    assert_eq!(proof["commitment_height"], 1);
    let c = proof["contributions"].as_array().unwrap();
    assert_eq!(c.len(), 2);
    assert_eq!(
        (&c[0]["player"], &c[0]["client_seed"]),
        (&json!("alice"), &json!("a-seed"))
    );
    assert_eq!(
        (&c[1]["player"], &c[1]["client_seed"]),
        (&json!("bob"), &json!("b-seed"))
    );
    assert!(c[0]["seq"].as_u64() < c[1]["seq"].as_u64());
    // The other order is another client seed: order is part of the rule.
    assert_ne!(mix([("bob", "b-seed"), ("alice", "a-seed")]), mixed);
}

#[test]
fn a_seed_after_the_first_draw_is_refused_and_changes_nothing() {
    let mut g = anchored(new_game(GameType::Craps, &["alice", "bob"]));
    seed(&mut g, "alice", "early").unwrap();
    roll(&mut g).unwrap();
    let err = refused(
        &mut g,
        "bob",
        json!({"type": "seed", "client_seed": "late"}),
    );
    assert!(
        matches!(err, GameError::Rule(RuleError::NotNow(_))),
        "{err:?}"
    );
    assert!(err.to_string().contains("first draw"), "{err}");
    // A join that carries a seed is refused whole: no seat without it.
    let err = refused(
        &mut g,
        "carol",
        json!({"type": "join", "buy_in": 10, "client_seed": "late"}),
    );
    assert!(
        matches!(err, GameError::Rule(RuleError::NotNow(_))),
        "{err:?}"
    );
    // Joining without one is still fine.
    g.apply("carol", &json!({"type": "join", "buy_in": 10}), 4)
        .unwrap();
}

#[test]
fn contributions_are_checked_before_they_are_kept() {
    let mut g = anchored(new_game(GameType::Craps, &["alice"]));
    assert!(matches!(
        refused(
            &mut g,
            "mallory",
            json!({"type": "seed", "client_seed": "x"})
        ),
        GameError::UnknownPlayer(_)
    ));
    for bad in [
        json!({"type": "seed"}),
        json!({"type": "seed", "client_seed": 7}),
        json!({"type": "seed", "client_seed": ""}),
        json!({"type": "seed", "client_seed": "x".repeat(257)}),
    ] {
        assert!(
            matches!(
                refused(&mut g, "alice", bad.clone()),
                GameError::BadRequest(_)
            ),
            "{bad}"
        );
    }
    seed(&mut g, "alice", &"x".repeat(256)).unwrap();
    assert!(matches!(
        refused(
            &mut g,
            "alice",
            json!({"type": "seed", "client_seed": "again"})
        ),
        GameError::Rule(RuleError::NotNow(_))
    ));
    // A finished game takes no seed.
    g.apply("alice", &json!({"type": "leave"}), 5).unwrap();
    assert!(matches!(
        seed(&mut g, "alice", "z"),
        Err(GameError::Finished)
    ));
}

#[test]
fn nothing_is_drawn_before_the_commitment_is_anchored() {
    // Craps: the roll is refused before the dice, and changes nothing.
    let mut g = new_game(GameType::Craps, &["alice"]);
    // Seeds are welcome while the anchor is on its way.
    seed(&mut g, "alice", "s").unwrap();
    g.apply(
        "alice",
        &json!({"type": "bet", "bet": "pass", "amount": 10}),
        1,
    )
    .unwrap();
    assert_eq!(
        refused(&mut g, "alice", json!({"type": "roll"})),
        GameError::Unanchored
    );
    assert!(g.fairness.draws.is_empty());
    let mut g = anchored(g);
    roll(&mut g).unwrap();
    assert_eq!(g.fairness.draws.len(), 1);

    // Blackjack: the deal (which shuffles the first shoe).
    let mut g = new_game(GameType::Blackjack, &["alice"]);
    g.apply("alice", &json!({"type": "bet", "amount": 10}), 1)
        .unwrap();
    assert_eq!(
        refused(&mut g, "alice", json!({"type": "deal"})),
        GameError::Unanchored
    );
    anchored(g)
        .apply("alice", &json!({"type": "deal"}), 2)
        .unwrap();

    // Hold'em: the deal of the first hand.
    let g = new_game(GameType::Poker, &["alice", "bob"]);
    let mut g2 = g.clone();
    assert_eq!(
        refused(&mut g2, "alice", json!({"type": "deal"})),
        GameError::Unanchored
    );
    anchored(g)
        .apply("alice", &json!({"type": "deal"}), 2)
        .unwrap();
}

#[test]
fn games_stored_before_contributions_load_and_keep_their_derivation() {
    // A game as an older engine stored it: `client_seed` set at creation,
    // no `contributions` field.
    let g = anchored(new_game(GameType::Craps, &["alice"]));
    let mut stored = serde_json::to_value(&g).unwrap();
    let fairness = stored["fairness"].as_object_mut().unwrap();
    fairness.remove("contributions");
    fairness.insert("client_seed".into(), json!("old-seed"));
    let mut old: Game = serde_json::from_value(stored).unwrap();
    assert_eq!(old.fairness.legacy_client_seed.as_deref(), Some("old-seed"));
    roll(&mut old).unwrap();
    let s = Seeds {
        server_seed: [3; 32],
        client_seed: "old-seed".into(),
    };
    let (a, b) = s.dice(0);
    assert_eq!(old.fairness.draws[0].result, json!([a, b]));
    assert_eq!(old.proof()["seed_scheme"], "legacy");
    assert_eq!(old.proof()["client_seed"], "old-seed");
    // It stays what it was: no contributions are mixed into it.
    let mut fresh = anchored(new_game(GameType::Craps, &["alice"]));
    fresh.fairness.legacy_client_seed = Some("old-seed".into());
    assert!(matches!(
        refused(
            &mut fresh,
            "alice",
            json!({"type": "seed", "client_seed": "x"})
        ),
        GameError::Rule(RuleError::NotNow(_))
    ));
    // And a new game round-trips through the store's JSON unchanged.
    let back: Game = serde_json::from_value(serde_json::to_value(&g).unwrap()).unwrap();
    assert_eq!(back, g);
    assert!(
        serde_json::to_value(&g).unwrap()["fairness"]
            .get("client_seed")
            .is_none()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Whoever contributes, in whatever order, every draw equals the
    /// documented derivation over all contributions in the order accepted;
    /// leaving any one out, or swapping two, changes the client seed.
    #[test]
    fn draws_use_every_contribution_in_the_order_accepted(
        seeds in proptest::collection::vec(proptest::option::of("[ -~]{1,12}"), 1..6),
        server in any::<[u8; 32]>(),
    ) {
        let players: Vec<String> = (0..seeds.len()).map(|i| format!("p{i}")).collect();
        let names: Vec<&str> = players.iter().map(String::as_str).collect();
        let mut g = anchored(
            Game::create("g".into(), &request(GameType::Craps, &names, None), server, 0, 8)
                .unwrap()
                .0,
        );
        // Contribute in reverse seat order: acceptance order, not seats, counts.
        let mut given = Vec::new();
        for (p, s) in players.iter().zip(&seeds).rev() {
            if let Some(s) = s {
                seed(&mut g, p, s).unwrap();
                given.push((p.as_str(), s.as_str()));
            }
        }
        roll(&mut g).unwrap();
        let expected = Seeds { server_seed: server, client_seed: mix(given.iter().copied()) };
        let (a, b) = expected.dice(0);
        prop_assert_eq!(&g.fairness.draws[0].result, &json!([a, b]));
        let proof = g.proof();
        prop_assert_eq!(proof["client_seed"].as_str(), Some(expected.client_seed.as_str()));
        for skip in 0..given.len() {
            let fewer: Vec<(&str, &str)> = given
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, c)| *c)
                .collect();
            prop_assert_ne!(mix(fewer), expected.client_seed.clone());
        }
        if given.len() >= 2 {
            let mut swapped = given.clone();
            swapped.swap(0, 1);
            prop_assert_ne!(mix(swapped), expected.client_seed.clone());
        }
    }
}
