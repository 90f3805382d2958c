//! Every route refuses bad input with the documented 4xx and the error
//! shape, reserves nothing, and never answers 5xx or panics.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on failure by design

use crate::support;

use proptest::prelude::*;
use serde_json::Value;
use stockroom::domain::Role;
use stockroom::http::ROUTES;
use support::*;

const PLACE: &str = include_str!("../../../events/orders-api/place-order.json");
const PUT: &str = include_str!("../../../events/listings-api/put-listing.json");
const ADJUST: &str = include_str!("../../../events/listings-api/adjust-stock.json");
const GET_ORDER: &str = include_str!("../../../events/orders-api/get-order.json");
const LIST: &str = include_str!("../../../events/listings-api/list-listings.json");

fn lines(n: usize) -> String {
    let items: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"sku":"S-{i}","quantity":1}}"#))
        .collect();
    format!(r#"{{"items":[{}]}}"#, items.join(","))
}

#[tokio::test]
async fn order_bodies_are_validated_and_reserve_nothing() {
    let app = app();
    listing(&app, "MUG-BLUE", 10).await;
    listing(&app, "OFF", 10).await;
    let mut off = app
        .store
        .get_listing(&stockroom::domain::Sku::parse("OFF").unwrap())
        .await
        .unwrap()
        .unwrap();
    off.status = stockroom::domain::ListingStatus::Inactive;
    app.store
        .apply_status_notification(
            &off.sku,
            off.status,
            &stockroom::domain::EventStamp {
                event_time: chrono::Utc::now(),
                notification_id: "n".into(),
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let (customer, _) = token(&app, Role::Customer);
    let huge = format!(
        r#"{{"items":[{{"sku":"MUG-BLUE","quantity":1}}],"pad":"{}"}}"#,
        "x".repeat(1024 * 1024)
    );
    let cases: Vec<(String, u16, &str)> = vec![
        ("{not json".into(), 400, "malformed_json"),
        ("".into(), 400, "malformed_json"),
        (r#"{"items":[]} trailing"#.into(), 400, "malformed_json"),
        ("[]".into(), 400, "validation_failed"),
        (r#"{}"#.into(), 400, "validation_failed"),
        (r#"{"items":"MUG-BLUE"}"#.into(), 400, "validation_failed"),
        (r#"{"items":[]}"#.into(), 400, "validation_failed"),
        (
            r#"{"items":[{"sku":"MUG-BLUE"}]}"#.into(),
            400,
            "validation_failed",
        ),
        (
            r#"{"items":[{"quantity":1}]}"#.into(),
            400,
            "validation_failed",
        ),
        (
            r#"{"items":[{"sku":42,"quantity":1}]}"#.into(),
            400,
            "validation_failed",
        ),
        (
            r#"{"items":[{"sku":"","quantity":1}]}"#.into(),
            400,
            "validation_failed",
        ),
        (
            r#"{"items":[{"sku":"MUG-BLUE","quantity":0}]}"#.into(),
            400,
            "validation_failed",
        ),
        (
            r#"{"items":[{"sku":"MUG-BLUE","quantity":-1}]}"#.into(),
            400,
            "validation_failed",
        ),
        (
            r#"{"items":[{"sku":"MUG-BLUE","quantity":1.5}]}"#.into(),
            400,
            "validation_failed",
        ),
        (
            r#"{"items":[{"sku":"MUG-BLUE","quantity":"2"}]}"#.into(),
            400,
            "validation_failed",
        ),
        (
            r#"{"items":[{"sku":"MUG-BLUE","quantity":1e40}]}"#.into(),
            400,
            "validation_failed",
        ),
        (
            r#"{"items":[{"sku":"MUG-BLUE","quantity":99999999999999999999}]}"#.into(),
            400,
            "validation_failed",
        ),
        (
            r#"{"items":[{"sku":"MUG-BLUE","quantity":10001}]}"#.into(),
            400,
            "validation_failed",
        ),
        (
            r#"{"items":[{"sku":"MUG-BLUE","quantity":1},{"sku":"MUG-BLUE","quantity":1}]}"#.into(),
            400,
            "validation_failed",
        ),
        (lines(101), 400, "validation_failed"),
        (
            r#"{"items":[{"sku":"NOPE","quantity":1}]}"#.into(),
            422,
            "unknown_sku",
        ),
        (
            r#"{"items":[{"sku":"MUG-BLUE","quantity":1},{"sku":"OFF","quantity":1}]}"#.into(),
            422,
            "sku_unavailable",
        ),
        (huge, 413, "payload_too_large"),
    ];
    for (body, status, code) in cases {
        // No idempotency key: each case stands alone.
        let mut ev = with_body(event(PLACE, Some(&customer)), &body);
        ev["headers"]
            .as_object_mut()
            .unwrap()
            .remove("idempotency-key");
        let reply = call(&app, &ev).await;
        let shown = &body[..body.len().min(80)];
        assert_eq!(reply.status, status, "{shown}: {}", reply.body);
        assert_eq!(error_code(&reply), code, "{shown}");
    }
    assert_eq!(
        stock(&app, "MUG-BLUE").await,
        10,
        "nothing reserved by any bad request"
    );
    assert_eq!(stock(&app, "OFF").await, 10);

    let unknown_msg = call(
        &app,
        &with_body(
            event(PLACE, Some(&customer)),
            r#"{"items":[{"sku":"NOPE","quantity":1}]}"#,
        ),
    )
    .await;
    assert!(
        unknown_msg.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("NOPE")
    );
    let quantity = call(
        &app,
        &with_body(
            event(PLACE, Some(&customer)),
            r#"{"items":[{"sku":"MUG-BLUE","quantity":1.5}]}"#,
        ),
    )
    .await;
    let message = quantity.body["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("items[0].quantity"), "{message}");
    assert_eq!(
        quantity.body["error"]["details"]["field"],
        "items[0].quantity"
    );
}

#[tokio::test]
async fn tokens_are_checked() {
    let app = app();
    listing(&app, "MUG-BLUE", 10).await;
    let other = stockroom::auth::TokenKeys::new(&stockroom::config::AuthConfig {
        token_secret: stockroom::config::Secret::new("a-completely-different-secret-0123"),
        token_ttl: std::time::Duration::from_secs(600),
    });
    let principal = stockroom::auth::Principal {
        customer_id: stockroom::domain::CustomerId::generate(),
        role: Role::Admin,
    };
    let forged = other.issue(principal, chrono::Utc::now()).unwrap();
    let expired = app
        .token_keys()
        .unwrap()
        .issue(principal, chrono::Utc::now() - chrono::Duration::hours(3))
        .unwrap();
    for (auth, code) in [
        (None, "missing_token"),
        (Some("Basic abc"), "invalid_token"),
        (Some("Bearer "), "invalid_token"),
        (Some("Bearer not-a-jwt"), "invalid_token"),
        (Some(forged.as_str()), "invalid_token"),
        (Some(expired.as_str()), "token_expired"),
    ] {
        for fixture in [PLACE, PUT, LIST, GET_ORDER] {
            let mut ev = event(fixture, None);
            if let Some(a) = auth {
                let value = if a.starts_with("Basic") || a.starts_with("Bearer ") {
                    a.to_owned()
                } else {
                    format!("Bearer {a}")
                };
                ev = with_header(ev, "authorization", &value);
            }
            let reply = call(&app, &ev).await;
            assert_eq!(reply.status, 401, "{auth:?}: {}", reply.body);
            assert_eq!(error_code(&reply), code, "{auth:?}");
        }
    }
    assert_eq!(stock(&app, "MUG-BLUE").await, 10);
}

#[tokio::test]
async fn listing_writes_are_validated() {
    let app = app();
    listing(&app, "MUG-BLUE", 10).await;
    let (admin, _) = token(&app, Role::Admin);
    for body in [
        r#"{"price":"1.00"}"#,
        r#"{"title":"","price":"1.00"}"#,
        r#"{"title":"Lamp","price":1.5}"#,
        r#"{"title":"Lamp","price":"-1"}"#,
        r#"{"title":"Lamp","price":"1.123456"}"#,
        r#"{"title":"Lamp","price":"abc"}"#,
        r#"{"title":"Lamp","price":"1","available":-1}"#,
        r#"{"title":"Lamp","price":"1","available":2.5}"#,
        r#"{"title":"Lamp","price":"1","status":"SOLD_OUT"}"#,
        r#"{"title":"Lamp","price":"1","currency":"usd"}"#,
        r#"{"title":"Lamp","price":"1","lead_time_days":1000}"#,
        r#"{"title":"Lamp","price":"1","reorder_point":-3}"#,
        r#"{"title":"Lamp","price":"1","supplier_id":"has space"}"#,
    ] {
        let reply = call(&app, &with_body(event(PUT, Some(&admin)), body)).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        assert_eq!(error_code(&reply), "validation_failed", "{body}");
    }
    let reply = call(
        &app,
        &with_body(
            event(PUT, Some(&admin)),
            r#"{"title":"Lamp","price":"1","currency":"EUR"}"#,
        ),
    )
    .await;
    assert_eq!(reply.status, 422);
    assert_eq!(error_code(&reply), "unsupported_currency");
    let bad_sku = with_path(event(PUT, Some(&admin)), "/listings/a%20b");
    let reply = call(&app, &bad_sku).await;
    assert_eq!(reply.status, 400);

    for body in [
        r#"{"delta":0,"reason":"x"}"#,
        r#"{"delta":1}"#,
        r#"{"delta":1,"reason":""}"#,
        r#"{"delta":"1","reason":"x"}"#,
    ] {
        let reply = call(&app, &with_body(event(ADJUST, Some(&admin)), body)).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
    }
    let xml = with_header(
        with_body(event(ADJUST, Some(&admin)), "<delta>1</delta>"),
        "content-type",
        "application/xml",
    );
    let reply = call(&app, &xml).await;
    assert_eq!(reply.status, 415);
    assert_eq!(error_code(&reply), "unsupported_media_type");
    assert_eq!(stock(&app, "MUG-BLUE").await, 10);
}

#[tokio::test]
async fn unknown_routes_methods_and_ids() {
    let app = app();
    let (customer, _) = token(&app, Role::Customer);
    let reply = call(
        &app,
        &with_path(event(GET_ORDER, Some(&customer)), "/nowhere"),
    )
    .await;
    assert_eq!(reply.status, 404);
    assert_eq!(error_code(&reply), "not_found");
    let mut patch = event(GET_ORDER, Some(&customer));
    patch["requestContext"]["http"]["method"] = Value::String("PATCH".into());
    let reply = call(&app, &patch).await;
    assert_eq!(reply.status, 405);
    assert_eq!(error_code(&reply), "method_not_allowed");
    assert!(reply.headers["allow"].to_str().unwrap().contains("GET"));
    for id in ["not-a-uuid", "0193a4f2-7c1e-7d3a-9b2e-5f6a7b8c9d0e", "%00"] {
        let reply = call(
            &app,
            &with_path(event(GET_ORDER, Some(&customer)), &format!("/orders/{id}")),
        )
        .await;
        assert_eq!(reply.status, 404, "{id}");
    }
}

#[test]
fn every_route_is_in_the_openapi_document() {
    let doc: Value = serde_json::from_str(stockroom::http::routes::docs::document()).unwrap();
    for route in ROUTES {
        let method = route.method.as_str().to_lowercase();
        assert!(
            doc["paths"][route.path][&method].is_object(),
            "{} {} is routed but not documented",
            route.method,
            route.path
        );
    }
    let documented: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|ops| ops.as_object().unwrap().len())
        .sum();
    assert_eq!(
        documented,
        ROUTES.len(),
        "every documented operation is routed"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Arbitrary bytes, JSON-ish fragments and odd values never make a
    /// handler answer 5xx or panic.
    #[test]
    fn arbitrary_bodies_never_cause_5xx(
        body in prop_oneof![
            ".{0,200}",
            r#"\{"items":\[\{"sku":"[A-Z\-]{0,12}","quantity":-?[0-9]{0,25}(\.[0-9]{1,3})?\}\]\}"#,
            r#"\{"title":".{0,30}","price":"-?[0-9]{0,12}(\.[0-9]{0,6})?","available":-?[0-9]{0,20}\}"#,
        ],
        target in 0usize..3,
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let app = app();
            listing(&app, "MUG-BLUE", 5).await;
            let (admin, _) = token(&app, Role::Admin);
            let (customer, _) = token(&app, Role::Customer);
            let ev = match target {
                0 => with_body(event(PLACE, Some(&customer)), &body),
                1 => with_body(event(PUT, Some(&admin)), &body),
                _ => with_body(event(ADJUST, Some(&admin)), &body),
            };
            let reply = call(&app, &ev).await;
            prop_assert!(reply.status < 500, "{} for {:?}: {}", reply.status, body, reply.body);
            if reply.status >= 400 {
                prop_assert!(reply.body["error"]["code"].is_string());
            }
            Ok(())
        })?;
    }
}
