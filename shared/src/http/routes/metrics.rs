//! `/metrics*` (admin): order counts, processing times, one order's timing.

use std::collections::BTreeMap;

use http::{Response, StatusCode};
use lambda_http::Body;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::{App, analytics};
use crate::domain::OrderStatus;
use crate::http::error::ErrorBody;
use crate::http::routes::responses::AdminOnly;
use crate::http::routes::schemas::Id;
use crate::http::{ApiError, ApiRequest, response};
use crate::views::timestamp;

#[derive(Debug, Serialize, ToSchema)]
pub struct MetricsView {
    pub total_orders: u64,
    /// Every status, with zeros.
    #[schema(value_type = Object, example = json!({"PENDING": 1, "PROCESSING": 0, "COMPLETED": 12, "CANCELLED": 1, "FAILED": 0}))]
    pub status_counts: BTreeMap<&'static str, u64>,
    /// Mean seconds from placement to completion; null until an order completes.
    pub average_processing_seconds: Option<f64>,
}

#[utoipa::path(
    get, path = "/metrics", tag = "metrics", operation_id = "metrics",
    responses(
        AdminOnly,
        (status = 200, description = "Order counts and processing time", body = MetricsView),
    ),
    security(("bearer" = []))
)]
pub async fn metrics(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    req.admin(app)?;
    let m = analytics::metrics(app).await?;
    let status_counts = OrderStatus::ALL
        .iter()
        .map(|s| (s.as_str(), m.status_counts.get(s).copied().unwrap_or(0)))
        .collect();
    Ok(response::json(
        StatusCode::OK,
        &MetricsView {
            total_orders: m.total_orders,
            status_counts,
            average_processing_seconds: m.average_processing_seconds(),
        },
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderMetricsView {
    pub order_id: String,
    pub status: OrderStatus,
    pub created_at: String,
    pub updated_at: String,
    /// Seconds from placement to completion; null until completed.
    pub processing_seconds: Option<f64>,
}

#[utoipa::path(
    get, path = "/metrics/orders/{id}", tag = "metrics", operation_id = "orderMetrics",
    params(("id" = inline(Id), Path, description = "Order id")),
    responses(
        AdminOnly,
        (status = 200, description = "One order's timing", body = OrderMetricsView),
        (status = 404, description = "No such order (or not an order id at all)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn order_metrics(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let admin = req.admin(app)?;
    let timing = analytics::order_timing(app, &admin, req.param("id")).await?;
    Ok(response::json(
        StatusCode::OK,
        &OrderMetricsView {
            order_id: timing.order_id.to_string(),
            status: timing.status,
            created_at: timestamp(&timing.created_at),
            updated_at: timestamp(&timing.updated_at),
            processing_seconds: timing.processing_seconds,
        },
    ))
}
