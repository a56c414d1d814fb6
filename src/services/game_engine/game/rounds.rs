//! Rounds on a seed chain (`seed_scheme` `chain`, pure).
//!
//! At game open the engine picks a random terminal seed `s_L` and computes
//! `s_{i-1} = SHA-256(s_i)` down to `s_0`, the game's `commitment`. Round
//! `r` (1-based) draws with link `s_r` as its server seed and the mix of
//! the client seeds contributed *for that round*; when the round ends,
//! `s_r` is revealed and anyone checks `SHA-256(s_r) = s_{r-1}`, which
//! chains every reveal to the anchored commitment. A round is a craps
//! shooter (a seven-out ends it, or [`CRAPS_ROUND_ROLLS`] rolls), a
//! blackjack shoe (it ends when a round is over with the cut card out), a
//! hold'em hand. When round `L` has ended the table takes no more draws
//! (409): bets can be taken down and players cash out.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Event, Game, GameError, Table};
use crate::services::game_engine::fairness::{Contribution, LinkCache, Seeds, mix};
use crate::services::game_engine::games::RuleError;

/// A craps round ends at a seven-out or after this many rolls, so a hot
/// shooter does not hold back the reveal.
pub const CRAPS_ROUND_ROLLS: u64 = 100;

/// The chain of a game: its length and its rounds so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedChain {
    /// `L`: links `s_1 … s_L` serve rounds `1 … L`.
    pub length: u64,
    /// Rounds in order; the last one may be in progress. Each is shared
    /// between the copies of a game made for each action: only the round
    /// in play is copied when an action changes it.
    pub rounds: super::History<std::sync::Arc<Round>>,
    #[serde(skip)]
    pub cache: LinkCache,
}

/// One round of a chain game.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    /// 1, 2, 3, …
    pub round: u64,
    /// Hex of `s_r`, the round's server seed: secret until the round ends.
    pub link: String,
    /// Client seeds contributed for this round, in the order accepted.
    pub contributions: Vec<Contribution>,
    /// Nonce of the round's first draw (nonces count every draw of the game).
    pub first_nonce: u64,
    /// Draws made in the round.
    pub draws: u64,
    /// The round's events are those with `start_seq < seq <= end_seq`.
    pub start_seq: u64,
    /// The `round_ended` event; `None` while the round is in progress.
    pub end_seq: Option<u64>,
    /// The public state when the round started, as JSON text (one
    /// allocation to copy when the game is copied for an action): `seats`,
    /// `balances`, `house` and the `table` (craps: phase, shooter, bets).
    pub start: String,
    /// Whether the round's anchor is recorded (derived from the game's
    /// anchors: set by `record_anchor`, and again whenever a game is loaded),
    /// so finding it does not search every anchor of a long-lived table.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub anchored: bool,
}

impl Round {
    pub fn ended(&self) -> bool {
        self.end_seq.is_some()
    }

    /// The draws' client seed: the mix of this round's contributions.
    pub fn client_seed(&self) -> String {
        mix(self
            .contributions
            .iter()
            .map(|c| (c.player.as_str(), c.client_seed.as_str())))
    }
}

impl SeedChain {
    pub fn current(&self) -> Option<&Round> {
        self.rounds.last().map(|r| &**r)
    }

    pub fn current_mut(&mut self) -> Option<&mut Round> {
        self.rounds.last_mut().map(std::sync::Arc::make_mut)
    }

    /// Marks round `r`'s anchor as recorded, if the chain has that round.
    pub fn mark_anchored(&mut self, r: u64) {
        let Some(idx) = r.checked_sub(1).and_then(|i| usize::try_from(i).ok()) else {
            return;
        };
        if let Some(round) = self.rounds.get_mut(idx)
            && !round.anchored
        {
            std::sync::Arc::make_mut(round).anchored = true;
        }
    }
}

fn decode32(hex_str: &str) -> Result<[u8; 32], GameError> {
    hex::decode(hex_str)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| GameError::BadRequest("corrupt seed".into()))
}

impl Game {
    /// The public state a round starts from (what its proof replays from).
    fn round_start_state(&self) -> String {
        let table = match &self.table {
            Table::Craps(t) => serde_json::to_value(t).unwrap_or(Value::Null),
            Table::Blackjack(t) => serde_json::to_value(t.view()).unwrap_or(Value::Null),
            Table::Poker(t) => serde_json::to_value(t.view(None)).unwrap_or(Value::Null),
        };
        json!({
            "seats": self.seats,
            "balances": self.ledger.players,
            "house": self.ledger.house,
            "table": table,
        })
        .to_string()
    }

    /// Opens round `r` (its link computed from the secret terminal seed).
    pub(super) fn start_round(&mut self, r: u64) -> Result<(), GameError> {
        let terminal = decode32(&self.fairness.server_seed)?;
        let start = self.round_start_state();
        let first_nonce = self.fairness.draws.len() as u64;
        let start_seq = self.version;
        let Some(chain) = self.fairness.chain.as_mut() else {
            return Ok(());
        };
        // Round 1 walks the chain once without keeping checkpoints: a table
        // that never gets past its first round (most idle ones) holds none.
        let link = if r == 1 && !chain.cache.is_filled() {
            crate::services::game_engine::fairness::chain_link(&terminal, chain.length, 1)
        } else {
            chain.cache.link(&terminal, chain.length, r)
        };
        chain.rounds.push(std::sync::Arc::new(Round {
            round: r,
            link: hex::encode(link),
            contributions: Vec::new(),
            first_nonce,
            draws: 0,
            start_seq,
            end_seq: None,
            start,
            anchored: false,
        }));
        Ok(())
    }

    /// The seeds of the next draw on a chain game: the current round's
    /// link and the mix of its contributions.
    pub(super) fn round_seeds(&self) -> Option<Result<Seeds, GameError>> {
        let round = self.fairness.chain.as_ref()?.current()?;
        Some(decode32(&round.link).map(|server_seed| Seeds {
            server_seed,
            client_seed: round.client_seed(),
        }))
    }

    /// Refuses a draw when the chain is used up (its last round ended).
    /// Looks at nothing drawn.
    pub(super) fn check_round_open(&self) -> Result<(), GameError> {
        match self.fairness.chain.as_ref().and_then(SeedChain::current) {
            Some(r) if r.ended() => Err(RuleError::not_now(format!(
                "the table's seed chain is used up (all {} rounds played): nothing more is \
                 drawn here; take bets down, cash out and open a new table",
                r.round
            ))
            .into()),
            _ => Ok(()),
        }
    }

    /// Ends the current round: reveals its link in a `round_ended` event,
    /// then opens the next round unless the chain is used up.
    pub(super) fn end_round(
        &mut self,
        now: u64,
        reason: &str,
        open_next: bool,
    ) -> Result<Event, GameError> {
        let balances = self.ledger.players.clone();
        let house = self.ledger.house;
        let commitment = self.fairness.commitment.clone();
        let seq = self.version + 1;
        let Some(chain) = self.fairness.chain.as_mut() else {
            return Err(GameError::after_draw(
                "end a round of a game without rounds",
            ));
        };
        let length = chain.length;
        let prev_link = match chain.rounds.len() {
            0 | 1 => commitment,
            n => chain
                .rounds
                .get(n - 2)
                .map(|r| r.link.clone())
                .unwrap_or_default(),
        };
        let Some(round) = chain.current_mut() else {
            return Err(GameError::after_draw("end a round that never started"));
        };
        round.end_seq = Some(seq);
        let r = round.round;
        let data = json!({
            "round": r,
            "reason": reason,
            "link": round.link,
            "prev_link": prev_link,
            "client_seed": round.client_seed(),
            "contributions": round.contributions,
            "first_nonce": round.first_nonce,
            "draws": round.draws,
            "balances": balances,
            "house": house,
        });
        let event = self.event(now, "round_ended", None, data, Vec::new());
        if open_next && r < length {
            self.start_round(r + 1)
                .map_err(|_| GameError::after_draw("open the next round"))?;
        }
        Ok(event)
    }

    /// After a card action: a blackjack shoe ends when a round is over with
    /// the cut card out; a hold'em round when its hand is over.
    pub(super) fn card_round_over(&self) -> bool {
        let drew = self
            .fairness
            .chain
            .as_ref()
            .and_then(SeedChain::current)
            .is_some_and(|r| r.draws > 0 && !r.ended());
        drew && match &self.table {
            Table::Craps(_) => false,
            Table::Blackjack(t) => {
                t.phase() == crate::services::game_engine::games::blackjack::Phase::Betting
                    && t.needs_shuffle()
            }
            Table::Poker(t) => !t.hand_in_progress(),
        }
    }

    /// Whether the current round has made draws and has not ended.
    pub(super) fn round_in_play(&self) -> bool {
        self.fairness
            .chain
            .as_ref()
            .and_then(SeedChain::current)
            .is_some_and(|r| r.draws > 0 && !r.ended())
    }

    /// Round `r` of the proof: everything needed to check it alone once it
    /// has ended (`events` are added by the HTTP layer from the store);
    /// while it is in progress, no link and no shuffle result.
    pub fn round_proof(&self, r: u64) -> Option<Value> {
        let chain = self.fairness.chain.as_ref()?;
        let idx = usize::try_from(r.checked_sub(1)?).ok()?;
        let round = chain.rounds.get(idx)?;
        let ended = round.ended();
        let prev_link = if idx == 0 {
            Some(self.fairness.commitment.clone())
        } else {
            chain.rounds.get(idx - 1).map(|p| p.link.clone())
        };
        // Draw `i` is at index `i`: the round's are one range.
        let draws: Vec<Value> = (round.first_nonce..round.first_nonce + round.draws)
            .filter_map(|n| self.fairness.draws.get(usize::try_from(n).ok()?))
            .map(|d| {
                if d.kind == "dice" || ended {
                    serde_json::to_value(d).unwrap_or(Value::Null)
                } else {
                    json!({ "nonce": d.nonce, "kind": d.kind, "round": d.round,
                            "result": "revealed when the round ends" })
                }
            })
            .collect();
        Some(json!({
            "round": round.round,
            "ended": ended,
            "link": if ended { Value::String(round.link.clone()) } else { Value::Null },
            "prev_link": prev_link,
            "contributions": round.contributions,
            "client_seed": round.client_seed(),
            "first_nonce": round.first_nonce,
            "start_seq": round.start_seq,
            "end_seq": round.end_seq,
            "start": serde_json::from_str::<Value>(&round.start).unwrap_or(Value::Null),
            "draws": draws,
        }))
    }

    /// The proof of a chain game: the commitment, every round (ended ones
    /// with their link) and every draw (shuffles of rounds in progress
    /// hidden). A round's actions and settlements are in its own proof
    /// (`?round=R`).
    pub(super) fn chain_proof(&self, chain: &SeedChain) -> Value {
        let rounds: Vec<Value> = (1..=chain.rounds.len() as u64)
            .filter_map(|r| self.round_proof(r))
            .map(|mut r| {
                if let Some(o) = r.as_object_mut() {
                    o.remove("draws");
                    o.remove("start");
                }
                r
            })
            .collect();
        let draws: Vec<Value> = chain
            .rounds
            .iter()
            .flat_map(|r| {
                self.round_proof(r.round)
                    .and_then(|p| p.get("draws").and_then(Value::as_array).cloned())
                    .unwrap_or_default()
            })
            .collect();
        let current = chain.current();
        json!({
            "game_id": self.id,
            "game_type": self.game_type,
            "status": self.status,
            "seed_scheme": "chain",
            "chain_length": chain.length,
            "commitment": self.fairness.commitment,
            "commitment_height": self.fairness.commitment_height(),
            "server_seed": Value::Null,
            "current_round": current.map(|r| r.round),
            "contributions": current.map(|r| r.contributions.clone()).unwrap_or_default(),
            "client_seed": self.fairness.client_seed(),
            "anchors": self.fairness.anchors,
            "derivation": CHAIN_DERIVATION,
            "rounds": rounds,
            "draws": draws,
        })
    }
}

impl Game {
    /// The answer of `GET /games/{id}/proof?round=R`: the game's commitment,
    /// anchors and chain, and round `r` with `events` (the round's stored
    /// events, given only once it has ended).
    pub fn round_document(&self, r: u64, events: Option<&[Event]>) -> Option<Value> {
        let mut round = self.round_proof(r)?;
        if let (Some(ev), true) = (events, round["ended"] == Value::Bool(true)) {
            round["events"] = serde_json::to_value(ev).unwrap_or(Value::Null);
        }
        let mut proof = self.proof();
        if let Some(o) = proof.as_object_mut() {
            for k in ["rounds", "draws", "contributions", "client_seed"] {
                o.remove(k);
            }
            o.insert("round".into(), round);
        }
        Some(proof)
    }
}

/// The derivation, in one line, for the proof's readers.
pub const CHAIN_DERIVATION: &str = "chain: s_L random (32 bytes, secret), s_(i-1) = SHA-256(s_i) over the 32 raw bytes, commitment = hex(s_0); round r (1-based) uses server seed s_r, revealed when the round ends, check SHA-256(s_r) = s_(r-1); client_seed(r) = hex(SHA-256(for each contribution of round r in order: u32be(len(player)) || player || u32be(len(client_seed)) || client_seed)); block(i) = HMAC-SHA256(key = s_r bytes, message = \"{client_seed(r)}:{nonce}:{i}\") with nonce counting every draw of the game; dice: next byte b < 252 -> b % 6 + 1, twice; shuffle: Fisher-Yates with 4-byte big-endian rejection-sampled indices; no draw before the commitment is in a committed block (commitment_height)";
