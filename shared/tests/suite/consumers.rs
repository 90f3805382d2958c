//! The SQS consumers, called with the SQS events in `events/` as Lambda
//! delivers them: partial batch failures, idempotent effects, no panics.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on failure by design

use crate::support;

use std::sync::Arc;

use aws_lambda_events::event::sqs::SqsEvent;
use chrono::Utc;
use proptest::prelude::*;
use serde_json::{Value, json};
use stockroom::consumers;
use stockroom::domain::{ListingStatus, Sku};
use stockroom::mail::Outbox;
use stockroom::queue::{MemoryQueues, QueueSettings};
use support::*;

const STATUS_RAW: &str =
    include_str!("../../../events/listing-notifications/status-change-raw.json");
const STATUS_EB: &str =
    include_str!("../../../events/listing-notifications/status-change-eventbridge.json");
const QTY_RAW: &str = include_str!("../../../events/listing-notifications/mfn-quantity-raw.json");
const QTY_EB: &str =
    include_str!("../../../events/listing-notifications/mfn-quantity-eventbridge.json");
const ORDER_PLACED: &str = include_str!("../../../events/order-processor/order-placed.json");
const REORDER_QUEUED: &str = include_str!("../../../events/reorder-mailer/reorder-queued.json");
const SHIPMENT: &str =
    include_str!("../../../events/fulfillment-notifications/shipment-complete.json");

fn sqs(fixture: &str) -> SqsEvent {
    serde_json::from_str(fixture).unwrap()
}

fn bodies(fixture: &str) -> Vec<Value> {
    sqs(fixture)
        .records
        .iter()
        .map(|r| serde_json::from_str(r.body.as_deref().unwrap()).unwrap())
        .collect()
}

/// An SQS event carrying `bodies`, with ids `m0`, `m1`, ...
fn batch(bodies: &[String]) -> SqsEvent {
    let mut event = sqs(STATUS_RAW);
    let template = event.records[0].clone();
    event.records = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let mut r = template.clone();
            r.message_id = Some(format!("m{i}"));
            r.body = Some(b.clone());
            r
        })
        .collect();
    event
}

fn quantity_body(sku: &str, quantity: i64, secs: i64, id: &str) -> String {
    let mut n = bodies(QTY_RAW).remove(0);
    n["Payload"]["Sku"] = json!(sku);
    n["Payload"]["Quantity"] = json!(quantity);
    n["EventTime"] = json!(format!("2025-03-10T15:00:{secs:02}.000Z"));
    n["NotificationMetadata"]["NotificationId"] = json!(id);
    n.to_string()
}

async fn listing_status(app: &stockroom::app::App, sku: &str) -> ListingStatus {
    app.store
        .get_listing(&Sku::parse(sku).unwrap())
        .await
        .unwrap()
        .unwrap()
        .status
}

#[tokio::test]
async fn listing_fixtures_apply_in_both_envelopes() {
    let app = app();
    listing(&app, "MUG-RED", 10).await;
    listing(&app, "MUG-BLUE", 10).await;
    let r = consumers::listing_notifications::handle(&app, sqs(STATUS_RAW)).await;
    assert!(r.batch_item_failures.is_empty());
    assert_eq!(
        listing_status(&app, "MUG-RED").await,
        ListingStatus::Inactive
    );
    // Wrapped by EventBridge, and the `_CHANGED` spelling: BUYABLE again.
    let r = consumers::listing_notifications::handle(&app, sqs(STATUS_EB)).await;
    assert!(r.batch_item_failures.is_empty());
    assert_eq!(listing_status(&app, "MUG-RED").await, ListingStatus::Active);

    let r = consumers::listing_notifications::handle(&app, sqs(QTY_RAW)).await;
    assert!(r.batch_item_failures.is_empty());
    assert_eq!(stock(&app, "MUG-BLUE").await, 42);
    listing(&app, "MUG-BLUE", 7).await; // admin count; not a notification
    let r = consumers::listing_notifications::handle(&app, sqs(QTY_EB)).await;
    assert!(r.batch_item_failures.is_empty());
    assert_eq!(
        stock(&app, "MUG-BLUE").await,
        7,
        "a redelivered notification has no second effect"
    );
}

#[tokio::test]
async fn a_batch_reports_exactly_its_bad_messages() {
    let app = app();
    for i in 0..7 {
        listing(&app, &format!("SKU-{i}"), 0).await;
    }
    let mut messages: Vec<String> = (0..7)
        .map(|i| quantity_body(&format!("SKU-{i}"), 10 + i, 1, &format!("n{i}")))
        .collect();
    messages.insert(2, "{ not json".into());
    messages.insert(5, json!({"NotificationType": "ANY_OFFER_CHANGED", "EventTime": "2025-03-10T15:00:00Z", "Payload": {}, "NotificationMetadata": {"NotificationId": "x"}}).to_string());
    messages.insert(8, quantity_body("BAD SKU", 1, 1, "bad"));
    let r = consumers::listing_notifications::handle(&app, batch(&messages)).await;
    let mut failed: Vec<String> = r
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    failed.sort();
    assert_eq!(failed, vec!["m2", "m5", "m8"]);
    for i in 0..7 {
        assert_eq!(
            stock(&app, &format!("SKU-{i}")).await,
            10 + i,
            "SKU-{i} applied"
        );
    }
}

#[tokio::test]
async fn consumers_refuse_messages_for_another_queue() {
    let app = app();
    let r = consumers::fulfillment_notifications::handle(&app, sqs(STATUS_RAW)).await;
    assert_eq!(r.batch_item_failures.len(), 1);
    let r = consumers::listing_notifications::handle(&app, sqs(SHIPMENT)).await;
    assert_eq!(r.batch_item_failures.len(), 1);
    let r = consumers::order_processor::handle(&app, sqs(REORDER_QUEUED)).await;
    assert_eq!(r.batch_item_failures.len(), 1);
    let r = consumers::reorder_mailer::handle(&app, sqs(ORDER_PLACED)).await;
    assert_eq!(r.batch_item_failures.len(), 1);
    // A well-formed OrderPlaced for an order that does not exist is acknowledged.
    let r = consumers::order_processor::handle(&app, sqs(ORDER_PLACED)).await;
    assert!(r.batch_item_failures.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Whatever the body, no consumer panics; bad bodies are reported.
    #[test]
    fn no_message_panics_a_consumer(
        raw in prop_oneof![
            ".{0,120}",
            r#"\{"NotificationType":"(LISTINGS_ITEM_STATUS_CHANGE|LISTINGS_ITEM_MFN_QUANTITY_CHANGE|FULFILLMENT_ORDER_STATUS|X)","EventTime":"[0-9T:\-Z]{0,24}","Payload":\{"Sku":".{0,8}","Quantity":-?[0-9]{0,12},"Status":\[\]\},"NotificationMetadata":\{"NotificationId":".{0,6}"\}\}"#,
            r#"\{"type":"(OrderPlaced|ReorderQueued)","version":[0-9],"order_id":".{0,40}","reorder_id":".{0,40}"\}"#,
        ],
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let app = app();
            let event = batch(std::slice::from_ref(&raw));
            let _ = consumers::listing_notifications::handle(&app, event.clone()).await;
            let _ = consumers::fulfillment_notifications::handle(&app, event.clone()).await;
            let _ = consumers::order_processor::handle(&app, event.clone()).await;
            let _ = consumers::reorder_mailer::handle(&app, event).await;
        });
    }
}

#[tokio::test]
async fn dev_queues_drive_the_same_consumers() {
    // The in-process queue feeding the Lambda handler: a poison message is
    // dead-lettered after three receives while good messages flow.
    let app = Arc::new(app().with_mailer(Arc::new(Outbox::new())));
    listing(&app, "SKU-A", 0).await;
    let queues = Arc::new(MemoryQueues::new(QueueSettings {
        visibility: std::time::Duration::from_millis(20),
        ..QueueSettings::default()
    }));
    let handler_app = app.clone();
    let worker = queues.spawn_worker(
        stockroom::ports::QueueName::ListingQuantity,
        Arc::new(move |event| {
            let app = handler_app.clone();
            Box::pin(async move { consumers::listing_notifications::handle(&app, event).await })
        }),
    );
    queues.send(
        stockroom::ports::QueueName::ListingQuantity,
        "poison".into(),
    );
    queues.send(
        stockroom::ports::QueueName::ListingQuantity,
        quantity_body("SKU-A", 5, 1, "a"),
    );
    for _ in 0..300 {
        if queues
            .dead_letters(stockroom::ports::QueueName::ListingQuantity)
            .len()
            == 1
            && stock(&app, "SKU-A").await == 5
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    worker.abort();
    let dead = queues.dead_letters(stockroom::ports::QueueName::ListingQuantity);
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].receive_count, 3);
    assert_eq!(stock(&app, "SKU-A").await, 5);
    let _ = Utc::now();
}
