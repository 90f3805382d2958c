//! Issue 13 defect 4 over HTTP: customers read the shop view (ACTIVE
//! listings only, no procurement fields), admins the full one, and the
//! OpenAPI document describes both.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on failure by design

use crate::support;

use std::collections::BTreeSet;

use chrono::Utc;
use serde_json::Value;
use stockroom::app::App;
use stockroom::domain::{
    ListingDraft, ListingStatus, Price, Rating, Role, Sku, Stock, Supplier, SupplierEmail,
    SupplierId, Title,
};
use support::*;

const LIST: &str = include_str!("../../../events/listings-api/list-listings.json");
const GET: &str = include_str!("../../../events/listings-api/get-listing.json");

/// What a customer may see of a listing, and nothing more.
const SHOP_FIELDS: [&str; 6] = [
    "sku",
    "title",
    "price",
    "currency",
    "available",
    "updated_at",
];
const PROCUREMENT_FIELDS: [&str; 6] = [
    "supplier_id",
    "reorder_point",
    "reorder_quantity",
    "lead_time_days",
    "auto_reorder_point",
    "low_stock",
];

async fn put(app: &App, sku: &str, status: ListingStatus) {
    let draft = ListingDraft {
        sku: Sku::parse(sku).unwrap(),
        title: Title::parse(&format!("Item {sku}")).unwrap(),
        price: Price::parse("12.50").unwrap(),
        currency: app.settings.currency,
        available: Some(Stock::new(4).unwrap()),
        status: Some(status),
        supplier_id: Some(SupplierId::parse("acme").unwrap()),
        reorder_point: 6,
        reorder_quantity: 30,
        lead_time_days: 9,
        auto_reorder_point: false,
        amazon_mfn: None,
    };
    app.store.put_listing(&draft, Utc::now()).await.unwrap();
}

/// MUG-BLUE and CANDLE-FIG ACTIVE, NOTE-A5 INACTIVE, TEE-M DELETED; all
/// supplied by acme and low on stock.
async fn shop() -> App {
    let app = app();
    app.store
        .put_supplier(&Supplier {
            supplier_id: SupplierId::parse("acme").unwrap(),
            name: "Acme".into(),
            email: SupplierEmail::parse("orders@acme.example").unwrap(),
            rating: Rating::new(4).unwrap(),
            manual_approval: false,
            updated_at: Utc::now(),
        })
        .await
        .unwrap();
    put(&app, "MUG-BLUE", ListingStatus::Active).await;
    put(&app, "CANDLE-FIG", ListingStatus::Active).await;
    put(&app, "NOTE-A5", ListingStatus::Inactive).await;
    put(&app, "TEE-M", ListingStatus::Deleted).await;
    app
}

fn keys(listing: &Value) -> BTreeSet<&str> {
    listing
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

fn skus(reply: &Reply) -> Vec<&str> {
    reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["sku"].as_str().unwrap())
        .collect()
}

async fn get(app: &App, token: &str, sku: &str) -> Reply {
    call(
        app,
        &with_path(event(GET, Some(token)), &format!("/listings/{sku}")),
    )
    .await
}

async fn list(app: &App, token: &str, query: &str) -> Reply {
    call(app, &with_query(event(LIST, Some(token)), query)).await
}

#[tokio::test]
async fn a_customer_reads_an_active_listing_without_procurement_fields() {
    let app = shop().await;
    let (customer, _) = token(&app, Role::Customer);
    let reply = get(&app, &customer, "MUG-BLUE").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(keys(&reply.body), BTreeSet::from(SHOP_FIELDS));
    assert_eq!(reply.body["price"], "12.50");
    assert_eq!(reply.body["available"], 4);

    let (admin, _) = token(&app, Role::Admin);
    let reply = get(&app, &admin, "MUG-BLUE").await;
    assert_eq!(reply.status, 200);
    for field in PROCUREMENT_FIELDS.iter().chain(&["status"]) {
        assert!(reply.body.get(field).is_some(), "admins see {field}");
    }
    assert_eq!(reply.body["supplier_id"], "acme");
    assert_eq!(reply.body["reorder_point"], 6);
}

#[tokio::test]
async fn a_listing_that_is_not_active_is_404_to_a_customer_only() {
    let app = shop().await;
    let (customer, _) = token(&app, Role::Customer);
    let (admin, _) = token(&app, Role::Admin);
    for sku in ["NOTE-A5", "TEE-M"] {
        let reply = get(&app, &customer, sku).await;
        assert_eq!(reply.status, 404, "{sku}: {}", reply.body);
        assert_eq!(error_code(&reply), "not_found");
        // The same answer as a SKU that never existed.
        let missing = get(&app, &customer, "NEVER-SOLD").await;
        assert_eq!(missing.body, reply.body);
        let reply = get(&app, &admin, sku).await;
        assert_eq!(reply.status, 200, "admins still read {sku}");
    }
}

#[tokio::test]
async fn a_customers_lists_hold_active_listings_whatever_the_filter() {
    let app = shop().await;
    let (customer, _) = token(&app, Role::Customer);
    for query in ["", "status=ACTIVE", "low_stock=true", "low_stock=false&q=i"] {
        let reply = list(&app, &customer, query).await;
        assert_eq!(reply.status, 200, "{query}: {}", reply.body);
        assert_eq!(skus(&reply), ["CANDLE-FIG", "MUG-BLUE"], "{query}");
        for item in reply.body["items"].as_array().unwrap() {
            assert_eq!(keys(item), BTreeSet::from(SHOP_FIELDS), "{query}");
        }
    }
    for query in ["status=INACTIVE", "status=DELETED", "status=DELETED&q=tee"] {
        let reply = list(&app, &customer, query).await;
        assert_eq!(reply.status, 200, "{query}: {}", reply.body);
        assert!(skus(&reply).is_empty(), "{query}: {}", reply.body);
        assert!(reply.body["next_cursor"].is_null());
    }
    // Paging through the shop never reaches the hidden listings.
    let first = list(&app, &customer, "limit=1").await;
    assert_eq!(skus(&first), ["CANDLE-FIG"]);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = list(&app, &customer, &format!("limit=1&cursor={cursor}")).await;
    assert_eq!(skus(&second), ["MUG-BLUE"]);
}

#[tokio::test]
async fn an_admins_lists_keep_every_listing_in_full() {
    let app = shop().await;
    let (admin, _) = token(&app, Role::Admin);
    let reply = list(&app, &admin, "").await;
    assert_eq!(skus(&reply), ["CANDLE-FIG", "MUG-BLUE", "NOTE-A5", "TEE-M"]);
    for item in reply.body["items"].as_array().unwrap() {
        for field in PROCUREMENT_FIELDS {
            assert!(item.get(field).is_some(), "{field}: {item}");
        }
    }
    assert_eq!(
        skus(&list(&app, &admin, "status=INACTIVE").await),
        ["NOTE-A5"]
    );
    assert_eq!(skus(&list(&app, &admin, "low_stock=true").await).len(), 4);
}

#[test]
fn the_openapi_document_shows_both_views() {
    let doc: Value = serde_json::from_str(stockroom::http::routes::docs::document()).unwrap();
    let schemas = &doc["components"]["schemas"];
    let shop = &schemas["ShopListingView"];
    assert_eq!(
        shop["additionalProperties"], false,
        "a full listing must not pass as a shop listing: {shop}"
    );
    let shop_fields: BTreeSet<&str> = shop["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(shop_fields, BTreeSet::from(SHOP_FIELDS));
    for field in PROCUREMENT_FIELDS {
        assert!(
            schemas["ListingView"]["properties"].get(field).is_some(),
            "{field}"
        );
    }
    let one_of = |schema: &Value| -> BTreeSet<String> {
        schema["oneOf"]
            .as_array()
            .unwrap_or_else(|| panic!("oneOf expected: {schema}"))
            .iter()
            .map(|s| s["$ref"].as_str().unwrap().to_owned())
            .collect()
    };
    let both = BTreeSet::from([
        "#/components/schemas/ListingView".to_owned(),
        "#/components/schemas/ShopListingView".to_owned(),
    ]);
    let read = &schemas["ListingRead"];
    assert_eq!(one_of(read), both);
    let ok = |path: &str| {
        doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            .clone()
    };
    assert_eq!(
        ok("/listings/{sku}")["$ref"],
        "#/components/schemas/ListingRead"
    );
    let page = ok("/listings");
    let page = match page.get("$ref").and_then(Value::as_str) {
        Some(r) => schemas[r.rsplit('/').next().unwrap()].clone(),
        None => page,
    };
    // The page's items: the same choice, by reference or written out.
    let items = &page["properties"]["items"]["items"];
    match items.get("$ref") {
        Some(r) => assert_eq!(r, "#/components/schemas/ListingRead"),
        None => assert_eq!(one_of(items), both, "{page}"),
    }
}
