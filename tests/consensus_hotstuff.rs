//! Four real validator processes running HotStuff (CONSENSUS_ALGORITHM=
//! hotstuff) through the same shell as PBFT: commits with generic quorum
//! certificates anyone can check, and a leader killed with -9 that catches
//! up after its restart.

#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde_json::{Value, json};
use support::{Sandbox, kill9, wait_for};

const LIMIT: Duration = Duration::from_secs(30);

fn client() -> reqwest::blocking::Client {
    support::http_builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

fn get(sb: &Sandbox, v: u16, path: &str) -> Option<Value> {
    let r = client()
        .get(format!("https://{}{path}", sb.validator(v)))
        .timeout(Duration::from_secs(2))
        .send()
        .ok()?;
    r.status().is_success().then(|| r.json().ok()).flatten()
}

fn height(sb: &Sandbox, v: u16) -> Option<u64> {
    get(sb, v, "/status")?["last_committed_height"].as_u64()
}

/// Checks a HotStuff certificate (phase 6, generic) with nothing but
/// ed25519 and the documented sign bytes; returns the number of signers.
fn verify_generic_qc(genesis: &Value, qc: &Value, block_hash: &str) -> usize {
    let chain = genesis["chain_id"].as_str().unwrap();
    let mut msg = b"bitcraps-vote-v1".to_vec();
    msg.extend_from_slice(&(chain.len() as u32).to_be_bytes());
    msg.extend_from_slice(chain.as_bytes());
    msg.extend_from_slice(&qc["epoch"].as_u64().unwrap().to_be_bytes());
    msg.extend_from_slice(&qc["height"].as_u64().unwrap().to_be_bytes());
    msg.extend_from_slice(&qc["view"].as_u64().unwrap().to_be_bytes());
    msg.push(6); // generic
    msg.extend_from_slice(&hex::decode(block_hash).unwrap());
    assert_eq!(qc["phase"], "generic");
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

#[test]
fn hotstuff_validators_commit_verifiably_and_survive_a_leader_crash() {
    let sb = Sandbox::new().env("CONSENSUS_ALGORITHM", "hotstuff");
    sb.up();
    let token = support::Tokens::of(&sb).mint("tester", bitcraps::auth::Role::Admin);
    let propose = |v: u16, payload: Value| {
        let r = client()
            .post(format!("https://{}/propose?wait=true", sb.validator(v)))
            .bearer_auth(&token)
            .json(&json!({ "payload": payload }))
            .send()
            .unwrap();
        (
            r.status().as_u16(),
            r.json::<Value>().unwrap_or(Value::Null),
        )
    };
    let genesis: Value = serde_json::from_str(
        &std::fs::read_to_string(sb.state_dir().join("genesis.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(get(&sb, 0, "/status").unwrap()["algorithm"], "hotstuff");

    let mut last = 0;
    for v in 0..4 {
        let (s, r) = propose(v, json!({"round": v}));
        assert_eq!(s, 200, "{r}");
        let h = r["height"].as_u64().unwrap();
        assert!(h > last);
        last = h;
        let signers = verify_generic_qc(&genesis, &r["qc"], r["block_hash"].as_str().unwrap());
        assert!(signers >= 3, "2f+1 signers, got {signers}");
    }
    // Everyone commits the same blocks (the last commit proof is passed on
    // even when no further block follows).
    wait_for("all validators at the same height", LIMIT, || {
        (0..4)
            .all(|v| height(&sb, v).is_some_and(|h| h >= last))
            .then_some(())
    });
    for h in 1..=last {
        let hashes: Vec<Value> = (0..4)
            .map(|v| get(&sb, v, &format!("/blocks/{h}")).unwrap()["hash"].clone())
            .collect();
        assert!(hashes.iter().all(|x| *x == hashes[0]), "height {h}");
    }

    // kill -9 the current leader: timeouts form a TC, commits continue, and
    // the restarted validator catches up.
    let leader = get(&sb, 0, "/status").unwrap()["leader"].as_u64().unwrap() as u16;
    let ps = sb.ps();
    let pid = Sandbox::service(&ps, &format!("validator-{leader}"))["pid"]
        .as_u64()
        .unwrap();
    kill9(pid);
    let (s, r) = propose((leader + 1) % 4, json!({"after": "leader crash"}));
    assert_eq!(s, 200, "commits continue without the leader: {r}");
    let target = r["height"].as_u64().unwrap();
    wait_for("the crashed leader to catch up", LIMIT, || {
        (0..4)
            .all(|v| height(&sb, v).is_some_and(|h| h >= target))
            .then_some(())
    });
    let hashes: Vec<Value> = (0..4)
        .map(|v| get(&sb, v, &format!("/blocks/{target}")).unwrap()["hash"].clone())
        .collect();
    assert!(hashes.iter().all(|x| *x == hashes[0]), "{hashes:?}");
}
