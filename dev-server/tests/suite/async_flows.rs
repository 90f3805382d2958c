//! The asynchronous side over HTTP against the dev server: orders are
//! processed by the queue consumer, MCF notifications complete them, poison
//! messages are dead-lettered, reorders are mailed through the outbox.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on failure by design

use crate::common;

use std::time::Duration;

use common::{Running, unique_sku};
use serde_json::{Value, json};

/// `GET path` as the admin.
async fn get(server: &Running, path: &str) -> Value {
    server.get_json(path, &server.admin_token).await
}

async fn post(server: &Running, path: &str, body: Option<String>) -> (u16, Value) {
    let mut request = server
        .client
        .post(server.url(path))
        .bearer_auth(&server.admin_token);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    let reply = request.send().await.unwrap();
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap_or(Value::Null))
}

async fn place(server: &Running, token: &str, sku: &str, quantity: u32) -> String {
    let reply = server
        .post_order(
            token,
            &json!({ "items": [{ "sku": sku, "quantity": quantity }] }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 201);
    reply.json::<Value>().await.unwrap()["order_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_placed_order_is_completed_and_counted() {
    let server = Running::start().await;
    let sku = unique_sku("PROC");
    server.put_listing(&sku, 100).await;
    let token = server.customer().await;
    let before = get(&server, "/metrics").await;
    let id = place(&server, &token, &sku, 2).await;
    let order = server
        .eventually(&format!("/orders/{id}"), |o| o["status"] == "COMPLETED")
        .await;
    assert_eq!(order["order_id"], id.as_str());
    let metrics = get(&server, "/metrics").await;
    assert_eq!(
        metrics["total_orders"].as_u64().unwrap(),
        before["total_orders"].as_u64().unwrap() + 1
    );
    assert!(metrics["status_counts"]["COMPLETED"].as_u64().unwrap() >= 1);
    assert!(metrics["average_processing_seconds"].as_f64().unwrap() >= 0.0);
    let one = get(&server, &format!("/metrics/orders/{id}")).await;
    assert_eq!(one["status"], "COMPLETED");
    assert!(one["processing_seconds"].as_f64().unwrap() >= 0.0);
    let today = chrono::Utc::now().date_naive().to_string();
    let analytics = get(
        &server,
        &format!("/analytics/orders?from={today}&to={today}"),
    )
    .await;
    assert!(analytics["totals"]["order_count"].as_u64().unwrap() >= 1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcf_notifications_complete_orders_and_record_tracking() {
    // An in-process Amazon that takes the order and ships nothing: the
    // notifications below say what happened (the SP-API stand-in's own
    // tests are in `backend::mcf`).
    let server = Running::start_mcf_parked().await;
    let sku = unique_sku("MCF");
    server.put_listing(&sku, 10).await;
    let token = server.customer().await;
    let reply = server
        .post_order(
            &token,
            &json!({ "items": [{ "sku": sku, "quantity": 1 }],
                     "shipping_address": { "name": "Ada", "address_line1": "1 Way",
                                           "postal_code": "98101", "country_code": "US" } }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 201);
    let id = reply.json::<Value>().await.unwrap()["order_id"]
        .as_str()
        .unwrap()
        .to_owned();
    server
        .eventually(&format!("/orders/{id}"), |o| o["status"] == "PROCESSING")
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        get(&server, &format!("/orders/{id}")).await["status"],
        "PROCESSING",
        "waits for MCF"
    );

    let fixture: Value = serde_json::from_str(include_str!(
        "../../../events/fulfillment-notifications/shipment-complete.json"
    ))
    .unwrap();
    let body = fixture["Records"][0]["body"]
        .as_str()
        .unwrap()
        .replace("0193a4f2-7c1e-7d3a-9b2e-5f6a7b8c9d0e", &id);
    let (status, _) = post(&server, "/_dev/queues/fulfillment-status", Some(body)).await;
    assert_eq!(status, 202);
    let order = server
        .eventually(&format!("/orders/{id}"), |o| o["status"] == "COMPLETED")
        .await;
    let shipment = &order["fulfillment"]["shipments"][0];
    assert_eq!(order["fulfillment"]["status"], "COMPLETE");
    assert_eq!(shipment["amazon_shipment_id"], "DdRWX7ZHb");
    assert_eq!(
        shipment["packages"][0]["tracking_number"],
        "1Z999AA10123456784"
    );
    assert_eq!(shipment["packages"][0]["carrier_code"], "UPS");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_messages_are_dead_lettered_and_the_queue_keeps_flowing() {
    let server = Running::start().await;
    let (status, _) = post(
        &server,
        "/_dev/queues/orders",
        Some("this is not an order".into()),
    )
    .await;
    assert_eq!(status, 202);
    let sku = unique_sku("FLOW");
    server.put_listing(&sku, 5).await;
    let token = server.customer().await;
    let id = place(&server, &token, &sku, 1).await;
    server
        .eventually(&format!("/orders/{id}"), |o| o["status"] == "COMPLETED")
        .await;
    let dead = server
        .eventually("/_dev/queues/orders/dead-letters", |d| {
            d["items"].as_array().unwrap().len() == 1
        })
        .await;
    assert_eq!(dead["items"][0]["body"], "this is not an order");
    assert_eq!(dead["items"][0]["receive_count"], 3);
    assert!(dead["items"][0]["message_id"].is_string());
    let (status, body) = post(&server, "/_dev/queues/nope", Some("x".into())).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn low_stock_reorders_are_mailed_and_subpar_ones_wait_for_approval() {
    let server = Running::start().await;
    let put = |id: &'static str, rating: u8| {
        let server = &server;
        async move {
            let reply = server
                .client
                .put(server.url(&format!("/suppliers/{id}")))
                .bearer_auth(&server.admin_token)
                .json(&json!({ "name": format!("Supplier {id}"), "email": format!("{id}@suppliers.example"), "rating": rating }))
                .send()
                .await
                .unwrap();
            assert!(reply.status().is_success());
        }
    };
    put("good", 5).await;
    put("slow", 1).await;
    let (good_sku, slow_sku) = (unique_sku("GOOD"), unique_sku("SLOW"));
    for (sku, supplier) in [(&good_sku, "good"), (&slow_sku, "slow")] {
        let reply = server
            .client
            .put(server.url(&format!("/listings/{sku}")))
            .bearer_auth(&server.admin_token)
            .json(&json!({ "title": "Widget", "price": "1.00", "available": 3, "reorder_point": 5, "reorder_quantity": 40, "supplier_id": supplier }))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 201);
    }
    let (status, summary) = post(&server, "/_dev/schedules/stock-check", None).await;
    assert_eq!(status, 200);
    assert!(summary["acted"].as_u64().unwrap() >= 2, "{summary}");
    let outbox = server
        .eventually("/_dev/outbox", |o| {
            o["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["body"].as_str().unwrap().contains(&good_sku))
        })
        .await;
    let mail = outbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["body"].as_str().unwrap().contains(&good_sku))
        .unwrap();
    assert_eq!(mail["to"], "good@suppliers.example");
    assert!(mail["body"].as_str().unwrap().contains("40"));
    assert!(mail["sent_at"].is_string());

    let pending = get(&server, "/reorders?status=PENDING_APPROVAL").await;
    let slow = pending["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["sku"] == slow_sku.as_str())
        .unwrap()
        .clone();
    let mentions_slow = |o: &Value| {
        o["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["body"].as_str().unwrap().contains(&slow_sku))
            .count()
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        mentions_slow(&get(&server, "/_dev/outbox").await),
        0,
        "not mailed until approved"
    );

    let id = slow["reorder_id"].as_str().unwrap();
    let (first, _) = post(&server, &format!("/reorders/{id}/approve"), None).await;
    let (second, body) = post(&server, &format!("/reorders/{id}/approve"), None).await;
    assert_eq!((first, second), (200, 409));
    assert_eq!(body["error"]["code"], "reorder_wrong_state");
    server
        .eventually("/_dev/outbox", |o| mentions_slow(o) == 1)
        .await;
    let sent = server
        .eventually("/reorders?status=SENT", |r| {
            r["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["reorder_id"] == id)
        })
        .await;
    assert!(!sent["items"].as_array().unwrap().is_empty());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        mentions_slow(&get(&server, "/_dev/outbox").await),
        1,
        "approving twice sends one email"
    );

    let (status, received) = post(
        &server,
        &format!("/reorders/{id}/receive"),
        Some(r#"{"quantity":40}"#.into()),
    )
    .await;
    assert_eq!(status, 200, "{received}");
    assert_eq!(received["status"], "RECEIVED");
    assert_eq!(server.available(&slow_sku).await, 43);
    server.stop().await;
}

#[tokio::test]
async fn dev_routes_need_an_admin() {
    let server = Running::start().await;
    let token = server.customer().await;
    let reply = server
        .client
        .get(server.url("/_dev/outbox"))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 401);
    let reply = server
        .client
        .get(server.url("/_dev/outbox"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 403);
    server.stop().await;
}
