//! Counters of attempts in a fixed window (failed sign-ins per username,
//! registrations per source address), kept in the store so that every
//! Lambda instance counts against the same limit.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;

/// The open window of one key: how many attempts it holds and when it
/// ends (the window opens at its first attempt).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptWindow {
    pub count: u32,
    pub ends_at: DateTime<Utc>,
}

impl AttemptWindow {
    /// Whole seconds until the window ends, at least 1 (a `Retry-After`).
    pub fn retry_after(&self, now: DateTime<Utc>) -> u64 {
        let millis = (self.ends_at - now).num_milliseconds().max(0);
        u64::try_from((millis + 999) / 1000).unwrap_or(0).max(1)
    }
}

/// Fixed-window attempt counters. Keys are opaque strings chosen by the
/// caller (e.g. `login:<username>`); every operation on one key is atomic.
#[async_trait]
pub trait AttemptStore: Send + Sync {
    /// Counts one attempt under `key` at `now`: in the open window if one
    /// is open, else in a new window of length `window` starting now.
    /// Returns the window after counting.
    async fn record_attempt(
        &self,
        key: &str,
        window: Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<AttemptWindow>;

    /// The window of `key` open at `now`, if any.
    async fn attempts(&self, key: &str, now: DateTime<Utc>) -> StoreResult<Option<AttemptWindow>>;

    /// Forgets the attempts under `key` (e.g. after a successful sign-in).
    async fn clear_attempts(&self, key: &str) -> StoreResult<()>;
}

/// The end of a window of length `window` opened at `now`.
pub fn window_end(now: DateTime<Utc>, window: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(window)
        .ok()
        .and_then(|w| now.checked_add_signed(w))
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let now = Utc::now();
        let window = |ms| AttemptWindow {
            count: 1,
            ends_at: now + chrono::Duration::milliseconds(ms),
        };
        assert_eq!(window(900_000).retry_after(now), 900);
        assert_eq!(window(1_500).retry_after(now), 2);
        assert_eq!(window(0).retry_after(now), 1);
        assert_eq!(window(-5_000).retry_after(now), 1);
    }
}
