//! Amazon Selling Partner API notifications as the domain sees them: what
//! happened to a listing or to a Multi-Channel Fulfillment order, and the
//! stamp that orders notifications. The SP-API envelopes are parsed into
//! these at the edge (`crate::consumers::notifications`); the use cases in
//! `crate::app::notifications` apply them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ListingStatus, ShipmentPackage, Sku, Stock};

/// When a notification happened and which one it was. Stamps are totally
/// ordered by `(event_time, notification_id)`: a notification is applied
/// only when its stamp is greater than the last one applied to the same
/// listing (or order) and type. A redelivered notification has an equal
/// stamp and so no second effect; a late one has a smaller stamp and is
/// ignored; any shuffle of the same stream ends in the same state.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EventStamp {
    pub event_time: DateTime<Utc>,
    pub notification_id: String,
}

impl EventStamp {
    /// Whether this stamp should be applied over `last`.
    pub fn supersedes(&self, last: Option<&EventStamp>) -> bool {
        last.is_none_or(|last| self > last)
    }
}

/// A notification we understand, with its ordering stamp.
#[derive(Debug, Clone, PartialEq)]
pub enum Notification {
    /// A listing became buyable, or stopped being buyable, on Amazon.
    ListingStatus {
        stamp: EventStamp,
        sku: Sku,
        status: ListingStatus,
    },
    /// The stock of a listing changed on Amazon.
    ListingQuantity {
        stamp: EventStamp,
        sku: Sku,
        channel: FulfillmentChannel,
        quantity: Stock,
    },
    /// A Multi-Channel Fulfillment order moved on (status, a shipment, a return).
    FulfillmentOrderStatus {
        stamp: EventStamp,
        notice: FulfillmentNotice,
    },
}

impl Notification {
    pub fn stamp(&self) -> &EventStamp {
        match self {
            Notification::ListingStatus { stamp, .. }
            | Notification::ListingQuantity { stamp, .. }
            | Notification::FulfillmentOrderStatus { stamp, .. } => stamp,
        }
    }

    /// The SP-API notification type, for logs and error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Notification::ListingStatus { .. } => "LISTINGS_ITEM_STATUS_CHANGE",
            Notification::ListingQuantity { .. } => "LISTINGS_ITEM_MFN_QUANTITY_CHANGE",
            Notification::FulfillmentOrderStatus { .. } => "FULFILLMENT_ORDER_STATUS",
        }
    }
}

/// Who holds the stock a quantity notification is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FulfillmentChannel {
    /// Merchant-fulfilled (MFN) stock, SP-API code `DEFAULT`: the stock
    /// Stockroom keeps.
    Merchant,
    /// Stock in an Amazon fulfilment network (e.g. `AMAZON_NA`), by its code.
    Amazon(String),
}

impl FulfillmentChannel {
    /// The channel an SP-API `FulfillmentChannelCode` names.
    pub fn from_code(code: &str) -> Self {
        if code == "DEFAULT" {
            FulfillmentChannel::Merchant
        } else {
            FulfillmentChannel::Amazon(code.to_owned())
        }
    }
}

/// What a FULFILLMENT_ORDER_STATUS notification reports about one MCF order.
#[derive(Debug, Clone, PartialEq)]
pub struct FulfillmentNotice {
    /// The id the seller gave the fulfilment order: a Stockroom order id
    /// for the orders Stockroom sent to Amazon.
    pub seller_fulfillment_order_id: String,
    pub event_type: String,
    /// The MCF status, upper case (e.g. `PROCESSING`, `COMPLETE`).
    pub fulfillment_order_status: String,
    pub status_updated_at: Option<DateTime<Utc>>,
    pub shipment: Option<ShipmentNotice>,
    pub return_item: Option<ReturnNotice>,
}

/// One shipment of an MCF order, as last reported.
#[derive(Debug, Clone, PartialEq)]
pub struct ShipmentNotice {
    pub amazon_shipment_id: String,
    pub status: String,
    pub estimated_arrival: Option<DateTime<Utc>>,
    pub packages: Vec<ShipmentPackage>,
}

/// Units of an MCF order returned to Amazon.
#[derive(Debug, Clone, PartialEq)]
pub struct ReturnNotice {
    pub sku: String,
    pub returned_quantity: i64,
    pub received_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn stamp(secs: i64, id: &str) -> EventStamp {
        EventStamp {
            event_time: Utc.timestamp_opt(secs, 0).unwrap(),
            notification_id: id.into(),
        }
    }

    #[test]
    fn only_default_is_merchant_fulfilled() {
        assert_eq!(
            FulfillmentChannel::from_code("DEFAULT"),
            FulfillmentChannel::Merchant
        );
        assert_eq!(
            FulfillmentChannel::from_code("AMAZON_NA"),
            FulfillmentChannel::Amazon("AMAZON_NA".into())
        );
    }

    #[test]
    fn newer_supersedes_older_and_duplicates_do_not() {
        let a = stamp(10, "a");
        assert!(a.supersedes(None));
        assert!(stamp(11, "b").supersedes(Some(&a)));
        assert!(!stamp(9, "z").supersedes(Some(&a)));
        assert!(!a.clone().supersedes(Some(&a)));
        // Same instant: the id breaks the tie, the same way everywhere.
        assert!(stamp(10, "b").supersedes(Some(&a)));
    }
}
