//! The API issue's guarantees, over real HTTP against the dev server, with
//! many requests in flight at once. Runs on the store named by `STORE`
//! (memory by default), so the same file proves DynamoDB and MongoDB.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on failure by design

use crate::common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use common::{Running, unique_sku};
use futures::future::join_all;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_hundred_racing_orders_sell_exactly_the_stock() {
    let server = Arc::new(Running::start().await);
    let sku = unique_sku("RACE");
    server.put_listing(&sku, 50).await;
    let mut tokens = Vec::new();
    for _ in 0..10 {
        tokens.push(server.customer().await);
    }
    let requests = (0..500).map(|i| {
        let server = server.clone();
        let token = tokens[i % tokens.len()].clone();
        let sku = sku.clone();
        async move {
            let reply = server
                .post_order(&token, &json!({ "items": [{ "sku": sku, "quantity": 1 }] }))
                .send()
                .await
                .unwrap();
            let status = reply.status().as_u16();
            let body: Value = reply.json().await.unwrap();
            (status, body)
        }
    });
    let replies = join_all(requests).await;
    let mut by_status: HashMap<u16, usize> = HashMap::new();
    for (status, body) in &replies {
        *by_status.entry(*status).or_default() += 1;
        if *status == 409 {
            assert_eq!(body["error"]["code"], "insufficient_stock");
            assert!(body["error"]["message"].as_str().unwrap().contains(&sku));
            assert_eq!(body["error"]["details"]["items"][0]["sku"], sku.as_str());
        }
    }
    assert_eq!(by_status.get(&201), Some(&50), "{by_status:?}");
    assert_eq!(by_status.get(&409), Some(&450), "{by_status:?}");
    assert_eq!(server.available(&sku).await, 0);
    let ids: HashSet<&str> = replies
        .iter()
        .filter(|(s, _)| *s == 201)
        .map(|(_, b)| b["order_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 50, "fifty distinct orders");
    Arc::try_unwrap(server).ok().unwrap().stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_multi_line_orders_never_reserve_part_of_an_order() {
    let server = Arc::new(Running::start().await);
    let skus: Vec<String> = (0..4).map(|i| unique_sku(&format!("ML{i}"))).collect();
    for sku in &skus {
        server.put_listing(sku, 40).await;
    }
    let token = server.customer().await;
    let requests = (0..200).map(|i| {
        let server = server.clone();
        let token = token.clone();
        let items: Vec<Value> = (0..3)
            .map(|k| json!({ "sku": skus[(i + k) % 4], "quantity": 1 + (i + k) % 3 }))
            .collect();
        async move {
            let reply = server
                .post_order(&token, &json!({ "items": items }))
                .send()
                .await
                .unwrap();
            let status = reply.status().as_u16();
            (status, reply.json::<Value>().await.unwrap())
        }
    });
    let replies = join_all(requests).await;
    let mut sold: HashMap<String, i64> = HashMap::new();
    for (status, body) in &replies {
        assert!(*status == 201 || *status == 409, "{status}: {body}");
        if *status == 201 {
            for item in body["items"].as_array().unwrap() {
                *sold
                    .entry(item["sku"].as_str().unwrap().to_owned())
                    .or_default() += item["quantity"].as_i64().unwrap();
            }
        }
    }
    for sku in &skus {
        let left = server.available(sku).await;
        let sold = sold.get(sku).copied().unwrap_or(0);
        assert_eq!(
            sold + left,
            40,
            "{sku}: sold {sold} + left {left} = received"
        );
    }
    Arc::try_unwrap(server).ok().unwrap().stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_retries_of_one_key_create_one_order() {
    let server = Arc::new(Running::start().await);
    let sku = unique_sku("IDEM");
    server.put_listing(&sku, 100).await;
    let token = server.customer().await;
    let key = uuid::Uuid::new_v4().to_string();
    let body = json!({ "items": [{ "sku": sku, "quantity": 2 }] });
    let requests = (0..20).map(|_| {
        let server = server.clone();
        let (token, key, body) = (token.clone(), key.clone(), body.clone());
        async move {
            let reply = server
                .post_order(&token, &body)
                .header("Idempotency-Key", key)
                .send()
                .await
                .unwrap();
            (
                reply.status().as_u16(),
                reply.json::<Value>().await.unwrap(),
            )
        }
    });
    let replies = join_all(requests).await;
    let mut ids = HashSet::new();
    for (status, body) in &replies {
        // A duplicate never races past the first: each one replays it.
        assert_eq!(*status, 201, "{body}");
        ids.insert(body["order_id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 1, "every success returns the same order");
    assert_eq!(server.available(&sku).await, 98, "reserved once");

    let other_body = server
        .post_order(&token, &json!({ "items": [{ "sku": sku, "quantity": 3 }] }))
        .header("Idempotency-Key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(other_body.status(), 422);
    let body: Value = other_body.json().await.unwrap();
    assert_eq!(body["error"]["code"], "idempotency_key_reused");
    Arc::try_unwrap(server).ok().unwrap().stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_cancels_release_stock_once() {
    // MCF mode: the order waits in PROCESSING for Amazon, so it stays
    // cancellable however fast the processor is. Amazon is an in-process
    // one that accepts every cancel (`common::amazon`).
    let server = Arc::new(Running::start_mcf_parked().await);
    let sku = unique_sku("CXL");
    server.put_listing(&sku, 10).await;
    let token = server.customer().await;
    for _ in 0..5 {
        let placed: Value = server
            .post_order(
                &token,
                &json!({ "items": [{ "sku": sku, "quantity": 4 }],
                         "shipping_address": { "name": "Ada", "address_line1": "1 Way",
                                               "postal_code": "98101", "country_code": "US" } }),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = placed["order_id"].as_str().unwrap().to_owned();
        assert_eq!(server.available(&sku).await, 6);
        let cancels = (0..8).map(|_| {
            let server = server.clone();
            let (token, id) = (token.clone(), id.clone());
            async move {
                server
                    .client
                    .post(server.url(&format!("/orders/{id}/cancel")))
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }
        });
        let statuses = join_all(cancels).await;
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            1,
            "{statuses:?}"
        );
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 409),
            "{statuses:?}"
        );
        assert_eq!(server.available(&sku).await, 10, "released exactly once");
    }
    Arc::try_unwrap(server).ok().unwrap().stop().await;
}

#[tokio::test]
async fn oversized_bodies_are_refused_over_http() {
    let server = Running::start().await;
    let token = server.customer().await;
    let big = format!(r#"{{"items":[],"pad":"{}"}}"#, "x".repeat(2 * 1024 * 1024));
    let reply = server
        .client
        .post(server.url("/orders"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 413);
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");
    // The server keeps serving.
    let ok = server
        .client
        .get(server.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    server.stop().await;
}
