//! A circuit breaker per upstream instance (pure; time comes in as
//! milliseconds from any fixed origin).
//!
//! Closed: requests flow; `failure_threshold` failures in a row open it.
//! Open: requests fail fast; after `cool_down` the next request is let
//! through as a probe (half-open). Half-open: at most `half_open_probes`
//! requests at once; that many successes close it, any failure re-opens it.
//!
//! Every admitted request holds a [`Ticket`] naming the breaker generation
//! (the count of state changes) it was admitted in. Only outcomes of the
//! current generation count: a request sent before the circuit opened that
//! finishes while it is half-open neither closes it nor re-opens it, and
//! only probes free probe places. A request that ends without an outcome
//! (its caller went away) hands its ticket back with [`Breaker::abandon`],
//! so a lost probe can never hold the circuit half-open for good.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerPolicy {
    pub failure_threshold: u32,
    pub cool_down_ms: u64,
    pub half_open_probes: u32,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        BreakerPolicy {
            failure_threshold: 5,
            cool_down_ms: 10_000,
            half_open_probes: 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Closed,
    Open,
    HalfOpen,
}

impl State {
    /// 0 closed, 1 half-open, 2 open (the metric's value).
    pub fn gauge(self) -> i64 {
        match self {
            State::Closed => 0,
            State::HalfOpen => 1,
            State::Open => 2,
        }
    }
}

/// What [`Breaker::acquire`] hands out: the generation a request was
/// admitted in and whether it is a half-open probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    generation: u64,
    probe: bool,
}

impl Ticket {
    pub fn is_probe(&self) -> bool {
        self.probe
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breaker {
    state: State,
    failures: u32,
    opened_at_ms: u64,
    probes_in_flight: u32,
    probe_successes: u32,
    /// Transitions so far (for metrics).
    pub transitions: u64,
}

impl Default for Breaker {
    fn default() -> Self {
        Breaker {
            state: State::Closed,
            failures: 0,
            opened_at_ms: 0,
            probes_in_flight: 0,
            probe_successes: 0,
            transitions: 0,
        }
    }
}

impl Breaker {
    /// The state as of `now` (an open breaker past its cool-down reads as
    /// half-open).
    pub fn state(&self, now_ms: u64, p: &BreakerPolicy) -> State {
        match self.state {
            State::Open if now_ms.saturating_sub(self.opened_at_ms) >= p.cool_down_ms => {
                State::HalfOpen
            }
            s => s,
        }
    }

    /// Whether a request may go to this instance now (does not reserve).
    pub fn permits(&self, now_ms: u64, p: &BreakerPolicy) -> bool {
        match self.state(now_ms, p) {
            State::Closed => true,
            State::Open => false,
            State::HalfOpen => self.probes_in_flight < p.half_open_probes.max(1),
        }
    }

    /// Reserves a request; `None` when the breaker refuses it. The ticket
    /// goes back with exactly one of [`Breaker::on_success`],
    /// [`Breaker::on_failure`] or [`Breaker::abandon`].
    pub fn acquire(&mut self, now_ms: u64, p: &BreakerPolicy) -> Option<Ticket> {
        if !self.permits(now_ms, p) {
            return None;
        }
        if self.state == State::Open {
            self.move_to(State::HalfOpen);
            self.probe_successes = 0;
            self.probes_in_flight = 0;
        }
        let probe = self.state == State::HalfOpen;
        if probe {
            self.probes_in_flight += 1;
        }
        Some(Ticket {
            generation: self.transitions,
            probe,
        })
    }

    fn current(&self, t: Ticket) -> bool {
        t.generation == self.transitions
    }

    pub fn on_success(&mut self, t: Ticket, p: &BreakerPolicy) {
        if !self.current(t) {
            return;
        }
        match self.state {
            State::Closed => self.failures = 0,
            State::HalfOpen => {
                self.probes_in_flight = self.probes_in_flight.saturating_sub(1);
                self.probe_successes += 1;
                if self.probe_successes >= p.half_open_probes.max(1) {
                    self.move_to(State::Closed);
                    self.failures = 0;
                }
            }
            State::Open => {}
        }
    }

    pub fn on_failure(&mut self, t: Ticket, now_ms: u64, p: &BreakerPolicy) {
        if !self.current(t) {
            return;
        }
        match self.state {
            State::Closed => {
                self.failures += 1;
                if self.failures >= p.failure_threshold.max(1) {
                    self.open(now_ms);
                }
            }
            State::HalfOpen => self.open(now_ms),
            State::Open => {}
        }
    }

    /// A request that ended without an outcome (cancelled before its
    /// answer): its probe place, if it held one, is free again.
    pub fn abandon(&mut self, t: Ticket) {
        if self.current(t) && t.probe && self.state == State::HalfOpen {
            self.probes_in_flight = self.probes_in_flight.saturating_sub(1);
        }
    }

    fn open(&mut self, now_ms: u64) {
        self.move_to(State::Open);
        self.opened_at_ms = now_ms;
        self.probes_in_flight = 0;
        self.probe_successes = 0;
    }

    fn move_to(&mut self, s: State) {
        if self.state != s {
            self.state = s;
            self.transitions += 1;
        }
    }

    pub fn consecutive_failures(&self) -> u32 {
        self.failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const P: BreakerPolicy = BreakerPolicy {
        failure_threshold: 3,
        cool_down_ms: 1000,
        half_open_probes: 2,
    };

    fn fail(b: &mut Breaker, now: u64) {
        let t = b.acquire(now, &P).expect("admitted");
        b.on_failure(t, now, &P);
    }

    #[test]
    fn opens_after_the_threshold_fails_fast_then_probes_and_closes() {
        let mut b = Breaker::default();
        for t in 0..2 {
            fail(&mut b, t);
        }
        assert_eq!(b.state(2, &P), State::Closed);
        fail(&mut b, 2);
        assert_eq!(b.state(3, &P), State::Open);
        assert!(b.acquire(500, &P).is_none(), "fails fast while open");
        assert_eq!(b.state(1002, &P), State::HalfOpen);
        let p1 = b.acquire(1002, &P).expect("first probe");
        let p2 = b.acquire(1002, &P).expect("second probe");
        assert!(p1.is_probe() && p2.is_probe());
        assert!(b.acquire(1002, &P).is_none(), "at most 2 probes at once");
        b.on_success(p1, &P);
        assert_eq!(b.state(1003, &P), State::HalfOpen);
        b.on_success(p2, &P);
        assert_eq!(b.state(1003, &P), State::Closed);
        assert_eq!(b.transitions, 3);
    }

    #[test]
    fn a_failed_probe_reopens_for_another_cool_down() {
        let mut b = Breaker::default();
        for _ in 0..3 {
            fail(&mut b, 0);
        }
        fail(&mut b, 1000);
        assert_eq!(b.state(1500, &P), State::Open);
        assert_eq!(b.state(2000, &P), State::HalfOpen);
    }

    #[test]
    fn a_success_resets_the_failure_count() {
        let mut b = Breaker::default();
        fail(&mut b, 0);
        fail(&mut b, 0);
        let t = b.acquire(0, &P).expect("closed");
        b.on_success(t, &P);
        fail(&mut b, 0);
        fail(&mut b, 0);
        assert_eq!(b.state(0, &P), State::Closed);
    }

    /// The defect this module once had: a probe whose caller went away
    /// held the only probe place, and the circuit stayed half-open for
    /// good while the instance was healthy again.
    #[test]
    fn an_abandoned_probe_frees_its_place() {
        let p = BreakerPolicy {
            half_open_probes: 1,
            ..P
        };
        let mut b = Breaker::default();
        for _ in 0..3 {
            let t = b.acquire(0, &p).expect("closed");
            b.on_failure(t, 0, &p);
        }
        let lost = b.acquire(1000, &p).expect("probe");
        assert!(b.acquire(1000, &p).is_none(), "one probe at a time");
        b.abandon(lost);
        let probe = b.acquire(1001, &p).expect("the place is free again");
        b.on_success(probe, &p);
        assert_eq!(b.state(1001, &p), State::Closed);
    }

    /// Requests admitted before the circuit opened do not decide the
    /// half-open trial: their late failures do not re-open it, their late
    /// successes do not close it.
    #[test]
    fn outcomes_from_an_earlier_generation_are_ignored() {
        let mut b = Breaker::default();
        let early: Vec<Ticket> = (0..5).map(|_| b.acquire(0, &P).expect("closed")).collect();
        for t in &early[..3] {
            b.on_failure(*t, 0, &P);
        }
        assert_eq!(b.state(1, &P), State::Open);
        let probe = b.acquire(1000, &P).expect("probe");
        b.on_failure(early[3], 1000, &P);
        assert_eq!(b.state(1000, &P), State::HalfOpen, "a stale failure");
        b.on_success(early[4], &P);
        assert_eq!(b.state(1000, &P), State::HalfOpen, "a stale success");
        b.abandon(early[0]);
        b.on_success(probe, &P);
        assert_eq!(b.state(1000, &P), State::HalfOpen, "one of two probes");
        let probe2 = b.acquire(1000, &P).expect("second probe");
        b.on_success(probe2, &P);
        assert_eq!(b.state(1000, &P), State::Closed);
    }

    /// One step of a random history: 0 admit, 1 succeed, 2 fail, 3 abandon
    /// (the last three on a random outstanding ticket).
    fn run(
        b: &mut Breaker,
        events: &[(u8, u64, usize)],
        now: &mut u64,
        outstanding: &mut Vec<Ticket>,
        mut check: impl FnMut(&Breaker, u64, Option<Ticket>) -> Result<(), TestCaseError>,
    ) -> Result<(), TestCaseError> {
        for &(kind, dt, pick) in events {
            *now += dt;
            let mut admitted = None;
            match kind {
                0 => {
                    admitted = b.acquire(*now, &P);
                    outstanding.extend(admitted);
                }
                _ if outstanding.is_empty() => {}
                k => {
                    let t = outstanding.swap_remove(pick % outstanding.len());
                    match k {
                        1 => b.on_success(t, &P),
                        2 => b.on_failure(t, *now, &P),
                        _ => b.abandon(t),
                    }
                }
            }
            check(b, *now, admitted)?;
        }
        Ok(())
    }

    fn events() -> impl Strategy<Value = Vec<(u8, u64, usize)>> {
        proptest::collection::vec((0u8..4, 0u64..400, 0usize..64), 1..300)
    }

    proptest! {
        /// Whatever happens, an open breaker never lets a request through
        /// before its cool-down, and half-open never has more probes out
        /// than its policy allows.
        #[test]
        fn never_leaks_while_open(events in events()) {
            let mut b = Breaker::default();
            let (mut now, mut out) = (0u64, Vec::new());
            run(&mut b, &events, &mut now, &mut out, |b, now, admitted| {
                if b.state == State::Open && now - b.opened_at_ms < P.cool_down_ms {
                    prop_assert!(admitted.is_none());
                }
                prop_assert!(b.probes_in_flight <= P.half_open_probes);
                Ok(())
            })?;
        }

        /// Liveness: after any history, once every request has ended (with
        /// an outcome or abandoned) and the instance answers well again,
        /// the circuit is closed again within one cool-down.
        #[test]
        fn a_healthy_instance_always_gets_its_circuit_closed(events in events()) {
            let mut b = Breaker::default();
            let (mut now, mut out) = (0u64, Vec::new());
            run(&mut b, &events, &mut now, &mut out, |_, _, _| Ok(()))?;
            for t in out.drain(..) {
                b.abandon(t);
            }
            now += P.cool_down_ms;
            for _ in 0..P.half_open_probes {
                if b.state(now, &P) == State::Closed {
                    break;
                }
                let t = b.acquire(now, &P);
                prop_assert!(t.is_some(), "{b:?} refused a request at {now}");
                if let Some(t) = t {
                    b.on_success(t, &P);
                }
            }
            prop_assert_eq!(b.state(now, &P), State::Closed);
        }
    }
}
