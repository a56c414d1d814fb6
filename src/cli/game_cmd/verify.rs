//! `bitcraps game verify`: recompute a game's draws from its proof, check
//! its anchors in the validators' blocks, and replay its rounds.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::super::GlobalArgs;
use super::super::exit::{Code, fail};
use super::super::output::{self, OutputFormat};
use super::Api;
use crate::auth::ServiceKeys;
use crate::cli::consensus_cmd::Certifier;
use crate::services::consensus::records;
use crate::services::game_engine::fairness::{Seeds, mix};
use crate::services::game_engine::verify::DrawCheck;

pub(super) fn verify(
    g: &GlobalArgs,
    api: &Api,
    genesis: Option<&std::path::Path>,
    id: &str,
    round: Option<u64>,
) -> anyhow::Result<()> {
    let proof = api.call("GET", &format!("/api/v1/games/{id}/proof"), None)?;
    if proof["seed_scheme"] == "chain" {
        return verify_rounds(g, api, genesis, id, &proof, round);
    }
    if round.is_some() {
        return Err(fail(
            Code::VerifyFailed,
            format!(
                "{id} has no rounds: it was created before seed chains; verify it without --round"
            ),
        ));
    }
    let mut problems: Vec<String> = Vec::new();
    let mut checked = Vec::new();
    let Some(seed_hex) = proof["server_seed"].as_str() else {
        return Err(fail(
            Code::VerifyFailed,
            "the game is not finished: its server seed is not revealed yet, so nothing can be checked",
        ));
    };
    let seed: [u8; 32] = hex::decode(seed_hex)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            fail(
                Code::VerifyFailed,
                "the revealed server seed is not 32 bytes of hex",
            )
        })?;
    let commitment = proof["commitment"].as_str().unwrap_or("");
    if hex::encode(Sha256::digest(seed)) != commitment {
        problems.push("the revealed seed does not hash to the commitment".into());
    }
    // The draws' client seed: the mix of the contributions, in order (a
    // game from before contributions keeps the one seed it was created with).
    let contributions: Vec<(String, String)> = proof["contributions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["player"].as_str().unwrap_or("").to_string(),
                c["client_seed"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let client_seed = if proof["seed_scheme"] == "legacy" {
        proof["client_seed"].as_str().unwrap_or("").to_string()
    } else {
        let mixed = mix(contributions.iter().map(|(p, s)| (p.as_str(), s.as_str())));
        if proof["client_seed"] != json!(mixed) {
            problems.push("the client seed is not the mix of the listed contributions".into());
        }
        mixed
    };
    let seeds = Seeds {
        server_seed: seed,
        client_seed,
    };
    // Anchored before the first draw: the engine draws nothing until the
    // commitment is in a committed block, whose height the proof gives.
    let draws = proof["draws"].as_array().map(Vec::len).unwrap_or(0);
    let commitment_anchor = proof["anchors"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["what"] == "commitment");
    if draws > 0 && proof["seed_scheme"] != "legacy" {
        match (proof["commitment_height"].as_u64(), commitment_anchor) {
            (Some(h), Some(a)) if a["height"].as_u64() == Some(h) => {}
            _ => problems
                .push("the game drew without its commitment anchored in a committed block".into()),
        }
    }
    for d in proof["draws"].as_array().into_iter().flatten() {
        let check = DrawCheck::of(None, &seeds, d);
        match check.kind.as_str() {
            "dice" | "shuffle" if !check.ok => problems.push(format!(
                "draw {} ({}) does not recompute",
                check.nonce, check.kind
            )),
            "dice" | "shuffle" => {}
            other => problems.push(format!("draw {}: unknown kind {other:?}", check.nonce)),
        }
        checked.push(check);
    }
    let anchored = check_anchors(g, api, genesis, id, &proof, &mut problems);
    let ok = problems.is_empty();
    if g.output == OutputFormat::Json {
        output::print_json(
            &json!({"game_id": id, "verified": ok, "draws_checked": checked.len(),
                                   "contributions": contributions.len(), "draws": checked,
                                   "anchors": anchored, "problems": problems}),
        )?;
    } else if ok {
        output::print(&format!(
            "{id}: verified — the seed matches the commitment, {} contributed client seeds, {} draws recompute, anchors: {}",
            contributions.len(),
            checked.len(),
            if anchored.is_empty() {
                "none".to_string()
            } else {
                anchored.join(", ")
            }
        ))?;
    }
    super::super::exit::verdict(id, &problems)
}

/// The anchors: the validators' blocks must carry this game's records.
fn check_anchors(
    g: &GlobalArgs,
    api: &Api,
    genesis: Option<&std::path::Path>,
    id: &str,
    proof: &Value,
    problems: &mut Vec<String>,
) -> Vec<String> {
    // Each block is taken only with a commit certificate that verifies
    // against the genesis (the validator the gateway picked could be a
    // Byzantine one serving a block of its own making).
    let certifier = match Certifier::new(g, (**api).clone(), genesis) {
        Ok(c) => Some(c),
        Err(e) => {
            problems.push(format!(
                "the validators' certificates cannot be checked: {e:#} (pass --genesis FILE)"
            ));
            None
        }
    };
    // Who signed each record is checked against the service keys of the
    // key set the gateway publishes: a record proves something only if
    // the engine holding the game made it (no validator can).
    let keys = api.service_keys().unwrap_or_else(|e| {
        problems.push(format!("the gateway's key set: {e:#}"));
        ServiceKeys::default()
    });
    if keys.is_empty() {
        problems.push(
            "the gateway's key set holds no service keys, so who signed the anchors cannot be \
             checked (the HS256 opt-in signs no records)"
                .into(),
        );
    }
    problems.extend(anchor_order(proof));
    let mut anchored = Vec::new();
    for a in proof["anchors"].as_array().into_iter().flatten() {
        let h = a["height"].as_u64().unwrap_or(0);
        match api.get_committed(&format!("/api/v1/consensus/blocks/{h}")) {
            Ok(b) => match certifier
                .as_ref()
                .map(|c| c.problems(h, &b))
                .transpose()
                .map(Option::unwrap_or_default)
            {
                Err(e) => problems.push(format!("anchor at height {h}: {e:#}")),
                Ok(bad) if !bad.is_empty() => problems.push(format!(
                    "anchor at height {h}: the block is not certified: {}",
                    bad.join("; ")
                )),
                Ok(_) => match anchor_in_block(proof, id, a, &b, &keys) {
                    Ok(what) => anchored.push(what),
                    Err(p) => problems.push(p),
                },
            },
            Err(e) => problems.push(format!("anchor at height {h}: {e}")),
        }
    }
    anchored
}

/// What the anchors' heights say about the order of events: a game that
/// revealed anything has its commitment anchored, in a block strictly below
/// every block anchoring a reveal (a round's link, or the game's last
/// one). Otherwise the engine could have fixed its seed after it knew the
/// outcomes: "committed first" would be only its word. A finished game
/// with no anchors at all proves nothing and is refused as well.
fn anchor_order(proof: &Value) -> Vec<String> {
    let anchors: Vec<(&str, u64)> = proof["anchors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| Some((a["what"].as_str()?, a["height"].as_u64()?)))
        .collect();
    if anchors.is_empty() {
        return vec![
            "the game has no anchors: nothing shows its commitment was in a committed block before its outcomes"
                .into(),
        ];
    }
    let commitment = anchors
        .iter()
        .filter(|(what, _)| *what == "commitment")
        .map(|(_, h)| *h)
        .min();
    let first_reveal = anchors
        .iter()
        .filter(|(what, _)| matches!(*what, "reveal" | "round"))
        .map(|(_, h)| *h)
        .min();
    match (commitment, first_reveal) {
        (None, Some(r)) => vec![format!(
            "a reveal is anchored (height {r}) but the commitment is not"
        )],
        (Some(c), Some(r)) if c >= r => vec![format!(
            "the commitment was anchored at height {c}, not before the first reveal (height {r}): the seed could have been chosen after the outcomes were known"
        )],
        _ => Vec::new(),
    }
}

/// Whether committed block `b` (`GET /blocks/{h}`) holds the proof's
/// anchor `a` of game `id`: the block's hash, the game's entry in the
/// `game.anchors` proposal the anchor names (with the commitment and the
/// revealed link), and the signature of the engine holding the game over
/// that record. `Ok` names what is anchored where.
fn anchor_in_block(
    proof: &Value,
    id: &str,
    a: &Value,
    b: &Value,
    keys: &ServiceKeys,
) -> Result<String, String> {
    let h = a["height"].as_u64().unwrap_or(0);
    let commitment = proof["commitment"].as_str().unwrap_or("");
    let link_of = |r: u64| {
        proof["rounds"]
            .as_array()
            .and_then(|rs| rs.iter().find(|x| x["round"] == json!(r)))
            .map(|x| x["link"].clone())
            .unwrap_or(Value::Null)
    };
    // The game's record is one entry of a batched `game.anchors` proposal;
    // only an engine may propose this kind: a record under any other kind
    // proves nothing.
    let record = b["block"]["proposals"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["id"] == a["proposal_id"] && p["kind"] == "game.anchors");
    if let Some(p) = record {
        records::check_served(p, keys).map_err(|e| {
            format!("anchor at height {h} is not signed by the engine holding the game: {e}")
        })?;
    }
    let found = record
        .into_iter()
        .flat_map(|p| {
            p["payload"]["entries"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .any(|e| {
            // A round's record carries its link, a chain game's reveal its
            // last link: the ones the proof reveals.
            let link_ok = match a["round"].as_u64() {
                Some(r) => e["round"] == json!(r) && e["link"] == link_of(r),
                None if !e["last_link"].is_null() => e["last_round"]
                    .as_u64()
                    .is_some_and(|r| e["last_link"] == link_of(r)),
                None => true,
            };
            e["game_id"] == json!(id)
                && e["what"] == a["what"]
                && e["commitment"] == json!(commitment)
                && link_ok
        });
    if b["hash"] != a["block_hash"] || !found {
        return Err(format!(
            "anchor at height {h} does not match the validators' block"
        ));
    }
    let what = match a["round"].as_u64() {
        Some(r) => format!("round {r}"),
        None => a["what"].as_str().unwrap_or("").to_string(),
    };
    Ok(format!("{what} at height {h}"))
}

/// A chain game: every ended round (or `--round R`) checked alone from its
/// own proof, payouts included, and the anchors against the blocks.
fn verify_rounds(
    g: &GlobalArgs,
    api: &Api,
    genesis: Option<&std::path::Path>,
    id: &str,
    proof: &Value,
    round: Option<u64>,
) -> anyhow::Result<()> {
    use crate::services::game_engine::verify::{verify_chain, verify_round};
    let mut report = verify_chain(proof);
    let ended: Vec<u64> = proof["rounds"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["ended"] == json!(true))
        .filter_map(|r| r["round"].as_u64())
        .collect();
    let wanted: Vec<u64> = match round {
        Some(r) => vec![r],
        None => ended.clone(),
    };
    if wanted.is_empty() {
        return Err(fail(
            Code::VerifyFailed,
            format!(
                "{id}: no round has ended yet, so no link is revealed and nothing can be checked \
                 (a round ends at a seven-out or after 100 rolls, with a blackjack shoe, a hold'em \
                 hand, or the game)"
            ),
        ));
    }
    // The full chain's check covers every ended round; each wanted round's
    // own proof then repeats its draws with its events: its draws (and
    // any note already made) are listed once.
    report.draws.clear();
    for r in &wanted {
        let doc = api.call("GET", &format!("/api/v1/games/{id}/proof?round={r}"), None)?;
        let rep = verify_round(&doc);
        for n in rep.notes {
            if !report.notes.contains(&n) {
                report.notes.push(n);
            }
        }
        report.draws.extend(rep.draws);
        report.problems.extend(rep.problems);
    }
    let draws = report.draws.len();
    let mut problems = std::mem::take(&mut report.problems);
    let anchored = check_anchors(g, api, genesis, id, proof, &mut problems);
    let ok = problems.is_empty();
    if g.output == OutputFormat::Json {
        output::print_json(
            &json!({"game_id": id, "verified": ok, "rounds_checked": wanted,
                                   "draws_checked": draws, "notes": report.notes,
                                   "draws": report.draws,
                                   "anchors": anchored, "problems": problems}),
        )?;
    } else if ok {
        output::print(&format!(
            "{id}: verified — {} round(s) chain to the commitment, {draws} draws recompute, every \
             payout replays, anchors: {}",
            wanted.len(),
            if anchored.is_empty() {
                "none".to_string()
            } else {
                anchored.join(", ")
            }
        ))?;
    }
    super::super::exit::verdict(id, &problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::keys::{Jwk, JwkSet, generate};
    use crate::auth::{RecordSigner, Role};
    use crate::services::consensus::protocol::Proposal;

    /// The commitment must sit in a block below every reveal's; a game
    /// with no anchors, or a reveal anchored without its commitment, is
    /// refused.
    #[test]
    fn the_commitment_is_anchored_before_any_reveal() {
        let proof = |anchors: Value| json!({ "anchors": anchors });
        let a = |what: &str, h: u64| json!({"what": what, "height": h});
        assert!(
            anchor_order(&proof(json!([
                a("commitment", 3),
                a("round", 7),
                a("reveal", 9)
            ])))
            .is_empty()
        );
        // Only the commitment so far (nothing revealed yet): fine.
        assert!(anchor_order(&proof(json!([a("commitment", 3)]))).is_empty());
        let same = anchor_order(&proof(json!([a("commitment", 7), a("round", 7)])));
        assert!(
            same[0].contains("not before the first reveal (height 7)"),
            "{same:?}"
        );
        let after = anchor_order(&proof(json!([
            a("round", 4),
            a("commitment", 5),
            a("reveal", 9)
        ])));
        assert!(after[0].contains("anchored at height 5"), "{after:?}");
        let missing = anchor_order(&proof(json!([a("reveal", 9)])));
        assert!(missing[0].contains("commitment is not"), "{missing:?}");
        let none = anchor_order(&proof(json!([])));
        assert!(none[0].contains("no anchors"), "{none:?}");
    }

    /// An anchor proves something only if the engine holding the game
    /// signed the record: the same entry unsigned, signed by a validator's
    /// key, or by another engine fails.
    #[test]
    fn an_anchor_counts_only_signed_by_the_engine_holding_the_game() {
        let (e0, e1) = (generate(), generate());
        let keys = ServiceKeys::from_set(&JwkSet {
            keys: vec![
                Jwk::ed25519(&e0.verifying_key(), &[Role::Engine], Some("engine-0")),
                Jwk::ed25519(&e1.verifying_key(), &[Role::Engine], Some("engine-1")),
            ],
        });
        let proof = json!({"commitment": "cc", "rounds": []});
        let a = json!({"what": "commitment", "height": 5, "proposal_id": "p", "block_hash": "bh"});
        let payload =
            json!({"entries": [{"game_id": "e0-g", "what": "commitment", "commitment": "cc"}]});
        let block = |attestation: Value| {
            let mut p = json!({"id": "p", "kind": "game.anchors", "payload": payload});
            if !attestation.is_null() {
                p["attestation"] = attestation;
            }
            json!({"hash": "bh", "block": {"proposals": [p]}})
        };
        let sign = |name: &str, key: &ed25519_dalek::SigningKey| {
            let s = RecordSigner::new(name, key.clone());
            let sig = s.sign(&Proposal::record_bytes("game.anchors", &payload));
            json!({"signer": name, "kid": s.kid(), "sig": hex::encode(sig)})
        };
        let ok = anchor_in_block(&proof, "e0-g", &a, &block(sign("engine-0", &e0)), &keys);
        assert_eq!(ok, Ok("commitment at height 5".to_string()));
        let validator = generate();
        for (what, att) in [
            ("unsigned", Value::Null),
            ("another engine", sign("engine-1", &e1)),
            ("a validator's key", sign("engine-0", &validator)),
        ] {
            let e = anchor_in_block(&proof, "e0-g", &a, &block(att), &keys).unwrap_err();
            assert!(e.contains("not signed by the engine"), "{what}: {e}");
        }
    }
}
