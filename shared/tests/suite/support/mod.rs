//! Shared helpers for the handler tests: an app on the memory store, tokens,
//! and API Gateway events from `events/` with their placeholders filled in.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

#[cfg(feature = "dynamodb")]
pub mod dynamo;
#[cfg(feature = "assistant")]
pub mod scripted_model;

/// A server's endpoint from `var`, or a loud failure that says how to get
/// one (the tests never pass silently without their server).
pub fn endpoint(var: &str, server: &str) -> String {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "{var} is not set. These tests need the {server} server: run them through `scripts/test`, \
             or start it with `scripts/servers start {server}` and `eval \"$(scripts/servers env {server})\"`."
        ),
    }
}

use std::sync::Arc;

use chrono::Utc;
use serde_json::Value;
use stockroom::app::App;
use stockroom::auth::{Principal, TokenKeys};
use stockroom::config::{AuthConfig, Secret, Settings};
use stockroom::domain::{CustomerId, ListingDraft, ListingStatus, Price, Role, Sku, Stock, Title};
use stockroom::http::{ALL_GROUPS, RouteGroup};
use stockroom::ports::Store;
use stockroom::store::MemoryStore;

pub const SECRET: &str = "handler-tests-secret-0123456789abcdef";

pub fn keys() -> TokenKeys {
    TokenKeys::new(&AuthConfig {
        token_secret: Secret::new(SECRET),
        token_ttl: std::time::Duration::from_secs(600),
    })
}

pub fn app() -> App {
    App::new(
        Arc::new(MemoryStore::new()) as Arc<dyn Store>,
        keys(),
        Settings::default(),
    )
}

pub fn token(app: &App, role: Role) -> (String, CustomerId) {
    let id = CustomerId::generate();
    let token = app
        .token_keys()
        .unwrap()
        .issue(
            Principal {
                customer_id: id,
                role,
            },
            Utc::now(),
        )
        .unwrap();
    (token, id)
}

pub async fn listing(app: &App, sku: &str, available: i64) {
    let draft = ListingDraft {
        sku: Sku::parse(sku).unwrap(),
        title: Title::parse(&format!("Item {sku}")).unwrap(),
        price: Price::parse("12.50").unwrap(),
        currency: app.settings.currency,
        available: Some(Stock::new(available).unwrap()),
        status: Some(ListingStatus::Active),
        supplier_id: None,
        reorder_point: 2,
        reorder_quantity: 10,
        lead_time_days: 7,
        auto_reorder_point: false,
        amazon_mfn: None,
    };
    app.store.put_listing(&draft, Utc::now()).await.unwrap();
}

pub async fn stock(app: &App, sku: &str) -> i64 {
    app.store
        .get_listing(&Sku::parse(sku).unwrap())
        .await
        .unwrap()
        .unwrap()
        .available
        .get()
}

/// An event fixture with the bearer token set (or the header removed).
pub fn event(fixture: &str, token: Option<&str>) -> Value {
    let mut event: Value = serde_json::from_str(fixture).unwrap();
    let headers = event["headers"].as_object_mut().unwrap();
    match token {
        Some(t) => {
            headers.insert("authorization".into(), Value::String(format!("Bearer {t}")));
        }
        None => {
            headers.remove("authorization");
        }
    }
    event
}

pub fn with_body(mut event: Value, body: &str) -> Value {
    event["body"] = Value::String(body.to_owned());
    event["headers"]["content-length"] = Value::String(body.len().to_string());
    event
}

pub fn with_path(mut event: Value, path: &str) -> Value {
    event["rawPath"] = Value::String(path.to_owned());
    event["requestContext"]["http"]["path"] = Value::String(path.to_owned());
    event
}

pub fn with_query(mut event: Value, query: &str) -> Value {
    event["rawQueryString"] = Value::String(query.to_owned());
    event
}

pub fn with_header(mut event: Value, name: &str, value: &str) -> Value {
    event["headers"][name] = Value::String(value.to_owned());
    event
}

pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Value,
}

/// Calls the handler of `groups` as the Lambda runtime would.
pub async fn call_groups(app: &App, groups: &[RouteGroup], event: &Value) -> Reply {
    let request = lambda_http::request::from_str(&event.to_string()).unwrap();
    let response = stockroom::http::handle(app, groups, request).await;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.body().as_ref().to_vec();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
    };
    Reply {
        status,
        headers,
        body,
    }
}

pub async fn call(app: &App, event: &Value) -> Reply {
    call_groups(app, ALL_GROUPS, event).await
}

/// Asserts the contract's error shape and returns the code.
pub fn error_code(reply: &Reply) -> String {
    let error = &reply.body["error"];
    assert!(error.is_object(), "error body expected, got {}", reply.body);
    assert!(
        error["message"].is_string(),
        "error message expected: {}",
        reply.body
    );
    error["code"].as_str().unwrap().to_owned()
}

/// A publisher that keeps what it is given, for tests that drive the
/// consumers by hand.
#[derive(Debug, Default)]
pub struct Recorder {
    pub sent: std::sync::Mutex<Vec<(stockroom::ports::QueueName, String)>>,
}

impl Recorder {
    pub fn take(&self, queue: stockroom::ports::QueueName) -> Vec<String> {
        let mut sent = self.sent.lock().unwrap();
        let (mine, rest): (Vec<_>, Vec<_>) = sent.drain(..).partition(|(q, _)| *q == queue);
        *sent = rest;
        mine.into_iter().map(|(_, b)| b).collect()
    }
}

#[async_trait::async_trait]
impl stockroom::ports::Publisher for Recorder {
    async fn publish(
        &self,
        queue: stockroom::ports::PublishQueue,
        bodies: &[String],
    ) -> Result<(), stockroom::ports::PublishError> {
        let mut sent = self.sent.lock().unwrap();
        sent.extend(bodies.iter().map(|b| (queue.into(), b.clone())));
        Ok(())
    }
}

/// An SQS event with these bodies (ids `m0`, `m1`, ...).
pub fn sqs_event(bodies: &[String]) -> aws_lambda_events::event::sqs::SqsEvent {
    let mut event = aws_lambda_events::event::sqs::SqsEvent::default();
    event.records = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let mut r = aws_lambda_events::event::sqs::SqsMessage::default();
            r.message_id = Some(format!("m{i}"));
            r.body = Some(b.clone());
            r
        })
        .collect();
    event
}
