//! Admin routes, called with the events in `events/admin-api`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on failure by design

use crate::support;

use stockroom::domain::Role;
use stockroom::http::RouteGroup;
use support::*;

const PUT_SUPPLIER: &str = include_str!("../../../events/admin-api/put-supplier.json");
const GET_SUPPLIER: &str = include_str!("../../../events/admin-api/get-supplier.json");
const LIST_SUPPLIERS: &str = include_str!("../../../events/admin-api/list-suppliers.json");
const LIST_REORDERS: &str = include_str!("../../../events/admin-api/list-reorders.json");
const APPROVE: &str = include_str!("../../../events/admin-api/approve-reorder.json");
const REJECT: &str = include_str!("../../../events/admin-api/reject-reorder.json");
const RECEIVE: &str = include_str!("../../../events/admin-api/receive-reorder.json");
const METRICS: &str = include_str!("../../../events/admin-api/metrics.json");
const ORDER_METRICS: &str = include_str!("../../../events/admin-api/order-metrics.json");
const ANALYTICS: &str = include_str!("../../../events/admin-api/analytics.json");
const FORECAST: &str = include_str!("../../../events/admin-api/forecast.json");

const ADMIN: &[RouteGroup] = &[RouteGroup::Admin, RouteGroup::Docs];

#[tokio::test]
async fn suppliers_round_trip() {
    let app = app();
    let (admin, _) = token(&app, Role::Admin);
    let reply = call_groups(&app, ADMIN, &event(PUT_SUPPLIER, Some(&admin))).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["supplier_id"], "acme");
    assert_eq!(reply.body["rating"], 4);
    assert_eq!(reply.body["subpar"], false);
    let reply = call_groups(&app, ADMIN, &event(PUT_SUPPLIER, Some(&admin))).await;
    assert_eq!(reply.status, 200);
    let reply = call_groups(&app, ADMIN, &event(GET_SUPPLIER, Some(&admin))).await;
    assert_eq!(reply.body["email"], "orders@acme.example");
    let reply = call_groups(&app, ADMIN, &event(LIST_SUPPLIERS, Some(&admin))).await;
    assert_eq!(reply.body["items"].as_array().unwrap().len(), 1);
    for bad in [
        r#"{"name":"A","email":"not-an-email","rating":4}"#,
        r#"{"name":"A","email":"a@b.co","rating":6}"#,
        r#"{"name":"A","email":"a@b.co","rating":2.5}"#,
        r#"{"name":"","email":"a@b.co","rating":3}"#,
        r#"{"email":"a@b.co","rating":3}"#,
    ] {
        let reply = call_groups(
            &app,
            ADMIN,
            &with_body(event(PUT_SUPPLIER, Some(&admin)), bad),
        )
        .await;
        assert_eq!(reply.status, 400, "{bad}: {}", reply.body);
    }
    let reply = call_groups(
        &app,
        ADMIN,
        &with_path(event(GET_SUPPLIER, Some(&admin)), "/suppliers/nobody"),
    )
    .await;
    assert_eq!(reply.status, 404);
}

#[tokio::test]
async fn admin_routes_are_for_admins_only() {
    let app = app();
    let (customer, _) = token(&app, Role::Customer);
    for fixture in [
        PUT_SUPPLIER,
        LIST_SUPPLIERS,
        LIST_REORDERS,
        APPROVE,
        METRICS,
        ANALYTICS,
        FORECAST,
    ] {
        let reply = call_groups(&app, ADMIN, &event(fixture, Some(&customer))).await;
        assert_eq!(reply.status, 403, "{}", reply.body);
        let reply = call_groups(&app, ADMIN, &event(fixture, None)).await;
        assert_eq!(reply.status, 401);
    }
}

#[tokio::test]
async fn reorder_actions_answer_404_and_409_as_documented() {
    let app = app();
    let (admin, _) = token(&app, Role::Admin);
    for fixture in [APPROVE, REJECT, RECEIVE] {
        let reply = call_groups(&app, ADMIN, &event(fixture, Some(&admin))).await;
        assert_eq!(reply.status, 404, "{}", reply.body);
    }
    let reply = call_groups(
        &app,
        ADMIN,
        &with_body(event(RECEIVE, Some(&admin)), r#"{"quantity":0}"#),
    )
    .await;
    assert_eq!(reply.status, 400);
    let reply = call_groups(&app, ADMIN, &event(LIST_REORDERS, Some(&admin))).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["items"], serde_json::json!([]));
    let reply = call_groups(
        &app,
        ADMIN,
        &with_query(event(LIST_REORDERS, Some(&admin)), "status=LOST"),
    )
    .await;
    assert_eq!(reply.status, 400);
}

#[tokio::test]
async fn metrics_and_analytics() {
    let app = app();
    listing(&app, "MUG-BLUE", 10).await;
    let (admin, _) = token(&app, Role::Admin);
    let reply = call_groups(&app, ADMIN, &event(METRICS, Some(&admin))).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["total_orders"], 0);
    assert_eq!(reply.body["status_counts"]["COMPLETED"], 0);
    assert!(reply.body["average_processing_seconds"].is_null());

    let (customer, _) = token(&app, Role::Customer);
    let place = include_str!("../../../events/orders-api/place-order.json");
    let body = r#"{"items":[{"sku":"MUG-BLUE","quantity":2}]}"#;
    let placed = call(&app, &with_body(event(place, Some(&customer)), body)).await;
    let id = placed.body["order_id"].as_str().unwrap().to_owned();
    let reply = call_groups(&app, ADMIN, &event(METRICS, Some(&admin))).await;
    assert_eq!(reply.body["total_orders"], 1);
    assert_eq!(reply.body["status_counts"]["PENDING"], 1);
    let reply = call_groups(
        &app,
        ADMIN,
        &with_path(
            event(ORDER_METRICS, Some(&admin)),
            &format!("/metrics/orders/{id}"),
        ),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["status"], "PENDING");
    assert!(reply.body["processing_seconds"].is_null());
    let reply = call_groups(&app, ADMIN, &event(ORDER_METRICS, Some(&admin))).await;
    assert_eq!(reply.status, 404);

    let today = chrono::Utc::now().date_naive();
    let monday = today - chrono::Duration::days(7);
    let query = format!("from={monday}&to={today}&granularity=day");
    let reply = call_groups(
        &app,
        ADMIN,
        &with_query(event(ANALYTICS, Some(&admin)), &query),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let buckets = reply.body["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 8, "every day of the range, empty ones too");
    assert_eq!(buckets[7]["order_count"], 1);
    assert_eq!(buckets[7]["order_value"], "25.00");
    assert_eq!(reply.body["totals"]["order_count"], 1);
    assert_eq!(reply.body["totals"]["order_value"], "25.00");
    let reply = call_groups(&app, ADMIN, &event(ANALYTICS, Some(&admin))).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["granularity"], "week");
    assert_eq!(
        reply.body["buckets"][0]["start"], "2025-02-24",
        "weeks start on Monday"
    );
    for query in [
        "from=2025-13-01",
        "from=2025-03-10&to=2025-03-01",
        "granularity=hour",
        "from=2020-01-01&to=2025-01-01",
    ] {
        let reply = call_groups(
            &app,
            ADMIN,
            &with_query(event(ANALYTICS, Some(&admin)), query),
        )
        .await;
        assert_eq!(reply.status, 400, "{query}");
    }
}
