//! Craps actions: bet, remove, roll.

use serde_json::{Value, json};

use super::{CRAPS_ROUND_ROLLS, Event, Game, GameError, SeedChain, Table, field};
use crate::services::game_engine::fairness::RandomSource;
use crate::services::game_engine::games::craps::{BetKind, Roll, settlement_moves};
use crate::services::game_engine::games::{ChipMove, Chips, RuleError};

impl Game {
    pub(super) fn craps_action(
        &mut self,
        player: &str,
        kind: &str,
        action: &Value,
        now: u64,
    ) -> Result<Vec<Event>, GameError> {
        let Table::Craps(table) = &mut self.table else {
            return Err(GameError::BadRequest("not a craps table".into()));
        };
        match kind {
            "bet" => {
                let bet: BetKind = field(action, "bet")?;
                let amount: Chips = field(action, "amount")?;
                let id = table.place(player, bet, amount)?;
                // The exposure rule: the house must be able to pay the
                // worst roll with this bet on the layout, in any phase.
                let worst_case = table.worst_case_any_roll();
                if worst_case > u128::from(self.ledger.house) {
                    return Err(GameError::Exposure {
                        bet: format!("{bet} for {amount}"),
                        scope: "on one roll",
                        worst_case,
                        bankroll: self.ledger.house,
                    });
                }
                let moves = vec![ChipMove::Stake {
                    player: player.to_string(),
                    amount,
                }];
                self.ledger.apply(&moves)?;
                Ok(vec![self.event(
                    now,
                    "bet",
                    Some(player),
                    json!({ "bet": bet, "amount": amount, "bet_id": id }),
                    moves,
                )])
            }
            "remove" => {
                let bet: BetKind = field(action, "bet")?;
                let amount = table.remove(player, bet, self.ledger.house)?;
                let moves = vec![ChipMove::Return {
                    player: player.to_string(),
                    amount,
                }];
                self.ledger.apply(&moves)?;
                Ok(vec![self.event(
                    now,
                    "removed",
                    Some(player),
                    json!({ "bet": bet, "amount": amount }),
                    moves,
                )])
            }
            "roll" => {
                if table.shooter.as_deref() != Some(player) {
                    return Err(RuleError::not_now(format!(
                        "only the shooter rolls; the shooter is {}",
                        table.shooter.as_deref().unwrap_or("nobody")
                    ))
                    .into());
                }
                // Every refusal comes before the dice: after them the
                // roll settles, whatever it is.
                let worst_case = table.worst_case_next_roll();
                if worst_case > u128::from(self.ledger.house) {
                    return Err(GameError::Uncovered {
                        what: "the bets on the layout",
                        worst_case,
                        bankroll: self.ledger.house,
                        remedy: "take bets down before rolling: while the house cannot cover the next roll, \
                                 contract bets come down too, at their stake",
                    });
                }
                // No draw before the commitment is in a committed block,
                // nor once the seed chain is used up.
                self.check_anchored()?;
                let nonce = self.next_nonce();
                let (d1, d2) = self.draw_seeds()?.dice(nonce);
                let Table::Craps(table) = &mut self.table else {
                    return Err(GameError::after_draw("find its craps table"));
                };
                let outcome = table.roll(Roll::new(d1, d2), &self.seats);
                let moves = settlement_moves(&outcome.settled);
                self.settle_drawn(&moves)?;
                self.record_draw(nonce, "dice", json!([d1, d2]));
                let data = serde_json::to_value(&outcome).unwrap_or(Value::Null);
                let mut events = vec![self.event(
                    now,
                    "rolled",
                    Some(player),
                    json!({ "nonce": nonce, "outcome": data }),
                    moves,
                )];
                // A shooter's round ends at the seven-out, or after
                // CRAPS_ROUND_ROLLS rolls.
                let rolls = self
                    .fairness
                    .chain
                    .as_ref()
                    .and_then(SeedChain::current)
                    .map(|r| r.draws);
                if let Some(rolls) = rolls {
                    if outcome.seven_out {
                        events.push(self.end_round(now, "seven-out", true)?);
                    } else if rolls >= CRAPS_ROUND_ROLLS {
                        events.push(self.end_round(now, "roll limit", true)?);
                    }
                }
                Ok(events)
            }
            other => Err(GameError::BadRequest(format!(
                "unknown craps action {other:?}; actions: bet, remove, roll, join, leave"
            ))),
        }
    }
}
