//! A retry budget (pure): every request deposits a fraction of a retry,
//! every retry spends a whole one, so retries stay a bounded share of the
//! traffic (10% here) and cannot multiply the load on a struggling upstream.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryBudget {
    /// Thousandths of a retry available.
    balance: u64,
    /// Deposited per request (100 = a tenth of a retry).
    deposit: u64,
    /// Most that can be saved up (10_000 = ten retries in a burst).
    cap: u64,
}

impl Default for RetryBudget {
    fn default() -> Self {
        RetryBudget {
            balance: 10_000,
            deposit: 100,
            cap: 10_000,
        }
    }
}

impl RetryBudget {
    pub fn on_request(&mut self) {
        self.balance = (self.balance + self.deposit).min(self.cap);
    }

    /// Spends one retry if the budget allows.
    pub fn try_retry(&mut self) -> bool {
        if self.balance >= 1000 {
            self.balance -= 1000;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_are_bounded_to_a_tenth_of_requests_after_the_burst() {
        let mut b = RetryBudget::default();
        let mut retries = 0;
        for _ in 0..1000 {
            b.on_request();
            if b.try_retry() {
                retries += 1;
            }
        }
        // 10 saved up + 1000 requests x 0.1.
        assert!((100..=110).contains(&retries), "{retries}");
        let mut empty = RetryBudget {
            balance: 0,
            ..RetryBudget::default()
        };
        assert!(!empty.try_retry());
        for _ in 0..9 {
            empty.on_request();
        }
        assert!(!empty.try_retry());
        empty.on_request();
        assert!(empty.try_retry());
    }
}
