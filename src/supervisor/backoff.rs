//! Restart backoff arithmetic (pure): exponential delay for a service that
//! keeps crashing, reset once it has run stably, and a point to give up.

use std::time::Duration;

use crate::config::SupervisorConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffPolicy {
    pub initial: Duration,
    pub max: Duration,
    /// A run at least this long resets the crash count.
    pub stable_after: Duration,
    /// Crashes in a row tolerated; the next one gives up. 0: never restart.
    pub max_restarts: u32,
}

impl From<&SupervisorConfig> for BackoffPolicy {
    fn from(c: &SupervisorConfig) -> Self {
        BackoffPolicy {
            initial: c.restart_initial_backoff,
            max: c.restart_max_backoff,
            stable_after: c.stable_after,
            max_restarts: c.max_restarts,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    RestartAfter(Duration),
    GiveUp,
}

/// Counts crashes in a row for one service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RestartTracker {
    pub crashes_in_a_row: u32,
}

impl RestartTracker {
    /// Decides what follows an unexpected exit after running for `ran_for`.
    pub fn on_exit(&mut self, ran_for: Duration, policy: &BackoffPolicy) -> Decision {
        if ran_for >= policy.stable_after {
            self.crashes_in_a_row = 0;
        }
        self.crashes_in_a_row = self.crashes_in_a_row.saturating_add(1);
        if self.crashes_in_a_row > policy.max_restarts {
            return Decision::GiveUp;
        }
        Decision::RestartAfter(delay(self.crashes_in_a_row, policy))
    }

    /// A deliberate restart (`bitcraps restart`) clears the count.
    pub fn reset(&mut self) {
        self.crashes_in_a_row = 0;
    }
}

/// Delay before restart number `n` (1-based): initial * 2^(n-1), capped.
pub fn delay(n: u32, policy: &BackoffPolicy) -> Duration {
    let exp = n.saturating_sub(1).min(31);
    policy
        .initial
        .checked_mul(1u32 << exp)
        .unwrap_or(policy.max)
        .min(policy.max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn policy() -> BackoffPolicy {
        BackoffPolicy {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(30),
            stable_after: Duration::from_secs(60),
            max_restarts: 10,
        }
    }

    #[test]
    fn doubles_from_100ms_and_caps_at_30s() {
        let p = policy();
        let delays: Vec<u64> = (1..=11).map(|n| delay(n, &p).as_millis() as u64).collect();
        assert_eq!(
            delays,
            vec![
                100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000
            ]
        );
    }

    #[test]
    fn quick_crashes_back_off_and_eventually_give_up() {
        let p = policy();
        let mut t = RestartTracker::default();
        let quick = Duration::from_millis(50);
        for n in 1..=10 {
            assert_eq!(t.on_exit(quick, &p), Decision::RestartAfter(delay(n, &p)));
        }
        assert_eq!(t.on_exit(quick, &p), Decision::GiveUp);
    }

    #[test]
    fn a_stable_run_resets_the_backoff() {
        let p = policy();
        let mut t = RestartTracker::default();
        for _ in 0..5 {
            t.on_exit(Duration::from_secs(1), &p);
        }
        assert_eq!(
            t.on_exit(Duration::from_secs(61), &p),
            Decision::RestartAfter(Duration::from_millis(100))
        );
    }

    #[test]
    fn zero_max_restarts_never_restarts() {
        let p = BackoffPolicy {
            max_restarts: 0,
            ..policy()
        };
        assert_eq!(
            RestartTracker::default().on_exit(Duration::from_secs(999), &p),
            Decision::GiveUp
        );
    }

    proptest! {
        #[test]
        fn delays_are_monotonic_and_bounded(initial_ms in 1u64..10_000, max_ms in 1u64..100_000, n in 1u32..100) {
            let p = BackoffPolicy {
                initial: Duration::from_millis(initial_ms),
                max: Duration::from_millis(max_ms.max(initial_ms)),
                stable_after: Duration::from_secs(60),
                max_restarts: 1000,
            };
            prop_assert!(delay(n, &p) <= p.max);
            prop_assert!(delay(n, &p) >= p.initial.min(p.max));
            prop_assert!(delay(n + 1, &p) >= delay(n, &p));
        }
    }
}
