//! A fitted method replayed over its history one day at a time, so that the
//! forecast it would have made at every past day can be read off.
//!
//! With its parameters fixed, a smoothing method is a filter: its state
//! after day `t` depends only on days `..=t`, and the state *is* the
//! forecast. So one pass over the history yields the forecast from every
//! origin at once, where refitting at each origin would cost a pass per
//! origin. The rolling-origin backtest behind the safety stock
//! ([`super::lead_time`]) is built on this.
//!
//! The update equations are those of `smoothing.rs` and `intermittent.rs`,
//! written once more as a step function (the fitting loops stay tight, they
//! run hundreds of times per SKU); a test checks that a full replay ends in
//! exactly the fitted state.

use super::intermittent::Start;
use super::model::{Fitted, Method, Model, SEASON};
use super::smoothing::{initial_level_and_trend, initial_season, mean, seasonal_step};

/// A method's state while it walks through a history.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Filter {
    state: State,
    /// Days seen so far.
    seen: usize,
}

#[derive(Clone, Copy, Debug)]
enum State {
    Zero,
    Ses {
        level: f64,
        alpha: f64,
    },
    Holt {
        level: f64,
        trend: f64,
        alpha: f64,
        beta: f64,
        phi: f64,
    },
    HoltWinters {
        level: f64,
        trend: f64,
        /// Indexed by day of the series modulo 7.
        season: [f64; SEASON],
        multiplicative: bool,
        alpha: f64,
        beta: f64,
        gamma: f64,
        phi: f64,
    },
    Croston {
        size: f64,
        interval: f64,
        since_last: f64,
        alpha: f64,
    },
    Tsb {
        size: f64,
        probability: f64,
        alpha: f64,
        beta: f64,
    },
}

impl Filter {
    /// `fitted`'s method and parameters at the start of `y`, initialised
    /// from `y` exactly as the fit was.
    pub(crate) fn new(fitted: &Fitted, y: &[f64]) -> Self {
        let [p0, p1, p2, p3] = fitted.params;
        let state = match fitted.method {
            Method::Zero => State::Zero,
            Method::Ses => State::Ses {
                level: mean(&y[..y.len().min(SEASON)]),
                alpha: p0,
            },
            Method::Holt => {
                let (level, trend) = initial_level_and_trend(y);
                State::Holt {
                    level,
                    trend,
                    alpha: p0,
                    beta: p0 * p1,
                    phi: p2,
                }
            }
            Method::HoltWinters | Method::HoltWintersMultiplicative => {
                let (level, trend) = initial_level_and_trend(y);
                let multiplicative = fitted.method == Method::HoltWintersMultiplicative;
                State::HoltWinters {
                    level,
                    trend,
                    season: initial_season(y, multiplicative),
                    multiplicative,
                    alpha: p0,
                    beta: p0 * p1,
                    gamma: (1.0 - p0) * p2,
                    phi: p3,
                }
            }
            Method::CrostonSba => {
                let start = Start::of(y);
                State::Croston {
                    size: start.size,
                    interval: start.interval.max(1.0),
                    since_last: 1.0,
                    alpha: p0,
                }
            }
            Method::Tsb => {
                let start = Start::of(y);
                State::Tsb {
                    size: start.size,
                    probability: start.probability,
                    alpha: p0,
                    beta: p1,
                }
            }
        };
        Self { state, seen: 0 }
    }

    /// Takes in the next day's demand.
    pub(crate) fn step(&mut self, value: f64) {
        let index = self.seen % SEASON;
        self.seen += 1;
        match &mut self.state {
            State::Zero => {}
            State::Ses { level, alpha } => {
                let error = value - *level;
                *level += *alpha * error;
            }
            State::Holt {
                level,
                trend,
                alpha,
                beta,
                phi,
            } => {
                let damped = *phi * *trend;
                let error = value - (*level + damped);
                *level += damped + *alpha * error;
                *trend = damped + *beta * error;
            }
            State::HoltWinters {
                level,
                trend,
                season,
                alpha,
                beta,
                gamma,
                phi,
                multiplicative,
            } => {
                (*level, *trend, season[index]) = seasonal_step(
                    (*level, *trend, season[index]),
                    value,
                    [*alpha, *beta, *gamma, *phi],
                    *multiplicative,
                )
                .0;
            }
            State::Croston {
                size,
                interval,
                since_last,
                alpha,
            } => {
                if value > 0.0 {
                    *size += *alpha * (value - *size);
                    *interval += *alpha * (*since_last - *interval);
                    *since_last = 1.0;
                } else {
                    *since_last += 1.0;
                }
            }
            State::Tsb {
                size,
                probability,
                alpha,
                beta,
            } => {
                if value > 0.0 {
                    *size += *alpha * (value - *size);
                    *probability += *beta * (1.0 - *probability);
                } else {
                    *probability -= *beta * *probability;
                }
            }
        }
    }

    /// The forecast model as of the days seen so far.
    pub(crate) fn model(&self) -> Model {
        match self.state {
            State::Zero => Model::Zero,
            State::Ses { level, .. } => Model::Level(level),
            State::Holt {
                level, trend, phi, ..
            } => Model::Trend { level, trend, phi },
            State::HoltWinters {
                level,
                trend,
                season,
                phi,
                multiplicative,
                ..
            } => {
                let next = self.seen % SEASON;
                Model::Seasonal {
                    level,
                    trend,
                    phi,
                    multiplicative,
                    season: std::array::from_fn(|j| season[(next + j) % SEASON]),
                }
            }
            State::Croston {
                size,
                interval,
                alpha,
                ..
            } => Model::Level((1.0 - alpha / 2.0) * size / interval),
            State::Tsb {
                size, probability, ..
            } => Model::Level(probability * size),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::select::fit;

    #[test]
    fn a_full_replay_ends_in_the_fitted_state() {
        let y: Vec<f64> = (0..200)
            .map(|t| {
                let weekly = [3.0, 0.0, 5.0, 8.0, 2.0, 0.0, 12.0][t % SEASON];
                weekly + (t % 5) as f64 + t as f64 * 0.05
            })
            .collect();
        for method in Method::ALL {
            let fitted = fit(method, &y, None).unwrap();
            let mut filter = Filter::new(&fitted, &y);
            y.iter().for_each(|v| filter.step(*v));
            for h in 1..=15 {
                let (replayed, expected) = (filter.model().point(h), fitted.point(h));
                assert!(
                    (replayed - expected).abs() <= 1e-9 * expected.abs().max(1.0),
                    "{method} h {h}: {replayed} vs {expected}"
                );
            }
        }
    }
}
