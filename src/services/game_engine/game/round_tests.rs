//! Rounds on a seed chain (issue 14, part two): each round draws with its
//! own link and contributions, reveals its link when it ends, and its proof
//! (with its events) checks alone, payouts included; tampered proofs fail.

use serde_json::{Value, json};

use super::*;
use crate::services::game_engine::fairness::{chain_link, commitment};
use crate::services::game_engine::verify::{verify_chain, verify_round};

const TERMINAL: [u8; 32] = [5; 32];

/// One way of tampering with a proof.
type Tamper = Box<dyn Fn(&mut Value)>;

fn open(game_type: GameType, players: &[&str], length: u64, config: Value) -> (Game, Vec<Event>) {
    open_backed(game_type, players, length, config, HOUSE_BANKROLL)
}

/// [`open`] with a house of `bankroll` chips behind the table.
fn open_backed(
    game_type: GameType,
    players: &[&str],
    length: u64,
    config: Value,
    bankroll: Chips,
) -> (Game, Vec<Event>) {
    let req = CreateGame {
        game_type,
        players: players
            .iter()
            .map(|id| PlayerBuyIn {
                id: id.to_string(),
                buy_in: 10_000,
            })
            .collect(),
        config,
        client_seed: None,
    };
    let (g, created) =
        Game::open_with("g".into(), &req, TERMINAL, 0, 8, bankroll, Some(length)).unwrap();
    let mut events = vec![created];
    let mut g = g;
    events.push(g.record_anchor(
        Anchor {
            what: "commitment".into(),
            proposal_id: "p".into(),
            height: 1,
            block_hash: "h".into(),
            round: None,
        },
        0,
    ));
    (g, events)
}

fn act(g: &mut Game, log: &mut Vec<Event>, player: &str, action: Value) -> Result<(), GameError> {
    log.extend(g.apply(player, &action, 1)?);
    Ok(())
}

fn shooter(g: &Game) -> String {
    match &g.table {
        Table::Craps(t) => t.shooter.clone().unwrap(),
        _ => unreachable!(),
    }
}

fn rounds_ended(g: &Game) -> usize {
    g.fairness
        .chain
        .as_ref()
        .unwrap()
        .rounds
        .iter()
        .filter(|r| r.ended())
        .count()
}

/// Craps with bets of several kinds until `n` rounds have ended.
fn play_craps(g: &mut Game, log: &mut Vec<Event>, n: usize) {
    let mut i = 0;
    while rounds_ended(g) < n {
        i += 1;
        let s = shooter(g);
        let _ = act(
            g,
            log,
            "alice",
            json!({"type": "seed", "client_seed": format!("a{i}")}),
        );
        for (p, bet, amount) in [
            ("alice", "pass", 10),
            ("bob", "dont_pass", 10),
            ("bob", "field", 5),
            ("alice", "place_6", 12),
            ("bob", "lay_4", 40),
            ("alice", "hard_8", 5),
            ("bob", "horn", 8),
            ("alice", "come", 10),
        ] {
            let _ = act(
                g,
                log,
                p,
                json!({"type": "bet", "bet": bet, "amount": amount}),
            );
        }
        if i % 5 == 0 {
            let _ = act(g, log, "alice", json!({"type": "remove", "bet": "place_6"}));
        }
        act(g, log, &s, json!({"type": "roll"})).unwrap();
        assert!(i < 10_000, "rounds never end");
    }
}

fn round_doc(g: &Game, log: &[Event], r: u64) -> Value {
    let round = g.round_proof(r).unwrap();
    let start = round["start_seq"].as_u64().unwrap();
    let events: Vec<Event> = match round["end_seq"].as_u64() {
        Some(end) => log
            .iter()
            .filter(|e| e.seq > start && e.seq <= end)
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    g.round_document(r, Some(&events)).unwrap()
}

fn craps_game(length: u64, rounds: usize) -> (Game, Vec<Event>) {
    let (mut g, mut log) = open(
        GameType::Craps,
        &["alice", "bob"],
        length,
        json!({"min_bet": 5, "max_bet": 1000}),
    );
    play_craps(&mut g, &mut log, rounds);
    (g, log)
}

#[test]
fn the_commitment_is_the_chain_end_and_each_round_draws_with_its_link() {
    let (g, _log) = craps_game(50, 3);
    assert_eq!(
        g.fairness.commitment,
        hex::encode(chain_link(&TERMINAL, 50, 0))
    );
    let chain = g.fairness.chain.as_ref().unwrap();
    for round in chain.rounds.iter().filter(|r| r.ended()) {
        let link = chain_link(&TERMINAL, 50, round.round);
        assert_eq!(round.link, hex::encode(link));
        let prev = chain_link(&TERMINAL, 50, round.round - 1);
        assert_eq!(commitment(&link), prev, "SHA-256(s_r) = s_(r-1)");
        let seeds = Seeds {
            server_seed: link,
            client_seed: round.client_seed(),
        };
        for d in g
            .fairness
            .draws
            .iter()
            .filter(|d| d.round == Some(round.round))
        {
            let (a, b) = seeds.dice(d.nonce);
            assert_eq!(d.result, json!([a, b]));
        }
    }
    let proof = g.proof();
    assert_eq!(proof["seed_scheme"], "chain");
    assert_eq!(
        proof["server_seed"],
        Value::Null,
        "the terminal seed is never shown"
    );
    let current = proof["rounds"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(current["ended"], false);
    assert_eq!(
        current["link"],
        Value::Null,
        "a round in progress shows no link"
    );
    let rep = verify_chain(&proof);
    assert!(rep.ok(), "{:?}", rep.problems);
}

#[test]
fn a_seven_out_ends_the_round_and_its_proof_checks_alone_with_payouts() {
    let (g, log) = craps_game(50, 4);
    let ended: Vec<&Event> = log.iter().filter(|e| e.kind == "round_ended").collect();
    assert_eq!(ended.len(), 4);
    for e in &ended {
        assert_eq!(e.data["reason"], "seven-out");
    }
    for r in 1..=4 {
        let doc = round_doc(&g, &log, r);
        let rep = verify_round(&doc);
        assert!(rep.ok(), "round {r}: {:?}", rep.problems);
        assert!(
            rep.notes
                .iter()
                .any(|n| n.contains("bet resolutions recomputed")),
            "{:?}",
            rep.notes
        );
    }
    // The round in progress: 200-style document without link or events.
    let doc = round_doc(&g, &log, 5);
    assert_eq!(doc["round"]["link"], Value::Null);
    assert!(doc["round"].get("events").is_none());
    assert!(
        !verify_round(&doc).ok(),
        "a round in progress does not verify yet"
    );
    assert!(g.round_proof(6).is_none(), "no round 6 yet");
}

#[test]
fn contributions_are_per_round_and_close_at_the_rounds_first_draw() {
    let (mut g, mut log) = open(GameType::Craps, &["alice", "bob"], 50, Value::Null);
    act(
        &mut g,
        &mut log,
        "bob",
        json!({"type": "seed", "client_seed": "b1"}),
    )
    .unwrap();
    let s = shooter(&g);
    act(&mut g, &mut log, &s, json!({"type": "roll"})).unwrap();
    if rounds_ended(&g) == 0 {
        let before = g.clone();
        let err = g
            .apply("alice", &json!({"type": "seed", "client_seed": "late"}), 1)
            .unwrap_err();
        assert!(err.to_string().contains("round 1"), "{err}");
        assert_eq!(g, before);
    }
    play_craps(&mut g, &mut log, 1);
    // Round 2 takes new seeds (bob again).
    act(
        &mut g,
        &mut log,
        "bob",
        json!({"type": "seed", "client_seed": "b2"}),
    )
    .unwrap();
    let chain = g.fairness.chain.as_ref().unwrap();
    assert_eq!(chain.rounds[0].contributions[0].client_seed, "b1");
    let r2 = chain.current().unwrap();
    assert!(r2.contributions.iter().any(|c| c.client_seed == "b2"));
}

#[test]
fn a_used_up_chain_takes_no_more_draws_but_lets_everyone_cash_out() {
    let (mut g, mut log) = craps_game(2, 2);
    let chain = g.fairness.chain.as_ref().unwrap();
    assert_eq!(chain.rounds.len(), 2, "no round 3 on a 2-link chain");
    act(
        &mut g,
        &mut log,
        "alice",
        json!({"type": "bet", "bet": "field", "amount": 5}),
    )
    .unwrap();
    let before = g.clone();
    let s = shooter(&g);
    let err = g.apply(&s, &json!({"type": "roll"}), 1).unwrap_err();
    assert!(err.to_string().contains("used up"), "{err}");
    assert_eq!(g, before, "refused before anything is drawn");
    assert!(
        g.apply("bob", &json!({"type": "seed", "client_seed": "x"}), 1)
            .is_err()
    );
    act(
        &mut g,
        &mut log,
        "alice",
        json!({"type": "remove", "bet": "field"}),
    )
    .unwrap();
    act(&mut g, &mut log, "admin", json!({"type": "close"})).unwrap();
    assert_eq!(g.status, GameStatus::Finished);
    assert!(verify_chain(&g.proof()).ok());
}

#[test]
fn finishing_reveals_the_round_in_play() {
    let (mut g, mut log) = open(GameType::Craps, &["alice"], 50, Value::Null);
    loop {
        let s = shooter(&g);
        act(&mut g, &mut log, &s, json!({"type": "roll"})).unwrap();
        let cur = g.fairness.chain.as_ref().unwrap().current().unwrap();
        if cur.draws > 0 {
            break;
        }
    }
    act(&mut g, &mut log, "alice", json!({"type": "leave"})).unwrap();
    let last = g.fairness.chain.as_ref().unwrap().current().unwrap();
    assert!(last.ended());
    let fin = log.iter().find(|e| e.kind == "finished").unwrap();
    assert_eq!(fin.data["server_seed"], Value::Null);
    let doc = round_doc(&g, &log, last.round);
    let rep = verify_round(&doc);
    assert!(rep.ok(), "{:?}", rep.problems);
}

#[test]
fn a_long_chain_games_reveal_stays_small_and_names_its_last_link() {
    // Hundreds of rounds: a reveal listing every round would pass the
    // validators' 64 KiB proposal limit and never be anchored.
    let (mut g, mut log) = open(GameType::Craps, &["alice"], 3_000, Value::Null);
    while rounds_ended(&g) < 450 {
        let s = shooter(&g);
        act(&mut g, &mut log, &s, json!({"type": "roll"})).unwrap();
    }
    act(&mut g, &mut log, "alice", json!({"type": "leave"})).unwrap();
    let reveal = g.anchor_payload("reveal");
    let size = serde_json::to_vec(&reveal).unwrap().len();
    assert!(size < 1024, "a reveal of {size} bytes: {reveal}");
    let chain = g.fairness.chain.as_ref().unwrap();
    let last = chain.rounds.iter().rev().find(|r| r.ended()).unwrap();
    assert_eq!(reveal["last_round"], json!(last.round));
    assert_eq!(reveal["last_link"], json!(last.link));
    assert_eq!(reveal["rounds_ended"], json!(rounds_ended(&g)));
    assert_eq!(
        reveal["server_seed"],
        Value::Null,
        "never the terminal seed"
    );
}

#[test]
fn blackjack_rounds_are_shoes_and_holdem_rounds_are_hands() {
    let (mut g, mut log) = open(
        GameType::Blackjack,
        &["alice"],
        50,
        json!({"decks": 1, "reshuffle_at": 40, "min_bet": 1, "max_bet": 100}),
    );
    for _ in 0..60 {
        if rounds_ended(&g) >= 2 {
            break;
        }
        act(
            &mut g,
            &mut log,
            "alice",
            json!({"type": "bet", "amount": 10}),
        )
        .unwrap();
        act(&mut g, &mut log, "alice", json!({"type": "deal"})).unwrap();
        while g
            .apply("alice", &json!({"type": "stand"}), 1)
            .map(|e| log.extend(e))
            .is_ok()
        {}
        let _ = g
            .apply("alice", &json!({"type": "decline_insurance"}), 1)
            .map(|e| log.extend(e));
        while g
            .apply("alice", &json!({"type": "stand"}), 1)
            .map(|e| log.extend(e))
            .is_ok()
        {}
    }
    assert!(rounds_ended(&g) >= 2, "two shoes played");
    for r in 1..=2 {
        let doc = round_doc(&g, &log, r);
        assert_eq!(
            doc["round"]["draws"].as_array().unwrap().len(),
            1,
            "one shoe per round"
        );
        let rep = verify_round(&doc);
        assert!(rep.ok(), "blackjack round {r}: {:?}", rep.problems);
    }

    let (mut g, mut log) = open(GameType::Poker, &["alice", "bob"], 50, Value::Null);
    for _ in 0..3 {
        act(&mut g, &mut log, "alice", json!({"type": "deal"})).unwrap();
        for _ in 0..20 {
            if !matches!(&g.table, Table::Poker(t) if t.hand_in_progress()) {
                break;
            }
            for p in ["alice", "bob"] {
                if g.apply(p, &json!({"type": "call"}), 1)
                    .map(|e| log.extend(e))
                    .is_err()
                {
                    let _ = g
                        .apply(p, &json!({"type": "check"}), 1)
                        .map(|e| log.extend(e));
                }
            }
        }
    }
    assert_eq!(rounds_ended(&g), 3, "one round per hand");
    for r in 1..=3 {
        let rep = verify_round(&round_doc(&g, &log, r));
        assert!(rep.ok(), "hold'em round {r}: {:?}", rep.problems);
    }
}

/// Every kind of tampering with a round's proof is caught.
#[test]
fn tampered_round_proofs_fail() {
    let (g, log) = craps_game(50, 3);
    let good = round_doc(&g, &log, 2);
    assert!(verify_round(&good).ok());
    let first_pay = |doc: &Value| -> Option<(usize, usize)> {
        doc["round"]["events"]
            .as_array()?
            .iter()
            .enumerate()
            .find_map(|(i, e)| {
                let j = e["moves"]
                    .as_array()?
                    .iter()
                    .position(|m| m["move"] == "pay")?;
                Some((i, j))
            })
    };
    let cases: Vec<(&str, Tamper)> = vec![
        (
            "changed link",
            Box::new(|d| d["round"]["link"] = json!(hex::encode([1u8; 32]))),
        ),
        (
            "link out of order",
            Box::new(|d| d["round"]["link"] = json!(hex::encode(chain_link(&TERMINAL, 50, 3)))),
        ),
        (
            "changed draw",
            Box::new(|d| {
                let r = &mut d["round"]["draws"][0]["result"];
                *r = if *r == json!([1, 1]) {
                    json!([2, 1])
                } else {
                    json!([1, 1])
                };
            }),
        ),
        (
            "changed contribution",
            Box::new(|d| {
                d["round"]["contributions"][0]["client_seed"] = json!("forged");
            }),
        ),
        (
            "missing anchor",
            Box::new(|d| d["commitment_height"] = Value::Null),
        ),
    ];
    for (what, tamper) in cases {
        let mut bad = good.clone();
        tamper(&mut bad);
        assert!(!verify_round(&bad).ok(), "{what} was not caught");
    }
    // A changed payout: in the moves, or in the settlement the event claims.
    let (g, log) = craps_game(50, 6);
    let mut caught = 0;
    for r in 1..=6 {
        let doc = round_doc(&g, &log, r);
        if let Some((i, j)) = first_pay(&doc) {
            let mut bad = doc.clone();
            let m = &mut bad["round"]["events"][i]["moves"][j]["amount"];
            *m = json!(m.as_u64().unwrap() + 1);
            assert!(!verify_round(&bad).ok(), "a changed payout was not caught");
            let mut bad = doc.clone();
            let ev = &mut bad["round"]["events"][i];
            if let Some(s) = ev["data"]["outcome"]["settled"]
                .as_array_mut()
                .and_then(|s| s.first_mut())
            {
                s["won"] = json!(s["won"].as_u64().unwrap() + 7);
                assert!(
                    !verify_round(&bad).ok(),
                    "a changed settlement was not caught"
                );
            }
            caught += 1;
        }
    }
    assert!(caught > 0, "some round paid something");
}

#[test]
fn stored_games_without_chains_still_load_and_prove() {
    let req = CreateGame {
        game_type: GameType::Craps,
        players: vec![PlayerBuyIn {
            id: "alice".into(),
            buy_in: 100,
        }],
        config: Value::Null,
        client_seed: None,
    };
    let (g, _) = Game::create("g".into(), &req, [1; 32], 0, 8).unwrap();
    let mut stored = serde_json::to_value(&g).unwrap();
    assert!(stored["fairness"].get("chain").is_none());
    stored["fairness"]["client_seed"] = json!("old");
    let old: Game = serde_json::from_value(stored).unwrap();
    assert_eq!(old.proof()["seed_scheme"], "legacy");
    assert_eq!(g.proof()["seed_scheme"], "contributions");
    assert!(g.round_proof(1).is_none());
}

/// `scripts/verify_proof.py` (Python's standard library only) on a proof.
fn script(proof: &Value) -> (i32, String) {
    use std::io::Write;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut child = std::process::Command::new("python3")
        .arg(root.join("scripts/verify_proof.py"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(proof.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// The independent Python verifier agrees: real rounds of craps verify
/// (every resolution recomputed), and each kind of tampering is named.
#[test]
fn the_python_verifier_checks_rounds_and_names_each_breach() {
    let (g, log) = craps_game(50, 6);
    let (code, out) = script(&g.proof());
    assert_eq!(code, 0, "{out}");
    let mut paid = None;
    for r in 1..=6 {
        let doc = round_doc(&g, &log, r);
        let (code, out) = script(&doc);
        assert_eq!(code, 0, "round {r}: {out}");
        assert!(out.contains("resolutions recomputed"), "{out}");
        let pay = doc["round"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .find_map(|(i, e)| {
                let j = e["moves"]
                    .as_array()?
                    .iter()
                    .position(|m| m["move"] == "pay")?;
                Some((i, j))
            });
        if let Some(p) = pay {
            paid = Some((doc, p));
        }
    }
    let (doc, (i, j)) = paid.expect("some round paid something");
    let cases: Vec<(&str, &str, Tamper)> = vec![
        (
            "changed link",
            "predecessor",
            Box::new(|d| d["round"]["link"] = json!(hex::encode([1u8; 32]))),
        ),
        (
            "link out of order",
            "predecessor",
            Box::new(|d| d["round"]["link"] = json!(hex::encode(chain_link(&TERMINAL, 50, 7)))),
        ),
        (
            "changed draw",
            "does not recompute",
            Box::new(|d| {
                let r = &mut d["round"]["draws"][0]["result"];
                *r = if *r == json!([1, 1]) {
                    json!([2, 1])
                } else {
                    json!([1, 1])
                };
            }),
        ),
        (
            "changed contribution",
            "mix",
            Box::new(|d| {
                d["round"]["client_seed"] = json!(hex::encode([2u8; 32]));
            }),
        ),
        (
            "missing anchor",
            "anchor",
            Box::new(|d| d["commitment_height"] = Value::Null),
        ),
        (
            "changed payout",
            "moved",
            Box::new(move |d| {
                let m = &mut d["round"]["events"][i]["moves"][j]["amount"];
                *m = json!(m.as_u64().unwrap() + 1);
            }),
        ),
        (
            "changed settlement",
            "settles",
            Box::new(move |d| {
                let s = &mut d["round"]["events"][i]["data"]["outcome"]["settled"][0]["won"];
                *s = json!(s.as_u64().unwrap() + 7);
            }),
        ),
    ];
    for (what, named, tamper) in cases {
        let mut bad = doc.clone();
        tamper(&mut bad);
        let (code, out) = script(&bad);
        assert_eq!(code, 1, "{what} was not caught: {out}");
        assert!(
            out.contains(named),
            "{what}: the breach is not named: {out}"
        );
    }
}

/// A craps table whose house has paid out until it cannot cover the next
/// roll does not get stuck: the roll is refused before the dice, every bet
/// may come down (contract bets at their stake, with their odds), the
/// shooter rolls again once the layout is covered, and both verifiers
/// accept the round, and refuse it when the house it started from is
/// changed so that the contract bet could not have come down.
#[test]
fn a_drained_house_lets_contract_bets_down_and_the_table_plays_on() {
    let (mut g, mut log) = open_backed(
        GameType::Craps,
        &["alice", "bob"],
        1000,
        json!({"min_bet": 5, "max_bet": 1000}),
        80,
    );
    let craps = |g: &Game| match &g.table {
        Table::Craps(t) => t.clone(),
        _ => unreachable!(),
    };
    // Alice's pass line with odds can win 70 on a 4 or a 10 (3x odds); Bob's place
    // bets win 14 each time and stay up, draining the house of 80.
    let mut refused = None;
    for _ in 0..2_000 {
        let t = craps(&g);
        let has = |p: &str, k: &str| {
            t.bets
                .iter()
                .any(|b| b.player == p && b.kind.to_string() == k)
        };
        let mut bets = Vec::new();
        if t.phase == crate::services::game_engine::games::craps::Phase::ComeOut {
            bets.push(("alice", "pass", 10));
        } else if has("alice", "pass") {
            bets.extend([
                ("alice", "pass_odds", 30),
                ("bob", "place_6", 12),
                ("bob", "place_8", 12),
            ]);
        }
        for (p, bet, amount) in bets {
            if !has(p, bet) {
                let _ = act(
                    &mut g,
                    &mut log,
                    p,
                    json!({"type": "bet", "bet": bet, "amount": amount}),
                );
            }
        }
        let before = g.clone();
        let s = shooter(&g);
        match act(&mut g, &mut log, &s, json!({"type": "roll"})) {
            Ok(()) => {}
            Err(e @ GameError::Uncovered { .. }) => {
                assert_eq!(g, before, "a refused roll changes nothing");
                if has("alice", "pass") {
                    refused = Some(e);
                    break;
                }
                // Only Bob's place bets are uncovered: they come down as
                // they always may.
                for bet in ["place_6", "place_8"] {
                    let _ = act(
                        &mut g,
                        &mut log,
                        "bob",
                        json!({"type": "remove", "bet": bet}),
                    );
                }
            }
            Err(e) => panic!("{e}"),
        }
    }
    let refused = refused.expect("the house never ran short");
    assert!(
        refused.to_string().contains("contract bets come down too"),
        "{refused}"
    );
    assert!(
        g.ledger.house < 70,
        "house {} {:?} {:?}",
        g.ledger.house,
        craps(&g).bets,
        craps(&g).phase
    );
    // Alice's contract bet comes down with its odds; Bob's place bets too
    // if the layout is still uncovered.
    let staked = craps(&g).at_risk("alice");
    let balance = g.ledger.players["alice"];
    act(
        &mut g,
        &mut log,
        "alice",
        json!({"type": "remove", "bet": "pass"}),
    )
    .unwrap();
    assert_eq!(log.last().unwrap().data["amount"], json!(staked));
    assert_eq!(g.ledger.players["alice"], balance + staked);
    for bet in ["place_6", "place_8"] {
        if craps(&g).uncovered(g.ledger.house) {
            act(
                &mut g,
                &mut log,
                "bob",
                json!({"type": "remove", "bet": bet}),
            )
            .unwrap();
        }
    }
    assert!(!craps(&g).uncovered(g.ledger.house));
    // The table plays on to the end of the round.
    let round = g.fairness.chain.as_ref().unwrap().rounds.len() as u64;
    while rounds_ended(&g) < round as usize {
        let s = shooter(&g);
        act(&mut g, &mut log, &s, json!({"type": "roll"})).unwrap();
    }
    assert!(g.ledger.conserved());
    let doc = round_doc(&g, &log, round);
    let rep = verify_round(&doc);
    assert!(rep.ok(), "{:?}", rep.problems);
    let (code, out) = script(&doc);
    assert_eq!(code, 0, "{out}");
    // With the house it started from raised to cover everything, the
    // contract bet could not have come down: both verifiers say so.
    let mut rich = doc.clone();
    rich["round"]["start"]["house"] = json!(1_000_000);
    let rep = verify_round(&rich);
    assert!(
        rep.problems.iter().any(|p| p.contains("contract bet")),
        "{:?}",
        rep.problems
    );
    let (code, out) = script(&rich);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("contract bet"), "{out}");
}

/// A table may ask for its chain's length (`config.chain_length`, 1 to
/// 200,000): the commitment is then that chain's `s_0` and the `created`
/// event says so; anything else is refused before the game exists.
#[test]
fn a_table_chooses_its_chain_length_within_bounds() {
    let req = |config: Value| CreateGame {
        game_type: GameType::Craps,
        players: vec![PlayerBuyIn {
            id: "alice".into(),
            buy_in: 1_000,
        }],
        config,
        client_seed: None,
    };
    let open = |config: Value| Game::open("e0-c".into(), &req(config), TERMINAL, 0, 8, 1_000_000);
    let (g, created) = open(json!({"chain_length": 3, "min_bet": 5})).unwrap();
    assert_eq!(g.fairness.chain.as_ref().unwrap().length, 3);
    assert_eq!(
        g.fairness.commitment,
        hex::encode(chain_link(&TERMINAL, 3, 0))
    );
    assert_eq!(created.data["chain_length"], json!(3));
    let (g, _) = open(json!({})).unwrap();
    assert_eq!(g.fairness.chain.as_ref().unwrap().length, CHAIN_LENGTH);
    let (g, _) = open(json!({"chain_length": MAX_CHAIN_LENGTH})).unwrap();
    assert_eq!(g.fairness.chain.as_ref().unwrap().length, MAX_CHAIN_LENGTH);
    for bad in [
        json!(0),
        json!(MAX_CHAIN_LENGTH + 1),
        json!("10"),
        json!(-1),
        json!(2.5),
        json!(null),
    ] {
        match open(json!({ "chain_length": bad })) {
            Err(GameError::BadRequest(m)) => assert!(m.contains("chain_length"), "{m}"),
            other => panic!("chain_length {bad}: {other:?}"),
        }
    }
}
