//! Attempt counters: one item per key (`ATTEMPTS#<key>`) holding `count`
//! and the window's end (`window_ends`, epoch milliseconds), with the TTL
//! attribute set to that end so that DynamoDB deletes ended windows.
//!
//! Counting is one conditional `ADD count 1` while the window is open;
//! when it has ended (or never opened) a conditional `SET count = 1` opens
//! a new one. Two callers racing to open a window: one wins the SET, the
//! other's condition fails and it counts in the window just opened. No
//! read-then-write, so concurrent Lambdas never lose a count.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::ReturnValue;
use chrono::{DateTime, TimeZone, Utc};

use super::DynamoStore;
use super::codec::{Item, get_n, n};
use super::error::{GaveUp, sdk_error};
use super::expr::Expr;
use super::items::key;
use super::keys::*;
use crate::ports::{AttemptStore, AttemptWindow, StoreError, StoreResult, window_end};

const COUNT: &str = "count";
const WINDOW_ENDS: &str = "window_ends";

/// Rounds of `record_attempt`: each round either counts or learns that the
/// window changed under it, which can only happen a couple of times.
const ROUNDS: u32 = 4;

fn read_window(item: &Item) -> StoreResult<AttemptWindow> {
    let ends: i64 = get_n(item, WINDOW_ENDS)?;
    let ends_at = Utc
        .timestamp_millis_opt(ends)
        .single()
        .ok_or_else(|| StoreError::Corrupt(format!("{WINDOW_ENDS} {ends} is out of range")))?;
    Ok(AttemptWindow {
        count: get_n(item, COUNT)?,
        ends_at,
    })
}

impl DynamoStore {
    /// Runs one conditional UpdateItem returning the new item, or `None`
    /// when its condition failed.
    async fn update_window(
        &self,
        pk: String,
        update: String,
        condition: String,
        e: Expr,
    ) -> StoreResult<Option<AttemptWindow>> {
        let e = e.used_in(&[&update, &condition]);
        let result = self
            .client
            .update_item()
            .table_name(self.table.as_ref())
            .set_key(Some(key(pk, ATTEMPTS_SK)))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_names(e.names())
            .set_expression_attribute_values(e.values())
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => read_window(&out.attributes.unwrap_or_default()).map(Some),
            Err(err) => match err.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(_)) => Ok(None),
                _ => Err(sdk_error("UpdateItem", err)),
            },
        }
    }
}

#[async_trait]
impl AttemptStore for DynamoStore {
    async fn record_attempt(
        &self,
        key_name: &str,
        window: Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<AttemptWindow> {
        let pk = attempts_pk(key_name);
        let now_ms = now.timestamp_millis();
        for _ in 0..ROUNDS {
            let mut e = Expr::new();
            let (count, ends, one, nowv) = (
                e.name(COUNT),
                e.name(WINDOW_ENDS),
                e.value(n(1)),
                e.value(n(now_ms)),
            );
            if let Some(open) = self
                .update_window(
                    pk.clone(),
                    format!("ADD {count} {one}"),
                    format!("{ends} > {nowv}"),
                    e,
                )
                .await?
            {
                return Ok(open);
            }
            let end = window_end(now, window);
            let mut e = Expr::new();
            let (count, ends, ttl, one, nowv, endv, ttlv) = (
                e.name(COUNT),
                e.name(WINDOW_ENDS),
                e.name(TTL_ATTR),
                e.value(n(1)),
                e.value(n(now_ms)),
                e.value(n(end.timestamp_millis())),
                e.value(n(end.timestamp() + 1)),
            );
            if let Some(opened) = self
                .update_window(
                    pk.clone(),
                    format!("SET {count} = {one}, {ends} = {endv}, {ttl} = {ttlv}"),
                    format!("attribute_not_exists({ends}) OR {ends} <= {nowv}"),
                    e,
                )
                .await?
            {
                return Ok(opened);
            }
        }
        Err(StoreError::unavailable(GaveUp(
            "an attempt window kept changing",
        )))
    }

    async fn attempts(
        &self,
        key_name: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AttemptWindow>> {
        // TTL deletes lazily: an ended window still present is no window.
        Ok(self
            .get_item(attempts_pk(key_name), ATTEMPTS_SK)
            .await?
            .map(|item| read_window(&item))
            .transpose()?
            .filter(|w| w.ends_at > now))
    }

    async fn clear_attempts(&self, key_name: &str) -> StoreResult<()> {
        self.client
            .delete_item()
            .table_name(self.table.as_ref())
            .set_key(Some(key(attempts_pk(key_name), ATTEMPTS_SK)))
            .send()
            .await
            .map_err(|e| sdk_error("DeleteItem", e))?;
        Ok(())
    }
}
