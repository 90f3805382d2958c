//! The story every function is invoked through, in order: accounts and
//! tokens, suppliers, listings written, adjusted and deleted, an order
//! placed once per Idempotency-Key with its stock taken and its OrderPlaced
//! on the orders queue, processed to COMPLETED by order-processor from that
//! very message, a cancelled order releasing stock once, SP-API quantity
//! and status notifications changing the listings (in the table itself),
//! fulfilment notices on the order, partial batch failures naming exactly
//! the bad records, the stock check raising reorders (queued, or held for
//! approval), approval publishing, the mailer sending each reorder once
//! through SES, order recovery re-publishing a stale order, the forecast
//! job, metrics and analytics counting it all, and the console's pages.

use serde_json::{Value, json};

use super::Env;

mod orders;
mod procurement;

use orders::{notifications, orders};
use procurement::{procurement, recovery_forecast_and_metrics};

pub fn listing_body(
    title: &str,
    available: i64,
    reorder_point: i64,
    supplier: Option<&str>,
) -> Value {
    let mut body = json!({
        "title": title, "price": "12.50", "available": available,
        "reorder_point": reorder_point, "reorder_quantity": 20, "lead_time_days": 5,
    });
    if let Some(supplier) = supplier {
        body["supplier_id"] = json!(supplier);
    }
    body
}

/// A listing as a customer sees it (`GET /listings/{sku}`).
pub async fn listing(env: &Env, token: &str, sku: &str, label: &str) -> Value {
    let req = env.req("listings-api/get-listing.json").token(token);
    let (status, body) = env
        .http("listings-api", label, req.path(&format!("/listings/{sku}")))
        .await;
    env.check(
        status == 200,
        &format!("GET /listings/{sku}"),
        (status, &body),
    );
    body
}

/// An order as its customer sees it (`GET /orders/{id}`).
pub async fn order(env: &Env, token: &str, id: &str, label: &str) -> (u64, Value) {
    let req = env.req("orders-api/get-order.json").token(token);
    env.http("orders-api", label, req.path(&format!("/orders/{id}")))
        .await
}

pub async fn run(env: &Env) {
    let (alice, admin) = accounts(env).await;
    suppliers(env, &alice, &admin).await;
    listings(env, &alice, &admin).await;
    let (order_id, _) = orders(env, &alice, &admin).await;
    notifications(env, &alice, &admin, &order_id).await;
    procurement(env, &alice, &admin).await;
    recovery_forecast_and_metrics(env, &alice, &admin).await;
    amazon_sync(env).await;
    console(env).await;
}

/// amazon-sync with its sample batch (two messages for one SKU): without
/// SP-API settings, or for a listing that is not `amazon_mfn`, nothing is
/// pushed and no message fails.
async fn amazon_sync(env: &Env) {
    let file = "amazon-sync/sync-requested.json";
    let answer = env.invoke("amazon-sync", &env.fixture(file), file).await;
    env.check(
        answer["batchItemFailures"]
            .as_array()
            .is_some_and(|f| f.is_empty()),
        "amazon-sync: the sample batch is handled",
        &answer,
    );
}

/// The console function: the page shell at `/` and `/dashboard`, and a
/// script under its asset route, each with the content security policy.
async fn console(env: &Env) {
    for (file, content_type) in [
        ("console/index.json", "text/html"),
        ("console/dashboard.json", "text/html"),
        ("console/asset.json", "javascript"),
    ] {
        let answer = env.invoke("console", &env.fixture(file), file).await;
        let headers = &answer["headers"];
        let shown = headers["content-type"].as_str().unwrap_or_default();
        env.check(
            answer["statusCode"].as_u64() == Some(200) && shown.contains(content_type),
            &format!("console {file}: 200 with {content_type}"),
            headers,
        );
        let policy = headers["content-security-policy"]
            .as_str()
            .unwrap_or_default();
        env.check(
            policy.contains("default-src 'self'"),
            &format!("console {file}: a same-origin content security policy"),
            headers,
        );
        let body = answer["body"].as_str().unwrap_or_default();
        env.check(
            !body.is_empty(),
            &format!("console {file}: a body"),
            answer["statusCode"].clone(),
        );
    }
}

async fn accounts(env: &Env) -> (String, String) {
    let (status, doc) = env
        .http("auth-api", "openapi", env.req("auth-api/openapi.json"))
        .await;
    let version = doc["openapi"].as_str().unwrap_or_default();
    env.check(
        status == 200 && version.starts_with('3'),
        "GET /openapi.json: OpenAPI 3",
        status,
    );
    let paths = &doc["paths"];
    env.check(
        paths.get("/orders").is_some() && paths.get("/auth/token").is_some(),
        "the OpenAPI document lists the routes",
        paths
            .as_object()
            .map(|p| p.keys().cloned().collect::<Vec<_>>()),
    );

    let (status, body) = env
        .http("auth-api", "register", env.req("auth-api/register.json"))
        .await;
    env.check(
        status == 201 && body["username"] == "alice",
        "register alice: 201",
        (status, &body),
    );
    let (status, body) = env
        .http(
            "auth-api",
            "register-again",
            env.req("auth-api/register.json"),
        )
        .await;
    env.check(
        status == 409 && body["error"]["code"] == "username_taken",
        "alice exists now: registering again is 409 username_taken",
        (status, &body),
    );

    let (status, body) = env
        .http("auth-api", "token", env.req("auth-api/token.json"))
        .await;
    let ttl: u64 = env.setting("TOKEN_TTL_SECONDS").parse().unwrap();
    env.check(
        status == 200 && body["access_token"].is_string() && body["expires_in"] == ttl,
        "alice signs in: a bearer token with the configured lifetime",
        (status, &body),
    );
    let alice = body["access_token"].as_str().unwrap_or_default().to_owned();
    let wrong = json!({"username": "alice", "password": "not her password"});
    let req = env.req("auth-api/token.json").body(wrong);
    let (status, body) = env.http("auth-api", "token-wrong-password", req).await;
    env.check(status == 401, "a wrong password is 401", (status, &body));
    let admin_login = json!({"username": env.admin_user, "password": env.admin_password});
    let req = env.req("auth-api/token.json").body(admin_login);
    let (status, body) = env.http("auth-api", "token-admin", req).await;
    env.check(
        status == 200 && body["access_token"].is_string(),
        "the admin created by stockroom-admin signs in through auth-api",
        status,
    );
    let admin = body["access_token"].as_str().unwrap_or_default().to_owned();
    (alice, admin)
}

async fn suppliers(env: &Env, alice: &str, admin: &str) {
    let req = env.req("admin-api/put-supplier.json").token(admin);
    let (status, body) = env.http("admin-api", "put-supplier", req).await;
    env.check(
        status == 201 && body["supplier_id"] == "acme" && body["subpar"] == false,
        "PUT /suppliers/acme creates a good supplier",
        (status, &body),
    );
    let budget = json!({"name": "Budget Bits", "email": "sales@budget.example", "rating": 2});
    let req = env.req("admin-api/put-supplier.json").token(admin);
    let req = req.path("/suppliers/budget").body(budget);
    let (status, body) = env.http("admin-api", "put-supplier-subpar", req).await;
    env.check(
        status == 201 && body["subpar"] == true,
        "a supplier rated 2 is subpar",
        (status, &body),
    );
    let req = env.req("admin-api/put-supplier.json").token(alice);
    let (status, body) = env.http("admin-api", "put-supplier-as-customer", req).await;
    env.check(
        status == 403,
        "a customer cannot write suppliers",
        (status, &body),
    );
    let req = env.req("admin-api/get-supplier.json").token(admin);
    let (status, body) = env.http("admin-api", "get-supplier", req).await;
    env.check(
        status == 200 && body["supplier_id"] == "acme" && body["rating"] == 4,
        "GET /suppliers/acme",
        (status, &body),
    );
    let req = env.req("admin-api/list-suppliers.json").token(admin);
    let (status, body) = env.http("admin-api", "list-suppliers", req).await;
    let mut ids = ids(&body["items"], "supplier_id");
    ids.sort();
    env.check(
        status == 200 && ids == ["acme", "budget"],
        "GET /suppliers lists both",
        (status, &body),
    );
}

/// The string field `key` of every item of `items`.
pub fn ids(items: &Value, key: &str) -> Vec<String> {
    let items = items.as_array().cloned().unwrap_or_default();
    items
        .iter()
        .filter_map(|i| i[key].as_str().map(str::to_owned))
        .collect()
}

async fn listings(env: &Env, alice: &str, admin: &str) {
    let req = env.req("listings-api/put-listing.json").token(alice);
    let (status, body) = env
        .http("listings-api", "put-listing-as-customer", req)
        .await;
    env.check(
        status == 403,
        "a customer cannot write listings",
        (status, &body),
    );
    let req = env.req("listings-api/put-listing.json").token(admin);
    let (status, body) = env.http("listings-api", "put-listing", req).await;
    env.check(
        status == 201 && body["sku"] == "LAMP-OAK" && body["available"] == 12,
        "PUT /listings/LAMP-OAK creates it",
        (status, &body),
    );
    let catalogue = [
        ("MUG-BLUE", listing_body("Blue mug", 20, 2, Some("acme"))),
        ("NOTE-A5", listing_body("A5 notebook", 10, 2, Some("acme"))),
        ("MUG-RED", listing_body("Red mug", 5, 1, Some("acme"))),
        ("CANDLE-FIG", listing_body("Fig candle", 3, 1, None)),
        ("VASE-TEAL", listing_body("Teal vase", 1, 4, Some("acme"))),
        (
            "BOWL-SLATE",
            listing_body("Slate bowl", 1, 4, Some("budget")),
        ),
    ];
    for (sku, listing) in catalogue {
        let req = env.req("listings-api/put-listing.json").token(admin);
        let req = req.path(&format!("/listings/{sku}")).body(listing);
        let (status, body) = env.http("listings-api", &format!("put-{sku}"), req).await;
        env.check(
            status == 201 && body["sku"] == sku,
            &format!("PUT /listings/{sku}"),
            (status, &body),
        );
    }

    let mug = listing(env, alice, "MUG-BLUE", "get-listing").await;
    env.check(mug["available"] == 20, "MUG-BLUE has its 20", &mug);
    let req = env.req("listings-api/list-listings.json").token(alice);
    let (status, body) = env.http("listings-api", "list-listings", req).await;
    env.check(
        status == 200
            && body["items"].as_array().map(Vec::len) == Some(2)
            && body["next_cursor"].is_string(),
        "GET /listings?limit=2: a full page and a cursor",
        (status, &body),
    );
    let req = env.req("listings-api/adjust-stock.json").token(admin);
    let (status, body) = env.http("listings-api", "adjust-stock", req).await;
    env.check(
        status == 200 && body["available"] == 18,
        "stock -2: 18 left",
        (status, &body),
    );
    let mug = listing(env, alice, "MUG-BLUE", "get-after-adjust").await;
    env.check(mug["available"] == 18, "the adjustment is stored", &mug);
    let req = env.req("listings-api/delete-listing.json").token(admin);
    let (status, body) = env.http("listings-api", "delete-listing", req).await;
    env.check(
        status == 200 || status == 204,
        "DELETE /listings/CANDLE-FIG",
        (status, &body),
    );
    let req = env.req("listings-api/get-listing.json").token(alice);
    let (status, body) = env
        .http(
            "listings-api",
            "get-deleted",
            req.path("/listings/CANDLE-FIG"),
        )
        .await;
    env.check(
        status == 404,
        "the deleted listing is gone",
        (status, &body),
    );
}
