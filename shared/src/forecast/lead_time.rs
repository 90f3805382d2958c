//! Safety stock from the distribution of lead-time demand errors, and the
//! per-SKU backtest that measures it.
//!
//! A reorder point promises that the demand of the next lead time exceeds it
//! only `1 − service level` of the time. The textbook `z·σ·√L` keeps that
//! promise only if daily errors are independent and normal; intermittent
//! and lumpy demand is neither (it is discrete and skewed, and smoothing
//! errors over a lead time are correlated), and the measurement in
//! `docs/forecasting.md` shows it falls short there.
//!
//! Instead the chosen method is replayed over the SKU's own history
//! ([`Filter`]) and, at every past day `t` from the fifth week on with a
//! whole lead time after it, the sum of its forecasts for days `t..t+L` is
//! compared with what sold: `e_t = actual − forecast`. The safety stock is
//! a quantile of those errors. Each error comes from a forecast that had not
//! seen its window, so the quantile carries the method's real lead-time
//! uncertainty, bias and skew included, with no distribution assumed.
//!
//! Which quantile: the split-conformal rule reads the `⌈(n + 1)·p⌉`-th
//! smallest of `n` exchangeable errors, i.e. the level `p·(1 + 1/n)`. But
//! windows of `L` days that start a day apart share `L − 1` days, so `m`
//! errors are worth far fewer independent ones; with `n = m` the quantile
//! under-covered at 14 days by up to 2 points. The level is corrected with
//! `n = m / L^0.7` ([`INDEPENDENCE_EXPONENT`], measured: `L^0.5` still
//! under-covers at 14 days, `L^1` over-covers by 2 to 3 points). Where the
//! corrected level passes 1 (0.99 at long lead times) the sample has no
//! order statistic high enough, and the largest error is extended by the
//! mean excess of the top tenth of errors, in proportion to the missing
//! share ([`beyond_largest`]).
//!
//! Where the history has too few origins for that order statistic (a level
//! of 0.99 needs 99), the safety stock is `z` times the standard deviation
//! of the lead-time errors plus their mean, and with fewer than
//! [`MIN_ORIGINS`] the classic `z·σ·√L` on daily errors.
//!
//! The same pass scores the method: MASE of the daily forecasts over each
//! lead time (scaled by the in-sample seasonal naive error), and the share
//! of origins whose demand the reorder point of the day would have covered,
//! that reorder point computed only from errors already known then.

use serde::{Deserialize, Serialize};

use super::backtest::mase_scale;
use super::model::{Fitted, SEASON};
use super::replay::Filter;

/// First origin: the state of every method is initialised from up to four
/// weeks, so earlier forecasts would have seen their own window.
const FIRST_ORIGIN: usize = 4 * SEASON;

/// Fewest lead-time errors that say anything about their spread.
pub const MIN_ORIGINS: usize = 8;

/// `m` errors of overlapping `L`-day windows count as `m / L^this`
/// independent ones in the conformal level (see the module docs).
const INDEPENDENCE_EXPONENT: f64 = 0.7;

/// How many mean excesses of the top tenth a wholly missing order
/// statistic adds beyond the largest error (measured on the flat class at
/// 14 days and 0.99: one left it 0.2 points short of the bar).
const TAIL_EXCESSES: f64 = 2.0;

/// How a forecast's safety stock was derived.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SafetyStockBasis {
    /// The conformal quantile of past lead-time errors.
    Empirical,
    /// `z` × the standard deviation of past lead-time errors, plus their
    /// mean: too few origins for the quantile asked for.
    LeadTimeNormal,
    /// `z·σ·√L` on daily one-step errors: too little history for a
    /// backtest (and every forecast stored before this field existed).
    #[default]
    DailyNormal,
}

impl SafetyStockBasis {
    /// The snake_case name, as serialised.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Empirical => "empirical",
            Self::LeadTimeNormal => "lead_time_normal",
            Self::DailyNormal => "daily_normal",
        }
    }
}

/// What the rolling-origin replay of the chosen method found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BacktestSummary {
    /// Origins replayed (past days with a whole lead time after them).
    pub origins: u32,
    /// MASE of the daily forecasts over each origin's lead time; `None`
    /// without origins or without a seasonal-naive scale (a flat history).
    pub mase: Option<f64>,
    /// Share of origins whose lead-time demand stayed within the reorder
    /// point computed then; `None` until enough errors were known.
    pub coverage: Option<f64>,
}

/// The lead-time errors of a fitted method over its history.
#[derive(Clone, Debug)]
pub(crate) struct LeadTimeErrors {
    /// `actual − forecast` per origin, sorted ascending.
    sorted: Vec<f64>,
    /// Sum of absolute daily errors over all origins' lead times.
    absolute_error: f64,
    scale: Option<f64>,
    lead_time: usize,
}

impl LeadTimeErrors {
    /// Replays `fitted` over `y` and collects the errors of its
    /// `lead_time`-day forecasts; none for a zero lead time.
    pub(crate) fn collect(fitted: &Fitted, y: &[f64], lead_time: usize) -> Self {
        let mut filter = Filter::new(fitted, y);
        let mut sorted = Vec::new();
        let mut absolute_error = 0.0;
        let last = y.len().saturating_sub(lead_time);
        for (t, value) in y.iter().enumerate() {
            if lead_time > 0 && t >= FIRST_ORIGIN && t <= last {
                let model = filter.model();
                let mut forecast = 0.0;
                let mut actual = 0.0;
                for (h, value) in (1..).zip(&y[t..t + lead_time]) {
                    let point = model.point(h);
                    absolute_error += (value - point).abs();
                    forecast += point;
                    actual += value;
                }
                sorted.push(actual - forecast);
            }
            filter.step(*value);
        }
        sorted.sort_unstable_by(f64::total_cmp);
        Self {
            sorted,
            absolute_error,
            scale: mase_scale(y, SEASON),
            lead_time,
        }
    }

    /// Origins replayed.
    pub(crate) fn len(&self) -> usize {
        self.sorted.len()
    }

    /// The safety stock at service level `p` with normal quantile `z`, and
    /// its basis; `None` with fewer than [`MIN_ORIGINS`] errors.
    pub(crate) fn safety_stock(&self, p: f64, z: f64) -> Option<(f64, SafetyStockBasis)> {
        if self.sorted.len() < MIN_ORIGINS {
            return None;
        }
        Some(match conformal_quantile(&self.sorted, p) {
            Some(_) => (
                quantile(&self.sorted, p, self.lead_time),
                SafetyStockBasis::Empirical,
            ),
            None => {
                let (mean, sd) = mean_and_sd(&self.sorted);
                (mean + z * sd, SafetyStockBasis::LeadTimeNormal)
            }
        })
    }

    /// MASE of the replayed daily forecasts.
    pub(crate) fn mase(&self) -> Option<f64> {
        let days = (self.sorted.len() * self.lead_time) as f64;
        let mase = self.absolute_error / days / self.scale?;
        mase.is_finite().then_some(mase)
    }
}

/// Share of past origins whose lead-time demand the reorder point of the day
/// covered, each reorder point from the errors of windows that had ended by
/// then (the corrected quantile at `p`); `None` if no origin had enough.
pub(crate) fn past_coverage(fitted: &Fitted, y: &[f64], lead_time: usize, p: f64) -> Option<f64> {
    if lead_time == 0 {
        return None;
    }
    let mut filter = Filter::new(fitted, y);
    let mut pending: Vec<(usize, f64)> = Vec::new();
    let mut known: Vec<f64> = Vec::new();
    let (mut covered, mut scored) = (0_u32, 0_u32);
    let last = y.len().saturating_sub(lead_time);
    for (t, value) in y.iter().enumerate() {
        if t >= FIRST_ORIGIN && t <= last {
            // Errors of windows that ended by day t are known now.
            pending.retain(|&(origin, error)| {
                let done = origin + lead_time <= t;
                if done {
                    let at = known.partition_point(|k| *k < error);
                    known.insert(at, error);
                }
                !done
            });
            let model = filter.model();
            let forecast: f64 = (1..=lead_time as u32).map(|h| model.point(h)).sum();
            let actual: f64 = y[t..t + lead_time].iter().sum();
            if conformal_quantile(&known, p).is_some() {
                let q = quantile(&known, p, lead_time);
                scored += 1;
                if actual <= (forecast + q).max(0.0) {
                    covered += 1;
                }
            }
            pending.push((t, actual - forecast));
        }
        filter.step(*value);
    }
    (scored > 0).then(|| f64::from(covered) / f64::from(scored))
}

/// The `⌈(m + 1)·p⌉`-th smallest of the `m` sorted values; `None` when that
/// rank exceeds `m` (too few values for the level).
fn conformal_quantile(sorted: &[f64], p: f64) -> Option<f64> {
    let rank = ((sorted.len() + 1) as f64 * p).ceil() as usize;
    sorted.get(rank.max(1) - 1).copied()
}

/// The safety stock read off `sorted` (at least one error) at service level
/// `p` for `lead_time`-day windows: the conformal level corrected for
/// overlapping windows, beyond the largest error where that passes 1.
fn quantile(sorted: &[f64], p: f64, lead_time: usize) -> f64 {
    let independent = independent_windows(sorted.len(), lead_time);
    let level = p * (1.0 + 1.0 / independent);
    if level <= 1.0 {
        let rank = (sorted.len() as f64 * level).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1]
    } else {
        beyond_largest(sorted, (level - 1.0) * independent)
    }
}

/// How many independent windows `m` errors of overlapping `lead_time`-day
/// windows are worth (at least one).
fn independent_windows(m: usize, lead_time: usize) -> f64 {
    (m as f64 / (lead_time.max(1) as f64).powf(INDEPENDENCE_EXPONENT)).max(1.0)
}

/// The largest of `sorted` (not empty) plus [`TAIL_EXCESSES`] times the
/// mean excess of the top tenth over the value below it, scaled by
/// `missing`, the share of an order statistic the sample lacks (0 to 1).
fn beyond_largest(sorted: &[f64], missing: f64) -> f64 {
    let m = sorted.len();
    let largest = sorted[m - 1];
    if m < 2 {
        return largest;
    }
    let top = (m / 10).clamp(1, m - 1);
    let threshold = sorted[m - 1 - top];
    let excess = sorted[m - top..].iter().map(|v| v - threshold).sum::<f64>() / top as f64;
    largest + TAIL_EXCESSES * excess * missing.clamp(0.0, 1.0)
}

fn mean_and_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len().max(1) as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    (mean, variance.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::Method;
    use crate::forecast::select::fit;

    #[test]
    fn the_conformal_quantile_is_the_right_order_statistic() {
        let sorted: Vec<f64> = (1..=19).map(f64::from).collect();
        // ⌈20 · 0.95⌉ = 19: the largest.
        assert_eq!(conformal_quantile(&sorted, 0.95), Some(19.0));
        assert_eq!(conformal_quantile(&sorted, 0.5), Some(10.0));
        assert_eq!(conformal_quantile(&sorted, 0.99), None);
        assert_eq!(conformal_quantile(&[], 0.5), None);
    }

    #[test]
    fn overlapping_windows_raise_the_level_and_extend_past_the_largest() {
        let sorted: Vec<f64> = (1..=100).map(f64::from).collect();
        // One-day windows: 100 independent errors, level 0.9 · 1.01 = 0.909.
        assert_eq!(quantile(&sorted, 0.9, 1), 91.0);
        // 14-day windows: 100 / 14^0.7 ≈ 15.8 independent, level ≈ 0.957.
        assert_eq!(quantile(&sorted, 0.9, 14), 96.0);
        // At 0.99 the level passes 1: beyond the largest, by at most two
        // mean excesses of the top tenth (5.5 each).
        let beyond = quantile(&sorted, 0.99, 14);
        assert!(beyond > 100.0 && beyond <= 111.0, "{beyond}");
        assert_eq!(quantile(&[3.0], 0.99, 14), 3.0);
    }

    #[test]
    fn a_constant_series_needs_no_safety_stock() {
        let y = [6.0; 120];
        let fitted = fit(Method::Ses, &y, None).unwrap();
        let errors = LeadTimeErrors::collect(&fitted, &y, 7);
        assert_eq!(errors.len(), 120 - 28 - 7 + 1);
        let (stock, basis) = errors.safety_stock(0.95, 1.645).unwrap();
        assert_eq!((stock, basis), (0.0, SafetyStockBasis::Empirical));
        assert_eq!(errors.mase(), None, "a flat history has no MASE scale");
        assert_eq!(past_coverage(&fitted, &y, 7, 0.95), Some(1.0));
    }

    #[test]
    fn the_quantile_covers_the_share_asked_for_on_a_known_distribution() {
        // Demand alternates 0 and 10 by day: a lead time of 3 sells 10 or 20.
        let y: Vec<f64> = (0..400)
            .map(|t| if t % 2 == 0 { 0.0 } else { 10.0 })
            .collect();
        let fitted = fit(Method::Ses, &y, None).unwrap();
        let errors = LeadTimeErrors::collect(&fitted, &y, 3);
        let forecast: f64 = (1..=3).map(|h| fitted.point(h)).sum();
        let (stock, _) = errors.safety_stock(0.9, 1.28).unwrap();
        assert!(forecast + stock >= 20.0 - 1e-6, "{forecast} + {stock}");
        let coverage = past_coverage(&fitted, &y, 3, 0.9).unwrap();
        assert!(coverage >= 0.9, "{coverage}");
    }

    #[test]
    fn short_histories_have_no_empirical_safety_stock() {
        let y = [
            1.0, 0.0, 3.0, 2.0, 0.0, 1.0, 4.0, 2.0, 1.0, 0.0, 2.0, 3.0, 1.0, 0.0, 2.0, 1.0, 0.0,
            3.0, 2.0, 0.0, 1.0, 4.0, 2.0, 1.0, 0.0, 2.0, 3.0, 1.0, 0.0, 2.0, 1.0,
        ];
        let fitted = fit(Method::Ses, &y, None).unwrap();
        let errors = LeadTimeErrors::collect(&fitted, &y, 7);
        assert_eq!(errors.len(), 0);
        assert_eq!(errors.safety_stock(0.95, 1.645), None);
        assert_eq!(errors.mase(), None);
        assert_eq!(past_coverage(&fitted, &y, 7, 0.95), None);
    }
}
