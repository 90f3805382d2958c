//! Order cases: all-or-nothing reservation, idempotency, conditional
//! updates with their effects, history pages, aggregates, and the races.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{Duration, NaiveTime};
use rust_decimal::Decimal;

use super::fixtures::*;
use stockroom::domain::{CustomerId, ListingStatus, OrderStatus};
use stockroom::ports::{
    OrderEffects, OrderFilter, OrderUpdate, PageRequest, PlaceOrderError, Store, UpdateError,
};

pub async fn place_order_is_all_or_nothing(store: Arc<dyn Store>) {
    let (a, b) = (unique("AON-a"), unique("AON-b"));
    listing(store.as_ref(), &a, 10).await;
    listing(store.as_ref(), &b, 2).await;
    let customer = CustomerId::generate();

    let too_much = order(customer, &[(&a, 4), (&b, 3)]);
    match store.place_order(&too_much, None).await {
        Err(PlaceOrderError::InsufficientStock(shortages)) => {
            assert_eq!(shortages.len(), 1);
            assert_eq!(shortages[0].sku, sku(&b));
            assert_eq!(shortages[0].requested, 3);
            assert_eq!(shortages[0].available, 2);
        }
        other => panic!("expected insufficient stock, got {other:?}"),
    }
    assert_eq!(stock_of(store.as_ref(), &a).await, 10, "nothing reserved");
    assert_eq!(stock_of(store.as_ref(), &b).await, 2, "nothing reserved");
    assert!(store.get_order(too_much.order_id).await.unwrap().is_none());

    let fits = order(customer, &[(&a, 4), (&b, 2)]);
    store.place_order(&fits, None).await.unwrap();
    assert_eq!(stock_of(store.as_ref(), &a).await, 6);
    assert_eq!(stock_of(store.as_ref(), &b).await, 0);
    let stored = store.get_order(fits.order_id).await.unwrap().unwrap();
    assert_eq!(stored, fits);
}

pub async fn place_order_refuses_unbuyable_listings(store: Arc<dyn Store>) {
    let (active, inactive, missing) = (unique("UB-a"), unique("UB-i"), unique("UB-m"));
    listing(store.as_ref(), &active, 10).await;
    let mut d = draft(&inactive, 10);
    d.status = Some(ListingStatus::Inactive);
    store.put_listing(&d, now()).await.unwrap();

    let o = order(
        CustomerId::generate(),
        &[(&active, 1), (&inactive, 1), (&missing, 1)],
    );
    match store.place_order(&o, None).await {
        Err(PlaceOrderError::NotBuyable(skus)) => {
            let got: HashSet<_> = skus.into_iter().collect();
            assert_eq!(got, HashSet::from([sku(&inactive), sku(&missing)]));
        }
        other => panic!("expected not buyable, got {other:?}"),
    }
    assert_eq!(stock_of(store.as_ref(), &active).await, 10);
    assert_eq!(stock_of(store.as_ref(), &inactive).await, 10);
}

pub async fn idempotency_record_is_written_with_the_order(store: Arc<dyn Store>) {
    let name = unique("IDM-");
    listing(store.as_ref(), &name, 10).await;
    let customer = CustomerId::generate();
    let first = order(customer, &[(&name, 1)]);
    let record = idempotency(&first, "key-1", "hash-a");
    store.place_order(&first, Some(&record)).await.unwrap();

    let got = store
        .get_idempotency(customer, &record.key, now())
        .await
        .unwrap()
        .expect("record stored with the order");
    assert_eq!(got, record);
    // A replay renders the stored order: it must render to the same bytes
    // as the order did when placed (prices keep their scale, times their
    // precision), and keep doing so after the order moves on.
    let rendered = |o: &stockroom::domain::Order| {
        serde_json::to_string(&stockroom::views::OrderView::from(o)).unwrap()
    };
    let processing = first.transitioned(OrderStatus::Processing, now()).unwrap();
    store
        .update_order(&OrderUpdate {
            previous: first.clone(),
            next: processing,
            effects: OrderEffects::default(),
        })
        .await
        .unwrap();
    let later = store
        .get_idempotency(customer, &record.key, now())
        .await
        .unwrap()
        .expect("record still live");
    assert_eq!(
        later.order.status,
        OrderStatus::Pending,
        "the order as placed"
    );
    assert_eq!(rendered(&later.order), rendered(&first));

    // The same key again, even for a different order: the first record wins
    // and nothing is reserved.
    let second = order(customer, &[(&name, 2)]);
    let again = idempotency(&second, "key-1", "hash-b");
    match store.place_order(&second, Some(&again)).await {
        Err(PlaceOrderError::IdempotencyKeyTaken(existing)) => assert_eq!(*existing, record),
        other => panic!("expected key taken, got {other:?}"),
    }
    assert_eq!(stock_of(store.as_ref(), &name).await, 9);
    assert!(store.get_order(second.order_id).await.unwrap().is_none());

    // Keys are per customer.
    let other = order(CustomerId::generate(), &[(&name, 1)]);
    store
        .place_order(&other, Some(&idempotency(&other, "key-1", "hash-a")))
        .await
        .unwrap();
    assert_eq!(stock_of(store.as_ref(), &name).await, 8);
}

pub async fn idempotency_key_expires(store: Arc<dyn Store>) {
    let name = unique("IDX-");
    listing(store.as_ref(), &name, 10).await;
    let customer = CustomerId::generate();
    let first = order(customer, &[(&name, 1)]);
    let record = idempotency(&first, "key-x", "h");
    store.place_order(&first, Some(&record)).await.unwrap();

    let later = record.expires_at + Duration::seconds(1);
    assert!(
        store
            .get_idempotency(customer, &record.key, later)
            .await
            .unwrap()
            .is_none(),
        "an expired record is not replayed"
    );
    // After expiry the key can be used again.
    let second = order_at(customer, &[(&name, 1)], later);
    let mut reuse = idempotency(&second, "key-x", "h2");
    reuse.created_at = later;
    reuse.expires_at = later + Duration::hours(24);
    store.place_order(&second, Some(&reuse)).await.unwrap();
    assert_eq!(
        store
            .get_idempotency(customer, &reuse.key, later)
            .await
            .unwrap()
            .map(|r| r.order.order_id),
        Some(second.order_id)
    );
}

pub async fn update_order_is_conditional_on_version(store: Arc<dyn Store>) {
    let name = unique("UPV-");
    listing(store.as_ref(), &name, 10).await;
    let placed = order(CustomerId::generate(), &[(&name, 1)]);
    store.place_order(&placed, None).await.unwrap();

    let processing = placed.transitioned(OrderStatus::Processing, now()).unwrap();
    let update = OrderUpdate {
        previous: placed.clone(),
        next: processing.clone(),
        effects: OrderEffects::default(),
    };
    store.update_order(&update).await.unwrap();
    // The same update again is computed from a stale version.
    assert!(matches!(
        store.update_order(&update).await,
        Err(UpdateError::Conflict)
    ));
    let stored = store.get_order(placed.order_id).await.unwrap().unwrap();
    assert_eq!(stored.status, OrderStatus::Processing);
    assert_eq!(stored.version, 2);

    let mut ghost = placed.clone();
    ghost.order_id = stockroom::domain::OrderId::generate();
    let missing = OrderUpdate {
        previous: ghost.clone(),
        next: ghost.transitioned(OrderStatus::Processing, now()).unwrap(),
        effects: OrderEffects::default(),
    };
    assert!(matches!(
        store.update_order(&missing).await,
        Err(UpdateError::NotFound)
    ));
}

/// An order's shipping address and speed, the MCF submission time and a
/// failure reason are stored with it and kept by conditional updates.
pub async fn shipping_details_are_kept_through_updates(store: Arc<dyn Store>) {
    use stockroom::domain::{AddressFields, ShippingAddress, ShippingSpeed};
    let name = unique("SHIP-");
    listing(store.as_ref(), &name, 10).await;
    let address = ShippingAddress::parse(AddressFields {
        name: Some("Ada Lovelace"),
        address_line1: Some("1 Analytical Way"),
        address_line2: Some("Floor 2"),
        city: Some("Seattle"),
        state_or_region: Some("WA"),
        postal_code: Some("98101"),
        country_code: Some("US"),
        phone: Some("+1 206 555 0100"),
    })
    .unwrap();
    let placed = order(CustomerId::generate(), &[(&name, 2)])
        .with_shipping(Some(address), Some(ShippingSpeed::Expedited));
    store.place_order(&placed, None).await.unwrap();
    assert_eq!(
        store.get_order(placed.order_id).await.unwrap().unwrap(),
        placed
    );

    let processing = placed
        .transitioned(OrderStatus::Processing, placed.created_at)
        .unwrap();
    let mut submitted = processing.edited(placed.created_at + Duration::seconds(1));
    submitted.fulfillment_submitted_at = Some(submitted.updated_at);
    for (previous, next) in [(&placed, &processing), (&processing, &submitted)] {
        let update = OrderUpdate {
            previous: previous.clone(),
            next: next.clone(),
            effects: OrderEffects::default(),
        };
        store.update_order(&update).await.unwrap();
    }
    let mut failed = submitted
        .transitioned(OrderStatus::Failed, submitted.updated_at)
        .unwrap();
    failed.failure_reason = Some("InvalidInput: cannot ship there".into());
    let update = OrderUpdate {
        previous: submitted.clone(),
        next: failed.clone(),
        effects: OrderEffects {
            release: vec![(sku(&name), 2)],
            record_sales_on: None,
        },
    };
    store.update_order(&update).await.unwrap();
    let stored = store.get_order(placed.order_id).await.unwrap().unwrap();
    assert_eq!(stored, failed);
    assert_eq!(stored.shipping_speed, Some(ShippingSpeed::Expedited));
    assert_eq!(
        stored.shipping_address.unwrap().address_line2(),
        Some("Floor 2")
    );
    assert_eq!(stock_of(store.as_ref(), &name).await, 10);
}

pub async fn update_order_applies_effects_atomically(store: Arc<dyn Store>) {
    let (a, b) = (unique("EFF-a"), unique("EFF-b"));
    listing(store.as_ref(), &a, 10).await;
    listing(store.as_ref(), &b, 10).await;
    let day = unique_day();
    let at = day
        .and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap())
        .and_utc();
    let placed = order_at(CustomerId::generate(), &[(&a, 3), (&b, 2)], at);
    store.place_order(&placed, None).await.unwrap();

    // Processing records the day's sales.
    let processing = placed.transitioned(OrderStatus::Processing, at).unwrap();
    store
        .update_order(&OrderUpdate {
            previous: placed.clone(),
            next: processing.clone(),
            effects: OrderEffects {
                release: vec![],
                record_sales_on: Some(day),
            },
        })
        .await
        .unwrap();
    let sales = store.daily_sales(&sku(&a), day, day).await.unwrap();
    assert_eq!(sales, vec![(day, 3)]);
    assert_eq!(
        store
            .daily_sales(&sku(&b), day - Duration::days(1), day + Duration::days(1))
            .await
            .unwrap(),
        vec![(day, 2)]
    );

    // A release that names a deleted listing fails as a whole.
    store.delete_listing(&sku(&b)).await.unwrap();
    let cancelled = processing
        .transitioned(OrderStatus::Cancelled, now())
        .unwrap();
    let release_all = OrderUpdate {
        previous: processing.clone(),
        next: cancelled.clone(),
        effects: OrderEffects {
            release: vec![(sku(&a), 3), (sku(&b), 2)],
            record_sales_on: None,
        },
    };
    assert!(store.update_order(&release_all).await.is_err());
    assert_eq!(stock_of(store.as_ref(), &a).await, 7, "no partial release");
    assert_eq!(
        store
            .get_order(placed.order_id)
            .await
            .unwrap()
            .unwrap()
            .status,
        OrderStatus::Processing
    );

    let release_existing = OrderUpdate {
        effects: OrderEffects {
            release: vec![(sku(&a), 3)],
            record_sales_on: None,
        },
        ..release_all
    };
    store.update_order(&release_existing).await.unwrap();
    assert_eq!(stock_of(store.as_ref(), &a).await, 10);
    assert_eq!(
        store
            .get_order(placed.order_id)
            .await
            .unwrap()
            .unwrap()
            .status,
        OrderStatus::Cancelled
    );
}

pub async fn orders_are_listed_newest_first_per_customer(store: Arc<dyn Store>) {
    let name = unique("HIS-");
    listing(store.as_ref(), &name, 100).await;
    let (alice, bob) = (CustomerId::generate(), CustomerId::generate());
    let mut alice_orders = Vec::new();
    for i in 0..7 {
        let o = order_at(alice, &[(&name, 1)], now() + Duration::milliseconds(i));
        store.place_order(&o, None).await.unwrap();
        alice_orders.push(o.order_id);
        let b = order(bob, &[(&name, 1)]);
        store.place_order(&b, None).await.unwrap();
    }
    alice_orders.reverse();

    let filter = OrderFilter {
        customer_id: Some(alice),
        status: None,
    };
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_orders(&filter, &PageRequest::after(3, cursor))
            .await
            .unwrap();
        assert!(page.items.iter().all(|o| o.customer_id == alice));
        seen.extend(page.items.iter().map(|o| o.order_id));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(
        seen, alice_orders,
        "all of Alice's orders, newest first, no one else's"
    );

    // Status filter.
    let first = store.get_order(alice_orders[0]).await.unwrap().unwrap();
    store
        .update_order(&OrderUpdate {
            previous: first.clone(),
            next: first.transitioned(OrderStatus::Cancelled, now()).unwrap(),
            effects: OrderEffects::default(),
        })
        .await
        .unwrap();
    let cancelled = store
        .list_orders(
            &OrderFilter {
                customer_id: Some(alice),
                status: Some(OrderStatus::Cancelled),
            },
            &PageRequest::first(100),
        )
        .await
        .unwrap();
    assert_eq!(
        cancelled
            .items
            .iter()
            .map(|o| o.order_id)
            .collect::<Vec<_>>(),
        vec![alice_orders[0]]
    );

    // Everyone's orders (admin view) are newest first too.
    let all = store
        .list_orders(&OrderFilter::default(), &PageRequest::first(50))
        .await
        .unwrap();
    assert!(all.items.windows(2).all(|w| w[0].order_id > w[1].order_id));
}

pub async fn stale_pending_orders_are_found(store: Arc<dyn Store>) {
    let name = unique("STL-");
    listing(store.as_ref(), &name, 10).await;
    let customer = CustomerId::generate();
    let old = order_at(customer, &[(&name, 1)], now() - Duration::minutes(30));
    let fresh = order(customer, &[(&name, 1)]);
    let old_done = order_at(customer, &[(&name, 1)], now() - Duration::minutes(30));
    for o in [&old, &fresh, &old_done] {
        store.place_order(o, None).await.unwrap();
    }
    store
        .update_order(&OrderUpdate {
            previous: old_done.clone(),
            next: old_done
                .transitioned(OrderStatus::Processing, now())
                .unwrap(),
            effects: OrderEffects::default(),
        })
        .await
        .unwrap();

    let cutoff = now() - Duration::minutes(5);
    let mut found = HashSet::new();
    let mut cursor = None;
    loop {
        let page = store
            .stale_pending_orders(cutoff, &PageRequest::after(50, cursor))
            .await
            .unwrap();
        for o in &page.items {
            assert_eq!(o.status, OrderStatus::Pending);
            assert!(o.created_at < cutoff);
            found.insert(o.order_id);
        }
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert!(found.contains(&old.order_id));
    assert!(!found.contains(&fresh.order_id));
    assert!(!found.contains(&old_done.order_id));
}

pub async fn metrics_and_daily_totals_count_orders(store: Arc<dyn Store>) {
    let name = unique("MET-");
    listing(store.as_ref(), &name, 100).await;
    let before = store.order_metrics().await.unwrap();
    let day = unique_day();
    let at = day
        .and_time(NaiveTime::from_hms_opt(23, 59, 0).unwrap())
        .and_utc();
    let customer = CustomerId::generate();
    let first = order_at(customer, &[(&name, 2)], at); // 5.00
    let second = order_at(customer, &[(&name, 1)], at + Duration::minutes(2)); // next day, 2.50
    store.place_order(&first, None).await.unwrap();
    store.place_order(&second, None).await.unwrap();

    let processing = first.transitioned(OrderStatus::Processing, at).unwrap();
    store
        .update_order(&OrderUpdate {
            previous: first.clone(),
            next: processing.clone(),
            effects: OrderEffects::default(),
        })
        .await
        .unwrap();
    let done = processing
        .transitioned(OrderStatus::Completed, at + Duration::seconds(4))
        .unwrap();
    store
        .update_order(&OrderUpdate {
            previous: processing,
            next: done,
            effects: OrderEffects::default(),
        })
        .await
        .unwrap();

    let after = store.order_metrics().await.unwrap();
    assert_eq!(after.total_orders, before.total_orders + 2);
    let count =
        |m: &stockroom::ports::OrderMetrics, s| m.status_counts.get(&s).copied().unwrap_or(0);
    assert_eq!(
        count(&after, OrderStatus::Completed),
        count(&before, OrderStatus::Completed) + 1
    );
    assert_eq!(
        count(&after, OrderStatus::Pending),
        count(&before, OrderStatus::Pending) + 1
    );
    assert_eq!(after.completed_orders, before.completed_orders + 1);
    let added = after.processing_seconds_sum - before.processing_seconds_sum;
    assert!(
        (added - 4.0).abs() < 1e-6,
        "processing seconds added: {added}"
    );

    let totals = store
        .daily_order_totals(day, day + Duration::days(1))
        .await
        .unwrap();
    let by_day: Vec<_> = totals
        .iter()
        .filter(|t| t.order_count > 0)
        .map(|t| (t.date, t.order_count, t.order_value))
        .collect();
    assert_eq!(
        by_day,
        vec![
            (day, 1, Decimal::new(500, 2)),
            (day + Duration::days(1), 1, Decimal::new(250, 2)),
        ]
    );
    let only_first_day = store.daily_order_totals(day, day).await.unwrap();
    assert_eq!(only_first_day.iter().map(|t| t.order_count).sum::<u64>(), 1);
}

pub async fn racing_orders_never_oversell(store: Arc<dyn Store>, racers: usize) {
    let name = unique("RACE-");
    let stock = (racers / 4).max(1) as i64;
    listing(store.as_ref(), &name, stock).await;
    let mut tasks = Vec::new();
    for _ in 0..racers {
        let store = store.clone();
        let name = name.clone();
        tasks.push(tokio::spawn(async move {
            let o = order(CustomerId::generate(), &[(&name, 1)]);
            match store.place_order(&o, None).await {
                Ok(()) => true,
                Err(PlaceOrderError::InsufficientStock(_)) => false,
                Err(other) => panic!("unexpected error: {other:?}"),
            }
        }));
    }
    let mut sold = 0;
    for t in tasks {
        sold += i64::from(t.await.unwrap());
    }
    assert_eq!(sold, stock, "exactly the stock is sold");
    assert_eq!(stock_of(store.as_ref(), &name).await, 0);
}

pub async fn racing_multi_line_orders_conserve_stock(store: Arc<dyn Store>, racers: usize) {
    let names: Vec<String> = (0..3).map(|i| unique(&format!("ML{i}-"))).collect();
    let received = (racers / 3).max(2) as i64;
    for n in &names {
        listing(store.as_ref(), n, received).await;
    }
    let mut tasks = Vec::new();
    for i in 0..racers {
        let store = store.clone();
        let lines: Vec<(String, i64)> = vec![
            (names[i % 3].clone(), 1 + (i % 2) as i64),
            (names[(i + 1) % 3].clone(), 1),
        ];
        tasks.push(tokio::spawn(async move {
            let refs: Vec<(&str, i64)> = lines.iter().map(|(s, q)| (s.as_str(), *q)).collect();
            let o = order(CustomerId::generate(), &refs);
            match store.place_order(&o, None).await {
                Ok(()) => Some(o),
                Err(PlaceOrderError::InsufficientStock(_)) => None,
                Err(other) => panic!("unexpected error: {other:?}"),
            }
        }));
    }
    let mut placed = Vec::new();
    for t in tasks {
        if let Some(o) = t.await.unwrap() {
            placed.push(o);
        }
    }
    assert!(!placed.is_empty());
    for n in &names {
        let sold: i64 = placed
            .iter()
            .flat_map(|o| o.items.iter())
            .filter(|l| l.sku.as_str() == n)
            .map(|l| i64::from(l.quantity.get()))
            .sum();
        let left = stock_of(store.as_ref(), n).await;
        assert!(left >= 0);
        assert_eq!(sold + left, received, "{n}: sold {sold} + left {left}");
    }
}

pub async fn racing_duplicate_idempotency_keys_create_one_order(
    store: Arc<dyn Store>,
    racers: usize,
) {
    let name = unique("RID-");
    listing(store.as_ref(), &name, 1000).await;
    let customer = CustomerId::generate();
    let tries = racers.min(20);
    let mut tasks = Vec::new();
    for _ in 0..tries {
        let store = store.clone();
        let name = name.clone();
        tasks.push(tokio::spawn(async move {
            let o = order(customer, &[(&name, 1)]);
            let record = idempotency(&o, "same-key", "same-hash");
            match store.place_order(&o, Some(&record)).await {
                Ok(()) => o.order_id,
                Err(PlaceOrderError::IdempotencyKeyTaken(existing)) => existing.order.order_id,
                Err(other) => panic!("unexpected error: {other:?}"),
            }
        }));
    }
    let mut ids = HashSet::new();
    for t in tasks {
        ids.insert(t.await.unwrap());
    }
    assert_eq!(ids.len(), 1, "every attempt resolves to the same order");
    assert_eq!(
        stock_of(store.as_ref(), &name).await,
        999,
        "one unit reserved"
    );
    let page = store
        .list_orders(
            &OrderFilter {
                customer_id: Some(customer),
                status: None,
            },
            &PageRequest::first(100),
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
}

pub async fn racing_cancels_release_stock_once(store: Arc<dyn Store>, racers: usize) {
    let name = unique("RCX-");
    listing(store.as_ref(), &name, 10).await;
    let placed = order(CustomerId::generate(), &[(&name, 4)]);
    store.place_order(&placed, None).await.unwrap();
    assert_eq!(stock_of(store.as_ref(), &name).await, 6);

    let mut tasks = Vec::new();
    for _ in 0..racers.min(16) {
        let store = store.clone();
        let placed = placed.clone();
        let name = name.clone();
        tasks.push(tokio::spawn(async move {
            let update = OrderUpdate {
                next: placed.transitioned(OrderStatus::Cancelled, now()).unwrap(),
                previous: placed,
                effects: OrderEffects {
                    release: vec![(sku(&name), 4)],
                    record_sales_on: None,
                },
            };
            match store.update_order(&update).await {
                Ok(()) => true,
                Err(UpdateError::Conflict) => false,
                Err(other) => panic!("unexpected error: {other:?}"),
            }
        }));
    }
    let mut wins = 0;
    for t in tasks {
        wins += usize::from(t.await.unwrap());
    }
    assert_eq!(wins, 1, "exactly one cancel applies");
    assert_eq!(stock_of(store.as_ref(), &name).await, 10, "released once");
}
