//! The story every function is invoked through, in order: accounts and
//! tokens, suppliers, listings written, adjusted and deleted, an order
//! placed once per Idempotency-Key with its stock taken and its OrderPlaced
//! on the orders queue, processed to COMPLETED by order-processor from that
//! very message, a cancelled order releasing stock once, SP-API quantity
//! and status notifications changing the listings (in the table itself),
//! fulfilment notices on the order, partial batch failures naming exactly
//! the bad records, the stock check raising reorders (queued, or held for
//! approval), approval publishing, the mailer sending each reorder once
//! through SES, order recovery re-publishing a stale order, the forecast
//! job, metrics and analytics counting it all.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use super::{Env, failures};

fn listing_body(title: &str, available: i64, reorder_point: i64, supplier: Option<&str>) -> Value {
    let mut body = json!({
        "title": title, "price": "12.50", "available": available,
        "reorder_point": reorder_point, "reorder_quantity": 20, "lead_time_days": 5,
    });
    if let Some(supplier) = supplier {
        body["supplier_id"] = json!(supplier);
    }
    body
}

/// A listing as a customer sees it (`GET /listings/{sku}`).
async fn listing(env: &Env, token: &str, sku: &str, label: &str) -> Value {
    let req = env.req("listings-api/get-listing.json").token(token);
    let (status, body) = env
        .http("listings-api", label, req.path(&format!("/listings/{sku}")))
        .await;
    env.check(status == 200, &format!("GET /listings/{sku}"), (status, &body));
    body
}

/// An order as its customer sees it (`GET /orders/{id}`).
async fn order(env: &Env, token: &str, id: &str, label: &str) -> (u64, Value) {
    let req = env.req("orders-api/get-order.json").token(token);
    env.http("orders-api", label, req.path(&format!("/orders/{id}")))
        .await
}

pub async fn run(env: &Env) {
    let (alice, admin) = accounts(env).await;
    suppliers(env, &alice, &admin).await;
    listings(env, &alice, &admin).await;
    let (order_id, _) = orders(env, &alice, &admin).await;
    notifications(env, &alice, &order_id).await;
    procurement(env, &alice, &admin).await;
    recovery_forecast_and_metrics(env, &alice, &admin).await;
}

async fn accounts(env: &Env) -> (String, String) {
    let (status, doc) = env
        .http("auth-api", "openapi", env.req("auth-api/openapi.json"))
        .await;
    let version = doc["openapi"].as_str().unwrap_or_default();
    env.check(status == 200 && version.starts_with('3'), "GET /openapi.json: OpenAPI 3", status);
    let paths = &doc["paths"];
    env.check(
        paths.get("/orders").is_some() && paths.get("/auth/token").is_some(),
        "the OpenAPI document lists the routes",
        paths.as_object().map(|p| p.keys().cloned().collect::<Vec<_>>()),
    );

    let (status, body) = env
        .http("auth-api", "register", env.req("auth-api/register.json"))
        .await;
    env.check(status == 201 && body["username"] == "alice", "register alice: 201", (status, &body));
    let (status, body) = env
        .http("auth-api", "register-again", env.req("auth-api/register.json"))
        .await;
    env.check(
        status == 409 && body["error"]["code"] == "username_taken",
        "alice exists now: registering again is 409 username_taken",
        (status, &body),
    );

    let (status, body) = env
        .http("auth-api", "token", env.req("auth-api/token.json"))
        .await;
    let ttl: u64 = env.setting("TOKEN_TTL_SECONDS").parse().unwrap();
    env.check(
        status == 200 && body["access_token"].is_string() && body["expires_in"] == ttl,
        "alice signs in: a bearer token with the configured lifetime",
        (status, &body),
    );
    let alice = body["access_token"].as_str().unwrap_or_default().to_owned();
    let wrong = json!({"username": "alice", "password": "not her password"});
    let req = env.req("auth-api/token.json").body(wrong);
    let (status, body) = env.http("auth-api", "token-wrong-password", req).await;
    env.check(status == 401, "a wrong password is 401", (status, &body));
    let admin_login = json!({"username": env.admin_user, "password": env.admin_password});
    let req = env.req("auth-api/token.json").body(admin_login);
    let (status, body) = env.http("auth-api", "token-admin", req).await;
    env.check(
        status == 200 && body["access_token"].is_string(),
        "the admin created by stockroom-admin signs in through auth-api",
        status,
    );
    let admin = body["access_token"].as_str().unwrap_or_default().to_owned();
    (alice, admin)
}

async fn suppliers(env: &Env, alice: &str, admin: &str) {
    let req = env.req("admin-api/put-supplier.json").token(admin);
    let (status, body) = env.http("admin-api", "put-supplier", req).await;
    env.check(
        status == 201 && body["supplier_id"] == "acme" && body["subpar"] == false,
        "PUT /suppliers/acme creates a good supplier",
        (status, &body),
    );
    let budget = json!({"name": "Budget Bits", "email": "sales@budget.example", "rating": 2});
    let req = env.req("admin-api/put-supplier.json").token(admin);
    let req = req.path("/suppliers/budget").body(budget);
    let (status, body) = env.http("admin-api", "put-supplier-subpar", req).await;
    env.check(status == 201 && body["subpar"] == true, "a supplier rated 2 is subpar", (status, &body));
    let req = env.req("admin-api/put-supplier.json").token(alice);
    let (status, body) = env.http("admin-api", "put-supplier-as-customer", req).await;
    env.check(status == 403, "a customer cannot write suppliers", (status, &body));
    let req = env.req("admin-api/get-supplier.json").token(admin);
    let (status, body) = env.http("admin-api", "get-supplier", req).await;
    env.check(
        status == 200 && body["supplier_id"] == "acme" && body["rating"] == 4,
        "GET /suppliers/acme",
        (status, &body),
    );
    let req = env.req("admin-api/list-suppliers.json").token(admin);
    let (status, body) = env.http("admin-api", "list-suppliers", req).await;
    let mut ids = ids(&body["items"], "supplier_id");
    ids.sort();
    env.check(status == 200 && ids == ["acme", "budget"], "GET /suppliers lists both", (status, &body));
}

/// The string field `key` of every item of `items`.
fn ids(items: &Value, key: &str) -> Vec<String> {
    let items = items.as_array().cloned().unwrap_or_default();
    items
        .iter()
        .filter_map(|i| i[key].as_str().map(str::to_owned))
        .collect()
}

async fn listings(env: &Env, alice: &str, admin: &str) {
    let req = env.req("listings-api/put-listing.json").token(alice);
    let (status, body) = env.http("listings-api", "put-listing-as-customer", req).await;
    env.check(status == 403, "a customer cannot write listings", (status, &body));
    let req = env.req("listings-api/put-listing.json").token(admin);
    let (status, body) = env.http("listings-api", "put-listing", req).await;
    env.check(
        status == 201 && body["sku"] == "LAMP-OAK" && body["available"] == 12,
        "PUT /listings/LAMP-OAK creates it",
        (status, &body),
    );
    let catalogue = [
        ("MUG-BLUE", listing_body("Blue mug", 20, 2, Some("acme"))),
        ("NOTE-A5", listing_body("A5 notebook", 10, 2, Some("acme"))),
        ("MUG-RED", listing_body("Red mug", 5, 1, Some("acme"))),
        ("CANDLE-FIG", listing_body("Fig candle", 3, 1, None)),
        ("VASE-TEAL", listing_body("Teal vase", 1, 4, Some("acme"))),
        ("BOWL-SLATE", listing_body("Slate bowl", 1, 4, Some("budget"))),
    ];
    for (sku, listing) in catalogue {
        let req = env.req("listings-api/put-listing.json").token(admin);
        let req = req.path(&format!("/listings/{sku}")).body(listing);
        let (status, body) = env.http("listings-api", &format!("put-{sku}"), req).await;
        env.check(status == 201 && body["sku"] == sku, &format!("PUT /listings/{sku}"), (status, &body));
    }

    let mug = listing(env, alice, "MUG-BLUE", "get-listing").await;
    env.check(mug["available"] == 20, "MUG-BLUE has its 20", &mug);
    let req = env.req("listings-api/list-listings.json").token(alice);
    let (status, body) = env.http("listings-api", "list-listings", req).await;
    env.check(
        status == 200 && body["items"].as_array().map(Vec::len) == Some(2) && body["next_cursor"].is_string(),
        "GET /listings?limit=2: a full page and a cursor",
        (status, &body),
    );
    let req = env.req("listings-api/adjust-stock.json").token(admin);
    let (status, body) = env.http("listings-api", "adjust-stock", req).await;
    env.check(status == 200 && body["available"] == 18, "stock -2: 18 left", (status, &body));
    let mug = listing(env, alice, "MUG-BLUE", "get-after-adjust").await;
    env.check(mug["available"] == 18, "the adjustment is stored", &mug);
    let req = env.req("listings-api/delete-listing.json").token(admin);
    let (status, body) = env.http("listings-api", "delete-listing", req).await;
    env.check(status == 200 || status == 204, "DELETE /listings/CANDLE-FIG", (status, &body));
    let req = env.req("listings-api/get-listing.json").token(alice);
    let (status, body) = env
        .http("listings-api", "get-deleted", req.path("/listings/CANDLE-FIG"))
        .await;
    env.check(status == 404, "the deleted listing is gone", (status, &body));
}

/// Places, replays, reads and cancels orders; the first order's id and
/// its OrderPlaced message.
async fn orders(env: &Env, alice: &str, admin: &str) -> (String, String) {
    let req = env.req("orders-api/place-order.json").token(alice);
    let (status, order_doc) = env.http("orders-api", "place-order", req).await;
    env.check(
        status == 201 && order_doc["status"] == "PENDING" && order_doc["items"].as_array().map(Vec::len) == Some(2),
        "POST /orders: 201 PENDING with two lines",
        (status, &order_doc),
    );
    let order_id = order_doc["order_id"].as_str().unwrap_or_default().to_owned();
    let req = env.req("orders-api/place-order.json").token(alice);
    let (status, again) = env.http("orders-api", "place-order-replay", req).await;
    env.check(
        (status == 200 || status == 201) && again["order_id"] == order_id.as_str(),
        "the same Idempotency-Key answers the same order",
        (status, &again),
    );
    let mug = listing(env, alice, "MUG-BLUE", "get-after-order").await;
    env.check(mug["available"] == 16, "the order took 2 MUG-BLUE once (replay took nothing)", &mug);
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
    let cancel = format!("/orders/{}/cancel", second["order_id"].as_str().unwrap_or_default());
    let req = env.req("orders-api/cancel-order.json").token(alice);
    let (status, body) = env.http("orders-api", "cancel-order", req.path(&cancel)).await;
    env.check(status == 200 && body["status"] == "CANCELLED", "cancel: CANCELLED", (status, &body));
    let req = env.req("orders-api/cancel-order.json").token(alice);
    let (status, body) = env.http("orders-api", "cancel-again", req.path(&cancel)).await;
    let mug = listing(env, alice, "MUG-BLUE", "get-after-cancel").await;
    env.check(mug["available"] == 16, "cancelling released the 3, once", (status, &body, &mug));
    env.receive_all("ORDERS_QUEUE_URL").await; // the second order's OrderPlaced

    let fixture = env.fixture("order-processor/order-placed.json");
    let answer = env.invoke("order-processor", &fixture, "fixture-unknown-order").await;
    env.check(
        failures(&answer).is_empty(),
        "order-processor: an OrderPlaced for an unknown order is dropped, not retried",
        &answer,
    );
    let bodies = [order_placed.clone(), "this is not JSON".to_owned()];
    let answer = env
        .sqs_batch("order-processor", "order-processor/order-placed.json", "batch", &bodies)
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
            && body["processing_seconds"].as_f64().is_some_and(|s| s >= 0.0),
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

async fn notifications(env: &Env, alice: &str, order_id: &str) {
    let fixture = env.fixture("listing-notifications/mfn-quantity-raw.json");
    let answer = env.invoke("listing-notifications", &fixture, "mfn-raw").await;
    env.check(failures(&answer).is_empty(), "MFN quantity notification applied", &answer);
    let mug = listing(env, alice, "MUG-BLUE", "get-after-mfn").await;
    env.check(mug["available"] == 42, "MUG-BLUE is now 42", &mug);
    let stored = env.stored_available("LISTING#MUG-BLUE", "LISTING").await;
    env.check(stored.as_deref() == Some("42"), "the table itself holds MUG-BLUE at 42", &stored);
    let answer = env.invoke("listing-notifications", &fixture, "mfn-raw-again").await;
    env.check(failures(&answer).is_empty(), "the same notification again is no failure", &answer);
    let mut event = env.fixture("listing-notifications/mfn-quantity-eventbridge.json");
    edit_body(&mut event, |envelope| {
        envelope["detail"]["Payload"]["Sku"] = json!("NOTE-A5");
        envelope["detail"]["Payload"]["Quantity"] = json!(7);
    });
    let answer = env.invoke("listing-notifications", &event, "mfn-eventbridge").await;
    env.check(failures(&answer).is_empty(), "MFN quantity in its EventBridge envelope", &answer);
    let note = listing(env, alice, "NOTE-A5", "get-after-mfn-eb").await;
    env.check(note["available"] == 7, "NOTE-A5 is now 7", &note);

    let fixture = env.fixture("listing-notifications/status-change-raw.json");
    let answer = env.invoke("listing-notifications", &fixture, "status-raw").await;
    env.check(failures(&answer).is_empty(), "status change applied", &answer);
    let red = listing(env, alice, "MUG-RED", "get-after-status").await;
    env.check(red["status"] == "INACTIVE", "MUG-RED, DISCOVERABLE but not BUYABLE, is INACTIVE", &red);
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
    let answer = env.invoke("listing-notifications", &event, "status-eventbridge").await;
    env.check(
        failures(&answer) == ["wrong-queue"],
        "status change in its envelope applied; a fulfilment notice on this queue is reported",
        &answer,
    );
    let lamp = listing(env, alice, "LAMP-OAK", "get-after-status-eb").await;
    env.check(lamp["status"] == "INACTIVE", "LAMP-OAK is INACTIVE", &lamp);

    for (fixture, label) in [
        ("fulfillment-notifications/shipment-complete.json", "shipment"),
        ("fulfillment-notifications/return-received.json", "return"),
    ] {
        let mut event = env.fixture(fixture);
        edit_body(&mut event, |note| {
            note["Payload"]["FulfillmentOrderStatusNotification"]["SellerFulfillmentOrderId"] =
                json!(order_id);
        });
        let answer = env.invoke("fulfillment-notifications", &event, label).await;
        env.check(failures(&answer).is_empty(), &format!("{label} notice applied"), &answer);
    }
    let (_, body) = order(env, alice, order_id, "get-fulfilled").await;
    let fulfillment = &body["fulfillment"];
    let shipments = fulfillment["shipments"].as_array().cloned().unwrap_or_default();
    let tracking: Vec<String> = shipments
        .iter()
        .flat_map(|s| ids(&s["packages"], "tracking_number"))
        .collect();
    env.check(
        tracking == ["1Z999AA10123456784"],
        "the order shows the shipment's tracking number",
        &body,
    );
    let returns = fulfillment["returns"].as_array().cloned().unwrap_or_default();
    let returned: Vec<_> = returns
        .iter()
        .map(|r| (r["sku"].clone(), r["returned_quantity"].clone()))
        .collect();
    env.check(returned == [(json!("MUG-BLUE"), json!(1))], "and the returned item", &body);
    let answer = env
        .invoke("fulfillment-notifications", &shipment, "fixture-unknown-order")
        .await;
    env.check(failures(&answer).is_empty(), "a notice about an unknown order is dropped", &answer);
}

async fn procurement(env: &Env, alice: &str, admin: &str) {
    let scheduled = env.fixture("stock-check/scheduled.json");
    let summary = env.invoke("stock-check", &scheduled, "scheduled").await;
    env.check(
        summary["job"] == "stock-check" && summary["failed"] == 0 && summary["acted"].as_u64() >= Some(2),
        "stock-check raised the two reorders (VASE-TEAL, BOWL-SLATE)",
        &summary,
    );
    let queued = env.receive_json("REORDERS_QUEUE_URL").await;
    let req = env.req("admin-api/list-reorders.json").token(admin);
    let (_, reorders) = env
        .http("admin-api", "list-all-reorders", req.query(&[("limit", "50")]))
        .await;
    let items = reorders["items"].as_array().cloned().unwrap_or_default();
    let of = |sku: &str| items.iter().find(|r| r["sku"] == sku).cloned().unwrap_or_default();
    let (vase, bowl) = (of("VASE-TEAL"), of("BOWL-SLATE"));
    env.check(
        vase["status"] == "QUEUED" && bowl["status"] == "PENDING_APPROVAL",
        "VASE-TEAL's reorder is QUEUED; the subpar supplier's waits for approval",
        &reorders,
    );
    let vase_id = vase["reorder_id"].as_str().unwrap_or_default().to_owned();
    let bowl_id = bowl["reorder_id"].as_str().unwrap_or_default().to_owned();
    env.check(
        ids(&json!(queued), "reorder_id") == [vase_id.clone()],
        "only the QUEUED one was published to the reorders queue",
        &queued,
    );
    let vase_message = queued[0].to_string();

    let req = env.req("admin-api/list-reorders.json").token(admin);
    let (status, body) = env.http("admin-api", "list-reorders", req).await;
    env.check(
        status == 200 && ids(&body["items"], "sku") == ["BOWL-SLATE"],
        "GET /reorders?status=PENDING_APPROVAL",
        (status, &body),
    );
    let req = env.req("admin-api/approve-reorder.json").token(admin);
    let req = req.path(&format!("/reorders/{bowl_id}/approve"));
    let (status, body) = env.http("admin-api", "approve-reorder", req).await;
    env.check(status == 200 && body["status"] == "QUEUED", "approve: QUEUED", (status, &body));
    let approved = env.receive_json("REORDERS_QUEUE_URL").await;
    env.check(
        ids(&json!(approved), "reorder_id") == [bowl_id.clone()],
        "approving published the reorder",
        &approved,
    );

    let fixture = env.fixture("reorder-mailer/reorder-queued.json");
    let answer = env.invoke("reorder-mailer", &fixture, "fixture-unknown-reorder").await;
    let fixture_id = fixture["Records"][0]["messageId"].as_str().unwrap_or_default();
    env.check(
        failures(&answer) == [fixture_id],
        "a ReorderQueued for an unknown reorder is reported (it goes to the DLQ)",
        &answer,
    );
    let mails_before = env.sent_mail().await.len();
    let bodies = [vase_message, approved[0].to_string()];
    let mailer = "reorder-mailer/reorder-queued.json";
    let answer = env.sqs_batch("reorder-mailer", mailer, "batch", &bodies).await;
    env.check(failures(&answer).is_empty(), "both reorders mailed", &answer);
    let mails = env.sent_mail().await.split_off(mails_before);
    let mut to: Vec<String> = mails
        .iter()
        .flat_map(|m| m["destinations"]["ToAddresses"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect();
    to.sort();
    env.check(
        to == ["orders@acme.example", "sales@budget.example"],
        "SES (moto) holds one mail to each supplier",
        &mails,
    );
    let sender = env.setting("SENDER_EMAIL");
    env.check(mails.iter().all(|m| m["source"] == sender), "sent from SENDER_EMAIL", &mails);
    let names_sku = |m: &Value| {
        let text = format!("{}{}", m["subject"].as_str().unwrap_or_default(), m["body"].as_str().unwrap_or_default());
        text.contains("VASE-TEAL")
    };
    env.check(mails.iter().any(names_sku), "the mail names the SKU", &mails);
    let answer = env.sqs_batch("reorder-mailer", mailer, "batch-again", &bodies).await;
    let mails_now = env.sent_mail().await.len();
    env.check(
        failures(&answer).is_empty() && mails_now == mails_before + 2,
        "a redelivered reorder is not mailed twice",
        (&answer, mails_now),
    );
    let req = env.req("admin-api/list-reorders.json").token(admin);
    let (_, body) = env
        .http("admin-api", "list-sent", req.query(&[("status", "SENT")]))
        .await;
    let mut sent = ids(&body["items"], "sku");
    sent.sort();
    env.check(sent == ["BOWL-SLATE", "VASE-TEAL"], "both reorders are SENT", &body);

    let receive = format!("/reorders/{vase_id}/receive");
    let req = env.req("admin-api/receive-reorder.json").token(admin);
    let (status, body) = env.http("admin-api", "receive-reorder", req.path(&receive)).await;
    env.check(status == 200 && body["status"] == "RECEIVED", "receive: RECEIVED", (status, &body));
    let vase = listing(env, alice, "VASE-TEAL", "get-after-receive").await;
    env.check(vase["available"] == 41, "receiving 40 took VASE-TEAL from 1 to 41", &vase);
    let req = env.req("admin-api/receive-reorder.json").token(admin);
    let (status, body) = env.http("admin-api", "receive-again", req.path(&receive)).await;
    let vase = listing(env, alice, "VASE-TEAL", "get-after-receive-again").await;
    env.check(
        status == 409 && vase["available"] == 41,
        "receiving the same reorder again is 409 and adds nothing",
        (status, &body, &vase),
    );

    let req = env.req("listings-api/put-listing.json").token(admin);
    let req = req
        .path("/listings/TRAY-JUTE")
        .body(listing_body("Jute tray", 0, 3, Some("budget")));
    let (status, body) = env.http("listings-api", "put-TRAY-JUTE", req).await;
    env.check(status == 201, "PUT /listings/TRAY-JUTE, out of stock, from the subpar supplier", (status, &body));
    let summary = env.invoke("stock-check", &scheduled, "again").await;
    env.check(
        summary["failed"] == 0 && summary["acted"] == 1,
        "the second stock check raises TRAY-JUTE's reorder only (BOWL-SLATE's is still open)",
        &summary,
    );
    let req = env.req("admin-api/list-reorders.json").token(admin);
    let (status, body) = env.http("admin-api", "list-tray", req).await;
    let items = body["items"].as_array().cloned().unwrap_or_default();
    let tray: Vec<_> = items.iter().filter(|r| r["sku"] == "TRAY-JUTE").collect();
    env.check(tray.len() == 1, "TRAY-JUTE's reorder waits for approval", (status, &body));
    let reject = format!("/reorders/{}/reject", tray[0]["reorder_id"].as_str().unwrap_or_default());
    let req = env.req("admin-api/reject-reorder.json").token(admin);
    let (status, body) = env.http("admin-api", "reject-reorder", req.path(&reject)).await;
    env.check(status == 200 && body["status"] == "REJECTED", "reject: REJECTED", (status, &body));
    let published = env.receive_all("REORDERS_QUEUE_URL").await;
    env.check(published.is_empty(), "a rejected reorder is never published", &published);
}

async fn recovery_forecast_and_metrics(env: &Env, alice: &str, admin: &str) {
    let req = env.req("orders-api/place-order.json").token(alice);
    let req = req
        .body(json!({"items": [{"sku": "NOTE-A5", "quantity": 1}]}))
        .header("idempotency-key", "invoke-all-third-order");
    let (status, third) = env.http("orders-api", "place-third", req).await;
    env.check(status == 201, "a third order, left PENDING", (status, &third));
    env.receive_all("ORDERS_QUEUE_URL").await; // as if the send had been lost
    let age: u64 = env.setting("ORDER_RECOVERY_AGE_SECONDS").parse().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(age * 1000 + 500)).await;
    let fixture = env.fixture("order-recovery/scheduled.json");
    let summary = env.invoke("order-recovery", &fixture, "scheduled").await;
    env.check(
        summary["job"] == "order-recovery" && summary["failed"] == 0 && summary["acted"] == 1,
        "order-recovery re-published one stale order",
        &summary,
    );
    let republished = env.receive_json("ORDERS_QUEUE_URL").await;
    env.check(
        ids(&json!(republished), "order_id") == [third["order_id"].as_str().unwrap_or_default()],
        "the third order's OrderPlaced is back",
        &republished,
    );

    let fixture = env.fixture("demand-forecast/scheduled.json");
    let summary = env.invoke("demand-forecast", &fixture, "scheduled").await;
    env.check(
        summary["job"] == "demand-forecast" && summary["failed"] == 0 && summary["examined"].as_u64() >= Some(1),
        "demand-forecast ran",
        &summary,
    );
    let req = env.req("admin-api/forecast.json").token(admin);
    let (status, body) = env.http("admin-api", "forecast", req).await;
    env.check(
        status == 200
            && body["sku"] == "MUG-BLUE"
            && body["daily"].as_array().map(|d| d.len() as u64) == body["horizon_days"].as_u64()
            && body["reorder_point"].as_f64().is_some_and(|r| r >= 0.0),
        "GET /forecasts/MUG-BLUE: the forecast the job wrote",
        (status, &body),
    );

    let req = env.req("admin-api/metrics.json").token(admin);
    let (status, body) = env.http("admin-api", "metrics", req).await;
    let counts = &body["status_counts"];
    env.check(
        status == 200
            && body["total_orders"] == 3
            && counts["COMPLETED"] == 1
            && counts["CANCELLED"] == 1
            && counts["PENDING"] == 1,
        "GET /metrics counts the three orders by status",
        (status, &body),
    );
    let req = env.req("admin-api/metrics.json").token(alice);
    let (status, body) = env.http("admin-api", "metrics-as-customer", req).await;
    env.check(status == 403, "metrics are for admins", (status, &body));
    let today = Utc::now().date_naive();
    let (from, to) = ((today - Duration::days(1)).to_string(), today.to_string());
    let req = env.req("admin-api/analytics.json").token(admin);
    let req = req.query(&[("from", &from), ("to", &to), ("granularity", "day")]);
    let (status, body) = env.http("admin-api", "analytics", req).await;
    env.check(
        status == 200 && body["totals"]["order_count"] == 3,
        "GET /analytics/orders: today's three orders",
        (status, &body),
    );
}
