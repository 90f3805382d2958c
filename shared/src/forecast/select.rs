//! Choosing a method per SKU: candidates by class, winner by holdout error.
//!
//! The class narrows the field to the methods that suit the demand pattern;
//! among those, the one that best forecasts the last weeks of history, fitted
//! only on what came before them, wins. That is the question the business
//! asks (how well does this forecast the next weeks?), asked of data the
//! method has not seen. The winner keeps the parameters fitted before the
//! holdout and is run once more over the whole history to bring its state
//! up to date: refitting on four more weeks would barely move them, and
//! would cost a second search.
//!
//! The holdout error is the mean squared error. The mean *absolute* error is
//! minimised by the median, which for intermittent demand is zero: selecting
//! by it would reward forecasting nothing, which is exactly wrong for stock.
//!
//! Too short a history for a holdout (under four weeks) falls back to the
//! class's robust default: SES for frequent demand, Croston-SBA otherwise.

use super::classify::DemandClass;
use super::intermittent::{fit_croston_sba, fit_tsb};
use super::model::{Fitted, Method, Params, SEASON};
use super::smoothing::{fit_holt, fit_holt_winters, fit_ses, mean};

/// Longest holdout: four weeks, a typical lead time plus review period.
const MAX_HOLDOUT: usize = 4 * SEASON;
/// Shortest history that gets a holdout at all.
const MIN_HISTORY_FOR_HOLDOUT: usize = 4 * SEASON;
/// A more complex candidate must beat a simpler one's holdout error by this
/// fraction to be chosen: a tie on a few weeks of data is no evidence.
const COMPLEXITY_MARGIN: f64 = 0.02;

/// F statistic above which a weekly pattern counts as present: the weekday
/// means differ about three times more than noise alone would make them
/// (roughly the 1 % critical value of F with 6 and many degrees of freedom).
const MIN_WEEKLY_F: f64 = 3.0;

/// Candidate methods for a class, simplest first; Holt–Winters only when
/// the history shows a weekly pattern (a shop closed at weekends sells on
/// five days in seven, ADI 1.4: intermittent by the numbers, but weekly in
/// truth).
fn candidates(class: DemandClass, weekly: bool) -> &'static [Method] {
    match (class.is_infrequent(), weekly) {
        (false, false) => &[Method::Ses, Method::Holt],
        (false, true) => &[
            Method::Ses,
            Method::Holt,
            Method::HoltWinters,
            Method::HoltWintersMultiplicative,
        ],
        (true, false) => &[Method::CrostonSba, Method::Tsb],
        (true, true) => &[Method::CrostonSba, Method::Tsb, Method::HoltWinters],
    }
}

/// Whether `y` has a weekly pattern: the F statistic of explaining it by
/// day-of-week means (between-weekday over within-weekday variance) is at
/// least [`MIN_WEEKLY_F`]. Needs three weeks, as Holt–Winters does.
#[must_use]
pub(crate) fn has_weekly_pattern(y: &[f64]) -> bool {
    let n = y.len();
    if n < Method::HoltWinters.min_history() {
        return false;
    }
    let mean = mean(y);
    let mut sums = [0.0; SEASON];
    let mut counts = [0.0; SEASON];
    for (t, value) in y.iter().enumerate() {
        sums[t % SEASON] += value;
        counts[t % SEASON] += 1.0;
    }
    let between: f64 = sums
        .iter()
        .zip(&counts)
        .map(|(sum, count)| {
            let deviation = sum / count - mean;
            count * deviation * deviation
        })
        .sum();
    let total: f64 = y.iter().map(|v| (v - mean) * (v - mean)).sum();
    let within = total - between;
    if within <= total * 1e-12 {
        // Nothing but the weekly pattern (or nothing at all).
        return between > 0.0;
    }
    let f = (between / (SEASON - 1) as f64) / (within / (n - SEASON) as f64);
    f >= MIN_WEEKLY_F
}

/// The method used when the history is too short to compare candidates.
#[must_use]
pub(crate) fn fallback(class: DemandClass) -> Method {
    if class.is_infrequent() {
        Method::CrostonSba
    } else {
        Method::Ses
    }
}

/// Fits `method` to `y`, searching its parameters unless `fixed` are given;
/// `None` when the history is too short for it.
#[must_use]
pub(crate) fn fit(method: Method, y: &[f64], fixed: Option<&Params>) -> Option<Fitted> {
    match method {
        Method::Zero => Some(Fitted::ZERO),
        Method::Ses => fit_ses(y, fixed),
        Method::Holt => fit_holt(y, fixed),
        Method::HoltWinters => fit_holt_winters(y, fixed, false),
        Method::HoltWintersMultiplicative => fit_holt_winters(y, fixed, true),
        Method::CrostonSba => fit_croston_sba(y, fixed),
        Method::Tsb => fit_tsb(y, fixed),
    }
}

/// Days held out to compare candidates, for a history of `n` days: whole
/// weeks, a quarter of the history, at most four weeks; zero below four weeks.
#[must_use]
pub(crate) fn holdout_days(n: usize) -> usize {
    if n < MIN_HISTORY_FOR_HOLDOUT {
        0
    } else {
        (n / 4 / SEASON * SEASON).clamp(SEASON, MAX_HOLDOUT)
    }
}

/// The method chosen for `y` of class `class`, fitted on all of `y`.
#[must_use]
pub(crate) fn select(y: &[f64], class: DemandClass) -> Fitted {
    if !y.iter().any(|v| *v > 0.0) {
        return Fitted::ZERO;
    }
    let holdout = holdout_days(y.len());
    let (train, test) = y.split_at(y.len() - holdout);
    let mut best: Option<(Fitted, f64)> = None;
    if holdout > 0 {
        for &method in candidates(class, has_weekly_pattern(train)) {
            let Some(fitted) = fit(method, train, None) else {
                continue;
            };
            let error = holdout_error(&fitted, test);
            let wins = match &best {
                None => true,
                Some((_, best_error)) => error < best_error * (1.0 - COMPLEXITY_MARGIN),
            };
            if wins && error.is_finite() {
                best = Some((fitted, error));
            }
        }
    }
    match best {
        Some((winner, _)) => fit(winner.method, y, Some(&winner.params)),
        None => fit(fallback(class), y, None),
    }
    .or_else(|| fit_ses(y, None))
    .unwrap_or(Fitted::ZERO)
}

/// Mean squared error of `fitted`'s forecast over `actual`, the days right
/// after its history.
fn holdout_error(fitted: &Fitted, actual: &[f64]) -> f64 {
    let sse: f64 = fitted
        .path(actual.len())
        .iter()
        .zip(actual)
        .map(|(f, a)| (f - a) * (f - a))
        .sum();
    sse / actual.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holdout_is_whole_weeks_and_bounded() {
        assert_eq!(holdout_days(0), 0);
        assert_eq!(holdout_days(27), 0);
        assert_eq!(holdout_days(28), 7);
        assert_eq!(holdout_days(60), 14);
        assert_eq!(holdout_days(365), 28);
        assert_eq!(holdout_days(100_000), 28);
    }

    #[test]
    fn every_class_has_candidates_that_fit_a_year() {
        let y: Vec<f64> = (0..365).map(|t| f64::from(t % 5)).collect();
        for class in DemandClass::ALL {
            for weekly in [false, true] {
                let methods = candidates(class, weekly);
                assert_eq!(methods.contains(&Method::HoltWinters), weekly);
                for &method in methods {
                    assert!(fit(method, &y, None).is_some(), "{method} for {class}");
                }
            }
        }
    }

    #[test]
    fn detects_a_weekly_pattern_only_where_there_is_one() {
        let closed_at_weekends: Vec<f64> = (0..90)
            .map(|t| if t % 7 < 5 { 2.0 + (t % 3) as f64 } else { 0.0 })
            .collect();
        assert!(has_weekly_pattern(&closed_at_weekends));
        let pure: Vec<f64> = (0..28).map(|t| (t % 7) as f64).collect();
        assert!(has_weekly_pattern(&pure));
        // Period three and period five: no weekly pattern.
        let other: Vec<f64> = (0..365).map(|t| ((t % 3) * (t % 5)) as f64).collect();
        assert!(!has_weekly_pattern(&other));
        assert!(!has_weekly_pattern(&[4.0; 60]));
        assert!(!has_weekly_pattern(&pure[..20]), "too short");
    }

    #[test]
    fn a_shop_closed_at_weekends_gets_its_weekly_profile() {
        let y: Vec<f64> = (0..120)
            .map(|t| if t % 7 < 5 { 3.0 + (t % 2) as f64 } else { 0.0 })
            .collect();
        let class = super::super::classify::classify(&y).class;
        assert_eq!(class, DemandClass::Intermittent);
        let fitted = select(&y, class);
        assert_eq!(fitted.method, Method::HoltWinters);
        for (offset, value) in fitted.path(14).into_iter().enumerate() {
            let closed = (y.len() + offset) % 7 >= 5;
            assert_eq!(value < 0.5, closed, "day {offset} ahead: {value}");
        }
    }

    #[test]
    fn picks_holt_winters_for_a_weekly_pattern() {
        let profile = [2.0, 4.0, 6.0, 8.0, 10.0, 30.0, 1.0];
        let y: Vec<f64> = (0..120)
            .map(|t| profile[t % SEASON] + (t % 3) as f64)
            .collect();
        assert_eq!(select(&y, DemandClass::Smooth).method, Method::HoltWinters);
    }

    #[test]
    fn prefers_the_simplest_method_on_a_flat_series() {
        let y = [9.0; 100];
        assert_eq!(select(&y, DemandClass::Smooth).method, Method::Ses);
    }

    #[test]
    fn short_histories_use_the_class_fallback() {
        let y = [0.0, 3.0, 0.0, 0.0, 2.0];
        assert_eq!(
            select(&y, DemandClass::Intermittent).method,
            Method::CrostonSba
        );
        assert_eq!(select(&[4.0, 5.0], DemandClass::Smooth).method, Method::Ses);
    }

    #[test]
    fn no_demand_selects_zero() {
        assert_eq!(select(&[], DemandClass::Intermittent).method, Method::Zero);
        assert_eq!(select(&[0.0; 50], DemandClass::Lumpy).method, Method::Zero);
    }

    #[test]
    fn demand_only_in_the_holdout_still_forecasts_demand() {
        let mut y = vec![0.0; 90];
        y[85] = 4.0;
        let fitted = select(&y, DemandClass::Intermittent);
        assert!(fitted.point(1) > 0.0, "{fitted:?}");
    }
}
