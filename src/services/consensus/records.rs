//! Which records a validator admits into its log: a `game.*` record only
//! signed by the engine whose games it names, a `wallet.*` record only
//! signed by the wallet. Checked on `POST /propose` and on everything a
//! peer asks this validator to accept (forwarded proposals and the blocks
//! a leader proposes), so a Byzantine validator, which holds no service
//! key, cannot put such a record in a block: honest validators do not vote
//! for it. Pure: the key set comes in as an argument.

use serde_json::Value;

use super::protocol::Message;
use super::protocol::types::{MAX_BLOCK_PROPOSAL_BYTES, Proposal};
use crate::auth::{Role, ServiceKeys, engine_games};

/// Kinds a service owns: `game.*` records come from engines, `wallet.*`
/// from the wallet, so an audit can trust whose they are.
pub const SERVICE_KINDS: [(&str, Role); 2] = [("game.", Role::Engine), ("wallet.", Role::Wallet)];

/// The service that owns records of `kind`, if any.
pub fn owner(kind: &str) -> Option<Role> {
    SERVICE_KINDS
        .iter()
        .find(|(prefix, _)| kind.starts_with(prefix))
        .map(|(_, role)| *role)
}

/// Whether `p` may enter the log: a record of a service's kind carries
/// that service's valid signature (an engine's names only its own games);
/// any other proposal carries none.
pub fn check(p: &Proposal, keys: &ServiceKeys) -> Result<(), String> {
    let kind = p.kind.as_deref().unwrap_or("");
    match (owner(kind), &p.attestation) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(format!(
            "proposal {:?}: only game.* and wallet.* records are signed, not {kind:?}",
            p.id
        )),
        (Some(role), None) => Err(format!(
            "proposal {:?}: a {kind} record must be signed by the {role} service that makes it",
            p.id
        )),
        (Some(role), Some(a)) => {
            let bytes = Proposal::record_bytes(kind, &p.payload);
            keys.verify(&a.signer, &a.kid, role, &bytes, &a.sig)
                .map_err(|e| format!("proposal {:?} ({kind}): {e}", p.id))?;
            if role == Role::Engine {
                engine_owns(&a.signer, kind, &p.payload)
                    .map_err(|e| format!("proposal {:?}: {e}", p.id))?;
            }
            Ok(())
        }
    }
}

/// [`check`] on a proposal as a validator serves it (JSON, from a block).
pub fn check_served(p: &Value, keys: &ServiceKeys) -> Result<(), String> {
    let p: Proposal = serde_json::from_value(p.clone()).map_err(|e| e.to_string())?;
    check(&p, keys)
}

/// An engine's `game.*` record names games that engine holds: every
/// `game_id` of the payload (`{"entries": [{"game_id": …}, …]}`, or one
/// `{"game_id": …}`) starts `eN-` for `engine-N`, and there is at least
/// one. A taken-over engine key cannot anchor records of another engine's
/// games.
pub fn engine_owns(engine: &str, kind: &str, payload: &Value) -> Result<(), String> {
    let Some(games) = engine_games(engine) else {
        return Err(format!(
            "{engine} is not an engine instance name (engine-N)"
        ));
    };
    let ids: Vec<Option<&str>> = match payload.get("entries").and_then(Value::as_array) {
        Some(entries) => entries
            .iter()
            .map(|e| e.get("game_id").and_then(Value::as_str))
            .collect(),
        None => vec![payload.get("game_id").and_then(Value::as_str)],
    };
    if ids.is_empty() {
        return Err(format!("a {kind} record from {engine} names no game"));
    }
    for id in ids {
        match id {
            Some(id) if id.starts_with(&games) => {}
            Some(id) => {
                return Err(format!(
                    "{engine} holds only the games {games}…; {id:?} is not one of them"
                ));
            }
            None => {
                return Err(format!(
                    "every {kind} record from {engine} names its game_id"
                ));
            }
        }
    }
    Ok(())
}

/// The `POST /propose` body of a service's record: `kind`, `payload` and
/// the service's `attestation` (none under the HS256 opt-in, where the
/// service has no key of its own).
pub fn propose_body(token: &crate::auth::ServiceToken, kind: &str, payload: &Value) -> Value {
    let mut body = serde_json::json!({ "kind": kind, "payload": payload });
    if let Some(s) = token.record_signer() {
        let sig = s.sign(&Proposal::record_bytes(kind, payload));
        body["attestation"] = serde_json::json!({
            "signer": s.name(),
            "kid": s.kid(),
            "sig": hex::encode(sig),
        });
    }
    body
}

/// Checks every proposal `msg` asks its receiver to accept for the first
/// time: forwarded proposals, and those of a block proposed for a vote.
/// Committed blocks (sync answers, certified chains) carry certificates
/// and are not checked again. Before any signature is checked, the
/// proposals must fit one block (`max_batch` of them, at most
/// [`MAX_BLOCK_PROPOSAL_BYTES`]), as the core requires anyway, so one
/// message costs at most `max_batch` signature checks.
pub fn screen(msg: &Message, keys: &ServiceKeys, max_batch: usize) -> Result<(), String> {
    let (mut count, mut bytes) = (0usize, 0usize);
    for p in msg.proposed() {
        count += 1;
        bytes = bytes.saturating_add(p.wire_size());
        if count > max_batch || bytes > MAX_BLOCK_PROPOSAL_BYTES {
            return Err(format!(
                "a {} message holds more proposals than a block may ({max_batch}, \
                 {MAX_BLOCK_PROPOSAL_BYTES} bytes)",
                msg.kind()
            ));
        }
    }
    msg.proposed().try_for_each(|p| check(p, keys))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::auth::RecordSigner;
    use crate::auth::keys::{Jwk, JwkSet, generate};
    use crate::services::consensus::protocol::types::Attestation;

    fn signed(s: &RecordSigner, kind: &str, payload: Value) -> Proposal {
        let mut p = Proposal::new("p", payload);
        p.kind = Some(kind.into());
        let sig = s.sign(&Proposal::record_bytes(kind, &p.payload));
        p.attestation = Some(Attestation {
            signer: s.name().into(),
            kid: s.kid().into(),
            sig,
        });
        p
    }

    #[test]
    fn service_records_enter_the_log_only_signed_by_their_service() {
        let (e0, e1, w) = (generate(), generate(), generate());
        let keys = ServiceKeys::from_set(&JwkSet {
            keys: vec![
                Jwk::ed25519(&e0.verifying_key(), &[Role::Engine], Some("engine-0")),
                Jwk::ed25519(&e1.verifying_key(), &[Role::Engine], Some("engine-1")),
                Jwk::ed25519(&w.verifying_key(), &[Role::Wallet], Some("wallet")),
            ],
        });
        let (e0, e1, w) = (
            RecordSigner::new("engine-0", e0),
            RecordSigner::new("engine-1", e1),
            RecordSigner::new("wallet", w),
        );
        let anchors = |ids: &[&str]| json!({"entries": ids.iter().map(|id| json!({"game_id": id})).collect::<Vec<_>>()});
        let ok = [
            signed(&e0, "game.anchors", anchors(&["e0-a", "e0-b"])),
            signed(&w, "wallet.anchor", json!({"seq": 1})),
            Proposal::new("plain", json!({"bet": 1})),
        ];
        for p in &ok {
            assert_eq!(check(p, &keys), Ok(()), "{p:?}");
        }
        let mut unsigned = signed(&e0, "game.anchors", anchors(&["e0-a"]));
        unsigned.attestation = None;
        let mut tampered = signed(&e0, "game.anchors", anchors(&["e0-a"]));
        tampered.payload = anchors(&["e0-b"]);
        let mut relabelled = signed(&e0, "game.anchors", anchors(&["e0-a"]));
        relabelled.kind = Some("game.commit".into());
        let mut other_name = signed(&e1, "game.anchors", anchors(&["e1-a"]));
        other_name.attestation.as_mut().unwrap().signer = "engine-0".into();
        let refused = [
            (unsigned, "must be signed"),
            (tampered, "does not verify"),
            (relabelled, "does not verify"),
            (other_name, "not engine-0's"),
            // engine-1's real key on engine-0's game.
            (
                signed(&e1, "game.anchors", anchors(&["e0-a"])),
                "not one of them",
            ),
            (
                signed(&e1, "game.anchors", anchors(&["e1-a", "e0-a"])),
                "not one of them",
            ),
            (
                signed(&e0, "game.anchors", json!({"entries": []})),
                "names no game",
            ),
            // The wallet's key on a game record, an engine's on the wallet's.
            (
                signed(&w, "game.anchors", anchors(&["e0-a"])),
                "may not sign",
            ),
            (
                signed(&e0, "wallet.anchor", json!({"seq": 1})),
                "may not sign",
            ),
            (signed(&e0, "bet", json!(1)), "only game.* and wallet.*"),
        ];
        for (p, why) in refused {
            let e = check(&p, &keys).expect_err(why);
            assert!(e.contains(why), "{e} (expected {why})");
        }
        // A peer's message is bounded like a block before any signature
        // is checked.
        let forward = |n: usize| Message::Forward {
            proposals: (0..n)
                .map(|i| signed(&e0, "game.anchors", anchors(&[&format!("e0-{i}")])))
                .collect(),
        };
        assert_eq!(screen(&forward(4), &keys, 4), Ok(()));
        let e = screen(&forward(5), &keys, 4).unwrap_err();
        assert!(e.contains("more proposals than a block may"), "{e}");
    }
}
