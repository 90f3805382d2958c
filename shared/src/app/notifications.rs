//! Applying Amazon SP-API notifications (listing status and quantity,
//! fulfilment order status) to listings and orders. The consumers parse the
//! queue bodies into domain [`Notification`]s; this is what they mean.
//!
//! A quantity change of an `amazon_mfn` listing is read against what
//! Stockroom pushed to Amazon instead (echo or Amazon's own sale, see
//! [`crate::app::amazon_sync`]); for the other listings Amazon's count
//! replaces the stock.
//!
//! Every effect is guarded by the notification's stamp, so redelivered,
//! late and shuffled notifications converge on the state the newest ones
//! describe: the store compares stamps for listings, and [`merged`] does
//! for orders, inside a version-checked update that is recomputed when
//! another writer got there first.

use chrono::{DateTime, Utc};

use crate::app::amazon_sync::{self, QuantityApplied};
use crate::app::{App, AppError, Conflict, Resource, reorders};
use crate::domain::{
    EventStamp, Fulfillment, FulfillmentChannel, FulfillmentNotice, FulfillmentReturn,
    FulfillmentShipment, Notification, Order, OrderId, OrderStatus,
};
use crate::ports::{NotificationOutcome, OrderUpdate, UpdateError};

/// What a notification did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    Applied,
    /// Older than, or the same as, what was already applied.
    Stale,
    /// Well-formed but about nothing we hold (an unknown SKU or order, a
    /// non-MFN channel): acknowledged and logged.
    Ignored(&'static str),
}

/// Applies one notification: moves the listing's status or stock (raising
/// a reorder when the new stock is low) or merges an MCF report into its
/// order. Safe to repeat.
pub async fn apply_notification(
    app: &App,
    notification: &Notification,
) -> Result<Applied, AppError> {
    let now = app.clock.now();
    match notification {
        Notification::ListingStatus { stamp, sku, status } => {
            let outcome = app
                .store
                .apply_status_notification(sku, *status, stamp, now)
                .await?;
            Ok(listing_outcome(outcome))
        }
        Notification::ListingQuantity {
            stamp,
            sku,
            channel,
            quantity,
        } => {
            if *channel != FulfillmentChannel::Merchant {
                return Ok(Applied::Ignored("not merchant-fulfilled stock"));
            }
            if let Some(listing) = app.store.get_listing(sku).await?
                && listing.amazon_mfn
            {
                return Ok(
                    match amazon_sync::apply_quantity(app, listing, *quantity, stamp).await? {
                        QuantityApplied::Changed { .. } => Applied::Applied,
                        QuantityApplied::Echo => Applied::Ignored("the echo of a push to Amazon"),
                        QuantityApplied::Stale => Applied::Stale,
                        QuantityApplied::NoBaseline => {
                            Applied::Ignored("nothing pushed to Amazon yet to compare with")
                        }
                        QuantityApplied::UnknownListing => Applied::Ignored("unknown SKU"),
                    },
                );
            }
            let outcome = app
                .store
                .apply_quantity_notification(sku, *quantity, stamp, now)
                .await?;
            if let NotificationOutcome::Applied(listing) = &outcome
                && listing.is_low_stock()
            {
                reorders::check_listing(app, listing).await?;
            }
            Ok(listing_outcome(outcome))
        }
        Notification::FulfillmentOrderStatus { stamp, notice } => {
            apply_fulfillment(app, stamp, notice).await
        }
    }
}

fn listing_outcome(outcome: NotificationOutcome) -> Applied {
    match outcome {
        NotificationOutcome::Applied(_) => Applied::Applied,
        NotificationOutcome::Stale => Applied::Stale,
        NotificationOutcome::UnknownListing => Applied::Ignored("unknown SKU"),
    }
}

/// The order status an MCF fulfillment order status leads to, if any.
pub fn order_status_for(mcf_status: &str) -> Option<OrderStatus> {
    match mcf_status {
        "COMPLETE" | "COMPLETE_PARTIALLED" | "COMPLETEPARTIALLED" => Some(OrderStatus::Completed),
        "CANCELLED" => Some(OrderStatus::Cancelled),
        "UNFULFILLABLE" | "INVALID" => Some(OrderStatus::Failed),
        _ => None,
    }
}

/// How many times an order update is recomputed after a concurrent change
/// before giving up (the message is then retried by the queue).
const MAX_ATTEMPTS: usize = 8;

async fn apply_fulfillment(
    app: &App,
    stamp: &EventStamp,
    notice: &FulfillmentNotice,
) -> Result<Applied, AppError> {
    let Ok(order_id) = OrderId::parse(&notice.seller_fulfillment_order_id) else {
        return Ok(Applied::Ignored("not a Stockroom order id"));
    };
    for _ in 0..MAX_ATTEMPTS {
        let Some(current) = app.store.get_order(order_id).await? else {
            return Ok(Applied::Ignored("unknown order"));
        };
        let now = app.clock.now();
        let Some((next, effects_from)) = merged(&current, stamp, notice, now) else {
            return Ok(Applied::Stale);
        };
        let effects = match effects_from {
            Some(status) => crate::app::orders::effects_of(app, &current, status, now).await?,
            None => Default::default(),
        };
        let update = OrderUpdate {
            previous: current,
            next,
            effects,
        };
        match app.store.update_order(&update).await {
            Ok(()) => {
                let released: Vec<_> = update
                    .effects
                    .release
                    .iter()
                    .map(|(sku, _)| sku.clone())
                    .collect();
                amazon_sync::schedule_skus(app, &released).await;
                return Ok(Applied::Applied);
            }
            Err(UpdateError::Conflict) => continue,
            Err(UpdateError::NotFound) => return Ok(Applied::Ignored("unknown order")),
            Err(UpdateError::Store(e)) => return Err(e.into()),
        }
    }
    Err(Conflict::ConcurrentUpdate(Resource::Order).into())
}

/// The order with the notice merged in, and the status it moved to (for
/// effects), or `None` when the notice changes nothing.
///
/// Shipments keep their newest report each and returns are a set, so the
/// merge is the same whatever order notices arrive in; the fulfillment
/// status and the order status follow the newest notice only, and the
/// order status only ever moves forward.
fn merged(
    order: &Order,
    stamp: &EventStamp,
    notice: &FulfillmentNotice,
    now: DateTime<Utc>,
) -> Option<(Order, Option<OrderStatus>)> {
    let mut fulfillment = order.fulfillment.clone().unwrap_or_else(|| Fulfillment {
        status: String::new(),
        shipments: Vec::new(),
        returns: Vec::new(),
        last_event: EventStamp {
            event_time: DateTime::<Utc>::MIN_UTC,
            notification_id: String::new(),
        },
    });
    let mut changed = false;
    if let Some(shipment) = &notice.shipment {
        let existing = fulfillment
            .shipments
            .iter_mut()
            .find(|s| s.amazon_shipment_id == shipment.amazon_shipment_id);
        let incoming = FulfillmentShipment {
            amazon_shipment_id: shipment.amazon_shipment_id.clone(),
            status: shipment.status.clone(),
            estimated_arrival: shipment.estimated_arrival,
            packages: shipment.packages.clone(),
            last_event: Some(stamp.clone()),
        };
        match existing {
            Some(s) if stamp.supersedes(s.last_event.as_ref()) => {
                *s = incoming;
                changed = true;
            }
            Some(_) => {}
            None => {
                fulfillment.shipments.push(incoming);
                fulfillment
                    .shipments
                    .sort_by(|a, b| a.amazon_shipment_id.cmp(&b.amazon_shipment_id));
                changed = true;
            }
        }
    }
    if let Some(r) = &notice.return_item {
        let incoming = FulfillmentReturn {
            sku: r.sku.clone(),
            returned_quantity: r.returned_quantity,
            received_at: r.received_at,
        };
        if !fulfillment.returns.contains(&incoming) {
            fulfillment.returns.push(incoming);
            fulfillment.returns.sort_by(|a, b| {
                (a.received_at, &a.sku, a.returned_quantity).cmp(&(
                    b.received_at,
                    &b.sku,
                    b.returned_quantity,
                ))
            });
            changed = true;
        }
    }
    let newest = order
        .fulfillment
        .as_ref()
        .is_none_or(|f| stamp.supersedes(Some(&f.last_event)));
    let mut moved_to = None;
    let mut next = order.clone();
    if newest {
        fulfillment.status = notice.fulfillment_order_status.clone();
        fulfillment.last_event = stamp.clone();
        changed = true;
        if let Some(target) = order_status_for(&notice.fulfillment_order_status)
            && let Some(transitioned) = order.transitioned(target, now)
        {
            next = transitioned;
            moved_to = Some(target);
        }
    }
    if !changed {
        return None;
    }
    if moved_to.is_none() {
        next.version += 1;
        next.updated_at = now;
    }
    next.fulfillment = Some(fulfillment);
    Some((next, moved_to))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::{Currency, CustomerId, ShipmentNotice};

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
    }

    fn stamp(secs: i64, id: &str) -> EventStamp {
        EventStamp {
            event_time: at(secs),
            notification_id: id.into(),
        }
    }

    fn notice(status: &str, shipment: Option<&str>) -> FulfillmentNotice {
        FulfillmentNotice {
            seller_fulfillment_order_id: "o".into(),
            event_type: "Order".into(),
            fulfillment_order_status: status.into(),
            status_updated_at: None,
            shipment: shipment.map(|id| ShipmentNotice {
                amazon_shipment_id: id.into(),
                status: "SHIPPED".into(),
                estimated_arrival: None,
                packages: Vec::new(),
            }),
            return_item: None,
        }
    }

    fn processing_order() -> Order {
        let mut order = Order::new(
            OrderId::generate(),
            CustomerId::generate(),
            Vec::new(),
            Currency::USD,
            at(0),
        );
        order.status = OrderStatus::Processing;
        order
    }

    #[test]
    fn mcf_outcomes_map_to_order_statuses() {
        assert_eq!(order_status_for("COMPLETE"), Some(OrderStatus::Completed));
        assert_eq!(
            order_status_for("COMPLETE_PARTIALLED"),
            Some(OrderStatus::Completed)
        );
        assert_eq!(order_status_for("CANCELLED"), Some(OrderStatus::Cancelled));
        assert_eq!(order_status_for("INVALID"), Some(OrderStatus::Failed));
        assert_eq!(order_status_for("PROCESSING"), None);
    }

    #[test]
    fn notices_merge_to_the_same_order_in_any_order_and_once() {
        let shipped = (stamp(10, "a"), notice("PROCESSING", Some("S1")));
        let complete = (stamp(20, "b"), notice("COMPLETE", None));
        let apply = |order: &Order, (stamp, notice): &(EventStamp, FulfillmentNotice)| {
            merged(order, stamp, notice, at(30)).map(|(next, _)| next)
        };

        let first = apply(&processing_order(), &shipped).unwrap();
        let in_order = apply(&first, &complete).unwrap();
        let first = apply(&processing_order(), &complete).unwrap();
        let shuffled = apply(&first, &shipped).unwrap();

        assert_eq!(in_order.status, OrderStatus::Completed);
        assert_eq!(shuffled.status, OrderStatus::Completed);
        assert_eq!(in_order.fulfillment, shuffled.fulfillment);
        let fulfillment = in_order.fulfillment.as_ref().unwrap();
        assert_eq!(fulfillment.status, "COMPLETE");
        assert_eq!(fulfillment.shipments.len(), 1);
        // Redelivered, either notice changes nothing.
        assert!(apply(&in_order, &shipped).is_none());
        assert!(apply(&in_order, &complete).is_none());
    }
}
