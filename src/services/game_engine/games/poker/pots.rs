//! The end of a hand: uncalled chips go back, the main and side pots are
//! built from each player's total contribution, and each pot goes to the
//! best hand among the players eligible for it.

use serde::{Deserialize, Serialize};

use super::super::hand_eval::{self, HandValue};
use super::super::{ChipMove, Chips};
use super::{Hand, Outcome, PokerEvent, Street};

/// A player's part of a pot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub player: String,
    pub amount: Chips,
}

/// One pot and who won it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Award {
    /// 0 is the main pot, then the side pots in order.
    pub pot: usize,
    pub amount: Chips,
    pub eligible: Vec<String>,
    pub winners: Vec<Share>,
    /// The winning hand's description; None when everyone else folded.
    pub hand: Option<String>,
}

/// A pot by player index (clockwise from the left of the button).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Pot {
    pub amount: Chips,
    pub eligible: Vec<usize>,
}

/// The chips of the biggest contributor that nobody matched.
pub(super) fn uncalled(contrib: &[Chips]) -> Option<(usize, Chips)> {
    let (top, &max) = contrib.iter().enumerate().max_by_key(|(_, c)| **c)?;
    let second = contrib
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != top)
        .map(|(_, c)| *c)
        .max()
        .unwrap_or(0);
    (max > second).then_some((top, max - second))
}

/// Main pot then side pots: one per distinct contribution level of the
/// players still in (`live`). Folded players' chips fill the pots they
/// reached; they are eligible for none.
pub(super) fn build(contrib: &[Chips], live: &[bool]) -> Vec<Pot> {
    let mut levels: Vec<Chips> = contrib
        .iter()
        .zip(live)
        .filter(|(c, l)| **l && **c > 0)
        .map(|(c, _)| *c)
        .collect();
    levels.sort_unstable();
    levels.dedup();
    let mut pots: Vec<Pot> = Vec::new();
    let mut prev = 0;
    for level in levels {
        let amount = contrib
            .iter()
            .map(|&c| c.min(level) - c.min(prev))
            .fold(0 as Chips, Chips::saturating_add);
        let eligible = contrib
            .iter()
            .zip(live)
            .enumerate()
            .filter(|(_, (c, l))| **l && **c >= level)
            .map(|(i, _)| i)
            .collect();
        pots.push(Pot { amount, eligible });
        prev = level;
    }
    // Folded chips above every live player's level (not reachable once
    // uncalled chips are returned) join the top pot rather than vanish.
    let rest = contrib
        .iter()
        .map(|&c| c - c.min(prev))
        .fold(0 as Chips, Chips::saturating_add);
    if rest > 0 {
        match pots.last_mut() {
            Some(top) => top.amount = top.amount.saturating_add(rest),
            None => pots.push(Pot {
                amount: rest,
                eligible: live
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| **l)
                    .map(|(i, _)| i)
                    .collect(),
            }),
        }
    }
    pots
}

/// Equal shares among `winners` (in clockwise order from the button); the
/// odd chips go to the first.
pub(super) fn split(amount: Chips, winners: &[usize]) -> Vec<(usize, Chips)> {
    let n = winners.len() as Chips;
    if n == 0 {
        return Vec::new();
    }
    let (share, odd) = (amount / n, amount % n);
    winners
        .iter()
        .enumerate()
        .map(|(k, &w)| (w, if k == 0 { share + odd } else { share }))
        .collect()
}

impl Hand {
    /// Ends the hand: returns uncalled chips, shows down if more than one
    /// player is left (the board is complete by then) and awards the pots.
    pub(super) fn finish(&mut self, out: &mut Outcome) {
        let contrib: Vec<Chips> = self.players.iter().map(|p| p.contributed).collect();
        if let Some((i, amount)) = uncalled(&contrib)
            && let Some(p) = self.players.get_mut(i)
        {
            p.contributed -= amount;
            p.stack += amount;
            out.moves.push(ChipMove::Return {
                player: p.player.clone(),
                amount,
            });
            out.events.push(PokerEvent::UncalledReturned {
                player: p.player.clone(),
                amount,
            });
        }
        let live: Vec<bool> = self.players.iter().map(|p| !p.folded).collect();
        let showdown = self.live() > 1;
        let board = self.board();
        let mut values: Vec<Option<HandValue>> = vec![None; self.players.len()];
        if showdown {
            self.street = Street::Showdown;
            for (p, v) in self.players.iter_mut().zip(values.iter_mut()) {
                if p.folded {
                    continue;
                }
                let mut cards = board.clone();
                cards.extend_from_slice(&p.hole);
                let value = hand_eval::evaluate(&cards);
                *v = Some(value);
                p.shown = Some(value.describe());
                out.events.push(PokerEvent::Showdown {
                    player: p.player.clone(),
                    cards: p.hole,
                    hand: value.describe(),
                });
            }
        }
        let contrib: Vec<Chips> = self.players.iter().map(|p| p.contributed).collect();
        let pots = if showdown {
            build(&contrib, &live)
        } else {
            vec![Pot {
                amount: contrib.iter().fold(0, |t, c| t.saturating_add(*c)),
                eligible: (0..live.len()).filter(|&i| live[i]).collect(),
            }]
        };
        for (k, pot) in pots.into_iter().enumerate() {
            let value_of = |i: usize| values.get(i).copied().flatten();
            let best = pot.eligible.iter().filter_map(|&i| value_of(i)).max();
            let winners: Vec<usize> = pot
                .eligible
                .iter()
                .copied()
                .filter(|&i| value_of(i) == best)
                .collect();
            let name = |i: usize| {
                self.players
                    .get(i)
                    .map(|p| p.player.clone())
                    .unwrap_or_default()
            };
            let award = Award {
                pot: k,
                amount: pot.amount,
                eligible: pot.eligible.iter().map(|&i| name(i)).collect(),
                winners: split(pot.amount, &winners)
                    .into_iter()
                    .map(|(i, amount)| Share {
                        player: name(i),
                        amount,
                    })
                    .collect(),
                hand: best.map(HandValue::describe),
            };
            for (i, amount) in split(pot.amount, &winners) {
                let Some(p) = self.players.get_mut(i) else {
                    continue;
                };
                p.stack += amount;
                p.won += amount;
                if amount > 0 {
                    out.moves.push(ChipMove::Return {
                        player: p.player.clone(),
                        amount,
                    });
                }
            }
            out.events.push(PokerEvent::PotAwarded(award.clone()));
            self.awards.push(award);
        }
        for p in &mut self.players {
            p.bet = 0;
        }
        self.over = true;
        self.to_act = None;
        out.to_act = None;
        out.hand_over = true;
        out.busted = self
            .players
            .iter()
            .filter(|p| p.stack == 0)
            .map(|p| p.player.clone())
            .collect();
        out.events.push(PokerEvent::HandEnded { hand: self.number });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncalled_is_the_top_contribution_over_the_next() {
        assert_eq!(uncalled(&[100, 300, 50]), Some((1, 200)));
        assert_eq!(uncalled(&[300, 300, 50]), None);
        assert_eq!(uncalled(&[]), None);
        assert_eq!(uncalled(&[7]), Some((0, 7)));
    }

    #[test]
    fn side_pots_follow_the_all_in_levels() {
        // 100, 200 and 300 all-in, a caller of 300, a folded 50.
        let pots = build(&[100, 200, 300, 300, 50], &[true, true, true, true, false]);
        assert_eq!(
            pots,
            vec![
                Pot {
                    amount: 450,
                    eligible: vec![0, 1, 2, 3]
                },
                Pot {
                    amount: 300,
                    eligible: vec![1, 2, 3]
                },
                Pot {
                    amount: 200,
                    eligible: vec![2, 3]
                },
            ]
        );
    }

    #[test]
    fn folded_chips_stay_in_the_pots_they_reached() {
        // The folder put in more than the short all-in: that excess goes
        // to the side pot the folder cannot win.
        let pots = build(&[40, 100, 100], &[true, false, true]);
        assert_eq!(pots[0].amount, 120);
        assert_eq!(pots[0].eligible, vec![0, 2]);
        assert_eq!(pots[1].amount, 120);
        assert_eq!(pots[1].eligible, vec![2]);
        let total: Chips = pots.iter().map(|p| p.amount).sum();
        assert_eq!(total, 240);
    }

    #[test]
    fn odd_chips_go_to_the_first_winner() {
        assert_eq!(split(25, &[2, 0]), vec![(2, 13), (0, 12)]);
        assert_eq!(split(10, &[1, 2, 3]), vec![(1, 4), (2, 3), (3, 3)]);
        assert!(split(10, &[]).is_empty());
    }
}
