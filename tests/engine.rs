//! The game engine over real HTTP, in a real `bitcraps up`: games, actions,
//! durability across `kill -9`, live events, proofs and every error path.

#![allow(clippy::unwrap_used)]

mod support;

use std::io::{BufRead, BufReader};
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use support::{Sandbox, kill9, wait_for};

const LIMIT: Duration = Duration::from_secs(30);
/// `game_engine.table_bankroll`'s default: what a table takes from the
/// wallet's house account.
const BANKROLL: u64 = 1_000_000;
/// What `up --demo-funds` gives each demo player.
const DEMO_CHIPS: i64 = 1_000_000_000;

struct Api {
    base: String,
    http: reqwest::blocking::Client,
    tokens: support::Tokens,
}

impl Api {
    fn new(sb: &Sandbox) -> Api {
        Api {
            base: format!("https://{}", sb.engine()),
            http: support::http(),
            tokens: support::Tokens::of(sb),
        }
    }

    fn token(&self, sub: &str, role: bitcraps::auth::Role) -> String {
        self.tokens.mint(sub, role)
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        as_: Option<(&str, bitcraps::auth::Role)>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let mut req = match method {
            "POST" => self.http.post(url),
            _ => self.http.get(url),
        };
        if let Some((sub, role)) = as_ {
            req = req.bearer_auth(self.token(sub, role));
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().unwrap();
        let status = resp.status().as_u16();
        let ctype = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let v: Value = resp.json().unwrap_or(Value::Null);
        if status >= 400 {
            assert_eq!(ctype, "application/problem+json", "{status} {v}");
            assert_eq!(v["status"], status, "{v}");
        }
        (status, v)
    }

    /// The admin closes the table (finishing the game, revealing its seed);
    /// returns the proof as `viewer` sees it.
    fn close_and_prove(&self, game: &str, viewer: &str) -> Value {
        let (s, r) = self.call(
            "POST",
            &format!("/games/{game}/actions"),
            Some(("admin", Admin)),
            Some(json!({"player_id": "alice", "action": {"type": "close"}})),
        );
        assert_eq!(s, 200, "{r}");
        self.call(
            "GET",
            &format!("/games/{game}/proof"),
            Some((viewer, Player)),
            None,
        )
        .1
    }

    fn act(&self, game: &str, player: &str, action: Value) -> (u16, Value) {
        self.call(
            "POST",
            &format!("/games/{game}/actions"),
            Some((player, bitcraps::auth::Role::Player)),
            Some(json!({ "player_id": player, "action": action })),
        )
    }
}

use bitcraps::auth::Role::{Admin, Player};

fn new_craps(api: &Api, players: &[&str]) -> String {
    create_anchored(
        api,
        json!({
            "game_type": "craps",
            "players": players.iter().map(|p| json!({"id": p, "buy_in": 1000})).collect::<Vec<_>>(),
            "config": {"min_bet": 5, "max_bet": 500},
            "client_seed": "test-client-seed",
        }),
    )
}

/// The admin creates a game from `body`; returns its id once its
/// commitment is anchored. A `client_seed` in `body` is not sent with it
/// (the engine refuses seeds before its commitment exists): the first
/// player contributes it once the game is created.
fn create_anchored(api: &Api, mut body: Value) -> String {
    let client_seed = body.as_object_mut().unwrap().remove("client_seed");
    let (status, g) = api.call("POST", "/games", Some(("admin", Admin)), Some(body));
    assert_eq!(status, 201, "{g}");
    let id = g["id"].as_str().unwrap().to_string();
    if let Some(seed) = client_seed {
        let first = g["players"][0]["id"].as_str().unwrap();
        let (s, r) = api.act(&id, first, json!({"type": "seed", "client_seed": seed}));
        assert_eq!(s, 200, "{r}");
    }
    // The commitment is anchored in the background; wait for it so the
    // game is not changing under the test.
    wait_for("the commitment anchored", LIMIT, || {
        let (_, p) = api.call(
            "GET",
            &format!("/games/{id}/proof"),
            Some(("admin", Admin)),
            None,
        );
        (p["anchors"].as_array()?.len() == 1).then_some(())
    });
    id
}

/// `kill -9` engine-0 and wait until the supervisor has it back and ready.
fn kill9_engine(sb: &Sandbox) {
    let ps = sb.ps();
    let pid = Sandbox::service(&ps, "engine-0")["pid"].as_u64().unwrap();
    kill9(pid);
    wait_for("engine back", LIMIT, || {
        let ps = sb.ps();
        let e = Sandbox::service(&ps, "engine-0").clone();
        (e["health"] == "ready" && e["pid"].as_u64() != Some(pid)).then_some(())
    });
}

/// `kill -9` the engine and, once the supervisor has it back and ready,
/// asserts it serves game `id` exactly as before (`why` names the claim).
fn assert_game_survives_engine_kill9(sb: &Sandbox, api: &Api, id: &str, why: &str) {
    let game = |api: &Api| {
        api.call(
            "GET",
            &format!("/games/{id}"),
            Some(("alice", Player)),
            None,
        )
    };
    // An ended round's link is anchored in the background, and that
    // `anchored` event is a new version: wait until every ended round has
    // its anchor, so the game is at rest when it is read.
    wait_for("every ended round anchored", LIMIT, || {
        let (_, p) = api.call(
            "GET",
            &format!("/games/{id}/proof"),
            Some(("admin", Admin)),
            None,
        );
        let ended = p["rounds"]
            .as_array()
            .map_or(0, |r| r.iter().filter(|r| r["ended"] == true).count());
        let anchored = p["anchors"]
            .as_array()?
            .iter()
            .filter(|a| a["what"] == "round")
            .count();
        (anchored == ended).then_some(())
    });
    let (_, before) = game(api);
    kill9_engine(sb);
    let (s, after) = game(api);
    assert_eq!(s, 200);
    assert_eq!(after, before, "{why}");
}

/// The draws' client seed from the contributions, as the README documents
/// it, recomputed independently of the engine's code.
fn mix(contributions: &[(&str, &str)]) -> String {
    let mut h = Sha256::new();
    for (player, seed) in contributions {
        for part in [player, seed] {
            h.update((part.len() as u32).to_be_bytes());
            h.update(part.as_bytes());
        }
    }
    hex::encode(h.finalize())
}

/// Round `r`'s link (its server seed) from a chain game's proof, checked
/// to hash to the previous link (round 1: the commitment), and the mix of
/// its contributions as the README documents it.
fn round_seeds(proof: &Value, r: u64) -> (Vec<u8>, String) {
    let rounds = proof["rounds"].as_array().unwrap();
    let round = &rounds[(r - 1) as usize];
    assert_eq!(round["ended"], true, "round {r} revealed: {proof}");
    let link = hex::decode(round["link"].as_str().unwrap()).unwrap();
    let prev = if r == 1 {
        proof["commitment"].as_str().unwrap().to_string()
    } else {
        rounds[(r - 2) as usize]["link"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        hex::encode(Sha256::digest(&link)),
        prev,
        "SHA-256(s_{r}) = s_{}",
        r - 1
    );
    let contributions: Vec<(&str, &str)> = round["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["player"].as_str().unwrap(),
                c["client_seed"].as_str().unwrap(),
            )
        })
        .collect();
    let mixed = mix(&contributions);
    assert_eq!(round["client_seed"], json!(mixed));
    (link, mixed)
}

/// The documented derivation, recomputed independently of the engine's code.
fn dice(server_seed: &[u8], client_seed: &str, nonce: u64) -> (u64, u64) {
    let mut faces = Vec::new();
    let mut round = 0;
    while faces.len() < 2 {
        let mut mac = Hmac::<Sha256>::new_from_slice(server_seed).unwrap();
        mac.update(format!("{client_seed}:{nonce}:{round}").as_bytes());
        for b in mac.finalize().into_bytes() {
            if b < 252 && faces.len() < 2 {
                faces.push(u64::from(b % 6 + 1));
            }
        }
        round += 1;
    }
    (faces[0], faces[1])
}

#[test]
fn craps_is_played_durably_and_verifiably() {
    let sb = Sandbox::new().env("ENGINE_STORED_IDLE", "1s");
    sb.up_funded();
    let api = Api::new(&sb);
    let id = new_craps(&api, &["alice", "bob"]);
    let (_, g) = api.call(
        "GET",
        &format!("/games/{id}"),
        Some(("alice", Player)),
        None,
    );
    let commitment = g["commitment"].as_str().unwrap().to_string();
    assert_eq!(g["players"][0]["balance"], 1000);

    let (s, r) = api.act(
        &id,
        "alice",
        json!({"type": "bet", "bet": "pass", "amount": 10}),
    );
    assert_eq!(s, 200, "{r}");
    let (s, _) = api.act(
        &id,
        "bob",
        json!({"type": "bet", "bet": "dont_pass", "amount": 20}),
    );
    assert_eq!(s, 200);
    let mut rolls = Vec::new();
    for _ in 0..6 {
        let shooter = {
            let (_, g) = api.call(
                "GET",
                &format!("/games/{id}"),
                Some(("alice", Player)),
                None,
            );
            g["table"]["shooter"].as_str().unwrap().to_string()
        };
        let (s, r) = api.act(&id, &shooter, json!({"type": "roll"}));
        assert_eq!(s, 200, "{r}");
        let roll = &r["events"][0]["data"]["outcome"]["roll"];
        rolls.push((
            roll["die1"].as_u64().unwrap(),
            roll["die2"].as_u64().unwrap(),
        ));
    }
    // kill -9 the engine: every acknowledged action survives.
    assert_game_survives_engine_kill9(&sb, &api, &id, "the game resumes exactly");

    // Live events resume after a given id.
    let resp = api
        .http
        .get(format!("{}/games/{id}/events", api.base))
        .bearer_auth(api.token("bob", Player))
        .header("Last-Event-ID", "3")
        .timeout(Duration::from_secs(10))
        .send()
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let mut lines = BufReader::new(resp).lines();
    let first_id = lines
        .find_map(|l| l.unwrap().strip_prefix("id: ").map(str::to_string))
        .unwrap();
    assert_eq!(first_id, "4", "resumes right after Last-Event-ID");

    // Each round (a shooter) ended so far is verifiable while the table is
    // still open: its link is revealed, and its proof, payouts included,
    // satisfies the stand-alone verifier.
    let open_proof = api
        .call(
            "GET",
            &format!("/games/{id}/proof"),
            Some(("bob", Player)),
            None,
        )
        .1;
    for round in open_proof["rounds"].as_array().unwrap() {
        let r = round["round"].as_u64().unwrap();
        let (s, doc) = api.call(
            "GET",
            &format!("/games/{id}/proof?round={r}"),
            Some(("bob", Player)),
            None,
        );
        assert_eq!(s, 200, "{doc}");
        if round["ended"] == true {
            assert_eq!(
                verify_with_script(&doc),
                0,
                "round {r} verifies while the table is open: {doc}"
            );
        } else {
            assert_eq!(
                doc["round"]["link"],
                Value::Null,
                "a round in play shows no link: {doc}"
            );
        }
    }
    let current = open_proof["current_round"].as_u64().unwrap();
    let (s, r) = api.call(
        "GET",
        &format!("/games/{id}/proof?round={}", current + 1),
        Some(("bob", Player)),
        None,
    );
    assert_eq!(s, 404, "a round that has not started: {r}");
    let (s, r) = api.call(
        "GET",
        &format!("/games/{id}/proof?round=0"),
        Some(("bob", Player)),
        None,
    );
    assert_eq!(s, 422, "{r}");

    // The admin closes the table: bets go back, the round in play reveals
    // its link, and every roll recomputes from its round's link.
    let proof = api.close_and_prove(&id, "bob");
    assert_eq!(proof["seed_scheme"], "chain");
    assert_eq!(proof["commitment"], json!(commitment));
    assert_eq!(
        proof["server_seed"],
        Value::Null,
        "the chain's top stays secret"
    );
    assert_eq!(
        proof["rounds"][0]["contributions"][0]["client_seed"], "test-client-seed",
        "{proof}"
    );
    for (nonce, roll) in rolls.iter().enumerate() {
        let d = &proof["draws"][nonce];
        let (link, client_seed) = round_seeds(&proof, d["round"].as_u64().unwrap());
        assert_eq!(
            dice(&link, &client_seed, nonce as u64),
            *roll,
            "roll {nonce}"
        );
        assert_eq!(d["result"], json!([roll.0, roll.1]));
    }
    assert_eq!(
        verify_with_script(&proof),
        0,
        "scripts/verify_proof.py accepts the proof"
    );
    let last = proof["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ended"] == true)
        .count();
    let (_, doc) = api.call(
        "GET",
        &format!("/games/{id}/proof?round={last}"),
        Some(("bob", Player)),
        None,
    );
    assert_eq!(verify_with_script(&doc), 0, "the last round played: {doc}");
    let mut tampered = doc.clone();
    let events = tampered["round"]["events"].as_array_mut().unwrap();
    let rolled = events.iter_mut().find(|e| e["kind"] == "rolled").unwrap();
    let mut moves = rolled["moves"].as_array().cloned().unwrap_or_default();
    moves.push(json!({"move": "pay", "player": "alice", "amount": 1}));
    rolled["moves"] = json!(moves);
    assert_eq!(
        verify_with_script(&tampered),
        1,
        "a changed payout is caught"
    );

    // The event stream of the finished game ends after its last event.
    let resp = api
        .http
        .get(format!("{}/games/{id}/events", api.base))
        .bearer_auth(api.token("bob", Player))
        .timeout(Duration::from_secs(20))
        .send()
        .unwrap();
    let body = resp.text().expect("the stream of a finished game ends");
    assert!(body.contains("event: finished"), "{body}");

    // The validators ordered the commitment, and later the reveal.
    let anchors = wait_for("commitment and reveal anchored", LIMIT, || {
        let (_, p) = api.call(
            "GET",
            &format!("/games/{id}/proof"),
            Some(("bob", Player)),
            None,
        );
        let a = p["anchors"].as_array()?.clone();
        (a.iter().any(|x| x["what"] == "commitment") && a.iter().any(|x| x["what"] == "reveal"))
            .then_some(a)
    });
    // Every revealed link has its own anchor entry too.
    let ended = proof["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ended"] == true)
        .count();
    wait_for("every revealed link anchored", LIMIT, || {
        let (_, p) = api.call(
            "GET",
            &format!("/games/{id}/proof"),
            Some(("bob", Player)),
            None,
        );
        let mut rounds: Vec<u64> = p["anchors"]
            .as_array()?
            .iter()
            .filter(|a| a["what"] == "round")
            .filter_map(|a| a["round"].as_u64())
            .collect();
        rounds.sort_unstable();
        (rounds == (1..=ended as u64).collect::<Vec<_>>()).then_some(())
    });
    let find = |what: &str| anchors.iter().find(|a| a["what"] == what).unwrap().clone();
    let (commit, reveal) = (find("commitment"), find("reveal"));
    assert!(
        commit["height"].as_u64() < reveal["height"].as_u64(),
        "{anchors:?}"
    );
    let block: Value = support::http()
        .get(format!(
            "https://{}/blocks/{}",
            sb.validator(2),
            commit["height"]
        ))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(block["hash"], commit["block_hash"]);
    let p = block["block"]["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == commit["proposal_id"])
        .unwrap()
        .clone();
    assert_eq!(p["kind"], "game.anchors");
    let entry = p["payload"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["game_id"] == json!(id) && e["what"] == "commitment")
        .unwrap()
        .clone();
    assert_eq!(entry["commitment"], json!(commitment));

    let (_, g) = api.call(
        "GET",
        &format!("/games/{id}"),
        Some(("alice", Player)),
        None,
    );
    assert_eq!(g["status"], "finished");

    // Business metrics, clean for Prometheus. (Counters start over with the
    // engine process, which this test restarted: only the close is counted;
    // the open-games gauge is rebuilt from the store.)
    let metrics = support::gets(sb.engine(), "/metrics").text().unwrap();
    for line in [
        "bitcraps_engine_games_finished_total{game_type=\"craps\"} 1",
        "bitcraps_engine_actions_total{action=\"close\",game_type=\"craps\",outcome=\"applied\"} 1",
        "bitcraps_engine_games_open{game_type=\"craps\"} 0",
    ] {
        assert!(metrics.contains(line), "{line} missing:\n{metrics}");
    }
    support::promtool_check(&metrics);
    let total: u64 = g["players"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["balance"].as_u64().unwrap())
        .sum();
    let house = g["house"].as_u64().unwrap();
    assert_eq!(total + house, 2000 + BANKROLL, "chips are conserved");

    // And in the wallet: the table's escrow is back at zero, each player
    // holds what they started with less the buy-in plus their final stack,
    // the house the rest, and the ledger audits clean.
    let wallet = |path: &str| -> Value {
        support::http()
            .get(format!("https://{}{path}", sb.wallet()))
            .bearer_auth(api.token("root", Admin))
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    assert_eq!(wallet(&format!("/accounts/table:{id}"))["balance"], 0);
    for p in g["players"].as_array().unwrap() {
        let name = p["id"].as_str().unwrap();
        assert_eq!(
            wallet(&format!("/accounts/player:{name}"))["balance"]
                .as_i64()
                .unwrap(),
            DEMO_CHIPS - 1000 + p["balance"].as_i64().unwrap(),
            "{name}'s wallet after the game"
        );
    }
    let audit = wallet("/audit");
    assert_eq!(audit["ok"], true, "{audit}");
    assert_eq!(audit["balance_sum"], 0, "{audit}");

    // Finished, anchored and settled, the game needs nothing more of the
    // engine: it leaves memory once idle (1 s here) and is read back from
    // the store, the same, when asked; a restarted engine does not load
    // it at all, and the listing finds it in the store.
    let read = |path: &str| {
        api.call(
            "GET",
            &format!("/games/{id}{path}"),
            Some(("alice", Player)),
            None,
        )
        .1
    };
    let in_memory = || -> Option<u64> {
        let text = support::gets(sb.engine(), "/metrics").text().ok()?;
        text.lines()
            .find_map(|l| l.strip_prefix("bitcraps_engine_games_in_memory "))?
            .trim()
            .parse()
            .ok()
    };
    let (game, proof) = (read(""), read("/proof"));
    wait_for("the finished game leaves memory", LIMIT, || {
        (in_memory()? == 0).then_some(())
    });
    assert_eq!(read(""), game, "read back from the store");
    assert_eq!(read("/proof"), proof);
    assert_eq!(in_memory(), Some(1), "kept while it is asked for");
    let (s, list) = api.call(
        "GET",
        "/games?status=finished",
        Some(("admin", Admin)),
        None,
    );
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["games"][0]["id"], json!(id), "{list}");
    assert_eq!(list["games"][0]["version"], game["version"], "{list}");
    kill9_engine(&sb);
    assert_eq!(
        in_memory(),
        Some(0),
        "a restarted engine leaves it in the store"
    );
    assert_eq!(read(""), game);
    assert_eq!(read("/proof"), proof);
}

/// The outside tester's exploit (issue 14): with a big buy-in, bet any_7
/// for more than the house bankroll pays at 4:1, then roll; a 409 on the
/// roll used to mean "the next roll is a 7". Now the bet is refused when
/// placed (422, nothing changed, nothing drawn), a bet the bankroll covers
/// rolls whatever comes, and the refusal reads the same before a seven as
/// before any other roll. The same for a blackjack bet whose best round
/// (splits, doubles) the house could not pay.
#[test]
fn a_refused_bet_tells_nothing_about_the_next_draw() {
    // Tables backed by 10^9 chips, and players who can buy in for billions.
    let sb = Sandbox::new().env("TABLE_BANKROLL", "1000000000");
    sb.up_funded();
    sb.fund("alice", 11_000_000_000);
    sb.fund("bob", 1_000_000_000);
    let api = Api::new(&sb);
    let game = |id: &str| {
        api.call(
            "GET",
            &format!("/games/{id}"),
            Some(("alice", Player)),
            None,
        )
        .1
    };
    let draws = |id: &str| {
        api.call(
            "GET",
            &format!("/games/{id}/proof"),
            Some(("alice", Player)),
            None,
        )
        .1["draws"]
            .as_array()
            .unwrap()
            .len()
    };

    // Craps.
    let id = create_anchored(
        &api,
        json!({
            "game_type": "craps",
            "players": [{"id": "alice", "buy_in": 2_000_000_000u64}],
            "config": {"min_bet": 1, "max_bet": 1_000_000_000u64},
            "client_seed": "exposure",
        }),
    );
    let before = game(&id);
    assert_eq!(before["house"], 1_000_000_000u64);
    let (s, r) = api.act(
        &id,
        "alice",
        json!({"type": "bet", "bet": "any_7", "amount": 400_000_000}),
    );
    assert_eq!(s, 422, "{r}");
    assert_eq!(
        r["detail"],
        "any_7 for 400000000 would put the table's worst-case payout on one roll at \
         1600000000 chips; the house bankroll backing the table is 1000000000"
    );
    assert_eq!(game(&id), before, "a refused bet changes nothing");
    assert_eq!(draws(&id), 0, "nothing was drawn");
    // Just under: 4 x 250000000 is the whole bankroll. It rolls, whatever.
    let (s, r) = api.act(
        &id,
        "alice",
        json!({"type": "bet", "bet": "any_7", "amount": 250_000_000}),
    );
    assert_eq!(s, 200, "{r}");
    let (s, r) = api.act(&id, "alice", json!({"type": "roll"}));
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["events"][0]["data"]["nonce"], 0);
    // Now try the exploit before many rolls: the refusal is the same before
    // a seven and before anything else, and no roll is ever refused.
    let house = game(&id)["house"].as_u64().unwrap();
    let over = house / 4 + 1;
    let mut refusals = std::collections::BTreeSet::new();
    let (mut sevens, mut others) = (0, 0);
    let mut nonce = 1;
    while (sevens == 0 || others == 0) && nonce < 400 {
        let (s, r) = api.act(
            &id,
            "alice",
            json!({"type": "bet", "bet": "any_7", "amount": over}),
        );
        assert_eq!(s, 422, "{r}");
        refusals.insert(r["detail"].as_str().unwrap().to_string());
        let (s, r) = api.act(&id, "alice", json!({"type": "roll"}));
        assert_eq!(s, 200, "{r}");
        assert_eq!(r["events"][0]["data"]["nonce"], nonce, "no draw is skipped");
        if r["events"][0]["data"]["outcome"]["total"] == 7 {
            sevens += 1;
        } else {
            others += 1;
        }
        nonce += 1;
    }
    assert!(sevens > 0 && others > 0, "{sevens} sevens, {others} others");
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(draws(&id), nonce as usize);

    // Blackjack: a bet's best round is 8x (four split hands, each doubled).
    let id = create_anchored(
        &api,
        json!({
            "game_type": "blackjack",
            "players": [{"id": "alice", "buy_in": 10_000_000_000u64}, {"id": "bob", "buy_in": 2_000_000_000u64}],
            "config": {"decks": 1, "reshuffle_at": 20, "min_bet": 1, "max_bet": 1_000_000_000u64},
            "client_seed": "exposure",
        }),
    );
    let before = game(&id);
    let (s, r) = api.act(&id, "alice", json!({"type": "bet", "amount": 125_000_001}));
    assert_eq!(s, 422, "{r}");
    assert_eq!(
        r["detail"],
        "a bet of 125000001 would put the table's worst-case payout in one round (blackjacks, \
         doubles, splits to max_hands, insurance) at 1000000008 chips; the house bankroll \
         backing the table is 1000000000"
    );
    assert_eq!(game(&id), before, "a refused bet changes nothing");
    assert_eq!(draws(&id), 0, "nothing was drawn");
    for round in 0..3 {
        let house = game(&id)["house"].as_u64().unwrap();
        let limit = house / 8;
        let (s, r) = api.act(&id, "alice", json!({"type": "bet", "amount": limit}));
        assert_eq!(s, 200, "round {round}: {r}");
        // The table is now fully exposed: bob's 1 chip is refused, with a
        // text made of public figures only.
        let (s, r) = api.act(&id, "bob", json!({"type": "bet", "amount": 1}));
        assert_eq!(s, 422, "{r}");
        assert_eq!(
            r["detail"],
            format!(
                "a bet of 1 would put the table's worst-case payout in one round (blackjacks, \
                 doubles, splits to max_hands, insurance) at {} chips; the house bankroll \
                 backing the table is {house}",
                8 * limit + 8
            )
        );
        // Deal and play the round out, splitting and doubling when allowed:
        // nothing is refused once cards are out.
        let (s, r) = api.act(&id, "alice", json!({"type": "deal"}));
        assert_eq!(s, 200, "{r}");
        loop {
            let g = game(&id);
            let tries = match g["table"]["phase"].as_str().unwrap() {
                "insurance" => vec![json!({"type": "insurance", "amount": limit / 2})],
                "player_turns" => vec![
                    json!({"type": "split"}),
                    json!({"type": "double"}),
                    json!({"type": "stand"}),
                ],
                _ => break,
            };
            let mut applied = false;
            for action in tries {
                let (s, r) = api.act(&id, "alice", action.clone());
                assert!(s == 200 || s == 409 || s == 422, "{action}: {s} {r}");
                if s == 200 {
                    applied = true;
                    break;
                }
            }
            assert!(applied, "round {round}: no decision was accepted");
        }
    }
    let g = game(&id);
    let total: u64 = g["players"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["balance"].as_u64().unwrap())
        .sum();
    assert_eq!(
        u128::from(total) + u128::from(g["house"].as_u64().unwrap()),
        12_000_000_000 + 1_000_000_000,
        "chips are conserved"
    );
}

/// Clients that hang up while their action is being stored (a gateway
/// timing out, a load generator giving up) must not tear the game: what
/// the store holds and what the engine serves stay the same, and the game
/// goes on. (The engine once stored such an action but dropped it from
/// memory, refusing every later action of the game with a sequence
/// conflict.)
#[test]
fn clients_hanging_up_mid_action_leave_the_game_whole() {
    use std::io::Write as _;
    let sb = Sandbox::new();
    sb.up_funded();
    let api = Api::new(&sb);
    let id = new_craps(&api, &["alice", "bob"]);
    let engine = sb.engine();
    let tokens: Vec<(String, String)> = ["alice", "bob"]
        .iter()
        .map(|p| (p.to_string(), api.token(p, Player)))
        .collect();
    // Raw requests cut off 0–9 ms after they are sent: some before the
    // engine reads them, some while they are being stored, some after.
    std::thread::scope(|scope| {
        for t in 0..4u64 {
            let (id, tokens) = (&id, &tokens);
            scope.spawn(move || {
                for i in 0..50u64 {
                    let (player, token) = &tokens[usize::from(i % 2 == 0)];
                    let body = json!({"player_id": player, "action": {"type": "roll"}}).to_string();
                    let req = format!(
                        "POST /games/{id}/actions HTTP/1.1\r\nhost: {engine}\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    let Ok(mut conn) = support::tls_connect(engine) else {
                        continue;
                    };
                    let _ = conn.write_all(req.as_bytes());
                    std::thread::sleep(Duration::from_millis((i * 7 + t * 3) % 10));
                    drop(conn);
                }
            });
        }
    });
    let shooter = |api: &Api| {
        let (_, g) = api.call(
            "GET",
            &format!("/games/{id}"),
            Some(("alice", Player)),
            None,
        );
        g["table"]["shooter"].as_str().unwrap().to_string()
    };
    // The game goes on: every roll by the shooter is taken, one version
    // after another.
    let mut version = None;
    for _ in 0..10 {
        // A request whose client hung up still runs to completion, so a
        // roll of theirs may land (and pass the dice) between reading the
        // shooter and rolling: then read the shooter again.
        let (s, r) = wait_for("a roll by the shooter", Duration::from_secs(30), || {
            let who = shooter(&api);
            let (s, r) = api.act(&id, &who, json!({"type": "roll"}));
            let moved_on = s == 409
                && r["detail"]
                    .as_str()
                    .is_some_and(|d| d.starts_with("only the shooter rolls"));
            (!moved_on).then_some((s, r))
        });
        assert_eq!(s, 200, "a roll after the hang-ups: {r}");
        let v = r["game"]["version"].as_u64().unwrap();
        if let Some(prev) = version {
            assert!(v > prev, "{v} after {prev}");
        }
        version = Some(v);
    }
    // And what the engine served is what it stored: a restarted engine
    // serves the same game.
    assert_game_survives_engine_kill9(&sb, &api, &id, "the stored game is the served game");
}

#[test]
fn bad_requests_get_the_right_status_and_change_nothing() {
    let sb = Sandbox::new()
        .env("MAX_PLAYERS_PER_GAME", "2")
        .env("MAX_CONCURRENT_GAMES", "3")
        .env("MAX_TABLES_PER_PLAYER", "2");
    sb.up_funded();
    let api = Api::new(&sb);
    let id = new_craps(&api, &["alice", "bob"]);
    let (_, before) = api.call(
        "GET",
        &format!("/games/{id}"),
        Some(("alice", Player)),
        None,
    );

    // 401: no token, a forged token.
    let (s, _) = api.call("GET", "/games", None, None);
    assert_eq!(s, 401);
    // Signed by a key that is not in the set.
    let stranger = bitcraps::auth::keys::generate();
    let forged = bitcraps::auth::sign(
        &bitcraps::auth::SignKey::ed25519(&stranger),
        &support::Tokens::claims("alice", Admin),
    )
    .unwrap();
    let r = api
        .http
        .get(format!("{}/games", api.base))
        .bearer_auth(forged)
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
    // 403: acting as someone else, closing without admin.
    let (s, _) = api.call(
        "POST",
        &format!("/games/{id}/actions"),
        Some(("alice", Player)),
        Some(json!({"player_id": "bob", "action": {"type": "roll"}})),
    );
    assert_eq!(s, 403);
    let (s, _) = api.act(&id, "alice", json!({"type": "close"}));
    assert_eq!(s, 403);
    // 404: unknown game, unknown player.
    let (s, _) = api.act("no-such-game", "alice", json!({"type": "roll"}));
    assert_eq!(s, 404);
    let (s, _) = api.act(
        &id,
        "carol",
        json!({"type": "bet", "bet": "pass", "amount": 10}),
    );
    assert_eq!(s, 404);
    // 400: malformed JSON.
    let r = api
        .http
        .post(format!("{}/games/{id}/actions", api.base))
        .bearer_auth(api.token("alice", Player))
        .header("content-type", "application/json")
        .body("{\"player_id\": ")
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    // 409: not legal now (a come bet on the come-out, rolling out of turn).
    let (s, p) = api.act(
        &id,
        "alice",
        json!({"type": "bet", "bet": "come", "amount": 10}),
    );
    assert_eq!(s, 409, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("point"), "{p}");
    let (s, _) = api.act(&id, "bob", json!({"type": "roll"}));
    assert_eq!(s, 409);
    // 422: valid JSON that breaks a rule.
    for bad in [
        json!({"type": "bet", "bet": "pass", "amount": 501}),
        json!({"type": "bet", "bet": "pass", "amount": 1001}),
        json!({"type": "bet", "bet": "place_7", "amount": 10}),
        json!({"type": "dance"}),
    ] {
        let (s, p) = api.act(&id, "alice", bad.clone());
        assert_eq!(s, 422, "{bad}: {p}");
    }
    let (_, after) = api.call(
        "GET",
        &format!("/games/{id}"),
        Some(("alice", Player)),
        None,
    );
    assert_eq!(after, before, "refused actions changed nothing");

    // Limits: players per game, then concurrent games.
    let (s, p) = api.act(&id, "carol", json!({"type": "join", "buy_in": 100}));
    assert_eq!(s, 409, "{p}");
    let (s, p) = api.call("POST", "/games", Some(("admin", Admin)), Some(json!({
        "game_type": "craps", "players": [{"id": "a", "buy_in": 1}, {"id": "b", "buy_in": 1}, {"id": "c", "buy_in": 1}]})));
    assert_eq!(s, 409, "{p}");
    // alice sits at one table; one more is allowed, a third is not (each
    // would take a bankroll from the house).
    new_craps(&api, &["alice"]);
    let (s, p) = api.call(
        "POST",
        "/games",
        Some(("alice", Player)),
        Some(json!({"game_type": "craps", "players": [{"id": "alice", "buy_in": 1}]})),
    );
    assert_eq!(s, 409, "{p}");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("MAX_TABLES_PER_PLAYER"),
        "{p}"
    );
    new_craps(&api, &["carol"]);
    let (s, p) = api.call(
        "POST",
        "/games",
        Some(("dave", Player)),
        Some(json!({
        "game_type": "craps", "players": [{"id": "dave", "buy_in": 10}]})),
    );
    assert_eq!(s, 409, "{p}");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("MAX_CONCURRENT_GAMES"),
        "{p}"
    );
    // A player may not buy others in.
    let (s, _) = api.call(
        "POST",
        "/games",
        Some(("dave", Player)),
        Some(json!({
        "game_type": "craps", "players": [{"id": "erin", "buy_in": 10}]})),
    );
    assert_eq!(s, 403);

    // Listing filters and pages.
    let (s, list) = api.call(
        "GET",
        "/games?game_type=craps&status=open&limit=1",
        Some(("alice", Player)),
        None,
    );
    assert_eq!(s, 200);
    assert_eq!(list["total"], 3);
    assert_eq!(list["games"].as_array().unwrap().len(), 1);
    let (s, _) = api.call(
        "GET",
        "/games?game_type=roulette",
        Some(("alice", Player)),
        None,
    );
    assert_eq!(s, 400);
}

/// The documented shuffle: Fisher–Yates from the top with 4-byte
/// big-endian rejection-sampled indices, recomputed independently.
fn shuffle(server_seed: &[u8], client_seed: &str, nonce: u64, n: usize) -> Vec<usize> {
    let mut stream = Vec::new();
    let mut round = 0;
    let mut pos = 0;
    let mut next = |stream: &mut Vec<u8>| -> u8 {
        if pos == stream.len() {
            let mut mac = Hmac::<Sha256>::new_from_slice(server_seed).unwrap();
            mac.update(format!("{client_seed}:{nonce}:{round}").as_bytes());
            stream.extend_from_slice(&mac.finalize().into_bytes());
            round += 1;
        }
        pos += 1;
        stream[pos - 1]
    };
    let mut items: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let m = (i + 1) as u64;
        let limit = (1u64 << 32) - ((1u64 << 32) % m);
        let j = loop {
            let x = u32::from_be_bytes([
                next(&mut stream),
                next(&mut stream),
                next(&mut stream),
                next(&mut stream),
            ]);
            if u64::from(x) < limit {
                break (u64::from(x) % m) as usize;
            }
        };
        items.swap(i, j);
    }
    items
}

/// Card index 0..52 (suit * 13 + rank) as the engine writes it ("As").
fn card_name(i: usize) -> String {
    let ranks = b"23456789TJQKA";
    let suits = b"cdhs";
    format!("{}{}", ranks[i % 13] as char, suits[i / 13] as char)
}

#[test]
fn blackjack_rounds_deal_from_a_verifiable_shoe() {
    let sb = Sandbox::new();
    sb.up_funded();
    let api = Api::new(&sb);
    let (s, g) = api.call(
        "POST",
        "/games",
        Some(("alice", Player)),
        Some(json!({
            "game_type": "blackjack",
            "players": [{"id": "alice", "buy_in": 500}],
            "config": {"decks": 2, "reshuffle_at": 26, "min_bet": 5, "max_bet": 100},
        })),
    );
    assert_eq!(s, 201, "{g}");
    let id = g["id"].as_str().unwrap().to_string();
    // The first deal waits for the commitment's anchor; the seed does not.
    let (s, r) = api.act(
        &id,
        "alice",
        json!({"type": "seed", "client_seed": "bj-seed"}),
    );
    assert_eq!(s, 200, "{r}");
    let mut dealt_order: Vec<String> = Vec::new();
    for _ in 0..5 {
        let (s, r) = api.act(&id, "alice", json!({"type": "bet", "amount": 10}));
        assert_eq!(s, 200, "{r}");
        let (s, r) = api.act(&id, "alice", json!({"type": "deal"}));
        assert_eq!(s, 200, "{r}");
        // Cards come off the shoe in order: collect what was dealt.
        let mut record = |events: &Value| {
            for ev in events.as_array().unwrap() {
                for c in ev["data"]["dealt"].as_array().into_iter().flatten() {
                    dealt_order.push(c["card"].as_str().unwrap().to_string());
                }
            }
        };
        record(&r["events"]);
        // Play the round out: decline insurance, double the first decision.
        loop {
            let (_, g) = api.call(
                "GET",
                &format!("/games/{id}"),
                Some(("alice", Player)),
                None,
            );
            let action = match g["table"]["phase"].as_str().unwrap() {
                "insurance" => json!({"type": "decline_insurance"}),
                "player_turns" => {
                    // The hole card stays hidden while players decide.
                    assert_eq!(g["table"]["dealer"]["hidden"], 1, "{g}");
                    assert_eq!(g["table"]["dealer"]["cards"].as_array().unwrap().len(), 1);
                    json!({"type": "double"})
                }
                _ => break,
            };
            let (s, r) = api.act(&id, "alice", action);
            assert_eq!(s, 200, "{r}");
            record(&r["events"]);
        }
    }
    let (_, g) = api.call(
        "GET",
        &format!("/games/{id}"),
        Some(("alice", Player)),
        None,
    );
    let balance = g["players"][0]["balance"].as_u64().unwrap();
    assert_eq!(
        balance + g["house"].as_u64().unwrap(),
        500 + BANKROLL,
        "chips conserved"
    );
    // An illegal action: double with no hand.
    let (s, _) = api.act(&id, "alice", json!({"type": "double"}));
    assert!(s == 409 || s == 422, "{s}");

    // The shoe in play is hidden until its round ends.
    let (_, p) = api.call(
        "GET",
        &format!("/games/{id}/proof?round=1"),
        Some(("alice", Player)),
        None,
    );
    assert_eq!(p["round"]["ended"], false, "{p}");
    assert!(
        p["round"]["draws"][0]["result"].is_string(),
        "no deck order in play: {p}"
    );
    let proof = api.close_and_prove(&id, "alice");
    let (seed, client_seed) = round_seeds(&proof, 1);
    assert_eq!(client_seed, mix(&[("alice", "bj-seed")]));
    let draw = &proof["draws"][0];
    assert_eq!(draw["kind"], "shuffle");
    let order = shuffle(&seed, &client_seed, 0, 104);
    let expected: Vec<String> = order.iter().map(|i| card_name(i % 52)).collect();
    assert_eq!(
        draw["result"],
        json!(expected),
        "the shoe recomputes from the seed"
    );
    // The cards dealt in the five rounds (hole cards included, once
    // revealed) are exactly the top of the recomputed shoe.
    let mut dealt = dealt_order.clone();
    let mut top: Vec<String> = expected.iter().take(dealt.len()).cloned().collect();
    dealt.sort();
    top.sort();
    assert_eq!(dealt, top, "dealt cards are the top of the shoe");
    assert_eq!(
        verify_with_script(&proof),
        0,
        "scripts/verify_proof.py accepts the proof"
    );
    let mut tampered = proof.clone();
    tampered["draws"][0]["result"][0] = json!("As");
    tampered["draws"][0]["result"][1] = json!("Ks");
    assert_eq!(verify_with_script(&tampered), 1, "a changed shoe is caught");
    let (_, doc) = api.call(
        "GET",
        &format!("/games/{id}/proof?round=1"),
        Some(("alice", Player)),
        None,
    );
    assert_eq!(
        verify_with_script(&doc),
        0,
        "the shoe's round with its payouts: {doc}"
    );
}

#[test]
fn poker_hands_move_chips_between_players_only() {
    let sb = Sandbox::new();
    sb.up_funded();
    let api = Api::new(&sb);
    let (s, g) = api.call("POST", "/games", Some(("admin", Admin)), Some(json!({
        "game_type": "poker",
        "players": [{"id": "alice", "buy_in": 200}, {"id": "bob", "buy_in": 200}, {"id": "carol", "buy_in": 200}],
        "config": {"small_blind": 1, "big_blind": 2},
    })));
    assert_eq!(s, 201, "{g}");
    let id = g["id"].as_str().unwrap().to_string();
    for hand in 0..3 {
        let (s, r) = api.act(&id, "alice", json!({"type": "deal"}));
        assert_eq!(s, 200, "hand {hand}: {r}");
        // Only your own hole cards are visible.
        let (_, view) = api.call("GET", &format!("/games/{id}"), Some(("bob", Player)), None);
        for seat in view["table"]["seats"].as_array().unwrap() {
            let cards = &seat["cards"];
            if seat["player"] == "bob" {
                assert!(cards.as_array().is_some_and(|c| c.len() == 2), "{seat}");
            } else {
                assert!(
                    cards.is_null() || cards.as_array().is_some_and(|c| c.is_empty()),
                    "{seat}"
                );
            }
        }
        // Everyone calls or checks to showdown; acting out of turn is refused.
        for _ in 0..40 {
            let (_, view) = api.call(
                "GET",
                &format!("/games/{id}"),
                Some(("alice", Player)),
                None,
            );
            let Some(who) = view["table"]["to_act"].as_str().map(str::to_string) else {
                break;
            };
            let other = ["alice", "bob", "carol"]
                .into_iter()
                .find(|p| *p != who)
                .unwrap();
            let (s, _) = api.act(&id, other, json!({"type": "check"}));
            assert_eq!(s, 409, "out of turn");
            let to_call = view["table"]["to_call"].as_u64().unwrap();
            let action = if to_call > 0 {
                json!({"type": "call"})
            } else {
                json!({"type": "check"})
            };
            let (s, r) = api.act(&id, &who, action);
            assert_eq!(s, 200, "{r}");
        }
        let (_, view) = api.call(
            "GET",
            &format!("/games/{id}"),
            Some(("alice", Player)),
            None,
        );
        assert_eq!(
            view["table"]["in_progress"], false,
            "hand {hand} finished: {view}"
        );
        let total: u64 = view["players"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["balance"].as_u64().unwrap())
            .sum();
        assert_eq!(total, 600, "chips only move between players");
        assert_eq!(view["house"], BANKROLL);
        // A hand is a round: it verifies alone, the table still open.
        let (s, doc) = api.call(
            "GET",
            &format!("/games/{id}/proof?round={}", hand + 1),
            Some(("carol", Player)),
            None,
        );
        assert_eq!(s, 200, "{doc}");
        assert_eq!(doc["round"]["ended"], true, "{doc}");
        assert_eq!(verify_with_script(&doc), 0, "hand {hand} verifies: {doc}");
    }
}

/// Runs the README's stand-alone verifier (Python standard library only).
fn verify_with_script(proof: &Value) -> i32 {
    use std::io::Write;
    let mut child = std::process::Command::new("python3")
        .arg(support::repo_root().join("scripts/verify_proof.py"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs the verifier");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(proof.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    out.status.code().unwrap_or(-1)
}

/// Commit first, then seeds (issue 14): the engine refuses a client seed
/// in `POST /games` (its server seed is chosen after the request arrives,
/// so it could grind against it); after the commitment is published every
/// seated player may contribute one (`seed`, or on `join`) until the first
/// draw, then 409; every draw uses all contributions in the order accepted,
/// which the proof lists, and both verifiers recompute with them.
#[test]
fn seeds_come_after_the_commitment_and_close_at_the_first_draw() {
    let sb = Sandbox::new();
    sb.up_funded();
    let api = Api::new(&sb);
    let (s, r) = api.call(
        "POST",
        "/games",
        Some(("alice", Player)),
        Some(json!({
            "game_type": "craps",
            "players": [{"id": "alice", "buy_in": 1000}],
            "client_seed": "chosen-before-the-commitment",
        })),
    );
    assert_eq!(s, 422, "a client seed before the commitment: {r}");
    assert!(r["detail"].as_str().unwrap().contains("seed"), "{r}");
    let (_, list) = api.call("GET", "/games", Some(("alice", Player)), None);
    assert_eq!(list["total"], 0, "nothing was created: {list}");

    let id = new_craps(&api, &["alice"]); // alice contributes "test-client-seed"
    let (s, r) = api.act(
        &id,
        "bob",
        json!({"type": "join", "buy_in": 500, "client_seed": "bob's seed"}),
    );
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["events"][1]["kind"], "seeded", "{r}");
    let (s, r) = api.act(&id, "carol", json!({"type": "join", "buy_in": 500}));
    assert_eq!(s, 200, "{r}");
    let (s, r) = api.act(&id, "bob", json!({"type": "seed", "client_seed": "twice"}));
    assert_eq!(s, 409, "one contribution per player: {r}");
    let (s, r) = api.act(&id, "dave", json!({"type": "seed", "client_seed": "x"}));
    assert_eq!(s, 404, "only seated players contribute: {r}");
    let (s, r) = api.act(&id, "carol", json!({"type": "seed", "client_seed": ""}));
    assert_eq!(s, 422, "{r}");

    let expected = mix(&[("alice", "test-client-seed"), ("bob", "bob's seed")]);
    let proof = |viewer: &str| {
        api.call(
            "GET",
            &format!("/games/{id}/proof"),
            Some((viewer, Player)),
            None,
        )
        .1
    };
    let p = proof("carol");
    assert_eq!(p["client_seed"], json!(expected), "{p}");
    assert_eq!(p["seed_scheme"], "chain");
    assert!(p["commitment_height"].as_u64().unwrap() >= 1, "{p}");

    let (s, r) = api.act(&id, "alice", json!({"type": "roll"}));
    assert_eq!(s, 200, "{r}");
    let (_, before) = api.call(
        "GET",
        &format!("/games/{id}"),
        Some(("carol", Player)),
        None,
    );
    // carol contributed nothing before the first draw; now it is too late.
    let (s, r) = api.act(&id, "carol", json!({"type": "seed", "client_seed": "late"}));
    assert_eq!(s, 409, "a seed after the first draw: {r}");
    assert!(r["detail"].as_str().unwrap().contains("first draw"), "{r}");
    let (s, r) = api.act(
        &id,
        "erin",
        json!({"type": "join", "buy_in": 5, "client_seed": "late"}),
    );
    assert_eq!(s, 409, "{r}");
    let (_, after) = api.call(
        "GET",
        &format!("/games/{id}"),
        Some(("carol", Player)),
        None,
    );
    assert_eq!(after, before, "refused seeds change nothing");

    let proof = api.close_and_prove(&id, "carol");
    let (seed, _) = round_seeds(&proof, 1);
    let c = proof["rounds"][0]["contributions"].as_array().unwrap();
    let listed: Vec<(&str, &str)> = c
        .iter()
        .map(|c| {
            (
                c["player"].as_str().unwrap(),
                c["client_seed"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [("alice", "test-client-seed"), ("bob", "bob's seed")]
    );
    let roll = &proof["draws"][0]["result"];
    let (a, b) = dice(&seed, &expected, 0);
    assert_eq!(*roll, json!([a, b]), "the roll uses every contribution");
    assert_eq!(verify_with_script(&proof), 0, "{proof}");
    let mut tampered = proof.clone();
    tampered["rounds"][0]["contributions"][1]["client_seed"] = json!("another seed");
    assert_eq!(
        verify_with_script(&tampered),
        1,
        "a changed contribution is caught"
    );
    let mut unanchored = proof.clone();
    unanchored["commitment_height"] = Value::Null;
    assert_eq!(
        verify_with_script(&unanchored),
        1,
        "draws without an anchored commitment are caught"
    );
    // `bitcraps game verify` recomputes with the contributions too.
    let r = wait_for("the game to verify with its reveal", LIMIT, || {
        let r = sb.run(&["game", "verify", &id]);
        (r.code == 0 && r.stdout.contains("reveal at height")).then_some(r)
    });
    assert!(
        r.stdout.contains("1 round(s) chain to the commitment"),
        "{r}"
    );
}

/// Anchored before the first draw (issue 14): with two of four validators
/// frozen there is no quorum, so the commitment cannot reach a block and
/// the first roll is refused — 503, problem+json, `Retry-After` — after a
/// bounded wait, with nothing applied; seeds and bets are still taken.
/// Once the validators are back the roll is made, after the commitment's
/// block, and the proof gives that block's height.
#[test]
fn no_first_draw_before_the_commitment_is_in_a_committed_block() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    let sb = Sandbox::new();
    sb.up_funded();
    let api = Api::new(&sb);
    let ps = sb.ps();
    let frozen: Vec<i32> = ["validator-1", "validator-2"]
        .iter()
        .map(|v| Sandbox::service(&ps, v)["pid"].as_i64().unwrap() as i32)
        .collect();
    let signal = |sig| {
        for pid in &frozen {
            kill(Pid::from_raw(*pid), sig).unwrap();
        }
    };
    signal(Signal::SIGSTOP);

    let (s, g) = api.call(
        "POST",
        "/games",
        Some(("alice", Player)),
        Some(json!({"game_type": "craps", "players": [{"id": "alice", "buy_in": 1000}]})),
    );
    assert_eq!(s, 201, "creating does not wait for the validators: {g}");
    let id = g["id"].as_str().unwrap().to_string();
    let (s, r) = api.act(
        &id,
        "alice",
        json!({"type": "bet", "bet": "pass", "amount": 10}),
    );
    assert_eq!(s, 200, "{r}");
    let view = |api: &Api| {
        api.call(
            "GET",
            &format!("/games/{id}"),
            Some(("alice", Player)),
            None,
        )
        .1
    };
    let before = view(&api);

    // The roll: refused, clearly, after a bounded wait.
    let slow = support::http_builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let roll = || {
        slow.post(format!("{}/games/{id}/actions", api.base))
            .bearer_auth(api.token("alice", Player))
            .json(&json!({"player_id": "alice", "action": {"type": "roll"}}))
            .send()
            .unwrap()
    };
    let started = std::time::Instant::now();
    let resp = roll();
    let waited = started.elapsed();
    assert_eq!(resp.status(), 503, "no quorum, no first draw");
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let retry_after: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    let body: Value = resp.json().unwrap();
    assert_eq!(body["status"], 503);
    assert!(
        body["detail"].as_str().unwrap().contains("committed block"),
        "{body}"
    );
    assert!(
        waited < Duration::from_secs(20),
        "a bounded wait: {waited:?}"
    );
    assert_eq!(view(&api), before, "nothing applied");
    let (_, p) = api.call(
        "GET",
        &format!("/games/{id}/proof"),
        Some(("alice", Player)),
        None,
    );
    assert_eq!(p["draws"], json!([]), "nothing drawn: {p}");
    assert_eq!(p["commitment_height"], Value::Null, "{p}");
    // Seeds are still taken while the commitment waits for its block.
    let (s, r) = api.act(&id, "alice", json!({"type": "seed", "client_seed": "s"}));
    assert_eq!(s, 200, "{r}");

    // Quorum back: the commitment commits and the roll goes ahead.
    signal(Signal::SIGCONT);
    let r = wait_for(
        "the first roll after the thaw",
        Duration::from_secs(120),
        || {
            let resp = roll();
            match resp.status().as_u16() {
                200 => Some(resp.json::<Value>().unwrap()),
                503 => None,
                other => panic!("{other}: {}", resp.text().unwrap()),
            }
        },
    );
    assert_eq!(r["events"][0]["kind"], "rolled", "{r}");
    let (_, p) = api.call(
        "GET",
        &format!("/games/{id}/proof"),
        Some(("alice", Player)),
        None,
    );
    let height = p["commitment_height"]
        .as_u64()
        .expect("the proof gives the height");
    let anchor = p["anchors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["what"] == "commitment")
        .unwrap()
        .clone();
    assert_eq!(anchor["height"], json!(height));
    assert_eq!(p["draws"].as_array().unwrap().len(), 1);
    let block: Value = support::http()
        .get(format!("https://{}/blocks/{height}", sb.validator(0)))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(block["hash"], anchor["block_hash"], "{block}");
    // In the game's own log the anchor comes before the roll.
    let log = api
        .http
        .get(format!("{}/games/{id}/events", api.base))
        .bearer_auth(api.token("alice", Player))
        .timeout(Duration::from_secs(10))
        .send()
        .unwrap();
    let kinds: Vec<String> = BufReader::new(log)
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| l.strip_prefix("event: ").map(str::to_string))
        .take_while(|k| k != "rolled")
        .collect();
    assert!(kinds.contains(&"anchored".to_string()), "{kinds:?}");
}

/// A player who stops acting cannot freeze a card table: once
/// `game_engine.turn_timeout` (1 s here) passes, the engine stands for them
/// (declining insurance first when it is offered), each time marked by a
/// `turn_timed_out` event, and the round plays out. A client cannot send
/// that mark itself.
#[test]
fn a_player_who_stops_acting_cannot_freeze_a_card_table() {
    let sb = Sandbox::new().env("TURN_TIMEOUT", "1s");
    sb.up_funded();
    let api = Api::new(&sb);
    let id = create_anchored(
        &api,
        json!({
            "game_type": "blackjack",
            "players": [{"id": "alice", "buy_in": 500}, {"id": "bob", "buy_in": 500}],
            "config": {"min_bet": 5, "max_bet": 100},
        }),
    );
    // A round where someone must act (a dealer's natural, say, ends the
    // round at the deal: then deal another).
    for round in 1.. {
        assert!(round < 20, "twenty rounds ended at the deal");
        for p in ["alice", "bob"] {
            let (s, r) = api.act(&id, p, json!({"type": "bet", "amount": 10}));
            assert_eq!(s, 200, "{r}");
        }
        let (s, r) = api.act(&id, "alice", json!({"type": "deal"}));
        assert_eq!(s, 200, "{r}");
        if r["game"]["table"]["phase"] != "betting" {
            break;
        }
    }
    let (_, g) = api.call("GET", &format!("/games/{id}"), Some(("admin", Admin)), None);
    let (s, r) = api.act(
        &id,
        "alice",
        json!({"type": "stand", "timeout": g["version"]}),
    );
    assert_eq!(s, 400, "{r}");
    wait_for("the round played out without its players", LIMIT, || {
        let (_, g) = api.call("GET", &format!("/games/{id}"), Some(("admin", Admin)), None);
        (g["table"]["phase"] == "betting").then_some(())
    });
    // The finished game's stream replays everything and ends.
    api.close_and_prove(&id, "alice");
    let text = api
        .http
        .get(format!("{}/games/{id}/events", api.base))
        .bearer_auth(api.token("bob", Player))
        .timeout(Duration::from_secs(10))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let timed_out = text.matches("event: turn_timed_out").count();
    assert!(timed_out >= 1, "{text}");
    assert!(text.contains("event: finished"), "{text}");
}

/// A crash between reserving a buy-in and storing its event leaves the
/// reservation open, holding the player's chips until it expires (an
/// hour). When the engine starts it voids such orphans of its earlier
/// runs: the chips are the player's again at once. Another engine's
/// reservations are not its to read or touch.
#[test]
fn an_engine_voids_the_reservations_a_crash_left_when_it_starts() {
    let sb = Sandbox::new();
    sb.up_funded();
    let api = Api::new(&sb);
    let admin = api.token("ops", Admin);
    let wallet = format!("{}/api/v1/wallet", sb.base(sb.gateway()));
    let http = support::http();
    let get = |path: &str, token: &str| {
        let r = http
            .get(format!("{wallet}{path}"))
            .bearer_auth(token)
            .send()
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json::<Value>().unwrap_or(Value::Null))
    };
    let available = || {
        let (status, v) = get("/accounts/player:alice", &admin);
        assert_eq!(status, 200, "{v}");
        v["available"].as_i64().unwrap()
    };
    let before = available();
    // What a crashed run leaves: an event's reservation (its nonce from
    // another run), the event never stored.
    let reserve = |engine: u16, amount: u64| {
        let game = format!("e{engine}-{}", "0f".repeat(16));
        let id = format!("engine.{game}.1.00000000aaaaaaaa.buyin:alice");
        let r = http
            .post(format!("{wallet}/transfers"))
            .bearer_auth(&admin)
            .json(
                &json!({"id": id, "debit": "player:alice", "credit": format!("table:{game}"),
                          "amount": amount, "pending_timeout_ms": 3_600_000}),
            )
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 201, "{}", r.text().unwrap());
        id
    };
    let orphan = reserve(0, 77);
    let others = reserve(1, 5);
    assert_eq!(available(), before - 82);

    // engine-0 restarts: a new run, which finds the orphan and voids it.
    let r = sb.run(&["restart", "engine-0"]);
    assert_eq!(r.code, 0, "{r}");
    let voided = wait_for("the orphan to be voided", LIMIT, || {
        let (status, v) = get(&format!("/transfers/{orphan}:void"), &admin);
        (status == 200).then_some(v)
    });
    assert_eq!(voided["kind"], "void", "{voided}");
    assert_eq!(available(), before - 5, "the 77 chips are alice's again");
    let (status, _) = get(&format!("/transfers/{others}:void"), &admin);
    assert_eq!(
        status, 404,
        "engine-1's reservation is not engine-0's to void"
    );

    // An engine lists only its own reservations.
    let engine0 = sb.service_token("engine-0", bitcraps::auth::Role::Engine);
    let (status, v) = get("/reservations?id_prefix=engine.e1-", &engine0);
    assert_eq!(status, 403, "{v}");
    let (status, v) = get("/reservations?id_prefix=engine.e0-", &engine0);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["transfers"], json!([]), "nothing of engine-0's is open");
    let (status, v) = get("/reservations?id_prefix=engine.", &admin);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["transfers"][0]["id"], others.as_str(), "{v}");
    let alice = api.token("alice", Player);
    assert_eq!(get("/reservations?id_prefix=engine.", &alice).0, 403);
}

/// MAX_TABLES_PER_PLAYER holds against a player who sends many creates at
/// once: each table ties up a bankroll from the house, and a check made
/// before the creation (not reserved with it) would let them all through.
/// Exactly the cap succeeds; once a table finishes, one more may open.
#[test]
fn concurrent_creates_cannot_exceed_the_tables_per_player_cap() {
    let sb = Sandbox::new().env("MAX_TABLES_PER_PLAYER", "2");
    sb.up_funded();
    let api = std::sync::Arc::new(Api::new(&sb));
    let create = |api: &Api| {
        api.call(
            "POST",
            "/games",
            Some(("alice", Player)),
            Some(json!({"game_type": "craps", "players": [{"id": "alice", "buy_in": 10}]})),
        )
    };
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(12));
    let answers: Vec<(u16, Value)> = (0..12)
        .map(|_| {
            let (api, barrier) = (api.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                create(&api)
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    let created: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == 201)
        .map(|(_, g)| g)
        .collect();
    assert_eq!(created.len(), 2, "{answers:?}");
    for (s, p) in answers.iter().filter(|(s, _)| *s != 201) {
        assert_eq!(*s, 409, "{p}");
        assert!(
            p["detail"]
                .as_str()
                .unwrap()
                .contains("MAX_TABLES_PER_PLAYER"),
            "{p}"
        );
    }
    // alice leaves one table (it finishes): one more may open, not two.
    let id = created[0]["id"].as_str().unwrap();
    let (s, p) = api.act(id, "alice", json!({"type": "leave"}));
    assert_eq!(s, 200, "{p}");
    assert_eq!(create(&api).0, 201);
    assert_eq!(create(&api).0, 409);
}

/// An idle open table leaves memory too (issue 19): once nobody has asked
/// for it for `game_engine.stored_idle`, with every action stored and
/// settled, only its summary stays. The listing still shows it, a read
/// brings it back the same, play goes on, and its player's seat still
/// counts against MAX_TABLES_PER_PLAYER while it is away.
#[test]
fn an_idle_open_table_leaves_memory_and_comes_back_the_same() {
    let sb = Sandbox::new()
        .env("ENGINE_STORED_IDLE", "1s")
        .env("MAX_TABLES_PER_PLAYER", "1");
    sb.up_funded();
    let api = Api::new(&sb);
    let id = new_craps(&api, &["alice"]);
    let (s, r) = api.act(
        &id,
        "alice",
        json!({"type": "bet", "bet": "pass", "amount": 10}),
    );
    assert_eq!(s, 200, "{r}");
    let read = || {
        api.call(
            "GET",
            &format!("/games/{id}"),
            Some(("alice", Player)),
            None,
        )
        .1
    };
    let before = read();
    let in_memory = || -> Option<u64> {
        let text = support::gets(sb.engine(), "/metrics").text().ok()?;
        text.lines()
            .find_map(|l| l.strip_prefix("bitcraps_engine_games_in_memory "))?
            .trim()
            .parse()
            .ok()
    };
    wait_for("the idle open table to leave memory", LIMIT, || {
        (in_memory()? == 0).then_some(())
    });
    // Listed while away, and alice's seat still counts.
    let (s, list) = api.call("GET", "/games?status=open", Some(("admin", Admin)), None);
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["games"][0]["id"], json!(id), "{list}");
    let (s, p) = api.call(
        "POST",
        "/games",
        Some(("alice", Player)),
        Some(json!({"game_type": "craps", "players": [{"id": "alice", "buy_in": 10}]})),
    );
    assert_eq!(s, 409, "{p}");
    assert_eq!(
        in_memory(),
        Some(0),
        "a listing and a refused create leave it away"
    );
    // Read back the same, and play goes on.
    assert_eq!(read(), before, "read back from the store");
    assert_eq!(in_memory(), Some(1));
    let (s, r) = api.act(&id, "alice", json!({"type": "roll"}));
    assert_eq!(s, 200, "{r}");
    let (s, list) = api.call("GET", "/games?status=open", Some(("admin", Admin)), None);
    assert_eq!(
        (s, list["total"].clone()),
        (200, json!(1)),
        "listed once: {list}"
    );
}
