//! From a demand forecast to stock decisions: horizon, safety stock, reorder
//! point and projected stockout date.
//!
//! The reorder point is the stock level at which an order must leave so that
//! it arrives before the shelf is empty, `service level` of the time:
//! lead-time demand (the sum of the daily forecasts over the lead time `L`)
//! plus a safety stock. The safety stock normally comes from the SKU's own
//! lead-time errors ([`super::lead_time`]); [`safety_stock`] here is the
//! textbook `z · σ · √L` (σ the root mean square of the fitted method's
//! one-step errors, `z` the standard normal quantile), used only when the
//! history is too short for a backtest.
//!
//! The forecast horizon is lead time plus review period: the stock ordered
//! today must last until the order after next can arrive.

use chrono::NaiveDate;

use super::series::add_days;

/// Longest forecast horizon, lead time and review period, in days: two
/// years. Longer values are clamped to it.
pub const MAX_HORIZON_DAYS: u32 = 730;

/// How far ahead a stockout date is looked for: a year, or the horizon if
/// that is longer. Stock lasting longer than that has no stockout date.
pub const STOCKOUT_LOOKAHEAD_DAYS: u32 = 365;

/// Forecast horizon: lead time plus review period, between one day and
/// [`MAX_HORIZON_DAYS`].
#[must_use]
pub fn horizon_days(lead_time_days: u32, review_period_days: u32) -> u32 {
    lead_time_days
        .saturating_add(review_period_days)
        .clamp(1, MAX_HORIZON_DAYS)
}

/// Safety stock `z · σ · √L` (never negative).
#[must_use]
pub fn safety_stock(z: f64, sigma: f64, lead_time_days: u32) -> f64 {
    let value = z * sigma * f64::from(lead_time_days).sqrt();
    if value.is_finite() {
        value.max(0.0)
    } else {
        0.0
    }
}

/// Reorder point: expected demand over the lead time plus safety stock
/// (which may be negative), never below zero and always finite.
#[must_use]
pub fn reorder_point(lead_time_demand: f64, safety_stock: f64) -> f64 {
    let value = lead_time_demand + safety_stock;
    if value.is_finite() {
        value.max(0.0)
    } else {
        lead_time_demand.max(0.0)
    }
}

/// The first day, counting from `start`, by whose end the cumulative
/// forecast `daily` demand reaches the `available` stock; `start` itself when
/// nothing is available; `None` when `daily` ends before the stock runs out.
#[must_use]
pub fn projected_stockout(
    start: NaiveDate,
    available: i64,
    daily: impl IntoIterator<Item = f64>,
) -> Option<NaiveDate> {
    if available <= 0 {
        return Some(start);
    }
    let stock = available as f64;
    let mut demand = 0.0;
    for (offset, value) in daily.into_iter().enumerate() {
        demand += value;
        if demand >= stock {
            return Some(add_days(start, offset));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn horizon_is_lead_time_plus_review_within_bounds() {
        assert_eq!(horizon_days(10, 7), 17);
        assert_eq!(horizon_days(0, 0), 1);
        assert_eq!(horizon_days(u32::MAX, u32::MAX), MAX_HORIZON_DAYS);
    }

    #[test]
    fn safety_stock_scales_with_the_root_of_the_lead_time() {
        let one = safety_stock(1.645, 2.0, 1);
        assert!((one - 3.29).abs() < 1e-12);
        assert!((safety_stock(1.645, 2.0, 4) - 2.0 * one).abs() < 1e-12);
        assert_eq!(safety_stock(0.0, 2.0, 9), 0.0);
        assert_eq!(safety_stock(1.0, 2.0, 0), 0.0);
        assert_eq!(safety_stock(1.0, f64::NAN, 3), 0.0);
    }

    #[test]
    fn reorder_point_adds_safety_stock_to_lead_time_demand() {
        assert_eq!(reorder_point(70.0, 12.5), 82.5);
        assert_eq!(reorder_point(3.0, -1.0), 2.0);
        assert_eq!(reorder_point(3.0, -5.0), 0.0);
        assert_eq!(reorder_point(3.0, f64::NAN), 3.0);
    }

    #[test]
    fn stockout_is_the_day_cumulative_demand_reaches_stock() {
        let start = day(2025, 3, 1);
        let daily = [4.0, 4.0, 4.0, 4.0];
        assert_eq!(projected_stockout(start, 8, daily), Some(day(2025, 3, 2)));
        assert_eq!(projected_stockout(start, 9, daily), Some(day(2025, 3, 3)));
        assert_eq!(projected_stockout(start, 3, daily), Some(start));
        assert_eq!(projected_stockout(start, 17, daily), None);
    }

    #[test]
    fn no_stock_runs_out_at_once_and_no_demand_never() {
        let start = day(2025, 3, 1);
        assert_eq!(projected_stockout(start, 0, [0.0; 3]), Some(start));
        assert_eq!(projected_stockout(start, -5, [0.0; 3]), Some(start));
        assert_eq!(projected_stockout(start, 1, [0.0; 365]), None);
    }
}
