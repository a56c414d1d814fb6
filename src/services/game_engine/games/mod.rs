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
