//! The gateway in front of two real engines: routing by game, balanced
//! creation, merged listing, streamed events, and auth at the edge.

#![allow(clippy::unwrap_used)]

mod support;

use std::io::{BufRead, BufReader};
use std::time::Duration;

use bitcraps::auth::Role::{self, Admin, Player};
use serde_json::{Value, json};
use support::Sandbox;

struct Gw {
    base: String,
    http: reqwest::blocking::Client,
    tokens: support::Tokens,
}

impl Gw {
    fn new(sb: &Sandbox) -> Gw {
        Gw {
            base: format!("http://{}", sb.gateway()),
            http: support::http(),
            tokens: support::Tokens::of(sb),
        }
    }

    fn token(&self, sub: &str, role: Role) -> String {
        self.tokens.mint(sub, role)
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        who: Option<(&str, Role)>,
        body: Option<Value>,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let url = format!("{}{path}", self.base);
        let mut req = match method {
            "POST" => self.http.post(url),
            _ => self.http.get(url),
        };
        if let Some((sub, role)) = who {
            req = req.bearer_auth(self.token(sub, role));
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let v = resp.json().unwrap_or(Value::Null);
        if status >= 400 {
            assert_eq!(
                headers["content-type"], "application/problem+json",
                "{status} {v}"
            );
        }
        (status, v, headers)
    }
}

#[test]
fn games_reach_the_engine_that_holds_them() {
    let sb = Sandbox::sized(4, 2);
    sb.up_funded();
    let gw = Gw::new(&sb);

    // Balanced creation: round robin puts games on both engines.
    let mut ids = Vec::new();
    for p in ["alice", "bob", "carol", "dave"] {
        let (s, g, _) = gw.call(
            "POST",
            "/api/v1/games",
            Some((p, Player)),
            Some(json!({"game_type": "craps", "players": [{"id": p, "buy_in": 100}]})),
        );
        assert_eq!(s, 201, "{g}");
        ids.push((p, g["id"].as_str().unwrap().to_string()));
    }
    let on: Vec<&str> = ids.iter().map(|(_, id)| &id[..2]).collect();
    assert!(
        on.contains(&"e0") && on.contains(&"e1"),
        "both engines used: {on:?}"
    );

    // Every game is played through the gateway, whichever engine holds it.
    for (p, id) in &ids {
        let (s, r, h) = gw.call(
            "POST",
            &format!("/api/v1/games/{id}/actions"),
            Some((p, Player)),
            Some(json!({"player_id": p, "action": {"type": "bet", "bet": "pass", "amount": 5}})),
        );
        assert_eq!(s, 200, "{r}");
        assert!(h.contains_key("x-request-id"));
        let (s, r, _) = gw.call(
            "POST",
            &format!("/api/v1/games/{id}/actions"),
            Some((p, Player)),
            Some(json!({"player_id": p, "action": {"type": "roll"}})),
        );
        assert_eq!(s, 200, "{r}");
    }

    // Listing merges both engines and pages like one list.
    let (s, list, _) = gw.call(
        "GET",
        "/api/v1/games?limit=3",
        Some(("alice", Player)),
        None,
    );
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["total"], 4);
    assert_eq!(list["games"].as_array().unwrap().len(), 3);
    let (_, rest, _) = gw.call(
        "GET",
        "/api/v1/games?limit=3&offset=3",
        Some(("alice", Player)),
        None,
    );
    assert_eq!(rest["games"].as_array().unwrap().len(), 1);

    // Server-sent events stream through the gateway, resumable by id.
    let (p, id) = &ids[1];
    let resp = gw
        .http
        .get(format!("{}/api/v1/games/{id}/events", gw.base))
        .bearer_auth(gw.token(p, Player))
        .header("Last-Event-ID", "1")
        .timeout(Duration::from_secs(10))
        .send()
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let mut lines = BufReader::new(resp).lines();
    let first = lines
        .find_map(|l| l.unwrap().strip_prefix("id: ").map(str::to_string))
        .unwrap();
    assert_eq!(first, "2");

    // The proof comes from the right engine too.
    let (s, proof, _) = gw.call(
        "GET",
        &format!("/api/v1/games/{id}/proof"),
        Some((p, Player)),
        None,
    );
    assert_eq!(s, 200);
    assert_eq!(proof["game_id"], json!(id));

    // Draining engine-1: new games all go to engine-0, the games engine-1
    // holds are still played there; undrained, it takes new games again.
    let drain = |action: &str, who: (&str, Role), addr: &str| {
        gw.call(
            "POST",
            &format!("/admin/upstreams/game_engine/{addr}/{action}"),
            Some(who),
            None,
        )
    };
    let e1 = sb.engine_n(1).to_string();
    let (s, _, _) = drain("drain", ("mallory", Player), &e1);
    assert_eq!(s, 403, "a player cannot drain");
    let (s, v, _) = drain("drain", ("ops", Admin), &e1);
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["addr"].as_str(), v["drained"].as_bool()),
        (Some(e1.as_str()), Some(true)),
        "{v}"
    );
    let (s, v, _) = drain("drain", ("ops", Admin), "127.0.0.1:1");
    assert_eq!(s, 404, "{v}");
    let (s, v, _) = drain("pause", ("ops", Admin), &e1);
    assert_eq!(s, 404, "{v}");
    let create = |p: &str| {
        let (s, g, _) = gw.call(
            "POST",
            "/api/v1/games",
            Some((p, Player)),
            Some(json!({"game_type": "craps", "players": [{"id": p, "buy_in": 10}]})),
        );
        assert_eq!(s, 201, "{g}");
        g["id"].as_str().unwrap()[..2].to_string()
    };
    let while_drained: Vec<String> = ["alice", "bob", "carol", "dave"].map(create).to_vec();
    assert!(while_drained.iter().all(|e| e == "e0"), "{while_drained:?}");
    let (_, on_e1) = ids.iter().find(|(_, id)| id.starts_with("e1")).unwrap();
    let (s, g, _) = gw.call(
        "GET",
        &format!("/api/v1/games/{on_e1}"),
        Some(("ops", Admin)),
        None,
    );
    assert_eq!(s, 200, "the drained engine's games still answer: {g}");
    let (_, ups, _) = gw.call("GET", "/admin/upstreams", Some(("ops", Admin)), None);
    let listed = ups[0]["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["addr"] == json!(e1))
        .unwrap()
        .clone();
    assert_eq!(listed["drained"], true, "{ups}");
    let (s, v, _) = drain("undrain", ("ops", Admin), &e1);
    assert_eq!((s, v["drained"].as_bool()), (200, Some(false)), "{v}");
    let after: Vec<String> = ["alice", "bob", "carol", "dave"].map(create).to_vec();
    assert!(after.iter().any(|e| e == "e1"), "{after:?}");
}

#[test]
fn the_gateway_refuses_early_and_clearly() {
    let sb = Sandbox::new();
    sb.up_funded();
    let gw = Gw::new(&sb);
    let (s, p, _) = gw.call("GET", "/api/v1/games", None, None);
    assert_eq!(s, 401, "{p}");
    let (s, _, _) = gw.call("GET", "/admin/upstreams", Some(("alice", Player)), None);
    assert_eq!(s, 403);
    let (s, v, _) = gw.call("GET", "/admin/upstreams", Some(("ops", Admin)), None);
    assert_eq!(s, 200, "{v}");
    assert!(v[0]["instances"][0]["in_flight"].is_u64());
    let (s, _, _) = gw.call(
        "POST",
        "/api/v1/consensus/validators",
        Some(("alice", Player)),
        Some(json!({})),
    );
    assert_eq!(s, 403);
    // Unknown game ids are 404 without bothering an engine.
    let (s, _, _) = gw.call(
        "GET",
        "/api/v1/games/e7-ffff",
        Some(("alice", Player)),
        None,
    );
    assert_eq!(s, 404);
    let (s, _, _) = gw.call(
        "GET",
        "/api/v1/games/not-a-game",
        Some(("alice", Player)),
        None,
    );
    assert_eq!(s, 404);
    let (s, _, _) = gw.call("GET", "/api/v1/nothing", Some(("alice", Player)), None);
    assert_eq!(s, 404);
    // A request id given by the client is the one the engine sees and answers with.
    let r = gw
        .http
        .get(format!("{}/api/v1/games?limit=1", gw.base))
        .bearer_auth(gw.token("alice", Player))
        .header("x-request-id", "through-the-gateway-1")
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-request-id"], "through-the-gateway-1");
    // The engine's own errors pass through untouched.
    let (s, p, _) = gw.call(
        "POST",
        "/api/v1/games",
        Some(("alice", Player)),
        Some(json!({"game_type": "roulette", "players": []})),
    );
    assert_eq!(s, 422, "{p}");
}

#[test]
fn each_client_has_its_own_rate_limit() {
    let sb = Sandbox::new()
        .env("RATE_LIMIT_MAX_REQUESTS", "5")
        .env("RATE_LIMIT_WINDOW", "60s");
    sb.up_funded();
    let gw = Gw::new(&sb);
    for _ in 0..5 {
        let (s, _, _) = gw.call("GET", "/api/v1/games", Some(("alice", Player)), None);
        assert_eq!(s, 200);
    }
    let (s, p, h) = gw.call("GET", "/api/v1/games", Some(("alice", Player)), None);
    assert_eq!(s, 429, "{p}");
    let retry: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=12).contains(&retry), "Retry-After {retry}");
    // Another subject is not affected; health checks are never limited.
    let (s, _, _) = gw.call("GET", "/api/v1/games", Some(("bob", Player)), None);
    assert_eq!(s, 200);
    for _ in 0..10 {
        assert_eq!(support::get(sb.gateway(), "/health").status(), 200);
    }
}

#[test]
fn a_dead_engine_trips_its_breaker_and_a_restart_closes_it() {
    // No automatic restarts, slow active checks: only live traffic sees the
    // engine die, and the breaker is what reacts.
    let sb = Sandbox::new()
        .env("BITCRAPS_MAX_RESTARTS", "0")
        .env("HEALTH_CHECK_INTERVAL", "60s")
        .env("CIRCUIT_BREAKER_FAILURE_THRESHOLD", "3")
        .env("CIRCUIT_BREAKER_COOL_DOWN", "300ms");
    sb.up_funded();
    let gw = Gw::new(&sb);
    let (s, g, _) = gw.call(
        "POST",
        "/api/v1/games",
        Some(("alice", Player)),
        Some(json!({"game_type": "craps", "players": [{"id": "alice", "buy_in": 100}]})),
    );
    assert_eq!(s, 201, "{g}");
    let id = g["id"].as_str().unwrap().to_string();
    // With one engine, the gateway's list is the engine's own page.
    let (s, list, _) = gw.call(
        "GET",
        "/api/v1/games?limit=5&offset=0",
        Some(("alice", Player)),
        None,
    );
    assert_eq!(s, 200, "{list}");
    let direct: serde_json::Value = gw
        .http
        .get(format!("https://{}/games?limit=5&offset=0", sb.engine()))
        .bearer_auth(gw.token("alice", Player))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(list, direct);
    assert_eq!(list["games"][0]["id"], json!(id));
    let path = format!("/api/v1/games/{id}");
    let ps = sb.ps();
    support::kill9(Sandbox::service(&ps, "engine-0")["pid"].as_u64().unwrap());
    support::wait_for("engine port closed", Duration::from_secs(10), || {
        support::port_free(sb.engine()).then_some(())
    });

    let mut statuses = Vec::new();
    for _ in 0..6 {
        let (s, p, _) = gw.call("GET", &path, Some(("alice", Player)), None);
        statuses.push((s, p["detail"].as_str().unwrap_or("").to_string()));
    }
    // Failures (retried GETs count twice) until the breaker opens, then
    // fast 503s that say so.
    let opened = statuses
        .iter()
        .position(|(s, _)| *s == 503)
        .expect("the circuit opened");
    assert!((1..=3).contains(&opened), "{statuses:?}");
    assert!(
        statuses[..opened].iter().all(|(s, _)| *s == 502),
        "{statuses:?}"
    );
    for (s, detail) in &statuses[opened..] {
        assert_eq!(*s, 503);
        assert!(detail.contains("circuit"), "{detail}");
    }
    let (_, ups, _) = gw.call("GET", "/admin/upstreams", Some(("ops", Admin)), None);
    assert_eq!(ups[0]["instances"][0]["breaker"], "open", "{ups}");
    let metrics = support::get(sb.gateway(), "/metrics").text().unwrap();
    assert!(
        metrics.contains("bitcraps_gateway_breaker_state{"),
        "{metrics}"
    );

    // Bring the engine back: after the cool-down a probe succeeds and the
    // circuit closes; the game is intact.
    let r = sb.run(&["restart", "engine-0"]);
    assert_eq!(r.code, 0, "{r}");
    let g = support::wait_for("the circuit to close", Duration::from_secs(20), || {
        let (s, g, _) = gw.call("GET", &path, Some(("alice", Player)), None);
        (s == 200).then_some(g)
    });
    assert_eq!(g["id"], json!(id));
    let (_, ups, _) = gw.call("GET", "/admin/upstreams", Some(("ops", Admin)), None);
    assert_eq!(ups[0]["instances"][0]["breaker"], "closed", "{ups}");
    // And its recent changes say so: opened, then closed again.
    let changes: Vec<&str> = ups[0]["instances"][0]["breaker_transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["state"].as_str().unwrap())
        .collect();
    assert!(changes.contains(&"open"), "{ups}");
    assert_eq!(changes.last(), Some(&"closed"), "{ups}");
}

#[test]
fn an_engine_reporting_its_wallet_down_keeps_its_circuit_closed() {
    // A 503 that says "my wallet is down" is not the engine failing: its
    // circuit must stay closed so the games it holds can still be read.
    let sb = Sandbox::new()
        .env("BITCRAPS_MAX_RESTARTS", "0")
        .env("CIRCUIT_BREAKER_FAILURE_THRESHOLD", "3")
        .env("CIRCUIT_BREAKER_COOL_DOWN", "60s");
    sb.up_funded();
    let gw = Gw::new(&sb);
    let create = json!({"game_type": "craps", "players": [{"id": "alice", "buy_in": 100}]});
    let (s, g, _) = gw.call(
        "POST",
        "/api/v1/games",
        Some(("alice", Player)),
        Some(create.clone()),
    );
    assert_eq!(s, 201, "{g}");
    let path = format!("/api/v1/games/{}", g["id"].as_str().unwrap());
    let r = sb.run(&["stop", "wallet"]);
    assert_eq!(r.code, 0, "{r}");
    // Buy-ins need the wallet: each is refused with a 503 naming it.
    for _ in 0..6 {
        let (s, p, h) = gw.call(
            "POST",
            "/api/v1/games",
            Some(("alice", Player)),
            Some(create.clone()),
        );
        assert_eq!(s, 503, "{p}");
        assert_eq!(p["type"], "/problems/engine/wallet-unavailable", "{p}");
        assert_eq!(h["x-bitcraps-dependency"], "wallet");
    }
    let (s, g, _) = gw.call("GET", &path, Some(("alice", Player)), None);
    assert_eq!(s, 200, "the game is still served: {g}");
    let (_, ups, _) = gw.call("GET", "/admin/upstreams", Some(("ops", Admin)), None);
    // The engines come first.
    assert_eq!(ups[0]["instances"][0]["breaker"], "closed", "{ups}");
    let metrics = support::get(sb.gateway(), "/metrics").text().unwrap();
    assert!(metrics.contains("outcome=\"dependency\""), "{metrics}");
}

#[test]
fn api_keys_work_everywhere_until_revoked() {
    let sb = Sandbox::new();
    sb.up_funded();
    let r = sb.run(&[
        "auth",
        "apikey",
        "create",
        "--name",
        "scoreboard",
        "--sub",
        "carol",
        "-o",
        "json",
    ]);
    assert_eq!(r.code, 0, "{r}");
    let created: Value = serde_json::from_str(&r.stdout).unwrap();
    let key = created["key"].as_str().unwrap().to_string();
    let id = created["id"].as_str().unwrap().to_string();
    let file = std::fs::read_to_string(sb.state_dir().join("secrets/api_keys.json")).unwrap();
    assert!(!file.contains(&key), "only a hash is stored");

    let http = support::http();
    let create = |k: &str| {
        http.post(format!("http://{}/api/v1/games", sb.gateway()))
            .header("x-api-key", k)
            .json(&json!({"game_type": "craps", "players": [{"id": "carol", "buy_in": 10}]}))
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(
        create(&key),
        201,
        "the key acts as carol through the gateway and at the engine"
    );
    let r = http
        .get(format!("https://{}/games", sb.engine()))
        .header("x-api-key", &key)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200, "the engine accepts the same key directly");
    assert_eq!(create("bck_00000000_nope"), 401);

    let r = sb.run(&["auth", "apikey", "list"]);
    assert!(
        r.stdout.contains("scoreboard") && !r.stdout.contains(&key),
        "{r}"
    );
    let r = sb.run(&["auth", "apikey", "revoke", &id]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(create(&key), 401, "revoked keys stop working at once");
    assert_eq!(sb.run(&["auth", "apikey", "revoke", "ffffffff"]).code, 3);
    // Service identities are never bearer strings.
    for role in ["engine", "wallet"] {
        let r = sb.run(&["auth", "apikey", "create", "--name", "x", "--role", role]);
        assert_eq!(r.code, 2, "{r}");
        assert!(r.stderr.contains("service-key"), "{r}");
    }
    // An API key's id is not a token id: `auth revoke` says where to go.
    let r = sb.run(&["auth", "revoke", &format!("apikey:{id}")]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("auth apikey revoke"), "{r}");
}

#[test]
fn idempotent_requests_are_retried_on_another_instance() {
    // The gateway does not learn of the dead validator from health checks
    // (60s apart) nor from its breaker (high threshold): only retries help.
    let sb = Sandbox::new()
        .env("BITCRAPS_MAX_RESTARTS", "0")
        .env("HEALTH_CHECK_INTERVAL", "60s")
        .env("CIRCUIT_BREAKER_FAILURE_THRESHOLD", "1000");
    sb.up_funded();
    let gw = Gw::new(&sb);
    let ps = sb.ps();
    support::kill9(
        Sandbox::service(&ps, "validator-1")["pid"]
            .as_u64()
            .unwrap(),
    );
    support::wait_for("validator-1 gone", Duration::from_secs(10), || {
        support::port_free(sb.validator(1)).then_some(())
    });
    for _ in 0..8 {
        let (s, v, _) = gw.call(
            "GET",
            "/api/v1/consensus/status",
            Some(("ops", Admin)),
            None,
        );
        assert_eq!(s, 200, "{v}");
    }
    let metrics = support::get(sb.gateway(), "/metrics").text().unwrap();
    assert!(
        metrics.lines().any(
            |l| l.starts_with("bitcraps_gateway_upstream_responses_total")
                && l.contains("outcome=\"unreachable\"")
        ),
        "the dead validator was tried and the request retried: {metrics}"
    );
    assert!(
        metrics.lines().any(|l| l.starts_with(
            "bitcraps_gateway_retries_total{result=\"retried\",upstream=\"validator\"}"
        ) && !l.ends_with(" 0")),
        "retries are counted: {metrics}"
    );
    // A POST is never retried: sent to the dead validator it fails with 502.
    let mut saw_502 = false;
    for _ in 0..8 {
        let (s, _, _) = gw.call(
            "POST",
            "/api/v1/consensus/propose",
            Some(("ops", Admin)),
            Some(json!({"payload": 1})),
        );
        assert!(s == 202 || s == 502, "{s}");
        saw_502 |= s == 502;
    }
    assert!(
        saw_502,
        "round robin reached the dead validator with a POST"
    );
}

#[test]
fn wallet_routes_reach_the_wallet_and_pass_transfers_up_to_its_limit() {
    let sb = Sandbox::new();
    sb.up_funded();
    let gw = Gw::new(&sb);
    let cashier = gw.token("till-1", Role::Cashier);
    // The prefix is stripped: /api/v1/wallet/summary is the wallet's /summary.
    let (s, summary, h) = gw.call("GET", "/api/v1/wallet/summary", Some(("ops", Admin)), None);
    assert_eq!(s, 200, "{summary}");
    assert!(summary["head"].is_object(), "{summary}");
    assert!(h.contains_key("x-request-id"));
    let (s, p, _) = gw.call("GET", "/api/v1/wallet/summary", None, None);
    assert_eq!(s, 401, "credentials are checked at the edge: {p}");
    // The wallet's own role checks pass through: a player may not audit.
    let (s, p, _) = gw.call("GET", "/api/v1/wallet/audit", Some(("alice", Player)), None);
    assert_eq!(s, 403, "{p}");

    // A deposit padded to just under the wallet's 512 KiB limit goes
    // through whole; one byte over it is refused by the gateway itself.
    let deposit =
        json!({"id": "dep-big-1", "debit": "issuance", "credit": "player:alice", "amount": 100})
            .to_string();
    let padded = |len: usize| format!("{deposit}{}", " ".repeat(len - deposit.len()));
    let post = |body: String| {
        gw.http
            .post(format!("{}/api/v1/wallet/transfers", gw.base))
            .bearer_auth(&cashier)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .unwrap()
    };
    let r = post(padded(512 * 1024));
    assert_eq!(r.status(), 201, "{:?}", r.text());
    let r = post(padded(512 * 1024 + 1));
    assert_eq!(r.status(), 413);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    // The refusal did not count against the wallet: the retry of the first
    // deposit is answered as the replay it is.
    let r = post(padded(1024));
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["idempotent-replayed"], "true");
    let (s, acct, _) = gw.call(
        "GET",
        "/api/v1/wallet/accounts/player:alice",
        Some(("alice", Player)),
        None,
    );
    assert_eq!(s, 200, "{acct}");

    // Operators see the wallet's instance; the gateway's readiness reports
    // it without depending on it.
    let (s, v, _) = gw.call("GET", "/admin/upstreams", Some(("ops", Admin)), None);
    assert_eq!(s, 200, "{v}");
    let wallet = v
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["service"] == "wallet")
        .unwrap_or_else(|| panic!("no wallet in {v}"));
    assert_eq!(wallet["instances"][0]["addr"], sb.wallet().to_string());
    assert_eq!(wallet["instances"][0]["health"], "healthy");
    assert_eq!(wallet["instances"][0]["breaker"], "closed");
    let ready: Value = support::get(sb.gateway(), "/health/ready").json().unwrap();
    let dep = ready["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "wallet")
        .unwrap_or_else(|| panic!("{ready}"));
    assert_eq!(
        (dep["required"].as_bool(), dep["up"].as_bool()),
        (Some(false), Some(true))
    );
}
