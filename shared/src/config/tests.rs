//! Reading the configuration: defaults, per-function requirements, and
//! errors that name the variable.

use super::*;
use std::collections::HashMap;

fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_lookup(|k| map.get(k).cloned())
}

const SECRET: (&str, &str) = ("TOKEN_SECRET", "0123456789abcdef0123456789abcdef");

#[test]
fn defaults_are_the_embedded_store() {
    let c = config(&[SECRET]).unwrap();
    assert_eq!(c.store, StoreConfig::Memory);
    assert_eq!(c.settings, Settings::default());
    assert_eq!(c.auth.unwrap().token_ttl, Duration::from_secs(3600));
    let c = config(&[]).unwrap();
    assert_eq!(c.auth, None, "locally the secret is optional");
    assert_eq!(c.queues, QueueUrls::new());
}

fn for_function(function: &Function, pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::for_function_from(function, |k| map.get(k).cloned())
}

#[test]
fn a_function_requires_the_store_and_what_its_row_needs() {
    use crate::functions::{FULFILLMENT_NOTIFICATIONS, ORDERS_API, REORDER_MAILER, STOCK_CHECK};
    const STORE: (&str, &str) = ("STORE", "dynamodb");
    const TABLE: (&str, &str) = ("TABLE_NAME", "t");
    let missing = |f, pairs: &[(&str, &str)]| for_function(f, pairs).unwrap_err().var;
    assert_eq!(missing(&FULFILLMENT_NOTIFICATIONS, &[]), "STORE");
    assert_eq!(missing(&ORDERS_API, &[STORE, TABLE]), "TOKEN_SECRET");
    assert_eq!(
        missing(&ORDERS_API, &[STORE, TABLE, SECRET]),
        "ORDERS_QUEUE_URL"
    );
    assert_eq!(missing(&STOCK_CHECK, &[STORE, TABLE]), "REORDERS_QUEUE_URL");
    assert_eq!(missing(&REORDER_MAILER, &[STORE, TABLE]), "SENDER_EMAIL");

    let c = for_function(
        &ORDERS_API,
        &[STORE, TABLE, SECRET, ("ORDERS_QUEUE_URL", "q")],
    )
    .unwrap();
    assert!(c.auth.is_some());
    assert_eq!(c.require_queue_url(PublishQueue::Orders), Ok("q"));
    assert!(c.require_queue_url(PublishQueue::Reorders).is_err());

    // A consumer is not given the secret even where one is set.
    let c = for_function(&FULFILLMENT_NOTIFICATIONS, &[STORE, TABLE, SECRET]).unwrap();
    assert_eq!(c.auth, None);
    assert_eq!(c.require_auth().unwrap_err().var, "TOKEN_SECRET");
}

#[test]
fn errors_name_the_variable() {
    assert_eq!(
        config(&[("TOKEN_SECRET", "short")]).unwrap_err().var,
        "TOKEN_SECRET"
    );
    assert_eq!(
        config(&[SECRET, ("STORE", "dynamodb")]).unwrap_err().var,
        "TABLE_NAME"
    );
    assert_eq!(
        config(&[SECRET, ("STORE", "mongodb")]).unwrap_err().var,
        "MONGODB_URI"
    );
    assert_eq!(
        config(&[SECRET, ("STORE", "postgres")]).unwrap_err().var,
        "STORE"
    );
    assert_eq!(
        config(&[SECRET, ("DEFAULT_REORDER_POINT", "ten")])
            .unwrap_err()
            .var,
        "DEFAULT_REORDER_POINT"
    );
    assert_eq!(
        config(&[SECRET, ("CURRENCY", "usd")]).unwrap_err().var,
        "CURRENCY"
    );
    assert_eq!(
        config(&[SECRET, ("FULFILLMENT_MODE", "fba")])
            .unwrap_err()
            .var,
        "FULFILLMENT_MODE"
    );
    assert_eq!(
        config(&[SECRET, ("FORECAST_SERVICE_LEVEL", "1.5")])
            .unwrap_err()
            .var,
        "FORECAST_SERVICE_LEVEL"
    );
    let msg = config(&[SECRET, ("STORE", "dynamodb")])
        .unwrap_err()
        .to_string();
    assert!(msg.contains("TABLE_NAME"), "{msg}");
}

#[test]
fn backends_and_modes_parse() {
    let c = config(&[SECRET, ("STORE", "dynamodb"), ("TABLE_NAME", "t")]).unwrap();
    assert_eq!(c.store, StoreConfig::DynamoDb { table: "t".into() });
    let c = config(&[
        SECRET,
        ("STORE", "mongodb"),
        ("MONGODB_URI", "mongodb://x"),
        ("FULFILLMENT_MODE", "mcf"),
    ])
    .unwrap();
    assert_eq!(c.store.kind(), "mongodb");
    assert_eq!(c.settings.fulfillment_mode, FulfillmentMode::Mcf);
    assert!(
        format!("{:?}", c.store).contains("Secret(..)"),
        "the URI is not logged"
    );
    assert!(c.require_sender_email().is_err());
}

#[test]
fn reorder_mail_settings_are_bounded() {
    let c = config(&[
        SECRET,
        ("REORDER_MAIL_MAX_ATTEMPTS", "2"),
        ("REORDER_MAIL_LEASE_SECONDS", "45"),
    ])
    .unwrap();
    assert_eq!(c.settings.reorder_mail_max_attempts, 2);
    assert_eq!(
        c.settings.reorder_mail_lease,
        std::time::Duration::from_secs(45)
    );
    for (var, bad) in [
        ("REORDER_MAIL_MAX_ATTEMPTS", "0"),
        ("REORDER_MAIL_MAX_ATTEMPTS", "101"),
        ("REORDER_MAIL_MAX_ATTEMPTS", "many"),
        ("REORDER_MAIL_LEASE_SECONDS", "0"),
        ("REORDER_MAIL_LEASE_SECONDS", "86401"),
    ] {
        assert_eq!(config(&[SECRET, (var, bad)]).unwrap_err().var, var, "{bad}");
    }
}
