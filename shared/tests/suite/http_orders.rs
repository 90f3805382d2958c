//! `/orders*` handlers, called with the events in `events/orders-api`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on failure by design

use crate::support;

use stockroom::domain::Role;
use support::*;

const PLACE: &str = include_str!("../../../events/orders-api/place-order.json");
const LIST: &str = include_str!("../../../events/orders-api/list-orders.json");
const GET: &str = include_str!("../../../events/orders-api/get-order.json");
const CANCEL: &str = include_str!("../../../events/orders-api/cancel-order.json");

async fn shop() -> stockroom::app::App {
    let app = app();
    listing(&app, "MUG-BLUE", 10).await;
    listing(&app, "NOTE-A5", 5).await;
    app
}

#[tokio::test]
async fn place_get_list_and_cancel() {
    let app = shop().await;
    let (customer, customer_id) = token(&app, Role::Customer);
    let placed = call(&app, &event(PLACE, Some(&customer))).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    let order = &placed.body;
    let id = order["order_id"].as_str().unwrap().to_owned();
    assert_eq!(order["customer_id"], customer_id.to_string());
    assert_eq!(order["status"], "PENDING");
    assert_eq!(order["items"][0]["sku"], "MUG-BLUE");
    assert_eq!(order["items"][0]["quantity"], 2);
    assert_eq!(order["items"][0]["unit_price"], "12.50");
    assert_eq!(order["total_amount"], "37.50");
    assert_eq!(order["currency"], "USD");
    assert!(order["fulfillment"].is_null());
    assert_eq!(placed.headers["location"], format!("/orders/{id}").as_str());
    assert_eq!(stock(&app, "MUG-BLUE").await, 8);
    assert_eq!(stock(&app, "NOTE-A5").await, 4);

    let path = format!("/orders/{id}");
    let got = call(&app, &with_path(event(GET, Some(&customer)), &path)).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["order_id"], id.as_str());

    let listed = call(&app, &event(LIST, Some(&customer))).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body["items"][0]["order_id"], id.as_str());
    assert!(listed.body["next_cursor"].is_null());

    let cancel_path = format!("/orders/{id}/cancel");
    let cancelled = call(
        &app,
        &with_path(event(CANCEL, Some(&customer)), &cancel_path),
    )
    .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(cancelled.body["status"], "CANCELLED");
    assert_eq!(stock(&app, "MUG-BLUE").await, 10, "released");
    let again = call(
        &app,
        &with_path(event(CANCEL, Some(&customer)), &cancel_path),
    )
    .await;
    assert_eq!(again.status, 409);
    assert_eq!(error_code(&again), "order_not_cancellable");
    assert_eq!(stock(&app, "MUG-BLUE").await, 10, "released once");
}

#[tokio::test]
async fn customers_see_only_their_own_orders() {
    let app = shop().await;
    let (alice, _) = token(&app, Role::Customer);
    let (bob, _) = token(&app, Role::Customer);
    let (admin, _) = token(&app, Role::Admin);
    let placed = call(&app, &event(PLACE, Some(&alice))).await;
    let id = placed.body["order_id"].as_str().unwrap().to_owned();
    let path = format!("/orders/{id}");

    let reply = call(&app, &with_path(event(GET, Some(&bob)), &path)).await;
    assert_eq!(reply.status, 404, "another customer's order is not found");
    let reply = call(
        &app,
        &with_path(event(CANCEL, Some(&bob)), &format!("{path}/cancel")),
    )
    .await;
    assert_eq!(reply.status, 404);
    let listed = call(&app, &event(LIST, Some(&bob))).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 0);

    let reply = call(&app, &with_path(event(GET, Some(&admin)), &path)).await;
    assert_eq!(reply.status, 200, "admins see every order");
    let listed = call(&app, &event(LIST, Some(&admin))).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    let reply = call(&app, &event(PLACE, Some(&admin))).await;
    assert_eq!(reply.status, 403, "admins do not place orders");
}

#[tokio::test]
async fn idempotency_key_replays_and_refuses_other_bodies() {
    let app = shop().await;
    let (customer, _) = token(&app, Role::Customer);
    let first = call(&app, &event(PLACE, Some(&customer))).await;
    assert_eq!(first.status, 201);
    let replay = call(&app, &event(PLACE, Some(&customer))).await;
    assert_eq!(replay.status, 201);
    assert_eq!(replay.body, first.body, "the original body, byte for byte");
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    assert_eq!(stock(&app, "MUG-BLUE").await, 8, "reserved once");

    let other = with_body(
        event(PLACE, Some(&customer)),
        r#"{"items":[{"sku":"MUG-BLUE","quantity":1}]}"#,
    );
    let reply = call(&app, &other).await;
    assert_eq!(reply.status, 422);
    assert_eq!(error_code(&reply), "idempotency_key_reused");

    // Another customer may use the same key for their own order.
    let (other_customer, _) = token(&app, Role::Customer);
    assert_eq!(
        call(&app, &event(PLACE, Some(&other_customer)))
            .await
            .status,
        201
    );
}

#[tokio::test]
async fn insufficient_stock_names_the_sku_and_reserves_nothing() {
    let app = shop().await;
    let (customer, _) = token(&app, Role::Customer);
    let body = r#"{"items":[{"sku":"MUG-BLUE","quantity":3},{"sku":"NOTE-A5","quantity":6}]}"#;
    let reply = call(&app, &with_body(event(PLACE, Some(&customer)), body)).await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert_eq!(error_code(&reply), "insufficient_stock");
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("NOTE-A5")
    );
    assert_eq!(reply.body["error"]["details"]["items"][0]["sku"], "NOTE-A5");
    assert_eq!(reply.body["error"]["details"]["items"][0]["available"], 5);
    assert_eq!(stock(&app, "MUG-BLUE").await, 10);
    assert_eq!(stock(&app, "NOTE-A5").await, 5);
}
