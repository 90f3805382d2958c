//! Order and idempotency-record documents.
//!
//! Orders carry two derived fields that exist only for queries: `day`
//! (`YYYY-MM-DD` of `created_at`, the key of the daily-totals index) and
//! `processing_ms` (set once completed, summed by the metrics pipeline in
//! whole milliseconds so the sum is exact). The MCF `fulfillment` block and
//! the shipping address are opaque to every query, so they are stored
//! through serde as sub-documents. Fields added after the first release
//! (shipping, submission, failure reason, correlation id) are optional on
//! read, so older documents still load.

use mongodb::bson::{self, Bson, Document, doc};

use super::codec::{self, Fields, int};
use crate::domain::{
    Currency, IdempotencyKey, LineQuantity, Order, OrderLine, OrderStatus, Price, ShippingSpeed,
    Sku,
};
use crate::ports::{IdempotencyRecord, StoreError};

pub(super) fn order_doc(order: &Order) -> Result<Document, StoreError> {
    let items = order
        .items
        .iter()
        .map(|line| {
            Ok(Bson::Document(doc! {
                "sku": line.sku.as_str(),
                "quantity": int(line.quantity.get()),
                "unit_price": codec::decimal(line.unit_price.amount())?,
            }))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let fulfillment = order
        .fulfillment
        .as_ref()
        .map(bson::to_bson)
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("order {}: fulfillment: {e}", order.order_id)))?;
    let shipping_address = order
        .shipping_address
        .as_ref()
        .map(bson::to_bson)
        .transpose()
        .map_err(|e| {
            StoreError::Corrupt(format!("order {}: shipping_address: {e}", order.order_id))
        })?;
    let mut doc = doc! {
        "_id": codec::uuid(order.order_id.as_uuid()),
        "customer_id": codec::uuid(order.customer_id.as_uuid()),
        "status": order.status.as_str(),
        "items": items,
        "total_amount": codec::decimal(order.total_amount)?,
        "currency": order.currency.as_str(),
        "created_at": codec::time(order.created_at)?,
        "updated_at": codec::time(order.updated_at)?,
        "processing_started_at": order.processing_started_at.map(codec::time).transpose()?,
        "completed_at": order.completed_at.map(codec::time).transpose()?,
        "fulfillment": fulfillment,
        "shipping_address": shipping_address,
        "shipping_speed": order.shipping_speed.map(|s| s.as_str()),
        "fulfillment_submitted_at": order.fulfillment_submitted_at.map(codec::time).transpose()?,
        "failure_reason": order.failure_reason.as_deref(),
        "correlation_id": order.correlation_id.as_deref(),
        "version": codec::counter(order.version)?,
        "day": codec::day_key(order.created_at.date_naive())?,
    };
    if let Some(done) = order.completed_at {
        doc.insert(
            "processing_ms",
            (done - order.created_at).num_milliseconds(),
        );
    }
    Ok(doc)
}

fn line_from(value: &Bson) -> Result<OrderLine, StoreError> {
    let Bson::Document(line) = value else {
        return Err(StoreError::Corrupt("order line is not a document".into()));
    };
    let f = Fields::new(line, "order line");
    Ok(OrderLine {
        sku: f.parsed("sku", Sku::parse)?,
        quantity: LineQuantity::new(f.i64("quantity")?).map_err(|e| f.corrupt("quantity", e))?,
        unit_price: Price::new(f.decimal("unit_price")?).map_err(|e| f.corrupt("unit_price", e))?,
    })
}

pub(super) fn order_from(doc: &Document) -> Result<Order, StoreError> {
    let f = Fields::new(doc, "order");
    let fulfillment = match f.optional("fulfillment") {
        None => None,
        Some(value) => {
            Some(bson::from_bson(value.clone()).map_err(|e| f.corrupt("fulfillment", e))?)
        }
    };
    let shipping_address = match f.optional("shipping_address") {
        None => None,
        Some(value) => {
            Some(bson::from_bson(value.clone()).map_err(|e| f.corrupt("shipping_address", e))?)
        }
    };
    let shipping_speed = match f.optional("shipping_speed") {
        None => None,
        Some(Bson::String(raw)) => {
            Some(ShippingSpeed::parse(raw).map_err(|e| f.corrupt("shipping_speed", e))?)
        }
        Some(_) => return Err(f.corrupt("shipping_speed", "not a string")),
    };
    let failure_reason = match f.optional("failure_reason") {
        None => None,
        Some(Bson::String(reason)) => Some(reason.clone()),
        Some(_) => return Err(f.corrupt("failure_reason", "not a string")),
    };
    let correlation_id = match f.optional("correlation_id") {
        None => None,
        Some(Bson::String(id)) => Some(id.clone()),
        Some(_) => return Err(f.corrupt("correlation_id", "not a string")),
    };
    Ok(Order {
        order_id: f.uuid("_id")?.into(),
        customer_id: f.uuid("customer_id")?.into(),
        status: f.parsed("status", |s| OrderStatus::parse(s).ok_or("unknown status"))?,
        items: f
            .array("items")?
            .iter()
            .map(line_from)
            .collect::<Result<_, _>>()?,
        total_amount: f.decimal("total_amount")?,
        currency: f.parsed("currency", Currency::parse)?,
        created_at: f.time("created_at")?,
        updated_at: f.time("updated_at")?,
        processing_started_at: f.opt_time("processing_started_at")?,
        completed_at: f.opt_time("completed_at")?,
        fulfillment,
        shipping_address,
        shipping_speed,
        fulfillment_submitted_at: f.opt_time("fulfillment_submitted_at")?,
        failure_reason,
        correlation_id,
        version: f.u64("version")?,
    })
}

/// The `_id` of a customer's idempotency record. The customer id has a
/// fixed length, so the key (any visible ASCII) cannot make two pairs
/// collide.
pub(super) fn idempotency_id(record_customer: uuid::Uuid, key: &IdempotencyKey) -> String {
    format!("{}/{}", record_customer.hyphenated(), key.as_str())
}

/// The record with `expires_at` kept exactly (compared by the adapter) and
/// `expire_at` as a BSON date for the TTL monitor, which removes the
/// record some time after it stopped mattering. The order as placed is a
/// sub-document in the orders collection's own shape ([`order_doc`]), so
/// it reads back exactly as it was written.
pub(super) fn idempotency_doc(record: &IdempotencyRecord) -> Result<Document, StoreError> {
    Ok(doc! {
        "_id": idempotency_id(record.customer_id.as_uuid(), &record.key),
        "customer_id": codec::uuid(record.customer_id.as_uuid()),
        "key": record.key.as_str(),
        "request_hash": record.request_hash.as_str(),
        "order": order_doc(&record.order)?,
        "created_at": codec::time(record.created_at)?,
        "expires_at": codec::time(record.expires_at)?,
        "expire_at": codec::ttl_date(record.expires_at),
    })
}

pub(super) fn idempotency_from(doc: &Document) -> Result<IdempotencyRecord, StoreError> {
    let f = Fields::new(doc, "idempotency record");
    let order = order_from(f.doc("order")?)?;
    Ok(IdempotencyRecord {
        customer_id: f.uuid("customer_id")?.into(),
        key: f.parsed("key", IdempotencyKey::parse)?,
        request_hash: f.str("request_hash")?.to_owned(),
        order,
        created_at: f.time("created_at")?,
        expires_at: f.time("expires_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, Utc};

    use crate::domain::{
        CustomerId, EventStamp, Fulfillment, FulfillmentShipment, OrderId, ShipmentPackage,
    };

    fn order() -> Order {
        let line = OrderLine {
            sku: Sku::parse("A-1").unwrap(),
            quantity: LineQuantity::new(3).unwrap(),
            unit_price: Price::parse("0.10").unwrap(),
        };
        Order::new(
            OrderId::generate(),
            CustomerId::generate(),
            vec![line],
            Currency::parse("USD").unwrap(),
            Utc::now(),
        )
    }

    #[test]
    fn completed_order_round_trip_with_fulfillment() {
        let placed = order();
        let processing = placed
            .transitioned(OrderStatus::Processing, placed.created_at)
            .unwrap();
        let mut done = processing
            .transitioned(
                OrderStatus::Completed,
                placed.created_at + Duration::milliseconds(4_250),
            )
            .unwrap();
        done.fulfillment = Some(Fulfillment {
            status: "COMPLETE".into(),
            shipments: vec![FulfillmentShipment {
                amazon_shipment_id: "S1".into(),
                status: "SHIPPED".into(),
                estimated_arrival: Some(Utc::now()),
                packages: vec![ShipmentPackage {
                    package_number: Some(1),
                    carrier_code: Some("UPS".into()),
                    tracking_number: None,
                    estimated_arrival: None,
                }],
                last_event: Some(EventStamp {
                    event_time: Utc::now(),
                    notification_id: "s1".into(),
                }),
            }],
            returns: vec![],
            last_event: EventStamp {
                event_time: Utc::now(),
                notification_id: "f1".into(),
            },
        });
        let doc = order_doc(&done).unwrap();
        assert_eq!(doc.get_i64("processing_ms").unwrap(), 4_250);
        assert_eq!(
            doc.get_str("day").unwrap(),
            placed.created_at.date_naive().to_string()
        );
        assert_eq!(order_from(&doc).unwrap(), done);
        assert!(order_doc(&placed).unwrap().get("processing_ms").is_none());
    }

    #[test]
    fn shipping_details_round_trip_and_old_documents_still_read() {
        let address = crate::domain::ShippingAddress::parse(crate::domain::AddressFields {
            name: Some("Ada"),
            address_line1: Some("1 Way"),
            city: Some("Seattle"),
            postal_code: Some("98101"),
            country_code: Some("US"),
            ..Default::default()
        })
        .unwrap();
        let mut shipped = order().with_shipping(Some(address), Some(ShippingSpeed::Priority));
        shipped.fulfillment_submitted_at = Some(Utc::now());
        shipped.failure_reason = Some("InvalidInput: no".into());
        shipped.correlation_id = Some("order-trail-7".into());
        let doc = order_doc(&shipped).unwrap();
        assert_eq!(doc.get_str("shipping_speed").unwrap(), "Priority");
        assert_eq!(doc.get_str("correlation_id").unwrap(), "order-trail-7");
        assert_eq!(order_from(&doc).unwrap(), shipped);

        let plain = order();
        let mut old = order_doc(&plain).unwrap();
        for field in [
            "shipping_address",
            "shipping_speed",
            "fulfillment_submitted_at",
            "failure_reason",
            "correlation_id",
        ] {
            old.remove(field);
        }
        assert_eq!(order_from(&old).unwrap(), plain);
        old.insert("shipping_speed", "Teleport");
        assert!(matches!(order_from(&old), Err(StoreError::Corrupt(_))));
    }

    #[test]
    fn idempotency_round_trip() {
        let placed = order();
        let record = IdempotencyRecord {
            customer_id: placed.customer_id,
            key: IdempotencyKey::parse("k/1").unwrap(),
            request_hash: "abc".into(),
            order: placed.clone(),
            created_at: placed.created_at,
            expires_at: placed.created_at + Duration::hours(24),
        };
        let doc = idempotency_doc(&record).unwrap();
        assert!(doc.get_str("_id").unwrap().ends_with("/k/1"));
        assert_eq!(idempotency_from(&doc).unwrap(), record);
    }

    #[test]
    fn a_malformed_line_is_corrupt() {
        let mut doc = order_doc(&order()).unwrap();
        doc.insert("items", vec![Bson::String("not a line".into())]);
        assert!(matches!(order_from(&doc), Err(StoreError::Corrupt(_))));
    }
}
