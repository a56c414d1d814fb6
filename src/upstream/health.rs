//! Health of one upstream instance from consecutive probe results (pure).

use serde::{Deserialize, Serialize};

/// Consecutive results needed to flip an instance's state.
#[derive(Debug, Clone, Copy)]
pub struct HealthPolicy {
    pub healthy_after: u32,
    pub unhealthy_after: u32,
}

impl Default for HealthPolicy {
    fn default() -> Self {
        HealthPolicy {
            healthy_after: 1,
            unhealthy_after: 2,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    /// Not probed yet.
    Unknown,
    Healthy,
    Unhealthy,
}

/// The health state machine of one instance.
#[derive(Debug, Clone)]
pub struct InstanceHealth {
    pub state: Health,
    ok_streak: u32,
    fail_streak: u32,
    pub last_error: Option<String>,
}

impl Default for InstanceHealth {
    fn default() -> Self {
        InstanceHealth {
            state: Health::Unknown,
            ok_streak: 0,
            fail_streak: 0,
            last_error: None,
        }
    }
}

impl InstanceHealth {
    /// Feeds one probe result; returns the new state when it changed.
    ///
    /// The first result decides an unknown instance at once (so a fresh
    /// system becomes ready without waiting for streaks); afterwards the
    /// state flips only after the policy's number of results in a row.
    pub fn observe(&mut self, result: Result<(), String>, policy: HealthPolicy) -> Option<Health> {
        let before = self.state;
        match result {
            Ok(()) => {
                self.ok_streak += 1;
                self.fail_streak = 0;
                self.last_error = None;
                if before == Health::Unknown || self.ok_streak >= policy.healthy_after {
                    self.state = Health::Healthy;
                }
            }
            Err(e) => {
                self.fail_streak += 1;
                self.ok_streak = 0;
                self.last_error = Some(e);
                if before == Health::Unknown || self.fail_streak >= policy.unhealthy_after {
                    self.state = Health::Unhealthy;
                }
            }
        }
        (self.state != before).then_some(self.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn first_result_decides_then_streaks_are_needed() {
        let p = HealthPolicy {
            healthy_after: 2,
            unhealthy_after: 3,
        };
        let mut h = InstanceHealth::default();
        assert_eq!(h.observe(Ok(()), p), Some(Health::Healthy));
        assert_eq!(h.observe(Err("x".into()), p), None);
        assert_eq!(h.observe(Err("x".into()), p), None);
        assert_eq!(h.observe(Err("x".into()), p), Some(Health::Unhealthy));
        assert_eq!(h.last_error.as_deref(), Some("x"));
        assert_eq!(h.observe(Ok(()), p), None);
        assert_eq!(h.observe(Ok(()), p), Some(Health::Healthy));
        assert_eq!(h.last_error, None);
    }

    proptest! {
        /// Whatever the history, the state only ever changes after a streak
        /// long enough for the policy (or on the very first result).
        #[test]
        fn state_flips_only_after_full_streaks(results in proptest::collection::vec(any::<bool>(), 1..200),
                                               up in 1u32..5, down in 1u32..5) {
            let p = HealthPolicy { healthy_after: up, unhealthy_after: down };
            let mut h = InstanceHealth::default();
            let mut streak = (false, 0u32);
            for (i, ok) in results.iter().enumerate() {
                streak = if streak.0 == *ok && i > 0 { (*ok, streak.1 + 1) } else { (*ok, 1) };
                let r = if *ok { Ok(()) } else { Err("e".to_string()) };
                if let Some(new) = h.observe(r, p) {
                    if i > 0 {
                        let need = if *ok { up } else { down };
                        prop_assert!(streak.1 >= need);
                    }
                    prop_assert_eq!(new, if *ok { Health::Healthy } else { Health::Unhealthy });
                }
            }
        }
    }
}
