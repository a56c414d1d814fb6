//! Card values, hand totals and how a decided hand moves chips.

use serde::{Deserialize, Serialize};

use super::super::cards::Card;
use super::super::{ChipMove, Chips};

/// Blackjack value of a card: 2 to 9 at face value, ten and faces 10, an
/// ace 11 (see [`total`] for when it counts 1).
pub fn card_value(card: Card) -> u32 {
    match card.rank() {
        r @ 0..=7 => u32::from(r) + 2,
        8..=11 => 10,
        _ => 11,
    }
}

pub fn is_ace(card: Card) -> bool {
    card.rank() == 12
}

/// A hand's best total. `soft`: an ace is counted as 11.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Total {
    pub value: u32,
    pub soft: bool,
}

/// The best total of `cards`: aces count 1, and one of them 11 when that
/// does not bust the hand.
pub fn total(cards: &[Card]) -> Total {
    let mut hard: u32 = 0;
    let mut ace = false;
    for &c in cards {
        if is_ace(c) {
            ace = true;
            hard = hard.saturating_add(1);
        } else {
            hard = hard.saturating_add(card_value(c));
        }
    }
    if ace && hard <= 11 {
        Total {
            value: hard + 10,
            soft: true,
        }
    } else {
        Total {
            value: hard,
            soft: false,
        }
    }
}

/// Two cards making 21 (whether that counts as a blackjack also depends on
/// the hand not coming from a split).
pub fn is_natural(cards: &[Card]) -> bool {
    cards.len() == 2 && total(cards).value == 21
}

/// Where a hand stands in the round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandStatus {
    /// Waiting for the player's decisions.
    Playing,
    /// Done, waiting for the dealer (stood, doubled, 21, split aces).
    Stood,
    Busted,
    /// A two-card 21 on the initial deal (not after a split).
    Blackjack,
    Surrendered,
}

/// How a hand was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandOutcome {
    /// Paid 3:2, rounded down to whole chips.
    Blackjack,
    Win,
    Push,
    Lose,
    Bust,
    /// Half the bet back (rounded down), the rest to the house.
    Surrender,
    /// The shoe ran out mid-round: every stake on the table goes back.
    Void,
}

impl HandOutcome {
    /// (returned to the player, paid by the house, collected by the house)
    /// for a hand with `bet` at stake.
    pub fn chips(self, bet: Chips) -> (Chips, Chips, Chips) {
        match self {
            HandOutcome::Blackjack => (bet, bet / 2 * 3 + (bet % 2), 0),
            HandOutcome::Win => (bet, bet, 0),
            HandOutcome::Push | HandOutcome::Void => (bet, 0, 0),
            HandOutcome::Lose | HandOutcome::Bust => (0, 0, bet),
            HandOutcome::Surrender => (bet / 2, 0, bet - bet / 2),
        }
    }
}

/// The chip moves for (returned, paid, collected), leaving out zeros.
pub fn settle_moves(player: &str, (ret, pay, collect): (Chips, Chips, Chips)) -> Vec<ChipMove> {
    let mut moves = Vec::new();
    if ret > 0 {
        moves.push(ChipMove::Return {
            player: player.to_string(),
            amount: ret,
        });
    }
    if pay > 0 {
        moves.push(ChipMove::Pay {
            player: player.to_string(),
            amount: pay,
        });
    }
    if collect > 0 {
        moves.push(ChipMove::Collect {
            player: player.to_string(),
            amount: collect,
        });
    }
    moves
}

/// One hand of a seat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hand {
    pub cards: Vec<Card>,
    /// Chips at stake, doubled included.
    pub bet: Chips,
    pub doubled: bool,
    /// Made by splitting a pair (so a two-card 21 is not a blackjack).
    pub split: bool,
    /// Made by splitting aces: one card each, no resplit.
    pub split_aces: bool,
    pub status: HandStatus,
    pub result: Option<HandOutcome>,
}

impl Hand {
    pub fn new(bet: Chips) -> Hand {
        Hand {
            cards: Vec::new(),
            bet,
            doubled: false,
            split: false,
            split_aces: false,
            status: HandStatus::Playing,
            result: None,
        }
    }

    pub fn total(&self) -> Total {
        total(&self.cards)
    }

    /// Two cards of the same value (10, J, Q and K all count as ten).
    pub fn is_pair(&self) -> bool {
        matches!(self.cards.as_slice(), [a, b] if card_value(*a) == card_value(*b))
    }

    /// After a card: bust, or stand on 21, or keep playing.
    pub fn status_after_card(&self) -> HandStatus {
        match self.total().value {
            v if v > 21 => HandStatus::Busted,
            21 => HandStatus::Stood,
            _ => HandStatus::Playing,
        }
    }

    /// Decides a finished hand against the dealer's final cards.
    pub fn outcome(&self, dealer: &[Card]) -> HandOutcome {
        let dealer_bj = is_natural(dealer);
        let d = total(dealer).value;
        let p = self.total().value;
        match self.status {
            HandStatus::Surrendered => HandOutcome::Surrender,
            HandStatus::Busted => HandOutcome::Bust,
            HandStatus::Blackjack if dealer_bj => HandOutcome::Push,
            HandStatus::Blackjack => HandOutcome::Blackjack,
            _ if p > 21 => HandOutcome::Bust,
            _ if dealer_bj => HandOutcome::Lose,
            _ if d > 21 || p > d => HandOutcome::Win,
            _ if p == d => HandOutcome::Push,
            _ => HandOutcome::Lose,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cards(s: &str) -> Vec<Card> {
        s.split_whitespace().map(|c| c.parse().unwrap()).collect()
    }

    fn t(s: &str) -> (u32, bool) {
        let t = total(&cards(s));
        (t.value, t.soft)
    }

    #[test]
    fn totals_count_aces_as_eleven_only_when_it_fits() {
        assert_eq!(t("As 6d"), (17, true));
        assert_eq!(t("As 6d 9c"), (16, false));
        assert_eq!(t("As Ad"), (12, true));
        assert_eq!(t("As Ad Ac Ah"), (14, true));
        assert_eq!(t("As Ad Ac Ah 7s"), (21, true));
        assert_eq!(t("As Ad Ac Ah 7s 9c"), (20, false));
        assert_eq!(t("Kd Qs"), (20, false));
        assert_eq!(t("Kd Qs 2c"), (22, false));
        assert_eq!(t("Ts 5h 6c"), (21, false));
        assert_eq!(t("As Kd"), (21, true));
        assert_eq!(t(""), (0, false));
        assert!(is_natural(&cards("Ah Jc")));
        assert!(!is_natural(&cards("7h 7c 7d")));
    }

    #[test]
    fn ten_values_pair_with_each_other() {
        let mut h = Hand::new(10);
        h.cards = cards("Kd Qs");
        assert!(h.is_pair());
        h.cards = cards("Td 9s");
        assert!(!h.is_pair());
        h.cards = cards("8d 8s 8c");
        assert!(!h.is_pair());
    }

    #[test]
    fn outcomes_pay_as_the_rules_say() {
        assert_eq!(HandOutcome::Blackjack.chips(10), (10, 15, 0));
        assert_eq!(
            HandOutcome::Blackjack.chips(5),
            (5, 7, 0),
            "3:2 rounds down"
        );
        assert_eq!(HandOutcome::Surrender.chips(5), (2, 0, 3));
        assert_eq!(HandOutcome::Win.chips(7), (7, 7, 0));
        assert_eq!(HandOutcome::Lose.chips(7), (0, 0, 7));
        assert_eq!(settle_moves("a", (0, 0, 0)), vec![]);
        let mut h = Hand::new(10);
        h.cards = cards("Th 8c");
        h.status = HandStatus::Stood;
        assert_eq!(h.outcome(&cards("9c 8d")), HandOutcome::Win);
        assert_eq!(h.outcome(&cards("Tc 8d")), HandOutcome::Push);
        assert_eq!(h.outcome(&cards("Tc 6d 6s")), HandOutcome::Win);
        assert_eq!(h.outcome(&cards("Ac Kd")), HandOutcome::Lose);
        h.cards = cards("7h 7c 7d");
        assert_eq!(
            h.outcome(&cards("Ac Kd")),
            HandOutcome::Lose,
            "21 loses to a blackjack"
        );
        assert_eq!(h.outcome(&cards("Ac 3d 7c")), HandOutcome::Push);
    }
}
