//! Criterion timings of the HTTP handlers on the memory store, called as
//! the Lambda runtime calls them: `POST /orders` (one and three lines, with
//! an Idempotency-Key) and `GET /listings`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark panics on setup failure

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use stockroom::app::App;
use stockroom::auth::{Principal, TokenKeys};
use stockroom::config::{AuthConfig, Secret, Settings};
use stockroom::domain::{CustomerId, ListingDraft, ListingStatus, Price, Role, Sku, Stock, Title};
use stockroom::http::{ALL_GROUPS, handle};
use stockroom::store::MemoryStore;

const PLACE: &str = include_str!("../../events/orders-api/place-order.json");
const LIST: &str = include_str!("../../events/listings-api/list-listings.json");

fn app(runtime: &tokio::runtime::Runtime) -> App {
    let app = App::new(
        Arc::new(MemoryStore::new()),
        TokenKeys::new(&AuthConfig {
            token_secret: Secret::new("benchmark-secret-0123456789abcdef0123"),
            token_ttl: Duration::from_secs(3600),
        }),
        Settings::default(),
    );
    runtime.block_on(async {
        for i in 0..200 {
            let draft = ListingDraft {
                sku: Sku::parse(&format!("SKU-{i:04}")).unwrap(),
                title: Title::parse(&format!("Item {i}")).unwrap(),
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
        }
    });
    app
}

fn token(app: &App, role: Role) -> String {
    app.token_keys()
        .unwrap()
        .issue(
            Principal {
                customer_id: CustomerId::generate(),
                role,
            },
            Utc::now(),
        )
        .unwrap()
}

fn event(fixture: &str, token: &str, body: Option<&str>) -> Value {
    let mut event: Value = serde_json::from_str(fixture).unwrap();
    event["headers"]["authorization"] = json!(format!("Bearer {token}"));
    if let Some(body) = body {
        event["body"] = json!(body);
    }
    event
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let app = app(&runtime);
    let customer = token(&app, Role::Customer);
    let one_line = r#"{"items":[{"sku":"SKU-0001","quantity":1}]}"#;
    let three_lines = r#"{"items":[{"sku":"SKU-0001","quantity":1},{"sku":"SKU-0002","quantity":2},{"sku":"SKU-0003","quantity":1}]}"#;

    let mut group = c.benchmark_group("handlers");
    for (name, body) in [
        ("post_orders_1_line", one_line),
        ("post_orders_3_lines", three_lines),
    ] {
        let template = event(PLACE, &customer, Some(body)).to_string();
        let mut n = 0u64;
        group.bench_function(name, |b| {
            b.iter(|| {
                // A fresh Idempotency-Key each time: every call places an order.
                n += 1;
                let raw = template.replace(
                    "3f0c9a52-8d1e-4a7b-9c55-0e2d6f4b1a77",
                    &format!("bench-{name}-{n}"),
                );
                let request = lambda_http::request::from_str(&raw).unwrap();
                let response = runtime.block_on(handle(&app, ALL_GROUPS, request));
                assert_eq!(response.status(), 201);
            })
        });
    }
    let list = event(LIST, &customer, None).to_string();
    group.bench_function("get_listings_page_of_2", |b| {
        b.iter(|| {
            let request = lambda_http::request::from_str(&list).unwrap();
            let response = runtime.block_on(handle(&app, ALL_GROUPS, request));
            assert_eq!(response.status(), 200);
        })
    });
    let list20 = event(LIST, &customer, None)
        .to_string()
        .replace("limit=2&status=ACTIVE", "limit=20");
    group.bench_function("get_listings_page_of_20", |b| {
        b.iter(|| {
            let request = lambda_http::request::from_str(&list20).unwrap();
            let response = runtime.block_on(handle(&app, ALL_GROUPS, request));
            assert_eq!(response.status(), 200);
        })
    });
    group.finish();
}

criterion_group!(handlers, benches);
criterion_main!(handlers);
