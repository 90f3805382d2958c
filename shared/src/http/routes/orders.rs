//! `/orders*`: placing, reading and cancelling orders.

use http::{Response, StatusCode};
use lambda_http::Body;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::{self, App, OrderRequest, Placed};
use crate::domain::{IdempotencyKey, LineQuantity, OrderStatus, Sku};
use crate::http::error::{ErrorBody, field_error};
use crate::http::routes::responses::{CustomerOnly, JsonBody, Paged, SignedIn};
use crate::http::routes::schemas::Id;
use crate::http::{ApiError, ApiRequest, response};
use crate::ports::{Cursor, PageLimit};
use crate::views::{OrderView, PageView};

#[derive(Debug, Deserialize, ToSchema)]
pub struct OrderLineBody {
    pub sku: Sku,
    /// 1 to 10000.
    pub quantity: LineQuantity,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PlaceOrderBody {
    /// 1 to 100 lines, each SKU once (a repeated SKU is a 400).
    #[schema(min_items = 1, max_items = 100)]
    pub items: Vec<OrderLineBody>,
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
        (status = 422, description = "`unknown_sku`, `sku_unavailable`, or `idempotency_key_reused`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn place(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let customer = req.customer(app)?;
    let key = req
        .header("idempotency-key")
        .map(IdempotencyKey::parse)
        .transpose()
        .map_err(|e| field_error("Idempotency-Key", e.message()))?;
    let body: PlaceOrderBody = req.json()?;
    let request = OrderRequest::new(
        body.items
            .into_iter()
            .map(|l| (l.sku, l.quantity))
            .collect(),
    )?;
    // A replay answers what the first call answered: the same status and
    // the order as it was placed, rendered the same way, so the body is the
    // same bytes. It is marked as a replay and carries no Location.
    let response = match app::place_order(app, &customer, &request, key).await? {
        Placed::New(order) => {
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
        (status = 409, description = "Already COMPLETED, CANCELLED or FAILED (`order_not_cancellable`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn cancel(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let principal = req.principal(app)?;
    let order = app::cancel_order(app, &principal, req.param("id")).await?;
    Ok(response::json(StatusCode::OK, &OrderView::from(&order)))
}
