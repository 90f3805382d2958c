//! Syntetos–Boylan demand classification.
//!
//! Two numbers say which family of methods suits a series: how often demand
//! occurs (ADI, the average number of days per day with demand) and how much
//! the non-zero quantities vary (CV², their squared coefficient of variation).
//! The cut-offs 1.32 and 0.49 are Syntetos, Boylan and Croston's (2005), the
//! points where Croston-type methods start to beat exponential smoothing.
//!
//! | | CV² < 0.49 | CV² ≥ 0.49 |
//! |---|---|---|
//! | ADI < 1.32 | smooth | erratic |
//! | ADI ≥ 1.32 | intermittent | lumpy |

use std::fmt;

use serde::{Deserialize, Serialize};

/// ADI at and above which demand counts as intermittent.
pub const ADI_CUTOFF: f64 = 1.32;
/// CV² at and above which demand sizes count as erratic.
pub const CV2_CUTOFF: f64 = 0.49;

/// The Syntetos–Boylan class of a demand series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DemandClass {
    /// Frequent demand of steady size.
    Smooth,
    /// Infrequent demand of steady size (also: no demand at all).
    Intermittent,
    /// Frequent demand of very variable size.
    Erratic,
    /// Infrequent demand of very variable size.
    Lumpy,
}

impl DemandClass {
    /// All classes, in table order.
    pub const ALL: [Self; 4] = [Self::Smooth, Self::Intermittent, Self::Erratic, Self::Lumpy];

    /// The snake_case name, as serialised.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Smooth => "smooth",
            Self::Intermittent => "intermittent",
            Self::Erratic => "erratic",
            Self::Lumpy => "lumpy",
        }
    }

    /// Whether demand is infrequent, so that Croston-type methods apply.
    #[must_use]
    pub fn is_infrequent(self) -> bool {
        matches!(self, Self::Intermittent | Self::Lumpy)
    }
}

impl fmt::Display for DemandClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A class together with the statistics it was derived from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Classification {
    /// The class.
    pub class: DemandClass,
    /// Average demand interval: days per day with demand. With no demand at
    /// all it is reported as the series length (a lower bound).
    pub adi: f64,
    /// Squared coefficient of variation of the non-zero quantities (population
    /// variance over squared mean); `0` with fewer than two demand days.
    pub cv2: f64,
    /// Number of days with demand.
    pub demand_days: usize,
}

/// Classifies a daily demand series.
///
/// A series without any demand is [`DemandClass::Intermittent`]: its interval
/// is unbounded and there is no size to vary.
#[must_use]
pub fn classify(values: &[f64]) -> Classification {
    let (demand_days, total) = values
        .iter()
        .filter(|v| **v > 0.0)
        .fold((0_usize, 0.0), |(n, sum), v| (n + 1, sum + v));
    let days = values.len() as f64;
    if demand_days == 0 {
        return Classification {
            class: DemandClass::Intermittent,
            adi: days,
            cv2: 0.0,
            demand_days,
        };
    }
    let count = demand_days as f64;
    let mean = total / count;
    // Two passes rather than a running sum of squares: no cancellation when
    // quantities are large and nearly equal.
    let variance = values
        .iter()
        .filter(|v| **v > 0.0)
        .map(|v| (v - mean) * (v - mean))
        .sum::<f64>()
        / count;
    let adi = days / count;
    let cv2 = if mean > 0.0 {
        variance / (mean * mean)
    } else {
        0.0
    };
    let class = match (adi >= ADI_CUTOFF, cv2 >= CV2_CUTOFF) {
        (false, false) => DemandClass::Smooth,
        (true, false) => DemandClass::Intermittent,
        (false, true) => DemandClass::Erratic,
        (true, true) => DemandClass::Lumpy,
    };
    Classification {
        class,
        adi,
        cv2,
        demand_days,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steady_daily_demand_is_smooth() {
        let c = classify(&[5.0, 6.0, 5.0, 4.0, 5.0, 6.0]);
        assert_eq!(c.class, DemandClass::Smooth);
        assert!((c.adi - 1.0).abs() < 1e-12);
        assert!(c.cv2 < 0.05);
    }

    #[test]
    fn sparse_steady_demand_is_intermittent() {
        let c = classify(&[0.0, 0.0, 3.0, 0.0, 0.0, 3.0, 0.0, 4.0]);
        assert_eq!(c.class, DemandClass::Intermittent);
        assert!((c.adi - 8.0 / 3.0).abs() < 1e-12);
        assert_eq!(c.demand_days, 3);
    }

    #[test]
    fn frequent_variable_demand_is_erratic() {
        let c = classify(&[1.0, 20.0, 1.0, 2.0, 30.0, 1.0]);
        assert_eq!(c.class, DemandClass::Erratic);
        assert!(c.cv2 >= CV2_CUTOFF);
    }

    #[test]
    fn sparse_variable_demand_is_lumpy() {
        let c = classify(&[0.0, 1.0, 0.0, 0.0, 40.0, 0.0, 0.0, 2.0]);
        assert_eq!(c.class, DemandClass::Lumpy);
    }

    #[test]
    fn the_cut_offs_belong_to_the_upper_classes() {
        // ADI exactly 1.32 would need 33 days over 25 demand days.
        let mut values = vec![1.0; 25];
        values.extend([0.0; 8]);
        let c = classify(&values);
        assert!((c.adi - 1.32).abs() < 1e-12);
        assert_eq!(c.class, DemandClass::Intermittent);
    }

    #[test]
    fn no_demand_is_intermittent_with_finite_statistics() {
        for values in [&[][..], &[0.0][..], &[0.0; 30][..]] {
            let c = classify(values);
            assert_eq!(c.class, DemandClass::Intermittent);
            assert_eq!(c.demand_days, 0);
            assert!(c.adi.is_finite() && c.cv2 == 0.0);
        }
    }

    #[test]
    fn serialises_in_snake_case() {
        for class in DemandClass::ALL {
            let json = serde_json::to_string(&class).unwrap();
            assert_eq!(json, format!("\"{class}\""));
            assert_eq!(serde_json::from_str::<DemandClass>(&json).unwrap(), class);
        }
    }
}
