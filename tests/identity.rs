//! Identities a Byzantine validator cannot forge, over real processes: the
//! JWT attack matrix against the gateway, an engine, the wallet and a
//! validator directly; a compromised validator's and a compromised
//! engine's files; and the role × route table of the README, every
//! refused cell answered 403.

#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use bitcraps::auth::Role::{self, Admin, Cashier, Engine, Player, Validator, Wallet};
use bitcraps::auth::{Claims, RecordSigner, SignKey, keys};
use bitcraps::services::consensus::protocol::Proposal;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use support::{Sandbox, Tokens, http, wait_for};

/// One request a test sends.
#[derive(Clone)]
struct Req {
    what: String,
    method: &'static str,
    url: String,
    body: Option<Value>,
}

impl Req {
    fn get(what: &str, url: String) -> Req {
        Req {
            what: what.to_string(),
            method: "GET",
            url,
            body: None,
        }
    }

    fn post(what: &str, url: String, body: Value) -> Req {
        Req {
            what: what.to_string(),
            method: "POST",
            url,
            body: Some(body),
        }
    }

    fn send(&self, token: Option<&str>) -> (u16, String) {
        let mut r = http().request(self.method.parse().unwrap(), &self.url);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(b) = &self.body {
            r = r.json(b);
        }
        let resp = r.send().unwrap();
        let status = resp.status().as_u16();
        (status, resp.text().unwrap_or_default())
    }
}

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

fn issuer_kid(sb: &Sandbox) -> String {
    keys::kid_of(&sb.issuer_key().verifying_key())
}

fn service_key(sb: &Sandbox, name: &str) -> ed25519_dalek::SigningKey {
    keys::read_private(&keys::service_key_path(sb.state_dir(), name)).unwrap()
}

fn signed_by(key: &ed25519_dalek::SigningKey, c: &Claims) -> String {
    bitcraps::auth::sign(&SignKey::ed25519(key), c).unwrap()
}

/// A deposit: issuance → player:alice, a cashier's move.
fn deposit(sb: &Sandbox, id: &str) -> Req {
    Req::post(
        "wallet deposit",
        format!("https://{}/transfers", sb.wallet()),
        json!({"id": id, "debit": "issuance", "credit": "player:alice", "amount": 5}),
    )
}

/// The attack matrix: tokens every service must refuse with 401.
fn forged_tokens(sb: &Sandbox, target_aud: &str) -> Vec<(String, String)> {
    let now = bitcraps::auth::now_secs();
    let issuer = sb.issuer_key();
    let kid = issuer_kid(sb);
    let admin = Tokens::claims("alice", Admin);
    let mut out = Vec::new();
    // alg: none, naming the issuer's key.
    let header = json!({"alg": "none", "typ": "JWT", "kid": kid});
    out.push((
        "alg none".to_string(),
        format!(
            "{}.{}.",
            b64(&header),
            b64(&serde_json::to_value(&admin).unwrap())
        ),
    ));
    // HS256 with the issuer's public key as the HMAC secret.
    let mut h = Header::new(Algorithm::HS256);
    h.kid = Some(kid.clone());
    for secret in [
        issuer.verifying_key().as_bytes().to_vec(),
        keys::Jwk::ed25519(&issuer.verifying_key(), &[Admin], None)
            .x
            .into_bytes(),
    ] {
        out.push((
            "HS256 with the public key".to_string(),
            jsonwebtoken::encode(&h, &admin, &EncodingKey::from_secret(&secret)).unwrap(),
        ));
    }
    // Another issuer.
    out.push((
        "a key outside the set".to_string(),
        signed_by(&keys::generate(), &admin),
    ));
    // Wrong audience: every service but this one.
    let mut c = Tokens::claims("alice", Admin);
    c.aud.retain(|a| a != target_aud);
    out.push(("wrong aud".to_string(), signed_by(&issuer, &c)));
    // Wrong issuer.
    let mut c = Tokens::claims("alice", Admin);
    c.iss = "evil".into();
    out.push(("wrong iss".to_string(), signed_by(&issuer, &c)));
    // Expired.
    let mut c = Tokens::claims("alice", Admin);
    c.exp = now - 5;
    out.push(("expired".to_string(), signed_by(&issuer, &c)));
    // Not yet valid.
    let mut c = Tokens::claims("alice", Admin);
    c.nbf = Some(now + 600);
    out.push(("nbf in the future".to_string(), signed_by(&issuer, &c)));
    // Tampered: a player's signature under an admin's claims.
    let t = signed_by(&issuer, &Tokens::claims("alice", Player));
    let parts: Vec<&str> = t.split('.').collect();
    out.push((
        "tampered claims".to_string(),
        format!(
            "{}.{}.{}",
            parts[0],
            b64(&serde_json::to_value(&admin).unwrap()),
            parts[2]
        ),
    ));
    // A service's key signing beyond its scope.
    let engine = service_key(sb, "engine-0");
    for (sub, role) in [
        ("engine-0", Admin),
        ("alice", Player),
        ("engine-0", Cashier),
    ] {
        out.push((
            format!("engine key as {sub} ({role})"),
            signed_by(&engine, &Tokens::claims(sub, role)),
        ));
    }
    out
}

/// One request per service that a good token passes, and the audience it
/// is checked against.
fn targets(sb: &Sandbox) -> Vec<(&'static str, Req)> {
    vec![
        (
            "gateway",
            Req::get(
                "gateway games",
                format!("http://{}/api/v1/games", sb.gateway()),
            ),
        ),
        (
            "engine",
            Req::get("engine games", format!("https://{}/games", sb.engine())),
        ),
        (
            "wallet",
            Req::get("wallet summary", format!("https://{}/summary", sb.wallet())),
        ),
        (
            "consensus",
            Req::post(
                "validator propose",
                format!("https://{}/propose", sb.validator(1)),
                json!({"kind": "chat.message", "payload": {"hi": 1}}),
            ),
        ),
    ]
}

#[test]
fn forged_expired_revoked_and_out_of_scope_tokens_are_refused_everywhere() {
    let sb = Sandbox::new();
    sb.up_funded();
    let tokens = Tokens::of(&sb);
    let good = tokens.mint("ops", Admin);
    for (aud, req) in targets(&sb) {
        let (s, body) = req.send(Some(&good));
        assert!(
            (200..300).contains(&s),
            "{}: a good token: {s} {body}",
            req.what
        );
        for (attack, token) in forged_tokens(&sb, aud) {
            let (s, body) = req.send(Some(&token));
            assert_eq!(s, 401, "{}: {attack}: {body}", req.what);
        }
        // A valid token whose role is not allowed: 403.
        let player = tokens.mint("mallory", Player);
        let refused = match aud {
            "gateway" => Req::get(
                "gateway upstreams",
                format!("http://{}/admin/upstreams", sb.gateway()),
            ),
            "engine" => Req::post(
                "engine create for another",
                format!("https://{}/games", sb.engine()),
                json!({"game_type": "craps", "players": [{"id": "alice", "buy_in": 10}]}),
            ),
            "consensus" => Req::post(
                "validator game record",
                format!("https://{}/propose", sb.validator(1)),
                json!({"kind": "game.anchors", "payload": {}}),
            ),
            _ => req.clone(),
        };
        let (s, body) = refused.send(Some(&player));
        assert_eq!(s, 403, "{}: {body}", refused.what);
    }

    // Revocation: `auth revoke JTI` reaches every service within seconds,
    // cached verdict or not.
    let c = Tokens::claims("ops", Admin);
    let t = tokens.sign(&c);
    for (_, req) in targets(&sb) {
        assert!((200..300).contains(&req.send(Some(&t)).0), "{}", req.what);
    }
    let r = sb.run(&["auth", "revoke", &c.jti]);
    assert_eq!(r.code, 0, "{r}");
    for (_, req) in targets(&sb) {
        wait_for(
            &format!("{} to refuse the revoked token", req.what),
            Duration::from_secs(10),
            || (req.send(Some(&t)).0 == 401).then_some(()),
        );
    }
    // Other tokens still pass.
    for (_, req) in targets(&sb) {
        assert!(
            (200..300).contains(&req.send(Some(&good)).0),
            "{}",
            req.what
        );
    }
    // The gateway serves the public key set, and only public keys.
    let (s, body) = Req::get(
        "jwks",
        format!("http://{}/.well-known/jwks.json", sb.gateway()),
    )
    .send(None);
    assert_eq!(s, 200, "{body}");
    let set: Value = serde_json::from_str(&body).unwrap();
    let kids: Vec<&str> = set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert!(kids.contains(&issuer_kid(&sb).as_str()), "{set}");
    assert!(
        set["keys"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["d"].is_null())
    );

    // Rotation: `auth rotate` adds a key that signs new tokens; tokens of
    // the old key pass until `auth rotate --retire OLD`.
    let old_kid = issuer_kid(&sb);
    let old = tokens.mint("ops", Admin);
    let r = sb.run(&["auth", "rotate", "--output", "json"]);
    assert_eq!(r.code, 0, "{r}");
    let new_kid = serde_json::from_str::<Value>(&r.stdout).unwrap()["added"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_kid, old_kid);
    let r = sb.run(&["auth", "token", "--sub", "ops", "--role", "admin"]);
    assert_eq!(r.code, 0, "{r}");
    let new = r.stdout.trim().to_string();
    let header = jsonwebtoken::decode_header(&new).unwrap();
    assert_eq!(header.kid.as_deref(), Some(new_kid.as_str()));
    for (_, req) in targets(&sb) {
        wait_for(
            &format!("{} to take the new key", req.what),
            Duration::from_secs(10),
            || (200..300).contains(&req.send(Some(&new)).0).then_some(()),
        );
        assert!((200..300).contains(&req.send(Some(&old)).0), "{}", req.what);
    }
    let r = sb.run(&["auth", "rotate", "--retire", &old_kid]);
    assert_eq!(r.code, 0, "{r}");
    for (_, req) in targets(&sb) {
        wait_for(
            &format!("{} to drop the retired key", req.what),
            Duration::from_secs(10),
            || (req.send(Some(&old)).0 == 401).then_some(()),
        );
        assert!((200..300).contains(&req.send(Some(&new)).0), "{}", req.what);
    }
    // The last issuer key cannot be retired.
    let r = sb.run(&["auth", "rotate", "--retire", &new_kid]);
    assert_ne!(r.code, 0, "{r}");
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_compromised_validator_or_engine_cannot_mint_what_it_is_not() {
    // A taken-over service runs as the same user as the others, so what
    // bounds it is its sandbox: the test steals everything validator-1's
    // sandbox lets it open and forges tokens with every piece of it.
    // Hundreds of refused requests: not the rate limiter's business here.
    let sb = Sandbox::new().env("RATE_LIMIT_MAX_REQUESTS", "1000000");
    sb.up_funded();
    let state = sb.state_dir().canonicalize().unwrap();
    // Every service confined itself (Landlock): its log says so, and the
    // kernel set no_new_privs, which confinement requires.
    let mut confined = 0;
    for pid_file in files(&state.join("run")) {
        if pid_file.extension().is_none_or(|e| e != "pid") {
            continue;
        }
        let name = pid_file.file_stem().unwrap().to_string_lossy().into_owned();
        let pid = std::fs::read_to_string(&pid_file).unwrap();
        let status = std::fs::read_to_string(format!("/proc/{}/status", pid.trim())).unwrap();
        assert!(status.contains("NoNewPrivs:\t1"), "{name}: {status}");
        let log = std::fs::read_to_string(state.join(format!("logs/{name}.log"))).unwrap();
        assert!(log.contains("confined (Landlock)"), "{name}: {log}");
        confined += 1;
    }
    assert_eq!(
        confined, 7,
        "four validators, the wallet, an engine, the gateway"
    );
    // What each service can open, asked of the kernel under the very
    // policy the service applied to itself: nothing out of its reach.
    let probe = |instance: &str| -> Value {
        let r = sb.run(&["--output", "json", "sandbox", "probe", instance]);
        assert_eq!(r.code, 0, "{instance}: {r}");
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["enforced"], "fully", "{instance}: {v}");
        v
    };
    for instance in [
        "gateway",
        "engine-0",
        "wallet",
        "validator-0",
        "validator-2",
    ] {
        let v = probe(instance);
        let readable: Vec<&str> = v["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["readable"] == true)
            .map(|f| f["path"].as_str().unwrap())
            .collect();
        for secret in [
            "keys/issuer/",
            "keys/governance.key",
            "tls/ca.key",
            "tls/cli/",
            "run/control.token",
        ] {
            assert!(
                !readable.iter().any(|f| f.contains(secret)),
                "{instance} can read {secret}: {readable:?}"
            );
        }
        assert!(
            readable
                .iter()
                .any(|f| f.ends_with(&format!("tls/{instance}/tls.key"))),
            "{instance} cannot read its own TLS key: {readable:?}"
        );
    }
    // A taken-over validator-1 holds whatever its process can open: its
    // key, genesis, its data, its TLS identity, the public key set.
    let stolen: Vec<PathBuf> = probe("validator-1")["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["readable"] == true)
        .map(|f| PathBuf::from(f["path"].as_str().unwrap()))
        .collect();
    for needed in [
        "keys/validator-1.key",
        "tls/validator-1/tls.key",
        "genesis.json",
    ] {
        assert!(
            stolen.iter().any(|f| f.ends_with(needed)),
            "{needed}: {stolen:?}"
        );
    }
    let mut seeds: Vec<(String, Vec<u8>)> = Vec::new();
    for f in &stolen {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let text = text.trim();
        seeds.push((f.display().to_string(), text.as_bytes().to_vec()));
        if let Ok(b) = hex::decode(text)
            && b.len() == 32
        {
            seeds.push((format!("{} (bytes)", f.display()), b));
        }
    }
    assert!(
        seeds.iter().any(|(n, _)| n.contains("validator-1.key")),
        "{stolen:?}"
    );
    let kid = issuer_kid(&sb);
    let requests = [
        Req::get(
            "gateway wallet summary",
            format!("http://{}/api/v1/wallet/summary", sb.gateway()),
        ),
        Req::get(
            "gateway games",
            format!("http://{}/api/v1/games", sb.gateway()),
        ),
        Req::get("engine games", format!("https://{}/games", sb.engine())),
        Req::get("wallet summary", format!("https://{}/summary", sb.wallet())),
        deposit(&sb, "stolen-1"),
    ];
    let mut tried = 0;
    for (name, material) in &seeds {
        let mut tokens = Vec::new();
        for (sub, role) in [
            ("ops", Admin),
            ("alice", Player),
            ("till", Cashier),
            ("engine-0", Engine),
            ("validator-1", Validator),
        ] {
            let c = Tokens::claims(sub, role);
            // As an HMAC secret, with and without the issuer's kid.
            for kid in [None, Some(kid.clone())] {
                let mut h = Header::new(Algorithm::HS256);
                h.kid = kid;
                tokens.push(
                    jsonwebtoken::encode(&h, &c, &EncodingKey::from_secret(material)).unwrap(),
                );
            }
            // As an Ed25519 key: under its own kid and the issuer's.
            if let Ok(seed) = <[u8; 32]>::try_from(material.as_slice()) {
                let key = ed25519_dalek::SigningKey::from_bytes(&seed);
                tokens.push(signed_by(&key, &c));
                let mut h = Header::new(Algorithm::EdDSA);
                h.kid = Some(kid.clone());
                tokens.push(
                    jsonwebtoken::encode(&h, &c, &EncodingKey::from_ed_der(&keys::pkcs8_der(&key)))
                        .unwrap(),
                );
            }
        }
        for t in &tokens {
            for req in &requests {
                let (s, body) = req.send(Some(t));
                assert_eq!(s, 401, "{} with {name}: {body}", req.what);
                tried += 1;
            }
        }
    }
    eprintln!("{tried} requests with a validator's files: all 401");

    // The engine's own key signs only `engine` as engine-0.
    let engine = service_key(&sb, "engine-0");
    for (sub, role) in [
        ("engine-0", Cashier),
        ("engine-0", Admin),
        ("alice", Player),
        ("engine-1", Engine),
        ("wallet", Wallet),
    ] {
        let t = signed_by(&engine, &Tokens::claims(sub, role));
        for req in [
            deposit(&sb, "engine-stolen"),
            Req::get(
                "wallet alice",
                format!("https://{}/accounts/player:alice", sb.wallet()),
            ),
            Req::get("engine games", format!("https://{}/games", sb.engine())),
            Req::get(
                "gateway upstreams",
                format!("http://{}/admin/upstreams", sb.gateway()),
            ),
        ] {
            let (s, body) = req.send(Some(&t));
            assert_eq!(s, 401, "engine key as {sub} ({role}): {}: {body}", req.what);
        }
    }
    // As itself it is an engine, and an engine cannot deposit, with its
    // ids or anyone's, nor act as a player.
    let own = signed_by(&engine, &Tokens::claims("engine-0", Engine));
    for id in ["engine.stolen", "plain-stolen"] {
        let (s, body) = deposit(&sb, id).send(Some(&own));
        assert_eq!(s, 403, "{id}: {body}");
    }
    let (s, body) = Req::post(
        "engine as alice",
        format!("https://{}/games", sb.engine()),
        json!({"game_type": "craps", "players": [{"id": "alice", "buy_in": 10}]}),
    )
    .send(Some(&own));
    assert_eq!(s, 403, "{body}");
    let (s, body) =
        Req::get("wallet summary", format!("https://{}/summary", sb.wallet())).send(Some(&own));
    assert_eq!(s, 403, "{body}");
}

/// A token for `role`: user roles from the issuer key, service roles from
/// the service's own key (the only key that can sign them).
/// The `POST /propose` body of a record of `kind` signed by service
/// `signer`'s own key, as that service sends it.
fn attested(sb: &Sandbox, signer: &str, kind: &str, payload: Value) -> Value {
    let s = RecordSigner::new(signer, service_key(sb, signer));
    let sig = s.sign(&Proposal::record_bytes(kind, &payload));
    json!({"kind": kind, "payload": payload,
           "attestation": {"signer": signer, "kid": s.kid(), "sig": hex::encode(sig)}})
}

/// A validator of the set (validator 3 here, with its real key and
/// certificate) sends validator 0 `msg` over `/peer`.
fn peer_as_validator_3(sb: &Sandbox, msg: &Value) -> (u16, String) {
    use bitcraps::services::consensus::{genesis, transport};
    let chain_id = genesis::load(sb.state_dir()).unwrap().chain_id;
    let key = genesis::read_key(&genesis::key_path(sb.state_dir(), 3)).unwrap();
    let env =
        transport::Envelope::seal(&chain_id, 3, 0, transport::now_ms(), msg.to_string(), &key);
    let r = support::http_as(sb.state_dir(), "validator-3")
        .post(format!("https://{}/peer", sb.validator(0)))
        .json(&env)
        .send()
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().unwrap_or_default())
}

/// Issue 17: a Byzantine validator holds no service key, so it cannot put
/// an engine's or the wallet's record in a block: validators refuse such a
/// record unsigned, signed with another key, or naming another engine's
/// game, whether it comes from a client, forwarded by a peer, or inside a
/// block a leader proposes; a record its engine signed still goes through.
#[test]
fn a_byzantine_validator_cannot_put_a_record_its_service_did_not_sign_in_a_block() {
    let sb = Sandbox::new();
    sb.up();
    let admin = Tokens::of(&sb).mint("ops", Admin);
    let v0 = sb.validator(0);
    let game = |id: &str| json!({"entries": [{"game_id": id, "what": "commit"}]});
    let proposal = |id: &str, body: &Value| {
        let mut p = body.clone();
        p["id"] = json!(id);
        p
    };
    let mut forged_with_own_key = attested(&sb, "engine-0", "game.anchors", game("e0-x"));
    let v3 = bitcraps::services::consensus::genesis::read_key(
        &bitcraps::services::consensus::genesis::key_path(sb.state_dir(), 3),
    )
    .unwrap();
    let sig =
        ed25519_dalek::Signer::sign(&v3, &Proposal::record_bytes("game.anchors", &game("e0-x")));
    forged_with_own_key["attestation"]["sig"] = json!(hex::encode(sig.to_bytes()));
    let forgeries = [
        (
            "unsigned",
            json!({"kind": "game.anchors", "payload": game("e0-x")}),
            "must be signed",
        ),
        (
            "engine-0's signature on another engine's game",
            attested(&sb, "engine-0", "game.anchors", game("e1-x")),
            "not one of them",
        ),
        (
            "the validator's own key",
            forged_with_own_key,
            "does not verify",
        ),
        (
            "an unsigned wallet anchor",
            json!({"kind": "wallet.anchor", "payload": {"seq": 1, "head_hash": "ff"}}),
            "must be signed",
        ),
    ];
    for (i, (what, body, why)) in forgeries.iter().enumerate() {
        // From a client, even an admin: 403.
        let r = http()
            .post(format!("https://{v0}/propose"))
            .bearer_auth(&admin)
            .json(body)
            .send()
            .unwrap();
        assert_eq!(r.status(), 403, "{what}");
        assert!(r.text().unwrap().contains(why), "{what}");
        // Forwarded by a member of the set.
        let id = format!("forged-{i}");
        let forward = json!({"type": "forward", "proposals": [proposal(&id, body)]});
        let (s, text) = peer_as_validator_3(&sb, &forward);
        assert_eq!(s, 403, "{what}: {text}");
        assert!(text.contains(why), "{what}: {text}");
        // Inside a block it proposes: refused before any vote is looked at.
        let block = json!({"height": 1, "view": 0, "parent_hash": "00".repeat(32),
            "proposer": 3, "proposals": [proposal(&id, body)]});
        let vote = json!({"chain_id": "c", "epoch": 0, "height": 1, "view": 0,
            "phase": "prepare", "block_hash": "00".repeat(32), "validator": 3,
            "signature": "11".repeat(64)});
        for msg in [
            json!({"type": "pre_prepare", "block": block, "vote": vote}),
            json!({"type": "hotstuff", "kind": "proposal", "block": block, "vote": vote}),
            json!({"type": "new_view", "view_changes": [], "block": block, "vote": vote}),
        ] {
            let (s, text) = peer_as_validator_3(&sb, &msg);
            assert_eq!(s, 403, "{what} in {}: {text}", msg["type"]);
            assert!(text.contains(why), "{what}: {text}");
        }
    }
    // A record engine-0 signed, forwarded by the same validator, commits.
    let body = attested(&sb, "engine-0", "game.anchors", game("e0-real"));
    let forward = json!({"type": "forward", "proposals": [proposal("signed-1", &body)]});
    let (s, text) = peer_as_validator_3(&sb, &forward);
    assert_eq!(s, 202, "{text}");
    let c = http();
    let height = wait_for(
        "the signed record to commit",
        Duration::from_secs(30),
        || {
            let r = c
                .get(format!("https://{v0}/proposals/signed-1"))
                .bearer_auth(&admin)
                .send()
                .ok()?;
            let v: Value = r.json().ok()?;
            (v["status"] == "committed").then(|| v["height"].as_u64().unwrap())
        },
    );
    // None of the forgeries is anywhere, and the refusals are charged to
    // the validator that sent them.
    for i in 0..forgeries.len() {
        for v in 0..4 {
            let r = c
                .get(format!("https://{}/proposals/forged-{i}", sb.validator(v)))
                .bearer_auth(&admin)
                .send()
                .unwrap();
            assert_eq!(r.status(), 404, "forged-{i} on validator {v}");
        }
    }
    let status: Value = c
        .get(format!("https://{v0}/status"))
        .bearer_auth(&admin)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(
        status["validators"][3]["rejected"]["unsigned_record"]
            .as_u64()
            .is_some_and(|n| n == 4 * 4),
        "{status}"
    );
    eprintln!("the signed record committed at height {height}");
}

fn token_for(sb: &Sandbox, role: Role, sub: &str) -> String {
    match role {
        Engine => signed_by(
            &service_key(sb, "engine-0"),
            &Tokens::claims("engine-0", Engine),
        ),
        Wallet => signed_by(
            &service_key(sb, "wallet"),
            &Tokens::claims("wallet", Wallet),
        ),
        _ => Tokens::of(sb).mint(sub, role),
    }
}

#[test]
fn the_role_route_table_refuses_every_cell_it_should_with_403() {
    let sb = Sandbox::new();
    sb.up_funded();
    let (w, e, v) = (sb.wallet(), sb.engine(), sb.validator(2));
    let all = [Player, Cashier, Admin, Engine, Wallet, Validator];
    // (request, roles allowed); every other role must get 403. Players
    // act as `mallory` (not alice) where the route is about someone else.
    let table: Vec<(Req, &[Role])> = vec![
        (
            Req::get("wallet GET /summary", format!("https://{w}/summary")),
            &[Admin, Cashier],
        ),
        (
            Req::get("wallet GET /audit", format!("https://{w}/audit")),
            &[Admin, Cashier],
        ),
        (
            Req::get("wallet GET /accounts", format!("https://{w}/accounts")),
            &[Admin, Cashier],
        ),
        (
            Req::get("wallet GET /transfers", format!("https://{w}/transfers")),
            &[Admin, Cashier],
        ),
        (
            Req::get(
                "wallet GET /accounts/player:alice",
                format!("https://{w}/accounts/player:alice"),
            ),
            &[Admin, Cashier, Engine],
        ),
        (
            Req::post(
                "wallet POST /transfers deposit",
                format!("https://{w}/transfers"),
                json!({"id": "walk-deposit", "debit": "issuance", "credit": "player:alice", "amount": 1}),
            ),
            &[Admin, Cashier],
        ),
        (
            Req::post(
                "wallet POST /transfers alice→bob",
                format!("https://{w}/transfers"),
                json!({"id": "walk-move", "debit": "player:alice", "credit": "player:bob", "amount": 1}),
            ),
            &[Admin],
        ),
        (
            Req::post(
                "engine POST /games for alice",
                format!("https://{e}/games"),
                json!({"game_type": "craps", "players": [{"id": "alice", "buy_in": 10}]}),
            ),
            &[Admin],
        ),
        (
            Req::post(
                "consensus POST /propose game.*",
                format!("https://{v}/propose"),
                // Records of engine-0's own games (e0-…): an engine anchors
                // only its own.
                // Signed by engine-0 (an admin may relay it).
                attested(
                    &sb,
                    "engine-0",
                    "game.anchors",
                    json!({"entries": [{"game_id": "e0-route-table", "what": "commit"}]}),
                ),
            ),
            &[Admin, Engine],
        ),
        (
            Req::post(
                "consensus POST /propose wallet.*",
                format!("https://{v}/propose"),
                attested(&sb, "wallet", "wallet.anchor", json!({})),
            ),
            &[Admin, Wallet],
        ),
        (
            Req::post(
                "consensus POST /validators",
                format!("https://{v}/validators"),
                json!({}),
            ),
            &[Admin],
        ),
        (
            Req::get(
                "gateway GET /admin/upstreams",
                format!("http://{}/admin/upstreams", sb.gateway()),
            ),
            &[Admin],
        ),
    ];
    let mut refused = 0;
    for (req, allowed) in &table {
        for role in all {
            if allowed.contains(&role) {
                continue;
            }
            let (s, body) = req.send(Some(&token_for(&sb, role, "mallory")));
            assert_eq!(s, 403, "{} as {role}: {body}", req.what);
            refused += 1;
        }
    }
    eprintln!("{refused} refused cells answered 403");
    // And the allowed cells are not refused for their role (a cell may
    // still fail for other reasons, e.g. 422 on an empty body).
    for (req, allowed) in &table {
        for role in allowed.iter() {
            let (s, body) = req.send(Some(&token_for(&sb, *role, "alice")));
            assert!(s != 401 && s != 403, "{} as {role}: {s} {body}", req.what);
        }
    }
}

/// `method path` sent to `addr` byte for byte (no client-side URL
/// normalisation); the status and the body.
fn raw(addr: std::net::SocketAddr, method: &str, path: &str, token: &str) -> (u16, String) {
    use std::io::{Read as _, Write as _};
    let mut conn = std::net::TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let body = if method == "POST" { "{}" } else { "" };
    write!(
        conn,
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

#[test]
fn the_gateway_forwards_only_allow_listed_consensus_routes_on_canonical_paths() {
    let sb = Sandbox::new();
    sb.up();
    let gw = sb.gateway();
    let player = token_for(&sb, Player, "mallory");
    let admin = token_for(&sb, Admin, "root");
    let validator = token_for(&sb, Validator, "validator-1");
    // Paths that decode to something else than they look, or name routes
    // the gateway never forwards: not routes (404), whoever asks.
    for (method, path) in [
        ("GET", "/api/v1/consensus/validators%3F"),
        ("GET", "/api/v1/consensus/validators%3Fx=1"),
        ("GET", "/api/v1/consensus/validators%2F"),
        ("GET", "/api/v1/consensus/validators/"),
        ("GET", "/api/v1/consensus/./validators"),
        ("GET", "/api/v1/consensus/status/%2e%2e/validators"),
        ("GET", "/api/v1/consensus/status/../validators"),
        ("GET", "/api/v1/consensus//validators"),
        ("GET", "/api/v1/consensus/validators%23"),
        ("GET", "/api/v1/consensus/%76alidators"),
        ("POST", "/api/v1/consensus/peer"),
        ("GET", "/api/v1/consensus/fault"),
        ("POST", "/api/v1/consensus/fault"),
        ("GET", "/api/v1/consensus/metrics"),
        ("GET", "/api/v1/wallet/audit%3F"),
        ("GET", "/api/v1/games/e0-x%3F/proof"),
    ] {
        for token in [&player, &admin] {
            let (s, body) = raw(gw, method, path, token);
            // `%76` is `v`: decoded, it is `validators` itself, which a
            // player may not read and an admin may.
            if path.ends_with("%76alidators") {
                let want = if token == &admin { 200 } else { 403 };
                assert_eq!(s, want, "{method} {path}: {body}");
                continue;
            }
            assert_eq!(s, 404, "{method} {path}: {body}");
            let p: Value = serde_json::from_str(&body).unwrap();
            assert!(p["detail"].as_str().unwrap().contains("not a route"), "{p}");
        }
    }
    // The allow-list's roles: validators (admin), vote (validator only).
    assert_eq!(
        raw(gw, "GET", "/api/v1/consensus/validators", &player).0,
        403
    );
    assert_eq!(
        raw(gw, "GET", "/api/v1/consensus/validators", &admin).0,
        200
    );
    assert_eq!(raw(gw, "POST", "/api/v1/consensus/vote", &player).0, 403);
    assert_eq!(raw(gw, "POST", "/api/v1/consensus/vote", &admin).0, 403);
    let (s, body) = raw(gw, "POST", "/api/v1/consensus/vote", &validator);
    assert!(
        s != 401 && s != 403 && s != 404,
        "a validator's vote: {s} {body}"
    );
    assert_eq!(raw(gw, "GET", "/api/v1/consensus/status", &player).0, 200);
    assert_eq!(raw(gw, "DELETE", "/api/v1/consensus/status", &admin).0, 405);
}
