//! Aggregates over orders, and daily sales per SKU.
//!
//! Order metrics and daily totals are aggregation pipelines, not counters
//! maintained by every placement: a counter document would be written by
//! every order of the day and turn concurrent placements into write
//! conflicts, while these reads are rare (dashboards, reports). Each
//! pipeline starts on an index that holds every field it needs, so the
//! server answers from the index alone (a covered scan) and never fetches
//! the order documents:
//!
//! - metrics: `status_metrics {status, processing_ms}`, in index order
//!   thanks to the leading `$sort` on `status`; the cost grows with the
//!   number of orders (index entries, not documents);
//! - daily totals: `daily_totals {day, total_amount}`, a range on `day`;
//!   the cost grows with the orders of those days.
//!
//! Daily sales are maintained instead (one `$inc` upsert per SKU and day,
//! in the transaction that starts processing the order): the forecast
//! reads one SKU's days, which a key range on `_id` answers directly.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::NaiveDate;
use futures::TryStreamExt;
use mongodb::bson::{Bson, Document, doc};
use rust_decimal::Decimal;

use super::MongoStore;
use super::codec::{self, Fields, integer};
use super::error::OrStore;
use crate::domain::{OrderStatus, Sku};
use crate::ports::{DayTotals, OrderMetrics, OrderStats, SalesStore, StoreError, StoreResult};

/// The `_id` of one SKU's sales on one day. `/` cannot occur in a SKU and
/// the day has a fixed width, so the ids of one SKU form one contiguous,
/// date-ordered key range.
pub(super) fn sales_id(sku: &Sku, day: &str) -> String {
    format!("{}/{day}", sku.as_str())
}

impl MongoStore {
    async fn aggregate(&self, pipeline: Vec<Document>) -> StoreResult<Vec<Document>> {
        self.orders
            .aggregate(pipeline)
            .await
            .or_store()?
            .try_collect()
            .await
            .or_store()
    }
}

#[async_trait]
impl OrderStats for MongoStore {
    async fn order_metrics(&self) -> StoreResult<OrderMetrics> {
        let groups = self
            .aggregate(vec![
                doc! { "$sort": { "status": 1 } },
                doc! { "$project": { "_id": 0, "status": 1, "processing_ms": 1 } },
                doc! { "$group": {
                    "_id": "$status",
                    "orders": { "$sum": 1 },
                    "timed": { "$sum": { "$cond": [{ "$gt": ["$processing_ms", Bson::Null] }, 1, 0] } },
                    "ms": { "$sum": "$processing_ms" },
                }},
            ])
            .await?;
        let mut metrics = OrderMetrics {
            total_orders: 0,
            status_counts: BTreeMap::new(),
            processing_seconds_sum: 0.0,
            completed_orders: 0,
        };
        let mut ms_sum: i64 = 0;
        for group in &groups {
            let f = Fields::new(group, "order metrics group");
            let status = f.parsed("_id", |s| OrderStatus::parse(s).ok_or("unknown status"))?;
            let orders = f.u64("orders")?;
            metrics.total_orders += orders;
            metrics.status_counts.insert(status, orders);
            metrics.completed_orders += f.u64("timed")?;
            ms_sum = ms_sum.saturating_add(f.i64("ms")?);
        }
        // Summed in whole milliseconds by the server, divided once here.
        metrics.processing_seconds_sum = ms_sum as f64 / 1000.0;
        Ok(metrics)
    }

    async fn daily_order_totals(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<DayTotals>> {
        let Some((from, to)) = codec::day_range(from, to) else {
            return Ok(Vec::new());
        };
        let days = self
            .aggregate(vec![
                doc! { "$match": { "day": { "$gte": from, "$lte": to } } },
                doc! { "$project": { "_id": 0, "day": 1, "total_amount": 1 } },
                doc! { "$group": {
                    "_id": "$day",
                    "orders": { "$sum": 1 },
                    "value": { "$sum": "$total_amount" },
                }},
                doc! { "$sort": { "_id": 1 } },
            ])
            .await?;
        days.iter()
            .map(|day| {
                let f = Fields::new(day, "daily order totals");
                let date = f.parsed("_id", |s| NaiveDate::parse_from_str(s, "%Y-%m-%d"))?;
                let order_value = match f.optional("value") {
                    Some(Bson::Decimal128(d)) => codec::decimal_from(*d)?,
                    Some(other) => match integer(other) {
                        Some(n) => Decimal::from(n),
                        None => return Err(f.corrupt("value", "expected a decimal")),
                    },
                    None => Decimal::ZERO,
                };
                Ok(DayTotals {
                    date,
                    order_count: f.u64("orders")?,
                    order_value,
                })
            })
            .collect()
    }
}

#[async_trait]
impl SalesStore for MongoStore {
    async fn daily_sales(
        &self,
        sku: &Sku,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<(NaiveDate, u64)>> {
        let Some((from, to)) = codec::day_range(from, to) else {
            return Ok(Vec::new());
        };
        let filter = doc! { "_id": { "$gte": sales_id(sku, &from), "$lte": sales_id(sku, &to) } };
        let docs: Vec<Document> = self
            .daily_sales
            .find(filter)
            .sort(doc! { "_id": 1 })
            .await
            .or_store()?
            .try_collect()
            .await
            .or_store()?;
        docs.iter()
            .map(|doc| {
                let f = Fields::new(doc, "daily sales");
                let day = f.parsed("day", |s| NaiveDate::parse_from_str(s, "%Y-%m-%d"))?;
                Ok((day, f.u64("units")?))
            })
            .collect::<Result<_, StoreError>>()
    }
}
