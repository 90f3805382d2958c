//! `/suppliers*` (admin): who restocks what.

use http::{Response, StatusCode};
use lambda_http::Body;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::{App, suppliers};
use crate::domain::{Rating, SupplierEmail, SupplierId};
use crate::http::error::{ErrorBody, field_error};
use crate::http::routes::responses::{AdminOnly, JsonBody, Paged};
use crate::http::routes::schemas;
use crate::http::{ApiError, ApiRequest, response};
use crate::ports::{Cursor, PageLimit};
use crate::views::{PageView, SupplierView};

fn supplier_id(req: &ApiRequest) -> Result<SupplierId, ApiError> {
    SupplierId::parse(req.param("id")).map_err(|e| field_error("supplier_id", e.message()))
}

#[utoipa::path(
    get, path = "/suppliers", tag = "suppliers", operation_id = "listSuppliers",
    params(
        ("limit" = inline(Option<PageLimit>), Query, description = "Page size, 1 to 100 (default 20)"),
        ("cursor" = inline(Option<Cursor>), Query, description = "The `next_cursor` of the previous page"),
    ),
    responses(
        AdminOnly, Paged,
        (status = 200, description = "Suppliers in id order", body = PageView<SupplierView>),
    ),
    security(("bearer" = []))
)]
pub async fn list_suppliers(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    req.admin(app)?;
    let page = suppliers::list(app, &req.page()?).await?;
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
    get, path = "/suppliers/{id}", tag = "suppliers", operation_id = "getSupplier",
    params(("id" = inline(SupplierId), Path, description = "Supplier id")),
    responses(
        AdminOnly,
        (status = 200, description = "The supplier", body = SupplierView),
        (status = 400, description = "`validation_failed`: not a supplier id", body = ErrorBody),
        (status = 404, description = "No such supplier", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_supplier(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    req.admin(app)?;
    let supplier = suppliers::get(app, &supplier_id(req)?).await?;
    Ok(response::json(
        StatusCode::OK,
        &SupplierView::new(&supplier, app.settings.subpar_rating),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PutSupplierBody {
    /// 1 to 200 characters after trimming, no control characters.
    #[schema(schema_with = schemas::supplier_name)]
    pub name: String,
    pub email: SupplierEmail,
    /// 1 (poor) to 5 (excellent); below `SUBPAR_RATING` means reorders wait for approval.
    pub rating: Rating,
    /// Every reorder waits for approval, whatever the rating. Default false.
    #[serde(default)]
    pub manual_approval: bool,
}

#[utoipa::path(
    put, path = "/suppliers/{id}", tag = "suppliers", operation_id = "putSupplier",
    params(("id" = inline(SupplierId), Path, description = "Supplier id, chosen by the admin")),
    request_body = PutSupplierBody,
    responses(
        AdminOnly, JsonBody,
        (status = 200, description = "Supplier replaced", body = SupplierView),
        (status = 201, description = "Supplier created", body = SupplierView),
    ),
    security(("bearer" = []))
)]
pub async fn put_supplier(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    req.admin(app)?;
    let id = supplier_id(req)?;
    let body: PutSupplierBody = req.json()?;
    let input = suppliers::SupplierInput {
        name: body.name,
        email: body.email,
        rating: body.rating,
        manual_approval: body.manual_approval,
    };
    let (supplier, created) = suppliers::put(app, id, input).await?;
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
