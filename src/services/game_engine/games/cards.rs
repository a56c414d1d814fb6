//! Playing cards: 52 of them, `0..52` = suit * 13 + rank, rank 0 = deuce
//! ... 12 = ace. Written as `As`, `Td`, `7h`, `2c`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

const RANKS: &[u8; 13] = b"23456789TJQKA";
const SUITS: &[u8; 4] = b"cdhs";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Card(u8);

impl Card {
    pub fn new(rank: u8, suit: u8) -> Card {
        Card((suit % 4) * 13 + rank % 13)
    }

    pub fn from_index(i: u8) -> Option<Card> {
        (i < 52).then_some(Card(i))
    }

    pub fn index(self) -> u8 {
        self.0
    }

    /// 0 = deuce ... 12 = ace.
    pub fn rank(self) -> u8 {
        self.0 % 13
    }

    /// 0 = clubs, 1 = diamonds, 2 = hearts, 3 = spades.
    pub fn suit(self) -> u8 {
        self.0 / 13
    }

    /// A fresh deck in index order.
    pub fn deck() -> Vec<Card> {
        (0..52).map(Card).collect()
    }
}

impl fmt::Display for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}",
            RANKS[usize::from(self.rank())] as char,
            SUITS[usize::from(self.suit())] as char
        )
    }
}

impl FromStr for Card {
    type Err = String;

    fn from_str(s: &str) -> Result<Card, String> {
        let b = s.as_bytes();
        if b.len() != 2 {
            return Err(format!("{s:?} is not a card like As, Td or 7h"));
        }
        let rank = RANKS
            .iter()
            .position(|r| *r == b[0].to_ascii_uppercase())
            .ok_or_else(|| format!("{s:?}: unknown rank"))?;
        let suit = SUITS
            .iter()
            .position(|x| *x == b[1].to_ascii_lowercase())
            .ok_or_else(|| format!("{s:?}: unknown suit"))?;
        Ok(Card::new(rank as u8, suit as u8))
    }
}

impl Serialize for Card {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Card {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Card, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_card_round_trips_through_its_name() {
        for c in Card::deck() {
            assert_eq!(c.to_string().parse::<Card>().unwrap(), c);
        }
        assert_eq!("As".parse::<Card>().unwrap().rank(), 12);
        assert_eq!("2c".parse::<Card>().unwrap().index(), 0);
        assert!("1x".parse::<Card>().is_err());
    }
}
