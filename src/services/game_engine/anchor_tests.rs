//! The batcher against a stand-in validator on a real socket that answers
//! `POST /propose?wait=true` as the README documents it (200 with
//! `proposal_id`, `height`, `block_hash`; 413 above the proposal limit;
//! 422 for a payload it refuses; 503 while it cannot order).
#![allow(clippy::unwrap_used)]

use std::sync::Mutex;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use super::*;
use crate::auth::{Role, ServiceToken, SignKey};
use crate::upstream::health::HealthPolicy;

#[derive(Default)]
struct Validator {
    /// Answer 503 to this many proposals first.
    unavailable: u32,
    /// Every proposal seen: (its size, how many entries, the answer).
    seen: Vec<(usize, usize, u16)>,
    height: u64,
}

type Shared = Arc<Mutex<Validator>>;

async fn propose(State(v): State<Shared>, body: Bytes) -> Response {
    let mut v = v.lock().unwrap();
    let p: Value = serde_json::from_slice(&body).unwrap();
    let entries = p["payload"]["entries"].as_array().unwrap().len();
    let status = if v.unavailable > 0 {
        v.unavailable -= 1;
        503
    } else if body.len() > MAX_PROPOSAL_BYTES {
        413
    } else if p["payload"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["bad"] == true)
    {
        422
    } else {
        200
    };
    v.seen.push((body.len(), entries, status));
    if status != 200 {
        let detail = json!({"status": status, "detail": "refused"});
        return (StatusCode::from_u16(status).unwrap(), axum::Json(detail)).into_response();
    }
    v.height += 1;
    axum::Json(json!({
        "proposal_id": format!("p{}", v.height),
        "height": v.height,
        "block_hash": format!("h{}", v.height),
    }))
    .into_response()
}

async fn validator(unavailable: u32) -> (Shared, mpsc::Sender<Request>, mpsc::Receiver<Anchored>) {
    let v: Shared = Arc::new(Mutex::new(Validator {
        unavailable,
        ..Validator::default()
    }));
    let app = Router::new()
        .route("/propose", post(propose))
        .with_state(v.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let set = UpstreamSet::new("consensus", &[addr]);
    set.observe(addr, Ok(()), HealthPolicy::default());
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let token = ServiceToken::new(
        SignKey::ed25519(&key),
        "test",
        &["consensus"],
        "engine-0",
        Role::Engine,
    );
    let (tx, rx) = Anchorer::new(set, Arc::new(token))
        .unwrap()
        .with_retry(Retry {
            attempts: 2,
            first_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
        })
        .spawn();
    (v, tx, rx)
}

fn record(game: &str, what: &'static str, round: Option<u64>, extra: Value) -> Request {
    let mut payload = json!({"commitment": "c0ffee", "round": round});
    for (k, val) in extra.as_object().unwrap() {
        payload[k] = val.clone();
    }
    Request {
        game_id: game.to_string(),
        what,
        round,
        payload,
        trace: trace::Context::default(),
        alone: false,
    }
}

async fn anchored(rx: &mut mpsc::Receiver<Anchored>, n: usize) -> Vec<Anchored> {
    let mut out = Vec::new();
    while out.len() < n {
        let a = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .expect("records anchored in time")
            .unwrap();
        out.push(a);
    }
    out
}

#[tokio::test]
async fn batches_stay_within_the_proposal_limit_and_every_record_commits() {
    let (v, tx, mut rx) = validator(0).await;
    // 300 round records of ~1 KiB: far more bytes than one proposal holds.
    let pad = "x".repeat(1000);
    for i in 0..300u64 {
        tx.send(record(
            &format!("e0-{i}"),
            "round",
            Some(1),
            json!({ "pad": pad }),
        ))
        .await
        .unwrap();
    }
    let got = anchored(&mut rx, 300).await;
    let mut games: Vec<&str> = got.iter().map(|a| a.game_id.as_str()).collect();
    games.sort_unstable();
    games.dedup();
    assert_eq!(games.len(), 300);
    let seen = v.lock().unwrap().seen.clone();
    assert!(seen.len() >= 5, "{} proposals for 300 KiB", seen.len());
    for (size, entries, status) in seen {
        assert_eq!(
            status, 200,
            "a proposal of {size} bytes ({entries} entries)"
        );
        assert!(size <= MAX_PROPOSAL_BYTES);
    }
}

#[tokio::test]
async fn a_batch_no_validator_takes_goes_back_in_the_queue_reveals_and_rounds_included() {
    // The first 5 proposals meet no validator able to order them: more
    // than one batch's whole retry schedule (2 attempts).
    let (v, tx, mut rx) = validator(5).await;
    tx.send(record("e0-a", "reveal", None, json!({})))
        .await
        .unwrap();
    tx.send(record("e0-a", "round", Some(3), json!({})))
        .await
        .unwrap();
    tx.send(record("e0-b", "commitment", None, json!({})))
        .await
        .unwrap();
    let got = anchored(&mut rx, 3).await;
    let mut what: Vec<String> = got.iter().map(|a| a.anchor.what.clone()).collect();
    what.sort();
    assert_eq!(what, ["commitment", "reveal", "round"]);
    let seen = v.lock().unwrap().seen.clone();
    assert!(seen.iter().filter(|s| s.2 == 503).count() == 5, "{seen:?}");
}

#[tokio::test]
async fn a_refused_batch_is_split_and_only_the_refused_record_stays_out() {
    let (v, tx, mut rx) = validator(0).await;
    for i in 0..4 {
        tx.send(record(&format!("e0-{i}"), "round", Some(1), json!({})))
            .await
            .unwrap();
    }
    tx.send(record("e0-bad", "reveal", None, json!({ "bad": true })))
        .await
        .unwrap();
    // And one larger than any proposal may be: refused alone (413).
    let huge = "y".repeat(MAX_PROPOSAL_BYTES);
    tx.send(record("e0-huge", "reveal", None, json!({ "pad": huge })))
        .await
        .unwrap();
    let got = anchored(&mut rx, 4).await;
    assert!(
        got.iter()
            .all(|a| a.game_id != "e0-bad" && a.game_id != "e0-huge")
    );
    // Both refused alone, after which nothing else is proposed or anchored.
    let refused_alone = |v: &Shared| {
        v.lock()
            .unwrap()
            .seen
            .iter()
            .filter(|s| s.1 == 1 && (s.2 == 422 || s.2 == 413))
            .count()
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while refused_alone(&v) < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:?}",
            v.lock().unwrap().seen
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(tx);
    assert!(rx.recv().await.is_none(), "no other record anchored");
}
