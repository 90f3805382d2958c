//! Store-level defects pinned over real HTTP, on whichever store `STORE`
//! names (`scripts/test` runs this suite on memory, DynamoDB and MongoDB):
//! orders of the maximum 100 lines are placed and processed, 101 lines are
//! a 400; password guessing and registrations from one address are
//! limited; a search that matches nothing answers with a cursor.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on failure by design

use crate::common;

use std::time::Duration;

use common::{Running, unique_sku};
use futures::future::join_all;
use serde_json::{Value, json};

async fn get(server: &Running, path: &str) -> Value {
    server.get_json(path, &server.admin_token).await
}

/// A 100-line order is placed (201) and processed to COMPLETED, every
/// line's stock taken once; 101 lines answer 400 `validation_failed`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_of_100_lines_are_placed_and_processed() {
    let server = Running::start().await;
    let prefix = unique_sku("BULK");
    let skus: Vec<String> = (0..101).map(|i| format!("{prefix}-{i:03}")).collect();
    for chunk in skus.chunks(10) {
        join_all(chunk.iter().map(|sku| server.put_listing(sku, 10))).await;
    }
    let token = server.customer().await;
    let body = |n: usize| {
        let items: Vec<Value> = skus[..n]
            .iter()
            .map(|sku| json!({ "sku": sku, "quantity": 3 }))
            .collect();
        json!({ "items": items })
    };
    let refused = server.post_order(&token, &body(101)).send().await.unwrap();
    assert_eq!(refused.status(), 400);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(refused["error"]["code"], "validation_failed", "{refused}");

    let placed = server.post_order(&token, &body(100)).send().await.unwrap();
    assert_eq!(placed.status(), 201, "{}", placed.text().await.unwrap());
    let placed: Value = placed.json().await.unwrap();
    let id = placed["order_id"].as_str().unwrap().to_owned();
    let mut status = Value::Null;
    for _ in 0..600 {
        status = get(&server, &format!("/orders/{id}")).await["status"].clone();
        if status == "COMPLETED" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, "COMPLETED");
    for sku in &skus[..100] {
        assert_eq!(server.available(sku).await, 7, "{sku}");
    }
    assert_eq!(server.available(&skus[100]).await, 10);
    server.stop().await;
}

async fn sign_in(server: &Running, username: &str, password: &str) -> reqwest::Response {
    server
        .client
        .post(server.url("/auth/token"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap()
}

async fn register(server: &Running, username: &str) -> reqwest::Response {
    server
        .client
        .post(server.url("/auth/register"))
        .json(&json!({ "username": username, "password": "customer password" }))
        .send()
        .await
        .unwrap()
}

fn fresh_username() -> String {
    format!("g{}", &uuid::Uuid::new_v4().simple().to_string()[..16])
}

/// After 5 wrong passwords the username answers 429 `too_many_attempts`
/// with `Retry-After`, even to the right password; another username
/// still signs in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_guessing_is_stopped() {
    let server = Running::start().await;
    let (victim, bystander) = (fresh_username(), fresh_username());
    for name in [&victim, &bystander] {
        assert_eq!(register(&server, name).await.status(), 201);
    }
    for guess in 0..5 {
        let reply = sign_in(&server, &victim, &format!("wrong guess {guess}")).await;
        assert_eq!(reply.status(), 401, "guess {guess}");
    }
    let reply = sign_in(&server, &victim, "customer password").await;
    assert_eq!(reply.status(), 429);
    let wait: u64 = reply.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&wait), "Retry-After {wait}");
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_attempts");
    assert_eq!(
        sign_in(&server, &bystander, "customer password")
            .await
            .status(),
        200
    );
    server.stop().await;
}

/// With a limit of 3 registrations per address an hour, the loopback
/// address is refused (429 with `Retry-After`) within 4 attempts (the
/// store may already hold this hour's registrations of other tests).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registrations_per_address_are_limited() {
    let server = Running::start_with(&[("REGISTRATIONS_PER_ADDRESS_PER_HOUR", "3")]).await;
    let mut refused = None;
    for _ in 0..4 {
        let reply = register(&server, &fresh_username()).await;
        if reply.status() == 429 {
            refused = Some(reply);
            break;
        }
        assert_eq!(reply.status(), 201);
    }
    let reply = refused.expect("the fourth registration at the latest is refused");
    let wait: u64 = reply.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&wait), "Retry-After {wait}");
    server.stop().await;
}

/// A search that matches nothing over more listings than one page may
/// examine answers at once, empty, with a cursor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_without_match_answers_with_a_cursor() {
    let server = Running::start().await;
    let prefix = unique_sku("SCAN");
    let skus: Vec<String> = (0..210).map(|i| format!("{prefix}-{i:03}")).collect();
    for chunk in skus.chunks(10) {
        join_all(chunk.iter().map(|sku| server.put_listing(sku, 10))).await;
    }
    let page = get(&server, "/listings?q=no-such-listing-anywhere&limit=10").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 0, "{page}");
    assert!(page["next_cursor"].is_string(), "{page}");
    server.stop().await;
}
