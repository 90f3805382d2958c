//! Orders fulfilled by Amazon (MCF mode) on the memory store, with a small
//! in-test Amazon that keeps fulfilment orders and can throttle, refuse,
//! ship, fail and hold a create half-way: shipping details on `POST
//! /orders`, submission from the order processor (idempotent across
//! throttling, duplicate deliveries and recovery re-publishes), FAILED on a
//! permanent refusal, cancellation through Amazon (accepted, refused,
//! racing the submission) and `POST /orders/preview`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on failure by design

use crate::support;

mod amazon;
mod cancel;

use std::sync::Arc;

use amazon::FakeAmazon;
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use stockroom::app::App;
use stockroom::app::notifications::apply_notification;
use stockroom::config::FulfillmentMode;
use stockroom::consumers::{notifications, order_processor};
use stockroom::domain::{OrderId, Role, ShippingSpeed};
use stockroom::ports::QueueName;
use support::*;

const PLACE: &str = include_str!("../../../../events/orders-api/place-order.json");
const GET: &str = include_str!("../../../../events/orders-api/get-order.json");
const CANCEL: &str = include_str!("../../../../events/orders-api/cancel-order.json");
const PREVIEW: &str = include_str!("../../../../events/orders-api/preview-order.json");

struct World {
    app: App,
    amazon: Arc<FakeAmazon>,
    queue: Arc<Recorder>,
    customer: String,
}

async fn world() -> World {
    let amazon = Arc::new(FakeAmazon::default());
    let queue = Arc::new(Recorder::default());
    let mut app = app()
        .with_amazon(amazon.clone())
        .with_publisher(queue.clone());
    app.settings.fulfillment_mode = FulfillmentMode::Mcf;
    listing(&app, "MUG-BLUE", 10).await;
    listing(&app, "NOTE-A5", 5).await;
    let (customer, _) = token(&app, Role::Customer);
    World {
        app,
        amazon,
        queue,
        customer,
    }
}

fn address() -> Value {
    json!({"name": "Ada Lovelace", "address_line1": "1 Analytical Way", "city": "Seattle",
           "state_or_region": "WA", "postal_code": "98101", "country_code": "US"})
}

fn place_body(address: Value, speed: Option<&str>) -> String {
    let mut body = json!({"items": [{"sku": "MUG-BLUE", "quantity": 2}, {"sku": "NOTE-A5", "quantity": 1}],
                          "shipping_address": address});
    if let Some(speed) = speed {
        body["shipping_speed"] = json!(speed);
    }
    body.to_string()
}

impl World {
    async fn place(&self, body: &str) -> Reply {
        let event = with_header(
            with_body(event(PLACE, Some(&self.customer)), body),
            "idempotency-key",
            &uuid::Uuid::new_v4().to_string(),
        );
        call(&self.app, &event).await
    }

    /// Places a shippable order and returns its id.
    async fn placed(&self) -> OrderId {
        let reply = self.place(&place_body(address(), None)).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        OrderId::parse(reply.body["order_id"].as_str().unwrap()).unwrap()
    }

    /// Delivers every OrderPlaced published so far to the processor; the
    /// ids of the messages it reported failed.
    async fn deliver(&self) -> Vec<String> {
        let bodies = self.queue.take(QueueName::Orders);
        self.deliver_bodies(&bodies).await
    }

    async fn deliver_bodies(&self, bodies: &[String]) -> Vec<String> {
        let response = order_processor::handle(&self.app, sqs_event(bodies)).await;
        response
            .batch_item_failures
            .into_iter()
            .map(|f| f.item_identifier)
            .collect()
    }

    async fn order(&self, id: OrderId) -> Value {
        let reply = call(
            &self.app,
            &with_path(event(GET, Some(&self.customer)), &format!("/orders/{id}")),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body
    }

    async fn cancel(&self, id: OrderId) -> Reply {
        call(
            &self.app,
            &with_path(
                event(CANCEL, Some(&self.customer)),
                &format!("/orders/{id}/cancel"),
            ),
        )
        .await
    }

    async fn stocks(&self) -> (i64, i64) {
        (
            stock(&self.app, "MUG-BLUE").await,
            stock(&self.app, "NOTE-A5").await,
        )
    }
}

fn placed_body(id: OrderId) -> String {
    json!({"type": "OrderPlaced", "version": 1, "order_id": id.to_string(),
           "placed_at": Utc::now().to_rfc3339()})
    .to_string()
}

fn fulfillment_status(id: OrderId, status: &str, n: u32) -> String {
    json!({
        "NotificationVersion": "1.0", "NotificationType": "FULFILLMENT_ORDER_STATUS",
        "PayloadVersion": "1.0", "EventTime": (Utc::now() + Duration::seconds(i64::from(n))).to_rfc3339(),
        "Payload": {"FulfillmentOrderStatusNotification": {"SellerId": "S", "EventType": "Order",
            "SellerFulfillmentOrderId": id.to_string(), "FulfillmentOrderStatus": status}},
        "NotificationMetadata": {"ApplicationId": "app", "SubscriptionId": "sub",
            "PublishTime": Utc::now().to_rfc3339(), "NotificationId": format!("n-{n}")}
    })
    .to_string()
}

#[tokio::test]
async fn the_order_resource_shows_its_shipping_details() {
    let w = world().await;
    let reply = w.place(&place_body(address(), Some("Expedited"))).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["shipping_speed"], "Expedited");
    assert_eq!(reply.body["shipping_address"]["postal_code"], "98101");
    assert_eq!(reply.body["shipping_address"]["country_code"], "US");
    assert!(reply.body["shipping_address"]["phone"].is_null());
    assert!(reply.body["fulfillment_submitted_at"].is_null());

    // Without a speed, the default is stored with the address.
    let reply = w.place(&place_body(address(), None)).await;
    assert_eq!(reply.body["shipping_speed"], "Standard");
}

#[tokio::test]
async fn bad_addresses_and_speeds_are_400_naming_the_field() {
    let w = world().await;
    let mut cases: Vec<(Value, Option<&str>, &str)> = Vec::new();
    for field in ["name", "address_line1", "postal_code", "country_code"] {
        let mut a = address();
        a.as_object_mut().unwrap().remove(field);
        cases.push((a, None, field));
        let mut blank = address();
        blank[field] = json!("   ");
        cases.push((blank, None, field));
    }
    let mut bad = address();
    bad["country_code"] = json!("usa");
    cases.push((bad, None, "country_code"));
    let mut bad = address();
    bad["phone"] = json!("call me maybe");
    cases.push((bad, None, "phone"));
    let mut bad = address();
    bad["name"] = json!("x".repeat(101));
    cases.push((bad, None, "name"));
    let mut bad = address();
    bad["city"] = json!("Sea\u{0}ttle");
    cases.push((bad, None, "city"));
    for (address, speed, field) in cases {
        let reply = w.place(&place_body(address.clone(), speed)).await;
        assert_eq!(reply.status, 400, "{address}: {}", reply.body);
        assert_eq!(error_code(&reply), "validation_failed");
        assert_eq!(
            reply.body["error"]["details"]["field"],
            format!("shipping_address.{field}"),
            "{}",
            reply.body
        );
    }
    for (body, field) in [
        (place_body(address(), Some("Fast")), "shipping_speed"),
        (place_body(address(), Some("expedited")), "shipping_speed"),
        (
            place_body(json!("1 Analytical Way"), None),
            "shipping_address",
        ),
        (
            place_body(json!({"name": 5}), None),
            "shipping_address.name",
        ),
    ] {
        let reply = w.place(&body).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        assert_eq!(
            reply.body["error"]["details"]["field"], field,
            "{}",
            reply.body
        );
    }
    assert_eq!(w.stocks().await, (10, 5), "nothing reserved");
}

#[tokio::test]
async fn without_an_address_mcf_refuses_and_reserves_nothing() {
    let w = world().await;
    let body = json!({"items": [{"sku": "MUG-BLUE", "quantity": 2}]}).to_string();
    let reply = w.place(&body).await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(error_code(&reply), "shipping_address_required");
    assert_eq!(w.stocks().await, (10, 5));
    assert!(w.queue.take(QueueName::Orders).is_empty());

    // A self-fulfilled deployment takes orders without one, as before.
    let mut app = w.app.clone();
    app.settings.fulfillment_mode = FulfillmentMode::SelfFulfilled;
    let (customer, _) = token(&app, Role::Customer);
    let reply = call(&app, &with_body(event(PLACE, Some(&customer)), &body)).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert!(reply.body["shipping_address"].is_null());
}

#[tokio::test]
async fn a_throttled_submission_is_retried_into_exactly_one_fulfilment_order() {
    let w = world().await;
    w.amazon.with(|s| s.throttle_creates = 1);
    let id = w.placed().await;
    let placed = w.queue.take(QueueName::Orders);
    assert_eq!(
        w.deliver_bodies(&placed).await,
        ["m0"],
        "429: the message failed"
    );
    let order = w.order(id).await;
    assert_eq!(order["status"], "PROCESSING");
    assert!(order["fulfillment_submitted_at"].is_null());
    assert_eq!(w.amazon.status_of(id), None);

    // SQS redelivers it.
    assert!(w.deliver_bodies(&placed).await.is_empty());
    let order = w.order(id).await;
    assert_eq!(order["status"], "PROCESSING");
    assert!(order["fulfillment_submitted_at"].is_string());
    let sent = w.amazon.with(|s| s.orders[&id].0.clone());
    assert_eq!(sent.order_id, id);
    assert_eq!(sent.shipping_speed, ShippingSpeed::Standard);
    assert_eq!(sent.address.postal_code(), "98101");
    let lines: Vec<(String, String, u32)> = sent
        .items
        .iter()
        .map(|i| (i.item_id.clone(), i.sku.to_string(), i.quantity))
        .collect();
    assert_eq!(
        lines,
        [
            ("1-MUG-BLUE".into(), "MUG-BLUE".into(), 2),
            ("2-NOTE-A5".into(), "NOTE-A5".into(), 1)
        ]
    );

    // A duplicate delivery and a recovery re-publish call Amazon no more.
    let calls = w.amazon.with(|s| s.create_calls);
    assert!(
        w.deliver_bodies(&[placed_body(id), placed_body(id)])
            .await
            .is_empty()
    );
    assert_eq!(
        w.amazon.with(|s| (s.create_calls, s.orders.len())),
        (calls, 1)
    );

    // Amazon ships it.
    let n = notifications::parse(&fulfillment_status(id, "COMPLETE", 1)).unwrap();
    apply_notification(&w.app, &n).await.unwrap();
    assert_eq!(w.order(id).await["status"], "COMPLETED");
    assert_eq!(w.stocks().await, (8, 4), "shipped stock stays sold");
}

#[tokio::test]
async fn a_recovered_order_is_submitted_once() {
    let w = world().await;
    let id = w.placed().await;
    // The first OrderPlaced is delayed; recovery re-publishes the order
    // meanwhile, and both copies arrive, in the same batch and again later.
    let first = w.queue.take(QueueName::Orders);
    let later = w
        .app
        .clone()
        .with_clock(Arc::new(Shifted(Duration::hours(1))));
    let recovered = stockroom::app::orders::recover_stale_orders(&later)
        .await
        .unwrap();
    assert_eq!(recovered.republished, 1);
    let republished = w.queue.take(QueueName::Orders);
    let both: Vec<String> = first.iter().chain(&republished).cloned().collect();
    assert!(w.deliver_bodies(&both).await.is_empty());
    assert!(w.deliver_bodies(&republished).await.is_empty());
    assert_eq!(w.amazon.with(|s| s.orders.len()), 1);
    assert_eq!(w.order(id).await["status"], "PROCESSING");
}

/// The system clock moved by a fixed amount.
struct Shifted(Duration);

impl stockroom::ports::Clock for Shifted {
    fn now(&self) -> chrono::DateTime<Utc> {
        Utc::now() + self.0
    }
}

#[tokio::test]
async fn a_permanent_refusal_fails_the_order_and_releases_its_stock_once() {
    let w = world().await;
    w.amazon
        .with(|s| s.refuse_creates = Some("the address is not deliverable".into()));
    let id = w.placed().await;
    assert_eq!(w.stocks().await, (8, 4));
    assert!(w.deliver().await.is_empty(), "a refusal is not retried");
    let order = w.order(id).await;
    assert_eq!(order["status"], "FAILED");
    assert!(
        order["failure_reason"]
            .as_str()
            .unwrap()
            .contains("the address is not deliverable"),
        "{order}"
    );
    assert_eq!(w.stocks().await, (10, 5), "released");
    assert!(w.deliver_bodies(&[placed_body(id)]).await.is_empty());
    assert_eq!(w.stocks().await, (10, 5), "released once");
    assert_eq!(w.cancel(id).await.status, 409);
}

#[tokio::test]
async fn an_outage_fails_the_message_and_loses_nothing() {
    let w = world().await;
    w.amazon.with(|s| s.down = true);
    let id = w.placed().await;
    let placed = w.queue.take(QueueName::Orders);
    for _ in 0..3 {
        assert_eq!(w.deliver_bodies(&placed).await, ["m0"]);
    }
    assert_eq!(w.order(id).await["status"], "PROCESSING");
    assert_eq!(w.stocks().await, (8, 4));
    // Cancelling while Amazon is down is a 503 that changes nothing.
    let reply = w.cancel(id).await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert_eq!(w.order(id).await["status"], "PROCESSING");
    w.amazon.with(|s| s.down = false);
    assert!(w.deliver_bodies(&placed).await.is_empty());
    assert_eq!(w.amazon.with(|s| s.orders.len()), 1);
}

#[tokio::test]
async fn preview_answers_amazons_options() {
    let w = world().await;
    let reply = call(&w.app, &event(PREVIEW, Some(&w.customer))).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let options = reply.body["options"].as_array().unwrap();
    assert_eq!(options.len(), 3);
    assert_eq!(options[0]["shipping_speed"], "Standard");
    assert_eq!(options[0]["fulfillable"], true);
    assert_eq!(options[2]["fulfillable"], false);
    assert_eq!(
        options[0]["total_fee"],
        json!({"amount": "5.99", "currency": "USD"})
    );
    assert!(
        options[1]["earliest_arrival"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );

    let body = json!({"items": [{"sku": "MUG-BLUE", "quantity": 1}]}).to_string();
    let reply = call(&w.app, &with_body(event(PREVIEW, Some(&w.customer)), &body)).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.body["error"]["details"]["field"], "shipping_address");

    let mut zz = address();
    zz["country_code"] = json!("ZZ");
    let body = json!({"items": [{"sku": "MUG-BLUE", "quantity": 1}], "shipping_address": zz});
    let reply = call(
        &w.app,
        &with_body(event(PREVIEW, Some(&w.customer)), &body.to_string()),
    )
    .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(error_code(&reply), "amazon_refused");

    w.amazon.with(|s| s.down = true);
    let reply = call(&w.app, &event(PREVIEW, Some(&w.customer))).await;
    assert_eq!(reply.status, 503);
    assert!(reply.headers.contains_key("retry-after"));

    let reply = call(&w.app, &event(PREVIEW, None)).await;
    assert_eq!(reply.status, 401);

    let mut selfish = w.app.clone();
    selfish.settings.fulfillment_mode = FulfillmentMode::SelfFulfilled;
    let reply = call(&selfish, &event(PREVIEW, Some(&w.customer))).await;
    assert_eq!(reply.status, 422);
    assert_eq!(error_code(&reply), "mcf_not_enabled");
}

#[test]
fn the_openapi_document_covers_shipping_details() {
    let doc: Value = serde_json::from_str(stockroom::http::routes::docs::document()).unwrap();
    let schemas = &doc["components"]["schemas"];
    let address = &schemas["ShippingAddressBody"];
    let required: Vec<&str> = address["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for field in ["name", "address_line1", "postal_code", "country_code"] {
        assert!(required.contains(&field), "{field} required: {address}");
    }
    assert_eq!(
        address["properties"]["country_code"]["pattern"],
        "^[A-Z]{2}$"
    );
    assert_eq!(address["properties"]["name"]["maxLength"], 100);
    let speeds = &schemas["ShippingSpeed"]["enum"];
    assert_eq!(speeds, &json!(["Standard", "Expedited", "Priority"]));
    let place = &doc["paths"]["/orders"]["post"];
    assert!(
        place["responses"]["422"]["description"]
            .as_str()
            .unwrap()
            .contains("shipping_address_required")
    );
    let preview = &doc["paths"]["/orders/preview"]["post"]["responses"];
    assert!(
        preview["200"].is_object() && preview["503"].is_object(),
        "{preview}"
    );
    let cancel = &doc["paths"]["/orders/{id}/cancel"]["post"]["responses"]["409"];
    assert!(
        cancel["description"]
            .as_str()
            .unwrap()
            .contains("not_cancellable")
    );
}
