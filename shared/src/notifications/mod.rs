//! Amazon Selling Partner API notifications: parsing the envelopes that
//! arrive on SQS into typed notifications, and applying them.
//!
//! Two envelopes arrive: the raw SP-API notification (SQS destinations)
//! and the EventBridge event that wraps it under `detail` (how Amazon
//! delivers LISTINGS_* notifications). Both spellings of the listing status
//! type are accepted (`LISTINGS_ITEM_STATUS_CHANGE` and the `..._CHANGED`
//! of Amazon's schema file).

mod apply;
mod parse;

pub use apply::{Applied, apply, order_status_for};
pub use parse::{
    FulfillmentNotice, Notification, NotificationError, ReturnNotice, ShipmentNotice, parse,
};
