//! The crash test's surroundings: a store of its own on the backend under
//! test, the orders and reorders queues on moto's SQS (short visibility
//! timeout, dead-letter queue after five receives, as deployed), the app
//! the API runs, and requests to the real HTTP handlers as API Gateway
//! would deliver them.

use std::net::SocketAddr;
use std::sync::Arc;

use std::time::Duration;

use aws_sdk_sqs::config::timeout::TimeoutConfig;
use aws_sdk_sqs::types::QueueAttributeName;
use chrono::Utc;
use serde_json::Value;
use stockroom::app::App;
use stockroom::auth::Principal;
use stockroom::config::Config;
use stockroom::domain::{CustomerId, Role};
use stockroom::http::ALL_GROUPS;
use stockroom::ports::PublishQueue;
use stockroom::queue::QueueUrls;
use stockroom::queue::sqs::{self, SqsPublisher};
use stockroom::wiring::{build_local_app, ensure_store_ready};
use stockroom_dev_server::gateway;

/// Seconds a received message stays hidden: what a killed worker's batch
/// waits before it is delivered again.
pub const VISIBILITY_SECONDS: u32 = 8;
/// Receives before a message is dead-lettered (the template's default).
pub const MAX_RECEIVES: u32 = 5;
/// PENDING orders older than this are re-published by order recovery:
/// long enough that orders merely waiting in a busy queue are left alone
/// (as the deployed five minutes are), short enough for a test.
pub const RECOVERY_AGE_SECONDS: u32 = 15;
/// PROCESSING orders older than this are re-published by order recovery:
/// longer than the queue's own redelivery ([`MAX_RECEIVES`] times
/// [`VISIBILITY_SECONDS`]), as the deployed default is.
pub const PROCESSING_RECOVERY_AGE_SECONDS: u32 = MAX_RECEIVES * VISIBILITY_SECONDS + 5;

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    DynamoDb,
    MongoDb,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::DynamoDb => "dynamodb",
            Backend::MongoDb => "mongodb",
        }
    }

    /// The store settings of a fresh table or database named after `run`.
    /// The endpoint must be set: without its server the test fails loudly.
    fn store_settings(self, run: &str) -> Vec<(&'static str, String)> {
        match self {
            Backend::DynamoDb => {
                endpoint("AWS_ENDPOINT_URL_DYNAMODB", "dynamodb");
                vec![
                    ("STORE", "dynamodb".into()),
                    ("TABLE_NAME", format!("crash-{run}")),
                    // Single-threaded moto serves one call at a time.
                    ("STORE_TIMEOUT_SECONDS", "60".into()),
                ]
            }
            Backend::MongoDb => vec![
                ("STORE", "mongodb".into()),
                ("MONGODB_URI", endpoint("MONGODB_URI", "mongo")),
                ("MONGODB_DATABASE", format!("crash_{run}")),
                // A worker killed inside a transaction leaves it open on the
                // server until its 60-second lifetime ends (MongoDB's
                // `transactionLifetimeLimitSeconds`; SecantusDB does the
                // same), and every write to the documents it holds waits
                // for it: the store retries the write conflict for up to
                // three times this timeout. With 20 s, that budget ran out
                // (a cancel answered 503) before the transaction did.
                ("STORE_TIMEOUT_SECONDS", "90".into()),
            ],
        }
    }
}

fn endpoint(var: &str, server: &str) -> String {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "{var} is not set. The crash test needs the {server} and aws servers: run it through \
             `scripts/test`, or start them with `scripts/servers start {server} aws` and \
             `eval \"$(scripts/servers env)\"`."
        ),
    }
}

/// Everything the scenario drives.
pub struct Setup {
    /// The API's app: publishes OrderPlaced to the orders queue.
    pub app: App,
    /// The same store with no queue: every send is lost, as when SQS
    /// refuses a publish after the order is stored.
    pub lossy: App,
    pub sqs: aws_sdk_sqs::Client,
    pub orders_url: String,
    pub orders_dlq_url: String,
    /// Settings of the order processor, for its worker processes.
    pub worker_env: Vec<(String, String)>,
    pub admin: String,
}

pub async fn setup(backend: Backend) -> Setup {
    endpoint("AWS_ENDPOINT_URL_SQS", "aws");
    let run = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
    let sdk = stockroom::aws::load().await;
    // The test's own calls (setup, duplicates, queue depth) wait longer
    // than the app's client: a slow stand-in must not fail the test, while
    // the app's sends that time out are exactly the lost sends it covers.
    let sqs = aws_sdk_sqs::Client::from_conf(
        sqs::configure(aws_sdk_sqs::config::Builder::from(&sdk))
            .timeout_config(
                TimeoutConfig::builder()
                    .operation_attempt_timeout(Duration::from_secs(20))
                    .operation_timeout(Duration::from_secs(60))
                    .build(),
            )
            .build(),
    );
    let app_sqs = sqs::client(&sdk);
    let orders_url = queue(&sqs, &format!("crash-orders-{run}")).await;
    let orders_dlq_url = format!("{orders_url}-dlq");
    let reorders_url = queue(&sqs, &format!("crash-reorders-{run}")).await;
    // The processor schedules pushes of `amazon_mfn` listings; the test's
    // listings are not, so this queue stays empty, but it must exist.
    let amazon_sync_url = queue(&sqs, &format!("crash-amazon-sync-{run}")).await;

    let mut settings = backend.store_settings(&run);
    settings.extend([
        ("ORDERS_QUEUE_URL", orders_url.clone()),
        ("REORDERS_QUEUE_URL", reorders_url.clone()),
        ("AMAZON_SYNC_QUEUE_URL", amazon_sync_url.clone()),
        (
            "ORDER_RECOVERY_AGE_SECONDS",
            RECOVERY_AGE_SECONDS.to_string(),
        ),
        (
            "ORDER_PROCESSING_RECOVERY_AGE_SECONDS",
            PROCESSING_RECOVERY_AGE_SECONDS.to_string(),
        ),
        ("LOG_FORMAT", "text".into()),
    ]);
    let secret = format!("crash-test-secret-{}", uuid::Uuid::new_v4().simple());
    let lookup = |name: &str| {
        if name == "TOKEN_SECRET" {
            return Some(secret.clone());
        }
        settings
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    };
    let config = Config::from_lookup(lookup).expect("crash test config");
    ensure_store_ready(&config).await.expect("store ready");
    let local = build_local_app(&config).await.expect("app");
    let urls = QueueUrls::new()
        .with(PublishQueue::Orders, orders_url.clone())
        .with(PublishQueue::Reorders, reorders_url)
        .with(PublishQueue::AmazonSync, amazon_sync_url);
    let app = local
        .clone()
        .with_publisher(Arc::new(SqsPublisher::new(app_sqs, urls)));
    let mut lossy = local;
    lossy.publisher = None;

    let mut worker_env: Vec<(String, String)> = settings
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    // Warnings and errors only: a killed batch logs nothing worth keeping,
    // a failed one says why.
    worker_env.push(("RUST_LOG".into(), "warn".into()));
    let admin = token(&app, Role::Admin, CustomerId::generate());
    Setup {
        app,
        lossy,
        sqs,
        orders_url,
        orders_dlq_url,
        worker_env,
        admin,
    }
}

/// A queue with its dead-letter queue, redelivering after
/// [`VISIBILITY_SECONDS`].
async fn queue(sqs: &aws_sdk_sqs::Client, name: &str) -> String {
    let url = sqs::create_queue_with_dlq(sqs, name, MAX_RECEIVES)
        .await
        .expect("queue");
    sqs.set_queue_attributes()
        .queue_url(&url)
        .attributes(
            QueueAttributeName::VisibilityTimeout,
            VISIBILITY_SECONDS.to_string(),
        )
        .send()
        .await
        .expect("visibility timeout");
    url
}

/// Messages in a queue: visible, in flight and delayed; `None` when the
/// stand-in does not answer (the caller asks again).
pub async fn queue_depth(sqs: &aws_sdk_sqs::Client, url: &str) -> Option<u64> {
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .ok()?;
    let attrs = attrs.attributes().cloned().unwrap_or_default();
    Some(
        [
            QueueAttributeName::ApproximateNumberOfMessages,
            QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
            QueueAttributeName::ApproximateNumberOfMessagesDelayed,
        ]
        .iter()
        .map(|a| {
            attrs
                .get(a)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        })
        .sum(),
    )
}

/// A bearer token for a new principal.
pub fn token(app: &App, role: Role, customer_id: CustomerId) -> String {
    app.token_keys()
        .expect("token keys")
        .issue(Principal { customer_id, role }, Utc::now())
        .expect("token")
}

pub struct Reply {
    pub status: u16,
    pub body: Value,
}

/// One request through the API's handler, as the Lambda receives it from
/// API Gateway (the dev server's conversion).
pub async fn call(
    app: &App,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
    idempotency_key: Option<&str>,
) -> Reply {
    let mut builder = http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "127.0.0.1")
        .header("authorization", format!("Bearer {token}"));
    let bytes = body.map(|b| b.to_string()).unwrap_or_default();
    if body.is_some() {
        builder = builder
            .header("content-type", "application/json")
            .header("content-length", bytes.len().to_string());
    }
    if let Some(key) = idempotency_key {
        builder = builder.header("idempotency-key", key);
    }
    let (parts, ()) = builder.body(()).expect("request").into_parts();
    let peer: SocketAddr = ([127, 0, 0, 1], 40000).into();
    let event = gateway::event(&parts, bytes.as_bytes(), peer, "127.0.0.1");
    let request = gateway::lambda_request(&event).expect("lambda request");
    let response = stockroom::http::handle(app, ALL_GROUPS, request).await;
    let status = response.status().as_u16();
    let raw = response.body().as_ref().to_vec();
    let body = if raw.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&raw)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&raw).into()))
    };
    Reply { status, body }
}
