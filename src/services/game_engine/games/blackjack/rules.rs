//! Table rules and the public types of a round: actions, outcomes, results.

use serde::{Deserialize, Serialize};

use super::super::cards::Card;
use super::super::{ChipMove, Chips, RuleError};
use super::HandOutcome;
/// The largest `max_bet` a table may have (keeps every payout in range).
pub const MAX_BET_LIMIT: Chips = 1_000_000_000_000_000;
/// The fewest cards a shoe may be left with before the cut card.
pub const MIN_RESHUFFLE_AT: u32 = 20;

/// Table rules and limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BlackjackConfig {
    /// Decks in the shoe, 1 to 8.
    pub decks: u8,
    /// The cut card: a new shoe is needed once fewer cards remain.
    pub reshuffle_at: u32,
    /// Seats at the table, 1 to 7.
    pub seats: u8,
    pub min_bet: Chips,
    pub max_bet: Chips,
    pub dealer_hits_soft_17: bool,
    pub double_after_split: bool,
    pub late_surrender: bool,
    /// Most hands a seat may have by splitting, 1 (no splits) to 4.
    pub max_hands: u8,
}

impl Default for BlackjackConfig {
    fn default() -> Self {
        BlackjackConfig {
            decks: 6,
            reshuffle_at: 78,
            seats: 7,
            min_bet: 1,
            max_bet: 1_000_000,
            dealer_hits_soft_17: false,
            double_after_split: true,
            late_surrender: false,
            max_hands: 4,
        }
    }
}

impl BlackjackConfig {
    pub fn validate(&self) -> Result<(), RuleError> {
        if !(1..=8).contains(&self.decks) {
            return Err(RuleError::invalid(format!(
                "decks must be 1 to 8, not {}",
                self.decks
            )));
        }
        let shoe = self.shoe_size();
        if self.reshuffle_at < MIN_RESHUFFLE_AT || self.reshuffle_at as usize >= shoe {
            return Err(RuleError::invalid(format!(
                "reshuffle_at must be at least {MIN_RESHUFFLE_AT} and below the {shoe} cards of a {}-deck shoe, not {}",
                self.decks, self.reshuffle_at
            )));
        }
        if !(1..=7).contains(&self.seats) {
            return Err(RuleError::invalid(format!(
                "seats must be 1 to 7, not {}",
                self.seats
            )));
        }
        if self.min_bet == 0 || self.min_bet > self.max_bet {
            return Err(RuleError::invalid(format!(
                "min_bet {} must be at least 1 and at most max_bet {}",
                self.min_bet, self.max_bet
            )));
        }
        if self.max_bet > MAX_BET_LIMIT {
            return Err(RuleError::invalid(format!(
                "max_bet must be at most {MAX_BET_LIMIT}"
            )));
        }
        if !(1..=4).contains(&self.max_hands) {
            return Err(RuleError::invalid(format!(
                "max_hands must be 1 (no splitting) to 4, not {}",
                self.max_hands
            )));
        }
        Ok(())
    }

    /// Cards in a full shoe.
    pub fn shoe_size(&self) -> usize {
        usize::from(self.decks) * 52
    }
}

/// What the table is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Between rounds: bets, leaving and new shoes.
    Betting,
    /// The dealer shows an ace: every seat in the round decides on insurance.
    Insurance,
    /// Seats play their hands in turn.
    PlayerTurns,
}

/// A seat's insurance this round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum InsuranceState {
    NotOffered,
    Pending,
    Declined,
    Taken { amount: Chips },
}

/// A player's move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BlackjackAction {
    Hit,
    Stand,
    Double,
    Split,
    Surrender,
    Insurance { amount: Chips },
    DeclineInsurance,
}

/// Who a card went to. `hand` is the 0-based hand index within the seat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum CardTo {
    Player {
        player: String,
        hand: usize,
    },
    /// The dealer's up card or a card the dealer drew.
    Dealer,
    /// The hole card, listed only when it is turned over.
    DealerHole,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardDealt {
    #[serde(flatten)]
    pub to: CardTo,
    pub card: Card,
}

/// How one hand was decided at the end of a round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandResult {
    pub player: String,
    pub hand: usize,
    pub cards: Vec<Card>,
    pub total: u32,
    /// Chips at stake, doubled included.
    pub bet: Chips,
    pub outcome: HandOutcome,
    pub returned: Chips,
    pub paid: Chips,
    pub collected: Chips,
}

/// An insurance bet decided by the dealer's peek.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsuranceResult {
    pub player: String,
    pub amount: Chips,
    pub won: bool,
}

/// What an action did: chips to move (in order), cards dealt, and when the
/// round ended, the dealer's hand and every hand's result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub moves: Vec<ChipMove>,
    pub dealt: Vec<CardDealt>,
    pub insurance: Vec<InsuranceResult>,
    pub round_over: bool,
    /// The shoe ran out mid-round and every stake went back.
    pub voided: bool,
    /// The dealer's cards, when the round is over.
    pub dealer: Option<Vec<Card>>,
    pub results: Vec<HandResult>,
}

#[cfg(test)]
mod tests {
    use super::BlackjackAction::{DeclineInsurance, Insurance};
    use super::*;

    fn cfg() -> BlackjackConfig {
        BlackjackConfig::default()
    }

    #[test]
    fn config_is_validated_field_by_field() {
        let bad = [
            ("decks", BlackjackConfig { decks: 9, ..cfg() }),
            ("reshuffle_at", BlackjackConfig { decks: 1, ..cfg() }),
            (
                "reshuffle_at",
                BlackjackConfig {
                    reshuffle_at: 5,
                    ..cfg()
                },
            ),
            ("seats", BlackjackConfig { seats: 0, ..cfg() }),
            (
                "min_bet",
                BlackjackConfig {
                    min_bet: 0,
                    ..cfg()
                },
            ),
            (
                "max_bet",
                BlackjackConfig {
                    max_bet: u64::MAX,
                    ..cfg()
                },
            ),
            (
                "max_hands",
                BlackjackConfig {
                    max_hands: 5,
                    ..cfg()
                },
            ),
        ];
        for (field, c) in bad {
            let e = c.validate().unwrap_err();
            assert!(
                matches!(&e, RuleError::Invalid(m) if m.contains(field)),
                "{e}"
            );
        }
        let c: BlackjackConfig = serde_json::from_str(r#"{"decks":2,"reshuffle_at":30}"#).unwrap();
        assert_eq!((c.decks, c.seats, c.max_hands), (2, 7, 4));
        assert!(c.validate().is_ok());
        let a: BlackjackAction =
            serde_json::from_str(r#"{"type":"insurance","amount":5}"#).unwrap();
        assert_eq!(a, Insurance { amount: 5 });
        let a: BlackjackAction = serde_json::from_str(r#"{"type":"decline_insurance"}"#).unwrap();
        assert_eq!(a, DeclineInsurance);
    }
}
