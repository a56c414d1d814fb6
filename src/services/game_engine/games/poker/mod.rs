//! No-limit Texas hold'em (pure): seats, the button and blinds, betting
//! rounds, the board, side pots and the showdown. No IO, no clock, no
//! randomness: the caller shuffles a 52-card deck for each hand. Chips are
//! not held here: stacks live in the caller's ledger, the table reads them
//! where it needs them and answers with [`ChipMove`]s (`Stake` for blinds,
//! calls, bets and raises; `Return` for pots won and uncalled bets; never
//! `Pay` or `Collect`: there is no house and no rake).
//!
//! Rule choices:
//! - Table stakes: a player plays a hand with the stack they had when it
//!   started. `act` also checks the caller's ledger can pay the stake.
//! - Dealing: hole cards one at a time starting left of the button; one
//!   card is burned before the flop, the turn and the river.
//! - The button moves to the next seated player with chips each hand (no
//!   dead button, no missed blinds). Heads-up the button posts the small
//!   blind, acts first preflop and last after the flop.
//! - A blind that cannot be covered is posted all-in; the price to call
//!   preflop is the larger blind actually posted.
//! - A raise smaller than a full raise (only possible all-in) does not
//!   reopen the betting for players who already acted; several short
//!   all-ins that add up to a full raise do (TDA rule).
//! - Betting or raising when nobody left could call is refused.
//! - `sit` works any time (the player is dealt in from the next hand);
//!   `leave` during a hand is refused unless the player has folded or was
//!   not dealt in. A folded player who leaves keeps their chips in the pot.
//! - Ties split equally; the odd chips go to the first tied winner
//!   clockwise from the button. Uncalled chips go back before pots are built.

mod betting;
mod pots;
#[cfg(test)]
mod table_tests;
#[cfg(test)]
mod tests;
mod view;

pub use pots::{Award, Share};
pub use view::{PokerView, PotView, SeatStatus, SeatView};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::cards::Card;
use super::{ChipMove, Chips, RuleError};

/// Most players one deck serves comfortably (and the table allows).
pub const MAX_SEATS: usize = 10;

/// Blinds and seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PokerConfig {
    pub small_blind: Chips,
    pub big_blind: Chips,
    pub max_seats: usize,
}

impl Default for PokerConfig {
    fn default() -> Self {
        PokerConfig {
            small_blind: 1,
            big_blind: 2,
            max_seats: 9,
        }
    }
}

impl PokerConfig {
    pub fn validate(&self) -> Result<(), RuleError> {
        if self.small_blind == 0 {
            return Err(RuleError::invalid("small_blind must be at least 1"));
        }
        if self.big_blind < self.small_blind {
            return Err(RuleError::invalid(format!(
                "big_blind {} must be at least small_blind {}",
                self.big_blind, self.small_blind
            )));
        }
        if !(2..=MAX_SEATS).contains(&self.max_seats) {
            return Err(RuleError::invalid(format!(
                "max_seats {} must be from 2 to {MAX_SEATS}",
                self.max_seats
            )));
        }
        Ok(())
    }
}

/// What the player to act does. `Bet { amount }` opens a round;
/// `Raise { to }` names the player's total bet for the round after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PokerAction {
    Fold,
    Check,
    Call,
    Bet { amount: Chips },
    Raise { to: Chips },
    AllIn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Street {
    Preflop,
    Flop,
    Turn,
    River,
    Showdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Blind {
    Small,
    Big,
}

/// Something that happened, in order. Hole cards appear only at showdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PokerEvent {
    HandStarted {
        hand: u64,
        button: String,
        /// Dealt in, clockwise from the left of the button.
        players: Vec<String>,
    },
    BlindPosted {
        player: String,
        blind: Blind,
        amount: Chips,
        all_in: bool,
    },
    HoleCardsDealt {
        players: Vec<String>,
    },
    BoardDealt {
        street: Street,
        cards: Vec<Card>,
    },
    /// `action` is as applied: an `all_in` becomes the call, bet or raise
    /// it was. `bet` is the player's total bet this round after it.
    Acted {
        player: String,
        action: PokerAction,
        staked: Chips,
        bet: Chips,
        all_in: bool,
    },
    UncalledReturned {
        player: String,
        amount: Chips,
    },
    Showdown {
        player: String,
        cards: [Card; 2],
        hand: String,
    },
    PotAwarded(Award),
    HandEnded {
        hand: u64,
    },
}

/// What a call to the table did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub moves: Vec<ChipMove>,
    pub events: Vec<PokerEvent>,
    /// Whose turn it is now (None once the hand is over).
    pub to_act: Option<String>,
    pub hand_over: bool,
    /// At hand end: players left with no chips. The caller removes them.
    pub busted: Vec<String>,
}

/// A player dealt into the current hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct InHand {
    player: String,
    hole: [Card; 2],
    /// Chips behind (not yet bet) this hand.
    stack: Chips,
    /// Bet this round.
    bet: Chips,
    /// Total put in this hand.
    contributed: Chips,
    folded: bool,
    /// The round's highest bet when this player last acted; None if they
    /// have not acted this round.
    acted_at: Option<Chips>,
    /// Chips won (pots) at the end.
    won: Chips,
    /// Showdown hand text.
    shown: Option<String>,
}

impl InHand {
    fn can_act(&self) -> bool {
        !self.folded && self.stack > 0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Hand {
    number: u64,
    big_blind: Chips,
    /// Clockwise from the left of the button; the button is last.
    players: Vec<InHand>,
    /// The five board cards in deal order, revealed `board_len` at a time.
    runout: Vec<Card>,
    board_len: usize,
    street: Street,
    current_bet: Chips,
    /// The last full raise increment this round (at least the big blind).
    min_raise: Chips,
    to_act: Option<usize>,
    over: bool,
    awards: Vec<Award>,
}

/// The table: seats in join order and the current (or last) hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PokerTable {
    pub config: PokerConfig,
    seats: Vec<String>,
    /// Seat index of the last button; the next one is the first seat
    /// after it with chips.
    button: Option<usize>,
    hands_played: u64,
    hand: Option<Hand>,
}

impl PokerTable {
    pub fn new(config: PokerConfig) -> PokerTable {
        PokerTable {
            config,
            seats: Vec::new(),
            button: None,
            hands_played: 0,
            hand: None,
        }
    }

    /// Seated players in join order.
    pub fn seats(&self) -> &[String] {
        &self.seats
    }

    pub fn hand_in_progress(&self) -> bool {
        self.hand.as_ref().is_some_and(|h| !h.over)
    }

    /// Whose turn it is.
    pub fn to_act(&self) -> Option<&str> {
        let h = self.hand.as_ref().filter(|h| !h.over)?;
        h.to_act
            .and_then(|i| h.players.get(i))
            .map(|p| p.player.as_str())
    }

    /// Chips staked in the current hand and not yet returned.
    pub fn chips_in_play(&self) -> Chips {
        match &self.hand {
            Some(h) if !h.over => h.players.iter().map(|p| p.contributed).sum(),
            _ => 0,
        }
    }

    /// Takes a seat (the last one); dealt in from the next hand.
    pub fn sit(&mut self, player: &str) -> Result<(), RuleError> {
        if player.trim().is_empty() {
            return Err(RuleError::invalid("a player needs a name"));
        }
        if self.seats.iter().any(|s| s == player) {
            return Err(RuleError::not_now(format!("{player} is already seated")));
        }
        if self.seats.len() >= self.config.max_seats.min(MAX_SEATS) {
            return Err(RuleError::not_now(format!(
                "the table is full ({} seats)",
                self.seats.len()
            )));
        }
        self.seats.push(player.to_string());
        Ok(())
    }

    /// Leaves the table: between hands, or during one after folding.
    pub fn leave(&mut self, player: &str) -> Result<(), RuleError> {
        let i = self
            .seats
            .iter()
            .position(|s| s == player)
            .ok_or_else(|| RuleError::not_now(format!("{player} is not seated")))?;
        if let Some(h) = self.hand.as_ref().filter(|h| !h.over)
            && h.players.iter().any(|p| p.player == player && !p.folded)
        {
            return Err(RuleError::not_now(format!(
                "{player} is in the hand: fold first, or leave when it ends"
            )));
        }
        self.seats.remove(i);
        self.button = match self.button {
            Some(b) if i < b => Some(b - 1),
            // The next button is the player who moved into seat `i`.
            Some(b) if i == b => i.checked_sub(1),
            b => b,
        }
        .filter(|_| !self.seats.is_empty());
        Ok(())
    }

    /// Whether a hand may start with these stacks (no change made). The
    /// caller checks this before it shuffles, so that a hand that cannot
    /// start never draws a deck.
    pub fn check_start(&self, stacks: &BTreeMap<String, Chips>) -> Result<(), RuleError> {
        self.deal_order(stacks).map(|_| ())
    }

    /// The seats dealt in, the button first; or why no hand can start.
    fn deal_order(&self, stacks: &BTreeMap<String, Chips>) -> Result<Vec<usize>, RuleError> {
        self.config.validate()?;
        if self.hand_in_progress() {
            return Err(RuleError::not_now("a hand is in progress"));
        }
        let n = self.seats.len();
        let start = self.button.map_or(0, |b| b % n.max(1) + 1);
        let stack_of = |p: &str| stacks.get(p).copied().unwrap_or(0);
        let order: Vec<usize> = (0..n)
            .map(|k| (start + k) % n)
            .filter(|&s| self.seats.get(s).is_some_and(|p| stack_of(p) > 0))
            .collect();
        if order.len() < 2 {
            return Err(RuleError::not_now(
                "a hand needs at least two seated players with chips",
            ));
        }
        if order.len() > self.config.max_seats {
            return Err(RuleError::not_now(format!(
                "{} players with chips but only {} seats",
                order.len(),
                self.config.max_seats
            )));
        }
        let total = order
            .iter()
            .filter_map(|&s| self.seats.get(s))
            .try_fold(0 as Chips, |t, p| t.checked_add(stack_of(p)));
        if total.is_none() {
            return Err(RuleError::invalid("the stacks add up to too many chips"));
        }
        Ok(order)
    }

    /// Starts a hand with a shuffled deck and the players' stacks.
    pub fn start_hand(
        &mut self,
        deck: Vec<Card>,
        stacks: &BTreeMap<String, Chips>,
    ) -> Result<Outcome, RuleError> {
        let order = self.deal_order(stacks)?;
        check_deck(&deck)?;
        let stack_of = |p: &str| stacks.get(p).copied().unwrap_or(0);
        // The button is the first seat with chips; deal from its left.
        let button_seat = order[0];
        let k = order.len();
        let card = |i: usize| {
            deck.get(i)
                .copied()
                .ok_or_else(|| RuleError::invalid("the deck is too short"))
        };
        let mut players = Vec::with_capacity(k);
        for (j, &s) in order.iter().cycle().skip(1).take(k).enumerate() {
            let player = self.seats.get(s).cloned().unwrap_or_default();
            players.push(InHand {
                stack: stack_of(&player),
                player,
                hole: [card(j)?, card(k + j)?],
                bet: 0,
                contributed: 0,
                folded: false,
                acted_at: None,
                won: 0,
                shown: None,
            });
        }
        // Burn, flop, burn, turn, burn, river.
        let b = 2 * k;
        let runout = [b + 1, b + 2, b + 3, b + 5, b + 7]
            .into_iter()
            .map(card)
            .collect::<Result<Vec<_>, _>>()?;

        let mut hand = Hand {
            number: self.hands_played + 1,
            big_blind: self.config.big_blind,
            players,
            runout,
            board_len: 0,
            street: Street::Preflop,
            current_bet: 0,
            min_raise: self.config.big_blind,
            to_act: None,
            over: false,
            awards: Vec::new(),
        };
        let mut out = Outcome::default();
        out.events.push(PokerEvent::HandStarted {
            hand: hand.number,
            button: hand
                .players
                .last()
                .map(|p| p.player.clone())
                .unwrap_or_default(),
            players: hand.players.iter().map(|p| p.player.clone()).collect(),
        });
        let (sb, bb) = if k == 2 { (1, 0) } else { (0, 1) };
        for (i, blind, amount) in [
            (sb, Blind::Small, self.config.small_blind),
            (bb, Blind::Big, self.config.big_blind),
        ] {
            let Some(p) = hand.players.get_mut(i) else {
                continue;
            };
            let posted = amount.min(p.stack);
            p.stack -= posted;
            p.bet = posted;
            p.contributed = posted;
            hand.current_bet = hand.current_bet.max(posted);
            out.moves.push(ChipMove::Stake {
                player: p.player.clone(),
                amount: posted,
            });
            out.events.push(PokerEvent::BlindPosted {
                player: p.player.clone(),
                blind,
                amount: posted,
                all_in: p.stack == 0,
            });
        }
        out.events.push(PokerEvent::HoleCardsDealt {
            players: hand.players.iter().map(|p| p.player.clone()).collect(),
        });
        hand.advance(bb, &mut out);
        out.busted.retain(|p| self.seats.contains(p));
        self.button = Some(button_seat);
        self.hands_played = hand.number;
        self.hand = Some(hand);
        Ok(out)
    }

    /// The player to act acts. Refused actions change nothing.
    pub fn act(
        &mut self,
        player: &str,
        action: PokerAction,
        stacks: &BTreeMap<String, Chips>,
    ) -> Result<Outcome, RuleError> {
        let Some(hand) = self.hand.as_mut().filter(|h| !h.over) else {
            return Err(RuleError::not_now("no hand is in progress"));
        };
        let i = hand
            .players
            .iter()
            .position(|p| p.player == player)
            .ok_or_else(|| RuleError::not_now(format!("{player} is not in this hand")))?;
        match hand
            .to_act
            .and_then(|t| hand.players.get(t).map(|p| (t, p)))
        {
            Some((t, _)) if t == i => {}
            Some((_, p)) => {
                return Err(RuleError::not_now(format!("it is {}'s turn", p.player)));
            }
            None => return Err(RuleError::not_now("nobody is to act")),
        }
        let plan = hand.plan(i, action)?;
        let balance = stacks.get(player).copied().unwrap_or(0);
        if plan.stake > balance {
            return Err(RuleError::invalid(format!(
                "{player} has {balance} chips; this needs {}",
                plan.stake
            )));
        }
        let mut out = Outcome::default();
        hand.apply(i, plan, &mut out);
        hand.advance(i, &mut out);
        // A player who folded and left is no longer the caller's to remove.
        out.busted.retain(|p| self.seats.contains(p));
        Ok(out)
    }

    /// The table as `viewer` may see it (None: a spectator).
    pub fn view(&self, viewer: Option<&str>) -> PokerView {
        view::view(self, viewer)
    }
}

/// 52 distinct cards.
fn check_deck(deck: &[Card]) -> Result<(), RuleError> {
    if deck.len() != 52 {
        return Err(RuleError::invalid(format!(
            "the deck has {} cards, not 52",
            deck.len()
        )));
    }
    let mut seen = 0u64;
    for c in deck {
        let bit = 1u64 << c.index().min(63);
        if seen & bit != 0 {
            return Err(RuleError::invalid(format!("the deck has {c} twice")));
        }
        seen |= bit;
    }
    Ok(())
}
