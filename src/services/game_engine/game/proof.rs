//! What a game shows: the players' view, its anchors in the validators'
//! blocks, and the proof that lets anyone recompute every draw.

use serde_json::{Value, json};

use super::*;

impl Game {
    /// What anyone at the table may see (`viewer` sees their own private state).
    pub fn view(&self, viewer: Option<&str>) -> Value {
        let table = match &self.table {
            Table::Craps(t) => serde_json::to_value(t).unwrap_or(Value::Null),
            Table::Blackjack(t) => serde_json::to_value(t.view()).unwrap_or(Value::Null),
            Table::Poker(t) => serde_json::to_value(t.view(viewer)).unwrap_or(Value::Null),
        };
        json!({
            "id": self.id,
            "game_type": self.game_type,
            "status": self.status,
            "created_at_ms": self.created_at_ms,
            "updated_at_ms": self.updated_at_ms,
            "version": self.version,
            "players": self.seats.iter().map(|p| json!({
                "id": p,
                "balance": self.ledger.balance(p).unwrap_or(0),
            })).collect::<Vec<_>>(),
            "chips_in_play": self.ledger.table,
            "house": self.ledger.house,
            "commitment": self.fairness.commitment,
            "commitment_height": self.fairness.commitment_height(),
            "client_seed": self.fairness.client_seed(),
            "seed_contributions": self.fairness.contributions,
            "table": table,
        })
    }

    /// Records where the validators ordered this game's commitment or
    /// reveal (allowed on finished games too).
    pub fn record_anchor(&mut self, anchor: Anchor, now: u64) -> Event {
        let data = serde_json::to_value(&anchor).unwrap_or(Value::Null);
        if let (Some(chain), "round", Some(r)) = (
            self.fairness.chain.as_mut(),
            anchor.what.as_str(),
            anchor.round,
        ) {
            chain.mark_anchored(r);
        }
        self.fairness.anchors.push(std::sync::Arc::new(anchor));
        self.event(now, "anchored", None, data, Vec::new())
    }

    /// What the validators should order for `what` (`commitment`, `reveal`).
    pub fn anchor_payload(&self, what: &str) -> Value {
        if let (Some(chain), "reveal") = (&self.fairness.chain, what) {
            // A chain game reveals links, never its terminal seed. Each
            // ended round has its own record (link and client seed); the
            // reveal names the last revealed link, which hashes to every
            // earlier one, so its size does not grow with the game (a
            // list of every round would pass the proposal limit after a
            // few hundred rounds).
            let last = chain.rounds.iter().rev().find(|r| r.ended());
            return json!({
                "game_id": self.id,
                "commitment": self.fairness.commitment,
                "rounds_ended": chain.rounds.iter().filter(|r| r.ended()).count(),
                "last_round": last.map(|r| r.round),
                "last_link": last.map(|r| r.link.clone()),
                "draws": self.fairness.draws.len(),
                "balances": self.ledger.players,
            });
        }
        match what {
            "reveal" => json!({
                "game_id": self.id,
                "commitment": self.fairness.commitment,
                "server_seed": self.fairness.server_seed,
                "client_seed": self.fairness.client_seed(),
                "contributions": self.fairness.contributions,
                "draws": self.fairness.draws.len(),
                "balances": self.ledger.players,
            }),
            // No client seed: the commitment is made before any exists.
            _ => json!({
                "game_id": self.id,
                "game_type": self.game_type,
                "commitment": self.fairness.commitment,
            }),
        }
    }

    /// Whether round `r`'s revealed link has its anchor.
    pub fn has_round_anchor(&self, r: u64) -> bool {
        let idx = r.checked_sub(1).and_then(|i| usize::try_from(i).ok());
        self.fairness
            .chain
            .as_ref()
            .zip(idx)
            .and_then(|(c, i)| c.rounds.get(i))
            .is_some_and(|round| round.anchored)
    }

    /// Sets each round's `anchored` from the game's anchors (after a load:
    /// rounds stored before their anchor arrived, or before the flag).
    pub fn mark_round_anchors(&mut self) {
        let Some(chain) = self.fairness.chain.as_mut() else {
            return;
        };
        for a in self.fairness.anchors.iter() {
            if let ("round", Some(r)) = (a.what.as_str(), a.round) {
                chain.mark_anchored(r);
            }
        }
    }

    /// Ended rounds whose link is not anchored yet.
    pub fn unanchored_rounds(&self) -> Vec<u64> {
        self.fairness
            .chain
            .as_ref()
            .map(|c| {
                c.rounds
                    .iter()
                    .filter(|r| r.ended() && !r.anchored)
                    .map(|r| r.round)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// What the validators order when round `r` has ended: its link, which
    /// anyone can chain to the commitment, and its client seed.
    pub fn round_anchor_payload(&self, r: u64) -> Value {
        let round = self
            .fairness
            .chain
            .as_ref()
            .and_then(|c| c.rounds.get(r.saturating_sub(1) as usize))
            .filter(|x| x.ended());
        json!({
            "game_id": self.id,
            "commitment": self.fairness.commitment,
            "round": r,
            "link": round.map(|x| x.link.clone()),
            "client_seed": round.map(|x| x.client_seed()),
            "draws": round.map(|x| x.draws),
        })
    }

    pub fn has_anchor(&self, what: &str) -> bool {
        self.fairness.anchors.iter().any(|a| a.what == what)
    }

    /// Everything a player needs to recompute every roll and card.
    pub fn proof(&self) -> Value {
        if let Some(chain) = &self.fairness.chain {
            return self.chain_proof(chain);
        }
        let revealed = self.status == GameStatus::Finished;
        let legacy = self.fairness.legacy_client_seed.is_some();
        json!({
            "game_id": self.id,
            "commitment": self.fairness.commitment,
            "commitment_height": self.fairness.commitment_height(),
            "server_seed": if revealed { Value::String(self.fairness.server_seed.clone()) } else { Value::Null },
            "seed_scheme": if legacy { "legacy" } else { "contributions" },
            "contributions": self.fairness.contributions,
            "client_seed": self.fairness.client_seed(),
            "anchors": self.fairness.anchors,
            "derivation": "client_seed = hex(SHA-256(for each contribution in order: u32be(len(player)) || player || u32be(len(client_seed)) || client_seed)) (legacy games: the seed set at creation); block(round) = HMAC-SHA256(key = server_seed bytes, message = \"{client_seed}:{nonce}:{round}\"); dice: next byte b < 252 -> b % 6 + 1, twice; shuffle: Fisher-Yates with 4-byte big-endian rejection-sampled indices; no draw before the commitment is in a committed block (commitment_height)",
            "draws": self.fairness.draws.iter().map(|d| {
                if d.kind == "dice" || revealed {
                    serde_json::to_value(d).unwrap_or(Value::Null)
                } else {
                    json!({ "nonce": d.nonce, "kind": d.kind, "result": "revealed when the game finishes" })
                }
            }).collect::<Vec<_>>(),
        })
    }
}
