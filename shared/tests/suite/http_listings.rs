//! `/listings*` handlers, called with the events in `events/listings-api`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on failure by design

use crate::support;

use stockroom::domain::Role;
use stockroom::http::RouteGroup;
use support::*;

const LIST: &str = include_str!("../../../events/listings-api/list-listings.json");
const GET: &str = include_str!("../../../events/listings-api/get-listing.json");
const PUT: &str = include_str!("../../../events/listings-api/put-listing.json");
const ADJUST: &str = include_str!("../../../events/listings-api/adjust-stock.json");
const DELETE: &str = include_str!("../../../events/listings-api/delete-listing.json");

async fn catalogue_app() -> stockroom::app::App {
    let app = app();
    for (sku, n) in [
        ("MUG-BLUE", 10),
        ("NOTE-A5", 1),
        ("CANDLE-FIG", 3),
        ("TEE-M", 0),
    ] {
        listing(&app, sku, n).await;
    }
    app
}

#[tokio::test]
async fn admin_creates_updates_and_deletes() {
    let app = catalogue_app().await;
    let (admin, _) = token(&app, Role::Admin);
    // The fixture names a supplier that must exist.
    let reply = call(&app, &event(PUT, Some(&admin))).await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(error_code(&reply), "unknown_supplier");

    let body = r#"{"title":"Oak desk lamp","price":"49.00","available":12,"reorder_point":3}"#;
    let reply = call(&app, &with_body(event(PUT, Some(&admin)), body)).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let l = &reply.body;
    assert_eq!(l["sku"], "LAMP-OAK");
    assert_eq!(l["price"], "49.00");
    assert_eq!(l["currency"], "USD");
    assert_eq!(l["available"], 12);
    assert_eq!(l["status"], "ACTIVE");
    assert_eq!(l["low_stock"], false);
    assert_eq!(l["reorder_quantity"], 50, "configured default");
    for field in [
        "title",
        "supplier_id",
        "reorder_point",
        "lead_time_days",
        "updated_at",
    ] {
        assert!(l.get(field).is_some(), "{field} missing");
    }

    let update = r#"{"title":"Oak desk lamp","price":"45.5","status":"INACTIVE"}"#;
    let reply = call(&app, &with_body(event(PUT, Some(&admin)), update)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["available"], 12, "stock kept");
    assert_eq!(reply.body["status"], "INACTIVE");

    let reply = call(&app, &event(ADJUST, Some(&admin))).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["available"], 8);
    let too_much = r#"{"delta":-9,"reason":"count"}"#;
    let reply = call(&app, &with_body(event(ADJUST, Some(&admin)), too_much)).await;
    assert_eq!(reply.status, 409);
    assert_eq!(error_code(&reply), "stock_out_of_range");
    assert_eq!(stock(&app, "MUG-BLUE").await, 8);

    let reply = call(&app, &event(DELETE, Some(&admin))).await;
    assert_eq!(reply.status, 204);
    let reply = call(&app, &event(DELETE, Some(&admin))).await;
    assert_eq!(reply.status, 404);
    assert_eq!(error_code(&reply), "not_found");
}

#[tokio::test]
async fn customers_read_but_cannot_write() {
    let app = catalogue_app().await;
    let (customer, _) = token(&app, Role::Customer);
    let reply = call(&app, &event(GET, Some(&customer))).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["available"], 10);
    for fixture in [PUT, ADJUST, DELETE] {
        let reply = call(&app, &event(fixture, Some(&customer))).await;
        assert_eq!(reply.status, 403, "{}", reply.body);
        assert_eq!(error_code(&reply), "forbidden");
    }
    assert_eq!(stock(&app, "MUG-BLUE").await, 10);
}

#[tokio::test]
async fn pages_with_cursor_and_filters() {
    let app = catalogue_app().await;
    let (customer, _) = token(&app, Role::Customer);
    let reply = call(&app, &event(LIST, Some(&customer))).await;
    assert_eq!(reply.status, 200);
    let items = reply.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["sku"], "CANDLE-FIG");
    let cursor = reply.body["next_cursor"].as_str().unwrap();
    let next = with_query(
        event(LIST, Some(&customer)),
        &format!("limit=2&cursor={cursor}"),
    );
    let reply = call(&app, &next).await;
    let items = reply.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[1]["sku"], "TEE-M");
    assert!(reply.body["next_cursor"].is_null());

    // Stock levels against reorder points are for admins.
    let (admin, _) = token(&app, Role::Admin);
    let low = call(
        &app,
        &with_query(event(LIST, Some(&admin)), "low_stock=true"),
    )
    .await;
    let skus: Vec<&str> = low.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["sku"].as_str().unwrap())
        .collect();
    assert_eq!(skus, vec!["NOTE-A5", "TEE-M"]);
    let q = call(&app, &with_query(event(LIST, Some(&customer)), "q=mug")).await;
    assert_eq!(q.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_queries_are_400() {
    let app = catalogue_app().await;
    let (customer, _) = token(&app, Role::Customer);
    for (query, code) in [
        ("limit=101", "validation_failed"),
        ("limit=0", "validation_failed"),
        ("limit=abc", "validation_failed"),
        ("status=SOLD", "validation_failed"),
        ("low_stock=maybe", "validation_failed"),
        ("cursor=%%%", "invalid_cursor"),
        ("cursor=bm90LWEtY3Vyc29y", "invalid_cursor"),
    ] {
        let reply = call(&app, &with_query(event(LIST, Some(&customer)), query)).await;
        assert_eq!(reply.status, 400, "{query}: {}", reply.body);
        assert_eq!(error_code(&reply), code, "{query}");
    }
}

#[tokio::test]
async fn the_listings_function_serves_only_listings() {
    let app = catalogue_app().await;
    let (customer, _) = token(&app, Role::Customer);
    let groups = [RouteGroup::Listings, RouteGroup::Docs];
    let ok = call_groups(&app, &groups, &event(GET, Some(&customer))).await;
    assert_eq!(ok.status, 200);
    let orders = with_path(event(GET, Some(&customer)), "/orders");
    assert_eq!(call_groups(&app, &groups, &orders).await.status, 404);
}
