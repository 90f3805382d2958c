//! The OpenAPI document tells the whole truth, and keeps telling it:
//!
//! - every operation lists the statuses it can answer (the error sets of
//!   `http::routes::responses` by what the operation is, and an exact
//!   table of the operations known here), each error with the error body;
//! - the pattern documented for each request value agrees with the parser
//!   of that value, on values generated from the pattern and on arbitrary
//!   ones (so a client keeping to the document is never refused for a
//!   value's shape, and one leaving it always is);
//! - every link names an operation and parameters that exist.
//!
//! The patterns are checked in [`patterns`]. `scripts/fuzz-api` then puts
//! the document to schemathesis against a running server.

mod patterns;

use std::collections::BTreeSet;

use serde_json::Value;
use stockroom::domain::Role;

use crate::support::{app, call, event, listing, token, with_body, with_path, with_query};

fn document() -> Value {
    serde_json::from_str(stockroom::http::routes::docs::document()).unwrap()
}

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// `(method, path, operation)` for every operation of the document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                out.push((method.to_uppercase(), path.clone(), op.clone()));
            }
        }
    }
    out
}

fn statuses(op: &Value) -> BTreeSet<u16> {
    op["responses"]
        .as_object()
        .unwrap()
        .keys()
        .map(|s| s.parse().unwrap())
        .collect()
}

/// Exactly what each operation known here can answer.
const STATUSES: &[(&str, &str, &[u16])] = &[
    (
        "POST",
        "/auth/register",
        &[201, 400, 409, 413, 415, 429, 503],
    ),
    ("POST", "/auth/token", &[200, 400, 401, 413, 415, 429, 503]),
    ("GET", "/listings", &[200, 400, 401, 503]),
    ("GET", "/listings/{sku}", &[200, 400, 401, 404, 503]),
    (
        "PUT",
        "/listings/{sku}",
        &[200, 201, 400, 401, 403, 413, 415, 422, 503],
    ),
    ("DELETE", "/listings/{sku}", &[204, 400, 401, 403, 404, 503]),
    (
        "POST",
        "/listings/{sku}/stock",
        &[200, 400, 401, 403, 404, 409, 413, 415, 503],
    ),
    (
        "POST",
        "/orders",
        &[201, 400, 401, 403, 409, 413, 415, 422, 503],
    ),
    ("GET", "/orders", &[200, 400, 401, 503]),
    ("GET", "/orders/{id}", &[200, 401, 404, 503]),
    ("POST", "/orders/{id}/cancel", &[200, 401, 404, 409, 503]),
    (
        "POST",
        "/orders/preview",
        &[200, 400, 401, 413, 415, 422, 503],
    ),
    ("GET", "/suppliers", &[200, 400, 401, 403, 503]),
    ("GET", "/suppliers/{id}", &[200, 400, 401, 403, 404, 503]),
    (
        "PUT",
        "/suppliers/{id}",
        &[200, 201, 400, 401, 403, 413, 415, 503],
    ),
    ("GET", "/reorders", &[200, 400, 401, 403, 503]),
    (
        "POST",
        "/reorders/{id}/approve",
        &[200, 401, 403, 404, 409, 503],
    ),
    (
        "POST",
        "/reorders/{id}/reject",
        &[200, 401, 403, 404, 409, 503],
    ),
    (
        "POST",
        "/reorders/{id}/receive",
        &[200, 400, 401, 403, 404, 409, 413, 415, 422, 503],
    ),
    (
        "POST",
        "/reorders/{id}/cancel",
        &[200, 401, 403, 404, 409, 503],
    ),
    (
        "POST",
        "/assistant/messages",
        &[200, 400, 401, 403, 413, 415, 503],
    ),
    ("GET", "/metrics", &[200, 401, 403, 503]),
    ("GET", "/metrics/orders/{id}", &[200, 401, 403, 404, 503]),
    ("GET", "/analytics/orders", &[200, 400, 401, 403, 503]),
    ("GET", "/forecasts/{sku}", &[200, 400, 401, 403, 404, 503]),
    ("GET", "/openapi.json", &[200]),
];

#[test]
fn every_operation_lists_the_statuses_it_can_answer() {
    let doc = document();
    let mut problems = Vec::new();
    for (method, path, op) in operations(&doc) {
        let found = statuses(&op);
        let label = format!("{method} {path}");
        let mut want = |status: u16, why: &str| {
            if !found.contains(&status) {
                problems.push(format!("{label}: no {status} ({why})"));
            }
        };
        if op.get("security").is_some() {
            want(401, "it needs a bearer token");
        }
        if op.get("requestBody").is_some() {
            want(400, "malformed or invalid JSON");
            want(413, "a body over 1 MiB");
            want(415, "a body that is not JSON");
        }
        if path != "/openapi.json" {
            want(503, "the store can be down");
        }
        let has_query = op["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
        if has_query {
            want(400, "a bad query parameter");
        }
        if let Some((_, _, exact)) = STATUSES.iter().find(|(m, p, _)| *m == method && *p == path) {
            let exact: BTreeSet<u16> = exact.iter().copied().collect();
            if found != exact {
                problems.push(format!("{label}: documents {found:?}, answers {exact:?}"));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_error_response_has_the_error_body() {
    let doc = document();
    for (method, path, op) in operations(&doc) {
        for (status, response) in op["responses"].as_object().unwrap() {
            assert!(
                response["description"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty()),
                "{method} {path} {status}: no description"
            );
            if status.starts_with('4') || status.starts_with('5') {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{method} {path} {status}"
                );
            }
        }
        if let Some(r503) = op["responses"].get("503") {
            assert!(
                r503["headers"]["Retry-After"].is_object(),
                "{method} {path}: 503 without Retry-After"
            );
        }
    }
}

#[test]
fn protected_operations_name_the_bearer_scheme() {
    let doc = document();
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let public: BTreeSet<&str> = ["/auth/register", "/auth/token", "/openapi.json"].into();
    for (method, path, op) in operations(&doc) {
        assert_eq!(
            op.get("security").is_some(),
            !public.contains(path.as_str()),
            "{method} {path}"
        );
        assert!(
            op["operationId"].is_string(),
            "{method} {path}: no operationId"
        );
    }
}

#[test]
fn every_link_names_an_operation_and_its_parameters() {
    let doc = document();
    let ops = operations(&doc);
    let mut links = 0;
    for (method, path, op) in &ops {
        for (status, response) in op["responses"].as_object().unwrap() {
            let Some(response_links) = response.get("links").and_then(Value::as_object) else {
                continue;
            };
            for (name, link) in response_links {
                links += 1;
                let target = link["operationId"].as_str().unwrap();
                let (_, _, target_op) = ops
                    .iter()
                    .find(|(_, _, o)| o["operationId"] == target)
                    .unwrap_or_else(|| panic!("{method} {path} {status} {name}: no {target}"));
                for param in link["parameters"].as_object().unwrap().keys() {
                    assert!(
                        target_op["parameters"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .any(|p| p["name"] == param.as_str()),
                        "{method} {path} {status} {name}: {target} has no parameter {param}"
                    );
                }
            }
        }
    }
    // Listings, orders, suppliers and reorders each have theirs.
    assert!(links >= 20, "only {links} links");
}

#[test]
fn every_query_parameter_may_be_blank() {
    // `?q=` reads as no `q` at all; the document says so.
    let doc = document();
    for (method, path, op) in operations(&doc) {
        for p in op["parameters"].as_array().into_iter().flatten() {
            if p["in"] == "query" {
                assert_eq!(p["allowEmptyValue"], true, "{method} {path} {}", p["name"]);
            }
        }
    }
}

/// Requests the document calls valid that the server once refused, found
/// by schemathesis: whole numbers written `3.0` (JSON Schema's `integer`
/// takes them) and dates the document's `YYYY-MM-DD` does not take.
#[tokio::test]
async fn the_server_takes_what_the_document_allows_and_nothing_else() {
    let app = app();
    listing(&app, "MUG-BLUE", 5).await;
    let (admin, _) = token(&app, Role::Admin);
    let put_supplier = include_str!("../../../../events/admin-api/put-supplier.json");
    let reply = call(
        &app,
        &with_body(
            with_path(event(put_supplier, Some(&admin)), "/suppliers/acme"),
            r#"{"name":"Acme","email":"orders@acme.example","rating":3.0}"#,
        ),
    )
    .await;
    assert!(reply.status == 200 || reply.status == 201, "{}", reply.body);
    assert_eq!(reply.body["rating"], 3);

    let adjust = include_str!("../../../../events/listings-api/adjust-stock.json");
    let reply = call(
        &app,
        &with_body(
            with_path(event(adjust, Some(&admin)), "/listings/MUG-BLUE/stock"),
            r#"{"delta":2.0,"reason":"count"}"#,
        ),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["available"], 7);

    let put = include_str!("../../../../events/listings-api/put-listing.json");
    let reply = call(
        &app,
        &with_body(
            with_path(event(put, Some(&admin)), "/listings/MUG-BLUE"),
            r#"{"title":"Mug","price":"3.50","reorder_point":4.0,"lead_time_days":null}"#,
        ),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["reorder_point"], 4);
    for bad in [r#"-1"#, r#"2.5"#, r#""4""#] {
        let body = format!(r#"{{"title":"Mug","price":"3.50","reorder_point":{bad}}}"#);
        let reply = call(
            &app,
            &with_body(
                with_path(event(put, Some(&admin)), "/listings/MUG-BLUE"),
                &body,
            ),
        )
        .await;
        assert_eq!(reply.status, 400, "{bad}: {}", reply.body);
    }

    let analytics = include_str!("../../../../events/admin-api/analytics.json");
    for (query, status) in [
        ("from=2024-01-01&to=2024-01-31", 200),
        ("from=2024-1-1&to=2024-01-31", 400),
        ("to=%2B2024-01-31", 400),
        ("to=24-01-31", 400),
        ("to=2024-02-30", 400),
        ("to=", 200),
    ] {
        let reply = call(&app, &with_query(event(analytics, Some(&admin)), query)).await;
        assert_eq!(reply.status, status, "{query}: {}", reply.body);
    }
}
