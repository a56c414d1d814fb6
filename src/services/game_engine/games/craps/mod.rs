//! A craps table (pure): bets on the layout, the come-out / point cycle,
//! shooter rotation and settlement of every bet on every roll. Chips are
//! not held here: the table says what to debit and what each settlement
//! returns, and the game's ledger moves the chips.

pub mod bets;
pub mod edge;

use serde::{Deserialize, Serialize};

pub use bets::{BetKind, Chips, PayoutRules, Phase, Roll, Settlement};

use super::RuleError;

/// Table limits and options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CrapsConfig {
    pub min_bet: Chips,
    pub max_bet: Chips,
    /// Free odds as 3-4-5x: odds on 4/10 up to 3x the flat bet, 5/9 4x,
    /// 6/8 5x; lay odds up to 6x the flat bet (a win of 3-4-5x).
    pub odds_3_4_5x: bool,
    pub field_twelve_pays: Chips,
}

impl Default for CrapsConfig {
    fn default() -> Self {
        CrapsConfig {
            min_bet: 1,
            max_bet: 1_000_000,
            odds_3_4_5x: true,
            field_twelve_pays: 3,
        }
    }
}

impl CrapsConfig {
    pub fn validate(&self) -> Result<(), RuleError> {
        if self.min_bet == 0 || self.min_bet > self.max_bet {
            return Err(RuleError::invalid(format!(
                "min_bet {} must be at least 1 and at most max_bet {}",
                self.min_bet, self.max_bet
            )));
        }
        if !matches!(self.field_twelve_pays, 2 | 3) {
            return Err(RuleError::invalid(
                "field_twelve_pays must be 2 (2:1) or 3 (3:1)",
            ));
        }
        Ok(())
    }

    fn payout_rules(&self) -> PayoutRules {
        PayoutRules {
            field_twelve_pays: self.field_twelve_pays,
        }
    }

    /// Largest odds bet behind a flat bet of `flat` on point `n`.
    fn max_odds(&self, kind: BetKind, n: u8, flat: Chips) -> Chips {
        let mult = if !self.odds_3_4_5x {
            1
        } else if matches!(kind, BetKind::DontPassOdds | BetKind::DontComeOdds(_)) {
            6
        } else {
            match n {
                4 | 10 => 3,
                5 | 9 => 4,
                _ => 5,
            }
        };
        flat.saturating_mul(mult)
    }
}

/// A bet on the layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bet {
    pub id: u64,
    pub player: String,
    pub kind: BetKind,
    pub amount: Chips,
}

/// One bet decided by a roll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settled {
    pub bet_id: u64,
    pub player: String,
    pub kind: BetKind,
    pub amount: Chips,
    /// Stake returned to the player (the rest of the stake goes to the house).
    pub returned: Chips,
    /// Winnings the house pays.
    pub won: Chips,
    /// A winning place, buy, lay, hardway or big 6/8 bet stays up: its
    /// stake stays on the layout (so `returned` is 0) and only `won` is paid.
    #[serde(default)]
    pub stays_up: bool,
}

impl Settled {
    /// Net result for the player.
    pub fn net(&self) -> i128 {
        if self.stays_up {
            return i128::from(self.won);
        }
        i128::from(self.returned) + i128::from(self.won) - i128::from(self.amount)
    }
}

/// What one roll did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollOutcome {
    pub roll: Roll,
    pub total: u8,
    pub shooter: String,
    pub phase_before: Phase,
    pub phase_after: Phase,
    pub settled: Vec<Settled>,
    /// Come / don't-come bets that moved to their number: (bet id, new kind).
    pub traveled: Vec<(u64, BetKind)>,
    pub seven_out: bool,
    pub point_made: bool,
}

/// The table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrapsTable {
    pub config: CrapsConfig,
    pub phase: Phase,
    /// The shooter, by player id; rotates in seat order on a seven-out.
    pub shooter: Option<String>,
    pub bets: Vec<Bet>,
    pub rolls: u64,
    next_bet_id: u64,
}

impl CrapsTable {
    pub fn new(config: CrapsConfig) -> CrapsTable {
        CrapsTable {
            config,
            phase: Phase::ComeOut,
            shooter: None,
            bets: Vec::new(),
            rolls: 0,
            next_bet_id: 1,
        }
    }

    /// Chips `player` has on the layout.
    pub fn at_risk(&self, player: &str) -> Chips {
        self.bets
            .iter()
            .filter(|b| b.player == player)
            .map(|b| b.amount)
            .sum()
    }

    fn own(&self, player: &str, kind: BetKind) -> Chips {
        self.bets
            .iter()
            .filter(|b| b.player == player && b.kind == kind)
            .map(|b| b.amount)
            .sum()
    }

    /// Checks a bet against the rules and the table's state. The caller
    /// checks the player's balance.
    pub fn check_bet(&self, player: &str, kind: BetKind, amount: Chips) -> Result<(), RuleError> {
        if amount == 0 {
            return Err(RuleError::invalid("a bet must be at least 1 chip"));
        }
        if amount % kind.unit() != 0 {
            return Err(RuleError::invalid(format!(
                "a {kind} bet is split {} ways: the amount must be a multiple of {}",
                kind.unit(),
                kind.unit()
            )));
        }
        let point = match self.phase {
            Phase::Point(p) => Some(p),
            Phase::ComeOut => None,
        };
        let odds_base = match kind {
            BetKind::PassOdds => Some((BetKind::Pass, point)),
            BetKind::DontPassOdds => Some((BetKind::DontPass, point)),
            BetKind::ComeOdds(n) => Some((BetKind::ComePoint(n), Some(n))),
            BetKind::DontComeOdds(n) => Some((BetKind::DontComePoint(n), Some(n))),
            _ => None,
        };
        if let Some((base, n)) = odds_base {
            let Some(n) = n else {
                return Err(RuleError::not_now(format!(
                    "{kind} can only be taken while a point is on"
                )));
            };
            let flat = self.own(player, base);
            if flat == 0 {
                return Err(RuleError::not_now(format!(
                    "{kind} needs your {base} bet behind it, and you have none"
                )));
            }
            let max = self.config.max_odds(kind, n, flat);
            let total = self.own(player, kind).saturating_add(amount);
            if total > max {
                return Err(RuleError::invalid(format!(
                    "{kind} would be {total} chips; the most allowed behind your {flat}-chip {base} bet is {max}"
                )));
            }
            return Ok(());
        }
        match kind {
            BetKind::Pass | BetKind::DontPass if point.is_some() => {
                return Err(RuleError::not_now(format!(
                    "{kind} bets are made on the come-out roll; with a point on, bet come or dont_come"
                )));
            }
            BetKind::Come | BetKind::DontCome if point.is_none() => {
                return Err(RuleError::not_now(format!(
                    "{kind} bets are made while a point is on; on the come-out, bet pass or dont_pass"
                )));
            }
            BetKind::ComePoint(_) | BetKind::DontComePoint(_) => {
                return Err(RuleError::invalid(format!(
                    "{kind} is where a come bet travels; bet come or dont_come instead"
                )));
            }
            _ => {}
        }
        let total = self.own(player, kind).saturating_add(amount);
        if amount < self.config.min_bet {
            return Err(RuleError::invalid(format!(
                "the table minimum is {} chips",
                self.config.min_bet
            )));
        }
        if total > self.config.max_bet {
            return Err(RuleError::invalid(format!(
                "{kind} would be {total} chips; the table maximum is {}",
                self.config.max_bet
            )));
        }
        Ok(())
    }

    /// Places (or adds to) a bet after [`check_bet`](Self::check_bet).
    pub fn place(&mut self, player: &str, kind: BetKind, amount: Chips) -> Result<u64, RuleError> {
        self.check_bet(player, kind, amount)?;
        if let Some(b) = self
            .bets
            .iter_mut()
            .find(|b| b.player == player && b.kind == kind)
        {
            b.amount += amount;
            return Ok(b.id);
        }
        let id = self.next_bet_id;
        self.next_bet_id += 1;
        self.bets.push(Bet {
            id,
            player: player.to_string(),
            kind,
            amount,
        });
        Ok(id)
    }

    /// Takes a bet down, returning its amount. `house` is what backs the
    /// table now. Contract bets stay until decided, except on a table
    /// whose house cannot cover the next roll
    /// ([`Table::uncovered`]): no one may roll there, so without this the
    /// table could never move again. Such a bet comes back at its stake.
    pub fn remove(
        &mut self,
        player: &str,
        kind: BetKind,
        house: Chips,
    ) -> Result<Chips, RuleError> {
        let idx = self
            .bets
            .iter()
            .position(|b| b.player == player && b.kind == kind)
            .ok_or_else(|| RuleError::not_now(format!("you have no {kind} bet on the table")))?;
        if !kind.removable() && !self.uncovered(house) {
            return Err(RuleError::not_now(format!(
                "{kind} is a contract bet: it stays until it is decided"
            )));
        }
        let mut amount = self.bets.remove(idx).amount;
        // A flat bet taken down takes its odds with it: odds cannot stand
        // behind nothing.
        if let Some(dep) = Self::dependent_odds(kind)
            && let Some(j) = self
                .bets
                .iter()
                .position(|b| b.player == player && b.kind == dep)
        {
            amount += self.bets.remove(j).amount;
        }
        Ok(amount)
    }

    /// The odds that must come down with a removed flat bet.
    fn dependent_odds(kind: BetKind) -> Option<BetKind> {
        match kind {
            BetKind::Pass => Some(BetKind::PassOdds),
            BetKind::ComePoint(n) => Some(BetKind::ComeOdds(n)),
            BetKind::DontPass => Some(BetKind::DontPassOdds),
            BetKind::DontComePoint(n) => Some(BetKind::DontComeOdds(n)),
            _ => None,
        }
    }

    /// Rolls the dice: settles every bet, moves the phase and the shooter.
    /// `seats` is the players in seat order, for shooter rotation.
    pub fn roll(&mut self, roll: Roll, seats: &[String]) -> RollOutcome {
        let rules = self.config.payout_rules();
        let phase_before = self.phase;
        let total = roll.total();
        let mut settled = Vec::new();
        let mut traveled = Vec::new();
        let mut kept = Vec::with_capacity(self.bets.len());
        for mut bet in std::mem::take(&mut self.bets) {
            match bet.kind.settle(bet.amount, phase_before, roll, &rules) {
                Settlement::Stay => kept.push(bet),
                Settlement::Travel(k) => {
                    traveled.push((bet.id, k));
                    bet.kind = k;
                    kept.push(bet);
                }
                Settlement::Done { returned, won }
                    if won > 0 && returned == bet.amount && stays_up(bet.kind) =>
                {
                    settled.push(Settled {
                        bet_id: bet.id,
                        player: bet.player.clone(),
                        kind: bet.kind,
                        amount: bet.amount,
                        returned: 0,
                        won,
                        stays_up: true,
                    });
                    kept.push(bet);
                }
                Settlement::Done { returned, won } => settled.push(Settled {
                    bet_id: bet.id,
                    player: bet.player,
                    kind: bet.kind,
                    amount: bet.amount,
                    returned,
                    won,
                    stays_up: false,
                }),
            }
        }
        // Traveled come bets may join an existing bet on the same number.
        let mut merged: Vec<Bet> = Vec::with_capacity(kept.len());
        for bet in kept {
            if let Some(b) = merged
                .iter_mut()
                .find(|b| b.player == bet.player && b.kind == bet.kind)
            {
                b.amount += bet.amount;
            } else {
                merged.push(bet);
            }
        }
        self.bets = merged;
        self.phase = phase_before.after(total);
        self.rolls += 1;
        let seven_out = matches!(phase_before, Phase::Point(_)) && total == 7;
        let point_made = matches!(phase_before, Phase::Point(p) if p == total);
        let shooter = self.shooter.clone().unwrap_or_default();
        if seven_out {
            self.shooter = next_shooter(seats, self.shooter.as_deref());
        }
        RollOutcome {
            roll,
            total,
            shooter,
            phase_before,
            phase_after: self.phase,
            settled,
            traveled,
            seven_out,
            point_made,
        }
    }

    /// What the house pays on `roll`, rolled in `phase`, to the bets on the
    /// layout (the sum of every `won` that roll would settle).
    pub fn payout_on(&self, phase: Phase, roll: Roll) -> u128 {
        let rules = self.config.payout_rules();
        self.bets
            .iter()
            .map(|b| match b.kind.settle(b.amount, phase, roll, &rules) {
                Settlement::Done { won, .. } => u128::from(won),
                Settlement::Stay | Settlement::Travel(_) => 0,
            })
            .sum()
    }

    /// Whether the bets standing could win more on the next roll than
    /// `house` holds. Then nobody may roll, and every bet may come down.
    pub fn uncovered(&self, house: Chips) -> bool {
        self.worst_case_next_roll() > u128::from(house)
    }

    /// The exact worst case of the next roll: the most the house pays over
    /// all 36 outcomes of the dice in the table's current phase.
    pub fn worst_case_next_roll(&self) -> u128 {
        Roll::all()
            .map(|r| self.payout_on(self.phase, r))
            .max()
            .unwrap_or(0)
    }

    /// The most the house pays on any one roll with the bets on the layout,
    /// over all 36 outcomes in every phase (come-out and each point). Bets
    /// are checked against this when placed, so the bound still holds after
    /// the point moves (place bets start working, come bets travel: neither
    /// raises it). Only the house paying out can make the next roll's
    /// worst case exceed what is left.
    pub fn worst_case_any_roll(&self) -> u128 {
        std::iter::once(Phase::ComeOut)
            .chain([4, 5, 6, 8, 9, 10].map(Phase::Point))
            .flat_map(|phase| Roll::all().map(move |r| (phase, r)))
            .map(|(phase, r)| self.payout_on(phase, r))
            .max()
            .unwrap_or(0)
    }

    /// Keeps the shooter valid after players join or leave.
    pub fn seat_changed(&mut self, seats: &[String]) {
        match &self.shooter {
            Some(s) if seats.contains(s) => {}
            Some(s) => {
                // The shooter left: the dice pass to the next seat.
                let gone = s.clone();
                self.shooter = seats
                    .iter()
                    .find(|p| p.as_str() > gone.as_str())
                    .or_else(|| seats.first())
                    .cloned();
            }
            None => self.shooter = seats.first().cloned(),
        }
    }
}

/// Bets that keep working after a win until taken down or lost.
/// The ledger moves of a roll's settlements, in order: per bet, the stake
/// returned, the lost stake collected (not for a bet that stays up), then
/// the winnings paid.
pub fn settlement_moves(settled: &[Settled]) -> Vec<super::ChipMove> {
    use super::ChipMove;
    let mut moves = Vec::new();
    for s in settled {
        let p = s.player.clone();
        if s.returned > 0 {
            moves.push(ChipMove::Return {
                player: p.clone(),
                amount: s.returned,
            });
        }
        if !s.stays_up && s.amount > s.returned {
            moves.push(ChipMove::Collect {
                player: p.clone(),
                amount: s.amount - s.returned,
            });
        }
        if s.won > 0 {
            moves.push(ChipMove::Pay {
                player: p,
                amount: s.won,
            });
        }
    }
    moves
}

fn stays_up(kind: BetKind) -> bool {
    matches!(
        kind,
        BetKind::Place(_)
            | BetKind::Buy(_)
            | BetKind::Lay(_)
            | BetKind::Hard(_)
            | BetKind::Big6
            | BetKind::Big8
    )
}

fn next_shooter(seats: &[String], current: Option<&str>) -> Option<String> {
    if seats.is_empty() {
        return None;
    }
    let idx = current
        .and_then(|c| seats.iter().position(|s| s == c))
        .map(|i| (i + 1) % seats.len())
        .unwrap_or(0);
    seats.get(idx).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seats() -> Vec<String> {
        vec!["alice".into(), "bob".into()]
    }

    fn table() -> CrapsTable {
        let mut t = CrapsTable::new(CrapsConfig {
            min_bet: 5,
            max_bet: 500,
            ..CrapsConfig::default()
        });
        t.seat_changed(&seats());
        t
    }

    #[test]
    fn a_point_is_set_made_and_then_a_seven_out_passes_the_dice() {
        let mut t = table();
        t.place("alice", BetKind::Pass, 10).unwrap();
        t.place("bob", BetKind::DontPass, 10).unwrap();
        let o = t.roll(Roll::new(2, 4), &seats());
        assert_eq!(o.phase_after, Phase::Point(6));
        assert!(o.settled.is_empty());
        t.place("alice", BetKind::PassOdds, 50).unwrap();
        assert!(
            t.place("alice", BetKind::PassOdds, 1).is_err(),
            "5x cap on 6"
        );
        let o = t.roll(Roll::new(3, 3), &seats());
        assert!(o.point_made);
        assert_eq!(t.phase, Phase::ComeOut);
        let alice: Vec<_> = o.settled.iter().filter(|s| s.player == "alice").collect();
        assert_eq!(alice.iter().map(|s| s.net()).sum::<i128>(), 10 + 60);
        assert_eq!(
            o.settled.iter().find(|s| s.player == "bob").unwrap().net(),
            -10
        );
        assert_eq!(
            t.shooter.as_deref(),
            Some("alice"),
            "point made: same shooter"
        );

        t.place("alice", BetKind::Pass, 10).unwrap();
        t.roll(Roll::new(4, 4), &seats());
        let o = t.roll(Roll::new(3, 4), &seats());
        assert!(o.seven_out);
        assert_eq!(o.shooter, "alice");
        assert_eq!(t.shooter.as_deref(), Some("bob"));
        assert!(t.bets.is_empty());
    }

    #[test]
    fn bets_follow_the_come_out_rules() {
        let mut t = table();
        let e = t.place("alice", BetKind::Come, 10).unwrap_err();
        assert!(matches!(e, RuleError::NotNow(_)), "{e:?}");
        assert!(t.place("alice", BetKind::PassOdds, 10).is_err());
        t.place("alice", BetKind::Place(8), 12).unwrap();
        t.roll(Roll::new(1, 3), &seats()); // point 4
        assert!(t.place("alice", BetKind::Pass, 10).is_err());
        t.place("alice", BetKind::Come, 10).unwrap();
        let o = t.roll(Roll::new(4, 4), &seats()); // come travels to 8, place 8 wins 14
        assert_eq!(o.traveled.len(), 1);
        assert_eq!(o.settled[0].won, 14);
        assert!(o.settled[0].stays_up, "a winning place bet keeps working");
        assert!(t.bets.iter().any(|b| b.kind == BetKind::ComePoint(8)));
        t.place("alice", BetKind::ComeOdds(8), 50).unwrap();
        assert!(
            t.remove("alice", BetKind::ComePoint(8), 1_000_000).is_err(),
            "contract"
        );
        assert_eq!(t.remove("alice", BetKind::Place(8), 1_000_000).unwrap(), 12);
    }

    #[test]
    fn contract_bets_come_down_only_when_the_house_cannot_cover_the_next_roll() {
        let mut t = table();
        t.place("alice", BetKind::Pass, 10).unwrap();
        t.roll(Roll::new(1, 3), &seats()); // point 4
        t.place("alice", BetKind::PassOdds, 20).unwrap();
        t.place("bob", BetKind::Place(6), 12).unwrap();
        // A 4 pays the pass line 10 and its odds 40 at 2:1.
        assert_eq!(t.worst_case_next_roll(), 50);
        assert!(!t.uncovered(50));
        let e = t.remove("alice", BetKind::Pass, 50).unwrap_err();
        assert!(e.to_string().contains("contract bet"), "{e}");
        // The house has paid out elsewhere: 49 cannot cover a 4, so no one
        // may roll, and the contract bet comes back with the odds behind it.
        assert!(t.uncovered(49));
        assert_eq!(t.remove("alice", BetKind::Pass, 49).unwrap(), 30);
        assert!(t.bets.iter().all(|b| b.player == "bob"));
        assert!(!t.uncovered(14), "bob's place 6 pays 14 at most");
    }

    #[test]
    fn limits_and_units_are_enforced() {
        let mut t = table();
        assert!(matches!(
            t.place("alice", BetKind::Field, 4),
            Err(RuleError::Invalid(_))
        ));
        assert!(t.place("alice", BetKind::Field, 501).is_err());
        t.place("alice", BetKind::Field, 400).unwrap();
        assert!(
            t.place("alice", BetKind::Field, 101).is_err(),
            "max applies to the total"
        );
        assert!(
            t.place("alice", BetKind::Horn, 10).is_err(),
            "horn in multiples of 4"
        );
        t.place("alice", BetKind::Horn, 12).unwrap();
        assert!(t.place("alice", BetKind::ComePoint(6), 10).is_err());
    }

    #[test]
    fn every_roll_conserves_stakes() {
        // For each of the 36 rolls from each phase, a full layout settles
        // so that returned <= amount and nothing vanishes from the layout.
        for phase in [
            Phase::ComeOut,
            Phase::Point(4),
            Phase::Point(6),
            Phase::Point(9),
        ] {
            for roll in Roll::all() {
                let mut t = table();
                t.phase = phase;
                let mut staked = 0;
                for kind in BetKind::placeable() {
                    for (i, p) in ["alice", "bob"].iter().enumerate() {
                        let amount = 120 + 60 * i as Chips;
                        if matches!(kind, BetKind::ComeOdds(_) | BetKind::DontComeOdds(_)) {
                            continue;
                        }
                        if t.place(p, kind, amount).is_ok() {
                            staked += amount;
                        }
                    }
                }
                let before = t.bets.len();
                let o = t.roll(roll, &seats());
                let left: Chips = t.bets.iter().map(|b| b.amount).sum();
                let decided: Chips = o
                    .settled
                    .iter()
                    .filter(|s| !s.stays_up)
                    .map(|s| s.amount)
                    .sum();
                assert_eq!(left + decided, staked, "{phase:?} {roll:?}");
                assert!(o.settled.iter().all(|s| s.returned <= s.amount));
                assert!(t.bets.len() <= before);
            }
        }
    }

    #[test]
    fn the_worst_case_is_the_largest_payout_over_the_36_rolls() {
        let mut t = table();
        assert_eq!(t.worst_case_next_roll(), 0);
        // A place bet is off on the come-out but works once a point is on.
        t.place("alice", BetKind::Place(6), 12).unwrap();
        assert_eq!(t.worst_case_next_roll(), 0);
        assert_eq!(t.worst_case_any_roll(), 14);
        // A seven pays any_7 (4:1) and loses the field; a 12 pays the field
        // 3:1; the 7 is the worst roll.
        t.place("alice", BetKind::Any7, 100).unwrap();
        t.place("bob", BetKind::Field, 100).unwrap();
        assert_eq!(t.payout_on(Phase::ComeOut, Roll::new(3, 4)), 400);
        assert_eq!(t.payout_on(Phase::ComeOut, Roll::new(6, 6)), 300);
        assert_eq!(t.worst_case_next_roll(), 400);
        // With the point on 6, a 6 pays place 6 (14) and nothing else.
        assert_eq!(t.payout_on(Phase::Point(6), Roll::new(3, 3)), 14);
        assert_eq!(t.worst_case_any_roll(), 400);
        t.place("bob", BetKind::Twelve, 20).unwrap();
        assert_eq!(
            t.worst_case_any_roll(),
            300 + 600,
            "boxcars: field 3:1 + twelve 30:1"
        );
    }

    #[test]
    fn shooter_rotation_skips_players_who_left() {
        let mut t = table();
        assert_eq!(t.shooter.as_deref(), Some("alice"));
        t.seat_changed(&["bob".to_string()]);
        assert_eq!(t.shooter.as_deref(), Some("bob"));
        t.seat_changed(&[]);
        assert_eq!(t.shooter, None);
    }
}
