//! Forecasting methods and their fitted state.
//!
//! Every method, once fitted, boils down to a small final state from which
//! the forecast for any day ahead is a closed formula: that state is all a
//! forecast needs to keep, whatever the length of the history.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::series::DailySeries;

/// Weekly season length, in days.
pub(crate) const SEASON: usize = 7;

/// Largest point forecast: ten times the largest daily quantity a series
/// holds. A trend extrapolated past that is an artefact, not a forecast.
const MAX_POINT: f64 = 10.0 * DailySeries::MAX_DAILY_QUANTITY;

/// Smoothing parameters of a fitted method, padded with zeros.
pub(crate) type Params = [f64; 4];

/// A forecasting method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// No demand in the history at all: forecast zero.
    Zero,
    /// Simple exponential smoothing (level only).
    Ses,
    /// Holt's linear trend, damped: the trend fades out over the horizon.
    Holt,
    /// Additive Holt–Winters with a damped trend and a weekly season.
    HoltWinters,
    /// Holt–Winters with a damped trend and a multiplicative weekly season
    /// (ETS(A,Ad,M)): the weekly profile scales with the level.
    HoltWintersMultiplicative,
    /// Croston's method with the Syntetos–Boylan bias correction.
    CrostonSba,
    /// Teunter–Syntetos–Babai: smoothed demand probability times size.
    Tsb,
}

impl Method {
    /// Every method, simplest first.
    pub const ALL: [Self; 7] = [
        Self::Zero,
        Self::Ses,
        Self::Holt,
        Self::HoltWinters,
        Self::HoltWintersMultiplicative,
        Self::CrostonSba,
        Self::Tsb,
    ];

    /// The snake_case name, as serialised.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Zero => "zero",
            Self::Ses => "ses",
            Self::Holt => "holt",
            Self::HoltWinters => "holt_winters",
            Self::HoltWintersMultiplicative => "holt_winters_multiplicative",
            Self::CrostonSba => "croston_sba",
            Self::Tsb => "tsb",
        }
    }

    /// Fewest days of history the method is fitted on.
    #[must_use]
    pub fn min_history(self) -> usize {
        match self {
            Self::Zero => 0,
            Self::Ses | Self::CrostonSba | Self::Tsb => 1,
            Self::Holt => 2 * SEASON,
            Self::HoltWinters | Self::HoltWintersMultiplicative => 3 * SEASON,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The final state of a fitted method.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Model {
    Zero,
    Level(f64),
    /// A damped trend: `level + (φ + … + φʰ)·trend`.
    Trend {
        level: f64,
        trend: f64,
        phi: f64,
    },
    /// A damped trend plus `season[(h - 1) % 7]` for `h` days ahead, or
    /// times it when `multiplicative`.
    Seasonal {
        level: f64,
        trend: f64,
        phi: f64,
        season: [f64; SEASON],
        multiplicative: bool,
    },
}

impl Model {
    /// The forecast `h ≥ 1` days ahead: finite and non-negative whatever
    /// the state.
    pub(crate) fn point(&self, h: u32) -> f64 {
        let value = self.raw(h);
        if value.is_finite() {
            value.clamp(0.0, MAX_POINT)
        } else {
            0.0
        }
    }

    fn raw(&self, h: u32) -> f64 {
        match *self {
            Self::Zero => 0.0,
            Self::Level(level) => level,
            Self::Trend { level, trend, phi } => level + damped_sum(phi, h) * trend,
            Self::Seasonal {
                level,
                trend,
                phi,
                season,
                multiplicative,
            } => {
                let index = (h.saturating_sub(1) as usize) % SEASON;
                let base = level + damped_sum(phi, h) * trend;
                if multiplicative {
                    base * season[index]
                } else {
                    base + season[index]
                }
            }
        }
    }
}

/// `φ + φ² + … + φʰ`.
fn damped_sum(phi: f64, h: u32) -> f64 {
    let h_f = f64::from(h);
    if (1.0 - phi).abs() < 1e-9 {
        h_f
    } else {
        let power = i32::try_from(h).map_or(0.0, |h| phi.powi(h));
        phi * (1.0 - power) / (1.0 - phi)
    }
}

/// A method fitted to a history.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Fitted {
    pub method: Method,
    pub params: Params,
    pub model: Model,
    /// Root mean square of the in-sample one-step-ahead errors.
    pub sigma: f64,
}

impl Fitted {
    pub(crate) const ZERO: Self = Self {
        method: Method::Zero,
        params: [0.0; 4],
        model: Model::Zero,
        sigma: 0.0,
    };

    /// A fitted method from its final state and in-sample squared errors.
    pub(crate) fn new(method: Method, params: Params, model: Model, sse: f64, n: usize) -> Self {
        let sigma = if n == 0 { 0.0 } else { (sse / n as f64).sqrt() };
        Self {
            method,
            params,
            model,
            sigma: if sigma.is_finite() { sigma } else { 0.0 },
        }
    }

    /// The forecast `h ≥ 1` days after the end of the history: finite and
    /// non-negative whatever the fitted state.
    pub(crate) fn point(&self, h: u32) -> f64 {
        self.model.point(h)
    }

    /// The forecasts for days `1..=horizon`.
    pub(crate) fn path(&self, horizon: usize) -> Vec<f64> {
        (1..=u32::try_from(horizon).unwrap_or(u32::MAX))
            .map(|h| self.point(h))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damped_sum_matches_the_series() {
        for phi in [0.8, 0.9, 0.98, 1.0] {
            let mut expected = 0.0;
            for h in 1..=60 {
                expected += f64::powi(phi, h);
                let actual = damped_sum(phi, h as u32);
                assert!((actual - expected).abs() < 1e-9, "phi {phi} h {h}");
            }
        }
    }

    #[test]
    fn seasonal_points_cycle_weekly() {
        let season = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
        let model = Model::Seasonal {
            level: 10.0,
            trend: 0.0,
            phi: 0.9,
            season,
            multiplicative: false,
        };
        let fitted = Fitted::new(Method::HoltWinters, [0.0; 4], model, 0.0, 1);
        let path = fitted.path(14);
        assert_eq!(&path[..7], &[11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0]);
        assert_eq!(&path[..7], &path[7..]);
    }

    #[test]
    fn points_are_clamped_to_finite_non_negative_values() {
        let falling = Model::Trend {
            level: 1.0,
            trend: -5.0,
            phi: 0.9,
        };
        let fitted = Fitted::new(Method::Holt, [0.0; 4], falling, 0.0, 1);
        assert_eq!(fitted.point(3), 0.0);
        let broken = Fitted::new(Method::Ses, [0.0; 4], Model::Level(f64::NAN), f64::NAN, 3);
        assert_eq!(broken.point(1), 0.0);
        assert_eq!(broken.sigma, 0.0);
        let huge = Fitted::new(Method::Ses, [0.0; 4], Model::Level(f64::MAX), 0.0, 3);
        assert_eq!(huge.point(1), MAX_POINT);
    }

    #[test]
    fn method_names_round_trip_through_serde() {
        for method in Method::ALL {
            let json = serde_json::to_string(&method).unwrap();
            assert_eq!(json, format!("\"{method}\""));
            assert_eq!(serde_json::from_str::<Method>(&json).unwrap(), method);
        }
    }
}
