//! Order, idempotency and counter items, and the transaction pieces that
//! order and reorder updates share (stock additions, counter deltas).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::codec::{Item, from_item, get_n, n, s, to_item};
use super::expr::{Expr, Update};
use super::items::key;
use super::keys::*;
use crate::domain::{Order, Sku, Stock};
use crate::ports::{IdempotencyRecord, StoreResult};

pub(crate) fn order_item(order: &Order) -> StoreResult<Item> {
    let mut item = to_item(order)?;
    item.extend(key(order_pk(order.order_id), ORDER_SK));
    let id = order.order_id.to_string();
    let shard = order_shard(order.order_id);
    item.insert(G1PK.into(), s(customer_orders_pk(order.customer_id)));
    item.insert(G1SK.into(), s(&id));
    item.insert(G2PK.into(), s(orders_feed_pk(shard)));
    item.insert(G2SK.into(), s(&id));
    item.insert(G3PK.into(), s(order_status_pk(order.status, shard)));
    item.insert(G3SK.into(), s(id));
    item.insert(CREATED_KEY.into(), s(instant_key(order.created_at)));
    Ok(item)
}

pub(crate) fn read_order(item: &Item) -> StoreResult<Order> {
    from_item(item, "order")
}

pub(crate) fn idempotency_item(record: &IdempotencyRecord) -> StoreResult<Item> {
    let mut item = to_item(record)?;
    item.extend(key(
        idempotency_pk(record.customer_id, record.key.as_str()),
        IDEMPOTENCY_SK,
    ));
    item.insert(EXPIRES_KEY.into(), s(instant_key(record.expires_at)));
    item.insert(TTL_ATTR.into(), n(record.expires_at.timestamp().max(0)));
    Ok(item)
}

pub(crate) fn read_idempotency(item: &Item) -> StoreResult<IdempotencyRecord> {
    from_item(item, "idempotency record")
}

/// Quantities per SKU in first-seen order. DynamoDB refuses two operations
/// on one item in a transaction; the API already refuses duplicate SKUs,
/// this keeps a stray duplicate from turning into a 500.
pub(crate) fn merge_lines(lines: impl IntoIterator<Item = (Sku, u32)>) -> Vec<(Sku, u32)> {
    let mut merged: Vec<(Sku, u32)> = Vec::new();
    let mut at: HashMap<Sku, usize> = HashMap::new();
    for (sku, qty) in lines {
        match at.get(&sku) {
            Some(&i) => merged[i].1 = merged[i].1.saturating_add(qty),
            None => {
                at.insert(sku.clone(), merged.len());
                merged.push((sku, qty));
            }
        }
    }
    merged
}

/// Adds stock to a listing inside a transaction, saturating at
/// `Stock::MAX` like the memory store: normally `available + q` under
/// `available <= MAX - q`; once that failed, an absolute set under the
/// opposite condition.
pub(crate) fn stock_addition(
    sku: &Sku,
    units: u32,
    saturate: bool,
    now: DateTime<Utc>,
) -> (Item, Update, Expr, String) {
    let mut e = Expr::new();
    let mut u = Update::default();
    let (pk, avail, head, rp, at) = (
        e.name(PK),
        e.name(AVAILABLE),
        e.name(HEADROOM),
        e.name(REORDER_POINT),
        e.name(UPDATED_AT),
    );
    let cap = e.value(n(Stock::MAX - i64::from(units)));
    let nowv = e.value(s(now.to_rfc3339()));
    let condition = if saturate {
        let max = e.value(n(Stock::MAX));
        u.set.push(format!(
            "{avail} = {max}, {head} = {max} - {rp}, {at} = {nowv}"
        ));
        format!("attribute_exists({pk}) AND {avail} > {cap}")
    } else {
        let q = e.value(n(units));
        u.set.push(format!(
            "{avail} = {avail} + {q}, {head} = {head} + {q}, {at} = {nowv}"
        ));
        format!("attribute_exists({pk}) AND {avail} <= {cap}")
    };
    (key(listing_pk(sku), LISTING_SK), u, e, condition)
}

/// Whether a refused stock addition needs the other form next round.
pub(crate) fn addition_needs_flip(old: &Item, units: u32) -> StoreResult<bool> {
    let available: i64 = get_n(old, AVAILABLE)?;
    Ok(available > Stock::MAX - i64::from(units))
}

/// Per-status and completion counter changes between two versions of an order.
pub(crate) fn counter_deltas(previous: &Order, next: &Order) -> Vec<(String, i64)> {
    let mut deltas = Vec::new();
    if previous.status != next.status {
        deltas.push((status_count_attr(previous.status), -1));
        deltas.push((status_count_attr(next.status), 1));
    }
    let contribution = |o: &Order| {
        o.completed_at
            .map(|done| (done - o.created_at).num_milliseconds())
    };
    let (before, after) = (contribution(previous), contribution(next));
    if before.is_some() != after.is_some() {
        deltas.push((
            "completed_orders".into(),
            if after.is_some() { 1 } else { -1 },
        ));
    }
    let ms = after.unwrap_or(0) - before.unwrap_or(0);
    if ms != 0 {
        deltas.push(("processing_ms".into(), ms));
    }
    deltas
}

/// An `ADD` of counter deltas to one random stats shard item.
pub(crate) fn counters_update(deltas: &[(String, i64)]) -> (Update, Expr) {
    let mut e = Expr::new();
    let mut u = Update::default();
    for (attr, delta) in deltas {
        let (name, value) = (e.name(attr), e.value(n(delta)));
        u.add.push(format!("{name} {value}"));
    }
    (u, e)
}

pub(crate) fn random_stats_shard() -> u8 {
    rand::random_range(0..STATS_SHARDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order() -> Order {
        use crate::domain::{Currency, CustomerId, LineQuantity, OrderId, OrderLine, Price};
        let line = OrderLine {
            sku: Sku::parse("A").unwrap(),
            quantity: LineQuantity::new(1).unwrap(),
            unit_price: Price::parse("1.00").unwrap(),
        };
        Order::new(
            OrderId::generate(),
            CustomerId::generate(),
            vec![line],
            Currency::USD,
            chrono::Utc::now(),
        )
    }

    #[test]
    fn shipping_details_round_trip_and_old_items_still_read() {
        use crate::domain::{AddressFields, ShippingAddress, ShippingSpeed};
        let address = ShippingAddress::parse(AddressFields {
            name: Some("Ada"),
            address_line1: Some("1 Way"),
            postal_code: Some("98101"),
            country_code: Some("US"),
            phone: Some("+1 206 555 0100"),
            ..AddressFields::default()
        })
        .unwrap();
        let mut shipped = order().with_shipping(Some(address), Some(ShippingSpeed::Expedited));
        shipped.fulfillment_submitted_at = Some(chrono::Utc::now());
        shipped.correlation_id = Some("order-trail-7".into());
        let item = order_item(&shipped).unwrap();
        assert!(item.contains_key("correlation_id"));
        assert_eq!(read_order(&item).unwrap(), shipped);

        let plain = order();
        let mut old = order_item(&plain).unwrap();
        assert!(!old.contains_key("shipping_address"), "absent, not null");
        assert!(!old.contains_key("correlation_id"), "absent, not null");
        old.remove("shipping_speed");
        assert_eq!(read_order(&old).unwrap(), plain);
    }

    #[test]
    fn duplicate_lines_are_merged_in_order() {
        let a = Sku::parse("A").unwrap();
        let b = Sku::parse("B").unwrap();
        let merged = merge_lines([(a.clone(), 1), (b.clone(), 2), (a.clone(), 3)]);
        assert_eq!(merged, vec![(a, 4), (b, 2)]);
    }
}
