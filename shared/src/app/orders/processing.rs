//! Processing a placed order: PENDING -> PROCESSING (recording the day's
//! sales, once) -> COMPLETED when self-fulfilled. In MCF mode the
//! PROCESSING order is handed to Amazon (`super::fulfillment::submit`:
//! idempotent, FAILED on a permanent refusal, a transient error for SQS to
//! redeliver on throttling or an outage) and stays PROCESSING until
//! FULFILLMENT_ORDER_STATUS notifications move it on
//! (`crate::app::notifications`). Listings the order took to their reorder
//! point get a reorder at once.
//!
//! Driven by the `order-processor` consumer, once per OrderPlaced message;
//! `order-recovery` re-publishes the message for orders left PENDING, and
//! for orders left PROCESSING with their processing unfinished.

use crate::app::notifications::order_status_for;
use crate::app::orders::transition_order;
use crate::app::{App, AppError, reorders};
use crate::config::FulfillmentMode;
use crate::domain::{Order, OrderId, OrderStatus};

/// Moves a placed order as far as this deployment's fulfilment mode takes
/// it, and returns it as stored afterwards (`None` for an order that was
/// never stored). Safe to run any number of times for the same order:
/// every step is a conditional transition.
pub async fn process_order(app: &App, order_id: OrderId) -> Result<Option<Order>, AppError> {
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
    if app.settings.fulfillment_mode == FulfillmentMode::Mcf {
        current = super::fulfillment::submit(app, current).await?;
        if current.status != OrderStatus::Processing {
            return Ok(Some(current));
        }
    }
    if let Some(next) = completion(app.settings.fulfillment_mode, &current)
        && let Some(done) = transition_order(app, order_id, next).await?
    {
        tracing::info!(order_id = %order_id, status = done.status.as_str(), "order processed");
        return Ok(Some(done));
    }
    Ok(app.store.get_order(order_id).await?)
}

/// Where a PROCESSING order goes next, if anywhere yet.
fn completion(mode: FulfillmentMode, order: &Order) -> Option<OrderStatus> {
    match mode {
        // We ship it ourselves: processing is the whole job.
        FulfillmentMode::SelfFulfilled => Some(OrderStatus::Completed),
        // Amazon ships it. A fulfillment notice may have arrived while the
        // order was still PENDING: apply the outcome it recorded.
        FulfillmentMode::Mcf => order
            .fulfillment
            .as_ref()
            .and_then(|f| order_status_for(&f.status)),
    }
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

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::domain::{Currency, CustomerId, EventStamp, Fulfillment};

    fn processing(mcf_status: Option<&str>) -> Order {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let mut order = Order::new(
            OrderId::generate(),
            CustomerId::generate(),
            Vec::new(),
            Currency::USD,
            now,
        );
        order.status = OrderStatus::Processing;
        order.fulfillment = mcf_status.map(|status| Fulfillment {
            status: status.to_owned(),
            shipments: Vec::new(),
            returns: Vec::new(),
            last_event: EventStamp {
                event_time: now,
                notification_id: "n-1".into(),
            },
        });
        order
    }

    #[test]
    fn self_fulfilled_orders_complete_at_once() {
        assert_eq!(
            completion(FulfillmentMode::SelfFulfilled, &processing(None)),
            Some(OrderStatus::Completed)
        );
    }

    #[test]
    fn mcf_orders_wait_for_an_outcome_amazon_reported() {
        assert_eq!(completion(FulfillmentMode::Mcf, &processing(None)), None);
        assert_eq!(
            completion(FulfillmentMode::Mcf, &processing(Some("PROCESSING"))),
            None
        );
        assert_eq!(
            completion(FulfillmentMode::Mcf, &processing(Some("COMPLETE"))),
            Some(OrderStatus::Completed)
        );
        assert_eq!(
            completion(FulfillmentMode::Mcf, &processing(Some("UNFULFILLABLE"))),
            Some(OrderStatus::Failed)
        );
    }
}
