//! Orders fulfilled by Amazon, over HTTP on the dev server in mcf mode,
//! talking to the local SP-API stand-in (the stub in front of Prism on
//! Amazon's models; `SPAPI_STUB_ENDPOINT`). On the store named by `STORE`,
//! like the rest of the suite.
//!
//! Each test names its own SKUs, so faults injected into the shared stub
//! (matched on a SKU in the request body, or on an order's own path) touch
//! only its own orders, and the requests Prism refused are checked to
//! include none of its own.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{Running, unique_sku};

const ORDERS: &str = "/fba/outbound/2020-07-01/fulfillmentOrders";

fn stub() -> String {
    match std::env::var("SPAPI_STUB_ENDPOINT") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "SPAPI_STUB_ENDPOINT is not set. These tests need the SP-API stand-in: run them through \
             `scripts/test`, or `scripts/servers start spapi` and `eval \"$(scripts/servers env spapi)\"`."
        ),
    }
}

async fn start() -> Running {
    let stub = stub();
    let lwa = format!("{stub}/auth/o2/token");
    let client = format!(
        "amzn1.application-oa2-client.devserver-{}",
        uuid::Uuid::new_v4().simple()
    );
    Running::start_with(&[
        ("FULFILLMENT_MODE", "mcf"),
        ("SPAPI_ENDPOINT", &stub),
        ("LWA_ENDPOINT", &lwa),
        ("LWA_CLIENT_ID", &client),
        ("LWA_CLIENT_SECRET", "dev-server-suite-secret"),
        ("LWA_REFRESH_TOKEN", "Atzr|dev-server-suite-refresh"),
        ("SPAPI_MARKETPLACE_ID", "ATVPDKIKX0DER"),
        ("SPAPI_SELLER_ID", "A2DEVSERVERSUITE"),
    ])
    .await
}

fn address() -> Value {
    json!({"name": "Ada Lovelace", "address_line1": "1 Analytical Way", "city": "Seattle",
           "state_or_region": "WA", "postal_code": "98101", "country_code": "US",
           "phone": "+1 206 555 0100"})
}

/// The stub's hooks and the test's own view of the server.
struct Mcf {
    server: Running,
    hooks: reqwest::Client,
    stub: String,
    /// What this test's requests contain (its SKUs), to pick out its own
    /// Prism refusals.
    own: Vec<String>,
}

impl Mcf {
    async fn new(skus: &[(&str, i64)]) -> (Mcf, Vec<String>) {
        let server = start().await;
        let mut names = Vec::new();
        for (prefix, available) in skus {
            let sku = unique_sku(prefix);
            server.put_listing(&sku, *available).await;
            names.push(sku);
        }
        let mcf = Mcf {
            server,
            hooks: reqwest::Client::new(),
            stub: stub(),
            own: names.clone(),
        };
        (mcf, names)
    }

    async fn hook(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .hooks
            .request(method, format!("{}/_stub/{path}", self.stub));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply = request.send().await.unwrap();
        reply.json().await.unwrap_or(Value::Null)
    }

    async fn fault(&self, fault: Value) {
        self.hook(reqwest::Method::POST, "faults", Some(fault))
            .await;
    }

    /// Amazon's record of a fulfilment order (`null` when it has none).
    async fn at_amazon(&self, id: &str) -> Value {
        let reply = self
            .hooks
            .get(format!("{}/_stub/orders/{id}", self.stub))
            .send()
            .await
            .unwrap();
        if reply.status() == 404 {
            return Value::Null;
        }
        reply.json().await.unwrap()
    }

    async fn place(&self, token: &str, body: &Value) -> (u16, Value) {
        let reply = self
            .server
            .post_order(token, body)
            .header("idempotency-key", uuid::Uuid::new_v4().to_string())
            .send()
            .await
            .unwrap();
        let status = reply.status().as_u16();
        (status, reply.json().await.unwrap_or(Value::Null))
    }

    async fn placed(&self, token: &str, sku: &str, quantity: u32) -> String {
        let body =
            json!({"items": [{"sku": sku, "quantity": quantity}], "shipping_address": address()});
        let (status, order) = self.place(token, &body).await;
        assert_eq!(status, 201, "{order}");
        order["order_id"].as_str().unwrap().to_owned()
    }

    async fn post(&self, token: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .server
            .client
            .post(self.server.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply = request.send().await.unwrap();
        let status = reply.status().as_u16();
        (status, reply.json().await.unwrap_or(Value::Null))
    }

    async fn order(&self, id: &str) -> Value {
        self.server
            .get_json(&format!("/orders/{id}"), &self.server.admin_token)
            .await
    }

    /// Polls the order until `done` holds (at most ~15 s).
    async fn eventually(&self, id: &str, done: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..300 {
            let order = self.order(id).await;
            if done(&order) {
                return order;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("order {id} never got there: {}", self.order(id).await);
    }

    async fn submitted(&self, id: &str) -> Value {
        self.eventually(id, |o| o["fulfillment_submitted_at"].is_string())
            .await
    }

    /// No request of this test was refused by Prism: every one validated
    /// against Amazon's model.
    async fn none_refused(&self) {
        let refused = self.hook(reqwest::Method::GET, "refused", None).await;
        let own: Vec<&Value> = refused["last"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| {
                let text = r.to_string();
                self.own.iter().any(|name| text.contains(name.as_str()))
            })
            .collect();
        assert!(own.is_empty(), "Prism refused: {own:?}");
    }

    async fn stop(self) {
        self.none_refused().await;
        self.server.stop().await;
    }
}

fn fulfillment_status(id: &str, status: &str) -> String {
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    json!({
        "NotificationVersion": "1.0", "NotificationType": "FULFILLMENT_ORDER_STATUS",
        "PayloadVersion": "1.0", "EventTime": at,
        "Payload": {"FulfillmentOrderStatusNotification": {"SellerId": "A2DEVSERVERSUITE",
            "EventType": "Order", "SellerFulfillmentOrderId": id, "FulfillmentOrderStatus": status}},
        "NotificationMetadata": {"ApplicationId": "app", "SubscriptionId": "sub",
            "PublishTime": at, "NotificationId": uuid::Uuid::new_v4().to_string()}
    })
    .to_string()
}

async fn dev_post(server: &Running, path: &str, body: String) -> u16 {
    server
        .client
        .post(server.url(path))
        .bearer_auth(&server.admin_token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

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
