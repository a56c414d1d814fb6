//! Validator set changes with real processes: change a power, remove the
//! current leader, refuse a change that would leave n < 3f+1, add a
//! validator back; commits go on in each new epoch, the removed validator
//! retires and follows the chain, and the re-added one rejoins; a validator
//! killed after a change recovers into the new epoch. Every algorithm.

#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

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
            .post(format!("http://{}{path}", self.sb.validator(v)))
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
            .get(format!("http://{}{path}", self.sb.validator(v)))
            .timeout(Duration::from_secs(2))
            .send()
            .ok()?;
        r.status().is_success().then(|| r.json().ok()).flatten()
    }

    fn change(&self, v: u16, body: Value) -> (u16, Value) {
        self.post(v, "/validators", &self.admin, body)
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

/// Five validators running `algorithm`, with an admin and a player token.
fn cluster(algorithm: &str) -> Cluster {
    let sb = Sandbox::with_validators(5).env("CONSENSUS_ALGORITHM", algorithm);
    sb.up();
    let tokens = support::Tokens::of(&sb);
    Cluster {
        admin: tokens.mint("ops", bitcraps::auth::Role::Admin),
        player: tokens.mint("alice", bitcraps::auth::Role::Player),
        http: reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
        sb,
    }
}

fn set_changes_take_effect(algorithm: &str) {
    let c = cluster(algorithm);
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
}

/// A validator killed with -9 after a change restarts into the new epoch
/// (its own write-ahead log of that epoch, the set derived from the blocks
/// it stored), catches up and commits with the others; every certificate
/// checks out with `consensus verify` from the genesis alone.
fn restart_after_a_change_recovers(algorithm: &str) {
    let c = cluster(algorithm);
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
