//! Placing, reading and cancelling orders; [`transitions`] moves them
//! between statuses, [`processing`] takes a placed order forward,
//! [`fulfillment`] hands orders to Amazon MCF (submission, cancellation,
//! shipping previews) in MCF mode, [`recovery`] re-publishes stranded ones.

mod transitions;

pub mod fulfillment;
mod processing;
mod recovery;

pub use fulfillment::preview_shipping;
pub use processing::process_order;
pub use recovery::{Recovered, recover_stale_orders};

use std::collections::{HashMap, HashSet};

use chrono::Duration;
use sha2::{Digest, Sha256};

use crate::app::{App, AppError, Conflict, Refusal, Resource};
use crate::auth::Principal;
use crate::config::FulfillmentMode;
use crate::domain::{
    IdempotencyKey, LineQuantity, Listing, Order, OrderId, OrderLine, OrderStatus, ShippingAddress,
    ShippingSpeed, Sku,
};
use crate::messages::OrderPlaced;
use crate::ports::{
    IdempotencyRecord, OrderFilter, Page, PageRequest, PlaceOrderError, PublishQueue,
};

pub(crate) use transitions::effects_of;
pub use transitions::transition_order;

/// A parsed `POST /orders` body: 1 to 100 lines, each SKU once, and where
/// and how fast to ship them (required in MCF mode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRequest {
    lines: Vec<(Sku, LineQuantity)>,
    shipping_address: Option<ShippingAddress>,
    shipping_speed: Option<ShippingSpeed>,
}

impl OrderRequest {
    pub const MAX_LINES: usize = 100;

    pub fn new(lines: Vec<(Sku, LineQuantity)>) -> Result<Self, AppError> {
        if lines.is_empty() {
            return Err(AppError::invalid_field(
                "items",
                "must hold at least one line",
            ));
        }
        if lines.len() > Self::MAX_LINES {
            return Err(AppError::invalid_field(
                "items",
                format!("must hold at most {} lines", Self::MAX_LINES),
            ));
        }
        let mut seen = HashSet::new();
        for (i, (sku, _)) in lines.iter().enumerate() {
            if !seen.insert(sku) {
                return Err(AppError::invalid_field(
                    format!("items[{i}].sku"),
                    format!("{sku} appears more than once; combine the quantities in one line"),
                ));
            }
        }
        Ok(Self {
            lines,
            shipping_address: None,
            shipping_speed: None,
        })
    }

    /// The same request, shipping to `address` at `speed` (the
    /// deployment's default speed when `None`).
    pub fn with_shipping(
        mut self,
        address: Option<ShippingAddress>,
        speed: Option<ShippingSpeed>,
    ) -> Self {
        self.shipping_address = address;
        self.shipping_speed = speed;
        self
    }

    pub fn lines(&self) -> &[(Sku, LineQuantity)] {
        &self.lines
    }

    pub fn shipping_address(&self) -> Option<&ShippingAddress> {
        self.shipping_address.as_ref()
    }

    /// SHA-256 (hex) of the canonical request, to tell a retry from a key
    /// reused for another order.
    ///
    /// The canonical form is the lines in request order as
    /// `[["SKU",quantity],...]`. Stored records hold this hash, so the bytes
    /// must not change; a SKU never holds `"`, `\` or anything but visible
    /// ASCII, so it needs no escaping. A request with shipping details
    /// appends them (address fields as JSON, then the speed), so that a key
    /// reused for another destination is refused, while requests without
    /// them keep the hash they always had.
    fn fingerprint(&self) -> String {
        let lines: Vec<String> = self
            .lines
            .iter()
            .map(|(sku, q)| format!("[\"{}\",{}]", sku.as_str(), q.get()))
            .collect();
        let mut canonical = format!("[{}]", lines.join(","));
        if self.shipping_address.is_some() || self.shipping_speed.is_some() {
            let address = serde_json::to_string(&self.shipping_address).unwrap_or_default();
            let speed = self.shipping_speed.map_or("", ShippingSpeed::as_str);
            canonical.push_str(&format!("|{address}|{speed}"));
        }
        let digest = Sha256::digest(canonical.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The outcome of a `POST /orders`.
#[derive(Debug, Clone, PartialEq)]
pub enum Placed {
    /// A new order, every line reserved.
    New(Order),
    /// A retry with the same `Idempotency-Key` and request: the order the
    /// first call placed, as it was then (see [`IdempotencyRecord`]).
    Replayed(Order),
}

fn replay(record: IdempotencyRecord, fingerprint: &str) -> Result<Placed, AppError> {
    if record.request_hash != fingerprint {
        return Err(Refusal::IdempotencyKeyReused.into());
    }
    Ok(Placed::Replayed(record.order))
}

/// Places an order for `customer`: reserves every line or none, stores the
/// order (and the idempotency record) in one atomic store call, then
/// publishes OrderPlaced. A failed publish does not fail the order:
/// `order-recovery` re-publishes orders left PENDING.
pub async fn place_order(
    app: &App,
    customer: &Principal,
    request: &OrderRequest,
    key: Option<IdempotencyKey>,
) -> Result<Placed, AppError> {
    let now = app.clock.now();
    let fingerprint = request.fingerprint();
    let mcf = app.settings.fulfillment_mode == FulfillmentMode::Mcf;
    if mcf && request.shipping_address.is_none() {
        // Before the idempotency look-up too: such a request can never have
        // placed an order in this mode, and nothing is reserved.
        return Err(Refusal::ShippingAddressRequired.into());
    }
    if let Some(key) = &key
        && let Some(record) = app
            .store
            .get_idempotency(customer.customer_id, key, now)
            .await?
    {
        return replay(record, &fingerprint);
    }

    let skus: Vec<Sku> = request.lines.iter().map(|(s, _)| s.clone()).collect();
    let listings: HashMap<Sku, Listing> = app
        .store
        .get_listings(&skus)
        .await?
        .into_iter()
        .map(|l| (l.sku.clone(), l))
        .collect();
    let unknown: Vec<Sku> = skus
        .iter()
        .filter(|s| !listings.contains_key(*s))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(Refusal::UnknownSkus(unknown).into());
    }
    let unbuyable: Vec<Sku> = skus
        .iter()
        .filter(|s| listings.get(*s).is_some_and(|l| !l.status.is_buyable()))
        .cloned()
        .collect();
    if !unbuyable.is_empty() {
        return Err(Refusal::NotBuyable(unbuyable).into());
    }

    let mut items = Vec::with_capacity(request.lines.len());
    for (sku, quantity) in &request.lines {
        let listing = listings
            .get(sku)
            .ok_or(AppError::NotFound(Resource::Listing))?;
        if listing.currency != app.settings.currency {
            return Err(Refusal::NotBuyable(vec![sku.clone()]).into());
        }
        items.push(OrderLine {
            sku: sku.clone(),
            quantity: *quantity,
            unit_price: listing.price,
        });
    }
    // The speed is stored with the address (the default filled in), so an
    // order always ships at the speed it was placed with.
    let speed = request.shipping_speed.or_else(|| {
        request
            .shipping_address
            .as_ref()
            .map(|_| fulfillment::default_shipping_speed(app))
    });
    let order = Order::new(
        OrderId::generate(),
        customer.customer_id,
        items,
        app.settings.currency,
        now,
    )
    .with_shipping(request.shipping_address.clone(), speed)
    .with_correlation_id(crate::telemetry::propagation().correlation_id);
    let record = key.map(|key| IdempotencyRecord {
        customer_id: customer.customer_id,
        key,
        request_hash: fingerprint.clone(),
        order: order.clone(),
        created_at: now,
        expires_at: now
            + Duration::from_std(app.settings.idempotency_ttl).unwrap_or(Duration::hours(24)),
    });

    match app.store.place_order(&order, record.as_ref()).await {
        Ok(()) => {}
        Err(PlaceOrderError::IdempotencyKeyTaken(existing)) => {
            return replay(*existing, &fingerprint);
        }
        Err(PlaceOrderError::NotBuyable(skus)) => return Err(Refusal::NotBuyable(skus).into()),
        Err(PlaceOrderError::InsufficientStock(shortages)) => {
            return Err(Conflict::InsufficientStock(shortages).into());
        }
        Err(PlaceOrderError::Store(e)) => return Err(e.into()),
    }
    tracing::info!(order_id = %order.order_id, lines = order.items.len(), total = %order.total_amount, "order placed");
    crate::app::amazon_sync::schedule(app, listings.values()).await;

    publish_order_placed(app, &order).await;
    Ok(Placed::New(order))
}

/// Publishes OrderPlaced, logging (not failing) on error: the order is
/// already stored, and `order-recovery` re-publishes it if it stays PENDING.
pub(crate) async fn publish_order_placed(app: &App, order: &Order) {
    let message = OrderPlaced::for_order(order).to_body();
    if let Err(error) = app.publish(PublishQueue::Orders, &[message]).await {
        tracing::warn!(order_id = %order.order_id, error = %error, "OrderPlaced not published; order-recovery will retry");
    }
}

/// The order, if `principal` may see it. Another customer's order is
/// reported as not found, not forbidden: its existence is not disclosed.
pub async fn get_order_for(
    app: &App,
    principal: &Principal,
    order_id: &str,
) -> Result<Order, AppError> {
    let order_id = OrderId::parse(order_id).map_err(|_| AppError::NotFound(Resource::Order))?;
    match app.store.get_order(order_id).await? {
        Some(order) if principal.is_admin() || order.customer_id == principal.customer_id => {
            Ok(order)
        }
        _ => Err(AppError::NotFound(Resource::Order)),
    }
}

/// A customer's own orders, or everyone's for an admin; newest first.
pub async fn list_orders_for(
    app: &App,
    principal: &Principal,
    status: Option<OrderStatus>,
    page: &PageRequest,
) -> Result<Page<Order>, AppError> {
    let filter = OrderFilter {
        customer_id: (!principal.is_admin()).then_some(principal.customer_id),
        status,
    };
    Ok(app.store.list_orders(&filter, page).await?)
}

/// Cancels an order the principal may see, releasing its stock once.
/// Allowed while PENDING or PROCESSING; otherwise
/// [`Conflict::OrderNotCancellable`]. In MCF mode a PROCESSING order is
/// cancelled through Amazon first ([`fulfillment`]'s module doc says how
/// this stays safe against a concurrent submission): Amazon's refusal is
/// [`Conflict::NotCancellable`] and changes nothing.
pub async fn cancel_order(
    app: &App,
    principal: &Principal,
    order_id: &str,
) -> Result<Order, AppError> {
    let order = get_order_for(app, principal, order_id).await?;
    let mcf = app.settings.fulfillment_mode == FulfillmentMode::Mcf;
    let cancelled = if mcf {
        fulfillment::cancel_mcf(app, &order).await?
    } else {
        transition_order(app, order.order_id, OrderStatus::Cancelled).await?
    };
    match cancelled {
        Some(cancelled) => {
            tracing::info!(order_id = %cancelled.order_id, "order cancelled");
            Ok(cancelled)
        }
        None => {
            let status = app
                .store
                .get_order(order.order_id)
                .await?
                .map_or(order.status, |o| o.status);
            Err(Conflict::OrderNotCancellable { status }.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(lines: &[(&str, u32)]) -> Result<OrderRequest, AppError> {
        OrderRequest::new(
            lines
                .iter()
                .map(|(sku, q)| {
                    (
                        Sku::parse(sku).unwrap(),
                        LineQuantity::new(i64::from(*q)).unwrap(),
                    )
                })
                .collect(),
        )
    }

    const FINGERPRINT: &str = "4a15331208096ab9f0825176032f18d502f4eb7ec2753e801c3f2d5fdd57699e";

    #[test]
    fn the_fingerprint_is_the_hash_stored_records_hold() {
        // SHA-256 of `[["MUG-BLUE",2],["TEE-L",10]]`, the canonical form
        // records written so far were keyed by.
        let r = request(&[("MUG-BLUE", 2), ("TEE-L", 10)]).unwrap();
        assert_eq!(r.fingerprint(), FINGERPRINT);
        let other = request(&[("MUG-BLUE", 2), ("TEE-L", 11)]).unwrap();
        assert_ne!(other.fingerprint(), FINGERPRINT);
    }

    #[test]
    fn a_request_names_each_sku_once() {
        assert!(matches!(
            request(&[("A", 1), ("B", 1), ("A", 2)]),
            Err(AppError::InvalidField { field, .. }) if field == "items[2].sku"
        ));
        assert!(matches!(
            request(&[]),
            Err(AppError::InvalidField { field, .. }) if field == "items"
        ));
    }
}
