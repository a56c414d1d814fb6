//! Betting rounds: what the player to act may do, applying it, and moving
//! the action on (next player, next street, or the end of the hand).

use super::super::cards::Card;
use super::super::{ChipMove, Chips, RuleError};
use super::{Hand, Outcome, PokerAction, PokerEvent, Street};

/// An action checked against the rules, ready to apply.
pub(super) struct Plan {
    pub(super) action: PokerAction,
    pub(super) stake: Chips,
}

impl Hand {
    pub(super) fn board(&self) -> Vec<Card> {
        self.runout.iter().take(self.board_len).copied().collect()
    }

    pub(super) fn live(&self) -> usize {
        self.players.iter().filter(|p| !p.folded).count()
    }

    pub(super) fn others_can_act(&self, i: usize) -> bool {
        self.players
            .iter()
            .enumerate()
            .any(|(j, p)| j != i && p.can_act())
    }

    fn needs_action(&self, i: usize) -> bool {
        self.players.get(i).is_some_and(|p| {
            p.can_act()
                && (p.bet < self.current_bet || (p.acted_at.is_none() && self.others_can_act(i)))
        })
    }

    /// Whether betting is open to `i`: not yet acted this round, or facing
    /// at least a full raise since they did.
    pub(super) fn may_raise(&self, i: usize) -> bool {
        self.players.get(i).is_some_and(|p| {
            p.acted_at
                .is_none_or(|a| self.current_bet >= a.saturating_add(self.min_raise))
        })
    }

    fn next_needing(&self, from: usize) -> Option<usize> {
        let n = self.players.len();
        (1..=n)
            .map(|k| (from + k) % n)
            .find(|&i| self.needs_action(i))
    }

    pub(super) fn plan(&self, i: usize, action: PokerAction) -> Result<Plan, RuleError> {
        let Some(p) = self.players.get(i) else {
            return Err(RuleError::not_now("you are not in this hand"));
        };
        let cur = self.current_bet;
        let to_call = cur.saturating_sub(p.bet);
        let all_in_to = p.bet.saturating_add(p.stack);
        match action {
            PokerAction::Fold => Ok(Plan { action, stake: 0 }),
            PokerAction::Check if to_call > 0 => Err(RuleError::not_now(format!(
                "you cannot check: the bet is {cur}, {to_call} to call"
            ))),
            PokerAction::Check => Ok(Plan { action, stake: 0 }),
            PokerAction::Call if to_call == 0 => {
                Err(RuleError::not_now("there is nothing to call: check"))
            }
            PokerAction::Call => Ok(Plan {
                action,
                stake: to_call.min(p.stack),
            }),
            PokerAction::Bet { .. } if cur > 0 => Err(RuleError::not_now(format!(
                "there is already a bet of {cur}: call, raise or fold"
            ))),
            PokerAction::Bet { amount } => self.raise_to(i, amount, action),
            PokerAction::Raise { .. } if cur == 0 => {
                Err(RuleError::not_now("there is no bet to raise: bet instead"))
            }
            PokerAction::Raise { to } => self.raise_to(i, to, action),
            PokerAction::AllIn if all_in_to <= cur => Ok(Plan {
                action: PokerAction::Call,
                stake: p.stack,
            }),
            PokerAction::AllIn if cur == 0 => {
                self.raise_to(i, all_in_to, PokerAction::Bet { amount: all_in_to })
            }
            PokerAction::AllIn => self.raise_to(i, all_in_to, PokerAction::Raise { to: all_in_to }),
        }
    }

    /// Checks a bet or raise making `i`'s round total `to`.
    fn raise_to(&self, i: usize, to: Chips, action: PokerAction) -> Result<Plan, RuleError> {
        let Some(p) = self.players.get(i) else {
            return Err(RuleError::not_now("you are not in this hand"));
        };
        let cur = self.current_bet;
        let all_in_to = p.bet.saturating_add(p.stack);
        let opening = cur == 0;
        if to > all_in_to {
            return Err(RuleError::invalid(format!(
                "you have {} chips behind: the most you can make it is {all_in_to}",
                p.stack
            )));
        }
        if to <= cur || to == 0 {
            return Err(RuleError::invalid(if opening {
                "a bet must be at least 1 chip".to_string()
            } else {
                format!("a raise must go above the current bet of {cur}")
            }));
        }
        if !self.others_can_act(i) {
            return Err(RuleError::not_now(
                "nobody left in the hand can call a raise: call or fold",
            ));
        }
        if !self.may_raise(i) {
            return Err(RuleError::not_now(
                "a short all-in did not reopen the betting: you may only call or fold",
            ));
        }
        let min_to = cur.saturating_add(self.min_raise);
        if to < min_to && to < all_in_to {
            return Err(RuleError::invalid(if opening {
                format!("the minimum bet is {min_to}")
            } else {
                format!("the minimum raise is to {min_to}")
            }));
        }
        Ok(Plan {
            action,
            stake: to - p.bet,
        })
    }

    /// Applies a checked plan for `i`.
    pub(super) fn apply(&mut self, i: usize, plan: Plan, out: &mut Outcome) {
        let (cur, min_raise) = (self.current_bet, self.min_raise);
        let Some(p) = self.players.get_mut(i) else {
            return;
        };
        if plan.action == PokerAction::Fold {
            p.folded = true;
        } else {
            p.stack -= plan.stake.min(p.stack);
            p.bet += plan.stake;
            p.contributed += plan.stake;
        }
        let bet = p.bet;
        let mut new_cur = cur;
        if bet > cur {
            if bet - cur >= min_raise {
                self.min_raise = bet - cur;
            }
            new_cur = bet;
        }
        p.acted_at = Some(new_cur);
        self.current_bet = new_cur;
        if plan.stake > 0 {
            out.moves.push(ChipMove::Stake {
                player: p.player.clone(),
                amount: plan.stake,
            });
        }
        out.events.push(PokerEvent::Acted {
            player: p.player.clone(),
            action: plan.action,
            staked: plan.stake,
            bet,
            all_in: !p.folded && p.stack == 0,
        });
    }

    /// Moves the action on from `from`: the next player who must act, or
    /// the next street, or the end of the hand.
    pub(super) fn advance(&mut self, mut from: usize, out: &mut Outcome) {
        loop {
            if self.live() <= 1 || (self.board_len >= 5 && self.next_needing(from).is_none()) {
                self.finish(out);
                return;
            }
            if let Some(next) = self.next_needing(from) {
                self.to_act = Some(next);
                out.to_act = self.players.get(next).map(|p| p.player.clone());
                return;
            }
            let (street, len) = match self.board_len {
                0 => (Street::Flop, 3),
                3 => (Street::Turn, 4),
                _ => (Street::River, 5),
            };
            let cards = self
                .runout
                .iter()
                .take(len)
                .skip(self.board_len)
                .copied()
                .collect();
            self.board_len = len;
            self.street = street;
            out.events.push(PokerEvent::BoardDealt { street, cards });
            for p in &mut self.players {
                p.bet = 0;
                p.acted_at = None;
            }
            self.current_bet = 0;
            self.min_raise = self.big_blind;
            from = self.players.len().saturating_sub(1);
        }
    }
}
