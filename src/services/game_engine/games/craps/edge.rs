//! Exact house edges of the implemented craps rules.
//!
//! Not a simulation: a Markov chain over (table phase, bet state) whose
//! transitions are the 36 equally likely rolls, each settled by
//! [`BetKind::settle`] — the same code the table runs. The expected value
//! is solved by value iteration to machine precision. A stake of 600,000
//! chips makes every payout (7:6, 6:5, 3:2, 5%, quarters, halves) whole, so
//! rounding plays no part.

use std::collections::HashMap;

use super::bets::{BetKind, Chips, PayoutRules, Phase, Roll, Settlement};

/// Stake used for exact arithmetic.
pub const STAKE: Chips = 600_000;

type State = (Phase, BetKind);

/// Expected net return per unit staked of a bet made in `phase`
/// (negative: the house edge). Pushes count as bets made.
pub fn expected_return(kind: BetKind, phase: Phase, rules: &PayoutRules) -> f64 {
    let states = reachable((phase, kind), rules);
    let mut value: HashMap<State, f64> = states.iter().map(|s| (*s, 0.0)).collect();
    for _ in 0..10_000 {
        let mut delta: f64 = 0.0;
        for s in &states {
            let v = step_value(*s, &value, rules);
            delta = delta.max((v - value[s]).abs());
            value.insert(*s, v);
        }
        if delta < 1e-16 {
            break;
        }
    }
    value[&(phase, kind)] / STAKE as f64
}

/// House edge in percent (positive: the house's advantage).
pub fn house_edge_percent(kind: BetKind, phase: Phase, rules: &PayoutRules) -> f64 {
    -100.0 * expected_return(kind, phase, rules)
}

fn step_value(state: State, value: &HashMap<State, f64>, rules: &PayoutRules) -> f64 {
    let (phase, kind) = state;
    Roll::all()
        .map(|roll| {
            let next_phase = phase.after(roll.total());
            let v = match kind.settle(STAKE, phase, roll, rules) {
                Settlement::Done { returned, won } => returned as f64 + won as f64 - STAKE as f64,
                Settlement::Stay => value[&(next_phase, kind)],
                Settlement::Travel(k) => value[&(next_phase, k)],
            };
            v / 36.0
        })
        .sum()
}

fn reachable(start: State, rules: &PayoutRules) -> Vec<State> {
    let mut seen = vec![start];
    let mut i = 0;
    while i < seen.len() {
        let (phase, kind) = seen[i];
        for roll in Roll::all() {
            let next_phase = phase.after(roll.total());
            let next = match kind.settle(STAKE, phase, roll, rules) {
                Settlement::Done { .. } => continue,
                Settlement::Stay => (next_phase, kind),
                Settlement::Travel(k) => (next_phase, k),
            };
            if !seen.contains(&next) {
                seen.push(next);
            }
        }
        i += 1;
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(kind: BetKind, phase: Phase) -> f64 {
        house_edge_percent(kind, phase, &PayoutRules::default())
    }

    fn assert_edge(kind: BetKind, phase: Phase, published: f64) {
        let e = edge(kind, phase);
        assert!(
            (e - published).abs() < 0.0005,
            "{kind}: computed {e:.4}%, published {published}%"
        );
    }

    #[test]
    fn line_bets_match_published_edges() {
        assert_edge(BetKind::Pass, Phase::ComeOut, 1.414);
        assert_edge(BetKind::DontPass, Phase::ComeOut, 1.364);
        assert_edge(BetKind::Come, Phase::Point(6), 1.414);
        assert_edge(BetKind::DontCome, Phase::Point(6), 1.364);
    }

    #[test]
    fn free_odds_have_no_edge() {
        for p in [4, 5, 6, 8, 9, 10] {
            assert_edge(BetKind::PassOdds, Phase::Point(p), 0.0);
            assert_edge(BetKind::DontPassOdds, Phase::Point(p), 0.0);
            assert_edge(
                BetKind::ComeOdds(p),
                Phase::Point(if p == 4 { 5 } else { 4 }),
                0.0,
            );
            assert_edge(BetKind::DontComeOdds(p), Phase::ComeOut, 0.0);
        }
    }

    #[test]
    fn place_buy_and_lay_match_published_edges() {
        for (n, published) in [
            (6, 1.515),
            (8, 1.515),
            (5, 4.0),
            (9, 4.0),
            (4, 6.667),
            (10, 6.667),
        ] {
            // The same edge whether placed on the come-out (off) or with a point on.
            assert_edge(BetKind::Place(n), Phase::ComeOut, published);
            assert_edge(BetKind::Place(n), Phase::Point(5), published);
        }
        // Buy with 5% of the bet on wins only: 4/10 1.667%, 5/9 2.0%, 6/8 2.273%.
        assert_edge(BetKind::Buy(4), Phase::Point(6), 1.667);
        assert_edge(BetKind::Buy(5), Phase::Point(6), 2.0);
        assert_edge(BetKind::Buy(6), Phase::Point(5), 2.273);
        // Lay with 5% of the win: 4/10 1.667%, 5/9 2.0%, 6/8 2.273%.
        assert_edge(BetKind::Lay(4), Phase::ComeOut, 1.667);
        assert_edge(BetKind::Lay(9), Phase::ComeOut, 2.0);
        assert_edge(BetKind::Lay(8), Phase::ComeOut, 2.273);
    }

    #[test]
    fn proposition_bets_match_published_edges() {
        let co = Phase::ComeOut;
        assert_edge(BetKind::Field, co, 2.778);
        assert_edge(BetKind::Any7, co, 16.667);
        assert_edge(BetKind::AnyCraps, co, 11.111);
        assert_edge(BetKind::Two, co, 13.889);
        assert_edge(BetKind::Twelve, co, 13.889);
        assert_edge(BetKind::Three, co, 11.111);
        assert_edge(BetKind::Eleven, co, 11.111);
        assert_edge(BetKind::Big6, co, 9.091);
        assert_edge(BetKind::Big8, co, 9.091);
        assert_edge(BetKind::Hard(6), Phase::Point(4), 9.091);
        assert_edge(BetKind::Hard(8), Phase::Point(4), 9.091);
        assert_edge(BetKind::Hard(4), Phase::Point(5), 11.111);
        assert_edge(BetKind::Hard(10), Phase::Point(5), 11.111);
        assert_edge(BetKind::Horn, co, 12.5);
        assert_edge(BetKind::CAndE, co, 11.111);
        // Field with the 12 at 2:1: 5.556%.
        let two_to_one = PayoutRules {
            field_twelve_pays: 2,
        };
        let e = house_edge_percent(BetKind::Field, co, &two_to_one);
        assert!((e - 5.556).abs() < 0.0005, "{e}");
    }
}
