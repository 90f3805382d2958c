//! `order-processor`: OrderPlaced -> PENDING -> PROCESSING (recording the
//! day's sales, once) -> COMPLETED when self-fulfilled. In MCF mode the
//! order stays PROCESSING until FULFILLMENT_ORDER_STATUS notifications move
//! it on. Listings the order took to their reorder point get a reorder at
//! once.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};

use super::{MessageError, body, process_batch};
use crate::app::orders::transition_order;
use crate::app::{App, AppError, reorders};
use crate::config::FulfillmentMode;
use crate::domain::{Order, OrderStatus};
use crate::messages::OrderPlaced;
use crate::notifications::order_status_for;

pub async fn handle(app: &App, event: SqsEvent) -> SqsBatchResponse {
    process_batch("order-processor", event, |message| async move {
        let placed: OrderPlaced = serde_json::from_str(body(&message)?)
            .map_err(|e| MessageError::Malformed(format!("not an OrderPlaced message: {e}")))?;
        process(app, &placed).await?;
        Ok(())
    })
    .await
}

/// Processes one order. Safe to run any number of times for the same
/// order: every step is a conditional transition.
pub async fn process(app: &App, placed: &OrderPlaced) -> Result<Option<Order>, AppError> {
    let order_id = placed.order_id;
    let Some(order) = app.store.get_order(order_id).await? else {
        // Stored before it was published, so this means it was never
        // stored at all: nothing to process.
        tracing::warn!(order_id = %order_id, "OrderPlaced for an unknown order");
        return Ok(None);
    };
    let mut current = order;
    if current.status == OrderStatus::Pending
        && let Some(processing) = transition_order(app, order_id, OrderStatus::Processing).await?
    {
        low_stock_checks(app, &processing).await?;
        current = processing;
    }
    if current.status != OrderStatus::Processing {
        return Ok(Some(current));
    }
    let next = match app.settings.fulfillment_mode {
        FulfillmentMode::SelfFulfilled => Some(OrderStatus::Completed),
        // A fulfillment notice may have arrived while the order was still
        // PENDING: apply the outcome it recorded.
        FulfillmentMode::Mcf => current
            .fulfillment
            .as_ref()
            .and_then(|f| order_status_for(&f.status)),
    };
    if let Some(next) = next
        && let Some(done) = transition_order(app, order_id, next).await?
    {
        tracing::info!(order_id = %order_id, status = done.status.as_str(), "order processed");
        return Ok(Some(done));
    }
    Ok(app.store.get_order(order_id).await?)
}

/// Raises reorders for the order's listings that are now at or below their
/// reorder point.
async fn low_stock_checks(app: &App, order: &Order) -> Result<(), AppError> {
    let skus: Vec<_> = order.items.iter().map(|l| l.sku.clone()).collect();
    for listing in app.store.get_listings(&skus).await? {
        if listing.is_low_stock() {
            reorders::check_listing(app, &listing).await?;
        }
    }
    Ok(())
}
