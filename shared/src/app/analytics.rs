//! Reporting on orders: counts by status, processing times and order
//! totals over a date range, bucketed by day, week or month.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::app::{App, AppError, get_order_for};
use crate::auth::Principal;
use crate::domain::{Currency, OrderId, OrderStatus};
use crate::ports::OrderMetrics;

/// Order counts per status and the mean processing time, over every order.
pub async fn metrics(app: &App) -> Result<OrderMetrics, AppError> {
    Ok(app.store.order_metrics().await?)
}

/// How long one order took.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderTiming {
    pub order_id: OrderId,
    pub status: OrderStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Seconds from placement to completion; `None` until completed.
    pub processing_seconds: Option<f64>,
}

/// The timing of an order `principal` may see.
pub async fn order_timing(
    app: &App,
    principal: &Principal,
    order_id: &str,
) -> Result<OrderTiming, AppError> {
    let order = get_order_for(app, principal, order_id).await?;
    Ok(OrderTiming {
        order_id: order.order_id,
        status: order.status,
        created_at: order.created_at,
        updated_at: order.updated_at,
        processing_seconds: order.processing_seconds(),
    })
}

/// The width of an analytics bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    Day,
    Week,
    Month,
}

impl Granularity {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "day" => Some(Granularity::Day),
            "week" => Some(Granularity::Week),
            "month" => Some(Granularity::Month),
            _ => None,
        }
    }

    /// The `granularity` a client asked for (`day` when it asked for none).
    pub fn requested(raw: Option<&str>) -> Result<Self, AppError> {
        Self::parse(raw.unwrap_or("day"))
            .ok_or_else(|| AppError::invalid_field("granularity", "must be day, week or month"))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
        }
    }

    /// The first day of the bucket holding `date` (weeks start on Monday);
    /// `None` only when that Monday lies before the first date chrono can
    /// represent, which a [`DateRange`] never reaches.
    pub fn bucket_start(self, date: NaiveDate) -> Option<NaiveDate> {
        match self {
            Granularity::Day => Some(date),
            Granularity::Week => {
                date.checked_sub_days(Days::new(u64::from(date.weekday().num_days_from_monday())))
            }
            Granularity::Month => date.with_day(1),
        }
    }
}

/// Whole UTC days from `from` to `to`, both included, in the years
/// [`DateRange::MIN_YEAR`] to [`DateRange::MAX_YEAR`] (so every step of the
/// bucketing stays far from chrono's limits, where its operators panic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    from: NaiveDate,
    to: NaiveDate,
}

impl DateRange {
    /// The longest range one report may cover, in days.
    pub const MAX_DAYS: i64 = 3 * 366;
    /// Days covered when only the end (or nothing) is given.
    pub const DEFAULT_DAYS: i64 = 30;
    /// The earliest year a range may touch.
    pub const MIN_YEAR: i32 = 0;
    /// The latest year a range may touch.
    pub const MAX_YEAR: i32 = 9999;

    /// The range from `from` to `to`; `to` defaults to `today` and `from`
    /// to [`Self::DEFAULT_DAYS`] days ending at `to`.
    pub fn new(
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<Self, AppError> {
        let to = Self::bounded("to", to.unwrap_or(today))?;
        let from = match from {
            Some(from) => Self::bounded("from", from)?,
            None => to
                .checked_sub_days(Days::new(Self::DEFAULT_DAYS.unsigned_abs() - 1))
                .filter(|d| d.year() >= Self::MIN_YEAR)
                .ok_or_else(|| {
                    AppError::invalid_field(
                        "to",
                        "without `from`, must be at least 30 days into year 0000",
                    )
                })?,
        };
        if from > to {
            return Err(AppError::invalid_field("from", "must not be after `to`"));
        }
        if (to - from).num_days() >= Self::MAX_DAYS {
            return Err(AppError::invalid_field(
                "to",
                format!("the range may cover at most {} days", Self::MAX_DAYS),
            ));
        }
        Ok(DateRange { from, to })
    }

    /// The range a client asked for as `YYYY-MM-DD` texts, with the
    /// defaults of [`Self::new`].
    pub fn requested(
        from: Option<&str>,
        to: Option<&str>,
        today: NaiveDate,
    ) -> Result<Self, AppError> {
        // chrono alone would also take `2024-1-1` or `+2024-01-01`; the
        // shape is checked first so that what is accepted is what the
        // message (and the OpenAPI document) says.
        let day = |field: &str, raw: Option<&str>| {
            raw.map(|raw| {
                let shaped = raw.len() == 10
                    && raw.bytes().enumerate().all(|(i, b)| match i {
                        4 | 7 => b == b'-',
                        _ => b.is_ascii_digit(),
                    });
                shaped
                    .then(|| NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok())
                    .flatten()
                    .ok_or_else(|| AppError::invalid_field(field, "must be a date as YYYY-MM-DD"))
            })
            .transpose()
        };
        Self::new(day("from", from)?, day("to", to)?, today)
    }

    /// `day` if its year is within [`Self::MIN_YEAR`]..=[`Self::MAX_YEAR`].
    fn bounded(field: &str, day: NaiveDate) -> Result<NaiveDate, AppError> {
        if (Self::MIN_YEAR..=Self::MAX_YEAR).contains(&day.year()) {
            Ok(day)
        } else {
            Err(AppError::invalid_field(
                field,
                format!(
                    "the year must be between {:04} and {}",
                    Self::MIN_YEAR,
                    Self::MAX_YEAR
                ),
            ))
        }
    }

    /// Every day of the range, in order.
    fn days(self) -> impl Iterator<Item = NaiveDate> {
        self.from.iter_days().take_while(move |day| *day <= self.to)
    }

    pub fn from(self) -> NaiveDate {
        self.from
    }

    pub fn to(self) -> NaiveDate {
        self.to
    }

    fn contains(self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }
}

/// Orders placed in one bucket (or in the whole range, for the totals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderTotals {
    pub order_count: u64,
    pub order_value: Decimal,
}

impl OrderTotals {
    fn add(&mut self, count: u64, value: Decimal) {
        self.order_count += count;
        self.order_value += value;
    }
}

/// Orders placed over a range, per bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderAnalytics {
    pub range: DateRange,
    pub granularity: Granularity,
    pub currency: Currency,
    /// Every bucket of the range by its first day, empty ones included.
    pub buckets: BTreeMap<NaiveDate, OrderTotals>,
    pub totals: OrderTotals,
}

/// Orders placed in `range`, bucketed by `granularity`.
pub async fn order_analytics(
    app: &App,
    range: DateRange,
    granularity: Granularity,
) -> Result<OrderAnalytics, AppError> {
    let days = app.store.daily_order_totals(range.from, range.to).await?;
    let mut buckets: BTreeMap<NaiveDate, OrderTotals> = BTreeMap::new();
    for day in range.days() {
        buckets.entry(bucket_of(granularity, day)?).or_default();
    }
    let mut totals = OrderTotals::default();
    // A store may return days outside the range; they count nowhere.
    for d in days.iter().filter(|d| range.contains(d.date)) {
        buckets
            .entry(bucket_of(granularity, d.date)?)
            .or_default()
            .add(d.order_count, d.order_value);
        totals.add(d.order_count, d.order_value);
    }
    Ok(OrderAnalytics {
        range,
        granularity,
        currency: app.settings.currency,
        buckets,
        totals,
    })
}

/// The bucket of a day in a [`DateRange`]; always `Some` given the year
/// bounds, and a 400 rather than a panic should that ever change.
fn bucket_of(granularity: Granularity, day: NaiveDate) -> Result<NaiveDate, AppError> {
    granularity
        .bucket_start(day)
        .ok_or_else(|| AppError::invalid_field("from", "is too early to bucket"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn buckets_start_on_the_day_the_monday_or_the_first() {
        let wednesday = day("2024-05-15");
        assert_eq!(Granularity::Day.bucket_start(wednesday), Some(wednesday));
        assert_eq!(
            Granularity::Week.bucket_start(wednesday),
            Some(day("2024-05-13"))
        );
        assert_eq!(
            Granularity::Month.bucket_start(wednesday),
            Some(day("2024-05-01"))
        );
        assert_eq!(Granularity::Week.bucket_start(NaiveDate::MIN), None);
    }

    #[test]
    fn the_range_defaults_to_thirty_days_ending_today_and_is_bounded() {
        let today = day("2024-05-31");
        let r = DateRange::new(None, None, today).unwrap();
        assert_eq!((r.from(), r.to()), (day("2024-05-02"), today));
        assert!(matches!(
            DateRange::new(Some(day("2024-06-01")), None, today),
            Err(AppError::InvalidField { field, .. }) if field == "from"
        ));
        let longest = today - chrono::Duration::days(DateRange::MAX_DAYS - 1);
        assert!(DateRange::new(Some(longest), None, today).is_ok());
        assert!(matches!(
            DateRange::new(Some(longest - chrono::Duration::days(1)), None, today),
            Err(AppError::InvalidField { field, .. }) if field == "to"
        ));
    }
}
