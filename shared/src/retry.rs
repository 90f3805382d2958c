//! The one retry policy of every adapter: capped exponential backoff with
//! full jitter, bounded by a number of attempts, a time budget, or both.
//!
//! Each adapter keeps its own constants (SQS entries, DynamoDB
//! transactions and unprocessed keys, MongoDB transactions and commits)
//! next to the code that retries, as a [`RetryPolicy`] value; this module
//! owns the arithmetic so that every retry loop in the crate backs off the
//! same way.
//!
//! Full jitter (a uniform delay between zero and the ceiling, as in the
//! AWS Architecture Blog's "Exponential Backoff And Jitter") spreads
//! writers that just collided instead of lining them up again; the
//! ceiling doubles per retry from `base` up to `cap`.

use std::time::Duration;

use tokio::time::Instant;

/// How an operation is retried: whichever bound comes first ends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts, the first included; `None`: as many as the budget allows.
    pub max_attempts: Option<u32>,
    /// The ceiling of the first retry's delay; it doubles per retry.
    pub base: Duration,
    /// The largest ceiling.
    pub cap: Duration,
    /// No retry starts (its delay included) later than this after the
    /// first attempt started; `None`: no time bound.
    pub budget: Option<Duration>,
}

impl RetryPolicy {
    /// At most `max_attempts` attempts (the first included), no time bound.
    pub const fn attempts(max_attempts: u32, base: Duration, cap: Duration) -> Self {
        RetryPolicy {
            max_attempts: Some(max_attempts),
            base,
            cap,
            budget: None,
        }
    }

    /// The same policy with a time budget added.
    pub const fn with_budget(self, budget: Duration) -> Self {
        RetryPolicy {
            budget: Some(budget),
            ..self
        }
    }

    /// The same backoff bounded by `budget` alone, however many attempts
    /// fit in it.
    pub const fn within(self, budget: Duration) -> Self {
        RetryPolicy {
            max_attempts: None,
            budget: Some(budget),
            ..self
        }
    }

    /// The delay ceiling before retry number `retry` (0: the first retry).
    pub fn ceiling(&self, retry: u32) -> Duration {
        self.base
            .saturating_mul(1u32 << retry.min(31))
            .min(self.cap)
    }

    /// A full-jitter delay before retry number `retry` (0: the first
    /// retry): uniform between zero and [`Self::ceiling`].
    pub fn delay(&self, retry: u32) -> Duration {
        let micros = u64::try_from(self.ceiling(retry).as_micros()).unwrap_or(u64::MAX);
        Duration::from_micros(rand::random_range(0..=micros))
    }

    /// Sleeps [`Self::delay`] for retry number `retry`. For loops that
    /// count their own rounds (and back off only on some of them).
    pub async fn backoff(&self, retry: u32) {
        tokio::time::sleep(self.delay(retry)).await;
    }

    /// Starts counting attempts and time for one operation; the first
    /// attempt is under way.
    pub fn start(&self) -> Attempts {
        Attempts {
            policy: *self,
            started: Instant::now(),
            made: 1,
        }
    }
}

/// The attempts of one operation under a [`RetryPolicy`].
#[derive(Debug, Clone)]
pub struct Attempts {
    policy: RetryPolicy,
    started: Instant,
    made: u32,
}

impl Attempts {
    /// Attempts made so far, the current one included.
    pub fn made(&self) -> u32 {
        self.made
    }

    /// The delay before the next attempt, or `None` when the attempts or
    /// the budget are spent (a delay that would end past the budget spends
    /// it). Counts the next attempt as made.
    pub fn next_delay(&mut self) -> Option<Duration> {
        if self.policy.max_attempts.is_some_and(|max| self.made >= max) {
            return None;
        }
        let delay = self.policy.delay(self.made - 1);
        if let Some(budget) = self.policy.budget
            && self.started.elapsed() + delay >= budget
        {
            return None;
        }
        self.made += 1;
        Some(delay)
    }

    /// Sleeps before the next attempt; `false` (at once) when none is left.
    pub async fn wait(&mut self) -> bool {
        match self.next_delay() {
            Some(delay) => {
                tokio::time::sleep(delay).await;
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn ceilings_double_from_the_base_up_to_the_cap() {
        let p = RetryPolicy::attempts(10, 20 * MS, 640 * MS);
        let ceilings: Vec<u128> = (0..8).map(|r| p.ceiling(r).as_millis()).collect();
        assert_eq!(ceilings, [20, 40, 80, 160, 320, 640, 640, 640]);
        assert_eq!(p.ceiling(u32::MAX), 640 * MS, "no overflow on huge retries");
    }

    #[test]
    fn delays_are_full_jitter_within_the_ceiling() {
        let p = RetryPolicy::attempts(10, 8 * MS, 64 * MS);
        for retry in 0..6 {
            let ceiling = p.ceiling(retry);
            let delays: Vec<Duration> = (0..500).map(|_| p.delay(retry)).collect();
            assert!(delays.iter().all(|d| *d <= ceiling), "retry {retry}");
            // Full jitter reaches both ends of the range, not a band near
            // the ceiling: with 500 draws each quarter is hit.
            assert!(delays.iter().any(|d| *d < ceiling / 4), "retry {retry}");
            assert!(delays.iter().any(|d| *d > ceiling * 3 / 4), "retry {retry}");
        }
    }

    #[test]
    fn attempts_stop_at_the_maximum() {
        let p = RetryPolicy::attempts(4, Duration::ZERO, Duration::ZERO);
        let mut attempts = p.start();
        let mut retries = 0;
        while attempts.next_delay().is_some() {
            retries += 1;
        }
        assert_eq!(retries, 3);
        assert_eq!(attempts.made(), 4);
        assert!(attempts.next_delay().is_none(), "spent stays spent");
    }

    #[tokio::test(start_paused = true)]
    async fn the_budget_bounds_time_not_attempts() {
        let p = RetryPolicy::attempts(1, 10 * MS, 10 * MS).within(100 * MS);
        assert_eq!(p.max_attempts, None);
        let start = Instant::now();
        let mut attempts = p.start();
        while attempts.wait().await {}
        let spent = start.elapsed();
        // tokio's timer rounds each sleep's deadline up to a whole
        // millisecond, so the last retry may end exactly on the budget.
        assert!(
            spent <= 100 * MS,
            "no retry ends past the budget: {spent:?}"
        );
        // A retry is refused only once 90 ms have passed, at most 10 ms
        // per retry: at least nine retries were made.
        assert!(attempts.made() >= 10, "{}", attempts.made());
    }

    #[tokio::test(start_paused = true)]
    async fn a_delay_that_would_overrun_the_budget_is_not_taken() {
        let p = RetryPolicy::attempts(100, 50 * MS, 50 * MS).with_budget(50 * MS);
        let mut attempts = p.start();
        tokio::time::advance(50 * MS).await;
        assert!(attempts.next_delay().is_none());
        assert_eq!(attempts.made(), 1);
    }
}
