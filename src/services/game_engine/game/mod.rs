//! One game (pure): its seats, chip ledger, rules table, fairness record and
//! event sequence. `apply` runs an action on a copy and keeps it only if
//! every step succeeded, so a refused action changes nothing.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

mod blackjack;
mod craps;
mod poker;
mod rounds;

pub use rounds::{CRAPS_ROUND_ROLLS, Round, SeedChain};

use super::fairness::{CHAIN_LENGTH, Contribution, MAX_CLIENT_SEED, RandomSource, Seeds, mix};
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
    pub draws: Vec<Draw>,
    /// Where the commitment and the reveal were ordered in the validators' log.
    #[serde(default)]
    pub anchors: Vec<Anchor>,
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

impl Game {
    /// A new game with the tests' [`HOUSE_BANKROLL`].
    #[cfg(test)]
    pub fn create(
        id: String,
        req: &CreateGame,
        server_seed: [u8; 32],
        now_ms: u64,
        max_players: u32,
    ) -> Result<(Game, Event), GameError> {
        Game::open_with(
            id,
            req,
            server_seed,
            now_ms,
            max_players,
            HOUSE_BANKROLL,
            None,
        )
    }

    /// A new game whose house holds `bankroll` chips to pay winners, and
    /// its `created` event (which records the bankroll and the buy-ins:
    /// the chips the wallet moves into the table's escrow).
    /// Every new game is on a seed chain of [`CHAIN_LENGTH`] links whose
    /// terminal seed is `server_seed`.
    pub fn open(
        id: String,
        req: &CreateGame,
        server_seed: [u8; 32],
        now_ms: u64,
        max_players: u32,
        bankroll: Chips,
    ) -> Result<(Game, Event), GameError> {
        Game::open_with(
            id,
            req,
            server_seed,
            now_ms,
            max_players,
            bankroll,
            Some(CHAIN_LENGTH),
        )
    }

    /// A new game on a chain of `chain_length` links, or (`None`) with one
    /// server seed for the whole game (`seed_scheme` `contributions`, the
    /// scheme of games stored before chains; the rules' tests use it).
    pub fn open_with(
        id: String,
        req: &CreateGame,
        server_seed: [u8; 32],
        now_ms: u64,
        max_players: u32,
        bankroll: Chips,
        chain_length: Option<u64>,
    ) -> Result<(Game, Event), GameError> {
        if chain_length == Some(0) {
            return Err(GameError::BadRequest("a seed chain needs a link".into()));
        }
        if req.players.is_empty() {
            return Err(GameError::BadRequest(
                "a game needs at least one player".into(),
            ));
        }
        if req.players.len() > max_players as usize {
            return Err(GameError::Full(max_players));
        }
        let table = match req.game_type {
            GameType::Craps => {
                let cfg: CrapsConfig = parse_config(&req.config)?;
                cfg.validate()?;
                Table::Craps(CrapsTable::new(cfg))
            }
            GameType::Blackjack => {
                let cfg: BlackjackConfig = parse_config(&req.config)?;
                cfg.validate()?;
                Table::Blackjack(BlackjackTable::new(cfg)?)
            }
            GameType::Poker => {
                let cfg: PokerConfig = parse_config(&req.config)?;
                cfg.validate()?;
                Table::Poker(PokerTable::new(cfg))
            }
        };
        // The server seed was chosen after this request arrived, so a
        // client seed in it could have been seen first (and ground against).
        if req.client_seed.is_some() {
            return Err(GameError::BadRequest(
                "client_seed is not accepted when a game is created: the commitment must exist \
                 before any client seed. Create the game, then send {\"type\": \"seed\", \
                 \"client_seed\": …} as each player (or client_seed on join), before the first draw"
                    .into(),
            ));
        }
        let mut game = Game {
            id,
            game_type: req.game_type,
            status: GameStatus::Open,
            created_at_ms: now_ms,
            updated_at_ms: now_ms,
            seats: Vec::new(),
            ledger: Ledger::new(bankroll),
            table,
            fairness: Fairness {
                server_seed: hex::encode(server_seed),
                commitment: hex::encode(match chain_length {
                    Some(l) => super::fairness::chain_link(&server_seed, l, 0),
                    None => super::fairness::commitment(&server_seed),
                }),
                legacy_client_seed: None,
                contributions: Vec::new(),
                draws: Vec::new(),
                anchors: Vec::new(),
                chain: chain_length.map(|length| SeedChain {
                    length,
                    rounds: Vec::new(),
                    cache: Default::default(),
                }),
            },
            version: 0,
            max_players,
            wallet_settled: Some(0),
        };
        for p in &req.players {
            game.seat(&p.id, p.buy_in)?;
        }
        let event = game.event(
            now_ms,
            "created",
            None,
            json!({
                "game_type": game.game_type,
                "players": req.players,
                "commitment": game.fairness.commitment,
                "bankroll": bankroll,
                "chain_length": chain_length,
            }),
            Vec::new(),
        );
        if chain_length.is_some() {
            game.start_round(1)?;
        }
        Ok((game, event))
    }

    fn seat(&mut self, player: &str, buy_in: Chips) -> Result<(), GameError> {
        validate_player_id(player)?;
        if self.seats.iter().any(|s| s == player) {
            return Err(RuleError::not_now(format!("{player} is already at this table")).into());
        }
        if self.seats.len() >= self.max_players as usize {
            return Err(GameError::Full(self.max_players));
        }
        if buy_in == 0 || buy_in > 1_000_000_000_000 {
            return Err(RuleError::invalid("buy_in must be from 1 to 10^12 chips").into());
        }
        match &mut self.table {
            Table::Craps(_) => {}
            Table::Blackjack(t) => {
                let seats = usize::from(t.config().seats);
                if self.seats.len() >= seats {
                    return Err(RuleError::not_now(format!(
                        "all {seats} blackjack seats are taken"
                    ))
                    .into());
                }
            }
            Table::Poker(t) => t.sit(player)?,
        }
        self.seats.push(player.to_string());
        self.ledger.deposit(player, buy_in);
        if let Table::Craps(t) = &mut self.table {
            t.seat_changed(&self.seats);
        }
        Ok(())
    }

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
        if self.status == GameStatus::Finished {
            return Err(GameError::Finished);
        }
        let mut next = self.clone();
        let events = next.apply_inner(player, action, now_ms)?;
        *self = next;
        Ok(events)
    }

    fn apply_inner(
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
        match kind.as_str() {
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
            Table::Craps(_) => self.craps_action(player, &kind, action, now),
            Table::Blackjack(_) => self.blackjack_action(player, &kind, action, now),
            Table::Poker(_) => self.poker_action(player, &kind, action, now),
        }?;
        if self.card_round_over() {
            events.push(self.end_round(now, "round over", true)?);
        }
        Ok(events)
    }

    /// Draw number for the next roll or shuffle.
    fn next_nonce(&self) -> u64 {
        self.fairness.draws.len() as u64
    }

    /// Records `player`'s client seed (`action["client_seed"]`): after the
    /// commitment (which exists from creation), before the first draw, once
    /// per player.
    fn contribute(&mut self, player: &str, action: &Value, now: u64) -> Result<Event, GameError> {
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
    fn check_anchored(&self) -> Result<(), GameError> {
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
    fn settle_drawn(&mut self, moves: &[ChipMove]) -> Result<(), GameError> {
        self.ledger
            .apply(moves)
            .map_err(|_| GameError::after_draw("settle a draw it had checked it could pay"))
    }

    /// Shuffles `decks` fresh decks with the next draw and records it.
    fn shuffled(&mut self, decks: usize) -> Result<Vec<Card>, GameError> {
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
    fn draw_seeds(&self) -> Result<Seeds, GameError> {
        match self.round_seeds() {
            Some(seeds) => seeds,
            None => self.fairness.seeds(),
        }
    }

    /// Records draw `nonce` (in the current round on a chain game).
    fn record_draw(&mut self, nonce: u64, kind: &str, result: Value) {
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
        self.fairness.draws.push(Draw {
            nonce,
            kind: kind.into(),
            result,
            round,
        });
    }

    fn leave(&mut self, player: &str, now: u64) -> Result<Vec<Event>, GameError> {
        if !self.seats.iter().any(|s| s == player) {
            return Err(GameError::UnknownPlayer(player.to_string()));
        }
        let mut moves = Vec::new();
        match &mut self.table {
            Table::Craps(t) => {
                if t.at_risk(player) > 0 {
                    return Err(RuleError::not_now(format!(
                        "{player} has bets on the layout; take them down or let them be decided first"
                    ))
                    .into());
                }
            }
            // An unplayed bet comes back; a hand in play keeps the seat.
            Table::Blackjack(t) => moves = t.remove_player(player)?,
            Table::Poker(t) => t.leave(player)?,
        }
        self.ledger.apply(&moves)?;
        self.seats.retain(|s| s != player);
        let cashed = self.ledger.cash_out(player)?;
        if let Table::Craps(t) = &mut self.table {
            t.seat_changed(&self.seats);
        }
        let mut events = vec![self.event(
            now,
            "left",
            Some(player),
            json!({ "cashed_out": cashed }),
            moves,
        )];
        if self.seats.is_empty() {
            events.extend(self.finish(now, "everyone left"));
        }
        Ok(events)
    }

    /// Closes the table: every bet still in play goes back to its player,
    /// then the game finishes.
    fn close(&mut self, now: u64) -> Result<Vec<Event>, GameError> {
        let moves: Vec<ChipMove> = match &mut self.table {
            Table::Craps(t) => std::mem::take(&mut t.bets)
                .into_iter()
                .map(|b| ChipMove::Return {
                    player: b.player,
                    amount: b.amount,
                })
                .collect(),
            // With cards in play the round decides who owns those chips, so
            // a card table closes between rounds (or hands) only.
            _ if self.ledger.table > 0 => {
                return Err(RuleError::not_now(
                    "chips are in play: close the table when the round (or hand) is over",
                )
                .into());
            }
            _ => Vec::new(),
        };
        self.ledger.apply(&moves)?;
        let mut events = Vec::new();
        if !moves.is_empty() {
            events.push(self.event(
                now,
                "refunded",
                None,
                json!({ "reason": "table closed" }),
                moves,
            ));
        }
        events.extend(self.finish(now, "closed"));
        Ok(events)
    }

    /// Ends the game and reveals the server seed.
    fn finish(&mut self, now: u64, reason: &str) -> Vec<Event> {
        let mut events = Vec::new();
        // A round with draws in it ends with the game, so its link is revealed.
        if self.round_in_play()
            && let Ok(e) = self.end_round(now, reason, false)
        {
            events.push(e);
        }
        self.status = GameStatus::Finished;
        // A chain game's terminal seed stays secret: its rounds' links
        // are what is revealed.
        let server_seed = match self.fairness.chain {
            Some(_) => Value::Null,
            None => Value::String(self.fairness.server_seed.clone()),
        };
        let data = json!({
            "reason": reason,
            "server_seed": server_seed,
            "balances": self.ledger.players,
            "house": self.ledger.house,
        });
        events.push(self.event(now, "finished", None, data, Vec::new()));
        events
    }

    /// What anyone at the table may see (`viewer` sees their own private state).
    pub fn view(&self, viewer: Option<&str>) -> Value {
        let table = match &self.table {
            Table::Craps(t) => serde_json::to_value(t).unwrap_or(Value::Null),
            Table::Blackjack(t) => serde_json::to_value(t.view()).unwrap_or(Value::Null),
            Table::Poker(t) => serde_json::to_value(t.view(viewer)).unwrap_or(Value::Null),
        };
        json!({
            "id": self.id,
            "game_type": self.game_type,
            "status": self.status,
            "created_at_ms": self.created_at_ms,
            "updated_at_ms": self.updated_at_ms,
            "version": self.version,
            "players": self.seats.iter().map(|p| json!({
                "id": p,
                "balance": self.ledger.balance(p).unwrap_or(0),
            })).collect::<Vec<_>>(),
            "chips_in_play": self.ledger.table,
            "house": self.ledger.house,
            "commitment": self.fairness.commitment,
            "commitment_height": self.fairness.commitment_height(),
            "client_seed": self.fairness.client_seed(),
            "seed_contributions": self.fairness.contributions,
            "table": table,
        })
    }

    /// Records where the validators ordered this game's commitment or
    /// reveal (allowed on finished games too).
    pub fn record_anchor(&mut self, anchor: Anchor, now: u64) -> Event {
        let data = serde_json::to_value(&anchor).unwrap_or(Value::Null);
        self.fairness.anchors.push(anchor);
        self.event(now, "anchored", None, data, Vec::new())
    }

    /// What the validators should order for `what` (`commitment`, `reveal`).
    pub fn anchor_payload(&self, what: &str) -> Value {
        if let (Some(chain), "reveal") = (&self.fairness.chain, what) {
            // A chain game reveals links, never its terminal seed. Each
            // ended round has its own record (link and client seed); the
            // reveal names the last revealed link, which hashes to every
            // earlier one, so its size does not grow with the game (a
            // list of every round would pass the proposal limit after a
            // few hundred rounds).
            let last = chain.rounds.iter().rev().find(|r| r.ended());
            return json!({
                "game_id": self.id,
                "commitment": self.fairness.commitment,
                "rounds_ended": chain.rounds.iter().filter(|r| r.ended()).count(),
                "last_round": last.map(|r| r.round),
                "last_link": last.map(|r| r.link.clone()),
                "draws": self.fairness.draws.len(),
                "balances": self.ledger.players,
            });
        }
        match what {
            "reveal" => json!({
                "game_id": self.id,
                "commitment": self.fairness.commitment,
                "server_seed": self.fairness.server_seed,
                "client_seed": self.fairness.client_seed(),
                "contributions": self.fairness.contributions,
                "draws": self.fairness.draws.len(),
                "balances": self.ledger.players,
            }),
            // No client seed: the commitment is made before any exists.
            _ => json!({
                "game_id": self.id,
                "game_type": self.game_type,
                "commitment": self.fairness.commitment,
            }),
        }
    }

    /// Whether round `r`'s revealed link has its anchor.
    pub fn has_round_anchor(&self, r: u64) -> bool {
        self.fairness
            .anchors
            .iter()
            .any(|a| a.what == "round" && a.round == Some(r))
    }

    /// Ended rounds whose link is not anchored yet.
    pub fn unanchored_rounds(&self) -> Vec<u64> {
        self.fairness
            .chain
            .as_ref()
            .map(|c| {
                c.rounds
                    .iter()
                    .filter(|r| r.ended() && !self.has_round_anchor(r.round))
                    .map(|r| r.round)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// What the validators order when round `r` has ended: its link, which
    /// anyone can chain to the commitment, and its client seed.
    pub fn round_anchor_payload(&self, r: u64) -> Value {
        let round = self
            .fairness
            .chain
            .as_ref()
            .and_then(|c| c.rounds.get(r.saturating_sub(1) as usize))
            .filter(|x| x.ended());
        json!({
            "game_id": self.id,
            "commitment": self.fairness.commitment,
            "round": r,
            "link": round.map(|x| x.link.clone()),
            "client_seed": round.map(|x| x.client_seed()),
            "draws": round.map(|x| x.draws),
        })
    }

    pub fn has_anchor(&self, what: &str) -> bool {
        self.fairness.anchors.iter().any(|a| a.what == what)
    }

    /// Everything a player needs to recompute every roll and card.
    pub fn proof(&self) -> Value {
        if let Some(chain) = &self.fairness.chain {
            return self.chain_proof(chain);
        }
        let revealed = self.status == GameStatus::Finished;
        let legacy = self.fairness.legacy_client_seed.is_some();
        json!({
            "game_id": self.id,
            "commitment": self.fairness.commitment,
            "commitment_height": self.fairness.commitment_height(),
            "server_seed": if revealed { Value::String(self.fairness.server_seed.clone()) } else { Value::Null },
            "seed_scheme": if legacy { "legacy" } else { "contributions" },
            "contributions": self.fairness.contributions,
            "client_seed": self.fairness.client_seed(),
            "anchors": self.fairness.anchors,
            "derivation": "client_seed = hex(SHA-256(for each contribution in order: u32be(len(player)) || player || u32be(len(client_seed)) || client_seed)) (legacy games: the seed set at creation); block(round) = HMAC-SHA256(key = server_seed bytes, message = \"{client_seed}:{nonce}:{round}\"); dice: next byte b < 252 -> b % 6 + 1, twice; shuffle: Fisher-Yates with 4-byte big-endian rejection-sampled indices; no draw before the commitment is in a committed block (commitment_height)",
            "draws": self.fairness.draws.iter().map(|d| {
                if d.kind == "dice" || revealed {
                    serde_json::to_value(d).unwrap_or(Value::Null)
                } else {
                    json!({ "nonce": d.nonce, "kind": d.kind, "result": "revealed when the game finishes" })
                }
            }).collect::<Vec<_>>(),
        })
    }
}

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
mod tests {
    use super::*;

    fn craps(players: &[(&str, Chips)]) -> Game {
        let req = CreateGame {
            game_type: GameType::Craps,
            players: players
                .iter()
                .map(|(id, b)| PlayerBuyIn {
                    id: id.to_string(),
                    buy_in: *b,
                })
                .collect(),
            config: json!({ "min_bet": 5, "max_bet": 100 }),
            client_seed: None,
        };
        let mut g = anchored(
            Game::create("g1".into(), &req, [9u8; 32], 1000, 8)
                .unwrap()
                .0,
        );
        let first = g.seats[0].clone();
        g.apply(
            &first,
            &json!({"type": "seed", "client_seed": "lucky"}),
            1000,
        )
        .unwrap();
        g
    }

    #[test]
    fn rolls_use_the_committed_seed_and_move_chips_through_the_ledger() {
        let mut g = craps(&[("alice", 100), ("bob", 100)]);
        g.apply(
            "alice",
            &json!({"type": "bet", "bet": "pass", "amount": 10}),
            2000,
        )
        .unwrap();
        g.apply(
            "bob",
            &json!({"type": "bet", "bet": "field", "amount": 20}),
            2000,
        )
        .unwrap();
        assert_eq!(g.ledger.table, 30);
        let events = g.apply("alice", &json!({"type": "roll"}), 3000).unwrap();
        assert_eq!(events[0].kind, "rolled");
        let seeds = Seeds {
            server_seed: [9u8; 32],
            client_seed: mix([("alice", "lucky")]),
        };
        let (a, b) = seeds.dice(0);
        assert_eq!(g.fairness.draws[0].result, json!([a, b]));
        assert!(g.ledger.conserved());
        // created, anchored, seeded, two bets, the roll.
        assert_eq!(g.version, 6);
        let proof = g.proof();
        assert_eq!(proof["server_seed"], Value::Null, "not revealed while open");
    }

    #[test]
    fn refused_actions_change_nothing() {
        let mut g = craps(&[("alice", 100), ("bob", 100)]);
        let before = g.clone();
        for (who, action) in [
            ("bob", json!({"type": "roll"})),
            (
                "alice",
                json!({"type": "bet", "bet": "pass", "amount": 1000}),
            ),
            ("alice", json!({"type": "bet", "bet": "pass", "amount": 3})),
            ("alice", json!({"type": "bet", "bet": "come", "amount": 10})),
            (
                "alice",
                json!({"type": "bet", "bet": "nonsense", "amount": 10}),
            ),
            ("alice", json!({"type": "dance"})),
            ("alice", json!({"nope": 1})),
            ("carol", json!({"type": "bet", "bet": "pass", "amount": 10})),
        ] {
            assert!(g.apply(who, &action, 5).is_err(), "{action}");
            assert_eq!(g, before, "{action} changed the game");
        }
        // Not enough chips: the table accepted the bet, the ledger refused it,
        // and neither kept anything.
        let mut poor = craps(&[("alice", 7)]);
        let before = poor.clone();
        let err = poor
            .apply(
                "alice",
                &json!({"type": "bet", "bet": "pass", "amount": 10}),
                5,
            )
            .unwrap_err();
        assert!(matches!(
            err,
            GameError::Ledger(LedgerError::Insufficient { .. })
        ));
        assert_eq!(poor, before);
    }

    #[test]
    fn leaving_cashes_out_and_the_last_one_out_reveals_the_seed() {
        let mut g = craps(&[("alice", 100)]);
        g.apply(
            "alice",
            &json!({"type": "bet", "bet": "place_6", "amount": 12}),
            1,
        )
        .unwrap();
        assert!(
            g.apply("alice", &json!({"type": "leave"}), 2).is_err(),
            "bets on the layout"
        );
        g.apply("alice", &json!({"type": "remove", "bet": "place_6"}), 3)
            .unwrap();
        g.apply("bob", &json!({"type": "join", "buy_in": 50}), 4)
            .unwrap();
        g.apply("alice", &json!({"type": "leave"}), 5).unwrap();
        let events = g.apply("bob", &json!({"type": "leave"}), 6).unwrap();
        assert_eq!(events.last().unwrap().kind, "finished");
        assert_eq!(g.status, GameStatus::Finished);
        assert_eq!(g.proof()["server_seed"], json!(hex::encode([9u8; 32])));
        assert!(g.ledger.conserved());
        assert!(matches!(
            g.apply("bob", &json!({"type": "join", "buy_in": 5}), 7),
            Err(GameError::Finished)
        ));
    }

    #[test]
    fn seat_limits_and_ids_are_checked() {
        let req = CreateGame {
            game_type: GameType::Craps,
            players: (0..3)
                .map(|i| PlayerBuyIn {
                    id: format!("p{i}"),
                    buy_in: 10,
                })
                .collect(),
            config: Value::Null,
            client_seed: None,
        };
        assert!(matches!(
            Game::create("g".into(), &req, [1; 32], 0, 2),
            Err(GameError::Full(2))
        ));
        let mut g = Game::create("g".into(), &req, [1; 32], 0, 3).unwrap().0;
        assert!(matches!(
            g.apply("p9", &json!({"type": "join", "buy_in": 5}), 1),
            Err(GameError::Full(3))
        ));
        let bad = CreateGame {
            players: vec![PlayerBuyIn {
                id: "a b".into(),
                buy_in: 1,
            }],
            ..req
        };
        assert!(Game::create("g".into(), &bad, [1; 32], 0, 3).is_err());
    }
}

#[cfg(test)]
mod round_tests;
