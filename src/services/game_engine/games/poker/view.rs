//! What a player or a spectator may see: never the deck, hole cards only
//! to their owner, and everyone's who reached a showdown.

use serde::Serialize;

use super::super::Chips;
use super::super::cards::Card;
use super::pots::{self, Award};
use super::{PokerConfig, PokerTable, Street};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PokerView {
    pub config: PokerConfig,
    /// The current or last hand's number (0 before the first).
    pub hand: u64,
    pub in_progress: bool,
    pub street: Option<Street>,
    pub board: Vec<Card>,
    /// Chips gathered from finished rounds: main pot first.
    pub pots: Vec<PotView>,
    /// The highest bet this round.
    pub current_bet: Chips,
    pub button: Option<String>,
    pub to_act: Option<String>,
    /// For the player to act: chips to call, and the smallest legal raise
    /// (or bet) total when a raise is open to them.
    pub to_call: Chips,
    pub min_raise_to: Option<Chips>,
    pub seats: Vec<SeatView>,
    /// At the end of a hand: who won what.
    pub awards: Vec<Award>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PotView {
    pub amount: Chips,
    pub eligible: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeatStatus {
    /// Seated but not dealt into this hand.
    Waiting,
    Active,
    Folded,
    AllIn,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeatView {
    pub player: String,
    /// False for a player who folded and left during the hand.
    pub seated: bool,
    pub status: SeatStatus,
    /// Chips behind in this hand (None when not dealt in).
    pub stack: Option<Chips>,
    pub bet: Chips,
    pub contributed: Chips,
    pub won: Chips,
    pub cards: Option<[Card; 2]>,
    /// The showdown hand.
    pub hand: Option<String>,
}

pub(super) fn view(table: &PokerTable, viewer: Option<&str>) -> PokerView {
    let Some(h) = &table.hand else {
        return PokerView {
            config: table.config,
            hand: 0,
            in_progress: false,
            street: None,
            board: Vec::new(),
            pots: Vec::new(),
            current_bet: 0,
            button: None,
            to_act: None,
            to_call: 0,
            min_raise_to: None,
            seats: table.seats.iter().map(|p| waiting(p.clone())).collect(),
            awards: Vec::new(),
        };
    };
    let name = |i: usize| h.players.get(i).map(|p| p.player.clone());
    let pots = if h.over {
        Vec::new()
    } else {
        let collected: Vec<Chips> = h
            .players
            .iter()
            .map(|p| p.contributed.saturating_sub(p.bet))
            .collect();
        let live: Vec<bool> = h.players.iter().map(|p| !p.folded).collect();
        pots::build(&collected, &live)
            .into_iter()
            .filter(|p| p.amount > 0)
            .map(|p| PotView {
                amount: p.amount,
                eligible: p.eligible.iter().filter_map(|&i| name(i)).collect(),
            })
            .collect()
    };
    let to_act = h.to_act.filter(|_| !h.over);
    let (to_call, min_raise_to) = match to_act.and_then(|i| h.players.get(i).map(|p| (i, p))) {
        Some((i, p)) => {
            let min = h.current_bet.saturating_add(h.min_raise);
            let all_in = p.bet.saturating_add(p.stack);
            let open = h.others_can_act(i) && h.may_raise(i) && all_in > h.current_bet;
            (
                h.current_bet.saturating_sub(p.bet).min(p.stack),
                open.then_some(min.min(all_in)),
            )
        }
        None => (0, None),
    };
    let showdown = h.street == Street::Showdown;
    let in_hand = |p: &super::InHand| {
        let own = viewer == Some(p.player.as_str());
        let shown = showdown && !p.folded;
        SeatView {
            player: p.player.clone(),
            seated: table.seats.contains(&p.player),
            status: if p.folded {
                SeatStatus::Folded
            } else if p.stack == 0 {
                SeatStatus::AllIn
            } else {
                SeatStatus::Active
            },
            stack: Some(p.stack),
            bet: p.bet,
            contributed: p.contributed,
            won: p.won,
            cards: (own || shown).then_some(p.hole),
            hand: if shown { p.shown.clone() } else { None },
        }
    };
    // Seats in join order, then players who folded and left.
    let mut seats: Vec<SeatView> = table
        .seats
        .iter()
        .map(|s| match h.players.iter().find(|p| &p.player == s) {
            Some(p) => in_hand(p),
            None => waiting(s.clone()),
        })
        .collect();
    seats.extend(
        h.players
            .iter()
            .filter(|p| !table.seats.contains(&p.player))
            .map(in_hand),
    );
    PokerView {
        config: table.config,
        hand: h.number,
        in_progress: !h.over,
        street: Some(h.street),
        board: h.board(),
        pots,
        current_bet: if h.over { 0 } else { h.current_bet },
        button: h.players.last().map(|p| p.player.clone()),
        to_act: to_act.and_then(name),
        to_call,
        min_raise_to,
        seats,
        awards: h.awards.clone(),
    }
}

fn waiting(player: String) -> SeatView {
    SeatView {
        player,
        seated: true,
        status: SeatStatus::Waiting,
        stack: None,
        bet: 0,
        contributed: 0,
        won: 0,
        cards: None,
        hand: None,
    }
}
