//! The cost of logs and metrics per invocation: `POST /orders` (one line,
//! on the memory store, as the Lambda runtime calls it) bare, with no
//! subscriber and no invocation scope, against the same call inside
//! `telemetry::invoke` with the production log layer (flat JSON, `info`)
//! and the EMF documents rendered. Both write to a sink rather than a
//! pipe, so the figure is the work Stockroom adds, not the terminal's.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark panics on setup failure

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use stockroom::app::App;
use stockroom::auth::{Principal, TokenKeys};
use stockroom::config::{AuthConfig, LogFormat, Secret, Settings};
use stockroom::domain::{CustomerId, ListingDraft, ListingStatus, Price, Role, Sku, Stock, Title};
use stockroom::http::{ALL_GROUPS, handle};
use stockroom::metrics::Discard;
use stockroom::ports::{PublishError, PublishQueue, Publisher};
use stockroom::store::MemoryStore;
use stockroom::telemetry::{self, Invocation, LogSettings};

const PLACE: &str = include_str!("../../events/orders-api/place-order.json");

/// Accepts every message and keeps none.
struct NoQueue;

#[async_trait]
impl Publisher for NoQueue {
    async fn publish(&self, _: PublishQueue, _: &[String]) -> Result<(), PublishError> {
        Ok(())
    }
}

fn app(runtime: &tokio::runtime::Runtime) -> App {
    let app = App::new(
        Arc::new(MemoryStore::new()),
        TokenKeys::new(&AuthConfig {
            token_secret: Secret::new("benchmark-secret-0123456789abcdef0123"),
            token_ttl: Duration::from_secs(3600),
        }),
        Settings::default(),
    )
    .with_publisher(Arc::new(NoQueue));
    runtime.block_on(async {
        let draft = ListingDraft {
            sku: Sku::parse("SKU-0001").unwrap(),
            title: Title::parse("Item 1").unwrap(),
            price: Price::parse("9.99").unwrap(),
            currency: app.settings.currency,
            available: Some(Stock::new(Stock::MAX).unwrap()),
            status: Some(ListingStatus::Active),
            supplier_id: None,
            reorder_point: 0,
            reorder_quantity: 10,
            lead_time_days: 7,
            auto_reorder_point: false,
            amazon_mfn: None,
        };
        app.store.put_listing(&draft, Utc::now()).await.unwrap();
    });
    app
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let app = app(&runtime);
    let customer = app
        .token_keys()
        .unwrap()
        .issue(
            Principal {
                customer_id: CustomerId::generate(),
                role: Role::Customer,
            },
            Utc::now(),
        )
        .unwrap();
    let mut event: Value = serde_json::from_str(PLACE).unwrap();
    event["headers"]["authorization"] = json!(format!("Bearer {customer}"));
    event["headers"]["x-correlation-id"] = json!("bench-correlation");
    event["body"] = json!(r#"{"items":[{"sku":"SKU-0001","quantity":1}]}"#);
    let template = event.to_string();
    let request = |n: u64| {
        let raw = template.replace(
            "3f0c9a52-8d1e-4a7b-9c55-0e2d6f4b1a77",
            &format!("bench-{n}"),
        );
        lambda_http::request::from_str(&raw).unwrap()
    };

    let mut group = c.benchmark_group("telemetry");
    let mut n = 0u64;
    group.bench_function("post_orders_bare", |b| {
        b.iter(|| {
            n += 1;
            let response = runtime.block_on(handle(&app, ALL_GROUPS, request(n)));
            assert_eq!(response.status(), 201);
        })
    });
    let settings = LogSettings::from_lookup(LogFormat::Json, "orders-api", |_| None);
    let _logs = tracing::subscriber::set_default(telemetry::subscriber(&settings, std::io::sink));
    group.bench_function("post_orders_logs_and_metrics", |b| {
        b.iter(|| {
            n += 1;
            let invocation = Invocation::local("orders-api");
            let work = handle(&app, ALL_GROUPS, request(n));
            let response = runtime.block_on(telemetry::invoke(invocation, &Discard, work));
            assert_eq!(response.status(), 201);
        })
    });
    group.finish();
}

criterion_group!(telemetry_overhead, benches);
criterion_main!(telemetry_overhead);
