//! The SP-API adapter: [`SpApi`] implements the [`Amazon`](crate::ports::Amazon)
//! port over HTTPS for Multi-Channel Fulfillment (Fulfillment Outbound
//! 2020-07-01) and Listings Items 2021-08-01.
//!
//! * [`lwa`]: Login with Amazon. The refresh token is exchanged for an
//!   access token (`grant_type=refresh_token`, form-encoded), cached per
//!   process until shortly before `expires_in`, and refreshed by one caller
//!   while the others wait for it (single flight).
//! * [`transport`]: one SP-API call: `x-amz-access-token`, a per-attempt
//!   timeout, retries under [`crate::retry::RetryPolicy`] on 429, 5xx,
//!   timeouts and connection failures (spaced by `x-amzn-RateLimit-Limit`
//!   when Amazon sends it), and the sorting of what is left into an
//!   [`AmazonError`](crate::ports::AmazonError) kind. Each failure is logged
//!   once, with its `x-amzn-RequestId`.
//! * [`models`]: the request and response bodies, camelCase exactly as in
//!   `spapi/models/*.json`; only the fields Stockroom sends or reads.
//! * This module: the operations, mapping domain types to those bodies.
//!
//! ## Why a small typed client, and why reqwest
//!
//! No maintained SP-API crate covers these two APIs at a size that fits a
//! Lambda: the generated ones carry every SP-API model (hundreds of types)
//! and their own HTTP stack. Five operations need a few structs.
//!
//! The HTTP client is reqwest with rustls (the workspace's pin, already used
//! by the tests): hyper, hyper-util, rustls and ring are linked into every
//! function already (the AWS SDK's HTTP client and the MongoDB driver use
//! them), so reqwest adds its own thin layer (cookies, proxies, redirects
//! and compression are left off). Its client is built once per process and
//! loads TLS roots on construction (webpki roots are compiled in, no file
//! reading), which the cold start pays only in the functions that call
//! Amazon. The measured size difference is in BENCHMARKS.md terms in the
//! commit that introduced this module; behind the cargo feature `amazon`,
//! a build without it does not link reqwest at all.

pub mod lwa;
pub mod models;
pub mod transport;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::Method;
use rust_decimal::Decimal;

use crate::config::AmazonConfig;
use crate::domain::{Currency, OrderId, ShippingAddress, ShippingSpeed};
use crate::ports::{
    Amazon, AmazonError, CancelOutcome, Fee, FulfillmentOrderRequest, FulfillmentOrderState,
    ListingPatch, PreviewOption, PreviewRequest,
};
use crate::retry::RetryPolicy;

pub use lwa::TokenSource;
pub use transport::Transport;

const OUTBOUND: &str = "/fba/outbound/2020-07-01/fulfillmentOrders";
const LISTINGS: &str = "/listings/2021-08-01/items";

/// The comment MCF prints on the packing slip; Amazon requires one.
pub const ORDER_COMMENT: &str = "Thank you for your order.";

/// The product type sent with a listing patch: Amazon requires one, and a
/// patch of offer attributes alone applies to any type.
pub const PATCH_PRODUCT_TYPE: &str = "PRODUCT";

/// How long one attempt (one HTTP exchange) may take.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// Retries of one call: four attempts within ten seconds, well inside a
/// Lambda's timeout and an SQS visibility timeout.
pub const RETRY: RetryPolicy =
    RetryPolicy::attempts(4, Duration::from_millis(200), Duration::from_secs(2))
        .with_budget(Duration::from_secs(10));

/// Tunables of the client; [`Options::default`] suits AWS.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub attempt_timeout: Duration,
    pub retry: RetryPolicy,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            attempt_timeout: ATTEMPT_TIMEOUT,
            retry: RETRY,
        }
    }
}

/// The SP-API client: one per process, shared by every invocation.
#[derive(Clone)]
pub struct SpApi {
    transport: Arc<Transport>,
    marketplace_id: String,
    seller_id: String,
}

impl fmt::Debug for SpApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpApi")
            .field("transport", &self.transport)
            .field("marketplace_id", &self.marketplace_id)
            .field("seller_id", &self.seller_id)
            .finish()
    }
}

impl SpApi {
    /// A client for the configured endpoints. Nothing is sent until the
    /// first call.
    pub fn new(config: &AmazonConfig, options: Options) -> Result<Self, AmazonError> {
        let http = reqwest::Client::builder()
            .connect_timeout(options.attempt_timeout)
            .build()
            .map_err(|e| AmazonError::Unavailable {
                request_id: None,
                source: Box::new(e),
            })?;
        let tokens = TokenSource::new(
            http.clone(),
            config.lwa_endpoint.clone(),
            config.client_id.clone(),
            config.client_secret.clone(),
            config.refresh_token.clone(),
            options,
        );
        Ok(SpApi {
            transport: Arc::new(Transport::new(
                http,
                config.endpoint.clone(),
                tokens,
                options,
            )),
            marketplace_id: config.marketplace_id.clone(),
            seller_id: config.seller_id.clone(),
        })
    }

    /// The token cache, for tests and diagnostics.
    pub fn tokens(&self) -> &TokenSource {
        self.transport.tokens()
    }
}

fn address(address: &ShippingAddress) -> models::Address {
    models::Address {
        name: address.name().to_owned(),
        address_line1: address.address_line1().to_owned(),
        address_line2: address.address_line2().map(str::to_owned),
        city: address.city().map(str::to_owned),
        state_or_region: address.state_or_region().map(str::to_owned),
        postal_code: address.postal_code().to_owned(),
        country_code: address.country_code().to_owned(),
        phone: address.phone().map(str::to_owned),
    }
}

fn order_path(order_id: OrderId) -> String {
    format!("{OUTBOUND}/{order_id}")
}

/// Parses a timestamp Amazon sent; `None` for one it did not or that does
/// not parse (a display value, never worth failing a preview for).
fn timestamp(raw: Option<&str>) -> Option<DateTime<Utc>> {
    raw.and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn preview_option(preview: &models::FulfillmentPreview) -> Option<PreviewOption> {
    // ScheduledDelivery (Japan only) is not a speed Stockroom offers.
    let shipping_speed = ShippingSpeed::parse(&preview.shipping_speed_category).ok()?;
    let shipments = preview.fulfillment_preview_shipments.iter().flatten();
    let earliest_arrival = shipments
        .clone()
        .filter_map(|s| timestamp(s.earliest_arrival_date.as_deref()))
        .min();
    let latest_arrival = shipments
        .filter_map(|s| timestamp(s.latest_arrival_date.as_deref()))
        .max();
    let mut total: Option<Fee> = None;
    for fee in preview.estimated_fees.iter().flatten() {
        let (Ok(currency), Ok(amount)) = (
            Currency::parse(&fee.amount.currency_code),
            fee.amount.value.trim().parse::<Decimal>(),
        ) else {
            continue;
        };
        match &mut total {
            None => total = Some(Fee { amount, currency }),
            Some(sum) if sum.currency == currency => sum.amount += amount,
            // Fees in two currencies cannot be summed; the first one's are.
            Some(_) => {}
        }
    }
    Some(PreviewOption {
        shipping_speed,
        fulfillable: preview.is_fulfillable,
        earliest_arrival,
        latest_arrival,
        total_fee: total,
    })
}

#[async_trait]
impl Amazon for SpApi {
    async fn create_fulfillment_order(
        &self,
        request: &FulfillmentOrderRequest,
    ) -> Result<(), AmazonError> {
        let id = request.order_id.to_string();
        let body = models::CreateFulfillmentOrderRequest {
            marketplace_id: Some(self.marketplace_id.clone()),
            seller_fulfillment_order_id: id.clone(),
            displayable_order_id: id,
            displayable_order_date: request
                .placed_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            displayable_order_comment: ORDER_COMMENT.to_owned(),
            shipping_speed_category: request.shipping_speed.as_str().to_owned(),
            destination_address: address(&request.address),
            items: request
                .items
                .iter()
                .map(|item| models::CreateFulfillmentOrderItem {
                    seller_sku: item.sku.as_str().to_owned(),
                    seller_fulfillment_order_item_id: item.item_id.clone(),
                    quantity: item.quantity,
                })
                .collect(),
        };
        self.transport
            .call(
                "createFulfillmentOrder",
                Method::POST,
                OUTBOUND,
                &[],
                Some(&body),
            )
            .await?
            .success()
            .map(drop)
    }

    async fn get_fulfillment_order(
        &self,
        order_id: OrderId,
    ) -> Result<Option<FulfillmentOrderState>, AmazonError> {
        let answer = self
            .transport
            .call::<()>(
                "getFulfillmentOrder",
                Method::GET,
                &order_path(order_id),
                &[],
                None,
            )
            .await?;
        if answer.status == 404 {
            return Ok(None);
        }
        let body: models::GetFulfillmentOrderResponse = answer.success()?.json()?;
        let order = body
            .payload
            .ok_or_else(|| answer.garbage("getFulfillmentOrder answered no payload"))?
            .fulfillment_order;
        Ok(Some(FulfillmentOrderState {
            order_id,
            status: order.fulfillment_order_status,
        }))
    }

    async fn cancel_fulfillment_order(
        &self,
        order_id: OrderId,
    ) -> Result<CancelOutcome, AmazonError> {
        let answer = self
            .transport
            .call::<()>(
                "cancelFulfillmentOrder",
                Method::PUT,
                &format!("{}/cancel", order_path(order_id)),
                &[],
                None,
            )
            .await?;
        if answer.status == 400 {
            return Ok(CancelOutcome::Refused {
                reason: answer.first_error().1,
            });
        }
        answer.success().map(|_| CancelOutcome::Cancelled)
    }

    async fn fulfillment_preview(
        &self,
        request: &PreviewRequest,
    ) -> Result<Vec<PreviewOption>, AmazonError> {
        let speeds = if request.speeds.is_empty() {
            ShippingSpeed::ALL.to_vec()
        } else {
            request.speeds.clone()
        };
        let body = models::GetFulfillmentPreviewRequest {
            marketplace_id: Some(self.marketplace_id.clone()),
            address: address(&request.address),
            items: request
                .items
                .iter()
                .enumerate()
                .map(|(i, (sku, quantity))| models::GetFulfillmentPreviewItem {
                    seller_sku: sku.as_str().to_owned(),
                    quantity: *quantity,
                    seller_fulfillment_order_item_id: format!("{}", i + 1),
                })
                .collect(),
            shipping_speed_categories: speeds.iter().map(|s| s.as_str().to_owned()).collect(),
        };
        let answer = self
            .transport
            .call(
                "getFulfillmentPreview",
                Method::POST,
                &format!("{OUTBOUND}/preview"),
                &[],
                Some(&body),
            )
            .await?;
        let body: models::GetFulfillmentPreviewResponse = answer.success()?.json()?;
        let previews = body
            .payload
            .and_then(|p| p.fulfillment_previews)
            .unwrap_or_default();
        Ok(previews.iter().filter_map(preview_option).collect())
    }

    async fn patch_listing(&self, patch: &ListingPatch) -> Result<(), AmazonError> {
        let mut patches = vec![models::PatchOperation {
            op: "replace",
            path: "/attributes/fulfillment_availability".to_owned(),
            value: serde_json::json!([{
                "fulfillment_channel_code": "DEFAULT",
                "quantity": patch.quantity,
            }]),
        }];
        if let Some((price, currency)) = &patch.price {
            // The price as a JSON number: the listing schema's `value_with_tax`
            // is a number, and a Price has at most four decimal places.
            let value: serde_json::Value = serde_json::from_str(&price.amount().to_string())
                .unwrap_or_else(|_| serde_json::Value::String(price.to_string()));
            patches.push(models::PatchOperation {
                op: "replace",
                path: "/attributes/purchasable_offer".to_owned(),
                value: serde_json::json!([{
                    "marketplace_id": self.marketplace_id,
                    "currency": currency.as_str(),
                    "our_price": [{"schedule": [{"value_with_tax": value}]}],
                }]),
            });
        }
        let body = models::ListingsItemPatchRequest {
            product_type: PATCH_PRODUCT_TYPE.to_owned(),
            patches,
        };
        let path = format!(
            "{LISTINGS}/{}/{}",
            transport::path_segment(&self.seller_id),
            transport::path_segment(patch.sku.as_str())
        );
        let answer = self
            .transport
            .call(
                "patchListingsItem",
                Method::PATCH,
                &path,
                &[("marketplaceIds", self.marketplace_id.as_str())],
                Some(&body),
            )
            .await?;
        let body: models::ListingsItemSubmissionResponse = answer.success()?.json()?;
        if body.status == "INVALID" {
            let (code, message) = body
                .issues
                .iter()
                .flatten()
                .find(|i| i.severity == "ERROR")
                .map(|i| (i.code.clone(), i.message.clone()))
                .unwrap_or_else(|| {
                    (
                        "INVALID".to_owned(),
                        "the patch was not accepted".to_owned(),
                    )
                });
            return Err(answer.refused(code, message));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
