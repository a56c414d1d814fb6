//! `bitcraps game …` end to end: create, bet, roll, leave, verify.

#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use support::{Sandbox, wait_for};

#[test]
fn a_game_played_from_the_cli_verifies() {
    let sb = Sandbox::new();
    sb.up();
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
    let r = sb.run(&["game", "show", "e0-doesnotexist"]);
    assert_eq!(r.code, 3, "{r}");
    let r = sb.run(&[
        "game", "bet", &id, "--player", "alice", "--on", "pass", "--amount", "5",
    ]);
    assert_eq!(r.code, 1, "a finished game refuses bets: {r}");
}
