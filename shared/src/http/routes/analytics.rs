//! `/analytics/orders` (admin): orders placed per day, week or month.

use chrono::NaiveDate;
use http::{Response, StatusCode};
use lambda_http::Body;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::App;
use crate::app::analytics::{self, DateRange, Granularity};
use crate::domain::money_string;
use crate::http::error::{ErrorBody, field_error};
use crate::http::routes::responses::AdminOnly;
use crate::http::routes::schemas::Day;
use crate::http::{ApiError, ApiRequest, response};

#[derive(Debug, Serialize, ToSchema)]
pub struct Bucket {
    /// First day of the bucket (`YYYY-MM-DD`); weeks start on Monday.
    pub start: String,
    pub order_count: u64,
    /// Decimal string.
    pub order_value: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Totals {
    pub order_count: u64,
    pub order_value: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnalyticsView {
    pub from: String,
    pub to: String,
    pub granularity: &'static str,
    pub currency: String,
    /// Every bucket of the range, empty ones included.
    pub buckets: Vec<Bucket>,
    pub totals: Totals,
}

/// A `YYYY-MM-DD` query parameter. chrono alone would also take `2024-1-1`
/// or `+2024-01-01`; the shape is checked first so that what is accepted
/// is what the message (and the OpenAPI document) says.
fn date(req: &ApiRequest, name: &str) -> Result<Option<NaiveDate>, ApiError> {
    req.query(name)
        .map(|raw| {
            let shaped = raw.len() == 10
                && raw.bytes().enumerate().all(|(i, b)| match i {
                    4 | 7 => b == b'-',
                    _ => b.is_ascii_digit(),
                });
            shaped
                .then(|| NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok())
                .flatten()
                .ok_or_else(|| field_error(name, "must be a date as YYYY-MM-DD"))
        })
        .transpose()
}

#[utoipa::path(
    get, path = "/analytics/orders", tag = "metrics", operation_id = "analytics",
    params(
        ("from" = inline(Option<Day>), Query, description = "First UTC day, inclusive, years 0000 to 9999 (default: 29 days before `to`); not after `to`; the range covers at most 1098 days"),
        ("to" = inline(Option<Day>), Query, description = "Last UTC day, inclusive, years 0000 to 9999 (default: today)"),
        ("granularity" = inline(Option<Granularity>), Query, description = "day (default), week or month"),
    ),
    responses(
        AdminOnly,
        (status = 200, description = "Orders placed per bucket, and totals", body = AnalyticsView),
        (status = 400, description = "`validation_failed`: a bad date or granularity, `from` after `to`, or a range over 1098 days", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn analytics(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    req.admin(app)?;
    let to = date(req, "to")?;
    let from = date(req, "from")?;
    let range = DateRange::new(from, to, app.clock.now().date_naive())?;
    let granularity = Granularity::parse(req.query("granularity").unwrap_or("day"))
        .ok_or_else(|| field_error("granularity", "must be day, week or month"))?;
    let report = analytics::order_analytics(app, range, granularity).await?;
    Ok(response::json(
        StatusCode::OK,
        &AnalyticsView {
            from: report.range.from().to_string(),
            to: report.range.to().to_string(),
            granularity: report.granularity.as_str(),
            currency: report.currency.to_string(),
            buckets: report
                .buckets
                .into_iter()
                .map(|(start, totals)| Bucket {
                    start: start.to_string(),
                    order_count: totals.order_count,
                    order_value: money_string(totals.order_value),
                })
                .collect(),
            totals: Totals {
                order_count: report.totals.order_count,
                order_value: money_string(report.totals.order_value),
            },
        },
    ))
}
