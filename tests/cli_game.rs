//! `bitcraps game …` end to end: create, bet, roll, leave, verify.

#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use support::{Sandbox, wait_for};

#[test]
fn a_game_played_from_the_cli_verifies() {
    let sb = Sandbox::new();
    sb.up_funded();
    let r = sb.run(&[
        "game",
        "create",
        "--player",
        "alice:500",
        "--min-bet",
        "5",
        "--seed",
        "mine",
        "-q",
    ]);
    assert_eq!(r.code, 0, "{r}");
    let id = r.stdout.trim().to_string();
    assert!(id.starts_with("e0-"), "{id}");
    let r = sb.run(&[
        "game", "bet", &id, "--player", "alice", "--on", "field", "--amount", "5",
    ]);
    assert_eq!(r.code, 0, "{r}");
    let r = sb.run(&["game", "roll", &id, "--player", "alice"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("alice rolled"), "{r}");
    // Field is a one-roll bet: the layout is empty again; verifying an open
    // game is refused with the verification exit code.
    assert_eq!(sb.run(&["game", "verify", &id]).code, 6);
    let r = sb.run(&["game", "act", &id, "--player", "alice", "leave"]);
    assert_eq!(r.code, 0, "{r}");
    // The reveal is anchored in the background; verify once it is there.
    let r = wait_for("a verified game", Duration::from_secs(30), || {
        let r = sb.run(&["game", "verify", &id]);
        (r.code == 0 && r.stdout.contains("reveal at height")).then_some(r)
    });
    assert!(
        r.stdout.contains("2 draws recompute") || r.stdout.contains("1 draws recompute"),
        "{r}"
    );
    // As JSON, each draw is listed with its outcome: the roll made above
    // is the first, and it recomputes.
    let r = sb.run(&["game", "verify", &id, "-o", "json"]);
    assert_eq!(r.code, 0, "{r}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let draws = v["draws"].as_array().unwrap();
    assert_eq!(Some(draws.len() as u64), v["draws_checked"].as_u64(), "{v}");
    assert_eq!(draws[0]["kind"], "dice", "{v}");
    assert_eq!(draws[0]["ok"], true, "{v}");
    let outcome = draws[0]["outcome"].as_str().unwrap();
    assert!(
        outcome.contains('+') && outcome.contains(" = "),
        "{outcome}"
    );
    // Against a genesis whose validators did not sign those blocks, the
    // anchoring blocks are not certified: the game does not verify.
    let genesis = std::fs::read_to_string(sb.state_dir().join("genesis.json")).unwrap();
    let mut other: serde_json::Value = serde_json::from_str(&genesis).unwrap();
    for v in other["validators"].as_array_mut().unwrap() {
        let key = ed25519_dalek::SigningKey::from_bytes(&rand::random::<[u8; 32]>());
        v["public_key"] = serde_json::json!(hex::encode(key.verifying_key().as_bytes()));
    }
    let forged = sb.state_dir().join("other-genesis.json");
    std::fs::write(&forged, other.to_string()).unwrap();
    let r = sb.run(&["game", "verify", &id, "--genesis", forged.to_str().unwrap()]);
    assert_eq!(r.code, 6, "{r}");
    assert!(r.stderr.contains("is not certified"), "{r}");
    let r = sb.run(&["game", "show", "e0-doesnotexist"]);
    assert_eq!(r.code, 3, "{r}");
    // Watching a finished game replays its events as JSON lines and ends.
    let r = sb.run(&["game", "watch", &id, "-o", "json"]);
    assert_eq!(r.code, 0, "{r}");
    let events: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(events.len() >= 3, "{r}");
    assert!(
        events
            .windows(2)
            .all(|w| w[0]["seq"].as_u64() < w[1]["seq"].as_u64())
    );
    assert_eq!(events.last().unwrap()["kind"], "finished", "{r}");
    let r = sb.run(&["game", "watch", &id, "--after", "1"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.starts_with("#2 "), "{r}");
    assert_eq!(sb.run(&["game", "watch", "e0-doesnotexist"]).code, 3);

    // The consensus commands: the anchors are in blocks, as JSON lines.
    let r = sb.run(&["consensus", "blocks", "--from", "1", "-o", "json"]);
    assert_eq!(r.code, 0, "{r}");
    let blocks: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!blocks.is_empty() && blocks[0]["height"] == 1, "{r}");
    let r = sb.run(&["consensus", "validators", "list", "-o", "json"]);
    assert_eq!(r.code, 0, "{r}");
    let set: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(set["validators"].as_array().unwrap().len(), 4);
    let r = sb.run(&["consensus", "validators", "remove", "validator-1"]);
    assert_eq!(r.code, 1, "4 validators are the floor for f = 1: {r}");
    assert!(r.stderr.contains("3f+1"), "{r}");
    let r = sb.run(&["consensus", "evidence"]);
    assert_eq!(r.code, 0, "{r}");
    let r = sb.run(&[
        "game", "bet", &id, "--player", "alice", "--on", "pass", "--amount", "5",
    ]);
    assert_eq!(r.code, 1, "a finished game refuses bets: {r}");
}
