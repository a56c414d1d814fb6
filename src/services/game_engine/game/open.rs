//! A table's life: opening it (the commitment, the seats, the buy-ins),
//! seating players, leaving, closing and finishing.

use serde_json::{Value, json};

use super::*;

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
    /// Every new game is on a seed chain whose terminal seed is
    /// `server_seed`: of [`CHAIN_LENGTH`] links, or of the config's
    /// `chain_length` (1 to [`MAX_CHAIN_LENGTH`]) for a table meant to
    /// play more rounds on one commitment.
    pub fn open(
        id: String,
        req: &CreateGame,
        server_seed: [u8; 32],
        now_ms: u64,
        max_players: u32,
        bankroll: Chips,
    ) -> Result<(Game, Event), GameError> {
        let length = match req.config.get("chain_length") {
            None => CHAIN_LENGTH,
            Some(v) => v
                .as_u64()
                .filter(|l| (1..=MAX_CHAIN_LENGTH).contains(l))
                .ok_or_else(|| {
                    GameError::BadRequest(format!(
                        "config: chain_length must be a whole number from 1 to {MAX_CHAIN_LENGTH}"
                    ))
                })?,
        };
        Game::open_with(
            id,
            req,
            server_seed,
            now_ms,
            max_players,
            bankroll,
            Some(length),
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
                    Some(l) => {
                        crate::services::game_engine::fairness::chain_link(&server_seed, l, 0)
                    }
                    None => crate::services::game_engine::fairness::commitment(&server_seed),
                }),
                legacy_client_seed: None,
                contributions: Vec::new(),
                draws: Default::default(),
                anchors: Default::default(),
                chain: chain_length.map(|length| SeedChain {
                    length,
                    rounds: Default::default(),
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

    pub(super) fn seat(&mut self, player: &str, buy_in: Chips) -> Result<(), GameError> {
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

    pub(super) fn leave(&mut self, player: &str, now: u64) -> Result<Vec<Event>, GameError> {
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
    pub(super) fn close(&mut self, now: u64) -> Result<Vec<Event>, GameError> {
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
    pub(super) fn finish(&mut self, now: u64, reason: &str) -> Vec<Event> {
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
}
