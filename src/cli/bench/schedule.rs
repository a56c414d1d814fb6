//! The load generator's pure arithmetic: when each request of an open loop
//! is due, which operation the n-th request is, and whether a run met its
//! thresholds. No clock and no IO: times are offsets from the run's start.

use std::fmt;
use std::time::Duration;

/// An open loop at a fixed rate: request `i` is due at `i / rate` seconds
/// after the start, whatever happened to the requests before it. Latency is
/// measured from that intended time, so a stalled server is charged for the
/// requests it delayed (no coordinated omission).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenLoop {
    /// Requests per second, at least 1.
    pub rate: u64,
}

impl OpenLoop {
    /// When request `i` is due, from the start: `i / rate` seconds rounded
    /// up to the nanosecond (no drift accumulates however long the run;
    /// rounding up, as `due_by` counts, so that `due_at(i) <= t` exactly
    /// when request `i` is among the `due_by(t)` first).
    pub fn due_at(self, i: u64) -> Duration {
        let rate = u128::from(self.rate.max(1));
        let ns = (u128::from(i) * 1_000_000_000).div_ceil(rate);
        Duration::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX))
    }

    /// How many requests are due at or before `elapsed`.
    pub fn due_by(self, elapsed: Duration) -> u64 {
        let n = elapsed.as_nanos() * u128::from(self.rate.max(1)) / 1_000_000_000 + 1;
        u64::try_from(n).unwrap_or(u64::MAX)
    }

    /// Requests in a run of `duration`: those due strictly before its end.
    pub fn total(self, duration: Duration) -> u64 {
        if duration.is_zero() {
            return 0;
        }
        self.due_by(duration - Duration::from_nanos(1))
    }

    /// The latency charged to request `i` that completed at `done` (from the
    /// start): from when it was due, not from when it was sent.
    pub fn latency(self, i: u64, done: Duration) -> Duration {
        done.saturating_sub(self.due_at(i))
    }
}

/// One kind of request in the gateway mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Op {
    /// `GET /health` (liveness; not authenticated, not rate limited).
    Health,
    /// `GET …/games?limit=10`.
    List,
    /// `POST …/games`, then the player leaves (the game finishes), so the
    /// engine's open-game limit is never reached.
    Create,
    /// `GET …/games/{id}`.
    Get,
    /// A field bet of 1 chip.
    Bet,
    /// The shooter rolls.
    Roll,
}

impl Op {
    pub const ALL: [Op; 6] = [Op::Health, Op::List, Op::Create, Op::Get, Op::Bet, Op::Roll];

    pub fn name(self) -> &'static str {
        match self {
            Op::Health => "health",
            Op::List => "list",
            Op::Create => "create",
            Op::Get => "get",
            Op::Bet => "bet",
            Op::Roll => "roll",
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Weighted operations; request `n` gets a fixed operation, so the mix is
/// exact over every `total weight` consecutive requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mix {
    /// Each operation with its weight (> 0), in `Op::ALL` order.
    weights: Vec<(Op, u32)>,
    /// Operation of each slot of one cycle, interleaved (smooth weighted
    /// round robin), so a cycle is not a run of one operation then another.
    cycle: Vec<Op>,
}

pub const DEFAULT_MIX: &str = "health=1,list=1,create=1,get=4,bet=2,roll=2";

impl Mix {
    /// Parses `get=4,bet=2,…`: names from `Op::ALL`, weights 0–1000, at
    /// least one positive; an operation not named has weight 0.
    pub fn parse(s: &str) -> Result<Mix, String> {
        let mut weights: Vec<(Op, u32)> = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, w) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?} is not NAME=WEIGHT (e.g. get=4)"))?;
            let op = Op::ALL
                .into_iter()
                .find(|o| o.name() == name.trim())
                .ok_or_else(|| {
                    format!(
                        "unknown operation {:?}; operations: health, list, create, get, bet, roll",
                        name.trim()
                    )
                })?;
            let w: u32 = w
                .trim()
                .parse()
                .ok()
                .filter(|w| *w <= 1000)
                .ok_or_else(|| format!("weight of {op} must be a whole number 0-1000"))?;
            if weights.iter().any(|(o, _)| *o == op) {
                return Err(format!("{op} is given twice"));
            }
            weights.push((op, w));
        }
        weights.retain(|(_, w)| *w > 0);
        weights.sort();
        if weights.is_empty() {
            return Err("the mix needs at least one operation with a positive weight".into());
        }
        let total: i64 = weights.iter().map(|(_, w)| i64::from(*w)).sum();
        let mut current = vec![0i64; weights.len()];
        let mut cycle = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
        for _ in 0..total {
            let mut best = 0;
            for (k, (_, w)) in weights.iter().enumerate() {
                current[k] += i64::from(*w);
                if current[k] > current[best] {
                    best = k;
                }
            }
            current[best] -= total;
            cycle.push(weights[best].0);
        }
        Ok(Mix { weights, cycle })
    }

    /// The operation of request `n`.
    pub fn pick(&self, n: u64) -> Op {
        let len = self.cycle.len().max(1) as u64;
        self.cycle
            .get(usize::try_from(n % len).unwrap_or(0))
            .copied()
            .unwrap_or(Op::Health)
    }

    pub fn weight(&self, op: Op) -> u32 {
        self.weights
            .iter()
            .find(|(o, _)| *o == op)
            .map_or(0, |(_, w)| *w)
    }

    /// Whether requests need games to act on.
    pub fn needs_games(&self) -> bool {
        [Op::Get, Op::Bet, Op::Roll]
            .iter()
            .any(|o| self.weight(*o) > 0)
    }
}

/// Pass/fail criteria of a run (k6-style thresholds).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Thresholds {
    pub max_p95: Option<Duration>,
    /// Errors / requests, 0.0–1.0.
    pub max_error_rate: Option<f64>,
    /// Fewer requests than this fails the run (a run that sent nothing
    /// proves nothing).
    pub min_requests: u64,
}

/// What the thresholds are checked against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    pub requests: u64,
    pub errors: u64,
    pub p95: Duration,
}

impl Thresholds {
    /// Every threshold the outcome breaks, said for people.
    pub fn violations(&self, o: &Outcome) -> Vec<String> {
        let mut v = Vec::new();
        if o.requests < self.min_requests.max(1) {
            v.push(format!(
                "only {} requests completed (at least {} needed)",
                o.requests,
                self.min_requests.max(1)
            ));
        }
        if let Some(max) = self.max_p95
            && o.p95 > max
        {
            v.push(format!(
                "p95 latency {:.2} ms is over the limit {:.2} ms",
                o.p95.as_secs_f64() * 1000.0,
                max.as_secs_f64() * 1000.0
            ));
        }
        if let Some(max) = self.max_error_rate {
            let rate = error_rate(o.errors, o.requests);
            if rate > max {
                v.push(format!(
                    "error rate {:.4} ({} of {}) is over the limit {max}",
                    rate, o.errors, o.requests
                ));
            }
        }
        v
    }
}

/// Errors per request; a run with no requests counts as all errors.
pub fn error_rate(errors: u64, requests: u64) -> f64 {
    if requests == 0 {
        1.0
    } else {
        errors as f64 / requests as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn open_loop_spaces_requests_evenly_from_the_start() {
        let l = OpenLoop { rate: 4 };
        let due: Vec<u128> = (0..6).map(|i| l.due_at(i).as_millis()).collect();
        assert_eq!(due, [0, 250, 500, 750, 1000, 1250]);
        assert_eq!(l.total(Duration::from_secs(2)), 8);
        assert_eq!(l.total(Duration::from_millis(2001)), 9);
        assert_eq!(l.total(Duration::ZERO), 0);
        assert_eq!(
            l.due_by(Duration::ZERO),
            1,
            "the first request goes at once"
        );
        assert_eq!(l.due_by(Duration::from_millis(249)), 1);
        assert_eq!(l.due_by(Duration::from_millis(250)), 2);
        // 3 requests per second do not divide a second evenly: still exact.
        let l = OpenLoop { rate: 3 };
        assert_eq!(l.due_at(3), Duration::from_secs(1));
        assert_eq!(
            l.due_at(1).as_nanos(),
            333_333_334,
            "a third of a second, rounded up"
        );
        assert_eq!(l.total(Duration::from_secs(10)), 30);
        // The case that once broke it: request 948,953 is due after t.
        let l = OpenLoop { rate: 92_460 };
        let t = Duration::from_nanos(10_263_389_573);
        assert_eq!(l.due_by(t), 948_953);
        assert!(l.due_at(948_952) <= t && l.due_at(948_953) > t);
    }

    #[test]
    fn latency_is_charged_from_the_intended_send_time() {
        let l = OpenLoop { rate: 100 };
        // Request 50 was due at 500 ms; a server stalled until 900 ms
        // answers it at 905 ms: 405 ms, not the 5 ms it spent on the wire.
        assert_eq!(
            l.latency(50, Duration::from_millis(905)),
            Duration::from_millis(405)
        );
        // Never negative.
        assert_eq!(l.latency(50, Duration::from_millis(100)), Duration::ZERO);
    }

    proptest! {
        // Found by this property: with due_at rounding down, request
        // 948,953 (rate 92,460/s), due 0.87 ns after t = 10,263,389,573 ns,
        // read as due at t.
        #[test]
        fn due_by_counts_exactly_the_requests_due(rate in 1u64..100_000, t_ns in 0u64..20_000_000_000) {
            let l = OpenLoop { rate };
            let t = Duration::from_nanos(t_ns);
            let n = l.due_by(t);
            prop_assert!(l.due_at(n - 1) <= t);
            prop_assert!(l.due_at(n) > t);
        }

        #[test]
        fn one_second_holds_exactly_rate_requests(rate in 1u64..1_000_000, i in 0u64..10_000_000, secs in 1u64..100) {
            let l = OpenLoop { rate };
            prop_assert_eq!(l.due_at(i + rate) - l.due_at(i), Duration::from_secs(1));
            prop_assert!(l.due_at(i) <= l.due_at(i + 1));
            prop_assert_eq!(l.total(Duration::from_secs(secs)), rate * secs);
        }

        #[test]
        fn a_mix_cycle_holds_each_operation_by_weight(ws in proptest::collection::vec(0u32..20, 6), start in 0u64..1000) {
            let spec: Vec<String> = Op::ALL.iter().zip(&ws).map(|(o, w)| format!("{o}={w}")).collect();
            let total: u32 = ws.iter().sum();
            match Mix::parse(&spec.join(",")) {
                Err(_) => prop_assert_eq!(total, 0),
                Ok(mix) => {
                    for (op, w) in Op::ALL.iter().zip(&ws) {
                        let n = (start..start + u64::from(total)).filter(|n| mix.pick(*n) == *op).count();
                        prop_assert_eq!(n as u32, *w, "{}", op);
                    }
                }
            }
        }
    }

    #[test]
    fn mixes_interleave_and_bad_mixes_are_named() {
        let m = Mix::parse("get=2,bet=1,roll=1").unwrap();
        let ops: Vec<Op> = (0..4).map(|n| m.pick(n)).collect();
        assert_eq!(ops.iter().filter(|o| **o == Op::Get).count(), 2);
        assert_ne!(ops[0], ops[1], "weights interleave: {ops:?}");
        assert!(m.needs_games());
        assert!(!Mix::parse("health=1,list=2").unwrap().needs_games());
        assert!(Mix::parse(DEFAULT_MIX).is_ok());
        for (bad, says) in [
            ("get", "NAME=WEIGHT"),
            ("gets=1", "unknown operation"),
            ("get=-1", "whole number"),
            ("get=1001", "whole number"),
            ("get=1,get=2", "twice"),
            ("get=0", "at least one"),
            ("", "at least one"),
        ] {
            let e = Mix::parse(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn thresholds_name_what_they_refuse() {
        let t = Thresholds {
            max_p95: Some(Duration::from_millis(500)),
            max_error_rate: Some(0.01),
            min_requests: 1,
        };
        let good = Outcome {
            requests: 1000,
            errors: 10,
            p95: Duration::from_millis(500),
        };
        assert!(t.violations(&good).is_empty(), "limits are inclusive");
        let slow = Outcome {
            p95: Duration::from_millis(501),
            ..good
        };
        assert!(t.violations(&slow)[0].contains("p95 latency 501.00 ms"));
        let failing = Outcome { errors: 11, ..good };
        assert!(t.violations(&failing)[0].contains("error rate 0.0110 (11 of 1000)"));
        let empty = Outcome {
            requests: 0,
            errors: 0,
            p95: Duration::ZERO,
        };
        let v = t.violations(&empty);
        assert_eq!(v.len(), 2, "no requests: too few, and all errors: {v:?}");
        assert!(
            Thresholds::default().violations(&good).is_empty(),
            "no limits set"
        );
    }
}
