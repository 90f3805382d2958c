//! `/forecasts/{sku}` (admin): the latest demand forecast of a SKU.

use http::{Response, StatusCode};
use lambda_http::Body;

use crate::app::{App, forecasts};
use crate::domain::Sku;
use crate::http::error::{ErrorBody, field_error};
use crate::http::routes::responses::AdminOnly;
use crate::http::{ApiError, ApiRequest, response};
use crate::views::ForecastView;

#[utoipa::path(
    get, path = "/forecasts/{sku}", tag = "metrics", operation_id = "forecast",
    params(("sku" = inline(Sku), Path, description = "Seller SKU")),
    responses(
        AdminOnly,
        (status = 200, description = "The latest demand forecast and reorder policy", body = ForecastView),
        (status = 400, description = "`validation_failed`: not a SKU", body = ErrorBody),
        (status = 404, description = "No forecast yet for this SKU", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn forecast(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    req.admin(app)?;
    let sku = Sku::parse(req.param("sku")).map_err(|e| field_error("sku", e.message()))?;
    let record = forecasts::latest(app, &sku).await?;
    Ok(response::json(StatusCode::OK, &ForecastView::from(&record)))
}
