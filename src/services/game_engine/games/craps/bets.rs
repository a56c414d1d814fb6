//! Craps bets and how one roll settles each of them (pure).
//!
//! Standard casino rules: contract bets (pass, come once traveled) stay up
//! after a point; place, buy and hardway bets and come odds are off on the
//! come-out roll; don't-side odds, lay bets, big 6/8 and the one-roll bets
//! always work. Buy and lay pay true odds less a 5% commission (of the bet
//! for buy, of the win for lay), charged only when the bet wins.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use super::super::Chips;

/// The table's phase when a roll happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "phase", content = "point", rename_all = "snake_case")]
pub enum Phase {
    ComeOut,
    Point(u8),
}

impl Phase {
    /// The phase after a roll totalling `total`.
    pub fn after(self, total: u8) -> Phase {
        match self {
            Phase::ComeOut if is_point_number(total) => Phase::Point(total),
            Phase::ComeOut => Phase::ComeOut,
            Phase::Point(p) if total == p || total == 7 => Phase::ComeOut,
            p @ Phase::Point(_) => p,
        }
    }
}

pub fn is_point_number(n: u8) -> bool {
    matches!(n, 4 | 5 | 6 | 8 | 9 | 10)
}

/// A roll of two dice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roll {
    pub die1: u8,
    pub die2: u8,
}

impl Roll {
    pub fn new(die1: u8, die2: u8) -> Roll {
        Roll { die1, die2 }
    }

    pub fn total(self) -> u8 {
        self.die1 + self.die2
    }

    pub fn is_hard(self) -> bool {
        self.die1 == self.die2
    }

    /// All 36 equally likely rolls.
    pub fn all() -> impl Iterator<Item = Roll> {
        (1..=6).flat_map(|a| (1..=6).map(move |b| Roll::new(a, b)))
    }
}

/// Every bet on the craps layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BetKind {
    Pass,
    DontPass,
    Come,
    DontCome,
    /// A come bet that traveled to its number.
    ComePoint(u8),
    /// A don't-come bet that traveled behind its number.
    DontComePoint(u8),
    PassOdds,
    DontPassOdds,
    ComeOdds(u8),
    DontComeOdds(u8),
    Place(u8),
    Buy(u8),
    Lay(u8),
    Field,
    Big6,
    Big8,
    Hard(u8),
    Any7,
    AnyCraps,
    Two,
    Three,
    Eleven,
    Twelve,
    Horn,
    CAndE,
}

/// How a roll leaves a bet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    /// Not decided by this roll.
    Stay,
    /// A come / don't-come bet moves to its number.
    Travel(BetKind),
    /// Decided: `returned` of the stake goes back to the player (the rest
    /// to the house) and the house pays `won`.
    Done { returned: Chips, won: Chips },
}

impl Settlement {
    pub fn lose() -> Settlement {
        Settlement::Done {
            returned: 0,
            won: 0,
        }
    }

    pub fn push(amount: Chips) -> Settlement {
        Settlement::Done {
            returned: amount,
            won: 0,
        }
    }

    /// A win paying `num:den` (rounded down to whole chips), less `vig`.
    pub fn win(amount: Chips, num: Chips, den: Chips, vig: Chips) -> Settlement {
        Settlement::Done {
            returned: amount,
            won: (amount.saturating_mul(num) / den).saturating_sub(vig),
        }
    }
}

/// Table options that change payouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutRules {
    /// What a 12 pays on the field: 3 (3:1, the default) or 2 (2:1).
    pub field_twelve_pays: Chips,
}

impl Default for PayoutRules {
    fn default() -> Self {
        PayoutRules {
            field_twelve_pays: 3,
        }
    }
}

/// True odds of a point number against a seven: (pays, per).
pub fn true_odds(n: u8) -> (Chips, Chips) {
    match n {
        4 | 10 => (2, 1),
        5 | 9 => (3, 2),
        _ => (6, 5),
    }
}

/// Place bet payouts: 9:5 on 4/10, 7:5 on 5/9, 7:6 on 6/8.
pub fn place_odds(n: u8) -> (Chips, Chips) {
    match n {
        4 | 10 => (9, 5),
        5 | 9 => (7, 5),
        _ => (7, 6),
    }
}

/// Commission on buy and lay bets: 5%, rounded down.
pub fn vig(on: Chips) -> Chips {
    on / 20
}

impl BetKind {
    /// Settles a bet of `amount` on `roll`, rolled in `phase`.
    pub fn settle(
        self,
        amount: Chips,
        phase: Phase,
        roll: Roll,
        rules: &PayoutRules,
    ) -> Settlement {
        use Settlement as S;
        let t = roll.total();
        let come_out = phase == Phase::ComeOut;
        match self {
            BetKind::Pass => match phase {
                Phase::ComeOut => match t {
                    7 | 11 => S::win(amount, 1, 1, 0),
                    2 | 3 | 12 => S::lose(),
                    _ => S::Stay,
                },
                Phase::Point(p) if t == p => S::win(amount, 1, 1, 0),
                Phase::Point(_) if t == 7 => S::lose(),
                Phase::Point(_) => S::Stay,
            },
            BetKind::DontPass => match phase {
                Phase::ComeOut => match t {
                    2 | 3 => S::win(amount, 1, 1, 0),
                    12 => S::push(amount),
                    7 | 11 => S::lose(),
                    _ => S::Stay,
                },
                Phase::Point(_) if t == 7 => S::win(amount, 1, 1, 0),
                Phase::Point(p) if t == p => S::lose(),
                Phase::Point(_) => S::Stay,
            },
            BetKind::Come => match t {
                7 | 11 => S::win(amount, 1, 1, 0),
                2 | 3 | 12 => S::lose(),
                n => S::Travel(BetKind::ComePoint(n)),
            },
            BetKind::DontCome => match t {
                2 | 3 => S::win(amount, 1, 1, 0),
                12 => S::push(amount),
                7 | 11 => S::lose(),
                n => S::Travel(BetKind::DontComePoint(n)),
            },
            BetKind::ComePoint(n) => match t {
                x if x == n => S::win(amount, 1, 1, 0),
                7 => S::lose(),
                _ => S::Stay,
            },
            BetKind::DontComePoint(n) => match t {
                7 => S::win(amount, 1, 1, 0),
                x if x == n => S::lose(),
                _ => S::Stay,
            },
            BetKind::PassOdds => match phase {
                Phase::Point(p) if t == p => {
                    let (a, b) = true_odds(p);
                    S::win(amount, a, b, 0)
                }
                Phase::Point(_) if t == 7 => S::lose(),
                Phase::Point(_) => S::Stay,
                // Odds only exist while a point is on; a stray one is returned.
                Phase::ComeOut => S::push(amount),
            },
            BetKind::DontPassOdds => match phase {
                Phase::Point(p) if t == 7 => {
                    let (a, b) = true_odds(p);
                    S::win(amount, b, a, 0)
                }
                Phase::Point(p) if t == p => S::lose(),
                Phase::Point(_) => S::Stay,
                Phase::ComeOut => S::push(amount),
            },
            BetKind::ComeOdds(n) => {
                if come_out {
                    // Off on the come-out: returned when its come bet is decided.
                    if t == n || t == 7 {
                        S::push(amount)
                    } else {
                        S::Stay
                    }
                } else if t == n {
                    let (a, b) = true_odds(n);
                    S::win(amount, a, b, 0)
                } else if t == 7 {
                    S::lose()
                } else {
                    S::Stay
                }
            }
            BetKind::DontComeOdds(n) => match t {
                7 => {
                    let (a, b) = true_odds(n);
                    S::win(amount, b, a, 0)
                }
                x if x == n => S::lose(),
                _ => S::Stay,
            },
            BetKind::Place(n) => match t {
                _ if come_out => S::Stay,
                x if x == n => {
                    let (a, b) = place_odds(n);
                    S::win(amount, a, b, 0)
                }
                7 => S::lose(),
                _ => S::Stay,
            },
            BetKind::Buy(n) => match t {
                _ if come_out => S::Stay,
                x if x == n => {
                    let (a, b) = true_odds(n);
                    S::win(amount, a, b, vig(amount))
                }
                7 => S::lose(),
                _ => S::Stay,
            },
            BetKind::Lay(n) => match t {
                7 => {
                    let (a, b) = true_odds(n);
                    let win = amount.saturating_mul(b) / a;
                    S::win(amount, b, a, vig(win))
                }
                x if x == n => S::lose(),
                _ => S::Stay,
            },
            BetKind::Field => match t {
                2 => S::win(amount, 2, 1, 0),
                12 => S::win(amount, rules.field_twelve_pays, 1, 0),
                3 | 4 | 9 | 10 | 11 => S::win(amount, 1, 1, 0),
                _ => S::lose(),
            },
            BetKind::Big6 | BetKind::Big8 => {
                let n = if self == BetKind::Big6 { 6 } else { 8 };
                match t {
                    x if x == n => S::win(amount, 1, 1, 0),
                    7 => S::lose(),
                    _ => S::Stay,
                }
            }
            BetKind::Hard(n) => match t {
                _ if come_out => S::Stay,
                x if x == n && roll.is_hard() => {
                    let pays = if n == 4 || n == 10 { 7 } else { 9 };
                    S::win(amount, pays, 1, 0)
                }
                x if x == n || x == 7 => S::lose(),
                _ => S::Stay,
            },
            BetKind::Any7 => one_roll(amount, t == 7, 4),
            BetKind::AnyCraps => one_roll(amount, matches!(t, 2 | 3 | 12), 7),
            BetKind::Two => one_roll(amount, t == 2, 30),
            BetKind::Three => one_roll(amount, t == 3, 15),
            BetKind::Eleven => one_roll(amount, t == 11, 15),
            BetKind::Twelve => one_roll(amount, t == 12, 30),
            BetKind::Horn => {
                // Four equal parts on 2, 3, 11, 12; the winning part is paid
                // and returned, the other three lose.
                let quarter = amount / 4;
                match t {
                    2 | 12 => S::Done {
                        returned: quarter,
                        won: quarter * 30,
                    },
                    3 | 11 => S::Done {
                        returned: quarter,
                        won: quarter * 15,
                    },
                    _ => S::lose(),
                }
            }
            BetKind::CAndE => {
                // Half on any craps (7:1), half on eleven (15:1).
                let half = amount / 2;
                match t {
                    2 | 3 | 12 => S::Done {
                        returned: half,
                        won: half * 7,
                    },
                    11 => S::Done {
                        returned: half,
                        won: half * 15,
                    },
                    _ => S::lose(),
                }
            }
        }
    }

    /// Amounts must split evenly for the bets that split.
    pub fn unit(self) -> Chips {
        match self {
            BetKind::Horn => 4,
            BetKind::CAndE => 2,
            _ => 1,
        }
    }

    /// Whether the player may take the bet down before it is decided.
    /// Contract bets (pass after the come-out, come bets) may not.
    pub fn removable(self) -> bool {
        !matches!(self, BetKind::Pass | BetKind::Come | BetKind::ComePoint(_))
    }

    /// Bets decided by the very next roll.
    pub fn is_one_roll(self) -> bool {
        matches!(
            self,
            BetKind::Field
                | BetKind::Any7
                | BetKind::AnyCraps
                | BetKind::Two
                | BetKind::Three
                | BetKind::Eleven
                | BetKind::Twelve
                | BetKind::Horn
                | BetKind::CAndE
        )
    }

    /// Every kind a player can name (traveled come bets excluded).
    pub fn placeable() -> Vec<BetKind> {
        let mut v = vec![
            BetKind::Pass,
            BetKind::DontPass,
            BetKind::Come,
            BetKind::DontCome,
            BetKind::PassOdds,
            BetKind::DontPassOdds,
        ];
        for n in [4, 5, 6, 8, 9, 10] {
            v.extend([
                BetKind::ComeOdds(n),
                BetKind::DontComeOdds(n),
                BetKind::Place(n),
                BetKind::Buy(n),
                BetKind::Lay(n),
            ]);
        }
        v.extend([BetKind::Field, BetKind::Big6, BetKind::Big8]);
        v.extend([4, 6, 8, 10].map(BetKind::Hard));
        v.extend([
            BetKind::Any7,
            BetKind::AnyCraps,
            BetKind::Two,
            BetKind::Three,
            BetKind::Eleven,
            BetKind::Twelve,
            BetKind::Horn,
            BetKind::CAndE,
        ]);
        v
    }
}

fn one_roll(amount: Chips, hit: bool, pays: Chips) -> Settlement {
    if hit {
        Settlement::win(amount, pays, 1, 0)
    } else {
        Settlement::lose()
    }
}

impl fmt::Display for BetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BetKind::Pass => write!(f, "pass"),
            BetKind::DontPass => write!(f, "dont_pass"),
            BetKind::Come => write!(f, "come"),
            BetKind::DontCome => write!(f, "dont_come"),
            BetKind::ComePoint(n) => write!(f, "come_{n}"),
            BetKind::DontComePoint(n) => write!(f, "dont_come_{n}"),
            BetKind::PassOdds => write!(f, "pass_odds"),
            BetKind::DontPassOdds => write!(f, "dont_pass_odds"),
            BetKind::ComeOdds(n) => write!(f, "come_odds_{n}"),
            BetKind::DontComeOdds(n) => write!(f, "dont_come_odds_{n}"),
            BetKind::Place(n) => write!(f, "place_{n}"),
            BetKind::Buy(n) => write!(f, "buy_{n}"),
            BetKind::Lay(n) => write!(f, "lay_{n}"),
            BetKind::Field => write!(f, "field"),
            BetKind::Big6 => write!(f, "big_6"),
            BetKind::Big8 => write!(f, "big_8"),
            BetKind::Hard(n) => write!(f, "hard_{n}"),
            BetKind::Any7 => write!(f, "any_7"),
            BetKind::AnyCraps => write!(f, "any_craps"),
            BetKind::Two => write!(f, "two"),
            BetKind::Three => write!(f, "three"),
            BetKind::Eleven => write!(f, "eleven"),
            BetKind::Twelve => write!(f, "twelve"),
            BetKind::Horn => write!(f, "horn"),
            BetKind::CAndE => write!(f, "c_and_e"),
        }
    }
}

impl FromStr for BetKind {
    type Err = String;

    fn from_str(s: &str) -> Result<BetKind, String> {
        // Only the documented names (README "Games"), exactly: no case
        // folding, no aliases, so a client's typo is refused, not guessed.
        let numbered = |prefix: &str, allowed: &[u8]| -> Option<u8> {
            let rest = s.strip_prefix(prefix)?;
            let n: u8 = rest.parse().ok()?;
            (allowed.contains(&n) && rest == n.to_string()).then_some(n)
        };
        const POINTS: &[u8] = &[4, 5, 6, 8, 9, 10];
        let kind = match s {
            "pass" => BetKind::Pass,
            "dont_pass" => BetKind::DontPass,
            "come" => BetKind::Come,
            "dont_come" => BetKind::DontCome,
            "pass_odds" => BetKind::PassOdds,
            "dont_pass_odds" => BetKind::DontPassOdds,
            "field" => BetKind::Field,
            "big_6" => BetKind::Big6,
            "big_8" => BetKind::Big8,
            "any_7" => BetKind::Any7,
            "any_craps" => BetKind::AnyCraps,
            "two" => BetKind::Two,
            "three" => BetKind::Three,
            "eleven" => BetKind::Eleven,
            "twelve" => BetKind::Twelve,
            "horn" => BetKind::Horn,
            "c_and_e" => BetKind::CAndE,
            _ => {
                if let Some(n) = numbered("dont_come_odds_", POINTS) {
                    BetKind::DontComeOdds(n)
                } else if let Some(n) = numbered("come_odds_", POINTS) {
                    BetKind::ComeOdds(n)
                } else if let Some(n) = numbered("dont_come_", POINTS) {
                    BetKind::DontComePoint(n)
                } else if let Some(n) = numbered("come_", POINTS) {
                    BetKind::ComePoint(n)
                } else if let Some(n) = numbered("place_", POINTS) {
                    BetKind::Place(n)
                } else if let Some(n) = numbered("buy_", POINTS) {
                    BetKind::Buy(n)
                } else if let Some(n) = numbered("lay_", POINTS) {
                    BetKind::Lay(n)
                } else if let Some(n) = numbered("hard_", &[4, 6, 8, 10]) {
                    BetKind::Hard(n)
                } else {
                    return Err(format!(
                        "unknown craps bet {s:?}; bets: pass, dont_pass, come, dont_come, pass_odds, \
                         dont_pass_odds, come_odds_N, dont_come_odds_N, place_N, buy_N, lay_N \
                         (N in 4,5,6,8,9,10), field, big_6, big_8, hard_N (N in 4,6,8,10), any_7, \
                         any_craps, two, three, eleven, twelve, horn, c_and_e"
                    ));
                }
            }
        };
        Ok(kind)
    }
}

impl Serialize for BetKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for BetKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<BetKind, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        let mut all = BetKind::placeable();
        all.extend([BetKind::ComePoint(5), BetKind::DontComePoint(10)]);
        for k in all {
            assert_eq!(k.to_string().parse::<BetKind>().unwrap(), k, "{k}");
        }
        assert!("place_7".parse::<BetKind>().is_err());
        assert!("hard_5".parse::<BetKind>().is_err());
        // Only the documented names, exactly.
        for alias in [
            "pass_line",
            "PASS",
            " pass",
            "dont-pass",
            "big6",
            "yo",
            "11",
            "c&e",
            "place_06",
            "hard_+4",
        ] {
            assert!(alias.parse::<BetKind>().is_err(), "{alias}");
        }
        assert!(
            "martingale"
                .parse::<BetKind>()
                .unwrap_err()
                .contains("bets: pass")
        );
    }

    #[test]
    fn phase_follows_the_line() {
        assert_eq!(Phase::ComeOut.after(7), Phase::ComeOut);
        assert_eq!(Phase::ComeOut.after(6), Phase::Point(6));
        assert_eq!(Phase::Point(6).after(8), Phase::Point(6));
        assert_eq!(Phase::Point(6).after(6), Phase::ComeOut);
        assert_eq!(Phase::Point(6).after(7), Phase::ComeOut);
    }

    #[test]
    fn payouts_on_a_hit() {
        let r = PayoutRules::default();
        let p = Phase::Point(9);
        let hit = |k: BetKind, amount, roll| k.settle(amount, p, roll, &r);
        assert_eq!(
            hit(BetKind::Place(6), 12, Roll::new(2, 4)),
            Settlement::Done {
                returned: 12,
                won: 14
            }
        );
        assert_eq!(
            hit(BetKind::Place(4), 10, Roll::new(1, 3)),
            Settlement::Done {
                returned: 10,
                won: 18
            }
        );
        // buy 4 for 20: true odds 40, less 5% of the bet (1)
        assert_eq!(
            hit(BetKind::Buy(4), 20, Roll::new(2, 2)),
            Settlement::Done {
                returned: 20,
                won: 39
            }
        );
        // lay 4 for 40: wins 20, less 5% of the win (1)
        assert_eq!(
            hit(BetKind::Lay(4), 40, Roll::new(3, 4)),
            Settlement::Done {
                returned: 40,
                won: 19
            }
        );
        assert_eq!(
            hit(BetKind::PassOdds, 20, Roll::new(4, 5)),
            Settlement::Done {
                returned: 20,
                won: 30
            }
        );
        assert_eq!(
            hit(BetKind::Hard(8), 5, Roll::new(4, 4)),
            Settlement::win(5, 9, 1, 0)
        );
        assert_eq!(
            hit(BetKind::Hard(8), 5, Roll::new(2, 6)),
            Settlement::lose()
        );
        assert_eq!(
            BetKind::Field.settle(
                10,
                p,
                Roll::new(6, 6),
                &PayoutRules {
                    field_twelve_pays: 2
                }
            ),
            Settlement::win(10, 2, 1, 0)
        );
    }

    #[test]
    fn come_out_rules() {
        let r = PayoutRules::default();
        let co = Phase::ComeOut;
        let seven = Roll::new(3, 4);
        // place, buy and hardways are off; lay and big 6 work
        assert_eq!(BetKind::Place(6).settle(6, co, seven, &r), Settlement::Stay);
        assert_eq!(BetKind::Hard(6).settle(6, co, seven, &r), Settlement::Stay);
        assert_eq!(
            BetKind::Lay(6).settle(6, co, seven, &r),
            Settlement::win(6, 5, 6, 0)
        );
        assert_eq!(BetKind::Big6.settle(6, co, seven, &r), Settlement::lose());
        // a 7 on the come-out loses come points but returns their odds
        assert_eq!(
            BetKind::ComePoint(5).settle(10, co, seven, &r),
            Settlement::lose()
        );
        assert_eq!(
            BetKind::ComeOdds(5).settle(20, co, seven, &r),
            Settlement::push(20)
        );
        assert_eq!(
            BetKind::DontComeOdds(5).settle(30, co, seven, &r),
            Settlement::win(30, 2, 3, 0)
        );
        // don't pass: bar 12
        assert_eq!(
            BetKind::DontPass.settle(10, co, Roll::new(6, 6), &r),
            Settlement::push(10)
        );
        assert_eq!(
            BetKind::Come.settle(10, Phase::Point(4), Roll::new(5, 5), &r),
            Settlement::Travel(BetKind::ComePoint(10))
        );
    }
}
