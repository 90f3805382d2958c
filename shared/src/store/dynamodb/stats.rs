//! Aggregates: order metrics and daily totals from sharded counter items,
//! daily sales per SKU from per-day items.
//!
//! No item is written by every order: each order transaction adds to one
//! of `STATS_SHARDS` counter partitions, chosen at random, in the same
//! transaction that changes the order, so the counters are exact under any
//! concurrency (a cancelled transaction counts nothing). Reads add the
//! shards up: one BatchGetItem for the metrics, one Query per shard for a
//! date range of daily totals.

use std::collections::BTreeMap;
use std::str::FromStr;

use async_trait::async_trait;
use chrono::NaiveDate;
use futures::future::try_join_all;
use rust_decimal::Decimal;

use super::DynamoStore;
use super::codec::{Item, get_count, get_s, s};
use super::error::sdk_error;
use super::expr::Expr;
use super::keys::*;
use crate::domain::{OrderStatus, Sku};
use crate::ports::{DayTotals, OrderMetrics, OrderStats, SalesStore, StoreError, StoreResult};

fn parse_day(raw: &str) -> StoreResult<NaiveDate> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|e| StoreError::Corrupt(format!("day {raw:?}: {e}")))
}

impl DynamoStore {
    /// Every item of one partition with a sort key from `from` to `to`.
    async fn query_range(
        &self,
        partition: String,
        from: String,
        to: String,
    ) -> StoreResult<Vec<Item>> {
        let mut e = Expr::new();
        let (pk, sk) = (e.name(PK), e.name(SK));
        let (pv, fv, tv) = (e.value(s(partition)), e.value(s(from)), e.value(s(to)));
        let condition = format!("{pk} = {pv} AND {sk} BETWEEN {fv} AND {tv}");
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(self.table.as_ref())
                .key_condition_expression(&condition)
                .set_expression_attribute_names(e.names())
                .set_expression_attribute_values(e.values())
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|err| sdk_error("Query", err))?;
            items.extend(out.items.unwrap_or_default());
            start = out.last_evaluated_key.filter(|k| !k.is_empty());
            if start.is_none() {
                return Ok(items);
            }
        }
    }
}

#[async_trait]
impl OrderStats for DynamoStore {
    async fn order_metrics(&self) -> StoreResult<OrderMetrics> {
        let keys: Vec<(String, String)> = (0..STATS_SHARDS)
            .map(|shard| (stats_pk(shard), STATS_TOTALS_SK.to_owned()))
            .collect();
        let mut metrics = OrderMetrics {
            total_orders: 0,
            status_counts: BTreeMap::new(),
            processing_seconds_sum: 0.0,
            completed_orders: 0,
        };
        let mut processing_ms: i64 = 0;
        // A shard may go negative (an order counted in one shard moves
        // status in another); only the sum over shards is meaningful.
        let mut counts: BTreeMap<OrderStatus, i64> = BTreeMap::new();
        for item in self.batch_get(&keys).await? {
            metrics.total_orders += get_count::<u64>(&item, "total_orders")?;
            metrics.completed_orders += get_count::<u64>(&item, "completed_orders")?;
            processing_ms += get_count::<i64>(&item, "processing_ms")?;
            for status in OrderStatus::ALL {
                *counts.entry(status).or_default() +=
                    get_count::<i64>(&item, &status_count_attr(status))?;
            }
        }
        metrics.status_counts = counts
            .into_iter()
            .filter_map(|(status, count)| {
                u64::try_from(count)
                    .ok()
                    .filter(|c| *c > 0)
                    .map(|c| (status, c))
            })
            .collect();
        metrics.processing_seconds_sum = processing_ms as f64 / 1000.0;
        Ok(metrics)
    }

    async fn daily_order_totals(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<DayTotals>> {
        if from > to {
            return Ok(Vec::new());
        }
        let shards =
            try_join_all((0..STATS_SHARDS).map(|shard| {
                self.query_range(stats_pk(shard), stats_day_sk(from), stats_day_sk(to))
            }))
            .await?;
        let mut days: BTreeMap<NaiveDate, (u64, Decimal)> = BTreeMap::new();
        for item in shards.iter().flatten() {
            let sk = get_s(item, SK)?;
            let day = parse_day(sk.strip_prefix("DAY#").unwrap_or(sk))?;
            let count = get_count::<u64>(item, "order_count")?;
            let value = match item.get("order_value") {
                Some(aws_sdk_dynamodb::types::AttributeValue::N(raw)) => Decimal::from_str(raw)
                    .map_err(|e| StoreError::Corrupt(format!("order_value {raw:?}: {e}")))?,
                _ => Decimal::ZERO,
            };
            let entry = days.entry(day).or_default();
            entry.0 += count;
            entry.1 += value;
        }
        Ok(days
            .into_iter()
            .filter(|(_, (count, _))| *count > 0)
            .map(|(date, (order_count, order_value))| DayTotals {
                date,
                order_count,
                order_value,
            })
            .collect())
    }
}

#[async_trait]
impl SalesStore for DynamoStore {
    async fn daily_sales(
        &self,
        sku: &Sku,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<(NaiveDate, u64)>> {
        if from > to {
            return Ok(Vec::new());
        }
        let items = self
            .query_range(sales_pk(sku), day_key(from), day_key(to))
            .await?;
        items
            .iter()
            .map(|item| {
                Ok((
                    parse_day(get_s(item, SK)?)?,
                    get_count::<u64>(item, "units")?,
                ))
            })
            .collect()
    }
}
