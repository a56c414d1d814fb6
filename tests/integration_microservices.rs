//! The design document's integration suite: the whole system as users run
//! it (`bitcraps up`, auth on), driven only through the gateway — every game
//! type played by players acting as themselves, a proposal ordered by the
//! validators and its certificate checked with plain ed25519, a finished game
//! verified from its proof, the refusals — and `bitcraps bench gateway`
//! measuring it, with the k6 scenario's thresholds (tests/load/).

#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use bitcraps::auth::Role::{self, Admin, Player};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use support::{Sandbox, Tokens, wait_for};

const LIMIT: Duration = Duration::from_secs(30);

struct Gw<'a> {
    sb: &'a Sandbox,
    tokens: Tokens,
    http: reqwest::blocking::Client,
}

impl<'a> Gw<'a> {
    fn new(sb: &'a Sandbox) -> Gw<'a> {
        Gw {
            sb,
            tokens: Tokens::of(sb),
            http: support::http_builder().timeout(LIMIT).build().unwrap(),
        }
    }

    /// `method path` through the gateway as `who` (none: no credentials);
    /// status, JSON body and content type.
    fn call(
        &self,
        method: &str,
        path: &str,
        who: Option<(&str, Role)>,
        body: Option<Value>,
    ) -> (u16, Value, String) {
        let url = format!("http://{}{path}", self.sb.gateway());
        let mut r = if method == "POST" {
            self.http.post(url)
        } else {
            self.http.get(url)
        };
        if let Some((sub, role)) = who {
            r = r.bearer_auth(self.tokens.mint(sub, role));
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send().unwrap();
        let status = resp.status().as_u16();
        let ct = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (status, resp.json().unwrap_or(Value::Null), ct)
    }

    fn ok(&self, method: &str, path: &str, who: &str, body: Option<Value>) -> Value {
        let (s, v, _) = self.call(method, path, Some((who, Player)), body);
        assert!((200..300).contains(&s), "{method} {path} as {who}: {s} {v}");
        v
    }

    fn create(&self, who: &str, game_type: &str, config: Value) -> String {
        let g = self.ok(
            "POST",
            "/api/v1/games",
            who,
            Some(json!({"game_type": game_type, "players": [{"id": who, "buy_in": 500}], "config": config})),
        );
        g["id"].as_str().unwrap().to_string()
    }

    fn act(&self, id: &str, who: &str, action: Value) -> Value {
        self.ok(
            "POST",
            &format!("/api/v1/games/{id}/actions"),
            who,
            Some(json!({"player_id": who, "action": action})),
        )
    }

    fn game(&self, id: &str, who: &str) -> Value {
        self.ok("GET", &format!("/api/v1/games/{id}"), who, None)
    }
}

/// The documented vote sign bytes of a commit certificate, checked against
/// the genesis with nothing but ed25519; returns the number of signers.
fn verify_qc(genesis: &Value, qc: &Value, block_hash: &str) -> usize {
    let chain = genesis["chain_id"].as_str().unwrap();
    let mut msg = b"bitcraps-vote-v1".to_vec();
    msg.extend_from_slice(&(chain.len() as u32).to_be_bytes());
    msg.extend_from_slice(chain.as_bytes());
    for k in ["epoch", "height", "view"] {
        msg.extend_from_slice(&qc[k].as_u64().unwrap().to_be_bytes());
    }
    msg.push(2); // commit
    msg.extend_from_slice(&hex::decode(block_hash).unwrap());
    assert_eq!(qc["block_hash"], block_hash);
    let mut signers = std::collections::BTreeSet::new();
    for s in qc["signatures"].as_array().unwrap() {
        let i = s["validator"].as_u64().unwrap() as usize;
        let pk: [u8; 32] = hex::decode(genesis["validators"][i]["public_key"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let sig: [u8; 64] = hex::decode(s["signature"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        VerifyingKey::from_bytes(&pk)
            .unwrap()
            .verify(&msg, &Signature::from_bytes(&sig))
            .unwrap_or_else(|e| panic!("signature of validator {i}: {e}"));
        signers.insert(i);
    }
    signers.len()
}

/// The README's dice draw: bytes of HMAC-SHA256(seed, "client:nonce:round")
/// blocks, each byte < 252 giving a face `b % 6 + 1`.
fn dice(seed: &[u8], client_seed: &str, nonce: u64) -> [u64; 2] {
    let mut faces = Vec::new();
    for round in 0.. {
        let mut mac = Hmac::<Sha256>::new_from_slice(seed).unwrap();
        mac.update(format!("{client_seed}:{nonce}:{round}").as_bytes());
        for b in mac.finalize().into_bytes() {
            if b < 252 {
                faces.push(u64::from(b % 6 + 1));
                if faces.len() == 2 {
                    return [faces[0], faces[1]];
                }
            }
        }
    }
    unreachable!()
}

fn genesis(sb: &Sandbox) -> Value {
    serde_json::from_str(&std::fs::read_to_string(sb.state_dir().join("genesis.json")).unwrap())
        .unwrap()
}

#[test]
fn every_game_type_plays_and_verifies_through_the_gateway_with_auth() {
    let sb = Sandbox::new();
    sb.up_funded();
    let gw = Gw::new(&sb);

    // Craps: alice opens a table for herself, bob joins as himself; pass and
    // field bets, each roll by whoever is the shooter, until the pass bet is
    // decided; then both cash out and the game finishes.
    let craps = gw.create("alice", "craps", json!({"min_bet": 5}));
    gw.act(&craps, "bob", json!({"type": "join", "buy_in": 500}));
    gw.act(
        &craps,
        "alice",
        json!({"type": "bet", "bet": "pass", "amount": 10}),
    );
    let mut rolls = 0;
    loop {
        gw.act(
            &craps,
            "bob",
            json!({"type": "bet", "bet": "field", "amount": 5}),
        );
        let shooter = gw.game(&craps, "alice")["table"]["shooter"]
            .as_str()
            .unwrap()
            .to_string();
        gw.act(&craps, &shooter, json!({"type": "roll"}));
        rolls += 1;
        let bets = gw.game(&craps, "alice")["table"]["bets"].clone();
        if bets.as_array().unwrap().is_empty() {
            break;
        }
        assert!(rolls < 200, "the pass bet is decided: {bets}");
    }
    for p in ["alice", "bob"] {
        gw.act(&craps, p, json!({"type": "leave"}));
    }
    let g = gw.game(&craps, "alice");
    assert_eq!(g["status"], "finished", "{g}");

    // Blackjack: carol bets, is dealt, stands (declining insurance).
    let bj = gw.create("carol", "blackjack", json!({"min_bet": 5}));
    gw.act(&bj, "carol", json!({"type": "bet", "amount": 20}));
    gw.act(&bj, "carol", json!({"type": "deal"}));
    for _ in 0..10 {
        let action = match gw.game(&bj, "carol")["table"]["phase"].as_str() {
            Some("insurance") => json!({"type": "decline_insurance"}),
            Some("player_turns") => json!({"type": "stand"}),
            _ => break,
        };
        gw.act(&bj, "carol", action);
    }
    let g = gw.game(&bj, "carol");
    let balance = g["players"][0]["balance"].as_u64().unwrap();
    assert!(
        [480, 500, 520, 530].contains(&balance),
        "a 20-chip round settles as a loss, push, win or blackjack: {g}"
    );

    // Hold'em: dave opens, erin joins; each acts with her own token when
    // it is her turn, checking or calling to the end of the hand.
    let pk = gw.create("dave", "poker", json!({"small_blind": 1, "big_blind": 2}));
    gw.act(&pk, "erin", json!({"type": "join", "buy_in": 500}));
    gw.act(&pk, "dave", json!({"type": "deal"}));
    let mut acted = 0;
    while let Some(who) = gw.game(&pk, "dave")["table"]["to_act"].as_str() {
        let who = who.to_string();
        let g = gw.game(&pk, &who);
        let a = if g["table"]["to_call"].as_u64().unwrap_or(0) > 0 {
            "call"
        } else {
            "check"
        };
        gw.act(&pk, &who, json!({"type": a}));
        acted += 1;
        assert!(acted < 20, "the hand ends: {g}");
    }
    let g = gw.game(&pk, "dave");
    let total: u64 = g["players"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["balance"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 1000, "hold'em moves chips only between players: {g}");

    // The finished craps game's proof: the seed matches its commitment and
    // every roll recomputes from it.
    let proof = gw.ok(
        "GET",
        &format!("/api/v1/games/{craps}/proof"),
        "alice",
        None,
    );
    // A chain game: each round's link hashes to the one before it (round
    // 1's to the commitment) and its rolls recompute from it.
    let rounds = proof["rounds"].as_array().unwrap();
    let mut prev = proof["commitment"].as_str().unwrap().to_string();
    for round in rounds.iter().filter(|r| r["ended"] == true) {
        let link = hex::decode(round["link"].as_str().unwrap()).unwrap();
        assert_eq!(hex::encode(Sha256::digest(&link)), prev);
        prev = hex::encode(&link);
    }
    let draws = proof["draws"].as_array().unwrap();
    assert_eq!(draws.len(), rolls);
    for d in draws {
        let nonce = d["nonce"].as_u64().unwrap();
        let round = &rounds[(d["round"].as_u64().unwrap() - 1) as usize];
        let link = hex::decode(round["link"].as_str().unwrap()).unwrap();
        let mine = dice(&link, round["client_seed"].as_str().unwrap(), nonce);
        assert_eq!(d["result"], json!(mine), "draw {nonce}");
    }
    // And `bitcraps game verify` finds both anchors in the validators' blocks.
    let out = wait_for("the craps game to verify with its anchors", LIMIT, || {
        let r = sb.run(&["game", "verify", &craps]);
        (r.code == 0 && r.stdout.contains("reveal")).then_some(r)
    });
    assert!(out.stdout.contains("commitment"), "{out}");

    // Consensus through the gateway: a proposal commits with a certificate
    // that plain ed25519 accepts, and the block holds the proposal.
    let (s, r, _) = gw.call(
        "POST",
        "/api/v1/consensus/propose?wait=true",
        Some(("alice", Player)),
        Some(json!({"payload": {"table": craps, "note": "integration"}})),
    );
    assert_eq!(s, 200, "{r}");
    let genesis = genesis(&sb);
    let hash = r["block_hash"].as_str().unwrap();
    assert!(verify_qc(&genesis, &r["qc"], hash) >= 3, "2f+1 signers");
    let h = r["height"].as_u64().unwrap();
    // The gateway may ask a validator that has not applied the commit yet:
    // every validator has it shortly.
    let block = wait_for(
        "the block at every validator",
        Duration::from_secs(15),
        || {
            let (s, block, _) = gw.call(
                "GET",
                &format!("/api/v1/consensus/blocks/{h}"),
                Some(("alice", Player)),
                None,
            );
            (s == 200).then_some(block)
        },
    );
    assert_eq!(block["hash"], hash);
    assert!(verify_qc(&genesis, &block["qc"], hash) >= 3);
    assert!(
        block["block"]["proposals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == r["proposal_id"]),
        "{block}"
    );
}

#[test]
fn strangers_and_wrong_roles_are_refused_with_problems() {
    let sb = Sandbox::new();
    sb.up_funded();
    let gw = Gw::new(&sb);
    let game = gw.create("alice", "craps", json!({}));
    let create_for = |who: &str, as_: Option<(&str, Role)>| {
        gw.call(
            "POST",
            "/api/v1/games",
            as_,
            Some(json!({"game_type": "craps", "players": [{"id": who, "buy_in": 100}]})),
        )
    };
    let action =
        json!({"player_id": "alice", "action": {"type": "bet", "bet": "pass", "amount": 10}});
    let bad_token = {
        let r = gw
            .http
            .get(format!("http://{}/api/v1/games", sb.gateway()))
            .bearer_auth("eyJhbGciOiJIUzI1NiJ9.e30.bm9wZQ")
            .send()
            .unwrap();
        r.status().as_u16()
    };
    assert_eq!(bad_token, 401, "a forged token");
    let cases: Vec<(&str, (u16, Value, String), u16)> = vec![
        ("no credentials: games", create_for("alice", None), 401),
        (
            "no credentials: propose",
            gw.call(
                "POST",
                "/api/v1/consensus/propose",
                None,
                Some(json!({"payload": {"x": 1}})),
            ),
            401,
        ),
        (
            "a player creating a game for someone else",
            create_for("bob", Some(("mallory", Player))),
            403,
        ),
        (
            "a player acting for someone else",
            gw.call(
                "POST",
                &format!("/api/v1/games/{game}/actions"),
                Some(("mallory", Player)),
                Some(action.clone()),
            ),
            403,
        ),
        (
            "a player changing validators",
            gw.call(
                "POST",
                "/api/v1/consensus/validators",
                Some(("alice", Player)),
                Some(json!({})),
            ),
            403,
        ),
        (
            "a player reading the admin view",
            gw.call("GET", "/admin/upstreams", Some(("alice", Player)), None),
            403,
        ),
        (
            "an unknown game",
            gw.call(
                "GET",
                "/api/v1/games/e0-nope",
                Some(("alice", Player)),
                None,
            ),
            404,
        ),
        (
            "malformed JSON",
            {
                let r = gw
                    .http
                    .post(format!("http://{}/api/v1/games", sb.gateway()))
                    .bearer_auth(gw.tokens.mint("alice", Player))
                    .header("content-type", "application/json")
                    .body("{not json")
                    .send()
                    .unwrap();
                let s = r.status().as_u16();
                let ct = r.headers()["content-type"].to_str().unwrap().to_string();
                (s, r.json().unwrap_or(Value::Null), ct)
            },
            400,
        ),
    ];
    for (what, (status, body, ct), want) in cases {
        assert_eq!(status, want, "{what}: {body}");
        assert_eq!(ct, "application/problem+json", "{what}");
        assert_eq!(body["status"], want, "{what}: {body}");
    }
    // The admin may do what players may not.
    let (s, v, _) = gw.call("GET", "/admin/upstreams", Some(("ops", Admin)), None);
    assert_eq!(s, 200, "{v}");
    let (s, v, _) = gw.call(
        "POST",
        &format!("/api/v1/games/{game}/actions"),
        Some(("ops", Admin)),
        Some(action),
    );
    assert_eq!(s, 200, "an admin acts for a player: {v}");
}

fn bench_json(r: &support::Run) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("bench json: {e}: {r}"))
}

fn assert_ordered(l: &Value) {
    let v: Vec<f64> = ["p50", "p90", "p95", "p99", "max"]
        .iter()
        .map(|k| l[k].as_f64().unwrap())
        .collect();
    assert!(v[0] > 0.0, "{l}");
    assert!(
        v.windows(2).all(|w| w[0] <= w[1]),
        "percentiles ordered: {l}"
    );
}

#[test]
fn bench_gateway_measures_a_running_system_and_enforces_thresholds() {
    let sb = Sandbox::new();
    sb.up_funded();

    // Closed loop through the gateway with auth: the default mix, no errors.
    let r = sb.run(&["bench", "gateway", "--duration", "2s", "--output", "json"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stderr.is_empty(), "no progress bar off a terminal: {r}");
    let j = bench_json(&r);
    assert_eq!(j["mode"], "closed");
    assert_eq!(
        j["target"],
        format!("http://{}/api/v1", sb.gateway()),
        "{j}"
    );
    assert!(j["requests"].as_u64().unwrap() > 0, "{j}");
    assert_eq!(j["errors"], 0, "{j}");
    assert_eq!(j["errors_by_status"], json!({}), "{j}");
    assert_ordered(&j["latency_ms"]);
    for op in ["health", "list", "create", "leave", "get", "bet", "roll"] {
        assert!(
            j["by_op"][op]["requests"].as_u64().unwrap_or(0) > 0,
            "{op} ran: {j}"
        );
    }
    assert_eq!(j["thresholds"]["passed"], true);

    // The k6 scenario (tests/load/gateway_load_test.js) run by the bench:
    // an open loop at a fixed rate with its thresholds, p95 < 500 ms and
    // errors < 1%.
    let r = sb.run(&[
        "bench",
        "gateway",
        "--rate",
        "40",
        "--duration",
        "3s",
        "--max-p95",
        "500ms",
        "--max-error-rate",
        "0.01",
        "-o",
        "json",
    ]);
    assert_eq!(r.code, 0, "{r}");
    let j = bench_json(&r);
    assert_eq!(j["mode"], "open");
    assert_eq!(j["rate"], 40);
    // 120 scheduled requests, plus a leave after each create.
    let sent = j["requests"].as_u64().unwrap() - j["by_op"]["leave"]["requests"].as_u64().unwrap();
    assert_eq!(sent, 120, "{j}");
    assert_eq!(j["thresholds"]["passed"], true, "{j}");
    assert_ordered(&j["latency_ms"]);

    // A threshold the system cannot meet fails the command (exit 6) and
    // says which; the report is still printed.
    let r = sb.run(&[
        "bench",
        "gateway",
        "--rate",
        "20",
        "--duration",
        "1s",
        "--max-p95",
        "1us",
        "-o",
        "json",
    ]);
    assert_eq!(r.code, 6, "{r}");
    assert!(r.stderr.contains("p95 latency"), "{r}");
    let j = bench_json(&r);
    assert_eq!(j["thresholds"]["passed"], false);

    // Straight to the engine with --target (how scripts/bench-gateway
    // compares), and a target where nothing listens (exit 5).
    let r = sb.run(&[
        "bench",
        "gateway",
        "--target",
        &format!("https://{}", sb.engine()),
        "--duration",
        "1s",
        "-o",
        "json",
    ]);
    assert_eq!(r.code, 0, "{r}");
    let j = bench_json(&r);
    assert_eq!(j["errors"], 0, "{j}");
    assert!(j["requests"].as_u64().unwrap() > 0);
    let dead = support::free_port_block(1);
    let r = sb.run(&[
        "bench",
        "gateway",
        "--target",
        &format!("http://127.0.0.1:{dead}/api/v1"),
        "--duration",
        "1s",
    ]);
    assert_eq!(r.code, 5, "{r}");
    assert!(r.stderr.contains("nothing answers"), "{r}");
    let r = sb.run(&["bench", "gateway", "--mix", "get=2,dance=1"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("unknown operation \"dance\""), "{r}");

    // `bench all`: the engine, consensus and gateway reports in one object.
    let r = sb.run(&["bench", "all", "--duration", "1s", "-o", "json"]);
    assert_eq!(r.code, 0, "{r}");
    let j = bench_json(&r);
    assert!(j["engine"]["actions"].as_u64().unwrap() > 0, "{j}");
    assert_eq!(j["engine"]["errors"], 0, "{j}");
    assert!(j["consensus"]["committed"].as_u64().unwrap() > 0, "{j}");
    assert_eq!(j["consensus"]["errors"], 0, "{j}");
    assert!(j["gateway"]["requests"].as_u64().unwrap() > 0, "{j}");
    assert_eq!(j["gateway"]["errors"], 0, "{j}");
}
