//! The data the measured event reads: the DynamoDB table (created as
//! `stockroom-admin setup-store` creates it, through the same library call),
//! one listing and one order placed through the store, a bearer token for
//! the order's customer, and the `GET /orders/{id}` event built from the
//! repository's `events/orders-api/get-order.json`.

use std::collections::HashMap;
use std::path::Path;

use bytes::Bytes;
use chrono::Utc;
use serde_json::{Value, json};
use stockroom::auth::{Principal, TokenKeys};
use stockroom::config::Config;
use stockroom::domain::{
    Currency, CustomerId, LineQuantity, ListingDraft, ListingStatus, Order, OrderId, OrderLine,
    Price, Role, Sku, Stock, Title,
};
use stockroom::wiring::{build_store, ensure_store_ready};
use thiserror::Error;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, Error)]
pub enum SeedError {
    #[error("the function environment is not a valid Stockroom configuration")]
    Config(#[source] BoxError),
    #[error("could not prepare the store")]
    Store(#[source] BoxError),
    #[error("could not sign a token")]
    Token(#[source] BoxError),
    #[error("could not read the event template {path}")]
    Template {
        path: String,
        #[source]
        source: BoxError,
    },
}

/// The order in the store and the event that reads it.
#[derive(Debug)]
pub struct Seeded {
    pub order_id: OrderId,
    pub event: Bytes,
}

/// Prepares the store named by `env` (the functions' environment; the SDK
/// endpoint and credentials come from this process's environment) and
/// returns the event.
pub async fn seed(env: &HashMap<String, String>, template: &Path) -> Result<Seeded, SeedError> {
    let config = Config::from_lookup(|name| env.get(name).cloned())
        .map_err(|e| SeedError::Config(e.into()))?;
    ensure_store_ready(&config)
        .await
        .map_err(|e| SeedError::Store(e.into()))?;
    let store = build_store(&config)
        .await
        .map_err(|e| SeedError::Store(e.into()))?;

    let now = Utc::now();
    let sku = Sku::parse("BENCH-COLDSTART-1").map_err(|e| SeedError::Store(e.into()))?;
    let price = Price::parse("12.50").map_err(|e| SeedError::Store(e.into()))?;
    let draft = ListingDraft {
        sku: sku.clone(),
        title: Title::parse("Cold-start benchmark item").map_err(|e| SeedError::Store(e.into()))?,
        price,
        currency: Currency::USD,
        available: Some(Stock::new(1_000_000).map_err(|e| SeedError::Store(e.into()))?),
        status: Some(ListingStatus::Active),
        supplier_id: None,
        reorder_point: 0,
        reorder_quantity: 0,
        lead_time_days: 0,
        auto_reorder_point: false,
        amazon_mfn: None,
    };
    store
        .put_listing(&draft, now)
        .await
        .map_err(|e| SeedError::Store(e.into()))?;
    let customer_id = CustomerId::generate();
    let line = OrderLine {
        sku,
        quantity: LineQuantity::new(2).map_err(|e| SeedError::Store(e.into()))?,
        unit_price: price,
    };
    let order = Order::new(
        OrderId::generate(),
        customer_id,
        vec![line],
        Currency::USD,
        now,
    );
    store
        .place_order(&order, None)
        .await
        .map_err(|e| SeedError::Store(e.into()))?;

    let principal = Principal {
        customer_id,
        role: Role::Customer,
    };
    let auth = config
        .require_auth()
        .map_err(|e| SeedError::Config(e.into()))?;
    let token = TokenKeys::new(auth)
        .issue(principal, now)
        .map_err(|e| SeedError::Token(e.into()))?;
    let event = get_order_event(template, order.order_id, &token)?;
    Ok(Seeded {
        order_id: order.order_id,
        event,
    })
}

/// The template with the path, path parameter and bearer token replaced.
fn get_order_event(template: &Path, order_id: OrderId, token: &str) -> Result<Bytes, SeedError> {
    let failed = |source: BoxError| SeedError::Template {
        path: template.display().to_string(),
        source,
    };
    let text = std::fs::read_to_string(template).map_err(|e| failed(e.into()))?;
    let mut event: Value = serde_json::from_str(&text).map_err(|e| failed(e.into()))?;
    let path = format!("/orders/{}", order_id.as_uuid());
    event["rawPath"] = json!(path);
    event["requestContext"]["http"]["path"] = json!(path);
    event["pathParameters"] = json!({ "id": order_id.as_uuid().to_string() });
    event["headers"]["authorization"] = json!(format!("Bearer {token}"));
    let bytes = serde_json::to_vec(&event).map_err(|e| failed(e.into()))?;
    Ok(Bytes::from(bytes))
}
