//! The domain: types that cannot hold invalid values, and the rules that move
//! them (order status only forward, stock never below zero, exact money).
//!
//! Everything that crosses the edge (HTTP bodies, queue messages, stored
//! items) is parsed into these types once; code inside the crate never
//! re-checks them.

mod amazon_listing;
mod customer;
mod error;
mod idempotency;
mod ids;
mod listing;
mod money;
mod notification;
mod order;
mod quantity;
mod reorder;
mod shipping;
mod sku;
mod supplier;

pub use amazon_listing::{AmazonPush, AmazonReading, AmazonState, KEPT_PUSHES};
pub use customer::{Customer, PasswordHash, Role, Username};
pub use error::DomainError;
pub use idempotency::IdempotencyKey;
pub use ids::{CustomerId, OrderId, ReorderId, SupplierId};
pub use listing::{Listing, ListingDraft, ListingStatus, Title};
pub use money::{Currency, Price, money_string};
pub use notification::{
    EventStamp, FulfillmentChannel, FulfillmentNotice, Notification, ReturnNotice, ShipmentNotice,
};
pub use order::{
    Fulfillment, FulfillmentReturn, FulfillmentShipment, Order, OrderLine, OrderStatus,
    ShipmentPackage,
};
pub use quantity::{LineQuantity, Stock, StockDelta, count, optional_count};
pub use reorder::{
    MAX_FAILURE_DETAIL_CHARS, MailFailure, MailFailureCause, Reorder, ReorderReason, ReorderStatus,
};
pub use shipping::{AddressFields, ShippingAddress, ShippingSpeed};
pub use sku::Sku;
pub use supplier::{Rating, Supplier, SupplierEmail};
