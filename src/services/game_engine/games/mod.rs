//! Game rules (pure): no HTTP, store, clock or tokio. Randomness comes in as
//! dice and shuffled decks; chips move through the ledger.

pub mod cards;
pub mod craps;
pub mod hand_eval;

/// Why an action is refused. The HTTP layer maps `NotNow` to 409 (legal
/// in another state) and `Invalid` to 422 (breaks a rule whatever the state).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("{0}")]
    NotNow(String),
    #[error("{0}")]
    Invalid(String),
}

impl RuleError {
    pub fn not_now(msg: impl Into<String>) -> RuleError {
        RuleError::NotNow(msg.into())
    }

    pub fn invalid(msg: impl Into<String>) -> RuleError {
        RuleError::Invalid(msg.into())
    }
}

pub mod blackjack;
pub mod poker;

use serde::{Deserialize, Serialize};

/// Chips.
pub type Chips = u64;

/// One movement of chips a rule decided. Rules never hold balances; the
/// game's ledger applies these, all or nothing, so an action that cannot be
/// paid for changes nothing.
///
/// Accounts: each player's stack, the table (chips in play: bets on the
/// layout, hands, pots) and the house.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "move", rename_all = "snake_case")]
pub enum ChipMove {
    /// Player puts chips in play (a bet, a blind, a call): player -> table.
    Stake { player: String, amount: Chips },
    /// Chips in play go back to a player (a push, a returned stake, a pot
    /// won): table -> player.
    Return { player: String, amount: Chips },
    /// The house pays a player's winnings: house -> player.
    Pay { player: String, amount: Chips },
    /// A lost stake goes to the house: table -> house. `player` is whose it was.
    Collect { player: String, amount: Chips },
}
