//! `/analytics/orders` (admin): orders placed per day, week or month.

use http::{Response, StatusCode};
use lambda_http::Body;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::App;
use crate::app::analytics::{self, DateRange, Granularity, OrderAnalytics};
use crate::domain::money_string;
use crate::http::error::ErrorBody;
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
    let today = app.clock.now().date_naive();
    let range = DateRange::requested(req.query("from"), req.query("to"), today)?;
    let granularity = Granularity::requested(req.query("granularity"))?;
    let report = analytics::order_analytics(app, range, granularity).await?;
    Ok(response::json(StatusCode::OK, &AnalyticsView::from(report)))
}

impl From<OrderAnalytics> for AnalyticsView {
    fn from(report: OrderAnalytics) -> Self {
        AnalyticsView {
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
        }
    }
}
