//! Blackjack actions: bet, deal, and the players' decisions. A new shoe is
//! shuffled (one draw) whenever the cut card has come out before a deal.

use serde_json::{Value, json};

use super::{Event, Game, GameError, Table, field};
use crate::services::game_engine::games::Chips;
use crate::services::game_engine::games::blackjack::{BlackjackAction, BlackjackTable, Phase};

impl Game {
    fn blackjack(&mut self) -> Result<&mut BlackjackTable, GameError> {
        match &mut self.table {
            Table::Blackjack(t) => Ok(t),
            _ => Err(GameError::BadRequest("not a blackjack table".into())),
        }
    }

    pub(super) fn blackjack_action(
        &mut self,
        player: &str,
        kind: &str,
        action: &Value,
        now: u64,
    ) -> Result<Vec<Event>, GameError> {
        match kind {
            "bet" => {
                let amount: Chips = field(action, "amount")?;
                let moves = self.blackjack()?.bet(player, amount)?;
                self.ledger.apply(&moves)?;
                Ok(vec![self.event(
                    now,
                    "bet",
                    Some(player),
                    json!({ "amount": amount }),
                    moves,
                )])
            }
            "deal" => {
                let mut events = Vec::new();
                let table = self.blackjack()?;
                if table.phase() == Phase::Betting && table.needs_shuffle() {
                    let decks = usize::from(table.config().decks);
                    let nonce = self.next_nonce();
                    let cards = self.shuffled(decks)?;
                    let size = cards.len();
                    self.blackjack()?.load_shoe(cards)?;
                    events.push(self.event(
                        now,
                        "shuffled",
                        None,
                        json!({ "nonce": nonce, "cards": size }),
                        Vec::new(),
                    ));
                }
                let outcome = self.blackjack()?.deal(player)?;
                self.ledger.apply(&outcome.moves)?;
                let moves = outcome.moves.clone();
                let data = serde_json::to_value(&outcome).unwrap_or(Value::Null);
                events.push(self.event(now, "dealt", Some(player), data, moves));
                Ok(events)
            }
            "hit" | "stand" | "double" | "split" | "surrender" | "insurance"
            | "decline_insurance" => {
                let act: BlackjackAction = serde_json::from_value(action.clone())
                    .map_err(|e| GameError::BadRequest(format!("{kind}: {e}")))?;
                let outcome = self.blackjack()?.act(player, act)?;
                self.ledger.apply(&outcome.moves)?;
                let moves = outcome.moves.clone();
                let data = serde_json::to_value(&outcome).unwrap_or(Value::Null);
                Ok(vec![self.event(now, kind, Some(player), data, moves)])
            }
            other => Err(GameError::BadRequest(format!(
                "unknown blackjack action {other:?}; actions: bet, deal, hit, stand, double, split, \
                 surrender, insurance, decline_insurance, join, leave"
            ))),
        }
    }
}
