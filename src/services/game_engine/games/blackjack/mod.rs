//! A blackjack table (pure): US rules with a hole card and a peek, 3:2
//! blackjacks, insurance, doubling, splitting to `max_hands`, optional late
//! surrender, and a shoe with a cut card. Chips are not held here: every
//! action says which chips move and the game's ledger moves them. Cards
//! come in as a shuffled shoe from the caller; nothing here is random.
//!
//! Rule choices: any two ten-value cards (10, J, Q, K) are a pair and may be
//! split; aces are split once and get one card each; a split hand gets its
//! second card at once; a hand reaching 21 stands by itself; the dealer
//! peeks with an ace or a ten up, so a dealer blackjack takes only the
//! original bets; a seat may take insurance only for a bet of 2 chips or
//! more (half the bet must be a whole chip). If the shoe runs out mid-round
//! (only possible with a very low `reshuffle_at`), the round is void and
//! every stake still on the table goes back.

mod hand;
mod play;
mod rules;
#[cfg(test)]
mod strategy;
#[cfg(test)]
mod tests;
mod view;

use serde::{Deserialize, Serialize};

pub use hand::{HandOutcome, HandStatus, Total, card_value, total};
pub use rules::{
    BlackjackAction, BlackjackConfig, CardDealt, CardTo, HandResult, InsuranceResult,
    InsuranceState, MAX_BET_LIMIT, MIN_RESHUFFLE_AT, Outcome, Phase,
};
pub use view::{BlackjackView, DealerView, HandView, SeatView, TurnView};

use super::cards::Card;
use super::{ChipMove, Chips, RuleError};
use hand::{Hand, is_natural, settle_moves};

/// The shoe ran dry mid-round.
struct ShoeEmpty;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Seat {
    player: String,
    /// Bet placed for the next round (0: none yet).
    bet: Chips,
    in_round: bool,
    insurance: InsuranceState,
    /// This round's hands (the last round's, between rounds).
    hands: Vec<Hand>,
}

/// The table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlackjackTable {
    config: BlackjackConfig,
    phase: Phase,
    round: u64,
    /// Undealt cards, the next one last.
    shoe: Vec<Card>,
    seats: Vec<Seat>,
    dealer: Vec<Card>,
    hole_revealed: bool,
    /// (seat index, hand index) to act.
    turn: Option<(usize, usize)>,
}

fn stake(player: &str, amount: Chips) -> ChipMove {
    ChipMove::Stake {
        player: player.to_string(),
        amount,
    }
}

impl BlackjackTable {
    pub fn new(config: BlackjackConfig) -> Result<BlackjackTable, RuleError> {
        config.validate()?;
        Ok(BlackjackTable {
            config,
            phase: Phase::Betting,
            round: 0,
            shoe: Vec::new(),
            seats: Vec::new(),
            dealer: Vec::new(),
            hole_revealed: false,
            turn: None,
        })
    }

    pub fn config(&self) -> &BlackjackConfig {
        &self.config
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Cards left in the shoe.
    pub fn shoe_remaining(&self) -> usize {
        self.shoe.len()
    }

    /// The cut card is out (or no shoe was loaded): load a new shoe before
    /// the next deal. A round in play is always finished first.
    pub fn needs_shuffle(&self) -> bool {
        self.shoe.len() < self.config.reshuffle_at as usize
    }

    /// Replaces the shoe between rounds with `cards`, freshly shuffled:
    /// exactly `decks` full decks, dealt from the first card on.
    pub fn load_shoe(&mut self, mut cards: Vec<Card>) -> Result<(), RuleError> {
        if self.phase != Phase::Betting {
            return Err(RuleError::not_now(
                "the shoe can only be changed between rounds",
            ));
        }
        let size = self.config.shoe_size();
        if cards.len() != size {
            return Err(RuleError::invalid(format!(
                "a {}-deck shoe has {size} cards, not {}",
                self.config.decks,
                cards.len()
            )));
        }
        let mut counts = [0usize; 52];
        for c in &cards {
            counts[usize::from(c.index())] += 1;
        }
        if let Some(i) = counts
            .iter()
            .position(|n| *n != usize::from(self.config.decks))
        {
            let card = Card::from_index(i as u8)
                .map(|c| c.to_string())
                .unwrap_or_default();
            return Err(RuleError::invalid(format!(
                "the shoe has {} of {card}; {} full decks have {}",
                counts[i], self.config.decks, self.config.decks
            )));
        }
        cards.reverse();
        self.shoe = cards;
        Ok(())
    }

    fn seat_of(&self, player: &str) -> Option<usize> {
        self.seats.iter().position(|s| s.player == player)
    }

    /// Places `player`'s bet for the next round, taking a free seat if the
    /// player has none at this table.
    pub fn bet(&mut self, player: &str, amount: Chips) -> Result<Vec<ChipMove>, RuleError> {
        if self.phase != Phase::Betting {
            return Err(RuleError::not_now(
                "a round is being played; bets for the next round open when it ends",
            ));
        }
        if amount < self.config.min_bet {
            return Err(RuleError::invalid(format!(
                "the table minimum is {} chips",
                self.config.min_bet
            )));
        }
        if amount > self.config.max_bet {
            return Err(RuleError::invalid(format!(
                "the table maximum is {} chips",
                self.config.max_bet
            )));
        }
        match self.seat_of(player) {
            Some(i) if self.seats[i].bet > 0 => Err(RuleError::not_now(format!(
                "you already bet {} chips on this round",
                self.seats[i].bet
            ))),
            Some(i) => {
                self.seats[i].bet = amount;
                Ok(vec![stake(player, amount)])
            }
            None if self.seats.len() >= usize::from(self.config.seats) => Err(RuleError::not_now(
                format!("all {} seats are taken", self.config.seats),
            )),
            None => {
                self.seats.push(Seat {
                    player: player.to_string(),
                    bet: amount,
                    in_round: false,
                    insurance: InsuranceState::NotOffered,
                    hands: Vec::new(),
                });
                Ok(vec![stake(player, amount)])
            }
        }
    }

    /// Frees `player`'s seat, returning an unplayed bet. Mid-round only a
    /// player with no hand in the round may leave.
    pub fn remove_player(&mut self, player: &str) -> Result<Vec<ChipMove>, RuleError> {
        let Some(i) = self.seat_of(player) else {
            return Ok(Vec::new());
        };
        if self.phase != Phase::Betting && self.seats[i].in_round {
            return Err(RuleError::not_now(
                "you have hands in play: you can leave when the round ends",
            ));
        }
        let seat = self.seats.remove(i);
        if self.phase == Phase::PlayerTurns {
            // Seats after this one moved down.
            self.turn = self.find_turn();
        }
        Ok(settle_moves(player, (seat.bet, 0, 0)))
    }

    /// The most one seat's bet of `bet` can win in the round it is dealt:
    /// `max_hands` hands made by splitting, each doubled when the table
    /// allows doubling after a split, all winning; and never less than a
    /// doubled win (2x the bet). A blackjack (3:2, rounded as in
    /// [`HandOutcome::chips`]) pays less than a doubled win, and insurance
    /// (2:1 on at most half the bet) is paid only when the dealer has a
    /// blackjack, when the seat's hands win nothing: both stay below it.
    pub fn max_win(&self, bet: Chips) -> u128 {
        let per_hand: u128 = if self.config.double_after_split { 2 } else { 1 };
        let multiple = (u128::from(self.config.max_hands) * per_hand).max(2);
        u128::from(bet) * multiple
    }

    /// The most the house can pay over the bets waiting for the next round
    /// and the round being played ([`max_win`](Self::max_win) of each
    /// seat's original bet).
    pub fn worst_case_payout(&self) -> u128 {
        self.seats
            .iter()
            .map(|s| {
                let playing = match s.hands.first() {
                    Some(h) if s.in_round => {
                        self.max_win(if h.doubled { h.bet / 2 } else { h.bet })
                    }
                    _ => 0,
                };
                self.max_win(s.bet) + playing
            })
            .sum()
    }

    /// The chips `player` must add for `action` (the bet again for a double
    /// or a split of the hand whose turn it is, the amount of insurance
    /// while it is offered), so that the caller checks the balance before
    /// any card comes out. 0 when the action adds nothing or is not legal
    /// now (then [`act`](Self::act) refuses it).
    pub fn extra_stake(&self, player: &str, action: BlackjackAction) -> Chips {
        let Some(i) = self.seat_of(player) else {
            return 0;
        };
        match action {
            BlackjackAction::Insurance { amount }
                if self.phase == Phase::Insurance
                    && self.seats[i].insurance == InsuranceState::Pending =>
            {
                amount
            }
            BlackjackAction::Double | BlackjackAction::Split
                if self.phase == Phase::PlayerTurns =>
            {
                match self.turn {
                    Some((ti, tj)) if ti == i => self.seats[i].hands.get(tj).map_or(0, |h| h.bet),
                    _ => 0,
                }
            }
            _ => 0,
        }
    }

    /// Whether `player` may deal now (no change made); the shoe is
    /// checked by [`deal`](Self::deal).
    pub fn check_deal(&self, player: &str) -> Result<(), RuleError> {
        if self.phase != Phase::Betting {
            return Err(RuleError::not_now("a round is already being played"));
        }
        if self.seat_of(player).is_none() {
            return Err(RuleError::not_now("bet first to take a seat at this table"));
        }
        if self.seats.iter().all(|s| s.bet == 0) {
            return Err(RuleError::not_now("nobody has bet on this round yet"));
        }
        Ok(())
    }

    /// Deals a round to every seat with a bet. Any seated player may deal.
    pub fn deal(&mut self, player: &str) -> Result<Outcome, RuleError> {
        self.check_deal(player)?;
        if self.needs_shuffle() {
            return Err(RuleError::not_now(format!(
                "the shoe needs shuffling ({} cards left, the cut card is at {}): load a new shoe first",
                self.shoe.len(),
                self.config.reshuffle_at
            )));
        }
        let mut out = Outcome::default();
        self.round += 1;
        self.dealer.clear();
        self.hole_revealed = false;
        self.turn = None;
        for s in &mut self.seats {
            s.in_round = s.bet > 0;
            s.hands = if s.in_round {
                vec![Hand::new(s.bet)]
            } else {
                Vec::new()
            };
            s.bet = 0;
            s.insurance = InsuranceState::NotOffered;
        }
        if self.deal_round(&mut out).is_err() {
            self.void_round(&mut out);
        }
        Ok(out)
    }

    fn deal_round(&mut self, out: &mut Outcome) -> Result<(), ShoeEmpty> {
        let playing: Vec<usize> = (0..self.seats.len())
            .filter(|&i| self.seats[i].in_round)
            .collect();
        for _ in 0..2 {
            for &i in &playing {
                self.draw_to(i, 0, out)?;
            }
            let card = self.draw()?;
            if self.dealer.is_empty() {
                out.dealt.push(CardDealt {
                    to: CardTo::Dealer,
                    card,
                });
            }
            self.dealer.push(card);
        }
        for &i in &playing {
            if let Some(h) = self.seats[i].hands.first_mut()
                && is_natural(&h.cards)
            {
                h.status = HandStatus::Blackjack;
            }
        }
        if self.dealer.first().is_some_and(|c| hand::is_ace(*c)) {
            for &i in &playing {
                let s = &mut self.seats[i];
                if s.hands.first().is_some_and(|h| h.bet >= 2) {
                    s.insurance = InsuranceState::Pending;
                }
            }
            if self
                .seats
                .iter()
                .any(|s| s.insurance == InsuranceState::Pending)
            {
                self.phase = Phase::Insurance;
                return Ok(());
            }
        }
        self.peek(out)
    }

    fn draw(&mut self) -> Result<Card, ShoeEmpty> {
        self.shoe.pop().ok_or(ShoeEmpty)
    }

    /// Deals a card to a seat's hand.
    fn draw_to(&mut self, seat: usize, hand: usize, out: &mut Outcome) -> Result<(), ShoeEmpty> {
        let card = self.draw()?;
        let s = &mut self.seats[seat];
        if let Some(h) = s.hands.get_mut(hand) {
            h.cards.push(card);
        }
        out.dealt.push(CardDealt {
            to: CardTo::Player {
                player: s.player.clone(),
                hand,
            },
            card,
        });
        Ok(())
    }

    /// Test hook: rearranges every card no player has seen (the undealt
    /// shoe, and the hole card while the dealer has not peeked at it), as
    /// a different shuffle would have. Used to check that whether an
    /// action is accepted never depends on cards still hidden.
    #[cfg(test)]
    pub fn permute_unseen(&mut self, seed: u64) {
        let mut x = seed | 1;
        let mut next = |m: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % m as u64) as usize
        };
        for i in (1..self.shoe.len()).rev() {
            let j = next(i + 1);
            self.shoe.swap(i, j);
        }
        // The dealer peeks with an ace or a ten up (after insurance): once
        // play has started the hole card is known not to make a blackjack.
        let peeked = self.phase == Phase::PlayerTurns
            && self.dealer.first().is_some_and(|c| card_value(*c) >= 10);
        if !self.hole_revealed && !peeked && self.dealer.len() == 2 && !self.shoe.is_empty() {
            let j = next(self.shoe.len());
            std::mem::swap(&mut self.dealer[1], &mut self.shoe[j]);
        }
    }

    /// Everything a player may see: never the hole card before it is
    /// turned, never the order of the shoe.
    pub fn view(&self) -> BlackjackView {
        view::build(self)
    }
}
