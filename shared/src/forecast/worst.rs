//! The SKUs whose forecasts most deserve a look, kept while a job runs.
//!
//! The demand-forecast job forecasts every SKU; its summary names the few
//! with the worst backtest accuracy (highest MASE) and the worst-kept
//! promise (past reorder points covering furthest below the service level
//! asked for), so that an operator reads five lines, not ten thousand. The
//! list is bounded and shared by the job's concurrent tasks.

use std::fmt;
use std::sync::{Mutex, PoisonError};

use super::Forecast;

/// The `limit` SKUs with the highest backtest MASE and with the largest
/// coverage shortfall seen so far.
#[derive(Debug)]
pub struct WorstSkus {
    limit: usize,
    lists: Mutex<Lists>,
}

#[derive(Debug, Default)]
struct Lists {
    mase: Vec<(f64, String)>,
    shortfall: Vec<(f64, String)>,
}

impl WorstSkus {
    /// Keeps the worst `limit` SKUs of each kind.
    #[must_use]
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            lists: Mutex::default(),
        }
    }

    /// Records `sku`'s forecast.
    pub fn add(&self, sku: &str, forecast: &Forecast) {
        let mut lists = self.lists.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(mase) = forecast.backtest.mase {
            keep(&mut lists.mase, self.limit, mase, sku);
        }
        if let Some(coverage) = forecast.backtest.coverage {
            let shortfall = forecast.service_level - coverage;
            if shortfall > 0.0 {
                keep(&mut lists.shortfall, self.limit, shortfall, sku);
            }
        }
    }

    /// `SKU (MASE), …`, worst first; `none` when nothing was scored.
    #[must_use]
    pub fn by_mase(&self) -> Listing {
        self.listing(|lists| &lists.mase, "MASE")
    }

    /// `SKU (points below the level), …`, worst first; `none` when every
    /// SKU's past reorder points kept their promise.
    #[must_use]
    pub fn by_coverage(&self) -> Listing {
        self.listing(|lists| &lists.shortfall, "short")
    }

    fn listing(&self, list: impl Fn(&Lists) -> &Vec<(f64, String)>, label: &str) -> Listing {
        let lists = self.lists.lock().unwrap_or_else(PoisonError::into_inner);
        let entries = list(&lists)
            .iter()
            .map(|(score, sku)| match label {
                "short" => format!("{sku} ({:.1} points short)", score * 100.0),
                _ => format!("{sku} ({label} {score:.2})"),
            })
            .collect();
        Listing(entries)
    }
}

/// A rendered list of SKUs, for a log field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing(pub Vec<String>);

impl fmt::Display for Listing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&self.0.join(", "))
        }
    }
}

/// Inserts `(score, sku)` into `list` (highest first) if it is among the
/// `limit` highest.
fn keep(list: &mut Vec<(f64, String)>, limit: usize, score: f64, sku: &str) {
    if !score.is_finite() || limit == 0 {
        return;
    }
    if list.len() == limit && list.last().is_some_and(|(lowest, _)| *lowest >= score) {
        return;
    }
    let at = list.partition_point(|(s, _)| *s >= score);
    list.insert(at, (score, sku.to_owned()));
    list.truncate(limit);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::{DailySeries, ForecastParams, forecast};
    use chrono::NaiveDate;

    fn scored(mase: Option<f64>, coverage: Option<f64>) -> Forecast {
        let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default();
        let mut f = forecast(
            &DailySeries::new(start, vec![1.0; 10]),
            &ForecastParams::default(),
        );
        f.backtest.mase = mase;
        f.backtest.coverage = coverage;
        f
    }

    #[test]
    fn keeps_the_worst_few_highest_first() {
        let worst = WorstSkus::new(2);
        worst.add("A", &scored(Some(0.8), Some(0.96)));
        worst.add("B", &scored(Some(1.7), Some(0.90)));
        worst.add("C", &scored(Some(1.2), Some(0.80)));
        worst.add("D", &scored(None, None));
        assert_eq!(worst.by_mase().to_string(), "B (MASE 1.70), C (MASE 1.20)");
        assert_eq!(
            worst.by_coverage().to_string(),
            "C (15.0 points short), B (5.0 points short)"
        );
    }

    #[test]
    fn nothing_scored_lists_none() {
        let worst = WorstSkus::new(5);
        worst.add("A", &scored(None, Some(0.99)));
        assert_eq!(worst.by_mase().to_string(), "none");
        assert_eq!(worst.by_coverage().to_string(), "none");
    }
}
