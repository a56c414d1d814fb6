//! The game's own tests: seeds, the ledger, refusals, seats.

use serde_json::json;

use super::*;

fn craps(players: &[(&str, Chips)]) -> Game {
    let req = CreateGame {
        game_type: GameType::Craps,
        players: players
            .iter()
            .map(|(id, b)| PlayerBuyIn {
                id: id.to_string(),
                buy_in: *b,
            })
            .collect(),
        config: json!({ "min_bet": 5, "max_bet": 100 }),
        client_seed: None,
    };
    let mut g = anchored(
        Game::create("g1".into(), &req, [9u8; 32], 1000, 8)
            .unwrap()
            .0,
    );
    let first = g.seats[0].clone();
    g.apply(
        &first,
        &json!({"type": "seed", "client_seed": "lucky"}),
        1000,
    )
    .unwrap();
    g
}

#[test]
fn rolls_use_the_committed_seed_and_move_chips_through_the_ledger() {
    let mut g = craps(&[("alice", 100), ("bob", 100)]);
    g.apply(
        "alice",
        &json!({"type": "bet", "bet": "pass", "amount": 10}),
        2000,
    )
    .unwrap();
    g.apply(
        "bob",
        &json!({"type": "bet", "bet": "field", "amount": 20}),
        2000,
    )
    .unwrap();
    assert_eq!(g.ledger.table, 30);
    let events = g.apply("alice", &json!({"type": "roll"}), 3000).unwrap();
    assert_eq!(events[0].kind, "rolled");
    let seeds = Seeds {
        server_seed: [9u8; 32],
        client_seed: mix([("alice", "lucky")]),
    };
    let (a, b) = seeds.dice(0);
    assert_eq!(g.fairness.draws[0].result, json!([a, b]));
    assert!(g.ledger.conserved());
    // created, anchored, seeded, two bets, the roll.
    assert_eq!(g.version, 6);
    let proof = g.proof();
    assert_eq!(proof["server_seed"], Value::Null, "not revealed while open");
}

#[test]
fn refused_actions_change_nothing() {
    let mut g = craps(&[("alice", 100), ("bob", 100)]);
    let before = g.clone();
    for (who, action) in [
        ("bob", json!({"type": "roll"})),
        (
            "alice",
            json!({"type": "bet", "bet": "pass", "amount": 1000}),
        ),
        ("alice", json!({"type": "bet", "bet": "pass", "amount": 3})),
        ("alice", json!({"type": "bet", "bet": "come", "amount": 10})),
        (
            "alice",
            json!({"type": "bet", "bet": "nonsense", "amount": 10}),
        ),
        ("alice", json!({"type": "dance"})),
        ("alice", json!({"nope": 1})),
        ("carol", json!({"type": "bet", "bet": "pass", "amount": 10})),
    ] {
        assert!(g.apply(who, &action, 5).is_err(), "{action}");
        assert_eq!(g, before, "{action} changed the game");
    }
    // Not enough chips: the table accepted the bet, the ledger refused it,
    // and neither kept anything.
    let mut poor = craps(&[("alice", 7)]);
    let before = poor.clone();
    let err = poor
        .apply(
            "alice",
            &json!({"type": "bet", "bet": "pass", "amount": 10}),
            5,
        )
        .unwrap_err();
    assert!(matches!(
        err,
        GameError::Ledger(LedgerError::Insufficient { .. })
    ));
    assert_eq!(poor, before);
}

#[test]
fn leaving_cashes_out_and_the_last_one_out_reveals_the_seed() {
    let mut g = craps(&[("alice", 100)]);
    g.apply(
        "alice",
        &json!({"type": "bet", "bet": "place_6", "amount": 12}),
        1,
    )
    .unwrap();
    assert!(
        g.apply("alice", &json!({"type": "leave"}), 2).is_err(),
        "bets on the layout"
    );
    g.apply("alice", &json!({"type": "remove", "bet": "place_6"}), 3)
        .unwrap();
    g.apply("bob", &json!({"type": "join", "buy_in": 50}), 4)
        .unwrap();
    g.apply("alice", &json!({"type": "leave"}), 5).unwrap();
    let events = g.apply("bob", &json!({"type": "leave"}), 6).unwrap();
    assert_eq!(events.last().unwrap().kind, "finished");
    assert_eq!(g.status, GameStatus::Finished);
    assert_eq!(g.proof()["server_seed"], json!(hex::encode([9u8; 32])));
    assert!(g.ledger.conserved());
    assert!(matches!(
        g.apply("bob", &json!({"type": "join", "buy_in": 5}), 7),
        Err(GameError::Finished)
    ));
}

#[test]
fn seat_limits_and_ids_are_checked() {
    let req = CreateGame {
        game_type: GameType::Craps,
        players: (0..3)
            .map(|i| PlayerBuyIn {
                id: format!("p{i}"),
                buy_in: 10,
            })
            .collect(),
        config: Value::Null,
        client_seed: None,
    };
    assert!(matches!(
        Game::create("g".into(), &req, [1; 32], 0, 2),
        Err(GameError::Full(2))
    ));
    let mut g = Game::create("g".into(), &req, [1; 32], 0, 3).unwrap().0;
    assert!(matches!(
        g.apply("p9", &json!({"type": "join", "buy_in": 5}), 1),
        Err(GameError::Full(3))
    ));
    let bad = CreateGame {
        players: vec![PlayerBuyIn {
            id: "a b".into(),
            buy_in: 1,
        }],
        ..req
    };
    assert!(Game::create("g".into(), &bad, [1; 32], 0, 3).is_err());
}
