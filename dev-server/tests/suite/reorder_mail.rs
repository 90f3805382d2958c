//! Reorder mail end states over real HTTP, with the outbox set to refuse
//! one supplier's address for good and to be unavailable for another's:
//! both reorders end MAIL_FAILED (`rejected`, `retry_cap`) instead of
//! cycling through the dead-letter queue, their SKUs can be reordered, and
//! an admin cancels one. Also the customers' shop view of listings.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on failure by design

use crate::common;

use std::time::Duration;

use common::{Running, unique_sku};
use serde_json::{Value, json};

async fn post(server: &Running, path: &str) -> (u16, Value) {
    let reply = server
        .client
        .post(server.url(path))
        .bearer_auth(&server.admin_token)
        .send()
        .await
        .unwrap();
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap_or(Value::Null))
}

async fn put(server: &Running, path: &str, body: Value) {
    let reply = server
        .client
        .put(server.url(path))
        .bearer_auth(&server.admin_token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        reply.status().is_success(),
        "{path}: {}",
        reply.text().await.unwrap()
    );
}

/// The reorders of `sku`, newest first (any status).
async fn reorders_of(server: &Running, sku: &str) -> Vec<Value> {
    let mut found = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/reorders?limit=100&cursor={c}"),
            None => "/reorders?limit=100".to_owned(),
        };
        let page = server.get_json(&path, &server.admin_token).await;
        found.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["sku"] == sku)
                .cloned(),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return found,
        }
    }
}

/// Polls until the newest reorder of `sku` is MAIL_FAILED (at most ~15 s).
async fn mail_failed(server: &Running, sku: &str) -> Value {
    for _ in 0..300 {
        if let Some(newest) = reorders_of(server, sku).await.first()
            && newest["status"] == "MAIL_FAILED"
        {
            return newest.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the reorder of {sku} never became MAIL_FAILED: {:?}",
        reorders_of(server, sku).await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_and_unsendable_reorder_mails_end_in_mail_failed() {
    let tag = unique_sku("m").to_lowercase();
    let (refused, down) = (format!("refused-{tag}"), format!("down-{tag}"));
    let address = |id: &str| format!("{id}@suppliers.example");
    let server = Running::start_with(&[
        ("DEV_MAIL_REJECT", &address(&refused)),
        ("DEV_MAIL_UNAVAILABLE", &address(&down)),
        ("REORDER_MAIL_MAX_ATTEMPTS", "2"),
    ])
    .await;
    let mut skus = Vec::new();
    for supplier in [&refused, &down] {
        put(
            &server,
            &format!("/suppliers/{supplier}"),
            json!({ "name": supplier, "email": address(supplier), "rating": 5 }),
        )
        .await;
        let sku = unique_sku("MAILFAIL");
        put(
            &server,
            &format!("/listings/{sku}"),
            json!({ "title": "Widget", "price": "1.00", "available": 2, "reorder_point": 5,
                    "reorder_quantity": 10, "supplier_id": supplier }),
        )
        .await;
        skus.push(sku);
    }
    let (status, summary) = post(&server, "/_dev/schedules/stock-check").await;
    assert_eq!(status, 200, "{summary}");

    let rejected = mail_failed(&server, &skus[0]).await;
    assert_eq!(rejected["mail_failure"]["cause"], "rejected", "{rejected}");
    assert_eq!(rejected["mail_attempts"], 1, "a refusal is not retried");
    assert!(
        rejected["mail_failure"]["detail"]
            .as_str()
            .unwrap()
            .contains("refused"),
        "{rejected}"
    );
    let capped = mail_failed(&server, &skus[1]).await;
    assert_eq!(capped["mail_failure"]["cause"], "retry_cap", "{capped}");
    assert_eq!(capped["mail_attempts"], 2);

    // Neither message went to the dead-letter queue, and nothing was mailed.
    let dead = server
        .get_json("/_dev/queues/reorders/dead-letters", &server.admin_token)
        .await;
    for reorder in [&rejected, &capped] {
        let id = reorder["reorder_id"].as_str().unwrap();
        assert!(
            !dead["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["body"].as_str().unwrap().contains(id)),
            "{id} dead-lettered: {dead}"
        );
    }
    let outbox = server.get_json("/_dev/outbox", &server.admin_token).await;
    assert!(
        !outbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["to"] == address(&refused) || m["to"] == address(&down)),
        "{outbox}"
    );

    // The SKUs are free: the next stock check raises new reorders.
    let (status, _) = post(&server, "/_dev/schedules/stock-check").await;
    assert_eq!(status, 200);
    for sku in &skus {
        assert_eq!(reorders_of(&server, sku).await.len(), 2, "{sku}");
    }

    // An admin cancels the refused one, once.
    let id = rejected["reorder_id"].as_str().unwrap();
    let (status, body) = post(&server, &format!("/reorders/{id}/cancel")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "CANCELLED");
    let (status, body) = post(&server, &format!("/reorders/{id}/cancel")).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "reorder_not_cancellable");
    assert_eq!(body["error"]["details"]["status"], "CANCELLED");
    server.stop().await;
}

#[tokio::test]
async fn customers_get_the_shop_view_of_listings() {
    let server = Running::start().await;
    let (active, hidden) = (unique_sku("SHOP"), unique_sku("HIDDEN"));
    server.put_listing(&active, 4).await;
    put(
        &server,
        &format!("/listings/{hidden}"),
        json!({ "title": "Hidden", "price": "1.00", "status": "INACTIVE" }),
    )
    .await;
    let customer = server.customer().await;
    let shown = server
        .get_json(&format!("/listings/{active}"), &customer)
        .await;
    let mut fields: Vec<&str> = shown
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "available",
            "currency",
            "price",
            "sku",
            "title",
            "updated_at"
        ]
    );
    let reply = server
        .client
        .get(server.url(&format!("/listings/{hidden}")))
        .bearer_auth(&customer)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 404);
    let listed = server
        .get_json(&format!("/listings?status=INACTIVE&q={hidden}"), &customer)
        .await;
    assert_eq!(listed["items"], json!([]));
    let admin = server
        .get_json(&format!("/listings/{hidden}"), &server.admin_token)
        .await;
    assert_eq!(admin["status"], "INACTIVE");
    assert!(admin.get("reorder_point").is_some());
    server.stop().await;
}
