//! Orders of the documented maximum of 100 lines: placed, refused, cancelled
//! and processed whole on every store, although DynamoDB takes at most 100
//! items in one transaction (its placement and updates then span two).

use std::sync::Arc;

use chrono::{Duration, NaiveTime};
use futures::future::join_all;
use stockroom::app::orders::OrderRequest;
use stockroom::domain::{CustomerId, Order, OrderStatus};
use stockroom::ports::{OrderEffects, OrderUpdate, PlaceOrderError, Store};

use super::fixtures::*;

/// The maximum number of lines in an order.
const LINES: usize = OrderRequest::MAX_LINES;

/// `LINES` fresh listings with `available` units each.
async fn catalogue(store: &dyn Store, prefix: &str, available: i64) -> Vec<String> {
    let names: Vec<String> = (0..LINES).map(|_| unique(prefix)).collect();
    join_all(names.iter().map(|name| listing(store, name, available))).await;
    names
}

async fn stocks(store: &dyn Store, names: &[String]) -> Vec<i64> {
    join_all(names.iter().map(|name| stock_of(store, name))).await
}

fn lines(names: &[String], quantity: i64) -> Vec<(&str, i64)> {
    names.iter().map(|n| (n.as_str(), quantity)).collect()
}

fn update(previous: &Order, next: &Order, effects: OrderEffects) -> OrderUpdate {
    OrderUpdate {
        previous: previous.clone(),
        next: next.clone(),
        effects,
    }
}

/// A 100-line order with an idempotency key is stored with its record and
/// counted once; cancelling it releases every line, and processing another
/// records every line's sales, with nothing left owed afterwards.
pub async fn hundred_line_orders_are_placed_cancelled_and_sold(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let names = catalogue(s, "L100-", 5).await;
    let day = unique_day();
    let at = day
        .and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap())
        .and_utc();
    let customer = CustomerId::generate();

    let first = order_at(customer, &lines(&names, 2), at);
    let record = idempotency(&first, "large-1", "hash");
    store.place_order(&first, Some(&record)).await.unwrap();
    assert_eq!(stocks(s, &names).await, vec![3; LINES]);
    assert_eq!(
        store.get_order(first.order_id).await.unwrap().unwrap(),
        first
    );
    let got = store
        .get_idempotency(customer, &record.key, at)
        .await
        .unwrap();
    assert_eq!(got.unwrap().order.order_id, first.order_id);
    // The same key again is the record, not a second order.
    let again = order_at(customer, &lines(&names, 2), at);
    match store
        .place_order(&again, Some(&idempotency(&again, "large-1", "hash")))
        .await
    {
        Err(PlaceOrderError::IdempotencyKeyTaken(live)) => {
            assert_eq!(live.order.order_id, first.order_id)
        }
        other => panic!("expected the key taken, got {other:?}"),
    }
    assert_eq!(stocks(s, &names).await, vec![3; LINES], "nothing held back");
    assert!(store.get_order(again.order_id).await.unwrap().is_none());

    let cancelled = first.transitioned(OrderStatus::Cancelled, at).unwrap();
    let release = names.iter().map(|n| (sku(n), 2)).collect();
    store
        .update_order(&update(
            &first,
            &cancelled,
            OrderEffects {
                release,
                record_sales_on: None,
            },
        ))
        .await
        .unwrap();
    assert_eq!(
        stocks(s, &names).await,
        vec![5; LINES],
        "every line released"
    );

    let second = order_at(customer, &lines(&names, 1), at);
    store.place_order(&second, None).await.unwrap();
    let processing = second.transitioned(OrderStatus::Processing, at).unwrap();
    store
        .update_order(&update(
            &second,
            &processing,
            OrderEffects {
                release: vec![],
                record_sales_on: Some(day),
            },
        ))
        .await
        .unwrap();
    for name in &names {
        let sales = store.daily_sales(&sku(name), day, day).await.unwrap();
        assert_eq!(sales, vec![(day, 1)], "{name}");
    }
    assert_eq!(stocks(s, &names).await, vec![4; LINES]);
    let totals = store.daily_order_totals(day, day).await.unwrap();
    assert_eq!(totals.len(), 1);
    assert_eq!(totals[0].order_count, 2, "each order counted once");
    let later = at + Duration::days(1);
    assert_eq!(store.settle_pending_effects(later).await.unwrap(), 0);
    assert_eq!(
        stocks(s, &names).await,
        vec![4; LINES],
        "nothing owed twice"
    );
}

/// A 100-line order short on its first or its last line is refused whole:
/// no unit stays reserved, whichever part of it was refused.
pub async fn hundred_line_orders_short_anywhere_reserve_nothing(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let names = catalogue(s, "L100S-", 3).await;
    for short in [0, LINES - 1] {
        let mut wanted = lines(&names, 1);
        wanted[short].1 = 4;
        let o = order(CustomerId::generate(), &wanted);
        match store.place_order(&o, None).await {
            Err(PlaceOrderError::InsufficientStock(shortages)) => {
                assert_eq!(shortages.len(), 1);
                assert_eq!(shortages[0].sku, sku(&names[short]));
                assert_eq!(shortages[0].available, 3);
            }
            other => panic!("line {short} short: expected insufficient stock, got {other:?}"),
        }
        assert_eq!(
            stocks(s, &names).await,
            vec![3; LINES],
            "line {short} short"
        );
        assert!(store.get_order(o.order_id).await.unwrap().is_none());
    }
    let fits = order(CustomerId::generate(), &lines(&names, 3));
    store.place_order(&fits, None).await.unwrap();
    assert_eq!(stocks(s, &names).await, vec![0; LINES]);
}
