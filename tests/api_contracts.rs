//! API contracts every client relies on, over real processes: every
//! rejection (bad path, bad query, bad JSON, wrong content type, body too
//! large, unknown route, wrong method, no credentials) is RFC 9457
//! `application/problem+json` with the right status and a `detail` naming
//! the problem — at each service directly and through the gateway; an API
//! key works wherever a bearer token does; craps bets take only their
//! documented names.

#![allow(clippy::unwrap_used)]

mod support;

use bitcraps::auth::Role;
use reqwest::blocking::RequestBuilder;
use serde_json::{Value, json};
use support::Sandbox;

/// What a request carries besides its method and path.
#[derive(Clone, Copy, Debug)]
enum Body {
    None,
    Json(&'static str),
    Text(&'static str),
    /// A JSON content type and this many bytes of JSON-ish filler.
    Huge(usize),
}

#[derive(Clone, Copy)]
struct Case {
    method: &'static str,
    path: &'static str,
    body: Body,
    /// Send the admin's token (else no credentials).
    auth: bool,
    status: u16,
    /// A word the `detail` must contain (case-insensitive).
    detail: &'static str,
}

const fn case(
    method: &'static str,
    path: &'static str,
    body: Body,
    status: u16,
    detail: &'static str,
) -> Case {
    Case {
        method,
        path,
        body,
        auth: true,
        status,
        detail,
    }
}

const fn anon(method: &'static str, path: &'static str, status: u16, detail: &'static str) -> Case {
    Case {
        method,
        path,
        body: Body::None,
        auth: false,
        status,
        detail,
    }
}

const ENGINE: &[Case] = &[
    case("GET", "/games?offset=abc", Body::None, 400, "offset"),
    case("GET", "/games?limit=-1", Body::None, 400, "limit"),
    case("GET", "/games?limit=0", Body::None, 400, "limit"),
    case(
        "GET",
        "/games?game_type=roulette",
        Body::None,
        400,
        "game_type",
    ),
    case(
        "GET",
        "/games/e0-x/events?after=-1",
        Body::None,
        400,
        "after",
    ),
    case(
        "GET",
        "/games/e0-x/proof?round=abc",
        Body::None,
        400,
        "round",
    ),
    case("GET", "/games/%FF", Body::None, 400, "utf-8"),
    case("POST", "/games", Body::Json("{\"game_type\":"), 400, "json"),
    case(
        "POST",
        "/games",
        Body::Json("{\"game_type\": 5}"),
        422,
        "request body",
    ),
    case(
        "POST",
        "/games",
        Body::Json("{\"game_type\": \"craps\", \"players\": 1}"),
        422,
        "players",
    ),
    case("POST", "/games", Body::Text("{}"), 415, "content-type"),
    case("POST", "/games", Body::None, 415, "content-type"),
    case("POST", "/games", Body::Huge(3 << 20), 413, "bytes"),
    case(
        "POST",
        "/games/e0-x/actions",
        Body::Json("[]"),
        422,
        "request body",
    ),
    case("GET", "/nowhere", Body::None, 404, "/nowhere"),
    case("DELETE", "/games", Body::None, 405, "delete"),
    anon("GET", "/games", 401, "bearer"),
];

const VALIDATOR: &[Case] = &[
    case("GET", "/blocks/-1", Body::None, 400, "height"),
    case("GET", "/blocks/abc", Body::None, 400, "height"),
    case("POST", "/propose?wait=2", Body::Json("{}"), 400, "wait"),
    case("POST", "/propose", Body::Json("{"), 400, "json"),
    case("POST", "/propose", Body::Text("{}"), 415, "content-type"),
    case("POST", "/propose", Body::Huge(1 << 20), 413, "bytes"),
    // serde alone would read a struct from an array of its fields.
    case(
        "POST",
        "/propose",
        Body::Json("[null, null]"),
        422,
        "json object",
    ),
    case("POST", "/vote", Body::Json("{"), 400, "json"),
    case(
        "POST",
        "/vote",
        Body::Json("{\"height\": \"x\"}"),
        422,
        "request body",
    ),
    case("POST", "/vote", Body::Text("{}"), 415, "content-type"),
    case("GET", "/proposals/%FF", Body::None, 400, "utf-8"),
    case("GET", "/nowhere", Body::None, 404, "/nowhere"),
    case("DELETE", "/status", Body::None, 405, "delete"),
];

const WALLET: &[Case] = &[
    case("GET", "/transfers?after=-1", Body::None, 400, "after"),
    case("GET", "/transfers?limit=abc", Body::None, 400, "limit"),
    case("GET", "/accounts?limit=-5", Body::None, 400, "limit"),
    case(
        "GET",
        "/accounts/player:alice/transfers?after=x",
        Body::None,
        400,
        "after",
    ),
    case("POST", "/transfers", Body::Json("{"), 400, "transfer"),
    case(
        "POST",
        "/transfers",
        Body::Json("{\"amount\": \"x\"}"),
        422,
        "transfer",
    ),
    case("POST", "/transfers", Body::Text("{}"), 415, "content-type"),
    case("POST", "/transfers", Body::Huge(1 << 20), 413, "bytes"),
    case("GET", "/accounts/%FF", Body::None, 400, "utf-8"),
    case("GET", "/nowhere", Body::None, 404, "/nowhere"),
    case("DELETE", "/audit", Body::None, 405, "delete"),
    anon("GET", "/summary", 401, "bearer"),
];

/// The gateway's own rejections (its own routes and what it checks before
/// forwarding).
const GATEWAY: &[Case] = &[
    case("GET", "/api/v1/games?offset=abc", Body::None, 400, "offset"),
    case("GET", "/api/v1/games?limit=-1", Body::None, 400, "limit"),
    case("GET", "/api/v1/nowhere", Body::None, 404, "/api/v1/nowhere"),
    case("DELETE", "/admin/config", Body::None, 405, "delete"),
    anon("GET", "/api/v1/games", 401, "bearer"),
];

fn send(http: &reqwest::blocking::Client, base: &str, c: &Case, token: &str) -> RequestBuilder {
    let method = reqwest::Method::from_bytes(c.method.as_bytes()).unwrap();
    let mut r = http.request(method, format!("{base}{}", c.path));
    if c.auth {
        r = r.bearer_auth(token);
    }
    match c.body {
        Body::None => r,
        Body::Json(s) => r.header("content-type", "application/json").body(s),
        Body::Text(s) => r.header("content-type", "text/plain").body(s),
        Body::Huge(n) => {
            let mut s = String::with_capacity(n + 16);
            s.push_str("{\"pad\":\"");
            s.push_str(&"x".repeat(n));
            s.push_str("\"}");
            r.header("content-type", "application/json").body(s)
        }
    }
}

/// Runs `cases` against `base` (a service, or the gateway with `prefix`
/// before each path) and returns every mismatch.
fn check(
    http: &reqwest::blocking::Client,
    label: &str,
    base: &str,
    prefix: &str,
    cases: &[Case],
    token: &str,
) -> Vec<String> {
    let mut bad = Vec::new();
    for c in cases {
        let path = format!("{prefix}{}", c.path);
        let c = Case {
            path: Box::leak(path.into_boxed_str()),
            ..*c
        };
        let what = format!("{label} {} {} ({:?})", c.method, c.path, c.body);
        let resp = match send(http, base, &c, token).send() {
            Ok(r) => r,
            Err(e) => {
                bad.push(format!("{what}: no answer: {e}"));
                continue;
            }
        };
        let status = resp.status().as_u16();
        let kind = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap_or("").to_string())
            .unwrap_or_default();
        let text = resp.text().unwrap_or_default();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let detail = body["detail"].as_str().unwrap_or("").to_ascii_lowercase();
        if status != c.status {
            bad.push(format!(
                "{what}: status {status}, expected {}: {text}",
                c.status
            ));
        } else if kind != "application/problem+json" {
            bad.push(format!("{what}: content-type {kind:?}: {text}"));
        } else if body["status"] != c.status || body["title"].as_str().is_none() {
            bad.push(format!("{what}: not a problem body: {text}"));
        } else if !detail.contains(c.detail) {
            bad.push(format!(
                "{what}: detail does not name {:?}: {text}",
                c.detail
            ));
        }
    }
    bad
}

#[test]
fn every_rejection_is_problem_json_directly_and_through_the_gateway() {
    let sb = Sandbox::sized(1, 1).env("BYZANTINE_THRESHOLD", "0");
    sb.up();
    let admin = support::Tokens::of(&sb).mint("admin", Role::Admin);
    let http = support::http();
    let url = |a: std::net::SocketAddr| sb.base(a);
    let gw = url(sb.gateway());
    let mut bad = Vec::new();
    bad.extend(check(
        &http,
        "engine",
        &url(sb.engine()),
        "",
        ENGINE,
        &admin,
    ));
    bad.extend(check(
        &http,
        "validator",
        &url(sb.validator(0)),
        "",
        VALIDATOR,
        &admin,
    ));
    bad.extend(check(
        &http,
        "wallet",
        &url(sb.wallet()),
        "",
        WALLET,
        &admin,
    ));
    bad.extend(check(&http, "gateway", &gw, "", GATEWAY, &admin));
    // Through the gateway: the same rejections, forwarded as they are
    // (except the gateway's own 404/405, which name its own paths).
    let forwarded = |cases: &'static [Case]| cases.iter().filter(|c| c.status != 404);
    let engine: Vec<Case> = forwarded(ENGINE)
        .filter(|c| c.path.starts_with("/games"))
        .copied()
        .collect();
    bad.extend(check(
        &http,
        "gateway→engine",
        &gw,
        "/api/v1",
        &engine,
        &admin,
    ));
    // The gateway forwards POST /vote from validators only: an admin's
    // vote is its own 403 before any body is read (tests/identity.rs).
    let validator: Vec<Case> = forwarded(VALIDATOR)
        .filter(|c| c.path != "/vote")
        .copied()
        .collect();
    bad.extend(check(
        &http,
        "gateway→validator",
        &gw,
        "/api/v1/consensus",
        &validator,
        &admin,
    ));
    let wallet: Vec<Case> = forwarded(WALLET).copied().collect();
    bad.extend(check(
        &http,
        "gateway→wallet",
        &gw,
        "/api/v1/wallet",
        &wallet,
        &admin,
    ));
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// How a request authenticates.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Creds {
    Token,
    Key,
    Both,
    Neither,
}

#[test]
fn an_api_key_works_wherever_a_bearer_token_does() {
    let sb = Sandbox::sized(1, 1).env("BYZANTINE_THRESHOLD", "0");
    sb.up();
    let r = sb.run(&[
        "auth", "apikey", "create", "--name", "ops", "--role", "admin", "-o", "json",
    ]);
    assert_eq!(r.code, 0, "{r}");
    let key = serde_json::from_str::<Value>(&r.stdout).unwrap()["key"]
        .as_str()
        .unwrap()
        .to_string();
    let token = support::Tokens::of(&sb).mint("admin", Role::Admin);
    let http = support::http();
    let (gw, engine, validator, wallet) = (
        format!("http://{}", sb.gateway()),
        format!("https://{}", sb.engine()),
        format!("https://{}", sb.validator(0)),
        format!("https://{}", sb.wallet()),
    );
    // Authenticated routes of each service and through the gateway, with
    // the status a good request gets (a validator's `GET /validators` and
    // `/status` are public).
    let propose = json!({"payload": {"note": "api key table"}});
    let routes: Vec<(&str, &str, &str, Option<&Value>, u16)> = vec![
        ("GET", &gw, "/api/v1/games", None, 200),
        ("GET", &gw, "/api/v1/games?limit=5", None, 200),
        ("GET", &gw, "/api/v1/consensus/validators", None, 200),
        (
            "POST",
            &gw,
            "/api/v1/consensus/propose",
            Some(&propose),
            202,
        ),
        ("GET", &gw, "/api/v1/wallet/summary", None, 200),
        ("GET", &gw, "/api/v1/wallet/accounts", None, 200),
        ("GET", &gw, "/api/v1/wallet/transfers", None, 200),
        ("GET", &gw, "/admin/config", None, 200),
        ("GET", &gw, "/admin/upstreams", None, 200),
        ("GET", &engine, "/games", None, 200),
        ("POST", &validator, "/propose", Some(&propose), 202),
        ("GET", &wallet, "/summary", None, 200),
        ("GET", &wallet, "/accounts", None, 200),
        ("GET", &wallet, "/audit", None, 200),
    ];
    let mut bad = Vec::new();
    for (method, base, path, body, ok) in &routes {
        for creds in [Creds::Token, Creds::Key, Creds::Both, Creds::Neither] {
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let mut r = http.request(method.clone(), format!("{base}{path}"));
            if let Some(b) = body {
                r = r.json(b);
            }
            if matches!(creds, Creds::Token | Creds::Both) {
                r = r.bearer_auth(&token);
            }
            if matches!(creds, Creds::Key | Creds::Both) {
                r = r.header("x-api-key", &key);
            }
            let resp = r.send().unwrap();
            let status = resp.status().as_u16();
            let want = if creds == Creds::Neither { 401 } else { *ok };
            if status != want {
                bad.push(format!(
                    "{method} {base}{path} with {creds:?}: {status}, expected {want}: {}",
                    resp.text().unwrap_or_default()
                ));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn craps_bets_take_only_their_documented_names() {
    let sb = Sandbox::sized(1, 1).env("BYZANTINE_THRESHOLD", "0");
    sb.up_funded();
    let token = support::Tokens::of(&sb).mint("alice", Role::Player);
    let http = support::http();
    let gw = format!("http://{}/api/v1", sb.gateway());
    let r = http
        .post(format!("{gw}/games"))
        .bearer_auth(&token)
        .json(&json!({"game_type": "craps", "players": [{"id": "alice", "buy_in": 100}]}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let bet = |name: &str| {
        let r = http
            .post(format!("{gw}/games/{id}/actions"))
            .bearer_auth(&token)
            .json(
                &json!({"player_id": "alice", "action": {"type": "bet", "bet": name, "amount": 5}}),
            )
            .send()
            .unwrap();
        let status = r.status().as_u16();
        let kind = r.headers()["content-type"].to_str().unwrap().to_string();
        (status, kind, r.json::<Value>().unwrap_or(Value::Null))
    };
    for alias in [
        "pass_line",
        "PASS",
        "Pass",
        "pass-line",
        "big6",
        "yo",
        "place_06",
    ] {
        let (status, kind, body) = bet(alias);
        assert_eq!(status, 422, "{alias}: {body}");
        assert_eq!(kind, "application/problem+json", "{alias}");
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.contains("pass, dont_pass, come") && detail.contains(alias),
            "{alias}: the answer lists the accepted names: {detail}"
        );
    }
    let (status, _, body) = bet("pass");
    assert_eq!(status, 200, "the documented name works: {body}");
}
