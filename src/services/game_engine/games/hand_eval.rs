//! Poker hand evaluation for 5 to 7 cards (pure, allocation-free).
//!
//! The value packs the category and up to five tie-break ranks into a
//! `u32`, so comparing two values compares the hands: higher wins, equal
//! splits the pot.

use serde::{Deserialize, Serialize};

use super::cards::Card;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    HighCard = 0,
    Pair = 1,
    TwoPair = 2,
    Trips = 3,
    Straight = 4,
    Flush = 5,
    FullHouse = 6,
    Quads = 7,
    StraightFlush = 8,
}

/// A hand's strength: category in the top bits, then tie-break ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct HandValue(pub u32);

impl HandValue {
    fn new(cat: Category, ranks: &[u8]) -> HandValue {
        let mut v = (cat as u32) << 20;
        for (i, r) in ranks.iter().take(5).enumerate() {
            v |= u32::from(*r) << (16 - 4 * i);
        }
        HandValue(v)
    }

    pub fn category(self) -> Category {
        match self.0 >> 20 {
            8 => Category::StraightFlush,
            7 => Category::Quads,
            6 => Category::FullHouse,
            5 => Category::Flush,
            4 => Category::Straight,
            3 => Category::Trips,
            2 => Category::TwoPair,
            1 => Category::Pair,
            _ => Category::HighCard,
        }
    }

    /// "Full house, kings over fives" style text.
    pub fn describe(self) -> String {
        const NAMES: [&str; 13] = [
            "deuce", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "jack",
            "queen", "king", "ace",
        ];
        let r = |i: usize| NAMES[((self.0 >> (16 - 4 * i)) & 0xF) as usize];
        match self.category() {
            Category::StraightFlush if r(0) == "ace" => "royal flush".to_string(),
            Category::StraightFlush => format!("straight flush, {} high", r(0)),
            Category::Quads => format!("four {}s", r(0)),
            Category::FullHouse => format!("full house, {}s over {}s", r(0), r(1)),
            Category::Flush => format!("flush, {} high", r(0)),
            Category::Straight => format!("straight, {} high", r(0)),
            Category::Trips => format!("three {}s", r(0)),
            Category::TwoPair => format!("two pair, {}s and {}s", r(0), r(1)),
            Category::Pair => format!("pair of {}s", r(0)),
            Category::HighCard => format!("{} high", r(0)),
        }
    }
}

/// Highest straight in a 13-bit rank mask: the top rank, with the wheel
/// (A-2-3-4-5) as five high.
fn straight_high(mask: u16) -> Option<u8> {
    for high in (4..=12u8).rev() {
        let run = 0b11111u16 << (high - 4);
        if mask & run == run {
            return Some(high);
        }
    }
    let wheel = (1u16 << 12) | 0b1111;
    (mask & wheel == wheel).then_some(3)
}

/// Ranks set in `mask`, highest first.
fn ranks_desc(mask: u16) -> impl Iterator<Item = u8> {
    (0..13u8).rev().filter(move |r| mask & (1 << r) != 0)
}

/// Evaluates the best five-card hand among 5 to 7 cards.
pub fn evaluate(cards: &[Card]) -> HandValue {
    let mut suit_masks = [0u16; 4];
    let mut counts = [0u8; 13];
    for c in cards {
        suit_masks[usize::from(c.suit())] |= 1 << c.rank();
        counts[usize::from(c.rank())] += 1;
    }
    let all: u16 = suit_masks.iter().fold(0, |a, m| a | m);

    if let Some(fm) = suit_masks.iter().copied().find(|m| m.count_ones() >= 5) {
        if let Some(h) = straight_high(fm) {
            return HandValue::new(Category::StraightFlush, &[h]);
        }
        // Quads or a full house would beat the flush, but neither fits in
        // seven cards beside five of one suit; checked anyway for safety.
        let flush: Vec<u8> = ranks_desc(fm).take(5).collect();
        if let Some(v) = quads_or_full(&counts) {
            return v;
        }
        return HandValue::new(Category::Flush, &flush);
    }
    if let Some(v) = quads_or_full(&counts) {
        return v;
    }
    if let Some(h) = straight_high(all) {
        return HandValue::new(Category::Straight, &[h]);
    }
    let by = |n: u8| {
        (0..13u8)
            .rev()
            .filter(move |r| counts[usize::from(*r)] == n)
    };
    let mut trips = by(3);
    if let Some(t) = trips.next() {
        let kick: Vec<u8> = ranks_desc(all & !(1 << t)).take(2).collect();
        return HandValue::new(Category::Trips, &[t, kick[0], kick[1]]);
    }
    let pairs: Vec<u8> = by(2).collect();
    if pairs.len() >= 2 {
        let (a, b) = (pairs[0], pairs[1]);
        let k = ranks_desc(all & !(1 << a) & !(1 << b)).next().unwrap_or(0);
        return HandValue::new(Category::TwoPair, &[a, b, k]);
    }
    if let Some(&p) = pairs.first() {
        let kick: Vec<u8> = ranks_desc(all & !(1 << p)).take(3).collect();
        return HandValue::new(Category::Pair, &[p, kick[0], kick[1], kick[2]]);
    }
    let high: Vec<u8> = ranks_desc(all).take(5).collect();
    HandValue::new(Category::HighCard, &high)
}

fn quads_or_full(counts: &[u8; 13]) -> Option<HandValue> {
    let ranks = (0..13u8).rev();
    if let Some(q) = ranks.clone().find(|r| counts[usize::from(*r)] == 4) {
        let k = ranks
            .clone()
            .find(|r| *r != q && counts[usize::from(*r)] > 0)
            .unwrap_or(0);
        return Some(HandValue::new(Category::Quads, &[q, k]));
    }
    let t = ranks.clone().find(|r| counts[usize::from(*r)] == 3)?;
    let p = ranks
        .clone()
        .find(|r| *r != t && counts[usize::from(*r)] >= 2)?;
    Some(HandValue::new(Category::FullHouse, &[t, p]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn hand(s: &str) -> Vec<Card> {
        s.split_whitespace().map(|c| c.parse().unwrap()).collect()
    }

    fn v(s: &str) -> HandValue {
        evaluate(&hand(s))
    }

    #[test]
    fn all_2_598_960_five_card_hands_fall_into_the_known_classes() {
        let deck = Card::deck();
        let mut counts = [0u32; 9];
        let mut distinct = HashSet::new();
        let mut royals = 0;
        for a in 0..48 {
            for b in a + 1..49 {
                for c in b + 1..50 {
                    for d in c + 1..51 {
                        for e in d + 1..52 {
                            let h = [deck[a], deck[b], deck[c], deck[d], deck[e]];
                            let val = evaluate(&h);
                            counts[val.category() as usize] += 1;
                            distinct.insert(val);
                            if val.describe() == "royal flush" {
                                royals += 1;
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(
            counts,
            [
                1_302_540, 1_098_240, 123_552, 54_912, 10_200, 5_108, 3_744, 624, 40
            ]
        );
        assert_eq!(royals, 4);
        // Every distinct 5-card strength, as in Cactus Kev's table.
        assert_eq!(distinct.len(), 7_462);
    }

    #[test]
    fn ordering_edge_cases() {
        assert!(
            v("As 2d 3c 4h 5s") < v("2s 3d 4c 5h 6s"),
            "wheel is the lowest straight"
        );
        assert_eq!(v("As 2s 3s 4s 5s").describe(), "straight flush, five high");
        assert!(
            v("As 2s 3s 4s 5s") > v("Ks Kd Kc Kh As"),
            "steel wheel beats quads"
        );
        assert!(v("Ah Kh Qh Jh Th").describe() == "royal flush");
        assert!(
            v("Ks Kd 7c 7h 2s") < v("Ks Kd 7c 7h 3s"),
            "kicker decides two pair"
        );
        assert_eq!(
            v("Ks Kd 7c 7h 2s 2d 3c"),
            v("Ks Kd 7c 7h 3s"),
            "third pair only kicks"
        );
        assert!(
            v("Qs Qd Qc 7h 7s 7d 2c") > v("Qs Qd Qc 6h 6s Ad Kc"),
            "two trips: best full house"
        );
        assert_eq!(
            v("Qs Qd Qc 7h 7s 7d 2c").describe(),
            "full house, queens over sevens"
        );
        assert_eq!(
            v("2h 3h 4h 7h 9h 9s 9d").category(),
            Category::Flush,
            "flush beats trips"
        );
        assert_eq!(v("2h 3h 4h 5h 6d 9s 9d").category(), Category::Straight);
        assert!(
            v("9h 9s 9d 9c 2h") > v("Ah Kh Qh Jh 9h"),
            "quads beat a flush"
        );
        assert_eq!(v("Ah Kd 9s 9c 4h 3d 2c").describe(), "pair of nines");
        assert_eq!(
            v("Ah Kd Qs Jc 9h 3d 2c"),
            v("Ad Kh Qc Js 9s 5d 4c"),
            "board plays: split"
        );
    }

    /// Best of the 21 five-card subsets, the slow obvious way.
    fn best_of_21(seven: &[Card]) -> HandValue {
        let mut best = HandValue(0);
        for skip1 in 0..7 {
            for skip2 in skip1 + 1..7 {
                let five: Vec<Card> = (0..7)
                    .filter(|i| *i != skip1 && *i != skip2)
                    .map(|i| seven[i])
                    .collect();
                best = best.max(evaluate(&five));
            }
        }
        best
    }

    proptest::proptest! {
        #[test]
        fn seven_card_evaluation_equals_the_best_five(idx in proptest::sample::subsequence((0u8..52).collect::<Vec<_>>(), 7)) {
            let mut cards: Vec<Card> = idx.iter().map(|i| Card::from_index(*i).unwrap()).collect();
            let direct = evaluate(&cards);
            proptest::prop_assert_eq!(direct, best_of_21(&cards));
            cards.reverse();
            proptest::prop_assert_eq!(evaluate(&cards), direct, "order does not matter");
        }
    }
}
