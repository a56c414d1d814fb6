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

/// A validator (or a gateway in front of one) that serves whatever blocks
/// it is told to: `GET /api/v1/consensus/validators` and
/// `GET /api/v1/consensus/blocks/{h}` over plain HTTP, 404 otherwise.
struct HostileServer {
    addr: std::net::SocketAddr,
    blocks: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<u64, Value>>>,
}

impl HostileServer {
    fn start() -> HostileServer {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let blocks: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<u64, Value>>> =
            Default::default();
        let served = blocks.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                // Skip the headers; these requests carry no body.
                let mut header = String::new();
                while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                    header.clear();
                }
                let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
                let answer = if path == "/api/v1/consensus/validators" {
                    Some(json!({"epoch": 1, "changes": [], "min_validators": 4}))
                } else {
                    path.strip_prefix("/api/v1/consensus/blocks/")
                        .and_then(|h| h.parse::<u64>().ok())
                        .and_then(|h| served.lock().unwrap().get(&h).cloned())
                };
                let (status, body) = match answer {
                    Some(v) => ("200 OK", v.to_string()),
                    None => (
                        "404 Not Found",
                        json!({"type": "about:blank", "title": "Not Found", "status": 404,
                               "detail": "no block is committed at that height"})
                        .to_string(),
                    ),
                };
                let mut out = stream;
                let _ = write!(
                    out,
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        HostileServer { addr, blocks }
    }

    fn serve(&self, height: u64, answer: Value) {
        self.blocks.lock().unwrap().insert(height, answer);
    }
}

/// `bitcraps consensus verify` against a server that presents a HotStuff
/// block whose only evidence of finality is its own QC — an orphaned QC:
/// honest validators voted for X (that is all a QC on X says), and a
/// Byzantine next leader kept the certificate to itself, so X never
/// committed and another block may take its height. The command must
/// refuse it, and equally a "proof" whose certified child is not of the
/// next view (after a timeout, which the two-chain rule does not count);
/// the same server's genuinely proven block verifies, so the refusals are
/// the commit rule's and nothing else's. Signatures are real ed25519 of a
/// four-validator genesis whose keys the test holds.
#[test]
fn consensus_verify_refuses_a_hotstuff_block_proven_only_by_its_own_qc() {
    use bitcraps::services::consensus::protocol::hotstuff::proof::CommitProof;
    use bitcraps::services::consensus::protocol::types::{
        Block, Phase, Proposal, QuorumCertificate, Validator, ValidatorSet, Vote,
    };
    use ed25519_dalek::SigningKey;

    let keys: Vec<SigningKey> = (1..=4u8)
        .map(|i| SigningKey::from_bytes(&[i; 32]))
        .collect();
    let set = ValidatorSet {
        chain_id: "verify-orphan".into(),
        epoch: 1,
        validators: keys
            .iter()
            .enumerate()
            .map(|(i, k)| Validator {
                id: format!("validator-{i}"),
                public_key: k.verifying_key().to_bytes(),
                power: 1,
            })
            .collect(),
        governance_keys: vec![],
    };
    let block = |height: u64, view: u64, parent: [u8; 32], tag: &str| Block {
        height,
        view,
        parent_hash: parent,
        proposer: (view % 4) as u32,
        proposals: vec![Proposal::new(format!("{tag}-{height}"), json!(tag))],
    };
    // Three of four vote: a quorum, exactly what honest validators sign.
    let qc = |b: &Block| {
        let votes: Vec<Vote> = (0..3)
            .map(|i| {
                Vote::sign(
                    &keys[i],
                    &set,
                    i as u32,
                    b.height,
                    b.view,
                    Phase::Generic,
                    b.hash(),
                )
            })
            .collect();
        QuorumCertificate::from_votes(&votes).unwrap()
    };
    let answer = |b: &Block, proof: Option<CommitProof>| {
        let mut v = json!({"height": b.height, "hash": hex::encode(b.hash()),
                           "block": b, "qc": qc(b)});
        if let Some(p) = proof {
            v["commit_proof"] = serde_json::to_value(p).unwrap();
        }
        v
    };
    // 1 ← 2 ← 3 (views 1, 2, 3): 2 at the next view proves 1; 3 (X) has a
    // QC and nothing above it.
    let b1 = block(1, 1, [0; 32], "genuine");
    let b2 = block(2, 2, b1.hash(), "genuine");
    let x = block(3, 3, b2.hash(), "orphan");
    let server = HostileServer::start();
    server.serve(
        1,
        answer(
            &b1,
            Some(CommitProof {
                blocks: vec![b2.clone()],
                qc: qc(&b2),
            }),
        ),
    );
    server.serve(2, answer(&b2, None));
    server.serve(3, answer(&x, None));

    let sb = Sandbox::new();
    let genesis = sb.state_dir().join("hostile-genesis.json");
    std::fs::write(&genesis, serde_json::to_string(&set).unwrap()).unwrap();
    let gateway = format!("http://{}", server.addr);
    let verify = |height: u64| {
        sb.run(&[
            "consensus",
            "verify",
            "--height",
            &height.to_string(),
            "--genesis",
            genesis.to_str().unwrap(),
            "--gateway",
            &gateway,
            "--token",
            "unused",
            "-o",
            "json",
        ])
    };

    let r = verify(1);
    assert_eq!(r.code, 0, "the genuinely proven block verifies: {r}");
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["verified"], true, "{v}");

    // X and the block below it: their QCs verify, and that is not enough.
    for h in [3, 2] {
        let r = verify(h);
        assert_eq!(r.code, 6, "height {h} must be refused (exit 6): {r}");
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["verified"], false, "{v}");
        let problems = v["problems"].to_string();
        assert!(
            problems.contains("own QC does not prove it final"),
            "height {h}: {problems}"
        );
    }

    // After a timeout at view 4, the leader of view 5 extends X and gets
    // its block certified: no consecutive views, so X is still not final,
    // whatever the server calls it.
    let after_timeout = block(4, 5, x.hash(), "after-timeout");
    server.serve(
        3,
        answer(
            &x,
            Some(CommitProof {
                blocks: vec![after_timeout.clone()],
                qc: qc(&after_timeout),
            }),
        ),
    );
    server.serve(4, answer(&after_timeout, None));
    let r = verify(3);
    assert_eq!(r.code, 6, "a child two views up proves nothing: {r}");
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        v["problems"]
            .to_string()
            .contains("not one view above its parent"),
        "{v}"
    );
}
