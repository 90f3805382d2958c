//! Key and attribute names of the single table, and the small encodings
//! that make values sort correctly as strings.
//!
//! Every key is a string. Prefixes name the entity, so one table holds
//! every kind of item without collisions (see `docs/dynamodb.md`).

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::{CustomerId, OrderId, OrderStatus, ReorderId, ReorderStatus, Sku, Username};

/// Table partition and sort key.
pub(crate) const PK: &str = "pk";
pub(crate) const SK: &str = "sk";

/// `gsi1`: a customer's orders, newest first.
pub(crate) const GSI1: &str = "gsi1";
pub(crate) const G1PK: &str = "g1pk";
pub(crate) const G1SK: &str = "g1sk";
/// `gsi2`: feeds of everything: orders (sharded), reorders.
pub(crate) const GSI2: &str = "gsi2";
pub(crate) const G2PK: &str = "g2pk";
pub(crate) const G2SK: &str = "g2sk";
/// `gsi3`: the same feeds per status.
pub(crate) const GSI3: &str = "gsi3";
pub(crate) const G3PK: &str = "g3pk";
pub(crate) const G3SK: &str = "g3sk";
/// `catalog`: every listing in SKU order, projecting only what rarely changes.
pub(crate) const CATALOG: &str = "catalog";
pub(crate) const CATALOG_PK: &str = "cpk";
/// `low`: the sparse low-stock index; only flagged listings carry `lpk`.
pub(crate) const LOW: &str = "low";
pub(crate) const LOW_PK: &str = "lpk";
/// Sort key of `catalog` and `low`: the listing's own `sku` attribute.
pub(crate) const SKU_ATTR: &str = "sku";

/// The table's TTL attribute (epoch seconds), set on idempotency records.
pub(crate) const TTL_ATTR: &str = "expires_at_epoch";

/// Derived listing attributes (never part of the domain type).
pub(crate) const AVAILABLE: &str = "available";
pub(crate) const REORDER_POINT: &str = "reorder_point";
/// `available - reorder_point`, kept in step by every stock write so that a
/// condition can ask "does this decrement cross the reorder point?".
pub(crate) const HEADROOM: &str = "headroom";
/// Lower-cased `sku + "\n" + title`, for the `q` search.
pub(crate) const SEARCH: &str = "search";
pub(crate) const STATUS: &str = "status";
pub(crate) const STATUS_STAMP: &str = "status_stamp";
pub(crate) const QUANTITY_STAMP: &str = "quantity_stamp";
pub(crate) const UPDATED_AT: &str = "updated_at";
pub(crate) const VERSION: &str = "version";
/// Sortable `created_at` of an order (stale-pending filter).
pub(crate) const CREATED_KEY: &str = "created_key";
/// Sortable `expires_at` of an idempotency record (exact expiry checks).
pub(crate) const EXPIRES_KEY: &str = "expires_key";

pub(crate) const CATALOG_PARTITION: &str = "CATALOG";
pub(crate) const LOW_PARTITION: &str = "LOW";

/// Orders spread over this many partitions of `gsi2`/`gsi3` so that no
/// index partition takes every order. Readers merge the shards.
pub(crate) const ORDER_FEED_SHARDS: u8 = 8;
/// Order counters (metrics, daily totals) are split over this many items;
/// a writer picks one at random, readers add them all up.
pub(crate) const STATS_SHARDS: u8 = 8;

pub(crate) fn listing_pk(sku: &Sku) -> String {
    format!("LISTING#{sku}")
}
pub(crate) const LISTING_SK: &str = "LISTING";

pub(crate) fn order_pk(id: OrderId) -> String {
    format!("ORDER#{id}")
}
pub(crate) const ORDER_SK: &str = "ORDER";

pub(crate) fn customer_orders_pk(id: CustomerId) -> String {
    format!("CUSTOMER_ORDERS#{id}")
}

/// The feed shard of an order: fixed by its id, so every rewrite of the
/// order lands in the same shard.
pub(crate) fn order_shard(id: OrderId) -> u8 {
    let bytes = id.as_uuid().into_bytes();
    bytes[15] % ORDER_FEED_SHARDS
}

pub(crate) fn orders_feed_pk(shard: u8) -> String {
    format!("ORDERS#{shard}")
}

pub(crate) fn order_status_pk(status: OrderStatus, shard: u8) -> String {
    format!("ORDER_STATUS#{}#{shard}", status.as_str())
}

pub(crate) fn idempotency_pk(customer: CustomerId, key: &str) -> String {
    // The customer id has a fixed width, so the key may hold any character.
    format!("IDEMPOTENCY#{customer}#{key}")
}
pub(crate) const IDEMPOTENCY_SK: &str = "IDEMPOTENCY";

pub(crate) fn customer_pk(id: CustomerId) -> String {
    format!("CUSTOMER#{id}")
}
pub(crate) const CUSTOMER_SK: &str = "CUSTOMER";

pub(crate) fn username_pk(username: &Username) -> String {
    format!("USERNAME#{username}")
}
pub(crate) const USERNAME_SK: &str = "USERNAME";

pub(crate) const SUPPLIERS_PK: &str = "SUPPLIERS";

pub(crate) fn reorder_pk(id: ReorderId) -> String {
    format!("REORDER#{id}")
}
pub(crate) const REORDER_SK: &str = "REORDER";
pub(crate) const REORDERS_FEED_PK: &str = "REORDERS";

pub(crate) fn reorder_status_pk(status: ReorderStatus) -> String {
    format!("REORDER_STATUS#{}", status.as_str())
}

pub(crate) fn open_reorder_pk(sku: &Sku) -> String {
    format!("OPEN_REORDER#{sku}")
}
pub(crate) const OPEN_REORDER_SK: &str = "OPEN_REORDER";

pub(crate) fn attempts_pk(key: &str) -> String {
    format!("ATTEMPTS#{key}")
}
pub(crate) const ATTEMPTS_SK: &str = "ATTEMPTS";

/// Stock additions and sales owed by a committed change that did not fit
/// in its transaction (see `pending`).
pub(crate) fn pending_pk(id: &str) -> String {
    format!("PENDING#{id}")
}
pub(crate) const PENDING_SK: &str = "PENDING";
/// The `gsi3` partition listing pending items by age, for recovery.
pub(crate) const PENDING_FEED_PK: &str = "PENDING_EFFECTS";

pub(crate) fn sales_pk(sku: &Sku) -> String {
    format!("SALES#{sku}")
}

pub(crate) fn stats_pk(shard: u8) -> String {
    format!("STATS#{shard}")
}
pub(crate) const STATS_TOTALS_SK: &str = "TOTALS";

pub(crate) fn stats_day_sk(day: NaiveDate) -> String {
    format!("DAY#{}", day_key(day))
}

/// `YYYY-MM-DD`, which sorts as a date for years 0 to 9999.
pub(crate) fn day_key(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// An instant as a fixed-width string that sorts in time order (RFC 3339
/// with a variable fraction does not: `"…30Z" > "…30.5Z"`). Nanosecond
/// exact; the offset keeps every year chrono can represent non-negative.
pub(crate) fn instant_key(at: DateTime<Utc>) -> String {
    const OFFSET: i64 = 10_000_000_000_000;
    let secs = at.timestamp().saturating_add(OFFSET).max(0);
    format!("{secs:020}.{:09}", at.timestamp_subsec_nanos())
}

/// An SP-API stamp as one string ordered like `EventStamp`'s `Ord`:
/// fixed-width time first, then the notification id.
pub(crate) fn stamp_key(stamp: &crate::domain::EventStamp) -> String {
    format!(
        "{}#{}",
        instant_key(stamp.event_time),
        stamp.notification_id
    )
}

pub(crate) fn status_count_attr(status: OrderStatus) -> String {
    format!("status_{}", status.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn instant_keys_sort_in_time_order() {
        let base = Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 30).unwrap();
        let times = [
            base - Duration::days(20_000),
            base,
            base + Duration::milliseconds(500),
            base + Duration::nanoseconds(500_000_001),
            base + Duration::seconds(1),
        ];
        for pair in times.windows(2) {
            assert!(instant_key(pair[0]) < instant_key(pair[1]), "{pair:?}");
        }
    }

    #[test]
    fn order_shards_are_in_range_and_stable() {
        for _ in 0..100 {
            let id = OrderId::generate();
            assert!(order_shard(id) < ORDER_FEED_SHARDS);
            assert_eq!(order_shard(id), order_shard(id));
        }
    }
}
