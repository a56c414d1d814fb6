//! Playing a round: insurance, the peek, players' decisions, the dealer's
//! hand and settlement.

use super::hand::{self, Hand, is_natural, settle_moves};
use super::{
    BlackjackAction, BlackjackTable, CardDealt, CardTo, HandOutcome, HandResult, HandStatus,
    InsuranceResult, InsuranceState, Outcome, Phase, RuleError, ShoeEmpty, card_value, stake,
    total,
};

impl BlackjackTable {
    /// After insurance (if any): the dealer checks for blackjack with an
    /// ace or a ten up, insurance is decided, and play starts or the round
    /// ends.
    pub(super) fn peek(&mut self, out: &mut Outcome) -> Result<(), ShoeEmpty> {
        let up_peeks = self.dealer.first().is_some_and(|c| card_value(*c) >= 10);
        let dealer_bj = up_peeks && is_natural(&self.dealer);
        for s in &mut self.seats {
            if let InsuranceState::Taken { amount } = s.insurance {
                let won = dealer_bj;
                let chips = if won {
                    (amount, amount.saturating_mul(2), 0)
                } else {
                    (0, 0, amount)
                };
                out.moves.extend(settle_moves(&s.player, chips));
                out.insurance.push(InsuranceResult {
                    player: s.player.clone(),
                    amount,
                    won,
                });
            }
        }
        if dealer_bj {
            self.reveal(out);
            self.settle(out);
            return Ok(());
        }
        self.phase = Phase::PlayerTurns;
        self.advance(out)
    }

    fn reveal(&mut self, out: &mut Outcome) {
        if !self.hole_revealed
            && let Some(&card) = self.dealer.get(1)
        {
            out.dealt.push(CardDealt {
                to: CardTo::DealerHole,
                card,
            });
        }
        self.hole_revealed = true;
    }

    /// The first hand still playing, in seat order.
    pub(super) fn find_turn(&self) -> Option<(usize, usize)> {
        self.seats.iter().enumerate().find_map(|(i, s)| {
            let j = s
                .hands
                .iter()
                .position(|h| h.status == HandStatus::Playing)?;
            s.in_round.then_some((i, j))
        })
    }

    /// Moves the turn to the first hand still playing, or plays the dealer
    /// and settles when none is left.
    fn advance(&mut self, out: &mut Outcome) -> Result<(), ShoeEmpty> {
        self.turn = self.find_turn();
        if self.turn.is_some() {
            return Ok(());
        }
        self.reveal(out);
        let live = self
            .seats
            .iter()
            .filter(|s| s.in_round)
            .flat_map(|s| &s.hands)
            .any(|h| h.status == HandStatus::Stood);
        if live {
            self.dealer_draws(out)?;
        }
        self.settle(out);
        Ok(())
    }

    /// The dealer draws to 17, and on a soft 17 too under H17.
    fn dealer_draws(&mut self, out: &mut Outcome) -> Result<(), ShoeEmpty> {
        loop {
            let t = total(&self.dealer);
            let hits_soft = self.config.dealer_hits_soft_17 && t.soft && t.value == 17;
            if t.value >= 17 && !hits_soft {
                return Ok(());
            }
            let card = self.draw()?;
            self.dealer.push(card);
            out.dealt.push(CardDealt {
                to: CardTo::Dealer,
                card,
            });
        }
    }

    /// Decides every hand, ends the round.
    fn settle(&mut self, out: &mut Outcome) {
        for s in &mut self.seats {
            if !s.in_round {
                continue;
            }
            for (j, h) in s.hands.iter_mut().enumerate() {
                let outcome = h.outcome(&self.dealer);
                Self::record(&s.player, j, h, outcome, out);
            }
            s.in_round = false;
        }
        self.end_round(out);
    }

    fn record(player: &str, j: usize, h: &mut Hand, outcome: HandOutcome, out: &mut Outcome) {
        let (returned, paid, collected) = outcome.chips(h.bet);
        h.result = Some(outcome);
        out.moves
            .extend(settle_moves(player, (returned, paid, collected)));
        out.results.push(HandResult {
            player: player.to_string(),
            hand: j,
            cards: h.cards.clone(),
            total: h.total().value,
            bet: h.bet,
            outcome,
            returned,
            paid,
            collected,
        });
    }

    fn end_round(&mut self, out: &mut Outcome) {
        self.hole_revealed = true;
        self.phase = Phase::Betting;
        self.turn = None;
        out.round_over = true;
        out.dealer = Some(self.dealer.clone());
    }

    /// The shoe ran out: every stake still on the table goes back.
    /// (Insurance is always decided before any card after the deal is
    /// drawn, so none is left to return.)
    pub(super) fn void_round(&mut self, out: &mut Outcome) {
        self.reveal(out);
        for s in &mut self.seats {
            if !s.in_round {
                continue;
            }
            for (j, h) in s.hands.iter_mut().enumerate() {
                Self::record(&s.player, j, h, HandOutcome::Void, out);
            }
            s.in_round = false;
        }
        out.voided = true;
        self.end_round(out);
    }

    /// A player's move: insurance while the dealer shows an ace, then
    /// decisions on the hand whose turn it is.
    pub fn act(&mut self, player: &str, action: BlackjackAction) -> Result<Outcome, RuleError> {
        let Some(i) = self.seat_of(player).filter(|&i| self.seats[i].in_round) else {
            return Err(RuleError::not_now(match self.phase {
                Phase::Betting => "no round is being played: bet and deal first",
                _ => "you have no hand in this round",
            }));
        };
        let mut out = Outcome::default();
        let done = match self.phase {
            Phase::Betting => {
                return Err(RuleError::not_now(
                    "no round is being played: bet and deal first",
                ));
            }
            Phase::Insurance => self.insurance(i, action, &mut out)?,
            Phase::PlayerTurns => self.play(i, action, &mut out)?,
        };
        if done.is_err() {
            self.void_round(&mut out);
        }
        Ok(out)
    }

    fn insurance(
        &mut self,
        i: usize,
        action: BlackjackAction,
        out: &mut Outcome,
    ) -> Result<Result<(), ShoeEmpty>, RuleError> {
        let s = &self.seats[i];
        let bet = s.hands.first().map_or(0, |h| h.bet);
        match (action, s.insurance) {
            (
                BlackjackAction::Insurance { .. } | BlackjackAction::DeclineInsurance,
                InsuranceState::Taken { amount },
            ) => {
                return Err(RuleError::not_now(format!(
                    "you already took insurance of {amount} chips; waiting for the others"
                )));
            }
            (
                BlackjackAction::Insurance { .. } | BlackjackAction::DeclineInsurance,
                InsuranceState::Declined,
            ) => {
                return Err(RuleError::not_now(
                    "you already declined insurance; waiting for the others",
                ));
            }
            (
                BlackjackAction::Insurance { .. } | BlackjackAction::DeclineInsurance,
                InsuranceState::NotOffered,
            ) => {
                return Err(RuleError::not_now(
                    "insurance is not offered on a 1-chip bet; waiting for the others",
                ));
            }
            (BlackjackAction::Insurance { amount }, InsuranceState::Pending) => {
                if amount == 0 || amount > bet / 2 {
                    return Err(RuleError::invalid(format!(
                        "insurance is 1 to {} chips: at most half your {bet}-chip bet",
                        bet / 2
                    )));
                }
                out.moves.push(stake(&s.player, amount));
                self.seats[i].insurance = InsuranceState::Taken { amount };
            }
            (BlackjackAction::DeclineInsurance, InsuranceState::Pending) => {
                self.seats[i].insurance = InsuranceState::Declined;
            }
            _ => {
                return Err(RuleError::not_now(
                    "the dealer shows an ace: play starts once everyone has decided on insurance (insurance or decline_insurance)",
                ));
            }
        }
        if self
            .seats
            .iter()
            .any(|s| s.insurance == InsuranceState::Pending)
        {
            return Ok(Ok(()));
        }
        Ok(self.peek(out))
    }

    fn play(
        &mut self,
        i: usize,
        action: BlackjackAction,
        out: &mut Outcome,
    ) -> Result<Result<(), ShoeEmpty>, RuleError> {
        let Some((ti, tj)) = self.turn else {
            return Err(RuleError::not_now("no hand is waiting for a decision"));
        };
        if matches!(
            action,
            BlackjackAction::Insurance { .. } | BlackjackAction::DeclineInsurance
        ) {
            return Err(RuleError::not_now(
                "insurance is only offered before play starts, while the dealer shows an ace",
            ));
        }
        if ti != i {
            let who = self
                .seats
                .get(ti)
                .map_or("another player", |s| s.player.as_str());
            return Err(RuleError::not_now(format!(
                "it is {who}'s turn (hand {})",
                tj + 1
            )));
        }
        self.check_play(i, tj, action)?;
        Ok(self.apply_play(i, tj, action, out))
    }

    /// Whether the hand to play may take `action` (no change made).
    fn check_play(&self, i: usize, j: usize, action: BlackjackAction) -> Result<(), RuleError> {
        let s = &self.seats[i];
        let Some(h) = s.hands.get(j) else {
            return Err(RuleError::not_now("no hand is waiting for a decision"));
        };
        let n = h.cards.len();
        match action {
            BlackjackAction::Double if n != 2 => Err(RuleError::invalid(format!(
                "you can only double on your first two cards; hand {} has {n}",
                j + 1
            ))),
            BlackjackAction::Double if h.split && !self.config.double_after_split => Err(
                RuleError::invalid("this table does not allow doubling after a split"),
            ),
            BlackjackAction::Split if !h.is_pair() => Err(RuleError::invalid(format!(
                "you can only split two cards of the same value; hand {} is {}",
                j + 1,
                h.cards
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            ))),
            BlackjackAction::Split if s.hands.len() >= usize::from(self.config.max_hands) => {
                Err(RuleError::invalid(format!(
                    "a seat may play at most {} hands",
                    self.config.max_hands
                )))
            }
            BlackjackAction::Surrender if !self.config.late_surrender => {
                Err(RuleError::invalid("this table does not offer surrender"))
            }
            BlackjackAction::Surrender if s.hands.len() > 1 || h.split => {
                Err(RuleError::invalid("you cannot surrender after splitting"))
            }
            BlackjackAction::Surrender if n != 2 => Err(RuleError::invalid(
                "surrender is only allowed as your first decision, on your first two cards",
            )),
            _ => Ok(()),
        }
    }

    fn apply_play(
        &mut self,
        i: usize,
        j: usize,
        action: BlackjackAction,
        out: &mut Outcome,
    ) -> Result<(), ShoeEmpty> {
        let player = self.seats[i].player.clone();
        match action {
            BlackjackAction::Hit => {
                self.draw_to(i, j, out)?;
                self.set_status(i, j, None);
            }
            BlackjackAction::Stand => self.set_status(i, j, Some(HandStatus::Stood)),
            BlackjackAction::Surrender => self.set_status(i, j, Some(HandStatus::Surrendered)),
            BlackjackAction::Double => {
                if let Some(h) = self.seats[i].hands.get_mut(j) {
                    out.moves.push(stake(&player, h.bet));
                    h.bet = h.bet.saturating_mul(2);
                    h.doubled = true;
                }
                self.draw_to(i, j, out)?;
                self.set_status(i, j, Some(HandStatus::Stood));
            }
            BlackjackAction::Split => {
                let Some(h) = self.seats[i].hands.get_mut(j) else {
                    return Ok(());
                };
                out.moves.push(stake(&player, h.bet));
                let aces = h.cards.first().is_some_and(|c| hand::is_ace(*c));
                let mut second = Hand::new(h.bet);
                second.cards.extend(h.cards.pop());
                for x in [&mut *h, &mut second] {
                    x.split = true;
                    x.split_aces = aces;
                }
                self.seats[i].hands.insert(j + 1, second);
                for k in [j, j + 1] {
                    self.draw_to(i, k, out)?;
                    self.set_status(i, k, aces.then_some(HandStatus::Stood));
                }
            }
            BlackjackAction::Insurance { .. } | BlackjackAction::DeclineInsurance => {}
        }
        self.advance(out)
    }

    /// Sets a hand's status: `None` for the status its cards give, `Some`
    /// to finish it (a bust stays a bust).
    fn set_status(&mut self, i: usize, j: usize, status: Option<HandStatus>) {
        if let Some(h) = self.seats[i].hands.get_mut(j) {
            let natural = h.status_after_card();
            h.status = match status {
                _ if natural == HandStatus::Busted => HandStatus::Busted,
                Some(s) => s,
                None => natural,
            };
        }
    }
}
