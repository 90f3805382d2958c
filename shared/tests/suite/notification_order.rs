//! Duplicated and shuffled notification streams end in the same state as
//! the ordered stream: a property test over random streams, shuffles and
//! duplications, for listings and for MCF fulfillment orders.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on failure by design

use crate::support;

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::json;
use stockroom::app::App;
use stockroom::app::notifications::apply_notification;
use stockroom::consumers::notifications;
use stockroom::domain::{
    CustomerId, LineQuantity, Notification, Order, OrderId, OrderLine, OrderStatus, Price, Sku,
};
use stockroom::ports::{OrderEffects, OrderUpdate};
use support::*;

fn at(secs: i64) -> String {
    (Utc.with_ymd_and_hms(2025, 3, 10, 12, 0, 0).unwrap() + Duration::seconds(secs))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn envelope(kind: &str, secs: i64, id: &str, payload: serde_json::Value, wrapped: bool) -> String {
    let n = json!({
        "NotificationVersion": "1.0",
        "NotificationType": kind,
        "PayloadVersion": "1.0",
        "EventTime": at(secs),
        "Payload": payload,
        "NotificationMetadata": {"ApplicationId": "app", "SubscriptionId": "sub", "PublishTime": at(secs), "NotificationId": id}
    });
    if wrapped {
        json!({"version": "0", "id": id, "detail-type": kind, "source": "aws.partner/sellingpartnerapi.amazon/x", "account": "1", "time": at(secs), "region": "us-east-1", "resources": [], "detail": n}).to_string()
    } else {
        n.to_string()
    }
}

/// A listing notification: (is_status, value, seconds, id, wrapped).
fn listing_body(n: &(bool, u8, i64, u16, bool)) -> String {
    let (is_status, value, secs, id, wrapped) = *n;
    if is_status {
        let status = match value % 3 {
            0 => vec!["BUYABLE", "DISCOVERABLE"],
            1 => vec!["DISCOVERABLE"],
            _ => vec!["DELETED"],
        };
        envelope(
            "LISTINGS_ITEM_STATUS_CHANGE",
            secs,
            &format!("s{id}"),
            json!({"SellerId": "S", "Sku": "SKU-P", "Status": status}),
            wrapped,
        )
    } else {
        envelope(
            "LISTINGS_ITEM_MFN_QUANTITY_CHANGE",
            secs,
            &format!("q{id}"),
            json!({"SellerId": "S", "FulfillmentChannelCode": "DEFAULT", "Sku": "SKU-P", "Quantity": value}),
            wrapped,
        )
    }
}

const MCF_PATH: [&str; 4] = ["RECEIVED", "PLANNING", "PROCESSING", "COMPLETE"];

/// A realistic MCF stream: statuses move forward in time; shipment reports
/// (two shipments) and returns interleave.
fn fulfillment_bodies(order_id: OrderId, end: &str, shipments: &[(u8, i64)]) -> Vec<String> {
    let mut out = Vec::new();
    let path: Vec<&str> = MCF_PATH[..3]
        .iter()
        .copied()
        .chain(std::iter::once(end))
        .collect();
    for (i, status) in path.iter().enumerate() {
        let secs = 100 * (i as i64 + 1);
        out.push(envelope(
            "FULFILLMENT_ORDER_STATUS",
            secs,
            &format!("f{i}"),
            json!({"FulfillmentOrderStatusNotification": {
            "SellerId": "S", "EventType": "Order", "SellerFulfillmentOrderId": order_id.to_string(),
            "FulfillmentOrderStatus": status}}),
            i % 2 == 0,
        ));
    }
    for (k, (shipment, secs)) in shipments.iter().enumerate() {
        let status = if *secs > 250 { "SHIPPED" } else { "PENDING" };
        out.push(envelope("FULFILLMENT_ORDER_STATUS", *secs, &format!("sh{k}"), json!({"FulfillmentOrderStatusNotification": {
            "SellerId": "S", "EventType": "Shipment", "SellerFulfillmentOrderId": order_id.to_string(),
            "FulfillmentOrderStatus": "PROCESSING",
            "FulfillmentShipment": {"FulfillmentShipmentStatus": status, "AmazonShipmentId": format!("SHIP-{}", shipment % 2),
                "FulfillmentShipmentPackages": [{"PackageNumber": 1, "CarrierCode": "UPS", "TrackingNumber": format!("1Z{secs}")}]},
            "FulfillmentReturnItem": if k % 3 == 0 { json!({"ReturnedQuantity": 1, "SellerSKU": "SKU-P", "ReceivedDateTime": at(*secs)}) } else { json!(null) }
        }}), false));
    }
    out
}

async fn world(order_id: OrderId) -> App {
    let app = app();
    listing(&app, "SKU-P", 50).await;
    // The order's stock lives on another SKU: an MFN quantity notification
    // sets stock absolutely and a cancellation adds to it, and those two do
    // not commute (see the README's notes on MFN quantities).
    listing(&app, "SKU-O", 50).await;
    let order = Order::new(
        order_id,
        CustomerId::generate(),
        vec![OrderLine {
            sku: Sku::parse("SKU-O").unwrap(),
            quantity: LineQuantity::new(2).unwrap(),
            unit_price: Price::parse("1").unwrap(),
        }],
        app.settings.currency,
        Utc::now(),
    );
    app.store.place_order(&order, None).await.unwrap();
    let processing = order
        .transitioned(OrderStatus::Processing, Utc::now())
        .unwrap();
    app.store
        .update_order(&OrderUpdate {
            previous: order,
            next: processing,
            effects: OrderEffects::default(),
        })
        .await
        .unwrap();
    app
}

async fn apply_all(app: &App, bodies: &[String]) {
    for body in bodies {
        let n: Notification = notifications::parse(body).unwrap();
        apply_notification(app, &n).await.unwrap();
    }
}

/// The state the notifications own: listing status and stock, the order's
/// status and fulfillment record.
async fn state(app: &App, order_id: OrderId) -> String {
    let listing = app
        .store
        .get_listing(&Sku::parse("SKU-P").unwrap())
        .await
        .unwrap()
        .unwrap();
    let order = app.store.get_order(order_id).await.unwrap().unwrap();
    format!(
        "{:?} {} {:?} {:?} {}",
        listing.status,
        listing.available.get(),
        order.status,
        order.fulfillment,
        stock(app, "SKU-O").await,
    )
}

fn shuffled_with_duplicates(bodies: &[String], seed: u64) -> Vec<String> {
    // A small deterministic generator keeps failures reproducible.
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut out: Vec<String> = bodies.to_vec();
    for b in bodies {
        if next() % 3 == 0 {
            out.push(b.clone());
        }
    }
    for i in (1..out.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        out.swap(i, j);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn shuffled_and_duplicated_streams_converge(
        listing_stream in prop::collection::vec((any::<bool>(), any::<u8>(), 0i64..40, 0u16..1000, any::<bool>()), 1..14),
        shipments in prop::collection::vec((any::<u8>(), 0i64..400), 0..6),
        end in prop::sample::select(vec!["COMPLETE", "CANCELLED", "UNFULFILLABLE", "COMPLETE_PARTIALLED"]),
        seed in any::<u64>(),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let order_id = OrderId::generate();
            let mut bodies: Vec<String> = listing_stream.iter().map(listing_body).collect();
            bodies.extend(fulfillment_bodies(order_id, end, &shipments));
            // The ordered stream: by event time, ties by notification id,
            // exactly the order the stamps define.
            let mut ordered = bodies.clone();
            ordered.sort_by_key(|b| notifications::parse(b).unwrap().stamp().clone());

            let reference = world(order_id).await;
            apply_all(&reference, &ordered).await;
            let expected = state(&reference, order_id).await;

            let shuffled = world(order_id).await;
            apply_all(&shuffled, &shuffled_with_duplicates(&bodies, seed)).await;
            prop_assert_eq!(state(&shuffled, order_id).await, expected);
            Ok(())
        })?;
    }
}

#[tokio::test]
async fn cancelled_fulfillment_releases_stock_once() {
    let order_id = OrderId::generate();
    let app = world(order_id).await;
    assert_eq!(stock(&app, "SKU-O").await, 48);
    let bodies = fulfillment_bodies(order_id, "CANCELLED", &[]);
    apply_all(&app, &bodies).await;
    apply_all(&app, &bodies).await;
    let order = app.store.get_order(order_id).await.unwrap().unwrap();
    assert_eq!(order.status, OrderStatus::Cancelled);
    assert_eq!(order.fulfillment.unwrap().status, "CANCELLED");
    assert_eq!(stock(&app, "SKU-O").await, 50);
}
