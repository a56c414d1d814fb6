//! What players see of the table.

use serde::Serialize;

use super::super::Chips;
use super::super::cards::Card;
use super::{
    BlackjackConfig, BlackjackTable, HandOutcome, HandStatus, InsuranceState, Phase, total,
};

/// Everything a player may see: seats, hands, the dealer's visible cards,
/// whose turn it is and how many cards are left (never which).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlackjackView {
    pub config: BlackjackConfig,
    pub phase: Phase,
    pub round: u64,
    pub seats: Vec<SeatView>,
    pub dealer: DealerView,
    pub turn: Option<TurnView>,
    pub shoe_remaining: usize,
    pub needs_shuffle: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeatView {
    /// 1-based seat number.
    pub seat: usize,
    pub player: String,
    /// Bet placed for the next round.
    pub bet: Chips,
    pub in_round: bool,
    pub insurance: InsuranceState,
    /// This round's hands (the last round's, with results, between rounds).
    pub hands: Vec<HandView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandView {
    pub cards: Vec<Card>,
    pub total: u32,
    pub soft: bool,
    pub bet: Chips,
    pub doubled: bool,
    pub split: bool,
    pub status: HandStatus,
    pub result: Option<HandOutcome>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DealerView {
    /// Face-up cards only.
    pub cards: Vec<Card>,
    /// Face-down cards (the hole card until it is turned).
    pub hidden: usize,
    /// Total of the face-up cards.
    pub total: u32,
    pub soft: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TurnView {
    pub player: String,
    /// 0-based hand index within the seat.
    pub hand: usize,
}

pub(super) fn build(t: &BlackjackTable) -> BlackjackView {
    let shown = if t.hole_revealed {
        t.dealer.len()
    } else {
        t.dealer.len().min(1)
    };
    let cards: Vec<Card> = t.dealer.iter().take(shown).copied().collect();
    let dt = total(&cards);
    BlackjackView {
        config: t.config,
        phase: t.phase,
        round: t.round,
        seats: t
            .seats
            .iter()
            .enumerate()
            .map(|(i, s)| SeatView {
                seat: i + 1,
                player: s.player.clone(),
                bet: s.bet,
                in_round: s.in_round,
                insurance: s.insurance,
                hands: s
                    .hands
                    .iter()
                    .map(|h| {
                        let ht = h.total();
                        HandView {
                            cards: h.cards.clone(),
                            total: ht.value,
                            soft: ht.soft,
                            bet: h.bet,
                            doubled: h.doubled,
                            split: h.split,
                            status: h.status,
                            result: h.result,
                        }
                    })
                    .collect(),
            })
            .collect(),
        dealer: DealerView {
            hidden: t.dealer.len() - cards.len(),
            cards,
            total: dt.value,
            soft: dt.soft,
        },
        turn: t.turn.and_then(|(i, j)| {
            Some(TurnView {
                player: t.seats.get(i)?.player.clone(),
                hand: j,
            })
        }),
        shoe_remaining: t.shoe.len(),
        needs_shuffle: t.needs_shuffle(),
    }
}
