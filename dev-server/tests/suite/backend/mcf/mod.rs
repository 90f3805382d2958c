//! Orders fulfilled by Amazon, over HTTP on the dev server in mcf mode,
//! talking to the local SP-API stand-in (the stub in front of Prism on
//! Amazon's models; `SPAPI_STUB_ENDPOINT`). On the store named by `STORE`,
//! like the rest of the suite.
//!
//! Each test names its own SKUs, so faults injected into the shared stub
//! (matched on a SKU in the request body, or on an order's own path) touch
//! only its own orders, and the requests Prism refused are checked to
//! include none of its own.

mod harness;

use std::time::Duration;

use serde_json::json;

use crate::common::Running;
use harness::{Mcf, ORDERS, address, dev_post, fulfillment_status};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_submission_duplicates_and_completion() {
    let (mcf, skus) = Mcf::new(&[("MCF-429", 10)]).await;
    let sku = &skus[0];
    let token = mcf.server.customer().await;
    // More 429s than the client retries: the first delivery fails whole.
    mcf.fault(
        json!({"path": ORDERS, "method": "POST", "body_contains": sku,
                     "kind": "status", "status": 429, "count": 4}),
    )
    .await;
    let id = mcf.placed(&token, sku, 2).await;
    let order = mcf.submitted(&id).await;
    assert_eq!(order["status"], "PROCESSING");
    assert_eq!(order["shipping_speed"], "Standard");
    let amazon = mcf.at_amazon(&id).await;
    assert_eq!(amazon["create_calls"], 1, "{amazon}");
    let request = &amazon["request"];
    assert_eq!(request["sellerFulfillmentOrderId"], id.as_str());
    assert_eq!(request["displayableOrderId"], id.as_str());
    assert_eq!(request["shippingSpeedCategory"], "Standard");
    assert_eq!(request["items"][0]["sellerSku"], sku.as_str());
    assert_eq!(request["items"][0]["quantity"], 2);
    assert_eq!(request["destinationAddress"]["postalCode"], "98101");

    // A duplicate delivery and a re-publish of the same OrderPlaced.
    let placed = json!({"type": "OrderPlaced", "version": 1, "order_id": id,
                        "placed_at": order["created_at"]})
    .to_string();
    for _ in 0..2 {
        assert_eq!(
            dev_post(&mcf.server, "/_dev/queues/orders", placed.clone()).await,
            202
        );
    }
    let recovery = dev_post(&mcf.server, "/_dev/schedules/order-recovery", String::new()).await;
    assert_eq!(recovery, 200);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let amazon = mcf.at_amazon(&id).await;
    assert_eq!(amazon["create_calls"], 1, "no second create: {amazon}");
    assert_eq!(mcf.server.available(sku).await, 8);

    // Amazon ships it.
    let status = dev_post(
        &mcf.server,
        "/_dev/queues/fulfillment-status",
        fulfillment_status(&id, "COMPLETE"),
    )
    .await;
    assert_eq!(status, 202);
    mcf.eventually(&id, |o| o["status"] == "COMPLETED").await;
    assert_eq!(mcf.server.available(sku).await, 8);
    mcf.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_accepted_and_refused() {
    let (mcf, skus) = Mcf::new(&[("MCF-CXL", 10)]).await;
    let sku = &skus[0];
    let token = mcf.server.customer().await;

    let accepted = mcf.placed(&token, sku, 3).await;
    mcf.submitted(&accepted).await;
    let (status, body) = mcf
        .post(&token, &format!("/orders/{accepted}/cancel"), None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "CANCELLED");
    assert_eq!(mcf.at_amazon(&accepted).await["status"], "CANCELLED");
    assert_eq!(mcf.server.available(sku).await, 10);
    let (status, _) = mcf
        .post(&token, &format!("/orders/{accepted}/cancel"), None)
        .await;
    assert_eq!(status, 409);
    assert_eq!(mcf.server.available(sku).await, 10, "released once");

    let refused = mcf.placed(&token, sku, 4).await;
    mcf.submitted(&refused).await;
    mcf.hook(
        reqwest::Method::POST,
        &format!("orders/{refused}/status"),
        Some(json!({"status": "PROCESSING"})),
    )
    .await;
    let before = mcf.order(&refused).await;
    let (status, body) = mcf
        .post(&token, &format!("/orders/{refused}/cancel"), None)
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "not_cancellable");
    assert_eq!(mcf.order(&refused).await, before, "nothing changed");
    assert_eq!(mcf.server.available(sku).await, 6);
    mcf.stop().await;
}

/// The processor's create is held on the wire while the customer cancels:
/// the cancel creates the fulfilment order itself (the look-up finds none)
/// and cancels it; the held create then lands as a duplicate and is
/// recognised as such. One fulfilment order, cancelled; the order
/// CANCELLED; stock released once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_racing_the_submission() {
    let (mcf, skus) = Mcf::new(&[("MCF-RACE", 10)]).await;
    let sku = &skus[0];
    let token = mcf.server.customer().await;
    mcf.fault(
        json!({"path": ORDERS, "method": "POST", "body_contains": sku,
                     "kind": "delay", "delay_ms": 1500, "count": 1}),
    )
    .await;
    let id = mcf.placed(&token, sku, 5).await;
    mcf.eventually(&id, |o| o["status"] == "PROCESSING").await;
    let (status, body) = mcf
        .post(&token, &format!("/orders/{id}/cancel"), None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "CANCELLED");
    // Let the held create land and the processor finish.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let order = mcf.order(&id).await;
    assert_eq!(order["status"], "CANCELLED");
    let amazon = mcf.at_amazon(&id).await;
    assert_eq!(amazon["status"], "CANCELLED", "{amazon}");
    assert_eq!(mcf.server.available(sku).await, 10, "released once");
    mcf.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_shipping_input_is_refused_before_anything_is_reserved() {
    let (mcf, skus) = Mcf::new(&[("MCF-BAD", 10)]).await;
    let sku = &skus[0];
    let token = mcf.server.customer().await;
    let items = json!([{"sku": sku, "quantity": 1}]);
    let mut cases = Vec::new();
    for field in ["name", "address_line1", "postal_code", "country_code"] {
        let mut a = address();
        a.as_object_mut().unwrap().remove(field);
        cases.push((
            json!({"items": items, "shipping_address": a}),
            format!("shipping_address.{field}"),
        ));
    }
    let mut a = address();
    a["country_code"] = json!("United States");
    cases.push((
        json!({"items": items, "shipping_address": a}),
        "shipping_address.country_code".into(),
    ));
    for speed in ["Fast", "ScheduledDelivery", "standard"] {
        cases.push((
            json!({"items": items, "shipping_address": address(), "shipping_speed": speed}),
            "shipping_speed".into(),
        ));
    }
    for (body, field) in cases {
        let (status, reply) = mcf.place(&token, &body).await;
        assert_eq!(status, 400, "{body}: {reply}");
        assert_eq!(
            reply["error"]["details"]["field"],
            field.as_str(),
            "{reply}"
        );
    }
    let (status, reply) = mcf.place(&token, &json!({"items": items})).await;
    assert_eq!(status, 422);
    assert_eq!(reply["error"]["code"], "shipping_address_required");
    assert_eq!(mcf.server.available(sku).await, 10, "nothing reserved");
    mcf.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_and_amazon_garbage() {
    let (mcf, skus) = Mcf::new(&[("MCF-PRV", 10), ("MCF-GRB", 10)]).await;
    let (sku, garbled) = (&skus[0], &skus[1]);
    let token = mcf.server.customer().await;
    let preview = json!({"items": [{"sku": sku, "quantity": 2}], "shipping_address": address()});
    let (status, body) = mcf
        .post(&token, "/orders/preview", Some(preview.clone()))
        .await;
    assert_eq!(status, 200, "{body}");
    let options = body["options"].as_array().unwrap();
    assert!(!options.is_empty(), "{body}");
    for option in options {
        assert!(option["fulfillable"].is_boolean(), "{option}");
        assert!(option["shipping_speed"].is_string(), "{option}");
    }

    // Amazon answering garbage: a 503 for the synchronous call, never a
    // 500.
    let path = format!("{ORDERS}/preview");
    let garbage =
        json!({"items": [{"sku": garbled, "quantity": 1}], "shipping_address": address()});
    mcf.fault(json!({"path": path, "body_contains": garbled, "kind": "garbage", "count": 8}))
        .await;
    let (status, body) = mcf.post(&token, "/orders/preview", Some(garbage)).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "service_unavailable");

    // A timed-out attempt is retried by the client: still a 200.
    mcf.fault(
        json!({"path": path, "body_contains": sku, "kind": "delay", "delay_ms": 6000, "count": 1}),
    )
    .await;
    let (status, body) = mcf
        .post(&token, "/orders/preview", Some(preview.clone()))
        .await;
    assert_eq!(status, 200, "{body}");

    // The submission of an order whose create meets an outage is retried
    // by the queue until Amazon answers.
    mcf.fault(
        json!({"path": ORDERS, "method": "POST", "body_contains": garbled,
                     "kind": "status", "status": 503, "count": 4}),
    )
    .await;
    let id = mcf.placed(&token, garbled, 1).await;
    mcf.submitted(&id).await;
    assert_eq!(mcf.at_amazon(&id).await["create_calls"], 1);

    // Cancelling during an outage: 503, nothing changes.
    mcf.fault(json!({"path": format!("{ORDERS}/{id}/cancel"), "kind": "status", "status": 500, "count": 4}))
        .await;
    let (status, body) = mcf
        .post(&token, &format!("/orders/{id}/cancel"), None)
        .await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(mcf.order(&id).await["status"], "PROCESSING");
    assert_eq!(mcf.server.available(garbled).await, 9);

    // Outside mcf mode there is nothing to preview.
    let plain = Running::start().await;
    let customer = plain.customer().await;
    let reply = plain
        .client
        .post(plain.url("/orders/preview"))
        .bearer_auth(&customer)
        .json(&preview)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 422);
    plain.stop().await;
    mcf.stop().await;
}
