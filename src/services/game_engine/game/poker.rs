//! Hold'em actions: deal a hand (one shuffle draw per hand), then fold,
//! check, call, bet, raise, all-in. Busted players leave the table.

use serde_json::{Value, json};

use super::{Event, Game, GameError, Table};
use crate::services::game_engine::games::poker::{Outcome, PokerAction};

impl Game {
    pub(super) fn poker_action(
        &mut self,
        player: &str,
        kind: &str,
        action: &Value,
        now: u64,
    ) -> Result<Vec<Event>, GameError> {
        let (outcome, event_kind) = match kind {
            "deal" => {
                // Whether a hand can start is decided before the shuffle.
                // Hold'em has no exposure to check: the house pays nothing
                // (chips move only between the players and the pot).
                if let Table::Poker(t) = &self.table {
                    t.check_start(&self.ledger.players)?;
                }
                let deck = self.shuffled(1)?;
                let Table::Poker(t) = &mut self.table else {
                    return Err(GameError::BadRequest("not a poker table".into()));
                };
                let outcome = t
                    .start_hand(deck, &self.ledger.players)
                    .map_err(|_| GameError::after_draw("deal the deck it shuffled"))?;
                (outcome, "hand_started")
            }
            "fold" | "check" | "call" | "bet" | "raise" | "all_in" => {
                let act: PokerAction = serde_json::from_value(action.clone())
                    .map_err(|e| GameError::BadRequest(format!("{kind}: {e}")))?;
                let Table::Poker(t) = &mut self.table else {
                    return Err(GameError::BadRequest("not a poker table".into()));
                };
                (t.act(player, act, &self.ledger.players)?, kind)
            }
            other => {
                return Err(GameError::BadRequest(format!(
                    "unknown poker action {other:?}; actions: deal, fold, check, call, bet, raise, all_in, join, leave"
                )));
            }
        };
        self.settle_drawn(&outcome.moves)?;
        let mut events = vec![self.event(
            now,
            event_kind,
            Some(player),
            serde_json::to_value(&outcome).unwrap_or(Value::Null),
            outcome.moves.clone(),
        )];
        events.extend(self.remove_busted(&outcome, now)?);
        Ok(events)
    }

    /// Players left with no chips after a hand leave the table.
    fn remove_busted(&mut self, outcome: &Outcome, now: u64) -> Result<Vec<Event>, GameError> {
        let mut events = Vec::new();
        for p in &outcome.busted {
            if let Table::Poker(t) = &mut self.table {
                t.leave(p)?;
            }
            self.seats.retain(|s| s != p);
            self.ledger.cash_out(p)?;
            events.push(self.event(
                now,
                "left",
                Some(p),
                json!({ "reason": "busted", "cashed_out": 0 }),
                Vec::new(),
            ));
        }
        Ok(events)
    }
}
