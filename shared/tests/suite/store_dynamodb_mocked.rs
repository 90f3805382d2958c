//! Recorded-response tests: the failure modes no local emulator produces
//! (transaction conflicts, per-item cancellation reasons as real DynamoDB
//! returns them, exhausted throttling) and an endpoint that refuses
//! connections.
// Test helpers outside #[test] functions unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::operation::transact_write_items::{
    TransactWriteItemsError, TransactWriteItemsOutput,
};
use aws_sdk_dynamodb::types::error::TransactionCanceledException;
use aws_sdk_dynamodb::types::{AttributeValue, CancellationReason};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use chrono::{Duration as Days, Utc};
use stockroom::domain::{
    Currency, CustomerId, IdempotencyKey, LineQuantity, Order, OrderId, OrderLine, Price, Sku,
};
use stockroom::ports::{IdempotencyRecord, ListingStore, OrderStore, PlaceOrderError, StoreError};
use stockroom::store::dynamodb::{self, DynamoStore};

fn sku(raw: &str) -> Sku {
    Sku::parse(raw).unwrap()
}

/// An order for 3 × A and 1 × B. Its transaction is, in order: line A,
/// line B, the order, the idempotency record, two stats counters.
fn order() -> Order {
    let line = |s: &str, q| OrderLine {
        sku: sku(s),
        quantity: LineQuantity::new(q).unwrap(),
        unit_price: Price::parse("2.50").unwrap(),
    };
    Order::new(
        OrderId::generate(),
        CustomerId::generate(),
        vec![line("A", 3), line("B", 1)],
        Currency::parse("USD").unwrap(),
        Utc::now(),
    )
}

fn record(order: &Order) -> IdempotencyRecord {
    IdempotencyRecord {
        customer_id: order.customer_id,
        key: IdempotencyKey::parse("key-1").unwrap(),
        request_hash: "hash".into(),
        order: order.clone(),
        created_at: order.created_at,
        expires_at: order.created_at + Days::hours(24),
    }
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn listing_as_stored(status: &str, available: i64) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("status".into(), s(status)),
        ("available".into(), AttributeValue::N(available.to_string())),
        ("reorder_point".into(), AttributeValue::N("5".into())),
    ])
}

fn record_as_stored(r: &IdempotencyRecord) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("customer_id".into(), s(&r.customer_id.to_string())),
        ("key".into(), s(r.key.as_str())),
        ("request_hash".into(), s(&r.request_hash)),
        (
            "order".into(),
            attribute(serde_json::to_value(&r.order).unwrap()),
        ),
        ("created_at".into(), s(&r.created_at.to_rfc3339())),
        ("expires_at".into(), s(&r.expires_at.to_rfc3339())),
    ])
}

/// JSON as DynamoDB stores it: objects as maps, arrays as lists, numbers as `N`.
fn attribute(value: serde_json::Value) -> AttributeValue {
    use serde_json::Value;
    match value {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(b),
        Value::Number(n) => AttributeValue::N(n.to_string()),
        Value::String(v) => AttributeValue::S(v),
        Value::Array(items) => AttributeValue::L(items.into_iter().map(attribute).collect()),
        Value::Object(fields) => AttributeValue::M(
            fields
                .into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, attribute(v)))
                .collect(),
        ),
    }
}

fn passed() -> CancellationReason {
    CancellationReason::builder().code("None").build()
}

fn conflict() -> CancellationReason {
    CancellationReason::builder()
        .code("TransactionConflict")
        .message("Transaction is ongoing for the item")
        .build()
}

fn failed(item: Option<HashMap<String, AttributeValue>>) -> CancellationReason {
    CancellationReason::builder()
        .code("ConditionalCheckFailed")
        .message("The conditional request failed")
        .set_item(item)
        .build()
}

fn cancelled(reasons: Vec<CancellationReason>) -> TransactWriteItemsError {
    TransactWriteItemsError::TransactionCanceledException(
        TransactionCanceledException::builder()
            .message(
                "Transaction cancelled, please refer cancellation reasons for specific reasons",
            )
            .set_cancellation_reasons(Some(reasons))
            .build(),
    )
}

fn store(rules: &[&Rule]) -> DynamoStore {
    let client = mock_client!(aws_sdk_dynamodb, RuleMode::Sequential, rules, |c| {
        dynamodb::configure(c).retry_config(
            RetryConfig::standard()
                .with_max_attempts(dynamodb::MAX_ATTEMPTS)
                .with_initial_backoff(Duration::from_millis(1)),
        )
    });
    DynamoStore::new(client, "mocked")
}

#[tokio::test]
async fn a_transaction_conflict_is_retried_then_succeeds() {
    let rule = mock!(Client::transact_write_items)
        .sequence()
        .error(|| {
            cancelled(vec![
                passed(),
                conflict(),
                passed(),
                passed(),
                passed(),
                passed(),
            ])
        })
        .error(|| {
            cancelled(vec![
                conflict(),
                passed(),
                passed(),
                passed(),
                passed(),
                passed(),
            ])
        })
        .output(|| TransactWriteItemsOutput::builder().build())
        .build();
    let store = store(&[&rule]);
    let order = order();
    store
        .place_order(&order, Some(&record(&order)))
        .await
        .unwrap();
    assert_eq!(rule.num_calls(), 3, "two conflicts, then the commit");
}

#[tokio::test]
async fn endless_conflicts_end_as_unavailable() {
    let rule = mock!(Client::transact_write_items)
        .sequence()
        .error(|| cancelled(vec![conflict(), passed(), passed(), passed(), passed()]))
        .repeatedly()
        .build();
    let store = store(&[&rule]);
    let order = order();
    let err = store.place_order(&order, None).await.unwrap_err();
    assert!(
        matches!(err, PlaceOrderError::Store(StoreError::Unavailable(_))),
        "{err:?}"
    );
    assert!(
        rule.num_calls() >= 2 && rule.num_calls() <= 6,
        "bounded: {}",
        rule.num_calls()
    );
}

#[tokio::test]
async fn a_failed_stock_condition_names_the_sku_and_what_was_left() {
    let rule = mock!(Client::transact_write_items).then_error(|| {
        cancelled(vec![
            passed(),
            failed(Some(listing_as_stored("ACTIVE", 0))),
            passed(),
            passed(),
            passed(),
            passed(),
        ])
    });
    let store = store(&[&rule]);
    let order = order();
    match store.place_order(&order, Some(&record(&order))).await {
        Err(PlaceOrderError::InsufficientStock(shortages)) => {
            assert_eq!(shortages.len(), 1);
            assert_eq!(shortages[0].sku, sku("B"));
            assert_eq!(shortages[0].requested, 1);
            assert_eq!(shortages[0].available, 0);
        }
        other => panic!("expected a shortage, got {other:?}"),
    }
    assert_eq!(rule.num_calls(), 1, "a business answer is not retried");
}

#[tokio::test]
async fn missing_and_inactive_listings_are_not_buyable() {
    let rule = mock!(Client::transact_write_items).then_error(|| {
        cancelled(vec![
            failed(None),
            failed(Some(listing_as_stored("INACTIVE", 50))),
            passed(),
            passed(),
            passed(),
            passed(),
        ])
    });
    let store = store(&[&rule]);
    let order = order();
    match store.place_order(&order, Some(&record(&order))).await {
        Err(PlaceOrderError::NotBuyable(skus)) => assert_eq!(skus, vec![sku("A"), sku("B")]),
        other => panic!("expected not buyable, got {other:?}"),
    }
}

#[tokio::test]
async fn a_taken_idempotency_key_wins_over_every_other_failure() {
    let order = order();
    let stored = record(&order);
    let stored_item = record_as_stored(&stored);
    let rule = mock!(Client::transact_write_items).then_error(move || {
        cancelled(vec![
            failed(None),
            failed(Some(listing_as_stored("ACTIVE", 0))),
            passed(),
            failed(Some(stored_item.clone())),
            passed(),
            passed(),
        ])
    });
    let store = store(&[&rule]);
    let mut retry = record(&order);
    retry.request_hash = "another body".into();
    match store.place_order(&order, Some(&retry)).await {
        Err(PlaceOrderError::IdempotencyKeyTaken(existing)) => assert_eq!(*existing, stored),
        other => panic!("expected the stored record, got {other:?}"),
    }
}

#[tokio::test]
async fn a_line_that_only_crosses_the_reorder_point_is_sent_again_with_the_flag() {
    // Enough stock and ACTIVE, yet the condition failed: only the low-stock
    // guard can have failed, so the second attempt sets the flag.
    let rule = mock!(Client::transact_write_items).then_error(|| {
        cancelled(vec![
            failed(Some(listing_as_stored("ACTIVE", 6))),
            passed(),
            passed(),
            passed(),
            passed(),
        ])
    });
    let second_sets_flag = mock!(Client::transact_write_items)
        .match_requests(|req| {
            let first = &req.transact_items()[0];
            first.update().is_some_and(|u| {
                u.update_expression().contains("#lpk")
                    && !u
                        .condition_expression()
                        .unwrap_or_default()
                        .contains("#lpk")
            })
        })
        .then_output(|| TransactWriteItemsOutput::builder().build());
    let store = store(&[&rule, &second_sets_flag]);
    store.place_order(&order(), None).await.unwrap();
    assert_eq!(rule.num_calls(), 1);
    assert_eq!(
        second_sets_flag.num_calls(),
        1,
        "the retry sets lpk in the decrement itself"
    );
}

#[tokio::test]
async fn exhausted_throttling_is_unavailable() {
    let rule = mock!(Client::get_item)
        .sequence()
        .http_status(
            400,
            Some(r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}"#.into()),
        )
        .repeatedly()
        .build();
    let store = store(&[&rule]);
    let err = store.get_listing(&sku("A")).await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert_eq!(
        rule.num_calls(),
        dynamodb::MAX_ATTEMPTS as usize,
        "the SDK retried first"
    );
}

#[tokio::test]
async fn a_validation_error_is_internal_and_not_retried() {
    let rule = mock!(Client::get_item)
        .sequence()
        .http_status(
            400,
            Some(r#"{"__type":"com.amazon.coral.validate#ValidationException","message":"One or more parameter values were invalid"}"#.into()),
        )
        .repeatedly()
        .build();
    let store = store(&[&rule]);
    let err = store.get_listing(&sku("A")).await.unwrap_err();
    assert!(matches!(err, StoreError::Internal(_)), "{err:?}");
    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test]
async fn a_closed_port_is_unavailable_not_a_panic() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .endpoint_url(format!("http://127.0.0.1:{port}"));
    let store = DynamoStore::new(
        Client::from_conf(dynamodb::configure(config).build()),
        "nowhere",
    );
    let started = Instant::now();
    let err = store.get_listing(&sku("A")).await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    let err = store.place_order(&order(), None).await.unwrap_err();
    assert!(
        matches!(err, PlaceOrderError::Store(StoreError::Unavailable(_))),
        "{err:?}"
    );
    assert!(
        started.elapsed() < dynamodb::OPERATION_TIMEOUT * 2,
        "gave up in {:?}",
        started.elapsed()
    );
}
