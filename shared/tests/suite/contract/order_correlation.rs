//! An order keeps the correlation id of the request that placed it: through
//! placement (with its idempotency record), updates and the stale-order
//! scan that recovery reads, and an order placed without one reads back
//! without one.

use std::sync::Arc;

use chrono::Duration;

use super::fixtures::*;
use stockroom::domain::{CustomerId, OrderStatus};
use stockroom::ports::{OrderEffects, OrderUpdate, PageRequest, Store};

pub async fn correlation_id_is_kept_with_the_order(store: Arc<dyn Store>) {
    let name = unique("COR-");
    listing(store.as_ref(), &name, 10).await;
    let customer = CustomerId::generate();
    let trail = unique("trail-");
    let placed = order_at(customer, &[(&name, 1)], now() - Duration::minutes(30))
        .with_correlation_id(Some(trail.clone()));
    let record = idempotency(&placed, "key-cor", "hash-cor");
    let plain = order_at(customer, &[(&name, 1)], now() - Duration::minutes(30));
    store.place_order(&placed, Some(&record)).await.unwrap();
    store.place_order(&plain, None).await.unwrap();

    let got = store.get_order(placed.order_id).await.unwrap().unwrap();
    assert_eq!(got.correlation_id.as_deref(), Some(trail.as_str()));
    assert_eq!(got, placed);
    let kept = store
        .get_idempotency(customer, &record.key, now())
        .await
        .unwrap()
        .expect("record stored with the order");
    assert_eq!(kept.order.correlation_id.as_deref(), Some(trail.as_str()));
    let without = store.get_order(plain.order_id).await.unwrap().unwrap();
    assert_eq!(without.correlation_id, None);

    // Recovery reads stale orders from this scan: the id comes with them.
    let mut cursor = None;
    let mut seen = Vec::new();
    loop {
        let page = store
            .stale_pending_orders(
                now() - Duration::minutes(5),
                &PageRequest::after(50, cursor),
            )
            .await
            .unwrap();
        seen.extend(
            page.items
                .into_iter()
                .filter(|o| o.order_id == placed.order_id || o.order_id == plain.order_id),
        );
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    seen.sort_by_key(|o| o.order_id != placed.order_id);
    assert_eq!(seen, [placed.clone(), plain.clone()]);

    // An update keeps it.
    let processing = placed.transitioned(OrderStatus::Processing, now()).unwrap();
    store
        .update_order(&OrderUpdate {
            previous: placed.clone(),
            next: processing.clone(),
            effects: OrderEffects::default(),
        })
        .await
        .unwrap();
    let got = store.get_order(placed.order_id).await.unwrap().unwrap();
    assert_eq!(got.correlation_id.as_deref(), Some(trail.as_str()));
    assert_eq!(got, processing);
}
