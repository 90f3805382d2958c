//! Placing, reading and cancelling orders.

use std::collections::{HashMap, HashSet};

use chrono::Duration;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::app::{App, AppError};
use crate::auth::Principal;
use crate::domain::{
    IdempotencyKey, LineQuantity, Listing, Order, OrderId, OrderLine, OrderStatus, Sku,
};
use crate::messages::OrderPlaced;
use crate::ports::{
    IdempotencyRecord, OrderEffects, OrderFilter, OrderUpdate, Page, PageRequest, PlaceOrderError,
    PublishQueue, Shortage, UpdateError,
};
use crate::views::OrderView;

/// A parsed `POST /orders` body: 1 to 100 lines, each SKU once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRequest {
    lines: Vec<(Sku, LineQuantity)>,
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
                    &format!("items[{i}].sku"),
                    format!("{sku} appears more than once; combine the quantities in one line"),
                ));
            }
        }
        Ok(Self { lines })
    }

    pub fn lines(&self) -> &[(Sku, LineQuantity)] {
        &self.lines
    }

    /// SHA-256 of the canonical request, to tell a retry from a key reused
    /// for another order.
    fn fingerprint(&self) -> String {
        let canonical: Vec<(&str, u32)> = self
            .lines
            .iter()
            .map(|(sku, q)| (sku.as_str(), q.get()))
            .collect();
        let bytes = serde_json::to_vec(&canonical).unwrap_or_default();
        let digest = Sha256::digest(&bytes);
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The answer to a `POST /orders`: a new order, or the replay of the
/// response that first used the same `Idempotency-Key`.
#[derive(Debug, Clone)]
pub struct Placed {
    pub status_code: u16,
    pub body: String,
    pub replayed: bool,
    /// The order created by this call (none on a replay).
    pub order: Option<Order>,
}

fn replay(record: IdempotencyRecord, fingerprint: &str) -> Result<Placed, AppError> {
    if record.request_hash != fingerprint {
        return Err(AppError::unprocessable(
            "idempotency_key_reused",
            "this Idempotency-Key was already used with a different request body",
            None,
        ));
    }
    Ok(Placed {
        status_code: record.status_code,
        body: record.response_body,
        replayed: true,
        order: None,
    })
}

fn not_buyable(skus: &[Sku]) -> AppError {
    let names: Vec<&str> = skus.iter().map(Sku::as_str).collect();
    AppError::unprocessable(
        "sku_unavailable",
        format!("cannot be ordered now: {}", names.join(", ")),
        Some(json!({ "skus": names })),
    )
}

fn insufficient(shortages: &[Shortage]) -> AppError {
    let names: Vec<&str> = shortages.iter().map(|s| s.sku.as_str()).collect();
    AppError::Conflict {
        code: "insufficient_stock",
        message: format!("not enough stock for {}", names.join(", ")),
        details: Some(json!({
            "items": shortages
                .iter()
                .map(|s| json!({ "sku": s.sku.as_str(), "requested": s.requested, "available": s.available }))
                .collect::<Vec<_>>()
        })),
    }
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
    let unknown: Vec<&str> = skus
        .iter()
        .filter(|s| !listings.contains_key(*s))
        .map(Sku::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(AppError::unprocessable(
            "unknown_sku",
            format!("no such listing: {}", unknown.join(", ")),
            Some(json!({ "skus": unknown })),
        ));
    }
    let unbuyable: Vec<Sku> = skus
        .iter()
        .filter(|s| listings.get(*s).is_some_and(|l| !l.status.is_buyable()))
        .cloned()
        .collect();
    if !unbuyable.is_empty() {
        return Err(not_buyable(&unbuyable));
    }

    let mut items = Vec::with_capacity(request.lines.len());
    for (sku, quantity) in &request.lines {
        let listing = listings.get(sku).ok_or(AppError::NotFound("listing"))?;
        if listing.currency != app.settings.currency {
            return Err(not_buyable(std::slice::from_ref(sku)));
        }
        items.push(OrderLine {
            sku: sku.clone(),
            quantity: *quantity,
            unit_price: listing.price,
        });
    }
    let order = Order::new(
        OrderId::generate(),
        customer.customer_id,
        items,
        app.settings.currency,
        now,
    );
    let body = serde_json::to_string(&OrderView::from(&order))
        .map_err(|e| AppError::internal("rendering the order", e))?;
    let record = key.map(|key| IdempotencyRecord {
        customer_id: customer.customer_id,
        key,
        request_hash: fingerprint.clone(),
        order_id: order.order_id,
        status_code: 201,
        response_body: body.clone(),
        created_at: now,
        expires_at: now
            + Duration::from_std(app.settings.idempotency_ttl).unwrap_or(Duration::hours(24)),
    });

    match app.store.place_order(&order, record.as_ref()).await {
        Ok(()) => {}
        Err(PlaceOrderError::IdempotencyKeyTaken(existing)) => {
            return replay(*existing, &fingerprint);
        }
        Err(PlaceOrderError::NotBuyable(skus)) => return Err(not_buyable(&skus)),
        Err(PlaceOrderError::InsufficientStock(shortages)) => return Err(insufficient(&shortages)),
        Err(PlaceOrderError::Store(e)) => return Err(e.into()),
    }
    tracing::info!(order_id = %order.order_id, lines = order.items.len(), total = %order.total_amount, "order placed");

    publish_order_placed(app, &order).await;
    Ok(Placed {
        status_code: 201,
        body,
        replayed: false,
        order: Some(order),
    })
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
    let order_id = OrderId::parse(order_id).map_err(|_| AppError::NotFound("order"))?;
    match app.store.get_order(order_id).await? {
        Some(order) if principal.is_admin() || order.customer_id == principal.customer_id => {
            Ok(order)
        }
        _ => Err(AppError::NotFound("order")),
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

/// How many times a conditional update is recomputed after a concurrent
/// change before giving up.
const MAX_UPDATE_ATTEMPTS: usize = 8;

/// Moves an order to `next` (CANCELLED or FAILED release its stock; to
/// PROCESSING records the day's sales), recomputing from a fresh read when
/// another writer got there first. Returns the order as stored afterwards,
/// or `Ok(None)` when the state machine does not allow the move from the
/// current status (e.g. a duplicate or late message).
pub async fn transition_order(
    app: &App,
    order_id: OrderId,
    next: OrderStatus,
) -> Result<Option<Order>, AppError> {
    for _ in 0..MAX_UPDATE_ATTEMPTS {
        let Some(current) = app.store.get_order(order_id).await? else {
            return Err(AppError::NotFound("order"));
        };
        let now = app.clock.now();
        let Some(updated) = current.transitioned(next, now) else {
            return Ok(None);
        };
        let effects = effects_of(app, &current, next, now).await?;
        let update = OrderUpdate {
            previous: current,
            next: updated.clone(),
            effects,
        };
        match app.store.update_order(&update).await {
            Ok(()) => return Ok(Some(updated)),
            Err(UpdateError::Conflict) => continue,
            Err(UpdateError::NotFound) => return Err(AppError::NotFound("order")),
            Err(UpdateError::Store(e)) => return Err(e.into()),
        }
    }
    Err(AppError::conflict(
        "concurrent_update",
        "the order kept changing; try again",
    ))
}

/// What a move to `next` does besides changing the status.
pub(crate) async fn effects_of(
    app: &App,
    order: &Order,
    next: OrderStatus,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<OrderEffects, AppError> {
    let mut effects = OrderEffects::default();
    if next.releases_stock() {
        // Stock goes back only to listings that still exist; a deleted
        // listing has nowhere to put it.
        let skus: Vec<Sku> = order.items.iter().map(|l| l.sku.clone()).collect();
        let existing: HashSet<Sku> = app
            .store
            .get_listings(&skus)
            .await?
            .into_iter()
            .map(|l| l.sku)
            .collect();
        effects.release = order
            .items
            .iter()
            .filter(|l| existing.contains(&l.sku))
            .map(|l| (l.sku.clone(), l.quantity.get()))
            .collect();
    }
    if next == OrderStatus::Processing {
        effects.record_sales_on = Some(now.date_naive());
    }
    Ok(effects)
}

/// Cancels an order the principal may see, releasing its stock once.
/// Allowed while PENDING or PROCESSING; otherwise 409.
pub async fn cancel_order(
    app: &App,
    principal: &Principal,
    order_id: &str,
) -> Result<Order, AppError> {
    let order = get_order_for(app, principal, order_id).await?;
    match transition_order(app, order.order_id, OrderStatus::Cancelled).await? {
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
            Err(AppError::Conflict {
                code: "order_not_cancellable",
                message: format!(
                    "the order is {} and can no longer be cancelled",
                    status.as_str()
                ),
                details: Some(json!({ "status": status.as_str() })),
            })
        }
    }
}
