//! A circuit breaker per upstream instance (pure; time comes in as
//! milliseconds from any fixed origin).
//!
//! Closed: requests flow; `failure_threshold` failures in a row open it.
//! Open: requests fail fast; after `cool_down` the next request is let
//! through as a probe (half-open). Half-open: at most `half_open_probes`
//! requests at once; that many successes close it, any failure re-opens it.

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

    /// Reserves a request; false when the breaker refuses it.
    pub fn acquire(&mut self, now_ms: u64, p: &BreakerPolicy) -> bool {
        if !self.permits(now_ms, p) {
            return false;
        }
        if self.state == State::Open {
            self.move_to(State::HalfOpen);
            self.probe_successes = 0;
            self.probes_in_flight = 0;
        }
        if self.state == State::HalfOpen {
            self.probes_in_flight += 1;
        }
        true
    }

    pub fn on_success(&mut self, p: &BreakerPolicy) {
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

    pub fn on_failure(&mut self, now_ms: u64, p: &BreakerPolicy) {
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

    #[test]
    fn opens_after_the_threshold_fails_fast_then_probes_and_closes() {
        let mut b = Breaker::default();
        for t in 0..2 {
            assert!(b.acquire(t, &P));
            b.on_failure(t, &P);
        }
        assert_eq!(b.state(2, &P), State::Closed);
        assert!(b.acquire(2, &P));
        b.on_failure(2, &P);
        assert_eq!(b.state(3, &P), State::Open);
        assert!(!b.acquire(500, &P), "fails fast while open");
        assert_eq!(b.state(1002, &P), State::HalfOpen);
        assert!(b.acquire(1002, &P));
        assert!(b.acquire(1002, &P));
        assert!(!b.acquire(1002, &P), "at most 2 probes at once");
        b.on_success(&P);
        assert_eq!(b.state(1003, &P), State::HalfOpen);
        b.on_success(&P);
        assert_eq!(b.state(1003, &P), State::Closed);
        assert_eq!(b.transitions, 3);
    }

    #[test]
    fn a_failed_probe_reopens_for_another_cool_down() {
        let mut b = Breaker::default();
        for _ in 0..3 {
            b.acquire(0, &P);
            b.on_failure(0, &P);
        }
        assert!(b.acquire(1000, &P));
        b.on_failure(1000, &P);
        assert_eq!(b.state(1500, &P), State::Open);
        assert_eq!(b.state(2000, &P), State::HalfOpen);
    }

    #[test]
    fn a_success_resets_the_failure_count() {
        let mut b = Breaker::default();
        for _ in 0..2 {
            b.on_failure(0, &P);
        }
        b.on_success(&P);
        b.on_failure(0, &P);
        b.on_failure(0, &P);
        assert_eq!(b.state(0, &P), State::Closed);
    }

    proptest! {
        /// Whatever happens, an open breaker never lets a request through
        /// before its cool-down, and half-open never exceeds its probes.
        #[test]
        fn never_leaks_while_open(events in proptest::collection::vec((0u8..3, 0u64..400), 1..200)) {
            let mut b = Breaker::default();
            let mut now = 0u64;
            let mut open_since: Option<u64> = None;
            let mut probes = 0u32;
            for (kind, dt) in events {
                now += dt;
                match kind {
                    0 => {
                        let was = b.state(now, &P);
                        let ok = b.acquire(now, &P);
                        if let Some(since) = open_since && now - since < P.cool_down_ms {
                            prop_assert!(!ok);
                        }
                        if ok && was != State::Closed { probes += 1; }
                        if b.state(now, &P) == State::HalfOpen { prop_assert!(probes <= P.half_open_probes); }
                    }
                    1 => { b.on_success(&P); probes = probes.saturating_sub(1); }
                    _ => b.on_failure(now, &P),
                }
                if b.state == State::Open { open_since = Some(b.opened_at_ms); probes = 0; } else { open_since = None; }
                if b.state == State::Closed { probes = 0; }
            }
        }
    }
}
