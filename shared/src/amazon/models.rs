//! Request and response bodies of the operations Stockroom uses, field for
//! field as in `spapi/models/fulfillmentOutbound_2020-07-01.json` and
//! `spapi/models/listingsItems_2021-08-01.json` (camelCase). Requests carry
//! what Stockroom sends; responses only what it reads, so that a field
//! Amazon adds or omits never fails a call.

use serde::{Deserialize, Serialize};

/// `Address`: `name`, `addressLine1`, `postalCode`, `countryCode` required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    pub name: String,
    pub address_line1: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_or_region: Option<String>,
    pub postal_code: String,
    pub country_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// `CreateFulfillmentOrderRequest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateFulfillmentOrderRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marketplace_id: Option<String>,
    pub seller_fulfillment_order_id: String,
    pub displayable_order_id: String,
    /// `Timestamp`: ISO 8601 date-time.
    pub displayable_order_date: String,
    pub displayable_order_comment: String,
    /// `ShippingSpeedCategory`.
    pub shipping_speed_category: String,
    pub destination_address: Address,
    pub items: Vec<CreateFulfillmentOrderItem>,
}

/// `CreateFulfillmentOrderItem`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateFulfillmentOrderItem {
    pub seller_sku: String,
    pub seller_fulfillment_order_item_id: String,
    pub quantity: u32,
}

/// `GetFulfillmentPreviewRequest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GetFulfillmentPreviewRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marketplace_id: Option<String>,
    pub address: Address,
    pub items: Vec<GetFulfillmentPreviewItem>,
    pub shipping_speed_categories: Vec<String>,
}

/// `GetFulfillmentPreviewItem`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GetFulfillmentPreviewItem {
    pub seller_sku: String,
    pub quantity: u32,
    pub seller_fulfillment_order_item_id: String,
}

/// `ListingsItemPatchRequest`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListingsItemPatchRequest {
    pub product_type: String,
    pub patches: Vec<PatchOperation>,
}

/// `PatchOperation`: `value` is an array of attribute values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatchOperation {
    pub op: &'static str,
    pub path: String,
    pub value: serde_json::Value,
}

/// `ErrorList` / `Error`: every SP-API error body.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorList {
    #[serde(default)]
    pub errors: Vec<Error>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Error {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
}

/// `GetFulfillmentOrderResponse`.
#[derive(Debug, Clone, Deserialize)]
pub struct GetFulfillmentOrderResponse {
    pub payload: Option<GetFulfillmentOrderResult>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetFulfillmentOrderResult {
    pub fulfillment_order: FulfillmentOrder,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FulfillmentOrder {
    pub fulfillment_order_status: String,
}

/// `GetFulfillmentPreviewResponse`.
#[derive(Debug, Clone, Deserialize)]
pub struct GetFulfillmentPreviewResponse {
    pub payload: Option<GetFulfillmentPreviewResult>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetFulfillmentPreviewResult {
    pub fulfillment_previews: Option<Vec<FulfillmentPreview>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FulfillmentPreview {
    pub shipping_speed_category: String,
    pub is_fulfillable: bool,
    pub estimated_fees: Option<Vec<Fee>>,
    pub fulfillment_preview_shipments: Option<Vec<FulfillmentPreviewShipment>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FulfillmentPreviewShipment {
    pub earliest_arrival_date: Option<String>,
    pub latest_arrival_date: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Fee {
    pub amount: Money,
}

/// `Money`: the value is a decimal string.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Money {
    pub currency_code: String,
    pub value: String,
}

/// `ListingsItemSubmissionResponse`.
#[derive(Debug, Clone, Deserialize)]
pub struct ListingsItemSubmissionResponse {
    pub status: String,
    pub issues: Option<Vec<Issue>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Issue {
    pub code: String,
    pub message: String,
    pub severity: String,
}
