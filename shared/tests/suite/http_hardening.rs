//! Defects found by trying to break the API, each pinned over HTTP:
//! hostile analytics dates, a listing edit that revived it, an overflowing
//! stock delta and the case of the `Bearer` scheme.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on failure by design

use crate::support;

use proptest::prelude::*;
use stockroom::domain::Role;
use stockroom::http::RouteGroup;
use support::*;

const ANALYTICS: &str = include_str!("../../../events/admin-api/analytics.json");
const PUT: &str = include_str!("../../../events/listings-api/put-listing.json");
const GET: &str = include_str!("../../../events/listings-api/get-listing.json");
const ADJUST: &str = include_str!("../../../events/listings-api/adjust-stock.json");

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
