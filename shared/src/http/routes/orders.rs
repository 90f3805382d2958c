//! `/orders*`: placing, reading and cancelling orders, and previewing how
//! Amazon would ship them (MCF mode). Shipping details are parsed here into
//! domain values: a missing or malformed address field, or an unknown
//! speed, is a 400 naming the field (`shipping_address.postal_code`,
//! `shipping_speed`).

use http::{Response, StatusCode};
use lambda_http::Body;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::{self, App, OrderRequest, Placed};
use crate::domain::{
    AddressFields, IdempotencyKey, LineQuantity, OrderStatus, ShippingAddress, ShippingSpeed, Sku,
};
use crate::http::error::{ErrorBody, field_error};
use crate::http::routes::responses::{CustomerOnly, JsonBody, Paged, SignedIn};
use crate::http::routes::schemas::Id;
use crate::http::{ApiError, ApiRequest, response};
use crate::metrics::{self, Metric};
use crate::ports::{Cursor, PageLimit};
use crate::views::{OrderView, PageView, ShippingPreviewView};

#[derive(Debug, Deserialize, ToSchema)]
pub struct OrderLineBody {
    pub sku: Sku,
    /// 1 to 10000.
    pub quantity: LineQuantity,
}

/// A destination address. `name`, `address_line1`, `postal_code` and
/// `country_code` are required and must not be blank; every field is
/// trimmed and may hold no control characters.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ShippingAddressBody {
    #[schema(value_type = String, min_length = 1, max_length = 100, example = "Ada Lovelace")]
    pub name: Option<String>,
    #[schema(value_type = String, min_length = 1, max_length = 180, example = "1 Analytical Way")]
    pub address_line1: Option<String>,
    #[schema(max_length = 180)]
    pub address_line2: Option<String>,
    #[schema(max_length = 100, example = "Seattle")]
    pub city: Option<String>,
    #[schema(max_length = 100, example = "WA")]
    pub state_or_region: Option<String>,
    #[schema(value_type = String, min_length = 1, max_length = 20, example = "98101")]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2, in capitals.
    #[schema(value_type = String, pattern = "^[A-Z]{2}$", example = "US")]
    pub country_code: Option<String>,
    /// Digits, spaces and `+ - ( ) .`.
    #[schema(
        max_length = 20,
        pattern = "^[0-9+\\-() .]*$",
        example = "+1 206 555 0100"
    )]
    pub phone: Option<String>,
}

impl ShippingAddressBody {
    /// The domain address, or a 400 naming the first bad field.
    fn parse(&self) -> Result<ShippingAddress, ApiError> {
        ShippingAddress::parse(AddressFields {
            name: self.name.as_deref(),
            address_line1: self.address_line1.as_deref(),
            address_line2: self.address_line2.as_deref(),
            city: self.city.as_deref(),
            state_or_region: self.state_or_region.as_deref(),
            postal_code: self.postal_code.as_deref(),
            country_code: self.country_code.as_deref(),
            phone: self.phone.as_deref(),
        })
        .map_err(|e| {
            // The domain names the field first: `shipping_address.<field> <reason>`.
            let message = e.message();
            let (field, reason) = message
                .split_once(' ')
                .unwrap_or(("shipping_address", message));
            field_error(field, reason)
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PlaceOrderBody {
    /// 1 to 100 lines, each SKU once (a repeated SKU is a 400).
    #[schema(min_items = 1, max_items = 100)]
    pub items: Vec<OrderLineBody>,
    /// Where to ship. Required when orders are fulfilled by Amazon (MCF);
    /// without it such a deployment answers 422 `shipping_address_required`.
    pub shipping_address: Option<ShippingAddressBody>,
    /// Defaults to the deployment's MCF shipping speed (`Standard`).
    #[schema(value_type = Option<ShippingSpeed>)]
    pub shipping_speed: Option<ShippingSpeed>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PreviewOrderBody {
    /// 1 to 100 lines, each SKU once (a repeated SKU is a 400).
    #[schema(min_items = 1, max_items = 100)]
    pub items: Vec<OrderLineBody>,
    #[schema(value_type = ShippingAddressBody)]
    pub shipping_address: Option<ShippingAddressBody>,
}

/// The order lines of a body, checked as an order's are.
fn order_request(items: Vec<OrderLineBody>) -> Result<OrderRequest, ApiError> {
    Ok(OrderRequest::new(
        items.into_iter().map(|l| (l.sku, l.quantity)).collect(),
    )?)
}

#[utoipa::path(
    post, path = "/orders", tag = "orders", operation_id = "placeOrder",
    request_body = PlaceOrderBody,
    params(("Idempotency-Key" = inline(Option<IdempotencyKey>), Header,
        description = "Makes retries safe: the same key and body replay the first response for 24 h")),
    responses(
        CustomerOnly, JsonBody,
        (status = 201, description = "Order placed; every line reserved", body = OrderView,
            headers(("Location" = String, description = "`/orders/{order_id}`; absent on a replay"))),
        (status = 400, description = "`malformed_json`, or `validation_failed` (a field, a repeated SKU, or a bad Idempotency-Key)", body = ErrorBody),
        (status = 409, description = "`insufficient_stock` (details name each SKU); nothing reserved", body = ErrorBody),
        (status = 422, description = "`unknown_sku`, `sku_unavailable`, `idempotency_key_reused`, or `shipping_address_required` (MCF mode, no address; nothing reserved)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn place(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let placed = place_order(app, req).await;
    // Refused for what it asked (4xx), by the error code; outages are not
    // the order's fault and show in the API's 5xx instead.
    if let Err(e) = &placed
        && e.status.is_client_error()
    {
        metrics::count_by(Metric::OrdersRejected, e.code, 1);
    }
    placed
}

async fn place_order(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let customer = req.customer(app)?;
    let key = req
        .header("idempotency-key")
        .map(IdempotencyKey::parse)
        .transpose()
        .map_err(|e| field_error("Idempotency-Key", e.message()))?;
    let body: PlaceOrderBody = req.json()?;
    let address = body
        .shipping_address
        .as_ref()
        .map(ShippingAddressBody::parse)
        .transpose()?;
    let request = order_request(body.items)?.with_shipping(address, body.shipping_speed);
    // A replay answers what the first call answered: the same status and
    // the order as it was placed, rendered the same way, so the body is the
    // same bytes. It is marked as a replay and carries no Location.
    let response = match app::place_order(app, &customer, &request, key).await? {
        Placed::New(order) => {
            metrics::count(Metric::OrdersPlaced, 1);
            metrics::value(
                Metric::OrderValue,
                rust_decimal::prelude::ToPrimitive::to_f64(&order.total_amount).unwrap_or(0.0),
            );
            let mut response = response::json(StatusCode::CREATED, &OrderView::from(&order));
            if let Ok(location) =
                http::HeaderValue::from_str(&format!("/orders/{}", order.order_id))
            {
                response
                    .headers_mut()
                    .insert(http::header::LOCATION, location);
            }
            response
        }
        Placed::Replayed(order) => {
            let mut response = response::json(StatusCode::CREATED, &OrderView::from(&order));
            response.headers_mut().insert(
                "idempotent-replayed",
                http::HeaderValue::from_static("true"),
            );
            response
        }
    };
    Ok(response)
}

#[utoipa::path(
    get, path = "/orders", tag = "orders", operation_id = "listOrders",
    params(
        ("limit" = inline(Option<PageLimit>), Query, description = "Page size, 1 to 100 (default 20)"),
        ("cursor" = inline(Option<Cursor>), Query, description = "The `next_cursor` of the previous page"),
        ("status" = Option<OrderStatus>, Query, description = "Only this status"),
    ),
    responses(
        SignedIn, Paged,
        (status = 200, description = "Newest first: the caller's orders, or everyone's for an admin", body = PageView<OrderView>),
    ),
    security(("bearer" = []))
)]
pub async fn list(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let principal = req.principal(app)?;
    let page = req.page()?;
    let status = match req.query("status") {
        Some(raw) => Some(OrderStatus::parse(raw).ok_or_else(|| {
            field_error(
                "status",
                "must be one of PENDING, PROCESSING, COMPLETED, CANCELLED, FAILED",
            )
        })?),
        None => None,
    };
    let found = app::list_orders_for(app, &principal, status, &page).await?;
    Ok(response::json(
        StatusCode::OK,
        &PageView {
            items: found.items.iter().map(OrderView::from).collect(),
            next_cursor: found.next_cursor.map(|c| c.as_str().to_owned()),
        },
    ))
}

#[utoipa::path(
    get, path = "/orders/{id}", tag = "orders", operation_id = "getOrder",
    params(("id" = inline(Id), Path, description = "Order id")),
    responses(
        SignedIn,
        (status = 200, description = "The order", body = OrderView),
        (status = 404, description = "No such order, or another customer's (or not an order id at all)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let principal = req.principal(app)?;
    let order = app::get_order_for(app, &principal, req.param("id")).await?;
    Ok(response::json(StatusCode::OK, &OrderView::from(&order)))
}

#[utoipa::path(
    post, path = "/orders/{id}/cancel", tag = "orders", operation_id = "cancelOrder",
    params(("id" = inline(Id), Path, description = "Order id")),
    responses(
        SignedIn,
        (status = 200, description = "Cancelled; reserved stock released", body = OrderView),
        (status = 404, description = "No such order, or another customer's (or not an order id at all)", body = ErrorBody),
        (status = 409, description = "Already COMPLETED, CANCELLED or FAILED (`order_not_cancellable`), or, when fulfilled by Amazon, Amazon refused to cancel because it is already shipping (`not_cancellable`); nothing changed", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn cancel(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let principal = req.principal(app)?;
    let order = app::cancel_order(app, &principal, req.param("id")).await?;
    metrics::count(Metric::OrdersCancelled, 1);
    Ok(response::json(StatusCode::OK, &OrderView::from(&order)))
}

#[utoipa::path(
    post, path = "/orders/preview", tag = "orders", operation_id = "previewOrder",
    request_body = PreviewOrderBody,
    responses(
        SignedIn, JsonBody,
        (status = 200, description = "Amazon's shipping options (getFulfillmentPreview), one per speed", body = ShippingPreviewView),
        (status = 400, description = "`malformed_json`, or `validation_failed` naming the field", body = ErrorBody),
        (status = 422, description = "`mcf_not_enabled` (orders are not fulfilled by Amazon here), or `amazon_refused` (Amazon refused the request, e.g. the address)", body = ErrorBody),
        (status = 503, description = "`service_unavailable`: Amazon is unavailable or throttling, or the store is down; retry", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait before retrying"))),
    ),
    security(("bearer" = []))
)]
pub async fn preview(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    req.principal(app)?;
    let body: PreviewOrderBody = req.json()?;
    let address = body
        .shipping_address
        .as_ref()
        .ok_or_else(|| field_error("shipping_address", "is required"))?
        .parse()?;
    let items = order_request(body.items)?
        .lines()
        .iter()
        .map(|(sku, quantity)| (sku.clone(), quantity.get()))
        .collect();
    let options = app::preview_shipping(app, address, items).await?;
    Ok(response::json(
        StatusCode::OK,
        &ShippingPreviewView::from(options.as_slice()),
    ))
}
