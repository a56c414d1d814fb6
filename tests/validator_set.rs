//! Validator set changes with real processes: change a power, remove the
//! current leader, refuse a change that would leave n < 3f+1, add a
//! validator back; commits go on in each new epoch, the removed validator
//! retires and follows the chain, and the re-added one rejoins; a validator
//! killed after a change recovers into the new epoch. Every algorithm.

#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use bitcraps::services::consensus::genesis;
use bitcraps::services::consensus::protocol::set_change::SetChange;
use ed25519_dalek::SigningKey;
use serde_json::{Value, json};
use support::{Sandbox, kill9, wait_for};

const LIMIT: Duration = Duration::from_secs(40);

struct Cluster {
    sb: Sandbox,
    http: reqwest::blocking::Client,
    admin: String,
    player: String,
}

impl Cluster {
    fn post(&self, v: u16, path: &str, token: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("https://{}{path}", self.sb.validator(v)))
            .bearer_auth(token)
            .json(&body)
            .send()
            .unwrap();
        let s = r.status().as_u16();
        (s, r.json().unwrap_or(Value::Null))
    }

    fn get(&self, v: u16, path: &str) -> Option<Value> {
        let r = self
            .http
            .get(format!("https://{}{path}", self.sb.validator(v)))
            .timeout(Duration::from_secs(2))
            .send()
            .ok()?;
        r.status().is_success().then(|| r.json().ok()).flatten()
    }

    /// Posts `change` signed with the state dir's governance key against
    /// the epoch validator `v` is in.
    fn change(&self, v: u16, change: Value) -> (u16, Value) {
        let key = genesis::read_key(&genesis::governance_key_path(self.sb.state_dir())).unwrap();
        self.change_signed_by(v, change, &key)
    }

    fn change_signed_by(&self, v: u16, change: Value, key: &SigningKey) -> (u16, Value) {
        let set = self.get(v, "/validators").unwrap();
        let change: SetChange = serde_json::from_value(change).unwrap();
        let signed = change.approve(
            key,
            set["chain_id"].as_str().unwrap(),
            set["epoch"].as_u64().unwrap(),
        );
        self.post(
            v,
            "/validators",
            &self.admin,
            serde_json::to_value(&signed).unwrap(),
        )
    }

    fn commit(&self, v: u16, tag: &str) -> Value {
        let (s, body) = self.post(
            v,
            "/propose?wait=true",
            &self.admin,
            json!({ "payload": { "tag": tag } }),
        );
        assert_eq!(s, 200, "validator-{v} did not commit {tag}: {body}");
        body
    }

    /// The validators in `members` agree on epoch and last block.
    fn converged(&self, members: &[u16], epoch: u64, height: u64) -> Option<String> {
        let tips: Vec<(u64, u64, String)> = members
            .iter()
            .map(|v| {
                let s = self.get(*v, "/status")?;
                Some((
                    s["epoch"].as_u64()?,
                    s["last_committed_height"].as_u64()?,
                    s["last_committed_hash"].as_str()?.to_string(),
                ))
            })
            .collect::<Option<_>>()?;
        (tips[0].0 == epoch && tips[0].1 >= height && tips.iter().all(|t| *t == tips[0]))
            .then(|| tips[0].2.clone())
    }
}

fn set_changes_take_effect(algorithm: &str) {
    let c = cluster(Sandbox::with_validators(5).env("CONSENSUS_ALGORITHM", algorithm));
    c.commit(0, "genesis-epoch");
    let set = c.get(0, "/validators").unwrap();
    let e0 = set["epoch"].as_u64().unwrap();
    let members = set["validators"].as_array().unwrap().clone();
    assert_eq!(members.len(), 5);
    let id = |i: usize| members[i]["id"].as_str().unwrap().to_string();

    // Only admins change the set; players may not smuggle a change in.
    let (s, _) = c.post(
        0,
        "/validators",
        &c.player,
        json!({"op": "remove", "id": id(1)}),
    );
    assert_eq!(s, 403);
    let (s, body) = c.post(
        0,
        "/propose",
        &c.player,
        json!({"kind": "validator_set", "payload": {"epoch": e0, "change": {"op": "remove", "id": id(1)}}}),
    );
    assert_eq!(s, 422, "{body}");
    // Admin is not enough: the change must carry a governance signature,
    // which a validator's own key cannot give, for the current epoch.
    let remove_1 = json!({"op": "remove", "id": id(1)});
    let (s, body) = c.post(0, "/validators", &c.admin, remove_1.clone());
    assert_eq!(s, 403, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("governance key"),
        "{body}"
    );
    let validator_key = genesis::read_key(&genesis::key_path(c.sb.state_dir(), 0)).unwrap();
    let (s, body) = c.change_signed_by(0, remove_1.clone(), &validator_key);
    assert_eq!(s, 403, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("not a governance key"),
        "{body}"
    );
    let governance = genesis::read_key(&genesis::governance_key_path(c.sb.state_dir())).unwrap();
    let stale = serde_json::from_value::<SetChange>(remove_1)
        .unwrap()
        .approve(&governance, set["chain_id"].as_str().unwrap(), e0 + 7);
    let (s, body) = c.post(
        0,
        "/validators",
        &c.admin,
        serde_json::to_value(&stale).unwrap(),
    );
    assert_eq!(s, 409, "{body}");
    assert_eq!(
        c.get(0, "/validators").unwrap()["epoch"],
        e0,
        "nothing changed"
    );

    // Change a power: a new epoch from the next height.
    let (s, body) = c.change(0, json!({"op": "set_power", "id": id(1), "power": 2}));
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["epoch"], e0 + 1);
    let h1 = body["height"].as_u64().unwrap();
    assert_eq!(body["effective_height"], h1 + 1);
    wait_for("every validator in epoch e0+1", LIMIT, || {
        c.converged(&[0, 1, 2, 3, 4], e0 + 1, h1)
    });
    let block = c.commit(2, "after-power");
    assert_eq!(block["qc"]["epoch"], e0 + 1, "{block}");

    // Remove whoever leads right now.
    let st = c.get(0, "/status").unwrap();
    let leader_id = st["leader_id"].as_str().unwrap().to_string();
    let leader: u16 = leader_id.trim_start_matches("validator-").parse().unwrap();
    let asked = (leader + 1) % 5;
    let (s, body) = c.change(asked, json!({"op": "remove", "id": leader_id}));
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["epoch"], e0 + 2);
    let h2 = body["height"].as_u64().unwrap();
    let rest: Vec<u16> = (0..5).filter(|v| *v != leader).collect();
    wait_for("the four remaining validators in epoch e0+2", LIMIT, || {
        c.converged(&rest, e0 + 2, h2)
    });
    let after = c.commit(asked, "without-the-old-leader");
    assert_eq!(after["qc"]["epoch"], e0 + 2);
    let removed = c.get(leader, "/status").unwrap();
    assert_eq!(removed["retired"], true, "{removed}");
    // The retired validator refuses proposals and follows the chain.
    let (s, _) = c.post(leader, "/propose", &c.admin, json!({"payload": 1}));
    assert_eq!(s, 503);
    let target = after["height"].as_u64().unwrap();
    wait_for("the retired validator following the chain", LIMIT, || {
        (c.get(leader, "/status")?["last_committed_height"].as_u64()? >= target).then_some(())
    });

    // Four is the floor for f = 1: another removal is refused, and says why.
    let (s, body) = c.change(
        asked,
        json!({"op": "remove", "id": id(usize::from(rest[0]))}),
    );
    assert_eq!(s, 422, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("3f+1"), "{body}");

    // Add the old leader back: it rejoins and commits with the others.
    let key = members[usize::from(leader)]["public_key"].clone();
    let (s, body) = c.change(
        asked,
        json!({"op": "add", "id": leader_id, "public_key": key, "power": 1}),
    );
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["epoch"], e0 + 3);
    let h3 = body["height"].as_u64().unwrap();
    wait_for("all five validators in epoch e0+3", LIMIT, || {
        c.converged(&[0, 1, 2, 3, 4], e0 + 3, h3)
    });
    let back = c.commit(leader, "rejoined");
    assert_eq!(back["qc"]["epoch"], e0 + 3);
    let set = c.get(leader, "/validators").unwrap();
    assert_eq!(set["validators"].as_array().unwrap().len(), 5);
    assert_eq!(set["changes"].as_array().unwrap().len(), 3);

    // The CLI signs with the state dir's governance key, and refuses
    // (exit 4) with any other.
    let validator_key = genesis::key_path(c.sb.state_dir(), 0);
    let r = c.sb.run(&[
        "consensus",
        "validators",
        "set-power",
        &id(2),
        "3",
        "--governance-key",
        validator_key.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 4, "{r}");
    assert!(r.stderr.contains("not a governance key"), "{r}");
    let r = c.sb.run(&[
        "consensus",
        "validators",
        "set-power",
        &id(2),
        "3",
        "-o",
        "json",
    ]);
    assert_eq!(r.code, 0, "{r}");
    let changed: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(changed["epoch"], e0 + 4, "{changed}");
    // A block of the latest epoch verifies from the genesis alone: the
    // CLI derives each epoch's set through the certified, signed changes.
    let last = c.commit(0, "epoch-4");
    let h = last["height"].as_u64().unwrap().to_string();
    let r = c.sb.run(&["consensus", "verify", "--height", &h]);
    assert_eq!(r.code, 0, "{r}");
}

/// A validator killed with -9 after a change restarts into the new epoch
/// (its own write-ahead log of that epoch, the set derived from the blocks
/// it stored), catches up and commits with the others; every certificate
/// checks out with `consensus verify` from the genesis alone.
fn restart_after_a_change_recovers(algorithm: &str) {
    let c = cluster(Sandbox::with_validators(5).env("CONSENSUS_ALGORITHM", algorithm));
    c.commit(0, "before-the-change");
    let e0 = c.get(0, "/validators").unwrap()["epoch"].as_u64().unwrap();
    let (s, body) = c.change(
        0,
        json!({"op": "set_power", "id": "validator-1", "power": 2}),
    );
    assert_eq!(s, 200, "{body}");
    let h1 = body["height"].as_u64().unwrap();
    wait_for("every validator in epoch e0+1", LIMIT, || {
        c.converged(&[0, 1, 2, 3, 4], e0 + 1, h1)
    });
    let first = c.commit(1, "first-of-the-epoch");
    assert_eq!(first["qc"]["epoch"], e0 + 1, "{first}");

    let victim = 3u16;
    let ps = c.sb.ps();
    let pid = Sandbox::service(&ps, &format!("validator-{victim}"))["pid"]
        .as_u64()
        .unwrap();
    kill9(pid);
    let during = c.commit(0, "while-one-is-down");
    let target = during["height"].as_u64().unwrap();
    wait_for("the killed validator back in the new epoch", LIMIT, || {
        let st = c.get(victim, "/status")?;
        (st["epoch"].as_u64()? == e0 + 1 && st["last_committed_height"].as_u64()? >= target)
            .then_some(())
    });
    let after = c.commit(victim, "after-the-restart");
    assert_eq!(after["qc"]["epoch"], e0 + 1, "{after}");
    let top = after["height"].as_u64().unwrap();
    wait_for("all five at one tip", LIMIT, || {
        c.converged(&[0, 1, 2, 3, 4], e0 + 1, top)
    });
    // Certificates on both sides of the change check out from the genesis.
    for h in [h1, h1 + 1, top] {
        let r =
            c.sb.run(&["consensus", "verify", "--height", &h.to_string()]);
        assert_eq!(r.code, 0, "consensus verify --height {h}: {r}");
    }
}

macro_rules! per_algorithm {
    ($($name:ident: $algorithm:literal),* $(,)?) => {$(
        mod $name {
            #[test]
            fn set_changes_take_effect_at_the_next_height_and_the_cluster_keeps_committing() {
                super::set_changes_take_effect($algorithm);
            }

            #[test]
            fn a_validator_restarted_after_a_change_recovers_and_catches_up() {
                super::restart_after_a_change_recovers($algorithm);
            }
        }
    )*};
}

per_algorithm!(pbft: "pbft", tendermint: "tendermint", hotstuff: "hotstuff");

/// `sb` up, with an admin and a player token.
fn cluster(sb: Sandbox) -> Cluster {
    sb.up();
    let tokens = support::Tokens::of(&sb);
    Cluster {
        admin: tokens.mint("ops", bitcraps::auth::Role::Admin),
        player: tokens.mint("alice", bitcraps::auth::Role::Player),
        http: support::http_builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
        sb,
    }
}

/// A retired validator follows the chain by fetching blocks; evidence in
/// those blocks is verified and recorded there too, as on the members.
#[test]
fn a_retired_validator_records_the_evidence_in_the_blocks_it_follows() {
    let c = cluster(
        Sandbox::with_validators(5)
            .env("CONSENSUS_ALGORITHM", "pbft")
            .env("BITCRAPS_FAULT_INJECTION", "on"),
    );
    c.commit(0, "start");
    let (s, body) = c.change(0, json!({"op": "remove", "id": "validator-4"}));
    assert_eq!(s, 200, "{body}");
    wait_for("validator-4 retired", LIMIT, || {
        (c.get(4, "/status")?["retired"] == true).then_some(())
    });
    // validator-3 starts equivocating; the four members commit on.
    let (s, body) = c.post(3, "/fault", &c.admin, json!({"fault": "equivocate"}));
    assert_eq!(s, 200, "{body}");
    let on_member = wait_for("evidence committed on the members", LIMIT, || {
        c.commit(0, "with-an-equivocator");
        c.get(0, "/evidence")?["evidence"]
            .as_array()?
            .iter()
            .find(|e| e["committed_height"].is_u64())
            .cloned()
    });
    let on_retired = wait_for("the retired validator recording it", LIMIT, || {
        c.get(4, "/evidence")?["evidence"]
            .as_array()?
            .iter()
            .find(|e| e["key"] == on_member["key"])
            .cloned()
    });
    assert_eq!(
        on_retired["committed_height"],
        on_member["committed_height"]
    );
    assert_eq!(on_retired["evidence"], on_member["evidence"]);
    assert!(
        c.get(4, "/status").unwrap()["evidence_count"]
            .as_u64()
            .unwrap()
            >= 1
    );
}

/// A process the test started itself, killed when the test ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A validator whose key the genesis has never seen: started on its own
/// (`bitcraps serve consensus`), it follows the chain as a non-member;
/// once a signed change adds it with its address it joins the next epoch,
/// and its vote is needed: with one original validator silenced, five
/// members need four votes.
#[test]
fn a_validator_with_a_new_key_joins_and_its_vote_counts() {
    let c = cluster(
        Sandbox::new()
            .env("CONSENSUS_ALGORITHM", "pbft")
            .env("BITCRAPS_FAULT_INJECTION", "on"),
    );
    c.commit(0, "start");
    let key_file = genesis::key_path(c.sb.state_dir(), 4);
    let r =
        c.sb.run(&["keys", "generate", "--out", key_file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r}");
    let public_key = hex::encode(
        genesis::read_key(&key_file)
            .unwrap()
            .verifying_key()
            .to_bytes(),
    );
    // Its TLS identity, as an operator starting one service by hand makes it.
    let r = c.sb.run(&["certs", "issue", "--instance", "validator-4"]);
    assert_eq!(r.code, 0, "{r}");
    let addr = support::addr(support::free_port_block(1));
    let _newcomer = Child(
        c.sb.cmd(&[
            "serve",
            "consensus",
            "--index",
            "4",
            "--listen",
            &addr.to_string(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap(),
    );
    let status = |c: &Cluster| -> Option<Value> {
        c.http
            .get(format!("https://{addr}/status"))
            .timeout(Duration::from_secs(2))
            .send()
            .ok()?
            .json()
            .ok()
    };
    let before = wait_for("the newcomer following as a non-member", LIMIT, || {
        status(&c)
            .filter(|s| s["retired"] == true && s["last_committed_height"].as_u64() >= Some(1))
    });
    let e0 = before["epoch"].as_u64().unwrap();
    let (s, body) = c.change(
        0,
        json!({"op": "add", "id": "validator-4", "public_key": public_key, "power": 1, "address": addr.to_string()}),
    );
    assert_eq!(s, 200, "{body}");
    let h = body["height"].as_u64().unwrap();
    wait_for("the newcomer a member of epoch e0+1", LIMIT, || {
        status(&c).filter(|s| {
            s["retired"] == false
                && s["epoch"].as_u64() == Some(e0 + 1)
                && s["last_committed_height"].as_u64() >= Some(h)
        })
    });
    // Silence validator-1: 4 of the 5 are heard, exactly a quorum, so
    // every commit from now on carries the newcomer's vote.
    let (s, body) = c.post(1, "/fault", &c.admin, json!({"fault": "silent"}));
    assert_eq!(s, 200, "{body}");
    let block = wait_for("a commit that needs the newcomer", LIMIT, || {
        let (s, body) = c.post(
            0,
            "/propose?wait=true",
            &c.admin,
            json!({ "payload": { "tag": "needs-the-newcomer" } }),
        );
        (s == 200).then_some(body)
    });
    assert_eq!(block["qc"]["epoch"], e0 + 1, "{block}");
    let signers: Vec<u64> = block["qc"]["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["validator"].as_u64().unwrap())
        .collect();
    assert!(
        signers.contains(&4),
        "the newcomer (index 4) signed: {block}"
    );
}
