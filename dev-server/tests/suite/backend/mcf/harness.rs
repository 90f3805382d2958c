//! The harness of the MCF tests: a dev server in mcf mode wired to the
//! SP-API stand-in, the stand-in's test hooks, and polling helpers.

use serde_json::{Value, json};

use crate::common::{Running, unique_sku};

pub const ORDERS: &str = "/fba/outbound/2020-07-01/fulfillmentOrders";

pub fn stub() -> String {
    match std::env::var("SPAPI_STUB_ENDPOINT") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "SPAPI_STUB_ENDPOINT is not set. These tests need the SP-API stand-in: run them through \
             `scripts/test`, or `scripts/servers start spapi` and `eval \"$(scripts/servers env spapi)\"`."
        ),
    }
}

pub async fn start() -> Running {
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

pub fn address() -> Value {
    json!({"name": "Ada Lovelace", "address_line1": "1 Analytical Way", "city": "Seattle",
           "state_or_region": "WA", "postal_code": "98101", "country_code": "US",
           "phone": "+1 206 555 0100"})
}

/// The stub's hooks and the test's own view of the server.
pub struct Mcf {
    pub server: Running,
    hooks: reqwest::Client,
    stub: String,
    /// What this test's requests contain (its SKUs), to pick out its own
    /// Prism refusals.
    own: Vec<String>,
}

impl Mcf {
    pub async fn new(skus: &[(&str, i64)]) -> (Mcf, Vec<String>) {
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

    pub async fn hook(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .hooks
            .request(method, format!("{}/_stub/{path}", self.stub));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply = request.send().await.unwrap();
        reply.json().await.unwrap_or(Value::Null)
    }

    pub async fn fault(&self, fault: Value) {
        self.hook(reqwest::Method::POST, "faults", Some(fault))
            .await;
    }

    /// Amazon's record of a fulfilment order (`null` when it has none).
    pub async fn at_amazon(&self, id: &str) -> Value {
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

    pub async fn place(&self, token: &str, body: &Value) -> (u16, Value) {
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

    pub async fn placed(&self, token: &str, sku: &str, quantity: u32) -> String {
        let body =
            json!({"items": [{"sku": sku, "quantity": quantity}], "shipping_address": address()});
        let (status, order) = self.place(token, &body).await;
        assert_eq!(status, 201, "{order}");
        order["order_id"].as_str().unwrap().to_owned()
    }

    pub async fn post(&self, token: &str, path: &str, body: Option<Value>) -> (u16, Value) {
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

    pub async fn order(&self, id: &str) -> Value {
        self.server
            .get_json(&format!("/orders/{id}"), &self.server.admin_token)
            .await
    }

    /// Polls the order until `done` holds (at most 15 s).
    pub async fn eventually(&self, id: &str, done: impl Fn(&Value) -> bool) -> Value {
        self.server.eventually(&format!("/orders/{id}"), done).await
    }

    pub async fn submitted(&self, id: &str) -> Value {
        self.eventually(id, |o| o["fulfillment_submitted_at"].is_string())
            .await
    }

    /// No request of this test was refused by Prism: every one validated
    /// against Amazon's model.
    pub async fn none_refused(&self) {
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

    pub async fn stop(self) {
        self.none_refused().await;
        self.server.stop().await;
    }
}

pub fn fulfillment_status(id: &str, status: &str) -> String {
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

pub async fn dev_post(server: &Running, path: &str, body: String) -> u16 {
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
