//! Forecast settings: lead time, review period, service level, stock.
//!
//! The service level is the one setting that can be meaningless (a `z` for
//! 100 % is infinite), so it is a type: a [`ServiceLevel`] can only be made
//! from a probability in range, and carries its `z` from then on. The day
//! counts cannot be wrong, only large; the forecaster clamps them to
//! [`MAX_HORIZON_DAYS`](super::policy::MAX_HORIZON_DAYS).

use serde::{Deserialize, Serialize};

use super::normal::inverse_normal_cdf;
use super::policy;

/// Why forecast settings were refused.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
pub enum ForecastError {
    /// The service level is not a probability in the supported range.
    #[error(
        "service level {0} is outside {min}..={max}",
        min = ServiceLevel::MIN,
        max = ServiceLevel::MAX
    )]
    ServiceLevel(f64),
}

/// The probability of not running out during a lead time, with its `z`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct ServiceLevel {
    probability: f64,
    z: f64,
}

impl ServiceLevel {
    /// Lowest service level: 50 %, no safety stock.
    pub const MIN: f64 = 0.5;
    /// Highest service level: 99.99 %, `z ≈ 3.72`. Beyond it the normal
    /// approximation of demand says more about its tails than it knows.
    pub const MAX: f64 = 0.9999;

    /// A service level from a probability in `MIN..=MAX`.
    ///
    /// # Errors
    ///
    /// [`ForecastError::ServiceLevel`] when `probability` is out of range or
    /// NaN.
    pub fn new(probability: f64) -> Result<Self, ForecastError> {
        if !(Self::MIN..=Self::MAX).contains(&probability) {
            return Err(ForecastError::ServiceLevel(probability));
        }
        let z = inverse_normal_cdf(probability).ok_or(ForecastError::ServiceLevel(probability))?;
        Ok(Self { probability, z })
    }

    /// The probability.
    #[must_use]
    pub fn get(self) -> f64 {
        self.probability
    }

    /// The standard normal quantile of the probability.
    #[must_use]
    pub fn z(self) -> f64 {
        self.z
    }
}

impl Default for ServiceLevel {
    /// 95 %.
    fn default() -> Self {
        const PROBABILITY: f64 = 0.95;
        Self {
            probability: PROBABILITY,
            z: inverse_normal_cdf(PROBABILITY).unwrap_or(1.644_853_626_951_472_2),
        }
    }
}

impl TryFrom<f64> for ServiceLevel {
    type Error = ForecastError;

    fn try_from(probability: f64) -> Result<Self, Self::Error> {
        Self::new(probability)
    }
}

impl From<ServiceLevel> for f64 {
    fn from(level: ServiceLevel) -> Self {
        level.probability
    }
}

/// What a forecast is for: when stock arrives, how often it is reviewed, how
/// safe it must be, and what is on hand.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ForecastParams {
    /// Supplier lead time, in days.
    pub lead_time_days: u32,
    /// Days between two reviews of the SKU's stock (between two runs that
    /// may raise an order).
    pub review_period_days: u32,
    /// Probability of not running out during a lead time.
    pub service_level: ServiceLevel,
    /// Stock available to sell now; when set, the forecast includes the
    /// projected stockout date.
    pub available: Option<i64>,
    /// Forecast this many days instead of lead time plus review period.
    pub horizon_override: Option<u32>,
}

impl ForecastParams {
    /// Settings without stock and with the default horizon.
    ///
    /// # Errors
    ///
    /// [`ForecastError::ServiceLevel`] when `service_level` is outside
    /// [`ServiceLevel::MIN`]`..=`[`ServiceLevel::MAX`].
    pub fn new(
        lead_time_days: u32,
        review_period_days: u32,
        service_level: f64,
    ) -> Result<Self, ForecastError> {
        Ok(Self {
            lead_time_days,
            review_period_days,
            service_level: ServiceLevel::new(service_level)?,
            available: None,
            horizon_override: None,
        })
    }

    /// The same settings with `available` stock on hand.
    #[must_use]
    pub fn with_available(self, available: i64) -> Self {
        Self {
            available: Some(available),
            ..self
        }
    }

    /// The same settings forecasting `days` days ahead.
    #[must_use]
    pub fn with_horizon(self, days: u32) -> Self {
        Self {
            horizon_override: Some(days),
            ..self
        }
    }

    /// Days forecast: the override or lead time plus review period, within
    /// `1..=MAX_HORIZON_DAYS`.
    #[must_use]
    pub fn horizon_days(&self) -> u32 {
        match self.horizon_override {
            Some(days) => days.clamp(1, policy::MAX_HORIZON_DAYS),
            None => policy::horizon_days(self.lead_time_days, self.review_period_days),
        }
    }

    /// Lead time used for lead-time demand and safety stock, at most
    /// `MAX_HORIZON_DAYS`.
    #[must_use]
    pub fn lead_time(&self) -> u32 {
        self.lead_time_days.min(policy::MAX_HORIZON_DAYS)
    }
}

impl Default for ForecastParams {
    /// A week's lead time, weekly review, 95 % service level, no stock.
    fn default() -> Self {
        Self {
            lead_time_days: 7,
            review_period_days: 7,
            service_level: ServiceLevel::default(),
            available: None,
            horizon_override: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_range() {
        assert_eq!(ServiceLevel::new(0.5).unwrap().z(), 0.0);
        assert!((ServiceLevel::new(0.9999).unwrap().z() - 3.719).abs() < 1e-3);
        let default = ServiceLevel::default();
        assert_eq!(ServiceLevel::new(0.95).unwrap(), default);
    }

    #[test]
    fn rejects_out_of_range_levels() {
        for p in [0.4999, 0.99995, 1.0, 0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(ServiceLevel::new(p).is_err(), "{p}");
            assert!(ForecastParams::new(7, 7, p).is_err(), "{p}");
        }
        let message = ServiceLevel::new(1.0).unwrap_err().to_string();
        assert_eq!(message, "service level 1 is outside 0.5..=0.9999");
    }

    #[test]
    fn deserialising_checks_the_range() {
        assert_eq!(
            serde_json::from_str::<ServiceLevel>("0.9").unwrap().get(),
            0.9
        );
        assert!(serde_json::from_str::<ServiceLevel>("1.2").is_err());
        let json = serde_json::to_string(&ServiceLevel::default()).unwrap();
        assert_eq!(json, "0.95");
    }

    #[test]
    fn horizon_defaults_to_lead_time_plus_review_and_is_bounded() {
        let params = ForecastParams::new(10, 5, 0.9).unwrap();
        assert_eq!(params.horizon_days(), 15);
        assert_eq!(params.with_horizon(30).horizon_days(), 30);
        assert_eq!(params.with_horizon(0).horizon_days(), 1);
        assert_eq!(params.with_horizon(u32::MAX).horizon_days(), 730);
        let far = ForecastParams {
            lead_time_days: u32::MAX,
            ..params
        };
        assert_eq!(far.lead_time(), 730);
        assert_eq!(params.with_available(3).available, Some(3));
    }
}
