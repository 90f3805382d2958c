//! Rolling-origin backtesting and MASE, to measure forecasts honestly.
//!
//! A forecast is judged on data it did not see: for each origin `t` the
//! forecaster gets days `..t` and is scored on days `t..t + horizon`, and the
//! origin then rolls forward. Scores are MASE (Hyndman and Koehler's mean
//! absolute scaled error): the forecast's mean absolute error divided by the
//! in-sample mean absolute error of the one-step seasonal naive forecast
//! ("same day last week"). MASE is scale-free, so SKUs selling 2 and 2,000 a
//! day average meaningfully, and it stays defined on intermittent series,
//! where percentage errors divide by zero. Below 1 means better than what
//! seasonal naive achieves one step ahead in-sample.
//!
//! The baselines are the seasonal naive forecast (repeat the last week) and
//! the plain mean (the average of all history).

use chrono::NaiveDate;

use super::model::{Method, SEASON as WEEK};
use super::params::ForecastParams;
use super::select;
use super::series::DailySeries;

/// Season length of the seasonal naive baseline and of the MASE scale.
pub const SEASON: usize = WEEK;

/// Something that turns a history into a forecast.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forecaster {
    /// [`forecast`](super::forecast) itself: classification and selection.
    Auto,
    /// One method, fitted as the selection would fit it.
    Fixed(Method),
    /// The last week, repeated.
    SeasonalNaive,
    /// The average of the whole history, flat.
    Mean,
}

impl Forecaster {
    /// A short name for tables.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Fixed(method) => method.as_str(),
            Self::SeasonalNaive => "seasonal_naive",
            Self::Mean => "mean",
        }
    }

    /// `horizon` daily forecasts after `history`; `None` when this
    /// forecaster cannot forecast from so short a history.
    #[must_use]
    pub fn forecast(self, history: &[f64], horizon: usize) -> Option<Vec<f64>> {
        let forecast = match self {
            Self::Auto => {
                let params = ForecastParams::default().with_horizon(u32::try_from(horizon).ok()?);
                let series = DailySeries::new(NaiveDate::default(), history.to_vec());
                super::forecast(&series, &params).daily
            }
            Self::Fixed(method) => select::fit(method, history, None)?.path(horizon),
            Self::SeasonalNaive => seasonal_naive(history, SEASON, horizon)?,
            Self::Mean => mean_forecast(history, horizon)?,
        };
        (forecast.len() == horizon).then_some(forecast)
    }
}

/// Where the origins are: the first after `min_train` days, then every
/// `step` days while a whole `horizon` of actuals remains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RollingOrigin {
    /// Days of history at the first origin.
    pub min_train: usize,
    /// Days forecast and scored at each origin.
    pub horizon: usize,
    /// Days between origins (at least one).
    pub step: usize,
}

impl RollingOrigin {
    /// The origins (history lengths) for a series of `len` days.
    pub fn origins(&self, len: usize) -> impl Iterator<Item = usize> + use<> {
        let last = len.saturating_sub(self.horizon);
        (self.min_train.max(1)..=last).step_by(self.step.max(1))
    }
}

/// A forecaster's average over the origins of one series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Score {
    /// Mean MASE over the scored origins.
    pub mase: f64,
    /// Origins scored.
    pub origins: usize,
}

/// Backtests `forecaster` on `values`; `None` when no origin could be
/// scored (series too short, or a flat history with no MASE scale).
#[must_use]
pub fn evaluate(values: &[f64], rolling: &RollingOrigin, forecaster: Forecaster) -> Option<Score> {
    let mut total = 0.0;
    let mut origins = 0;
    for origin in rolling.origins(values.len()) {
        let (history, future) = values.split_at(origin);
        let actual = future.get(..rolling.horizon)?;
        let Some(forecast) = forecaster.forecast(history, rolling.horizon) else {
            continue;
        };
        if let Some(score) = mase(actual, &forecast, history, SEASON) {
            total += score;
            origins += 1;
        }
    }
    (origins > 0).then(|| Score {
        mase: total / origins as f64,
        origins,
    })
}

/// Mean absolute error of `forecast` against `actual` (over their common
/// length); `None` when that is zero.
#[must_use]
pub fn mean_absolute_error(actual: &[f64], forecast: &[f64]) -> Option<f64> {
    let n = actual.len().min(forecast.len());
    let total: f64 = actual
        .iter()
        .zip(forecast)
        .map(|(a, f)| (a - f).abs())
        .sum();
    (n > 0).then(|| total / n as f64)
}

/// In-sample mean absolute error of the one-step seasonal naive forecast;
/// `None` when the history is not longer than a season or the error is zero.
#[must_use]
pub fn mase_scale(history: &[f64], season: usize) -> Option<f64> {
    let season = season.max(1);
    let lagged = history.get(season..)?;
    let scale = mean_absolute_error(lagged, history)?;
    (scale > 0.0 && scale.is_finite()).then_some(scale)
}

/// Mean absolute scaled error of `forecast` against `actual`, scaled by the
/// seasonal naive error on `history`.
#[must_use]
pub fn mase(actual: &[f64], forecast: &[f64], history: &[f64], season: usize) -> Option<f64> {
    Some(mean_absolute_error(actual, forecast)? / mase_scale(history, season)?)
}

/// The last `season` days of `history`, repeated over `horizon`; `None` with
/// less than a season of history.
#[must_use]
pub fn seasonal_naive(history: &[f64], season: usize, horizon: usize) -> Option<Vec<f64>> {
    let season = season.max(1);
    let last = history.get(history.len().checked_sub(season)?..)?;
    Some(last.iter().copied().cycle().take(horizon).collect())
}

/// The mean of `history`, flat over `horizon`; `None` on an empty history.
#[must_use]
pub fn mean_forecast(history: &[f64], horizon: usize) -> Option<Vec<f64>> {
    if history.is_empty() {
        return None;
    }
    let mean = history.iter().sum::<f64>() / history.len() as f64;
    Some(vec![mean; horizon])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seasonal_naive_repeats_the_last_week() {
        let history: Vec<f64> = (0..10).map(f64::from).collect();
        let forecast = seasonal_naive(&history, 7, 9).unwrap();
        assert_eq!(forecast, [3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 3.0, 4.0]);
        assert_eq!(seasonal_naive(&history[..6], 7, 3), None);
    }

    #[test]
    fn mase_scale_is_the_seasonal_naive_in_sample_error() {
        let history = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 3.0, 2.0];
        // |3 − 1| and |2 − 2|.
        assert_eq!(mase_scale(&history, 7), Some(1.0));
        assert_eq!(mase_scale(&[5.0; 20], 7), None, "flat history");
        assert_eq!(mase_scale(&[1.0; 7], 7), None, "too short");
        assert_eq!(mase(&[4.0, 4.0], &[3.0, 6.0], &history, 7), Some(1.5));
    }

    #[test]
    fn origins_roll_while_a_full_horizon_remains() {
        let rolling = RollingOrigin {
            min_train: 10,
            horizon: 5,
            step: 3,
        };
        assert_eq!(rolling.origins(21).collect::<Vec<_>>(), [10, 13, 16]);
        assert_eq!(rolling.origins(14).count(), 0);
    }

    #[test]
    fn seasonal_naive_scores_zero_on_a_repeating_week() {
        let mut values: Vec<f64> = (0..70).map(|t| f64::from(t % 7)).collect();
        // One early outlier, so that the MASE scale is not zero.
        values[3] += 10.0;
        let rolling = RollingOrigin {
            min_train: 28,
            horizon: 14,
            step: 7,
        };
        let naive = evaluate(&values, &rolling, Forecaster::SeasonalNaive).unwrap();
        assert_eq!(naive.origins, 5);
        assert_eq!(naive.mase, 0.0);
        let mean = evaluate(&values, &rolling, Forecaster::Mean).unwrap();
        assert!(mean.mase > 1.0, "{mean:?}");
    }

    #[test]
    fn every_forecaster_returns_the_requested_horizon() {
        let history: Vec<f64> = (0..60).map(|t| f64::from(t % 4)).collect();
        let mut forecasters = vec![
            Forecaster::Auto,
            Forecaster::SeasonalNaive,
            Forecaster::Mean,
        ];
        forecasters.extend(Method::ALL.map(Forecaster::Fixed));
        for forecaster in forecasters {
            let forecast = forecaster.forecast(&history, 11).unwrap();
            assert_eq!(forecast.len(), 11, "{}", forecaster.label());
        }
        assert_eq!(Forecaster::Mean.forecast(&[], 3), None);
        assert_eq!(
            Forecaster::Fixed(Method::HoltWinters).forecast(&[1.0; 5], 3),
            None
        );
    }
}
