//! Attempt counters: collection `attempts`, `_id` = the key, `count`, and
//! `ends_at` (a BSON date) under a TTL index, so ended windows go away on
//! their own; reads still compare `ends_at`, the TTL monitor being lazy.
//!
//! Counting is one atomic `findOneAndUpdate` (`$inc`) filtered on an open
//! window; when none is open, an upsert filtered on an ended window opens
//! a new one. If another caller opened it in between, the upsert's insert
//! meets the `_id` and fails as a duplicate key, and the loop counts in
//! that window instead: no count is lost under concurrency.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mongodb::bson::{Document, doc};
use mongodb::options::ReturnDocument;

use super::MongoStore;
use super::codec::{Fields, ttl_date};
use super::error::{OrStore, is_duplicate_key};
use crate::ports::{AttemptStore, AttemptWindow, StoreError, StoreResult, window_end};

/// Rounds of `record_attempt` (each either counts or meets a window opened
/// concurrently, which it then counts in).
const ROUNDS: u32 = 4;

fn window_from(doc: &Document) -> StoreResult<AttemptWindow> {
    let fields = Fields::new(doc, "attempts");
    let ends = doc
        .get_datetime("ends_at")
        .map_err(|e| fields.corrupt("ends_at", e))?;
    let ends_at = DateTime::from_timestamp_millis(ends.timestamp_millis())
        .ok_or_else(|| fields.corrupt("ends_at", "out of range"))?;
    Ok(AttemptWindow {
        count: fields.u32("count")?,
        ends_at,
    })
}

#[async_trait]
impl AttemptStore for MongoStore {
    async fn record_attempt(
        &self,
        key: &str,
        window: Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<AttemptWindow> {
        let now_date = ttl_date(now);
        for _ in 0..ROUNDS {
            let counted = self
                .attempts
                .find_one_and_update(
                    doc! { "_id": key, "ends_at": { "$gt": now_date } },
                    doc! { "$inc": { "count": 1_i64 } },
                )
                .return_document(ReturnDocument::After)
                .await
                .or_store()?;
            if let Some(open) = counted {
                return window_from(&open);
            }
            let opened = AttemptWindow {
                count: 1,
                ends_at: window_end(now, window),
            };
            let result = self
                .attempts
                .update_one(
                    doc! { "_id": key, "ends_at": { "$lte": now_date } },
                    doc! { "$set": { "count": 1_i64, "ends_at": ttl_date(opened.ends_at) } },
                )
                .upsert(true)
                .await;
            match result {
                Ok(_) => return Ok(opened),
                Err(err) if is_duplicate_key(&err) => continue,
                Err(err) => return Err(super::error::store_error(err)),
            }
        }
        Err(StoreError::unavailable("an attempt window kept changing"))
    }

    async fn attempts(&self, key: &str, now: DateTime<Utc>) -> StoreResult<Option<AttemptWindow>> {
        Ok(self
            .attempts
            .find_one(doc! { "_id": key })
            .await
            .or_store()?
            .as_ref()
            .map(window_from)
            .transpose()?
            .filter(|w| w.ends_at > now))
    }

    async fn clear_attempts(&self, key: &str) -> StoreResult<()> {
        self.attempts
            .delete_one(doc! { "_id": key })
            .await
            .or_store()?;
        Ok(())
    }
}
