//! One game (pure): its seats, chip ledger, rules table, fairness record and
//! event sequence. `apply` runs an action on a copy and keeps it only if
//! every step succeeded, so a refused action changes nothing.

use serde::{Deserialize, Serialize};
use serde_json::Value;

mod blackjack;
mod craps;
mod draws;
mod history;
mod open;
mod poker;
mod proof;
mod rounds;
mod timeout;

pub use history::History;
pub use rounds::{CRAPS_ROUND_ROLLS, Round, SeedChain};

use super::fairness::{
    CHAIN_LENGTH, Contribution, MAX_CHAIN_LENGTH, MAX_CLIENT_SEED, RandomSource, Seeds, mix,
};
use super::games::blackjack::{BlackjackConfig, BlackjackTable};
use super::games::cards::Card;
use super::games::craps::{CrapsConfig, CrapsTable};
use super::games::poker::{PokerConfig, PokerTable};
use super::games::{ChipMove, Chips, RuleError};
use super::ledger::{Ledger, LedgerError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GameType {
    Craps,
    Blackjack,
    Poker,
}

impl std::fmt::Display for GameType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            GameType::Craps => "craps",
            GameType::Blackjack => "blackjack",
            GameType::Poker => "poker",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GameStatus {
    Open,
    Finished,
}

/// Why an action or a new game is refused; the HTTP layer maps each to a status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GameError {
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("{0} is not at this table")]
    UnknownPlayer(String),
    #[error("the game is finished")]
    Finished,
    #[error("the table is full ({0} players, MAX_PLAYERS_PER_GAME)")]
    Full(u32),
    #[error("{0}")]
    BadRequest(String),
    /// A bet the house could not cover in the worst case (422): refused
    /// when it is placed, before anything is drawn.
    #[error(
        "{bet} would put the table's worst-case payout {scope} at {worst_case} chips; \
         the house bankroll backing the table is {bankroll}"
    )]
    Exposure {
        bet: String,
        scope: &'static str,
        worst_case: u128,
        bankroll: Chips,
    },
    /// An action that draws, refused before the draw because the bets
    /// standing could win more than the house holds (409).
    #[error(
        "{what} could win up to {worst_case} chips, more than the house bankroll backing \
         the table ({bankroll}); nothing was drawn: {remedy}"
    )]
    Uncovered {
        what: &'static str,
        worst_case: u128,
        bankroll: Chips,
        remedy: &'static str,
    },
    /// A step after a draw failed: a bug, never a refusal (500). The text
    /// carries nothing about what was drawn.
    #[error("{0}")]
    Invariant(String),
    /// A draw before the game's commitment is in a committed block of the
    /// validators (503 with `Retry-After`): refused before anything is
    /// drawn, whatever the draw would be.
    #[error(
        "the game's seed commitment is not yet in a committed block of the validators, \
         and nothing is drawn before it is; nothing was applied, retry later"
    )]
    Unanchored,
}

impl GameError {
    /// A step after a draw failed although every check came before the
    /// draw: a bug. The text names the step, never the error it got, which
    /// could carry a drawn card or a figure that depends on the draw.
    pub(super) fn after_draw(step: &str) -> GameError {
        GameError::Invariant(format!(
            "the engine could not {step}; nothing was applied (this is a bug)"
        ))
    }
}

/// `POST /games` body.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CreateGame {
    #[schema(value_type = String, example = "craps")]
    pub game_type: GameType,
    #[schema(min_items = 1)]
    pub players: Vec<PlayerBuyIn>,
    /// Game-specific limits and options; see the README per game.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub config: Value,
    /// Refused (422): the commitment must exist before any client seed.
    /// Players contribute theirs afterwards with a `seed` action (or on
    /// `join`); see the fairness section of the README.
    #[serde(default)]
    pub client_seed: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlayerBuyIn {
    pub id: String,
    pub buy_in: Chips,
}

/// The rules table of a game.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "game_type", content = "table", rename_all = "lowercase")]
pub enum Table {
    Craps(CrapsTable),
    Blackjack(BlackjackTable),
    Poker(PokerTable),
}

/// One random draw, for the proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draw {
    pub nonce: u64,
    /// `dice` or `shuffle`.
    pub kind: String,
    /// Dice faces, or the shuffled cards (kept secret until the seed is revealed).
    pub result: Value,
    /// The round it belongs to (chain games only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fairness {
    /// Hex of the 32-byte server seed; revealed only when the game finishes.
    pub server_seed: String,
    pub commitment: String,
    /// Games stored before seed contributions existed: the one client seed
    /// set at creation, used as is. `None` for every newer game.
    #[serde(
        rename = "client_seed",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub legacy_client_seed: Option<String>,
    /// Client seeds contributed after the commitment, in the order accepted.
    #[serde(default)]
    pub contributions: Vec<Contribution>,
    ///
    /// Every draw so far, draw `i` at index `i` (its nonce). A persistent
    /// vector: the copy of the game an action works on shares it, so
    /// copying costs the same on a table's first roll and its 100,000th.
    pub draws: History<std::sync::Arc<Draw>>,
    /// Where the commitment and the reveal were ordered in the validators' log.
    /// Shared between the copies of a game made for each action, like `draws`.
    #[serde(default)]
    pub anchors: History<std::sync::Arc<Anchor>>,
    /// Games on a seed chain (`seed_scheme` `chain`): `server_seed` is then
    /// the chain's secret terminal seed `s_L`, `commitment` is `s_0`, and
    /// each round draws with its own link and contributions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<SeedChain>,
}

/// A record of this game ordered by the validators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    /// `commitment` (at creation), `round` (a chain game's round ended:
    /// its revealed link) or `reveal` (when the game finished).
    pub what: String,
    pub proposal_id: String,
    pub height: u64,
    pub block_hash: String,
    /// The round of a `round` anchor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<u64>,
}

impl Fairness {
    fn seeds(&self) -> Result<Seeds, GameError> {
        let bytes = hex::decode(&self.server_seed)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| GameError::BadRequest("corrupt server seed".into()))?;
        Ok(Seeds {
            server_seed: bytes,
            client_seed: self.client_seed(),
        })
    }

    /// The client seed the draws use: the mix of the contributions (or a
    /// legacy game's own seed).
    pub fn client_seed(&self) -> String {
        if let Some(round) = self.chain.as_ref().and_then(SeedChain::current) {
            return round.client_seed();
        }
        match &self.legacy_client_seed {
            Some(s) => s.clone(),
            None => mix(self
                .contributions
                .iter()
                .map(|c| (c.player.as_str(), c.client_seed.as_str()))),
        }
    }

    /// The block height at which the validators committed the commitment.
    pub fn commitment_height(&self) -> Option<u64> {
        self.anchors
            .iter()
            .find(|a| a.what == "commitment")
            .map(|a| a.height)
    }
}

/// Something that happened in a game; the SSE stream and the store carry these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// 1, 2, 3, … within the game; the SSE event id.
    pub seq: u64,
    pub at_ms: u64,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub player: Option<String>,
    pub data: Value,
    /// Every chip movement the event made (the ledger's entries).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub moves: Vec<ChipMove>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Game {
    pub id: String,
    pub game_type: GameType,
    pub status: GameStatus,
    pub created_at_ms: u64,
    pub updated_at_ms: u64,
    /// Players in seat order.
    pub seats: Vec<String>,
    pub ledger: Ledger,
    pub table: Table,
    pub fairness: Fairness,
    /// Events so far (the last event's `seq`).
    pub version: u64,
    pub max_players: u32,
    /// The last event whose wallet transfers are done (see `settle`);
    /// `None` for games from before the wallet, whose chips it never held.
    #[serde(default)]
    pub wallet_settled: Option<u64>,
}

/// House bankroll of a table in the rules' own tests (the engine takes
/// `game_engine.table_bankroll` from the wallet's house account).
#[cfg(test)]
pub const HOUSE_BANKROLL: Chips = 1_000_000_000;

pub(super) fn field<T: serde::de::DeserializeOwned>(
    action: &Value,
    name: &str,
) -> Result<T, GameError> {
    let v = action
        .get(name)
        .ok_or_else(|| GameError::BadRequest(format!("the action needs \"{name}\"")))?;
    serde_json::from_value(v.clone()).map_err(|e| GameError::BadRequest(format!("\"{name}\": {e}")))
}

fn parse_config<T: serde::de::DeserializeOwned + Default>(v: &Value) -> Result<T, GameError> {
    if v.is_null() {
        return Ok(T::default());
    }
    serde_json::from_value(v.clone()).map_err(|e| GameError::BadRequest(format!("config: {e}")))
}

fn validate_player_id(id: &str) -> Result<(), GameError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'));
    if ok {
        Ok(())
    } else {
        Err(GameError::BadRequest(format!(
            "player id {id:?} must be 1-64 characters of letters, digits, - _ . @"
        )))
    }
}

#[cfg(test)]
mod fair_play_tests;

#[cfg(test)]
mod seed_tests;

/// Records the commitment's anchor as the validators would (tests only).
#[cfg(test)]
pub(crate) fn anchored(mut g: Game) -> Game {
    g.record_anchor(
        Anchor {
            what: "commitment".into(),
            proposal_id: "p".into(),
            height: 1,
            block_hash: "h".into(),
            round: None,
        },
        0,
    );
    g
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod round_tests;
