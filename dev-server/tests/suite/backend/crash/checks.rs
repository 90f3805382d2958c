//! The invariants, read back through the API (order list, metrics,
//! analytics, listings) and, for what the API does not show (the version
//! of an order, daily sales per SKU), from the store:
//!
//! - every acknowledged order is listed exactly once, and no other order
//!   exists (an idempotent retry placed nothing twice);
//! - each ended COMPLETED, or CANCELLED when its cancellation was
//!   accepted, after exactly the transitions that lead there (the version
//!   counts them: a duplicate message moved nothing twice);
//! - the order metrics and the daily order totals count each order once;
//! - the daily sales of each SKU count each order that started processing
//!   once;
//! - for every SKU, units sold (in completed orders) plus units left equal
//!   the units received (initial stock plus deliveries).

use std::collections::{BTreeMap, HashSet};

use chrono::{NaiveDate, Utc};
use futures::StreamExt;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use rust_decimal::Decimal;
use serde_json::Value;
use stockroom::domain::{Order, OrderId, OrderStatus, Sku};

use super::harness::{Setup, call};
use super::plan::{Catalogue, Outcome, Placement};

pub struct Report {
    pub completed: usize,
    pub cancelled: usize,
}

pub async fn verify(
    setup: &Setup,
    catalogue: &Catalogue,
    placement: &Placement,
    seed: u64,
) -> Report {
    let acked = &placement.acknowledged;
    let listed = list_all_orders(setup).await;
    let distinct: HashSet<&String> = listed.iter().collect();
    assert_eq!(
        distinct.len(),
        listed.len(),
        "seed {seed}: GET /orders lists an order twice"
    );
    let expected: HashSet<&String> = acked.keys().collect();
    assert_eq!(
        distinct, expected,
        "seed {seed}: the orders listed are not the orders acknowledged"
    );

    let orders: Vec<Order> = futures::stream::iter(acked.keys())
        .map(|id| async move {
            let order_id = OrderId::parse(id).expect("order id");
            setup
                .app
                .store
                .get_order(order_id)
                .await
                .expect("get order")
                .expect("stored")
        })
        .buffer_unordered(8)
        .collect()
        .await;

    let mut report = Report {
        completed: 0,
        cancelled: 0,
    };
    let mut sold = vec![0i64; catalogue.skus.len()];
    let mut processed = vec![0u64; catalogue.skus.len()];
    let mut per_day: BTreeMap<NaiveDate, (u64, Decimal)> = BTreeMap::new();
    let index: BTreeMap<&str, usize> = catalogue
        .skus
        .iter()
        .enumerate()
        .map(|(i, l)| (l.sku.as_str(), i))
        .collect();
    for order in &orders {
        let id = order.order_id.to_string();
        let plan = &acked[&id];
        let lines: Vec<(usize, u32)> = order
            .items
            .iter()
            .map(|l| (index[l.sku.as_str()], l.quantity.get()))
            .collect();
        assert_eq!(
            lines, plan.lines,
            "seed {seed}: order {id} holds other lines"
        );
        let expected = match plan.outcome {
            Outcome::Cancelled => OrderStatus::Cancelled,
            Outcome::Open | Outcome::NotCancellable => OrderStatus::Completed,
        };
        assert_eq!(order.status, expected, "seed {seed}: order {id}");
        // Version 1 when placed, one more per transition.
        let started = order.processing_started_at.is_some();
        let transitions = 1 + u64::from(started);
        assert_eq!(
            order.version,
            1 + transitions,
            "seed {seed}: order {id} ({:?}) was written {} times after placing",
            order.status,
            order.version - 1
        );
        match order.status {
            OrderStatus::Completed => {
                assert!(
                    started && order.completed_at.is_some(),
                    "seed {seed}: order {id}"
                );
                report.completed += 1;
                for (sku, quantity) in &lines {
                    sold[*sku] += i64::from(*quantity);
                }
            }
            _ => report.cancelled += 1,
        }
        if started {
            for (sku, quantity) in &lines {
                processed[*sku] += u64::from(*quantity);
            }
        }
        let day = per_day.entry(order.created_at.date_naive()).or_default();
        day.0 += 1;
        day.1 += order.total_amount;
    }

    check_metrics(setup, &report, orders.len(), seed).await;
    check_daily_totals(setup, &per_day, seed).await;
    let first = *per_day.keys().next().expect("some orders");
    let today = Utc::now().date_naive();
    for (i, listing) in catalogue.skus.iter().enumerate() {
        let sku = Sku::parse(&listing.sku).expect("sku");
        let sales: u64 = setup
            .app
            .store
            .daily_sales(&sku, first, today)
            .await
            .expect("daily sales")
            .iter()
            .map(|(_, units)| units)
            .sum();
        assert_eq!(
            sales, processed[i],
            "seed {seed}: daily sales of {} do not count each processed order once",
            listing.sku
        );
        let reply = call(
            &setup.app,
            "GET",
            &format!("/listings/{}", listing.sku),
            &setup.admin,
            None,
            None,
        )
        .await;
        let left = reply.body["available"].as_i64().expect("available");
        let received = listing.initial + placement.delivered[i];
        assert_eq!(
            sold[i] + left,
            received,
            "seed {seed}: {}: {} sold + {left} left != {received} received",
            listing.sku,
            sold[i]
        );
    }
    report
}

/// Every order id `GET /orders` lists to the admin, page by page.
async fn list_all_orders(setup: &Setup) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = "/orders?limit=100".to_owned();
        if let Some(c) = &cursor {
            path.push_str(&format!(
                "&cursor={}",
                utf8_percent_encode(c, NON_ALPHANUMERIC)
            ));
        }
        let reply = call(&setup.app, "GET", &path, &setup.admin, None, None).await;
        assert_eq!(reply.status, 200, "GET {path}: {}", reply.body);
        for order in reply.body["items"].as_array().expect("items") {
            ids.push(order["order_id"].as_str().expect("order_id").to_owned());
        }
        match reply.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return ids,
        }
    }
}

async fn check_metrics(setup: &Setup, report: &Report, total: usize, seed: u64) {
    let reply = call(&setup.app, "GET", "/metrics", &setup.admin, None, None).await;
    assert_eq!(reply.status, 200, "GET /metrics: {}", reply.body);
    let m = &reply.body;
    assert_eq!(m["total_orders"], total as u64, "seed {seed}: metrics {m}");
    let counts = &m["status_counts"];
    for (status, expected) in [
        ("PENDING", 0),
        ("PROCESSING", 0),
        ("FAILED", 0),
        ("COMPLETED", report.completed),
        ("CANCELLED", report.cancelled),
    ] {
        assert_eq!(
            counts[status], expected as u64,
            "seed {seed}: {status} in metrics {m}"
        );
    }
}

/// `GET /analytics/orders` by day counts each order, and its value, once.
async fn check_daily_totals(
    setup: &Setup,
    per_day: &BTreeMap<NaiveDate, (u64, Decimal)>,
    seed: u64,
) {
    let (Some(first), Some(last)) = (per_day.keys().next(), per_day.keys().last()) else {
        return;
    };
    let path = format!("/analytics/orders?from={first}&to={last}&granularity=day");
    let reply = call(&setup.app, "GET", &path, &setup.admin, None, None).await;
    assert_eq!(reply.status, 200, "GET {path}: {}", reply.body);
    let mut reported: BTreeMap<NaiveDate, (u64, Decimal)> = BTreeMap::new();
    for bucket in reply.body["buckets"].as_array().expect("buckets") {
        let count = bucket["order_count"].as_u64().expect("order_count");
        if count == 0 {
            continue;
        }
        let day: NaiveDate = bucket["start"]
            .as_str()
            .expect("start")
            .parse()
            .expect("date");
        reported.insert(day, (count, decimal(&bucket["order_value"])));
    }
    assert_eq!(
        &reported, per_day,
        "seed {seed}: daily order totals {}",
        reply.body
    );
}

fn decimal(value: &Value) -> Decimal {
    value
        .as_str()
        .expect("decimal string")
        .parse()
        .expect("decimal")
}
