//! Admin routes: suppliers and reorders.

use http::{Response, StatusCode};
use lambda_http::Body;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::field_error;
use crate::app::{App, reorders};
use crate::domain::{Rating, ReorderId, ReorderStatus, Supplier, SupplierEmail, SupplierId};
use crate::http::error::ErrorBody;
use crate::http::{ApiError, ApiRequest, response};
use crate::views::{PageView, ReorderView, SupplierView};

fn supplier_id(req: &ApiRequest) -> Result<SupplierId, ApiError> {
    SupplierId::parse(req.param(0)).map_err(|e| field_error("supplier_id", e.message()))
}

fn reorder_id(req: &ApiRequest) -> Result<ReorderId, ApiError> {
    ReorderId::parse(req.param(0)).map_err(|_| ApiError::not_found("reorder"))
}

#[utoipa::path(
    get, path = "/suppliers", tag = "suppliers",
    params(
        ("limit" = Option<u32>, Query, description = "Page size, 1 to 100 (default 20)"),
        ("cursor" = Option<String>, Query, description = "Opaque cursor from the previous page"),
    ),
    responses(
        (status = 200, description = "Suppliers in id order", body = PageView<SupplierView>),
        (status = 400, description = "Bad limit or cursor", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_suppliers(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    req.admin(app)?;
    let page = app.store.list_suppliers(&req.page()?).await?;
    let subpar = app.settings.subpar_rating;
    Ok(response::json(
        StatusCode::OK,
        &PageView {
            items: page
                .items
                .iter()
                .map(|s| SupplierView::new(s, subpar))
                .collect(),
            next_cursor: page.next_cursor.map(|c| c.as_str().to_owned()),
        },
    ))
}

#[utoipa::path(
    get, path = "/suppliers/{id}", tag = "suppliers",
    params(("id" = String, Path, description = "Supplier id")),
    responses(
        (status = 200, description = "The supplier", body = SupplierView),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such supplier", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_supplier(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    req.admin(app)?;
    let id = supplier_id(req)?;
    let supplier = app
        .store
        .get_supplier(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("supplier"))?;
    Ok(response::json(
        StatusCode::OK,
        &SupplierView::new(&supplier, app.settings.subpar_rating),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PutSupplierBody {
    /// 1 to 200 characters.
    pub name: String,
    #[schema(value_type = String, example = "orders@acme.example")]
    pub email: SupplierEmail,
    /// 1 (poor) to 5 (excellent); below `SUBPAR_RATING` means reorders wait for approval.
    #[schema(value_type = u8, example = 4)]
    pub rating: Rating,
    /// Every reorder waits for approval, whatever the rating. Default false.
    #[serde(default)]
    pub manual_approval: bool,
}

#[utoipa::path(
    put, path = "/suppliers/{id}", tag = "suppliers",
    params(("id" = String, Path, description = "Supplier id: letters, digits, '-', '_', '.'")),
    request_body = PutSupplierBody,
    responses(
        (status = 200, description = "Supplier replaced", body = SupplierView),
        (status = 201, description = "Supplier created", body = SupplierView),
        (status = 400, description = "Invalid field", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn put_supplier(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    req.admin(app)?;
    let id = supplier_id(req)?;
    let body: PutSupplierBody = req.json()?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(field_error("name", "must be 1 to 200 characters"));
    }
    let supplier = Supplier {
        supplier_id: id,
        name: name.to_owned(),
        email: body.email,
        rating: body.rating,
        manual_approval: body.manual_approval,
        updated_at: app.clock.now(),
    };
    let created = app.store.put_supplier(&supplier).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(response::json(
        status,
        &SupplierView::new(&supplier, app.settings.subpar_rating),
    ))
}

#[utoipa::path(
    get, path = "/reorders", tag = "reorders",
    params(
        ("status" = Option<ReorderStatus>, Query, description = "Only this status (e.g. PENDING_APPROVAL)"),
        ("limit" = Option<u32>, Query, description = "Page size, 1 to 100 (default 20)"),
        ("cursor" = Option<String>, Query, description = "Opaque cursor from the previous page"),
    ),
    responses(
        (status = 200, description = "Reorders, newest first", body = PageView<ReorderView>),
        (status = 400, description = "Bad status, limit or cursor", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_reorders(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    req.admin(app)?;
    let status = match req.query("status") {
        Some(raw) => Some(ReorderStatus::parse(raw).ok_or_else(|| {
            field_error(
                "status",
                "must be one of PENDING_APPROVAL, QUEUED, SENT, RECEIVED, REJECTED, CANCELLED",
            )
        })?),
        None => None,
    };
    let page = app.store.list_reorders(status, &req.page()?).await?;
    Ok(response::json(
        StatusCode::OK,
        &PageView {
            items: page.items.iter().map(ReorderView::from).collect(),
            next_cursor: page.next_cursor.map(|c| c.as_str().to_owned()),
        },
    ))
}

#[utoipa::path(
    post, path = "/reorders/{id}/approve", tag = "reorders",
    params(("id" = String, Path, description = "Reorder id")),
    responses(
        (status = 200, description = "Approved: QUEUED, and mailed once", body = ReorderView),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such reorder", body = ErrorBody),
        (status = 409, description = "Not waiting for approval (`reorder_wrong_state`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn approve(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    req.admin(app)?;
    let reorder = reorders::approve(app, reorder_id(req)?).await?;
    Ok(response::json(StatusCode::OK, &ReorderView::from(&reorder)))
}

#[utoipa::path(
    post, path = "/reorders/{id}/reject", tag = "reorders",
    params(("id" = String, Path, description = "Reorder id")),
    responses(
        (status = 200, description = "Rejected; the SKU may be reordered again", body = ReorderView),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such reorder", body = ErrorBody),
        (status = 409, description = "Not waiting for approval (`reorder_wrong_state`)", body = ErrorBody),
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
    pub quantity: u32,
}

#[utoipa::path(
    post, path = "/reorders/{id}/receive", tag = "reorders",
    params(("id" = String, Path, description = "Reorder id")),
    request_body = ReceiveBody,
    responses(
        (status = 200, description = "Received; stock added once", body = ReorderView),
        (status = 400, description = "Invalid quantity", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such reorder", body = ErrorBody),
        (status = 409, description = "Not SENT (`reorder_wrong_state`)", body = ErrorBody),
        (status = 422, description = "The listing no longer exists", body = ErrorBody),
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
