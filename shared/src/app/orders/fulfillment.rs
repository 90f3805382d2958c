//! Multi-Channel Fulfillment of orders: handing a PROCESSING order to
//! Amazon (createFulfillmentOrder), cancelling it there
//! (cancelFulfillmentOrder) and quoting shipping options
//! (getFulfillmentPreview). Used in MCF mode only.
//!
//! # Submission ([`submit`])
//!
//! Amazon knows a fulfilment order by Stockroom's order id
//! (`sellerFulfillmentOrderId`), so "does Amazon hold it?" is always one
//! getFulfillmentOrder away. [`ensure_at_amazon`] asks that first and
//! creates only when the answer is no; a create that Amazon refuses is
//! followed by the same question, because the refusal may mean that a
//! concurrent or earlier attempt (a retry after a timeout, a redelivered
//! OrderPlaced, an order-recovery re-publish) created it already. Once
//! Amazon holds the order, `fulfillment_submitted_at` is recorded with a
//! version-checked update, and later deliveries skip Amazon entirely.
//!
//! Throttling and outages are returned as transient errors: the consumer
//! fails the message, SQS redelivers it and the order stays PROCESSING. A
//! permanent refusal (or an order that has no address to ship to) moves
//! the order to FAILED with the reason on it; the move is a conditional
//! transition, so its stock is released once whoever else moves the order.
//!
//! # Cancellation racing submission ([`cancel_at_amazon`])
//!
//! In MCF mode a PROCESSING order may be at Amazon, or about to be: the
//! processor may be between its getFulfillmentOrder and its create. Marking
//! the order CANCELLED locally at that moment would let the create land
//! afterwards and Amazon ship a cancelled order. So a cancel of a PROCESSING
//! order never decides on its own; it makes Amazon the single arbiter:
//!
//! 1. it runs the same idempotent [`ensure_at_amazon`] as the processor.
//!    Afterwards Amazon holds the order whichever of the two created it,
//!    and nothing can create a second one (both find the first);
//! 2. it asks Amazon to cancel. Accepted: Amazon will ship nothing, and
//!    the order moves to CANCELLED (releasing its stock) by a conditional
//!    transition. Refused: Amazon is shipping it, the answer is 409
//!    `not_cancellable` and the order is untouched. A refusal because the
//!    fulfilment order is already cancelled at Amazon counts as accepted.
//!
//! The processor records its submission with a version-checked update that
//! re-reads the order, so it stops when it finds the order CANCELLED; the
//! order's single status field and conditional transitions mean CANCELLED,
//! FAILED and COMPLETED exclude one another, so stock is released at most
//! once. If Amazon refuses the create permanently it holds nothing to ship,
//! and the cancel goes ahead locally (the processor's FAILED and the
//! cancel's CANCELLED race on the same conditional transition; one wins).
//! If Amazon accepts the cancel but the store is down before the order is
//! marked, the order stays PROCESSING and the client gets a 503; Amazon's
//! FULFILLMENT_ORDER_STATUS `CANCELLED` notification then finishes the job
//! (`crate::app::notifications`), and a retried cancel is accepted again.
//!
//! A PENDING order has nothing at Amazon and is cancelled locally
//! ([`cancel_mcf`]), by a transition allowed from PENDING only: if the
//! processor moved it to PROCESSING in between, the cancel takes the Amazon
//! path above instead. The processor only submits PROCESSING orders and
//! PENDING -> PROCESSING is refused once it is CANCELLED, so a cancelled
//! PENDING order is never submitted.

use crate::app::{App, AppError, Conflict, Refusal, Resource};
use crate::domain::{Order, OrderId, OrderStatus, ShippingAddress, ShippingSpeed, Sku};
use crate::ports::{
    Amazon, AmazonError, CancelOutcome, FulfillmentItem, FulfillmentOrderRequest, OrderEffects,
    OrderUpdate, PreviewOption, PreviewRequest, UpdateError,
};

use super::transitions::{MAX_UPDATE_ATTEMPTS, transition_order_with};

/// `sellerFulfillmentOrderItemId` is at most this long in Amazon's model.
const ITEM_ID_MAX: usize = 50;

/// Amazon's `fulfillmentOrderStatus` of an order it will not ship.
const AMAZON_CANCELLED: &str = "CANCELLED";

/// The shipping speed of an order that does not name one: the
/// deployment's `MCF_SHIPPING_SPEED` (default `Standard`).
pub fn default_shipping_speed(app: &App) -> ShippingSpeed {
    app.settings.mcf_shipping_speed
}

/// The createFulfillmentOrder request for `order`, or `None` when it has no
/// address to ship to. One item per line, `sellerFulfillmentOrderItemId`
/// being the line's position and SKU (unique within the order because the
/// position is).
pub fn fulfillment_request(
    order: &Order,
    default_speed: ShippingSpeed,
) -> Option<FulfillmentOrderRequest> {
    let address = order.shipping_address.clone()?;
    let items = order
        .items
        .iter()
        .enumerate()
        .map(|(i, line)| FulfillmentItem {
            item_id: item_id(i, &line.sku),
            sku: line.sku.clone(),
            quantity: line.quantity.get(),
        })
        .collect();
    Some(FulfillmentOrderRequest {
        order_id: order.order_id,
        placed_at: order.created_at,
        shipping_speed: order.shipping_speed.unwrap_or(default_speed),
        address,
        items,
    })
}

fn item_id(index: usize, sku: &Sku) -> String {
    // SKUs are visible ASCII, so cutting at a byte count cuts at a char.
    let mut id = format!("{}-{}", index + 1, sku.as_str());
    id.truncate(ITEM_ID_MAX);
    id
}

/// Whether Amazon needs to be asked about this order at all: it is
/// PROCESSING and nothing says Amazon holds it yet (a recorded submission,
/// or a fulfilment notification that arrived first).
fn needs_submission(order: &Order) -> bool {
    order.status == OrderStatus::Processing
        && order.fulfillment_submitted_at.is_none()
        && order.fulfillment.is_none()
}

/// Whether Amazon holds the fulfilment order after [`ensure_at_amazon`].
#[derive(Debug)]
enum AtAmazon {
    Held,
    /// Amazon refused to create it and holds none: it will never ship.
    Refused(String),
}

/// Whether Amazon already holds a fulfilment order for `order_id`.
async fn held(amazon: &dyn Amazon, order_id: OrderId) -> Result<bool, AppError> {
    Ok(amazon
        .get_fulfillment_order(order_id)
        .await
        .map_err(amazon_error)?
        .is_some())
}

/// Makes sure Amazon holds `order`'s fulfilment order, creating it only
/// when a look-up finds none. Transient failures are returned as errors.
async fn ensure_at_amazon(app: &App, order: &Order) -> Result<AtAmazon, AppError> {
    let Some(request) = fulfillment_request(order, default_shipping_speed(app)) else {
        return Ok(AtAmazon::Refused(
            "the order has no shipping address".into(),
        ));
    };
    let amazon = app.amazon().map_err(amazon_error)?;
    if held(amazon, order.order_id).await? {
        return Ok(AtAmazon::Held);
    }
    match amazon.create_fulfillment_order(&request).await {
        Ok(()) => {
            tracing::info!(order_id = %order.order_id, "MCF fulfilment order created");
            Ok(AtAmazon::Held)
        }
        Err(AmazonError::Refused { code, message, .. }) => {
            // A duplicate from a concurrent or earlier attempt is refused
            // too: look again before calling it a refusal.
            if held(amazon, order.order_id).await? {
                return Ok(AtAmazon::Held);
            }
            Ok(AtAmazon::Refused(format!("{code}: {message}")))
        }
        Err(e) => Err(amazon_error(e)),
    }
}

/// Hands a PROCESSING order to Amazon (see the module doc) and returns it as
/// stored afterwards. An order that needs no submission is returned as is.
pub async fn submit(app: &App, order: Order) -> Result<Order, AppError> {
    if !needs_submission(&order) {
        return Ok(order);
    }
    match ensure_at_amazon(app, &order).await? {
        AtAmazon::Held => record_submission(app, order.order_id).await,
        AtAmazon::Refused(reason) => {
            tracing::warn!(order_id = %order.order_id, reason = %reason, "Amazon refused the fulfilment order; order failed");
            let failed = transition_order_with(
                app,
                order.order_id,
                Some(OrderStatus::Processing),
                OrderStatus::Failed,
                |o| o.failure_reason = Some(reason.clone()),
            )
            .await?;
            match failed {
                Some(failed) => Ok(failed),
                // Cancelled (or otherwise moved on) meanwhile.
                None => current(app, order.order_id).await,
            }
        }
    }
}

/// Records that Amazon holds the order, unless it has moved on or another
/// delivery recorded it first.
async fn record_submission(app: &App, order_id: OrderId) -> Result<Order, AppError> {
    for _ in 0..MAX_UPDATE_ATTEMPTS {
        let order = current(app, order_id).await?;
        if !needs_submission(&order) {
            return Ok(order);
        }
        let now = app.clock.now();
        let mut next = order.edited(now);
        next.fulfillment_submitted_at = Some(now);
        match app
            .store
            .update_order(&plain_update(order, next.clone()))
            .await
        {
            Ok(()) => return Ok(next),
            Err(UpdateError::Conflict) => continue,
            Err(UpdateError::NotFound) => return Err(AppError::NotFound(Resource::Order)),
            Err(UpdateError::Store(e)) => return Err(e.into()),
        }
    }
    Err(Conflict::ConcurrentUpdate(Resource::Order).into())
}

fn plain_update(previous: Order, next: Order) -> OrderUpdate {
    OrderUpdate {
        previous,
        next,
        effects: OrderEffects::default(),
    }
}

async fn current(app: &App, order_id: OrderId) -> Result<Order, AppError> {
    app.store
        .get_order(order_id)
        .await?
        .ok_or(AppError::NotFound(Resource::Order))
}

/// Cancels a PROCESSING order through Amazon (see the module doc):
/// `Ok(Some(order))` once CANCELLED, `Ok(None)` when the order was no longer
/// PROCESSING by the time it was to be marked, [`Conflict::NotCancellable`]
/// when Amazon refuses, a transient error (503) when Amazon cannot be
/// reached.
async fn cancel_at_amazon(app: &App, order: &Order) -> Result<Option<Order>, AppError> {
    let held = if order.fulfillment_submitted_at.is_some() || order.fulfillment.is_some() {
        AtAmazon::Held
    } else {
        ensure_at_amazon(app, order).await?
    };
    if let AtAmazon::Held = held {
        let amazon = app.amazon().map_err(amazon_error)?;
        match amazon
            .cancel_fulfillment_order(order.order_id)
            .await
            .map_err(amazon_error)?
        {
            CancelOutcome::Cancelled => {}
            CancelOutcome::Refused { reason } => {
                let state = amazon
                    .get_fulfillment_order(order.order_id)
                    .await
                    .map_err(amazon_error)?;
                if state.is_none_or(|s| s.status != AMAZON_CANCELLED) {
                    tracing::info!(order_id = %order.order_id, reason = %reason, "Amazon refused to cancel");
                    return Err(Conflict::NotCancellable { reason }.into());
                }
            }
        }
        tracing::info!(order_id = %order.order_id, "MCF fulfilment order cancelled at Amazon");
    }
    transition_order_with(
        app,
        order.order_id,
        Some(OrderStatus::Processing),
        OrderStatus::Cancelled,
        |_| {},
    )
    .await
}

/// Cancels an order in MCF mode: a PENDING order locally (only while it is
/// still PENDING: once the processor has moved it on, it may be at Amazon),
/// a PROCESSING one through Amazon. `Ok(None)` when the order is in neither
/// state.
pub(super) async fn cancel_mcf(app: &App, order: &Order) -> Result<Option<Order>, AppError> {
    if order.status == OrderStatus::Pending {
        let cancelled = transition_order_with(
            app,
            order.order_id,
            Some(OrderStatus::Pending),
            OrderStatus::Cancelled,
            |_| {},
        )
        .await?;
        if cancelled.is_some() {
            return Ok(cancelled);
        }
    }
    let order = current(app, order.order_id).await?;
    if order.status == OrderStatus::Processing {
        cancel_at_amazon(app, &order).await
    } else {
        Ok(None)
    }
}

/// Shipping options for `items` to `address`.
pub async fn preview_shipping(
    app: &App,
    address: ShippingAddress,
    items: Vec<(Sku, u32)>,
) -> Result<Vec<PreviewOption>, AppError> {
    if app.settings.fulfillment_mode != crate::config::FulfillmentMode::Mcf {
        return Err(Refusal::McfNotEnabled.into());
    }
    let request = PreviewRequest {
        address,
        items,
        speeds: Vec::new(),
    };
    let amazon = app.amazon().map_err(amazon_error)?;
    amazon
        .fulfillment_preview(&request)
        .await
        .map_err(amazon_error)
}

/// An Amazon failure in the application's terms: throttling and outages
/// are transient (503, or a redelivered message); a refusal is Amazon's
/// word on the request (422 `amazon_refused`); a missing client is a
/// deployment fault of ours.
fn amazon_error(e: AmazonError) -> AppError {
    match e {
        AmazonError::Refused { code, message, .. } => Refusal::AmazonRefused {
            message: format!("{code}: {message}"),
        }
        .into(),
        e if e.is_transient() => AppError::Unavailable {
            service: "Amazon SP-API",
            source: Box::new(e),
        },
        e => AppError::internal("calling Amazon SP-API", e),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::domain::{AddressFields, Currency, CustomerId, LineQuantity, OrderLine, Price};

    fn order(skus: &[&str]) -> Order {
        let lines = skus
            .iter()
            .map(|s| OrderLine {
                sku: Sku::parse(s).unwrap(),
                quantity: LineQuantity::new(2).unwrap(),
                unit_price: Price::parse("1.00").unwrap(),
            })
            .collect();
        Order::new(
            OrderId::generate(),
            CustomerId::generate(),
            lines,
            Currency::USD,
            Utc::now(),
        )
    }

    fn address() -> ShippingAddress {
        ShippingAddress::parse(AddressFields {
            name: Some("Ada"),
            address_line1: Some("1 Way"),
            postal_code: Some("98101"),
            country_code: Some("US"),
            ..AddressFields::default()
        })
        .unwrap()
    }

    #[test]
    fn an_order_without_an_address_has_no_request() {
        assert!(fulfillment_request(&order(&["A"]), ShippingSpeed::Standard).is_none());
    }

    #[test]
    fn item_ids_are_unique_and_fit_amazons_limit() {
        let long = "L".repeat(100);
        let o = order(&["A", &long, "B"]).with_shipping(Some(address()), None);
        let request = fulfillment_request(&o, ShippingSpeed::Expedited).unwrap();
        let ids: Vec<&str> = request.items.iter().map(|i| i.item_id.as_str()).collect();
        assert_eq!(ids[0], "1-A");
        assert_eq!(ids[2], "3-B");
        assert_eq!(ids[1].len(), ITEM_ID_MAX);
        assert_eq!(request.shipping_speed, ShippingSpeed::Expedited);
        assert_eq!(request.order_id, o.order_id);
        assert_eq!(request.placed_at, o.created_at);
        assert_eq!(request.items[1].quantity, 2);
    }

    #[test]
    fn the_orders_own_speed_wins_over_the_default() {
        let o = order(&["A"]).with_shipping(Some(address()), Some(ShippingSpeed::Priority));
        let request = fulfillment_request(&o, ShippingSpeed::Standard).unwrap();
        assert_eq!(request.shipping_speed, ShippingSpeed::Priority);
    }
}
