//! `/reorders*` (admin): reorder requests, their approval, receiving and
//! cancelling. The lifecycle is in `crate::domain::reorder`.

use http::{Response, StatusCode};
use lambda_http::Body;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::{App, AppError, Resource, reorders};
use crate::domain::{ReorderId, ReorderStatus};
use crate::http::error::{ErrorBody, field_error};
use crate::http::routes::responses::{AdminOnly, JsonBody, Paged};
use crate::http::routes::schemas::Id;
use crate::http::{ApiError, ApiRequest, response};
use crate::ports::{Cursor, PageLimit};
use crate::views::{PageView, ReorderView};

/// A malformed id names no reorder: 404, like an unknown one.
fn reorder_id(req: &ApiRequest) -> Result<ReorderId, ApiError> {
    ReorderId::parse(req.param("id")).map_err(|_| AppError::NotFound(Resource::Reorder).into())
}

#[utoipa::path(
    get, path = "/reorders", tag = "reorders", operation_id = "listReorders",
    params(
        ("status" = Option<ReorderStatus>, Query, description = "Only this status (e.g. PENDING_APPROVAL, or MAIL_FAILED for the mails that need attention)"),
        ("limit" = inline(Option<PageLimit>), Query, description = "Page size, 1 to 100 (default 20)"),
        ("cursor" = inline(Option<Cursor>), Query, description = "The `next_cursor` of the previous page"),
    ),
    responses(
        AdminOnly, Paged,
        (status = 200, description = "Reorders, newest first", body = PageView<ReorderView>),
    ),
    security(("bearer" = []))
)]
pub async fn list_reorders(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    req.admin(app)?;
    let status = match req.query("status") {
        Some(raw) => Some(ReorderStatus::parse(raw).ok_or_else(|| {
            let names: Vec<&str> = ReorderStatus::ALL.map(ReorderStatus::as_str).into();
            field_error("status", &format!("must be one of {}", names.join(", ")))
        })?),
        None => None,
    };
    let page = reorders::list(app, status, &req.page()?).await?;
    Ok(response::json(
        StatusCode::OK,
        &PageView {
            items: page.items.iter().map(ReorderView::from).collect(),
            next_cursor: page.next_cursor.map(|c| c.as_str().to_owned()),
        },
    ))
}

#[utoipa::path(
    post, path = "/reorders/{id}/approve", tag = "reorders", operation_id = "approveReorder",
    params(("id" = inline(Id), Path, description = "Reorder id")),
    responses(
        AdminOnly,
        (status = 200, description = "Approved: QUEUED, and mailed once", body = ReorderView),
        (status = 404, description = "No such reorder (or not a reorder id at all)", body = ErrorBody),
        (status = 409, description = "Not waiting for approval (`reorder_wrong_state`), or changed meanwhile (`concurrent_update`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn approve(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    req.admin(app)?;
    let reorder = reorders::approve(app, reorder_id(req)?).await?;
    Ok(response::json(StatusCode::OK, &ReorderView::from(&reorder)))
}

#[utoipa::path(
    post, path = "/reorders/{id}/reject", tag = "reorders", operation_id = "rejectReorder",
    params(("id" = inline(Id), Path, description = "Reorder id")),
    responses(
        AdminOnly,
        (status = 200, description = "Rejected; the SKU may be reordered again", body = ReorderView),
        (status = 404, description = "No such reorder (or not a reorder id at all)", body = ErrorBody),
        (status = 409, description = "Not waiting for approval (`reorder_wrong_state`), or changed meanwhile (`concurrent_update`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn reject(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    req.admin(app)?;
    let reorder = reorders::reject(app, reorder_id(req)?).await?;
    Ok(response::json(StatusCode::OK, &ReorderView::from(&reorder)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReceiveBody {
    /// Units received, 1 to 1 000 000; added to the listing's stock.
    #[schema(minimum = 1, maximum = 1_000_000)]
    #[serde(deserialize_with = "crate::domain::count")]
    pub quantity: u32,
}

#[utoipa::path(
    post, path = "/reorders/{id}/receive", tag = "reorders", operation_id = "receiveReorder",
    params(("id" = inline(Id), Path, description = "Reorder id")),
    request_body = ReceiveBody,
    responses(
        AdminOnly, JsonBody,
        (status = 200, description = "Received; stock added once", body = ReorderView),
        (status = 404, description = "No such reorder (or not a reorder id at all)", body = ErrorBody),
        (status = 409, description = "Not SENT (`reorder_wrong_state`), or changed meanwhile (`concurrent_update`)", body = ErrorBody),
        (status = 422, description = "`unknown_sku`: the listing no longer exists", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn receive(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    req.admin(app)?;
    let id = reorder_id(req)?;
    let body: ReceiveBody = req.json()?;
    if !(1..=1_000_000).contains(&body.quantity) {
        return Err(field_error(
            "quantity",
            "must be a whole number from 1 to 1000000",
        ));
    }
    let reorder = reorders::receive(app, id, body.quantity).await?;
    Ok(response::json(StatusCode::OK, &ReorderView::from(&reorder)))
}

#[utoipa::path(
    post, path = "/reorders/{id}/cancel", tag = "reorders", operation_id = "cancelReorder",
    params(("id" = inline(Id), Path, description = "Reorder id")),
    responses(
        AdminOnly,
        (status = 200, description = "Cancelled; never mailed (or no longer retried), and the SKU may be reordered again", body = ReorderView),
        (status = 404, description = "No such reorder (or not a reorder id at all)", body = ErrorBody),
        (status = 409, description = "Not PENDING_APPROVAL, QUEUED or MAIL_FAILED (`reorder_not_cancellable`, with `status` and `cancellable` in the details)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn cancel(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    req.admin(app)?;
    let reorder = reorders::cancel(app, reorder_id(req)?).await?;
    Ok(response::json(StatusCode::OK, &ReorderView::from(&reorder)))
}
