//! Applying actions: events, client seeds, and the draws (every check
//! that can refuse an action comes before its draw).

use serde_json::{Value, json};

use super::*;

impl Game {
    pub(super) fn event(
        &mut self,
        at_ms: u64,
        kind: &str,
        player: Option<&str>,
        data: Value,
        moves: Vec<ChipMove>,
    ) -> Event {
        self.version += 1;
        self.updated_at_ms = at_ms;
        Event {
            seq: self.version,
            at_ms,
            kind: kind.to_string(),
            player: player.map(str::to_string),
            data,
            moves,
        }
    }

    /// Applies `action` by `player`. All or nothing: on error the game is
    /// unchanged.
    pub fn apply(
        &mut self,
        player: &str,
        action: &Value,
        now_ms: u64,
    ) -> Result<Vec<Event>, GameError> {
        let mut next = self.clone();
        let events = next.apply_to_copy(player, action, now_ms)?;
        *self = next;
        Ok(events)
    }

    /// [`Game::apply`] on a copy that the caller drops if the action is
    /// refused (on error it may be half-changed): one copy instead of two
    /// where the caller copies the game anyway.
    pub fn apply_to_copy(
        &mut self,
        player: &str,
        action: &Value,
        now_ms: u64,
    ) -> Result<Vec<Event>, GameError> {
        if self.status == GameStatus::Finished {
            return Err(GameError::Finished);
        }
        self.apply_inner(player, action, now_ms)
    }

    pub(super) fn apply_inner(
        &mut self,
        player: &str,
        action: &Value,
        now: u64,
    ) -> Result<Vec<Event>, GameError> {
        let kind = action
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| GameError::BadRequest("the action needs a \"type\"".into()))?
            .to_string();
        // An action the engine takes for a player whose turn timed out
        // (see `timeout`): its event first.
        let Some(timed_out) = self.timed_out(player, &kind, action, now)? else {
            return self.apply_kind(player, &kind, action, now);
        };
        let mut events = vec![timed_out];
        events.extend(self.apply_kind(player, &kind, action, now)?);
        Ok(events)
    }

    fn apply_kind(
        &mut self,
        player: &str,
        kind: &str,
        action: &Value,
        now: u64,
    ) -> Result<Vec<Event>, GameError> {
        match kind {
            "join" => {
                let buy_in = action
                    .get("buy_in")
                    .and_then(Value::as_u64)
                    .ok_or_else(|| {
                        GameError::BadRequest("join needs a whole-number \"buy_in\"".into())
                    })?;
                self.seat(player, buy_in)?;
                let mut events = vec![self.event(
                    now,
                    "joined",
                    Some(player),
                    json!({ "buy_in": buy_in }),
                    Vec::new(),
                )];
                if action.get("client_seed").is_some() {
                    events.push(self.contribute(player, action, now)?);
                }
                return Ok(events);
            }
            "seed" => {
                if !self.seats.iter().any(|s| s == player) {
                    return Err(GameError::UnknownPlayer(player.to_string()));
                }
                return Ok(vec![self.contribute(player, action, now)?]);
            }
            "leave" => return self.leave(player, now),
            "close" => return self.close(now),
            _ => {}
        }
        if !self.seats.iter().any(|s| s == player) {
            return Err(GameError::UnknownPlayer(player.to_string()));
        }
        let mut events = match &self.table {
            Table::Craps(_) => self.craps_action(player, kind, action, now),
            Table::Blackjack(_) => self.blackjack_action(player, kind, action, now),
            Table::Poker(_) => self.poker_action(player, kind, action, now),
        }?;
        if self.card_round_over() {
            events.push(self.end_round(now, "round over", true)?);
        }
        Ok(events)
    }

    /// Draw number for the next roll or shuffle.
    pub(super) fn next_nonce(&self) -> u64 {
        self.fairness.draws.len() as u64
    }

    /// Records `player`'s client seed (`action["client_seed"]`): after the
    /// commitment (which exists from creation), before the first draw, once
    /// per player.
    pub(super) fn contribute(
        &mut self,
        player: &str,
        action: &Value,
        now: u64,
    ) -> Result<Event, GameError> {
        let seed = action
            .get("client_seed")
            .and_then(Value::as_str)
            .ok_or_else(|| GameError::BadRequest("\"client_seed\" must be a string".into()))?;
        if seed.is_empty() || seed.len() > MAX_CLIENT_SEED {
            return Err(GameError::BadRequest(format!(
                "client_seed must be 1 to {MAX_CLIENT_SEED} bytes"
            )));
        }
        if let Some(chain) = self.fairness.chain.as_mut() {
            let seq = self.version + 1;
            let round = match chain.current_mut() {
                Some(r) if !r.ended() => r,
                _ => {
                    return Err(RuleError::not_now(
                        "the table's seed chain is used up: no round takes client seeds",
                    )
                    .into());
                }
            };
            if round.draws > 0 {
                return Err(RuleError::not_now(format!(
                    "client seeds for round {} are closed: its first draw has been made; \
                     contribute for the next round once this one ends",
                    round.round
                ))
                .into());
            }
            if round.contributions.iter().any(|c| c.player == player) {
                return Err(RuleError::not_now(format!(
                    "{player} has already contributed a client seed for round {}",
                    round.round
                ))
                .into());
            }
            round.contributions.push(Contribution {
                player: player.to_string(),
                client_seed: seed.to_string(),
                seq,
            });
            let r = round.round;
            return Ok(self.event(
                now,
                "seeded",
                Some(player),
                json!({ "client_seed": seed, "round": r, "mixed": self.fairness.client_seed() }),
                Vec::new(),
            ));
        }
        if self.fairness.legacy_client_seed.is_some() {
            return Err(RuleError::not_now(
                "this game took its client seed when it was created (before seed contributions)",
            )
            .into());
        }
        if !self.fairness.draws.is_empty() {
            return Err(RuleError::not_now(
                "client seeds are closed: the game's first draw has been made",
            )
            .into());
        }
        if self
            .fairness
            .contributions
            .iter()
            .any(|c| c.player == player)
        {
            return Err(RuleError::not_now(format!(
                "{player} has already contributed a client seed"
            ))
            .into());
        }
        let seq = self.version + 1;
        self.fairness.contributions.push(Contribution {
            player: player.to_string(),
            client_seed: seed.to_string(),
            seq,
        });
        Ok(self.event(
            now,
            "seeded",
            Some(player),
            json!({ "client_seed": seed, "mixed": self.fairness.client_seed() }),
            Vec::new(),
        ))
    }

    /// Every draw waits for the commitment to be in a committed block: the
    /// first one is the one that matters (the rest follow it). Checked
    /// before any byte is drawn, and it looks at nothing to be drawn.
    pub(super) fn check_anchored(&self) -> Result<(), GameError> {
        self.check_round_open()?;
        if self.fairness.commitment_height().is_some() {
            Ok(())
        } else {
            Err(GameError::Unanchored)
        }
    }

    /// Applies the chip moves of an action that drew. Every check that can
    /// refuse an action (turn, limits, balance, the table's exposure) has
    /// passed before its draw, so this cannot fail; if it did, that is a bug,
    /// answered 500 with nothing in it that depends on what was drawn.
    pub(super) fn settle_drawn(&mut self, moves: &[ChipMove]) -> Result<(), GameError> {
        self.ledger
            .apply(moves)
            .map_err(|_| GameError::after_draw("settle a draw it had checked it could pay"))
    }

    /// Shuffles `decks` fresh decks with the next draw and records it.
    pub(super) fn shuffled(&mut self, decks: usize) -> Result<Vec<Card>, GameError> {
        self.check_anchored()?;
        let nonce = self.next_nonce();
        let mut cards: Vec<Card> = (0..decks).flat_map(|_| Card::deck()).collect();
        self.draw_seeds()?.shuffle(nonce, &mut cards);
        self.record_draw(
            nonce,
            "shuffle",
            serde_json::to_value(&cards).unwrap_or(Value::Null),
        );
        Ok(cards)
    }

    /// The seeds of the next draw: the current round's on a chain game,
    /// else the game's.
    pub(super) fn draw_seeds(&self) -> Result<Seeds, GameError> {
        match self.round_seeds() {
            Some(seeds) => seeds,
            None => self.fairness.seeds(),
        }
    }

    /// Records draw `nonce` (in the current round on a chain game).
    pub(super) fn record_draw(&mut self, nonce: u64, kind: &str, result: Value) {
        let round = match self
            .fairness
            .chain
            .as_mut()
            .and_then(SeedChain::current_mut)
        {
            Some(r) => {
                r.draws += 1;
                Some(r.round)
            }
            None => None,
        };
        self.fairness.draws.push(std::sync::Arc::new(Draw {
            nonce,
            kind: kind.into(),
            result,
            round,
        }));
    }
}
