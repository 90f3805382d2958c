//! Amazon Selling Partner API: what Stockroom asks of Amazon. Multi-Channel
//! Fulfillment (create, look up and cancel fulfilment orders, preview
//! shipping options) and Listings Items (push a merchant-fulfilled
//! listing's quantity and price).
//!
//! The port speaks domain types; the adapter (`crate::amazon`) maps them to
//! the Fulfillment Outbound 2020-07-01 and Listings Items 2021-08-01 models
//! (vendored under `spapi/models`), handles Login with Amazon tokens,
//! timeouts and retries, and sorts every failure into an [`AmazonError`]
//! kind that tells the caller what to do next.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use thiserror::Error;

use super::BoxError;
use crate::domain::{Currency, OrderId, Price, ShippingAddress, ShippingSpeed, Sku};

/// One line of a fulfilment order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FulfillmentItem {
    /// `sellerFulfillmentOrderItemId`: unique within the order.
    pub item_id: String,
    pub sku: Sku,
    pub quantity: u32,
}

/// createFulfillmentOrder, built from a placed order. The order id is both
/// `sellerFulfillmentOrderId` and `displayableOrderId`, which is what makes
/// submission idempotent: Amazon knows the order by Stockroom's own id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FulfillmentOrderRequest {
    pub order_id: OrderId,
    /// `displayableOrderDate`: when the order was placed.
    pub placed_at: DateTime<Utc>,
    pub shipping_speed: ShippingSpeed,
    pub address: ShippingAddress,
    pub items: Vec<FulfillmentItem>,
}

/// A fulfilment order as Amazon holds it (getFulfillmentOrder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FulfillmentOrderState {
    pub order_id: OrderId,
    /// `fulfillmentOrderStatus`, e.g. `RECEIVED`, `PLANNING`, `PROCESSING`,
    /// `CANCELLED`, `COMPLETE`, `UNFULFILLABLE`.
    pub status: String,
}

/// What cancelFulfillmentOrder did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelOutcome {
    /// Amazon accepted the cancellation: nothing will ship.
    Cancelled,
    /// Amazon refused (typically: already picked or shipped), with its
    /// reason.
    Refused { reason: String },
}

/// getFulfillmentPreview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewRequest {
    pub address: ShippingAddress,
    /// `(sku, quantity)`; item ids are assigned by the adapter.
    pub items: Vec<(Sku, u32)>,
    /// The speeds to quote; all three when empty.
    pub speeds: Vec<ShippingSpeed>,
}

/// A fee as Amazon quotes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fee {
    pub amount: Decimal,
    pub currency: Currency,
}

/// One shipping option of a preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewOption {
    pub shipping_speed: ShippingSpeed,
    pub fulfillable: bool,
    pub earliest_arrival: Option<DateTime<Utc>>,
    pub latest_arrival: Option<DateTime<Utc>>,
    /// The sum of the estimated fees, when Amazon quotes any.
    pub total_fee: Option<Fee>,
}

/// patchListingsItem for a merchant-fulfilled listing: replace
/// `/attributes/fulfillment_availability` (channel `DEFAULT`) with the
/// quantity and, when given, `/attributes/purchasable_offer` with the price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingPatch {
    pub sku: Sku,
    pub quantity: u32,
    pub price: Option<(Price, Currency)>,
}

/// Why a call to Amazon did not succeed, sorted by what the caller should do.
#[derive(Debug, Error)]
pub enum AmazonError {
    /// 429 after the client's own retries: try again later (a consumer
    /// fails the message for SQS to redeliver; an HTTP route answers 503).
    #[error("Amazon throttled the request (request id {request_id:?})")]
    Throttled { request_id: Option<String> },
    /// 5xx, timeouts, connection failures, an unreadable answer, or a
    /// failed token exchange: transient as far as Stockroom can tell.
    #[error("Amazon is unavailable (request id {request_id:?})")]
    Unavailable {
        request_id: Option<String>,
        #[source]
        source: BoxError,
    },
    /// A permanent refusal (a 4xx other than 429): Amazon's first error
    /// code and message. Retrying the same request cannot succeed.
    #[error("Amazon refused the request: {code}: {message} (request id {request_id:?})")]
    Refused {
        status: u16,
        code: String,
        message: String,
        request_id: Option<String>,
    },
    /// Stockroom is not configured to call Amazon (no SP-API settings).
    #[error("Amazon SP-API is not configured for this function")]
    NotConfigured,
}

impl AmazonError {
    /// Whether a later retry of the same request may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            AmazonError::Throttled { .. } | AmazonError::Unavailable { .. }
        )
    }
}

/// The SP-API operations Stockroom uses.
#[async_trait]
pub trait Amazon: Send + Sync {
    /// createFulfillmentOrder. Not idempotent by itself: a second call with
    /// the same order id is refused by Amazon, so callers look the order up
    /// first or after a refusal ([`Amazon::get_fulfillment_order`]).
    async fn create_fulfillment_order(
        &self,
        request: &FulfillmentOrderRequest,
    ) -> Result<(), AmazonError>;

    /// getFulfillmentOrder: `None` when Amazon has no fulfilment order with
    /// this seller id.
    async fn get_fulfillment_order(
        &self,
        order_id: OrderId,
    ) -> Result<Option<FulfillmentOrderState>, AmazonError>;

    /// cancelFulfillmentOrder.
    async fn cancel_fulfillment_order(
        &self,
        order_id: OrderId,
    ) -> Result<CancelOutcome, AmazonError>;

    /// getFulfillmentPreview.
    async fn fulfillment_preview(
        &self,
        request: &PreviewRequest,
    ) -> Result<Vec<PreviewOption>, AmazonError>;

    /// patchListingsItem for the seller's SKU in the configured marketplace.
    async fn patch_listing(&self, patch: &ListingPatch) -> Result<(), AmazonError>;
}
