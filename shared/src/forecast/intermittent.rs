//! Croston-SBA and TSB, for demand that skips days.
//!
//! Exponential smoothing of a series that is mostly zeros decays towards zero
//! after every sale-less stretch and jumps after every sale, so its forecast
//! is lowest right before the next sale. Croston's idea is to smooth the two
//! things that do behave: the size of a demand and the interval between
//! demands, both updated only when demand occurs, and to forecast their ratio
//! as a daily rate.
//!
//! * **Croston-SBA**: `rate = (1 − α/2) · size / interval`. Syntetos and
//!   Boylan's factor `(1 − α/2)` removes Croston's known upward bias.
//! * **TSB** (Teunter, Syntetos and Babai): smooths the *probability* of
//!   demand every day (towards 1 on a sale, towards 0 otherwise) and the size
//!   on sales: `rate = probability · size`. Unlike Croston it reacts to an
//!   item that stops selling, which is what obsolescence looks like.
//!
//! The starting size and interval are the history's own averages. The
//! smoothing constants minimise the in-sample *rate* error (Kourentzes 2014,
//! "MSR"): the squared cumulative one-step error, Σₜ(Σⱼ≤ₜ eⱼ)². Plain squared
//! error is a poor cost on mostly-zero data: every sale is a huge error that
//! no constant can reduce, so it drifts to the smallest constant and the
//! method stops adapting. The cumulative error instead measures what matters
//! for stock, how far the forecast total drifts from the sales total, and so
//! rewards following a change in the demand rate.

use super::model::{Fitted, Method, Model, Params};
use super::optimise::{Space, tune};

/// α, shared by size and interval as in Croston's original method.
const SBA_SPACE: Space<1> = Space {
    lower: [0.01],
    upper: [0.5],
    grid: [&[0.03, 0.08, 0.15, 0.3]],
};

/// α for the size, β for the probability.
const TSB_SPACE: Space<2> = Space {
    lower: [0.01, 0.01],
    upper: [0.5, 0.5],
    grid: [&[0.05, 0.15, 0.3], &[0.02, 0.08, 0.2]],
};

/// Fits Croston-SBA (with `fixed` parameters when given); `None` on an empty
/// history.
pub(crate) fn fit_croston_sba(y: &[f64], fixed: Option<&Params>) -> Option<Fitted> {
    if y.len() < Method::CrostonSba.min_history() {
        return None;
    }
    let start = Start::of(y);
    let [alpha] = tune(&SBA_SPACE, fixed.map(|p| [p[0]]), |p| {
        let mut cost = RateCost::default();
        croston_sba(y, start, p[0], |e| cost.add(e));
        cost.total
    });
    let mut sse = 0.0;
    let rate = croston_sba(y, start, alpha, |e| sse += e * e);
    Some(Fitted::new(
        Method::CrostonSba,
        [alpha, 0.0, 0.0, 0.0],
        Model::Level(rate),
        sse,
        y.len(),
    ))
}

/// Fits TSB (with `fixed` parameters when given); `None` on an empty history.
pub(crate) fn fit_tsb(y: &[f64], fixed: Option<&Params>) -> Option<Fitted> {
    if y.len() < Method::Tsb.min_history() {
        return None;
    }
    let start = Start::of(y);
    let p = tune(&TSB_SPACE, fixed.map(|p| [p[0], p[1]]), |p| {
        let mut cost = RateCost::default();
        tsb(y, start, p, |e| cost.add(e));
        cost.total
    });
    let mut sse = 0.0;
    let rate = tsb(y, start, &p, |e| sse += e * e);
    Some(Fitted::new(
        Method::Tsb,
        [p[0], p[1], 0.0, 0.0],
        Model::Level(rate),
        sse,
        y.len(),
    ))
}

/// The mean-squared-rate cost: the sum of squared cumulative errors.
#[derive(Clone, Copy, Debug, Default)]
struct RateCost {
    cumulative: f64,
    total: f64,
}

impl RateCost {
    fn add(&mut self, error: f64) {
        self.cumulative += error;
        self.total += self.cumulative * self.cumulative;
    }
}

/// Starting state shared by both methods: the history's average demand
/// size, interval between demands and probability of demand on a day.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Start {
    pub size: f64,
    pub interval: f64,
    pub probability: f64,
}

impl Start {
    pub(crate) fn of(y: &[f64]) -> Self {
        let (count, total) = y
            .iter()
            .filter(|v| **v > 0.0)
            .fold((0_usize, 0.0), |(n, sum), v| (n + 1, sum + v));
        if count == 0 {
            return Self {
                size: 0.0,
                interval: y.len().max(1) as f64,
                probability: 0.0,
            };
        }
        let count_f = count as f64;
        let days = y.len() as f64;
        Self {
            size: total / count_f,
            interval: days / count_f,
            probability: count_f / days,
        }
    }
}

/// Runs Croston-SBA over `y`; returns the final daily rate.
fn croston_sba(y: &[f64], start: Start, alpha: f64, mut on_error: impl FnMut(f64)) -> f64 {
    let correction = 1.0 - alpha / 2.0;
    let mut size = start.size;
    // Both stay at or above one day: they start there and are only ever
    // blended with values that are.
    let mut interval = start.interval.max(1.0);
    let mut since_last = 1.0;
    for &value in y {
        on_error(value - correction * size / interval);
        if value > 0.0 {
            size += alpha * (value - size);
            interval += alpha * (since_last - interval);
            since_last = 1.0;
        } else {
            since_last += 1.0;
        }
    }
    correction * size / interval
}

/// Runs TSB over `y`; returns the final daily rate.
fn tsb(y: &[f64], start: Start, p: &[f64; 2], mut on_error: impl FnMut(f64)) -> f64 {
    let [alpha, beta] = *p;
    let mut size = start.size;
    let mut probability = start.probability;
    for &value in y {
        on_error(value - probability * size);
        if value > 0.0 {
            size += alpha * (value - size);
            probability += beta * (1.0 - probability);
        } else {
            probability -= beta * probability;
        }
    }
    probability * size
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every third day sells 6: a rate of 2 per day.
    fn regular() -> Vec<f64> {
        (0..90)
            .map(|t| if t % 3 == 2 { 6.0 } else { 0.0 })
            .collect()
    }

    #[test]
    fn croston_sba_forecasts_the_bias_corrected_rate() {
        let fitted = fit_croston_sba(&regular(), None).unwrap();
        let alpha = fitted.params[0];
        let expected = (1.0 - alpha / 2.0) * 2.0;
        assert!(
            (fitted.point(1) - expected).abs() < 1e-6,
            "{}",
            fitted.point(1)
        );
        assert_eq!(fitted.point(1), fitted.point(30), "a flat rate");
    }

    #[test]
    fn tsb_forecasts_the_rate_and_decays_when_sales_stop() {
        let regular = fit_tsb(&regular(), None).unwrap();
        assert!((regular.point(1) - 2.0).abs() < 0.3, "{}", regular.point(1));

        let mut stopped = self::regular();
        stopped.extend([0.0; 60]);
        let after = fit_tsb(&stopped, None).unwrap();
        let croston = fit_croston_sba(&stopped, None).unwrap();
        assert!(
            after.point(1) < 0.5 * regular.point(1),
            "{}",
            after.point(1)
        );
        // Croston only updates on a sale, so it keeps forecasting the old rate.
        assert!(croston.point(1) > after.point(1));
    }

    #[test]
    fn no_demand_forecasts_zero() {
        for fitted in [
            fit_croston_sba(&[0.0; 20], None).unwrap(),
            fit_tsb(&[0.0; 20], None).unwrap(),
        ] {
            assert_eq!(fitted.point(1), 0.0);
            assert_eq!(fitted.sigma, 0.0);
        }
        assert!(fit_croston_sba(&[], None).is_none());
        assert!(fit_tsb(&[], None).is_none());
    }

    #[test]
    fn a_single_sale_gives_a_small_positive_rate() {
        let mut y = vec![0.0; 30];
        y[10] = 5.0;
        for fitted in [
            fit_croston_sba(&y, None).unwrap(),
            fit_tsb(&y, None).unwrap(),
        ] {
            let rate = fitted.point(1);
            assert!(rate > 0.0 && rate < 1.0, "{:?}: {rate}", fitted.method);
        }
    }
}
