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
        &[
            STORE,
            TABLE,
            SECRET,
            ("ORDERS_QUEUE_URL", "q"),
            ("AMAZON_SYNC_QUEUE_URL", "s"),
        ],
    )
    .unwrap();
    assert!(c.auth.is_some());
    assert_eq!(c.require_queue_url(PublishQueue::Orders), Ok("q"));
    assert!(c.require_queue_url(PublishQueue::Reorders).is_err());

    // A consumer is not given the secret even where one is set.
    let sync = ("AMAZON_SYNC_QUEUE_URL", "s");
    let c = for_function(&FULFILLMENT_NOTIFICATIONS, &[STORE, TABLE, SECRET, sync]).unwrap();
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

const SPAPI: [(&str, &str); 7] = [
    ("SPAPI_ENDPOINT", "https://sellingpartnerapi-na.amazon.com/"),
    ("LWA_ENDPOINT", "https://api.amazon.com/auth/o2/token"),
    ("LWA_CLIENT_ID", "amzn1.application-oa2-client.x"),
    ("LWA_CLIENT_SECRET", "the-lwa-client-secret"),
    ("LWA_REFRESH_TOKEN", "Atzr|the-refresh-token"),
    ("SPAPI_MARKETPLACE_ID", "ATVPDKIKX0DER"),
    ("SPAPI_SELLER_ID", "A2SELLER"),
];

#[test]
fn amazon_settings_are_required_in_mcf_mode_by_the_functions_that_call_it() {
    use crate::functions::{AUTH_API, ORDER_PROCESSOR};
    let base = [
        ("STORE", "memory"),
        ("REORDERS_QUEUE_URL", "q"),
        ("AMAZON_SYNC_QUEUE_URL", "s"),
    ];
    let mcf = [base[0], base[1], base[2], ("FULFILLMENT_MODE", "mcf")];
    // Self-fulfilled: not read, even by a function that may call Amazon.
    let c = for_function(&ORDER_PROCESSOR, &base).unwrap();
    assert_eq!(c.amazon, None);
    // mcf: each one is required, named when missing.
    for (missing, _) in SPAPI {
        let pairs: Vec<(&str, &str)> = mcf
            .iter()
            .copied()
            .chain(SPAPI.into_iter().filter(|(k, _)| *k != missing))
            .collect();
        let err = for_function(&ORDER_PROCESSOR, &pairs).unwrap_err();
        assert_eq!(err.var, missing);
    }
    let all: Vec<(&str, &str)> = mcf.iter().copied().chain(SPAPI).collect();
    let amazon = for_function(&ORDER_PROCESSOR, &all)
        .unwrap()
        .amazon
        .unwrap();
    assert_eq!(amazon.endpoint, "https://sellingpartnerapi-na.amazon.com");
    assert_eq!(amazon.client_secret.expose(), "the-lwa-client-secret");
    let shown = format!("{amazon:?}");
    assert!(
        !shown.contains("the-lwa-client-secret") && !shown.contains("the-refresh-token"),
        "{shown}"
    );
    // A function that never calls Amazon is not given the settings.
    let mut api = all.clone();
    api.push(SECRET);
    assert_eq!(for_function(&AUTH_API, &api).unwrap().amazon, None);
}

#[test]
fn amazon_settings_are_optional_locally_and_checked_when_given() {
    assert_eq!(config(&[]).unwrap().amazon, None);
    let c = config(&SPAPI).unwrap();
    assert_eq!(c.amazon.unwrap().seller_id, "A2SELLER");
    let mut bad = SPAPI.to_vec();
    bad[1] = ("LWA_ENDPOINT", "api.amazon.com/auth/o2/token");
    assert_eq!(config(&bad).unwrap_err().var, "LWA_ENDPOINT");
    assert_eq!(
        config(&[SPAPI[0]]).unwrap_err().var,
        "LWA_ENDPOINT",
        "one SP-API setting calls for all of them"
    );
}

#[test]
fn the_mcf_shipping_speed_defaults_to_standard() {
    assert_eq!(
        config(&[]).unwrap().settings.mcf_shipping_speed,
        ShippingSpeed::Standard
    );
    let c = config(&[("MCF_SHIPPING_SPEED", "Expedited")]).unwrap();
    assert_eq!(c.settings.mcf_shipping_speed, ShippingSpeed::Expedited);
    assert_eq!(
        config(&[("MCF_SHIPPING_SPEED", "Overnight")])
            .unwrap_err()
            .var,
        "MCF_SHIPPING_SPEED"
    );
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

#[test]
fn order_recovery_ages_are_read() {
    let c = config(&[
        SECRET,
        ("ORDER_RECOVERY_AGE_SECONDS", "120"),
        ("ORDER_PROCESSING_RECOVERY_AGE_SECONDS", "2400"),
    ])
    .unwrap();
    assert_eq!(c.settings.order_recovery_age, Duration::from_secs(120));
    assert_eq!(
        c.settings.order_processing_recovery_age,
        Duration::from_secs(2400)
    );
    assert_eq!(
        Settings::default().order_processing_recovery_age,
        Duration::from_secs(1800)
    );
    let bad = config(&[SECRET, ("ORDER_PROCESSING_RECOVERY_AGE_SECONDS", "soon")]);
    assert_eq!(
        bad.unwrap_err().var,
        "ORDER_PROCESSING_RECOVERY_AGE_SECONDS"
    );
}
