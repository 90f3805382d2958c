//! Demand forecasting: from a SKU's daily sales to its reorder point.
//!
//! A reorder point is only as good as the demand forecast under it, and no
//! single forecasting method suits every SKU: a best-seller with a weekend
//! peak, a slow mover that sells twice a month and a spare part that sells
//! forty once a quarter need different models. This module picks one per SKU
//! the way a careful analyst would, and does it for every SKU every day:
//!
//! 1. [`DailySeries`]: the daily demand, zero-filled, sanitised and capped at
//!    three years (the days without sales are what make demand intermittent).
//! 2. [`classify`]: the Syntetos–Boylan class from the average demand
//!    interval and the CV² of demand sizes.
//! 3. Selection: the class's candidate methods (simple, damped-trend and
//!    weekly-seasonal exponential smoothing; Croston-SBA and TSB for
//!    intermittent demand; Holt–Winters only where a weekly pattern shows),
//!    each fitted by minimising its in-sample error, compete on the last
//!    weeks of history; the winner's state is then brought up to date over
//!    the whole history.
//! 4. [`lead_time`]: the winner is replayed over the history, and the errors
//!    of its lead-time forecasts from every past day give the safety stock
//!    (their conformal quantile at the service level), a backtest MASE and
//!    the coverage its past reorder points achieved.
//! 5. [`policy`]: horizon (lead time plus review period), reorder point and
//!    projected stockout.
//!
//! [`Fit`] is steps 1 to 3, the expensive part: one fit serves forecasts for
//! any number of settings (lead times, service levels).
//!
//! Everything here is pure and deterministic: no I/O, clock or randomness,
//! so the same history and settings give the same [`Forecast`] bit for bit,
//! on the scheduled Lambda, in the `stockroom-forecast` CLI and in tests.
//! It never panics and its numbers are always finite and non-negative,
//! whatever the input (empty, all zeros, one day, absurd quantities).
//!
//! Cost: a forecast allocates the history it is given, its daily output and
//! nothing in proportion to the number of SKUs; fitting is a few hundred
//! passes over the (at most three-year) history, a fraction of a millisecond
//! for a year of history. See `docs/forecasting.md` and `BENCHMARKS.md`.

pub mod backtest;
mod classify;
mod intermittent;
pub mod lead_time;
mod model;
pub mod normal;
mod optimise;
mod params;
pub mod policy;
mod replay;
mod select;
mod series;
mod smoothing;
mod worst;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use classify::{ADI_CUTOFF, CV2_CUTOFF, Classification, DemandClass, classify};
pub use lead_time::{BacktestSummary, SafetyStockBasis};
pub use model::Method;
pub use params::{ForecastError, ForecastParams, ServiceLevel};
pub use series::DailySeries;
pub use worst::{Listing, WorstSkus};

/// A SKU's demand forecast and the stock policy derived from it.
///
/// Quantities are in units and left unrounded; compare stock with
/// `reorder_point.ceil()` to order in whole units.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// Demand class of the history.
    pub class: DemandClass,
    /// Method chosen and used.
    pub method: Method,
    /// Average demand interval of the history, in days.
    pub adi: f64,
    /// Squared coefficient of variation of the non-zero daily quantities.
    pub cv2: f64,
    /// Days of history used.
    pub history_days: u32,
    /// Days forecast: the length of `daily`.
    pub horizon_days: u32,
    /// Lead time the safety stock and reorder point were computed for.
    pub lead_time_days: u32,
    /// Service level the safety stock was computed for.
    pub service_level: f64,
    /// The first forecast day: the day after the history.
    pub start_date: NaiveDate,
    /// Expected demand per day from `start_date`, never negative.
    pub daily: Vec<f64>,
    /// Standard deviation of daily forecast errors (in-sample one-step RMSE).
    pub sigma: f64,
    /// Expected demand over the lead time.
    pub lead_time_demand: f64,
    /// `reorder_point − lead_time_demand`: the quantile of past lead-time
    /// errors at the service level (see [`lead_time`]). Negative when demand
    /// over a lead time is usually below its mean, as skewed intermittent
    /// demand is at modest service levels.
    pub safety_stock: f64,
    /// `lead_time_demand + safety_stock`, never negative: order when stock
    /// falls to this.
    pub reorder_point: f64,
    /// How the safety stock was derived.
    #[serde(default)]
    pub basis: SafetyStockBasis,
    /// The chosen method replayed over the history at this lead time.
    #[serde(default)]
    pub backtest: BacktestSummary,
    /// First day by whose end the available stock is projected to be sold,
    /// looking up to a year (or the horizon) ahead; only when
    /// [`ForecastParams::available`] was given.
    pub projected_stockout: Option<NaiveDate>,
}

/// Forecasts `series` and derives the stock policy for `params`.
#[must_use]
pub fn forecast(series: &DailySeries, params: &ForecastParams) -> Forecast {
    Fit::new(series).forecast(params)
}

/// A history with its class found and its method chosen and fitted: the
/// expensive part of a forecast, reusable for any number of settings.
#[derive(Clone, Debug)]
pub struct Fit<'a> {
    series: &'a DailySeries,
    classification: Classification,
    fitted: model::Fitted,
}

impl<'a> Fit<'a> {
    /// Classifies `series` and fits its method.
    #[must_use]
    pub fn new(series: &'a DailySeries) -> Self {
        let values = series.values();
        let classification = classify(values);
        let fitted = select::select(values, classification.class);
        Self {
            series,
            classification,
            fitted,
        }
    }

    /// The demand class.
    #[must_use]
    pub fn class(&self) -> DemandClass {
        self.classification.class
    }

    /// The method chosen.
    #[must_use]
    pub fn method(&self) -> Method {
        self.fitted.method
    }

    /// The forecast and stock policy for `params`.
    #[must_use]
    pub fn forecast(&self, params: &ForecastParams) -> Forecast {
        let (series, fitted, classification) = (self.series, &self.fitted, self.classification);
        let values = series.values();
        let horizon = params.horizon_days();
        let lead_time = params.lead_time();
        let daily: Vec<f64> = (1..=horizon).map(|h| fitted.point(h)).collect();
        let lead_time_demand: f64 = (1..=lead_time).map(|h| fitted.point(h)).sum();
        let level = params.service_level;
        let lead = lead_time as usize;
        let errors = lead_time::LeadTimeErrors::collect(fitted, values, lead);
        let (safety_stock, basis) =
            errors
                .safety_stock(level.get(), level.z())
                .unwrap_or_else(|| {
                    let normal = policy::safety_stock(level.z(), fitted.sigma, lead_time);
                    (normal, SafetyStockBasis::DailyNormal)
                });
        let reorder_point = policy::reorder_point(lead_time_demand, safety_stock);
        let backtest = BacktestSummary {
            origins: u32::try_from(errors.len()).unwrap_or(u32::MAX),
            mase: errors.mase(),
            coverage: lead_time::past_coverage(fitted, values, lead, level.get()),
        };
        let start_date = series.forecast_start();
        let projected_stockout = params.available.and_then(|available| {
            let days = horizon.max(policy::STOCKOUT_LOOKAHEAD_DAYS);
            policy::projected_stockout(start_date, available, (1..=days).map(|h| fitted.point(h)))
        });

        Forecast {
            class: classification.class,
            method: fitted.method,
            adi: classification.adi,
            cv2: classification.cv2,
            history_days: u32::try_from(series.len()).unwrap_or(u32::MAX),
            horizon_days: horizon,
            lead_time_days: lead_time,
            service_level: level.get(),
            start_date,
            daily,
            sigma: fitted.sigma,
            lead_time_demand,
            safety_stock: reorder_point - lead_time_demand,
            reorder_point,
            basis,
            backtest,
            projected_stockout,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_steady_seller_gets_a_consistent_policy() {
        let series = DailySeries::new(day(2025, 1, 1), vec![10.0; 90]);
        let params = ForecastParams::new(5, 9, 0.95).unwrap().with_available(42);
        let f = forecast(&series, &params);
        assert_eq!(f.class, DemandClass::Smooth);
        assert_eq!(f.method, Method::Ses);
        assert_eq!(f.start_date, day(2025, 4, 1));
        assert_eq!(f.horizon_days, 14);
        assert_eq!(f.daily.len(), 14);
        assert!(f.daily.iter().all(|v| (v - 10.0).abs() < 1e-9));
        assert!((f.lead_time_demand - 50.0).abs() < 1e-9);
        assert!(f.sigma < 1e-9 && f.safety_stock < 1e-6);
        assert!((f.reorder_point - 50.0).abs() < 1e-6);
        // 42 units at 10 a day: the fifth day (April 5th) reaches 50 ≥ 42.
        assert_eq!(f.projected_stockout, Some(day(2025, 4, 5)));
    }

    #[test]
    fn safety_stock_comes_from_lead_time_errors_or_the_formula_on_short_histories() {
        let values: Vec<f64> = (0..120)
            .map(|t| if t % 2 == 0 { 8.0 } else { 12.0 })
            .collect();
        let params = ForecastParams::new(9, 7, 0.95).unwrap();
        let f = forecast(&DailySeries::new(day(2025, 1, 1), values.clone()), &params);
        assert_eq!(f.basis, SafetyStockBasis::Empirical);
        // Origins from day 28 to the last with nine days after it.
        assert_eq!(f.backtest.origins, 120 - 28 - 9 + 1);
        assert!(f.backtest.mase.is_some() && f.backtest.coverage.is_some());
        assert!((f.reorder_point - f.lead_time_demand - f.safety_stock).abs() < 1e-9);

        // 0.99 needs 99 errors: the normal approximation of lead-time errors.
        let high = ForecastParams::new(9, 7, 0.99).unwrap();
        let f = forecast(&DailySeries::new(day(2025, 1, 1), values.clone()), &high);
        assert_eq!(f.basis, SafetyStockBasis::LeadTimeNormal);

        // Too short for any backtest: z·σ·√L on daily errors.
        let short = DailySeries::new(day(2025, 1, 1), values[..30].to_vec());
        let f = forecast(&short, &high);
        assert_eq!(f.basis, SafetyStockBasis::DailyNormal);
        assert_eq!(f.backtest.origins, 0);
        let z = high.service_level.z();
        assert!((f.safety_stock - z * f.sigma * 3.0).abs() < 1e-9);
        assert!(f.safety_stock > 0.0);
    }

    #[test]
    fn no_history_forecasts_zero_and_never_runs_out_of_stock() {
        let series = DailySeries::from_points([], day(2025, 5, 31));
        let f = forecast(&series, &ForecastParams::default().with_available(1));
        assert_eq!(f.method, Method::Zero);
        assert_eq!(f.class, DemandClass::Intermittent);
        assert_eq!(f.start_date, day(2025, 6, 1));
        assert!(f.daily.iter().all(|v| *v == 0.0));
        assert_eq!((f.reorder_point, f.projected_stockout), (0.0, None));
    }

    #[test]
    fn the_json_record_uses_snake_case_names() {
        let series = DailySeries::new(day(2025, 1, 1), vec![0.0, 3.0, 0.0, 0.0, 2.0]);
        let f = forecast(&series, &ForecastParams::default());
        let json = serde_json::to_value(&f).unwrap();
        assert_eq!(json["class"], "intermittent");
        assert_eq!(json["method"], "croston_sba");
        assert_eq!(json["start_date"], "2025-01-06");
        assert_eq!(json["projected_stockout"], serde_json::Value::Null);
        let back: Forecast = serde_json::from_value(json).unwrap();
        // serde_json's default float parsing may be off by an ulp.
        assert_eq!(
            (back.class, back.method, back.start_date),
            (f.class, f.method, f.start_date)
        );
        assert_eq!(back.daily.len(), f.daily.len());
        assert!((back.reorder_point - f.reorder_point).abs() <= 1e-12 * f.reorder_point);
    }

    #[test]
    fn a_lead_time_beyond_the_horizon_still_counts_in_full() {
        let series = DailySeries::new(day(2025, 1, 1), vec![2.0; 60]);
        let params = ForecastParams::new(30, 0, 0.9).unwrap().with_horizon(7);
        let f = forecast(&series, &params);
        assert_eq!(f.daily.len(), 7);
        assert!((f.lead_time_demand - 60.0).abs() < 1e-6);
    }
}
