//! Builders for contract cases: unique names, listings, orders.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use stockroom::domain::{
    Currency, CustomerId, IdempotencyKey, LineQuantity, Listing, ListingDraft, ListingStatus,
    Order, OrderId, OrderLine, Price, Sku, Stock, Title,
};
use stockroom::ports::{IdempotencyRecord, Store};

/// A prefix unique to this process and call, so cases never see each
/// other's data in a shared backend.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let run = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}{}{n}", &run[..10])
}

pub fn sku(raw: &str) -> Sku {
    Sku::parse(raw).unwrap()
}

pub fn usd() -> Currency {
    Currency::parse("USD").unwrap()
}

pub fn now() -> DateTime<Utc> {
    Utc::now()
}

pub fn draft(sku_name: &str, available: i64) -> ListingDraft {
    ListingDraft {
        sku: sku(sku_name),
        title: Title::parse(&format!("Item {sku_name}")).unwrap(),
        price: Price::parse("2.50").unwrap(),
        currency: usd(),
        available: Some(Stock::new(available).unwrap()),
        status: Some(ListingStatus::Active),
        supplier_id: None,
        reorder_point: 5,
        reorder_quantity: 20,
        lead_time_days: 7,
        auto_reorder_point: false,
        amazon_mfn: None,
    }
}

pub async fn listing(store: &dyn Store, sku_name: &str, available: i64) -> Listing {
    match store
        .put_listing(&draft(sku_name, available), now())
        .await
        .unwrap()
    {
        stockroom::ports::PutOutcome::Created(l) | stockroom::ports::PutOutcome::Updated(l) => l,
    }
}

pub async fn stock_of(store: &dyn Store, sku_name: &str) -> i64 {
    store
        .get_listing(&sku(sku_name))
        .await
        .unwrap()
        .expect("listing exists")
        .available
        .get()
}

pub fn order_at(customer: CustomerId, lines: &[(&str, i64)], at: DateTime<Utc>) -> Order {
    let items = lines
        .iter()
        .map(|(s, q)| OrderLine {
            sku: sku(s),
            quantity: LineQuantity::new(*q).unwrap(),
            unit_price: Price::parse("2.50").unwrap(),
        })
        .collect();
    Order::new(OrderId::generate(), customer, items, usd(), at)
}

pub fn order(customer: CustomerId, lines: &[(&str, i64)]) -> Order {
    order_at(customer, lines, now())
}

pub fn idempotency(order: &Order, key: &str, hash: &str) -> IdempotencyRecord {
    IdempotencyRecord {
        customer_id: order.customer_id,
        key: IdempotencyKey::parse(key).unwrap(),
        request_hash: hash.into(),
        order: order.clone(),
        created_at: order.created_at,
        expires_at: order.created_at + Duration::hours(24),
    }
}

/// A random date far from today, so per-day aggregates of different runs
/// never share a day.
pub fn unique_day() -> NaiveDate {
    let days = 10_000 + rand::random::<u32>() % 20_000;
    Utc.with_ymd_and_hms(1990, 1, 1, 12, 0, 0)
        .unwrap()
        .date_naive()
        + Duration::days(i64::from(days))
}
