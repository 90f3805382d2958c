//! The SP-API adapter (`stockroom::amazon`) over real HTTP against the
//! local stand-in: the stub (`tools/spapi-stub`) forwarding every request
//! to Prism on Amazon's models. Needs `SPAPI_STUB_ENDPOINT`
//! (`scripts/servers start spapi` and `eval "$(scripts/servers env spapi)"`).
//!
//! The tests share one stub and keep apart by what they name: each has its
//! own LWA client id, order ids and SKUs. A request Prism refuses is
//! answered 400 (so the call fails) and listed under `/_stub/refused`;
//! every test checks that none of its own requests is listed there.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::{Value, json};
use stockroom::amazon::{Options, SpApi};
use stockroom::config::{AmazonConfig, Secret};
use stockroom::domain::{
    AddressFields, Currency, OrderId, Price, ShippingAddress, ShippingSpeed, Sku,
};
use stockroom::ports::{
    Amazon, AmazonError, CancelOutcome, FulfillmentItem, FulfillmentOrderRequest, ListingPatch,
    PreviewRequest,
};
use stockroom::retry::RetryPolicy;

use crate::support;

const ORDERS: &str = "/fba/outbound/2020-07-01/fulfillmentOrders";
const CLIENT_SECRET: &str = "test-client-secret-must-not-leak";
const REFRESH_TOKEN: &str = "Atzr|test-refresh-token-must-not-leak";

fn stub() -> String {
    support::endpoint("SPAPI_STUB_ENDPOINT", "spapi")
}

/// Fast retries, so that "429 forever" is over in well under a second.
fn options() -> Options {
    Options {
        attempt_timeout: Duration::from_secs(3),
        retry: RetryPolicy::attempts(4, Duration::from_millis(10), Duration::from_millis(40)),
    }
}

struct Harness {
    amazon: SpApi,
    client_id: String,
    hooks: reqwest::Client,
    stub: String,
}

impl Harness {
    fn new(name: &str) -> Self {
        Self::with_options(name, options())
    }

    fn with_options(name: &str, options: Options) -> Self {
        let stub = stub();
        let client_id = format!(
            "amzn1.application-oa2-client.{name}-{}",
            OrderId::generate()
        );
        let config = AmazonConfig {
            endpoint: stub.clone(),
            lwa_endpoint: format!("{stub}/auth/o2/token"),
            client_id: client_id.clone(),
            client_secret: Secret::new(CLIENT_SECRET),
            refresh_token: Secret::new(REFRESH_TOKEN),
            marketplace_id: "ATVPDKIKX0DER".into(),
            seller_id: "A2TESTSELLER".into(),
        };
        Harness {
            amazon: SpApi::new(&config, options).unwrap(),
            client_id,
            hooks: reqwest::Client::new(),
            stub,
        }
    }

    async fn get(&self, hook: &str) -> (u16, Value) {
        let r = self
            .hooks
            .get(format!("{}/_stub/{hook}", self.stub))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, hook: &str, body: Value) -> Value {
        let r = self
            .hooks
            .post(format!("{}/_stub/{hook}", self.stub))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "hook {hook}: {}", r.status());
        r.json().await.unwrap()
    }

    async fn fault(&self, fault: Value) {
        self.post("faults", fault).await;
    }

    async fn exchanges(&self) -> u64 {
        let (_, tokens) = self.get("tokens").await;
        tokens["by_client"][&self.client_id].as_u64().unwrap_or(0)
    }

    /// None of the requests naming `marks` (in the path or the body) was
    /// refused by Prism.
    async fn assert_none_refused(&self, marks: &[&str]) {
        let (_, refused) = self.get("refused").await;
        for refusal in refused["last"].as_array().into_iter().flatten() {
            let path = refusal["path"].as_str().unwrap_or("");
            let body = refusal["body"].as_str().unwrap_or("");
            for mark in marks {
                assert!(
                    !path.contains(mark) && !body.contains(mark),
                    "Prism refused our request: {refusal}"
                );
            }
        }
    }
}

fn address() -> ShippingAddress {
    ShippingAddress::parse(AddressFields {
        name: Some("Ada Lovelace"),
        address_line1: Some("1 Analytical Way"),
        city: Some("Seattle"),
        state_or_region: Some("WA"),
        postal_code: Some("98101"),
        country_code: Some("US"),
        phone: Some("+1 206 555 0100"),
        ..AddressFields::default()
    })
    .unwrap()
}

fn order(order_id: OrderId) -> FulfillmentOrderRequest {
    FulfillmentOrderRequest {
        order_id,
        placed_at: Utc::now(),
        shipping_speed: ShippingSpeed::Standard,
        address: address(),
        items: vec![
            FulfillmentItem {
                item_id: "1".into(),
                sku: Sku::parse("SPAPI-WIDGET").unwrap(),
                quantity: 2,
            },
            FulfillmentItem {
                item_id: "2".into(),
                sku: Sku::parse("SPAPI-GADGET").unwrap(),
                quantity: 1,
            },
        ],
    }
}

#[tokio::test]
async fn one_token_exchange_serves_many_calls() {
    let h = Harness::new("many");
    let id = OrderId::generate();
    h.amazon.create_fulfillment_order(&order(id)).await.unwrap();
    for _ in 0..10 {
        let state = h.amazon.get_fulfillment_order(id).await.unwrap().unwrap();
        assert_eq!(state.status, "RECEIVED");
    }
    assert_eq!(h.exchanges().await, 1);
    assert_eq!(h.amazon.tokens().exchanges(), 1);
    let (_, stored) = h.get(&format!("orders/{id}")).await;
    assert_eq!(stored["create_calls"], 1);
    let request = &stored["request"];
    assert_eq!(request["sellerFulfillmentOrderId"], id.to_string());
    assert_eq!(request["displayableOrderId"], id.to_string());
    assert_eq!(request["marketplaceId"], "ATVPDKIKX0DER");
    assert_eq!(
        request["destinationAddress"]["addressLine1"],
        "1 Analytical Way"
    );
    assert_eq!(request["items"][0]["sellerFulfillmentOrderItemId"], "1");
    assert!(
        request["displayableOrderComment"]
            .as_str()
            .is_some_and(|c| !c.is_empty())
    );
    h.assert_none_refused(&[&id.to_string()]).await;
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_under_fifty_concurrent_calls() {
    let h = Harness::new("expiry");
    h.post("tokens", json!({"client_id": h.client_id, "expires_in": 2}))
        .await;
    let id = OrderId::generate();
    assert!(h.amazon.get_fulfillment_order(id).await.unwrap().is_none());
    assert_eq!(h.exchanges().await, 1);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let amazon = Arc::new(h.amazon.clone());
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let amazon = Arc::clone(&amazon);
            tokio::spawn(async move { amazon.get_fulfillment_order(OrderId::generate()).await })
        })
        .collect();
    for call in calls {
        assert!(call.await.unwrap().unwrap().is_none());
    }
    assert_eq!(h.exchanges().await, 2, "one refresh for fifty callers");
    assert_eq!(h.amazon.tokens().exchanges(), 2);
}

#[tokio::test]
async fn a_throttled_call_is_retried_until_it_passes() {
    let h = Harness::new("throttle-once");
    let id = OrderId::generate();
    h.fault(
        json!({"path": ORDERS, "method": "POST", "body_contains": id.to_string(),
                   "status": 429, "count": 2, "rate_limit": "50"}),
    )
    .await;
    h.amazon.create_fulfillment_order(&order(id)).await.unwrap();
    let (_, stored) = h.get(&format!("orders/{id}")).await;
    assert_eq!(stored["create_calls"], 1, "exactly one order created");
    h.assert_none_refused(&[&id.to_string()]).await;
}

#[tokio::test]
async fn throttling_that_never_ends_is_throttled() {
    let h = Harness::new("throttle-forever");
    let id = OrderId::generate();
    h.fault(json!({"path": format!("{ORDERS}/{id}"), "status": 429, "count": 100}))
        .await;
    let err = h.amazon.get_fulfillment_order(id).await.unwrap_err();
    match err {
        AmazonError::Throttled { request_id } => {
            assert!(request_id.is_some_and(|r| r.starts_with("stub-")));
        }
        other => panic!("expected Throttled, got {other:?}"),
    }
}

#[tokio::test]
async fn server_errors_timeouts_and_garbage_are_unavailable() {
    let h = Harness::with_options(
        "unavailable",
        Options {
            attempt_timeout: Duration::from_millis(300),
            ..options()
        },
    );
    let failing = OrderId::generate();
    h.fault(json!({"path": format!("{ORDERS}/{failing}"), "status": 500, "count": 100}))
        .await;
    let err = h.amazon.get_fulfillment_order(failing).await.unwrap_err();
    assert!(
        matches!(
            &err,
            AmazonError::Unavailable {
                request_id: Some(_),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_transient());

    let slow = OrderId::generate();
    h.fault(json!({"path": format!("{ORDERS}/{slow}"), "kind": "delay", "delay_ms": 2000, "count": 100}))
        .await;
    let started = Instant::now();
    let err = h.amazon.get_fulfillment_order(slow).await.unwrap_err();
    assert!(
        matches!(
            err,
            AmazonError::Unavailable {
                request_id: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    let garbled = OrderId::generate();
    h.fault(json!({"path": format!("{ORDERS}/{garbled}"), "kind": "garbage", "count": 1}))
        .await;
    let err = h.amazon.get_fulfillment_order(garbled).await.unwrap_err();
    assert!(matches!(err, AmazonError::Unavailable { .. }), "{err:?}");
}

#[tokio::test]
async fn a_refusal_carries_amazons_code_and_message() {
    let h = Harness::new("refused");
    let id = OrderId::generate();
    h.fault(
        json!({"path": ORDERS, "method": "POST", "body_contains": id.to_string(),
                   "status": 400, "code": "InvalidInput", "message": "Invalid seller SKU"}),
    )
    .await;
    match h
        .amazon
        .create_fulfillment_order(&order(id))
        .await
        .unwrap_err()
    {
        AmazonError::Refused {
            status,
            code,
            message,
            request_id,
        } => {
            assert_eq!(
                (status, code.as_str(), message.as_str()),
                (400, "InvalidInput", "Invalid seller SKU")
            );
            assert!(request_id.is_some());
        }
        other => panic!("expected Refused, got {other:?}"),
    }
    // The real thing: a second create of the same order is refused.
    h.amazon.create_fulfillment_order(&order(id)).await.unwrap();
    let err = h
        .amazon
        .create_fulfillment_order(&order(id))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AmazonError::Refused { status: 400, message, .. } if message.contains("already exists")),
        "{err:?}"
    );
    assert!(!err.is_transient());
}

#[tokio::test]
async fn cancel_is_accepted_until_the_order_ships() {
    let h = Harness::new("cancel");
    let open = OrderId::generate();
    h.amazon
        .create_fulfillment_order(&order(open))
        .await
        .unwrap();
    assert_eq!(
        h.amazon.cancel_fulfillment_order(open).await.unwrap(),
        CancelOutcome::Cancelled
    );
    let state = h.amazon.get_fulfillment_order(open).await.unwrap().unwrap();
    assert_eq!(state.status, "CANCELLED");

    let shipped = OrderId::generate();
    h.amazon
        .create_fulfillment_order(&order(shipped))
        .await
        .unwrap();
    h.post(
        &format!("orders/{shipped}/status"),
        json!({"status": "COMPLETE"}),
    )
    .await;
    match h.amazon.cancel_fulfillment_order(shipped).await.unwrap() {
        CancelOutcome::Refused { reason } => {
            assert!(reason.contains("cannot be cancelled"), "{reason}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let state = h
        .amazon
        .get_fulfillment_order(shipped)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(state.status, "COMPLETE");
    assert!(
        h.amazon
            .get_fulfillment_order(OrderId::generate())
            .await
            .unwrap()
            .is_none()
    );
    h.assert_none_refused(&[&open.to_string(), &shipped.to_string()])
        .await;
}

#[tokio::test]
async fn a_preview_quotes_the_requested_speeds() {
    let h = Harness::new("preview");
    let request = PreviewRequest {
        address: address(),
        items: vec![(Sku::parse("SPAPI-PREVIEW").unwrap(), 3)],
        speeds: vec![ShippingSpeed::Standard, ShippingSpeed::Priority],
    };
    let options = h.amazon.fulfillment_preview(&request).await.unwrap();
    let speeds: Vec<ShippingSpeed> = options.iter().map(|o| o.shipping_speed).collect();
    assert_eq!(speeds, [ShippingSpeed::Standard, ShippingSpeed::Priority]);
    for option in &options {
        assert!(option.fulfillable);
        assert!(option.earliest_arrival.unwrap() <= option.latest_arrival.unwrap());
        assert_eq!(option.total_fee.as_ref().unwrap().currency.as_str(), "USD");
    }
    h.post("unfulfillable", json!({"sku": "SPAPI-NONE"})).await;
    let options = h
        .amazon
        .fulfillment_preview(&PreviewRequest {
            items: vec![(Sku::parse("SPAPI-NONE").unwrap(), 1)],
            speeds: vec![],
            ..request
        })
        .await
        .unwrap();
    assert_eq!(options.len(), 3);
    assert!(
        options
            .iter()
            .all(|o| !o.fulfillable && o.total_fee.is_none())
    );
}

#[tokio::test]
async fn a_listing_patch_sends_quantity_and_price() {
    let h = Harness::new("patch");
    let sku = format!("SPAPI-MFN-{}", &OrderId::generate().to_string()[..8]);
    let patch = ListingPatch {
        sku: Sku::parse(&sku).unwrap(),
        quantity: 17,
        price: Some((Price::parse("12.50").unwrap(), Currency::USD)),
    };
    h.amazon.patch_listing(&patch).await.unwrap();
    h.amazon
        .patch_listing(&ListingPatch {
            quantity: 16,
            price: None,
            ..patch
        })
        .await
        .unwrap();
    let (status, stored) = h.get(&format!("patches/{sku}")).await;
    assert_eq!(status, 200);
    assert_eq!(stored["count"], 2);
    assert_eq!(stored["quantity"], 16);
    assert_eq!(stored["seller_id"], "A2TESTSELLER");
    assert_eq!(stored["last"]["productType"], "PRODUCT");
    h.assert_none_refused(&[&sku]).await;
}

#[tokio::test]
async fn a_request_prism_refuses_fails_and_is_counted() {
    let h = Harness::new("prism");
    let marker = format!("bad-{}", OrderId::generate());
    // No destination, no items, no comment: not a CreateFulfillmentOrderRequest.
    let r = h
        .hooks
        .put(format!("{}{ORDERS}/{marker}/cancel?unexpected=1", h.stub))
        .send()
        .await
        .unwrap();
    assert_ne!(r.status().as_u16(), 400, "a valid cancel passes Prism");
    let r = h
        .hooks
        .post(format!("{}{ORDERS}", h.stub))
        .json(&json!({"sellerFulfillmentOrderId": marker}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let body: Value = r.json().await.unwrap();
    let message = body["errors"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains("destinationAddress"), "{body}");
    let r = h
        .hooks
        .patch(format!(
            "{}/listings/2021-08-01/items/A2TESTSELLER/{marker}",
            h.stub
        ))
        .json(&json!({"productType": "PRODUCT", "patches": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400, "marketplaceIds is required");
    let (_, refused) = h.get("refused").await;
    let ours = refused["last"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["path"].as_str().unwrap_or("").contains(&marker)
                || r["body"].as_str().unwrap_or("").contains(&marker)
        })
        .count();
    assert_eq!(ours, 2, "{refused}");
    assert!(refused["count"].as_u64().unwrap() >= 2);
}

/// Collects everything logged while it is the default subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn secrets_never_reach_the_log() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let h = Harness::new("secrets");
    let id = OrderId::generate();
    h.amazon.create_fulfillment_order(&order(id)).await.unwrap();
    let token = h.amazon.tokens().token().await.unwrap();
    h.fault(json!({"path": format!("{ORDERS}/{id}"), "status": 503, "count": 100}))
        .await;
    let err = h.amazon.get_fulfillment_order(id).await.unwrap_err();
    let request_id = match &err {
        AmazonError::Unavailable {
            request_id: Some(r),
            ..
        } => r.clone(),
        other => panic!("{other:?}"),
    };
    // A refused token exchange is logged too.
    let refused = Harness::new("secrets-lwa");
    refused
        .fault(json!({"path": "/auth/o2/token", "body_contains": refused.client_id, "status": 400}))
        .await;
    assert!(refused.amazon.get_fulfillment_order(id).await.is_err());

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains(&request_id),
        "the failure is logged with its request id:\n{log}"
    );
    assert!(log.contains("LWA token exchange failed"), "{log}");
    for secret in [CLIENT_SECRET, REFRESH_TOKEN, token.expose()] {
        assert!(
            !log.contains(secret),
            "{secret} leaked into the log:\n{log}"
        );
    }
    let shown = format!("{:?} {err:?}", h.amazon);
    for secret in [CLIENT_SECRET, REFRESH_TOKEN, token.expose()] {
        assert!(!shown.contains(secret), "{secret} in Debug output: {shown}");
    }
}
