//! Blackjack actions: bet, deal, and the players' decisions. A new shoe is
//! shuffled (one draw) whenever the cut card has come out before a deal.

use serde_json::{Value, json};

use super::{Event, Game, GameError, Table, field};
use crate::services::game_engine::games::Chips;
use crate::services::game_engine::games::blackjack::{BlackjackAction, BlackjackTable, Phase};
use crate::services::game_engine::ledger::LedgerError;

impl Game {
    fn blackjack(&mut self) -> Result<&mut BlackjackTable, GameError> {
        match &mut self.table {
            Table::Blackjack(t) => Ok(t),
            _ => Err(GameError::BadRequest("not a blackjack table".into())),
        }
    }

    /// Refuses (409) an action that would draw while the bets in play
    /// could win more than the house holds. Bets are checked against the
    /// bankroll when placed, so this only matters for a game whose house
    /// shrank under its bets; the answer depends on no card.
    fn check_covered(&mut self) -> Result<(), GameError> {
        let worst_case = self.blackjack()?.worst_case_payout();
        if worst_case > u128::from(self.ledger.house) {
            return Err(GameError::Uncovered {
                what: "the bets at this table",
                worst_case,
                bankroll: self.ledger.house,
                remedy: "the round cannot be dealt or played on until the house is covered",
            });
        }
        Ok(())
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
                // The exposure rule: the house must be able to pay the best
                // round every seat could have with this bet (see max_win).
                let worst_case = self.blackjack()?.worst_case_payout();
                if worst_case > u128::from(self.ledger.house) {
                    return Err(GameError::Exposure {
                        bet: format!("a bet of {amount}"),
                        scope: "in one round (blackjacks, doubles, splits to max_hands, insurance)",
                        worst_case,
                        bankroll: self.ledger.house,
                    });
                }
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
                // Every refusal comes before the shuffle and the cards.
                self.blackjack()?.check_deal(player)?;
                self.check_covered()?;
                let table = self.blackjack()?;
                if table.phase() == Phase::Betting && table.needs_shuffle() {
                    let decks = usize::from(table.config().decks);
                    let nonce = self.next_nonce();
                    let cards = self.shuffled(decks)?;
                    let size = cards.len();
                    self.blackjack()?
                        .load_shoe(cards)
                        .map_err(|_| GameError::after_draw("load the shoe it shuffled"))?;
                    events.push(self.event(
                        now,
                        "shuffled",
                        None,
                        json!({ "nonce": nonce, "cards": size }),
                        Vec::new(),
                    ));
                }
                let outcome = self.blackjack()?.deal(player)?;
                self.settle_drawn(&outcome.moves)?;
                let moves = outcome.moves.clone();
                let data = serde_json::to_value(&outcome).unwrap_or(Value::Null);
                events.push(self.event(now, "dealt", Some(player), data, moves));
                Ok(events)
            }
            "hit" | "stand" | "double" | "split" | "surrender" | "insurance"
            | "decline_insurance" => {
                let act: BlackjackAction = serde_json::from_value(action.clone())
                    .map_err(|e| GameError::BadRequest(format!("{kind}: {e}")))?;
                // The balance for a double, a split or insurance, and the
                // table's exposure, are checked before any card is drawn
                // (the table's own refusals also come before its draws).
                let needed = self.blackjack()?.extra_stake(player, act);
                let balance = self.ledger.balance(player).unwrap_or(0);
                if balance < needed {
                    return Err(LedgerError::Insufficient {
                        player: player.to_string(),
                        balance,
                        needed,
                    }
                    .into());
                }
                self.check_covered()?;
                let outcome = self.blackjack()?.act(player, act)?;
                self.settle_drawn(&outcome.moves)?;
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
