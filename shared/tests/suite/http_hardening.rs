//! Defects found by trying to break the API, each pinned over HTTP:
//! hostile analytics dates, a listing edit that revived it, an overflowing
//! stock delta, the case of the `Bearer` scheme, password guessing and
//! registrations from one address, and orders of the maximum size.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on failure by design

use crate::support;

use std::sync::Arc;

use proptest::prelude::*;
use stockroom::domain::Role;
use stockroom::http::RouteGroup;
use stockroom::ports::ManualClock;
use support::*;

const ANALYTICS: &str = include_str!("../../../events/admin-api/analytics.json");
const PUT: &str = include_str!("../../../events/listings-api/put-listing.json");
const GET: &str = include_str!("../../../events/listings-api/get-listing.json");
const ADJUST: &str = include_str!("../../../events/listings-api/adjust-stock.json");
const REGISTER: &str = include_str!("../../../events/auth-api/register.json");
const TOKEN: &str = include_str!("../../../events/auth-api/token.json");
const ORDER: &str = include_str!("../../../events/orders-api/place-order.json");

const ADMIN: &[RouteGroup] = &[RouteGroup::Admin, RouteGroup::Docs];

async fn analytics(app: &stockroom::app::App, admin: &str, query: &str) -> Reply {
    call_groups(
        app,
        ADMIN,
        &with_query(event(ANALYTICS, Some(admin)), query),
    )
    .await
}

/// Dates at and past chrono's limits, and years outside 0000-9999, answer
/// 400 `validation_failed`: no arithmetic on them may panic.
#[tokio::test]
async fn hostile_analytics_dates_answer_400() {
    let app = app();
    let (admin, _) = token(&app, Role::Admin);
    for query in [
        "to=-262143-01-01",
        "from=%2B262142-12-31&to=%2B262142-12-31",
        "from=%2B262142-12-31&to=%2B262142-12-31&granularity=week",
        "from=-262143-01-01&to=-262143-01-01&granularity=week",
        "from=-262144-01-01",
        "to=%2B262143-12-31",
        "from=-0001-12-31&to=0000-01-02",
        "from=9999-12-31&to=%2B10000-01-01",
        "to=0000-01-10",
        "from=%2B10000-01-01&to=%2B10000-01-01&granularity=month",
    ] {
        let reply = analytics(&app, &admin, query).await;
        assert_eq!(reply.status, 400, "{query}: {}", reply.body);
        assert_eq!(error_code(&reply), "validation_failed", "{query}");
    }
    // The edges of the bounded years are served.
    for (query, buckets) in [
        ("from=0000-01-01&to=0000-01-31&granularity=week", 6),
        ("from=9999-12-01&to=9999-12-31&granularity=day", 31),
        ("from=9999-12-31&to=9999-12-31&granularity=month", 1),
    ] {
        let reply = analytics(&app, &admin, query).await;
        assert_eq!(reply.status, 200, "{query}: {}", reply.body);
        assert_eq!(reply.body["buckets"].as_array().unwrap().len(), buckets);
    }
}

/// A year anywhere chrono parses, mostly near the limits that matter: its
/// own (about ±262,143) and the API's (0000-9999).
fn year() -> impl Strategy<Value = i32> {
    prop_oneof![
        -262_145i32..=-262_139,
        -2i32..=2,
        1_990i32..=2_030,
        9_997i32..=10_002,
        262_139i32..=262_144,
        -262_145i32..=262_144,
    ]
}

/// A `YYYY-MM-DD` query value: years 0-9999 plain, others signed (`+`
/// escaped as in a URL).
fn date() -> impl Strategy<Value = String> {
    (year(), 1u32..=12, 1u32..=31).prop_map(|(y, m, d)| {
        let sign = match y {
            ..0 => "-",
            0..=9999 => "",
            _ => "%2B",
        };
        format!("{sign}{:04}-{m:02}-{d:02}", y.unsigned_abs())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any dates, either omitted, in any granularity, answer 200 or 400:
    /// never a panic or a 5xx.
    #[test]
    fn any_analytics_dates_answer_200_or_400(
        from in prop::option::of(date()),
        to in prop::option::of(date()),
        granularity in prop::sample::select(vec!["day", "week", "month"]),
    ) {
        let mut query = format!("granularity={granularity}");
        for (name, value) in [("from", &from), ("to", &to)] {
            if let Some(value) = value {
                query.push_str(&format!("&{name}={value}"));
            }
        }
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let app = app();
            let (admin, _) = token(&app, Role::Admin);
            let reply = analytics(&app, &admin, &query).await;
            prop_assert!(
                reply.status == 200 || reply.status == 400,
                "{} for {}: {}", reply.status, query, reply.body
            );
            Ok(())
        })?;
    }
}

/// `PUT /listings/{sku}` without `status` keeps the stored one; a new
/// listing without it is ACTIVE.
#[tokio::test]
async fn editing_a_listing_without_status_keeps_its_status() {
    let app = app();
    let (admin, _) = token(&app, Role::Admin);
    let put = |body: &str| with_body(event(PUT, Some(&admin)), body);
    let plain = r#"{"title":"Oak desk lamp","price":"49.00"}"#;
    let reply = call(&app, &put(plain)).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["status"], "ACTIVE", "a new listing is ACTIVE");
    for status in ["INACTIVE", "DELETED"] {
        let set = format!(r#"{{"title":"Oak desk lamp","price":"49.00","status":"{status}"}}"#);
        let reply = call(&app, &put(&set)).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["status"], status);
        let edit = r#"{"title":"Oak desk lamp, brass","price":"52.00"}"#;
        let reply = call(&app, &put(edit)).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["status"], status, "an edit does not revive it");
        assert_eq!(reply.body["title"], "Oak desk lamp, brass");
        let get = with_path(event(GET, Some(&admin)), "/listings/LAMP-OAK");
        let reply = call(&app, &get).await;
        assert_eq!(reply.body["status"], status, "stored: {}", reply.body);
    }
    let revive = r#"{"title":"Oak desk lamp","price":"49.00","status":"ACTIVE"}"#;
    let reply = call(&app, &put(revive)).await;
    assert_eq!(
        reply.body["status"], "ACTIVE",
        "an explicit status still applies"
    );
}

/// A delta of `i64::MIN` (or any beyond the bound) is a 400, not an
/// overflow.
#[tokio::test]
async fn extreme_stock_deltas_answer_400() {
    let app = app();
    listing(&app, "MUG-BLUE", 10).await;
    let (admin, _) = token(&app, Role::Admin);
    for delta in [
        i64::MIN.to_string(),
        (i64::MIN + 1).to_string(),
        i64::MAX.to_string(),
        "-1000000001".to_owned(),
    ] {
        let body = format!(r#"{{"delta":{delta},"reason":"count"}}"#);
        let reply = call(&app, &with_body(event(ADJUST, Some(&admin)), &body)).await;
        assert_eq!(reply.status, 400, "{delta}: {}", reply.body);
        assert_eq!(error_code(&reply), "validation_failed");
    }
    assert_eq!(stock(&app, "MUG-BLUE").await, 10);
    let body = r#"{"delta":-1000000000,"reason":"count"}"#;
    let reply = call(&app, &with_body(event(ADJUST, Some(&admin)), body)).await;
    assert_eq!(
        reply.status, 409,
        "the bound itself is valid: {}",
        reply.body
    );
}

/// The authentication scheme is case-insensitive (RFC 7235); anything
/// but Bearer, or no token, is still 401.
#[tokio::test]
async fn the_bearer_scheme_matches_in_any_case() {
    let app = app();
    listing(&app, "MUG-BLUE", 10).await;
    let (customer, _) = token(&app, Role::Customer);
    let get = |authorization: &str| {
        with_header(
            with_path(event(GET, None), "/listings/MUG-BLUE"),
            "authorization",
            authorization,
        )
    };
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let reply = call(&app, &get(&format!("{scheme} {customer}"))).await;
        assert_eq!(reply.status, 200, "{scheme}: {}", reply.body);
    }
    for refused in [
        format!("Basic {customer}"),
        format!("Bearer{customer}"),
        format!("Bearers {customer}"),
        "Bearer ".to_owned(),
        "bearer".to_owned(),
    ] {
        let reply = call(&app, &get(&refused)).await;
        assert_eq!(reply.status, 401, "{refused}: {}", reply.body);
    }
}

/// An app on the memory store whose clock the test moves.
fn app_at(clock: &Arc<ManualClock>) -> stockroom::app::App {
    app().with_clock(clock.clone() as Arc<dyn stockroom::ports::Clock>)
}

fn sign_in(username: &str, password: &str) -> serde_json::Value {
    let body = serde_json::json!({ "username": username, "password": password });
    with_body(event(TOKEN, None), &body.to_string())
}

fn register_from(username: &str, address: &str) -> serde_json::Value {
    let body = serde_json::json!({ "username": username, "password": "correct horse battery" });
    let mut event = with_body(event(REGISTER, None), &body.to_string());
    event["requestContext"]["http"]["sourceIp"] = address.into();
    event
}

fn retry_after(reply: &Reply) -> u64 {
    reply.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Five wrong passwords for one username within 15 minutes: the sixth
/// attempt is 429 `too_many_attempts` with `Retry-After` until the window
/// ends, even with the right password; another username is unaffected;
/// when the window ends the right password works again.
#[tokio::test]
async fn password_guessing_is_stopped_per_username() {
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let app = app_at(&clock);
    for name in ["alice", "bob"] {
        let reply = call(&app, &register_from(name, "203.0.113.10")).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    for guess in 0..5 {
        let reply = call(&app, &sign_in("alice", &format!("guess number {guess}"))).await;
        assert_eq!(reply.status, 401, "guess {guess}: {}", reply.body);
        clock.advance(chrono::Duration::seconds(60));
    }
    // The window opened at the first failure, 5 minutes ago.
    for password in ["another guess", "correct horse battery"] {
        let reply = call(&app, &sign_in("alice", password)).await;
        assert_eq!(reply.status, 429, "{password}: {}", reply.body);
        assert_eq!(error_code(&reply), "too_many_attempts");
        assert_eq!(retry_after(&reply), 600);
    }
    // The username is case-insensitive: no way around the counter.
    let reply = call(&app, &sign_in("ALICE", "correct horse battery")).await;
    assert_eq!(reply.status, 429);
    let reply = call(&app, &sign_in("bob", "correct horse battery")).await;
    assert_eq!(reply.status, 200, "another username: {}", reply.body);

    clock.advance(chrono::Duration::seconds(599));
    let reply = call(&app, &sign_in("alice", "correct horse battery")).await;
    assert_eq!(reply.status, 429);
    assert_eq!(retry_after(&reply), 1);
    clock.advance(chrono::Duration::seconds(1));
    let reply = call(&app, &sign_in("alice", "correct horse battery")).await;
    assert_eq!(reply.status, 200, "the window ended: {}", reply.body);
    // A success clears the username's failures: four more are allowed.
    for guess in 0..4 {
        let reply = call(&app, &sign_in("alice", &format!("later guess {guess}"))).await;
        assert_eq!(reply.status, 401);
    }
    let reply = call(&app, &sign_in("alice", "correct horse battery")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// Registrations are limited per source address (20 an hour by default),
/// counted by the address API Gateway saw; other addresses are unaffected.
#[tokio::test]
async fn registrations_are_limited_per_address() {
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let app = app_at(&clock);
    let limit = stockroom::config::Settings::default().registrations_per_address_per_hour;
    for i in 0..limit {
        let reply = call(&app, &register_from(&format!("user{i}"), "198.51.100.7")).await;
        assert_eq!(reply.status, 201, "registration {i}: {}", reply.body);
        clock.advance(chrono::Duration::seconds(60));
    }
    let reply = call(&app, &register_from("one-too-many", "198.51.100.7")).await;
    assert_eq!(reply.status, 429, "{}", reply.body);
    assert_eq!(error_code(&reply), "too_many_attempts");
    assert_eq!(retry_after(&reply), 3600 - 60 * u64::from(limit));
    let reply = call(&app, &register_from("elsewhere", "198.51.100.8")).await;
    assert_eq!(reply.status, 201, "another address: {}", reply.body);
    clock.advance(chrono::Duration::seconds(3600));
    let reply = call(&app, &register_from("next-hour", "198.51.100.7")).await;
    assert_eq!(reply.status, 201, "a new hour: {}", reply.body);
}

/// An order of the documented maximum of 100 lines is placed; 101 lines
/// are a clear 400.
#[tokio::test]
async fn orders_of_100_lines_are_placed_and_101_refused() {
    let app = app();
    let (customer, _) = token(&app, Role::Customer);
    let skus: Vec<String> = (0..101).map(|i| format!("BULK-{i:03}")).collect();
    for sku in &skus {
        listing(&app, sku, 5).await;
    }
    let body = |n: usize| {
        let items: Vec<_> = skus[..n]
            .iter()
            .map(|sku| serde_json::json!({ "sku": sku, "quantity": 2 }))
            .collect();
        serde_json::json!({ "items": items }).to_string()
    };
    let reply = call(&app, &with_body(event(ORDER, Some(&customer)), &body(101))).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(error_code(&reply), "validation_failed");
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at most 100 lines"),
        "{}",
        reply.body
    );
    let reply = call(&app, &with_body(event(ORDER, Some(&customer)), &body(100))).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["items"].as_array().unwrap().len(), 100);
    assert_eq!(stock(&app, "BULK-099").await, 3);
    assert_eq!(stock(&app, "BULK-100").await, 5);
}
