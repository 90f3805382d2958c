//! Admin reporting: order metrics and order analytics over a date range.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use http::{Response, StatusCode};
use lambda_http::Body;
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::field_error;
use crate::app::{self, App};
use crate::domain::{OrderStatus, money_string};
use crate::http::error::ErrorBody;
use crate::http::{ApiError, ApiRequest, response};
use crate::views::{ForecastView, timestamp};

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
    get, path = "/metrics", tag = "metrics",
    responses(
        (status = 200, description = "Order counts and processing time", body = MetricsView),
        (status = 403, description = "Not an admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn metrics(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    req.admin(app)?;
    let m = app.store.order_metrics().await?;
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
    get, path = "/metrics/orders/{id}", tag = "metrics",
    params(("id" = String, Path, description = "Order id")),
    responses(
        (status = 200, description = "One order's timing", body = OrderMetricsView),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such order", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn order_metrics(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let admin = req.admin(app)?;
    let order = app::get_order_for(app, &admin, req.param(0)).await?;
    Ok(response::json(
        StatusCode::OK,
        &OrderMetricsView {
            order_id: order.order_id.to_string(),
            status: order.status,
            created_at: timestamp(&order.created_at),
            updated_at: timestamp(&order.updated_at),
            processing_seconds: order.processing_seconds(),
        },
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    Day,
    Week,
    Month,
}

impl Granularity {
    /// The first day of the bucket holding `date` (weeks start on Monday).
    fn bucket_start(self, date: NaiveDate) -> NaiveDate {
        match self {
            Granularity::Day => date,
            Granularity::Week => {
                date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
            }
            Granularity::Month => date.with_day(1).unwrap_or(date),
        }
    }
}

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

/// The longest range one request may cover.
const MAX_RANGE_DAYS: i64 = 3 * 366;

fn date(req: &ApiRequest, name: &str) -> Result<Option<NaiveDate>, ApiError> {
    req.query(name)
        .map(|raw| {
            NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map_err(|_| field_error(name, "must be a date as YYYY-MM-DD"))
        })
        .transpose()
}

#[utoipa::path(
    get, path = "/analytics/orders", tag = "metrics",
    params(
        ("from" = Option<String>, Query, description = "First UTC day, YYYY-MM-DD, inclusive (default: 29 days before `to`)"),
        ("to" = Option<String>, Query, description = "Last UTC day, YYYY-MM-DD, inclusive (default: today)"),
        ("granularity" = Option<String>, Query, description = "day (default), week or month"),
    ),
    responses(
        (status = 200, description = "Orders placed per bucket, and totals", body = AnalyticsView),
        (status = 400, description = "Bad date, range or granularity", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn analytics(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    req.admin(app)?;
    let to = date(req, "to")?.unwrap_or_else(|| app.clock.now().date_naive());
    let from = date(req, "from")?.unwrap_or(to - Duration::days(29));
    if from > to {
        return Err(field_error("from", "must not be after `to`"));
    }
    if (to - from).num_days() >= MAX_RANGE_DAYS {
        return Err(field_error(
            "to",
            &format!("the range may cover at most {MAX_RANGE_DAYS} days"),
        ));
    }
    let granularity = match req.query("granularity").unwrap_or("day") {
        "day" => Granularity::Day,
        "week" => Granularity::Week,
        "month" => Granularity::Month,
        _ => return Err(field_error("granularity", "must be day, week or month")),
    };
    let days = app.store.daily_order_totals(from, to).await?;
    let mut buckets: BTreeMap<NaiveDate, (u64, Decimal)> = BTreeMap::new();
    let mut day = from;
    while day <= to {
        buckets.entry(granularity.bucket_start(day)).or_default();
        day += Duration::days(1);
    }
    let mut totals = (0u64, Decimal::ZERO);
    for d in days.iter().filter(|d| d.date >= from && d.date <= to) {
        let bucket = buckets.entry(granularity.bucket_start(d.date)).or_default();
        bucket.0 += d.order_count;
        bucket.1 += d.order_value;
        totals.0 += d.order_count;
        totals.1 += d.order_value;
    }
    Ok(response::json(
        StatusCode::OK,
        &AnalyticsView {
            from: from.to_string(),
            to: to.to_string(),
            granularity: match granularity {
                Granularity::Day => "day",
                Granularity::Week => "week",
                Granularity::Month => "month",
            },
            currency: app.settings.currency.to_string(),
            buckets: buckets
                .into_iter()
                .map(|(start, (count, value))| Bucket {
                    start: start.to_string(),
                    order_count: count,
                    order_value: money_string(value),
                })
                .collect(),
            totals: Totals {
                order_count: totals.0,
                order_value: money_string(totals.1),
            },
        },
    ))
}

#[utoipa::path(
    get, path = "/forecasts/{sku}", tag = "metrics",
    params(("sku" = String, Path, description = "Seller SKU")),
    responses(
        (status = 200, description = "The latest demand forecast and reorder policy", body = ForecastView),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No forecast yet for this SKU", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn forecast(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    req.admin(app)?;
    let sku =
        crate::domain::Sku::parse(req.param(0)).map_err(|e| field_error("sku", e.message()))?;
    let record = app
        .store
        .get_forecast(&sku)
        .await?
        .ok_or_else(|| ApiError::not_found("forecast"))?;
    Ok(response::json(StatusCode::OK, &ForecastView::from(&record)))
}
