//! Attempt counters: one window per key, replaced once it has ended.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::MemoryStore;
use crate::ports::{AttemptStore, AttemptWindow, StoreResult, window_end};

#[async_trait]
impl AttemptStore for MemoryStore {
    async fn record_attempt(
        &self,
        key: &str,
        window: Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<AttemptWindow> {
        let mut state = self.lock();
        let entry = state
            .attempts
            .entry(key.to_owned())
            .or_insert(AttemptWindow {
                count: 0,
                ends_at: now,
            });
        if entry.ends_at <= now {
            *entry = AttemptWindow {
                count: 0,
                ends_at: window_end(now, window),
            };
        }
        entry.count = entry.count.saturating_add(1);
        Ok(*entry)
    }

    async fn attempts(&self, key: &str, now: DateTime<Utc>) -> StoreResult<Option<AttemptWindow>> {
        Ok(self
            .lock()
            .attempts
            .get(key)
            .filter(|w| w.ends_at > now)
            .copied())
    }

    async fn clear_attempts(&self, key: &str) -> StoreResult<()> {
        self.lock().attempts.remove(key);
        Ok(())
    }
}
