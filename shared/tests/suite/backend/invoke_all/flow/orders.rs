//! Orders placed, replayed, cancelled and processed; the notifications
//! that change listings and fulfil orders.

use serde_json::{Value, json};

use super::super::{Env, failures};
use super::{ids, listing, order};

/// Places, replays, reads and cancels orders; the first order's id and
/// its OrderPlaced message.
pub async fn orders(env: &Env, alice: &str, admin: &str) -> (String, String) {
    let req = env.req("orders-api/place-order.json").token(alice);
    let (status, order_doc) = env.http("orders-api", "place-order", req).await;
    env.check(
        status == 201
            && order_doc["status"] == "PENDING"
            && order_doc["items"].as_array().map(Vec::len) == Some(2),
        "POST /orders: 201 PENDING with two lines",
        (status, &order_doc),
    );
    let order_id = order_doc["order_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let req = env.req("orders-api/place-order.json").token(alice);
    let (status, again) = env.http("orders-api", "place-order-replay", req).await;
    env.check(
        (status == 200 || status == 201) && again["order_id"] == order_id.as_str(),
        "the same Idempotency-Key answers the same order",
        (status, &again),
    );
    let mug = listing(env, alice, "MUG-BLUE", "get-after-order").await;
    env.check(
        mug["available"] == 16,
        "the order took 2 MUG-BLUE once (replay took nothing)",
        &mug,
    );
    let note = listing(env, alice, "NOTE-A5", "get-note-after-order").await;
    env.check(note["available"] == 9, "and 1 NOTE-A5", &note);
    let placed = env.receive_json("ORDERS_QUEUE_URL").await;
    env.check(
        ids(&json!(placed), "order_id") == [order_id.clone()],
        "orders-api published one OrderPlaced to the orders queue",
        &placed,
    );
    let order_placed = placed[0].to_string();

    let req = env.req("orders-api/list-orders.json").token(alice);
    let (status, body) = env.http("orders-api", "list-orders", req).await;
    env.check(
        status == 200 && ids(&body["items"], "order_id") == [order_id.clone()],
        "GET /orders: alice's one order",
        (status, &body),
    );
    let (status, body) = order(env, alice, &order_id, "get-order").await;
    env.check(
        status == 200 && body["order_id"] == order_id.as_str() && body["status"] == "PENDING",
        "GET /orders/{id}",
        (status, &body),
    );
    let (status, body) = order(env, admin, &order_id, "get-order-as-admin").await;
    env.check(status == 200, "an admin sees any order", (status, &body));

    let req = env.req("orders-api/place-order.json").token(alice);
    let req = req
        .body(json!({"items": [{"sku": "MUG-BLUE", "quantity": 3}]}))
        .header("idempotency-key", "invoke-all-second-order");
    let (status, second) = env.http("orders-api", "place-second", req).await;
    env.check(status == 201, "a second order", (status, &second));
    let mug = listing(env, alice, "MUG-BLUE", "get-after-second").await;
    env.check(mug["available"] == 13, "took 3 more", &mug);
    let cancel = format!(
        "/orders/{}/cancel",
        second["order_id"].as_str().unwrap_or_default()
    );
    let req = env.req("orders-api/cancel-order.json").token(alice);
    let (status, body) = env
        .http("orders-api", "cancel-order", req.path(&cancel))
        .await;
    env.check(
        status == 200 && body["status"] == "CANCELLED",
        "cancel: CANCELLED",
        (status, &body),
    );
    let req = env.req("orders-api/cancel-order.json").token(alice);
    let (status, body) = env
        .http("orders-api", "cancel-again", req.path(&cancel))
        .await;
    let mug = listing(env, alice, "MUG-BLUE", "get-after-cancel").await;
    env.check(
        mug["available"] == 16,
        "cancelling released the 3, once",
        (status, &body, &mug),
    );
    env.receive_all("ORDERS_QUEUE_URL").await; // the second order's OrderPlaced

    // The functions run self-fulfilled here: a shipping preview is refused
    // as such, not attempted (the MCF suite previews through Amazon's stub).
    let req = env.req("orders-api/preview-order.json").token(alice);
    let (status, body) = env.http("orders-api", "preview-order", req).await;
    env.check(
        status == 422 && body["error"]["code"] == "mcf_not_enabled",
        "POST /orders/preview without MCF: 422 mcf_not_enabled",
        (status, &body),
    );

    let fixture = env.fixture("order-processor/order-placed.json");
    let answer = env
        .invoke("order-processor", &fixture, "fixture-unknown-order")
        .await;
    env.check(
        failures(&answer).is_empty(),
        "order-processor: an OrderPlaced for an unknown order is dropped, not retried",
        &answer,
    );
    let bodies = [order_placed.clone(), "this is not JSON".to_owned()];
    let answer = env
        .sqs_batch(
            "order-processor",
            "order-processor/order-placed.json",
            "batch",
            &bodies,
        )
        .await;
    env.check(
        failures(&answer) == ["batch-1"],
        "order-processor: the malformed record alone is reported",
        &answer,
    );
    let (_, body) = order(env, alice, &order_id, "get-processed").await;
    env.check(
        body["status"] == "COMPLETED",
        "the processed order is COMPLETED (FULFILLMENT_MODE=self)",
        &body,
    );
    let req = env.req("admin-api/order-metrics.json").token(admin);
    let req = req.path(&format!("/metrics/orders/{order_id}"));
    let (status, body) = env.http("admin-api", "order-metrics", req).await;
    env.check(
        status == 200
            && body["order_id"] == order_id.as_str()
            && body["status"] == "COMPLETED"
            && body["processing_seconds"]
                .as_f64()
                .is_some_and(|s| s >= 0.0),
        "GET /metrics/orders/{id}: the order's processing time",
        (status, &body),
    );
    (order_id, order_placed)
}

/// Replaces the SQS record body of `event` (JSON in a string) by `edit`ing it.
fn edit_body(event: &mut Value, edit: impl FnOnce(&mut Value)) {
    let raw = event["Records"][0]["body"].as_str().unwrap_or_default();
    let mut body: Value = serde_json::from_str(raw).unwrap();
    edit(&mut body);
    event["Records"][0]["body"] = json!(body.to_string());
}

pub async fn notifications(env: &Env, alice: &str, admin: &str, order_id: &str) {
    let fixture = env.fixture("listing-notifications/mfn-quantity-raw.json");
    let answer = env
        .invoke("listing-notifications", &fixture, "mfn-raw")
        .await;
    env.check(
        failures(&answer).is_empty(),
        "MFN quantity notification applied",
        &answer,
    );
    let mug = listing(env, alice, "MUG-BLUE", "get-after-mfn").await;
    env.check(mug["available"] == 42, "MUG-BLUE is now 42", &mug);
    let stored = env.stored_available("LISTING#MUG-BLUE", "LISTING").await;
    env.check(
        stored.as_deref() == Some("42"),
        "the table itself holds MUG-BLUE at 42",
        &stored,
    );
    let answer = env
        .invoke("listing-notifications", &fixture, "mfn-raw-again")
        .await;
    env.check(
        failures(&answer).is_empty(),
        "the same notification again is no failure",
        &answer,
    );
    let mut event = env.fixture("listing-notifications/mfn-quantity-eventbridge.json");
    edit_body(&mut event, |envelope| {
        envelope["detail"]["Payload"]["Sku"] = json!("NOTE-A5");
        envelope["detail"]["Payload"]["Quantity"] = json!(7);
    });
    let answer = env
        .invoke("listing-notifications", &event, "mfn-eventbridge")
        .await;
    env.check(
        failures(&answer).is_empty(),
        "MFN quantity in its EventBridge envelope",
        &answer,
    );
    let note = listing(env, alice, "NOTE-A5", "get-after-mfn-eb").await;
    env.check(note["available"] == 7, "NOTE-A5 is now 7", &note);

    let fixture = env.fixture("listing-notifications/status-change-raw.json");
    let answer = env
        .invoke("listing-notifications", &fixture, "status-raw")
        .await;
    env.check(
        failures(&answer).is_empty(),
        "status change applied",
        &answer,
    );
    // An INACTIVE listing is out of the shop: admins read it, customers 404.
    let red = listing(env, admin, "MUG-RED", "get-after-status").await;
    env.check(
        red["status"] == "INACTIVE",
        "MUG-RED, DISCOVERABLE but not BUYABLE, is INACTIVE",
        &red,
    );
    let req = env.req("listings-api/get-listing.json").token(alice);
    let (status, body) = env
        .http(
            "listings-api",
            "get-inactive-as-customer",
            req.path("/listings/MUG-RED"),
        )
        .await;
    env.check(
        status == 404,
        "a customer does not see the INACTIVE MUG-RED",
        (status, &body),
    );
    let mut event = env.fixture("listing-notifications/status-change-eventbridge.json");
    edit_body(&mut event, |envelope| {
        envelope["detail"]["Payload"]["Sku"] = json!("LAMP-OAK");
    });
    let shipment = env.fixture("fulfillment-notifications/shipment-complete.json");
    let mut stray = event["Records"][0].clone();
    stray["messageId"] = json!("wrong-queue");
    stray["body"] = shipment["Records"][0]["body"].clone();
    if let Some(records) = event["Records"].as_array_mut() {
        records.push(stray);
    }
    let answer = env
        .invoke("listing-notifications", &event, "status-eventbridge")
        .await;
    env.check(
        failures(&answer) == ["wrong-queue"],
        "status change in its envelope applied; a fulfilment notice on this queue is reported",
        &answer,
    );
    let lamp = listing(env, admin, "LAMP-OAK", "get-after-status-eb").await;
    env.check(lamp["status"] == "INACTIVE", "LAMP-OAK is INACTIVE", &lamp);

    for (fixture, label) in [
        (
            "fulfillment-notifications/shipment-complete.json",
            "shipment",
        ),
        ("fulfillment-notifications/return-received.json", "return"),
    ] {
        let mut event = env.fixture(fixture);
        edit_body(&mut event, |note| {
            note["Payload"]["FulfillmentOrderStatusNotification"]["SellerFulfillmentOrderId"] =
                json!(order_id);
        });
        let answer = env.invoke("fulfillment-notifications", &event, label).await;
        env.check(
            failures(&answer).is_empty(),
            &format!("{label} notice applied"),
            &answer,
        );
    }
    let (_, body) = order(env, alice, order_id, "get-fulfilled").await;
    let fulfillment = &body["fulfillment"];
    let shipments = fulfillment["shipments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let tracking: Vec<String> = shipments
        .iter()
        .flat_map(|s| ids(&s["packages"], "tracking_number"))
        .collect();
    env.check(
        tracking == ["1Z999AA10123456784"],
        "the order shows the shipment's tracking number",
        &body,
    );
    let returns = fulfillment["returns"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let returned: Vec<_> = returns
        .iter()
        .map(|r| (r["sku"].clone(), r["returned_quantity"].clone()))
        .collect();
    env.check(
        returned == [(json!("MUG-BLUE"), json!(1))],
        "and the returned item",
        &body,
    );
    let answer = env
        .invoke(
            "fulfillment-notifications",
            &shipment,
            "fixture-unknown-order",
        )
        .await;
    env.check(
        failures(&answer).is_empty(),
        "a notice about an unknown order is dropped",
        &answer,
    );
}
