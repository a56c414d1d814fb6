//! Four real validator processes agreeing over real sockets: commits with
//! verifiable quorum certificates, a leader crash, two of four down (no
//! commits, no fork), restarts that catch up, forged input refused.

#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde_json::{Value, json};
use support::{Sandbox, kill9, wait_for};

const LIMIT: Duration = Duration::from_secs(30);

struct Cluster<'a> {
    sb: &'a Sandbox,
    http: reqwest::blocking::Client,
    token: String,
}

impl<'a> Cluster<'a> {
    fn new(sb: &'a Sandbox) -> Cluster<'a> {
        let token = support::Tokens::of(sb).mint("tester", bitcraps::auth::Role::Admin);
        Cluster {
            sb,
            http: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
            token,
        }
    }

    fn propose(&self, v: u16, payload: Value, wait: bool) -> (u16, Value) {
        let r = self
            .http
            .post(format!(
                "http://{}/propose?wait={wait}",
                self.sb.validator(v)
            ))
            .bearer_auth(&self.token)
            .json(&json!({ "payload": payload }))
            .send()
            .unwrap();
        let s = r.status().as_u16();
        (s, r.json().unwrap_or(Value::Null))
    }

    fn get(&self, v: u16, path: &str) -> Option<Value> {
        let r = self
            .http
            .get(format!("http://{}{path}", self.sb.validator(v)))
            .timeout(Duration::from_secs(2))
            .send()
            .ok()?;
        r.status().is_success().then(|| r.json().ok()).flatten()
    }

    fn height(&self, v: u16) -> Option<u64> {
        self.get(v, "/status")?["last_committed_height"].as_u64()
    }

    fn pid(&self, name: &str) -> u64 {
        let ps = self.sb.ps();
        Sandbox::service(&ps, name)["pid"].as_u64().unwrap()
    }
}

/// Checks a commit certificate against the genesis with nothing but
/// ed25519 and the documented sign bytes.
fn verify_qc(genesis: &Value, qc: &Value, block_hash: &str) -> usize {
    let chain = genesis["chain_id"].as_str().unwrap();
    let mut msg = b"bitcraps-vote-v1".to_vec();
    msg.extend_from_slice(&(chain.len() as u32).to_be_bytes());
    msg.extend_from_slice(chain.as_bytes());
    msg.extend_from_slice(&qc["epoch"].as_u64().unwrap().to_be_bytes());
    msg.extend_from_slice(&qc["height"].as_u64().unwrap().to_be_bytes());
    msg.extend_from_slice(&qc["view"].as_u64().unwrap().to_be_bytes());
    // The documented phase codes of a commit certificate.
    msg.push(match qc["phase"].as_str().unwrap() {
        "commit" => 2,
        "precommit" => 5,
        "generic" => 6,
        other => panic!("{other} is not a commit certificate's phase"),
    });
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

fn validators_commit_verifiably_and_survive_a_leader_crash(algorithm: &str) {
    let sb = Sandbox::new().env("CONSENSUS_ALGORITHM", algorithm);
    sb.up();
    let c = Cluster::new(&sb);
    let genesis: Value = serde_json::from_str(
        &std::fs::read_to_string(sb.state_dir().join("genesis.json")).unwrap(),
    )
    .unwrap();

    // Proposals sent to any validator commit, each with a quorum certificate.
    let mut last = 0;
    for v in 0..4 {
        let (s, r) = c.propose(v, json!({"round": v}), true);
        assert_eq!(s, 200, "{r}");
        let h = r["height"].as_u64().unwrap();
        assert!(h > last);
        last = h;
        assert!(
            verify_qc(&genesis, &r["qc"], r["block_hash"].as_str().unwrap()) >= 3,
            "2f+1 signers"
        );
    }
    // Every validator holds the same block at every height (HotStuff may
    // have committed an empty block past the last proposal: its pipeline
    // commits a block once its child is certified).
    wait_for("all validators at the same height", LIMIT, || {
        (0..4)
            .all(|v| c.height(v).is_some_and(|h| h >= last))
            .then_some(())
    });
    for h in 1..=last {
        let blocks: Vec<Value> = (0..4)
            .map(|v| c.get(v, &format!("/blocks/{h}")).unwrap())
            .collect();
        for b in &blocks[1..] {
            assert_eq!(b["hash"], blocks[0]["hash"], "height {h}");
        }
    }

    // kill -9 the leader: commits continue (a view change), and the
    // restarted validator catches up with the others.
    let status = c.get(0, "/status").unwrap();
    let leader = status["leader"].as_u64().unwrap() as u16;
    let pid = c.pid(&format!("validator-{leader}"));
    kill9(pid);
    let other = (leader + 1) % 4;
    let (s, r) = c.propose(other, json!({"after": "leader crash"}), true);
    assert_eq!(s, 200, "commits continue without the leader: {r}");
    let target = r["height"].as_u64().unwrap();
    wait_for("the crashed leader to catch up", LIMIT, || {
        (0..4)
            .all(|v| c.height(v).is_some_and(|h| h >= target))
            .then_some(())
    });
    let hashes: Vec<Value> = (0..4)
        .map(|v| c.get(v, &format!("/blocks/{target}")).unwrap()["hash"].clone())
        .collect();
    assert!(hashes.iter().all(|h| *h == hashes[0]), "{hashes:?}");
}

fn without_a_quorum_nothing_commits_and_nothing_forks(algorithm: &str) {
    let sb = Sandbox::new()
        .env("CONSENSUS_ALGORITHM", algorithm)
        .env("BITCRAPS_MAX_RESTARTS", "0")
        .env("GATEWAY_REQUEST_TIMEOUT", "2s");
    sb.up();
    let c = Cluster::new(&sb);
    let (s, r) = c.propose(0, json!({"before": true}), true);
    assert_eq!(s, 200, "{r}");
    let before = r["height"].as_u64().unwrap();

    kill9(c.pid("validator-2"));
    kill9(c.pid("validator-3"));
    let (s, r) = c.propose(0, json!({"while": "two down"}), true);
    assert_eq!(s, 504, "no quorum, no commit: {r}");
    // What was nearly decided at the kill may finish (HotStuff commits a
    // block once its child is certified); after that, nothing moves.
    let stalled: Vec<Option<u64>> = (0..2).map(|v| c.height(v)).collect();
    for (v, h) in stalled.iter().enumerate() {
        assert!(
            h.is_some_and(|h| h <= before + 2),
            "validator {v} at {h:?} from {before}: committed without a quorum"
        );
    }
    let (s, r) = c.propose(1, json!({"while": "still two down"}), true);
    assert_eq!(s, 504, "no quorum, no commit: {r}");
    let (s, r) = c.propose(1, json!({"while": "pending"}), false);
    assert_eq!(s, 202, "{r}");
    let pending_id = r["proposal_id"].as_str().unwrap().to_string();
    for v in 0..2 {
        assert_eq!(
            c.height(v),
            stalled[v as usize],
            "validator {v} committed without a quorum"
        );
    }

    // Bring them back: they recover from disk, the pending proposals commit,
    // and all four agree on every height.
    let r = sb.run(&["restart", "validator-2", "validator-3"]);
    assert_eq!(r.code, 0, "{r}");
    let committed = wait_for("the pending proposal to commit", LIMIT, || {
        let p = c.get(1, &format!("/proposals/{pending_id}"))?;
        (p["status"] == "committed").then_some(p["height"].as_u64()?)
    });
    wait_for("all four to converge", LIMIT, || {
        (0..4)
            .all(|v| c.height(v).is_some_and(|h| h >= committed))
            .then_some(())
    });
    for h in 1..=committed {
        let hashes: Vec<Value> = (0..4)
            .map(|v| c.get(v, &format!("/blocks/{h}")).unwrap()["hash"].clone())
            .collect();
        assert!(
            hashes.iter().all(|x| *x == hashes[0]),
            "fork at height {h}: {hashes:?}"
        );
    }
}

fn forged_votes_and_envelopes_are_refused_and_counted(algorithm: &str) {
    let sb = Sandbox::new().env("CONSENSUS_ALGORITHM", algorithm);
    sb.up();
    let c = Cluster::new(&sb);
    let (s, r) = c.propose(0, json!({"x": 1}), true);
    assert_eq!(s, 200, "{r}");
    let status = c.get(0, "/status").unwrap();
    // A vote with a signature that is not validator 1's.
    let vote = json!({
        "chain_id": status["chain_id"], "epoch": 0, "height": 99, "view": 0, "phase": "prepare",
        "block_hash": "00".repeat(32), "validator": 1, "signature": "11".repeat(64),
    });
    let r = c
        .http
        .post(format!("http://{}/vote", sb.validator(0)))
        .bearer_auth(&c.token)
        .json(&vote)
        .send()
        .unwrap();
    assert_eq!(r.status(), 422);
    // A peer envelope claiming to come from validator 2.
    let r = c
        .http
        .post(format!("http://{}/peer", sb.validator(0)))
        .json(&json!({"from": 2, "msg": "{}", "sig": "22".repeat(64)}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
    let status = c.get(0, "/status").unwrap();
    assert_eq!(
        status["validators"][1]["rejected"]["bad_signature"], 1,
        "{status}"
    );
    assert_eq!(
        status["validators"][2]["rejected"]["bad_signature"], 1,
        "{status}"
    );
    // Reading unknown blocks and proposals: 404.
    let r = c
        .http
        .get(format!("http://{}/blocks/999999", sb.validator(0)))
        .send()
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = c
        .http
        .get(format!("http://{}/proposals/nope", sb.validator(0)))
        .send()
        .unwrap();
    assert_eq!(r.status(), 404);
}

/// The same suite for every consensus algorithm.
macro_rules! per_algorithm {
    ($($name:ident: $algorithm:literal),* $(,)?) => {$(
        mod $name {
            #[test]
            fn validators_commit_verifiably_and_survive_a_leader_crash() {
                super::validators_commit_verifiably_and_survive_a_leader_crash($algorithm);
            }

            #[test]
            fn without_a_quorum_nothing_commits_and_nothing_forks() {
                super::without_a_quorum_nothing_commits_and_nothing_forks($algorithm);
            }

            #[test]
            fn forged_votes_and_envelopes_are_refused_and_counted() {
                super::forged_votes_and_envelopes_are_refused_and_counted($algorithm);
            }
        }
    )*};
}

per_algorithm!(pbft: "pbft", tendermint: "tendermint", hotstuff: "hotstuff");
