//! Calibration of reorder points, and accuracy per demand class.
//!
//! A reorder point at service level `p` promises that the demand of the
//! next lead time exceeds it on `1 − p` of SKUs. This test generates SKUs of
//! four classes (smooth seasonal, smooth flat, intermittent, lumpy), each a
//! year of history followed by four weeks the forecaster never sees, and
//! checks the promise: for lead times of 3, 7 and 14 days and service levels
//! of 0.90, 0.95 and 0.99, the share of SKUs whose next lead time sold at
//! most the reorder point. Beside it, the mean reorder point (calibration
//! must not come from hoarding stock) and the coverage and mean reorder
//! point of the classic `z·σ·√L` for comparison, and the MASE of the
//! forecast over the four held-out weeks.
//!
//! Sizes: the quick run forecasts 240 SKUs per class, a few seconds in a
//! debug build, and allows the sampling error of so few SKUs on top of the
//! 1.5 points (three standard errors of a binomial share). The full run,
//! 4,000 SKUs per class (about two minutes in a debug build, run by
//! `scripts/test` like every other test), holds the coverage to 1.5 points
//! of the level on every cell and gives the numbers in
//! `docs/forecasting.md`:
//!
//! ```sh
//! cargo test --release -p stockroom --test suite -- --nocapture within_one_and_a_half
//! ```

#![allow(
    clippy::unwrap_used,
    reason = "test code: a failed unwrap is a failed test, as clippy.toml allows in #[test] fns"
)]

use std::fmt::Write as _;

use chrono::NaiveDate;
use stockroom::forecast::backtest::mase;
use stockroom::forecast::{DailySeries, Fit, ForecastParams};

/// Days of history per SKU.
const HISTORY: usize = 365;
/// Days after the history: the MASE holdout, and the lead times' demand.
const HOLDOUT: usize = 28;
const LEAD_TIMES: [u32; 3] = [3, 7, 14];
const LEVELS: [f64; 3] = [0.90, 0.95, 0.99];
/// How far coverage may sit from the level, in points, before sampling error.
const TOLERANCE_POINTS: f64 = 1.5;

/// MASE per class (smooth seasonal, smooth flat, intermittent, lumpy) of
/// the forecaster as it was before lead-time calibration, measured with that
/// code on the series of the default run (240 per class) and of the full run
/// (4,000 per class). Accuracy must not fall below it.
const MASE_BEFORE_DEFAULT: [f64; 4] = [0.795, 0.902, 0.971, 0.941];
const MASE_BEFORE_FULL: [f64; 4] = [0.803, 0.886, 0.973, 0.979];

/// splitmix64: tiny, fast, and good enough to make test data.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1_u64 << 53) as f64
    }

    fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.uniform()
    }

    /// Standard normal, by Box–Muller.
    fn normal(&mut self) -> f64 {
        let u = 1.0 - self.uniform();
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// Poisson: Knuth's method for small means, a rounded normal above 30.
    fn poisson(&mut self, mean: f64) -> f64 {
        let mean = mean.max(0.0);
        if mean > 30.0 {
            return (mean + mean.sqrt() * self.normal()).round().max(0.0);
        }
        let limit = (-mean).exp();
        let mut count = 0.0;
        let mut product = self.uniform();
        while product > limit {
            count += 1.0;
            product *= self.uniform();
        }
        count
    }
}

/// The demand classes generated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    /// Poisson around a slowly cycling level times a weekly profile.
    SmoothSeasonal,
    /// Poisson around a level that shifts once or twice a year.
    SmoothFlat,
    /// Sales on one day in two to one in twenty (the rate shifts), of
    /// steady size 1 + Poisson(2).
    Intermittent,
    /// Sales on one day in three to one in twenty-five (the rate shifts),
    /// of log-normal size.
    Lumpy,
}

impl Class {
    const ALL: [Self; 4] = [
        Self::SmoothSeasonal,
        Self::SmoothFlat,
        Self::Intermittent,
        Self::Lumpy,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::SmoothSeasonal => "smooth seasonal",
            Self::SmoothFlat => "smooth flat",
            Self::Intermittent => "intermittent",
            Self::Lumpy => "lumpy",
        }
    }

    /// History and holdout of SKU `seed`.
    fn generate(self, seed: u64) -> Vec<f64> {
        let mut rng = Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ (self as u64 + 1) << 56);
        let days = HISTORY + HOLDOUT;
        // Two change points and three levels, log-uniform in [low, high].
        let regimes = |rng: &mut Rng, low: f64, high: f64| {
            let mut changes = [0, 0].map(|_| (rng.uniform() * days as f64) as usize);
            changes.sort_unstable();
            let levels = [0, 0, 0].map(|_| rng.between(low.ln(), high.ln()).exp());
            move |t: usize| levels[changes.iter().filter(|c| t >= **c).count()]
        };
        match self {
            Self::SmoothSeasonal => {
                const PROFILE: [f64; 7] = [0.8, 0.85, 0.9, 1.0, 1.25, 1.6, 0.6];
                let level = rng.between(10.0, 40.0);
                let period = rng.between(180.0, 360.0);
                let phase = rng.between(0.0, std::f64::consts::TAU);
                let weekday = (rng.uniform() * 7.0) as usize;
                (0..days)
                    .map(|t| {
                        let cycle = (std::f64::consts::TAU * t as f64 / period + phase).sin();
                        rng.poisson(level * (1.0 + 0.2 * cycle) * PROFILE[(t + weekday) % 7])
                    })
                    .collect()
            }
            Self::SmoothFlat => {
                let level = regimes(&mut rng, 5.0, 30.0);
                (0..days).map(|t| rng.poisson(level(t))).collect()
            }
            Self::Intermittent => {
                let rate = regimes(&mut rng, 0.05, 0.5);
                (0..days)
                    .map(|t| {
                        if rng.uniform() < rate(t) {
                            1.0 + rng.poisson(2.0)
                        } else {
                            0.0
                        }
                    })
                    .collect()
            }
            Self::Lumpy => {
                let rate = regimes(&mut rng, 0.04, 0.4);
                (0..days)
                    .map(|t| {
                        if rng.uniform() < rate(t) {
                            (1.2 + rng.normal()).exp().ceil()
                        } else {
                            0.0
                        }
                    })
                    .collect()
            }
        }
    }
}

/// Counts for one (lead time, level) cell of a class.
#[derive(Clone, Copy, Debug, Default)]
struct Cell {
    covered: u32,
    reorder_point: f64,
    normal_covered: u32,
    normal_reorder_point: f64,
}

/// What a class's SKUs gave.
#[derive(Debug)]
struct Outcome {
    class: Class,
    skus: usize,
    /// Mean MASE over the holdout.
    mase: f64,
    /// `[lead time][level]`.
    cells: [[Cell; 3]; 3],
}

fn run(class: Class, skus: u64) -> Outcome {
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let mut cells = [[Cell::default(); 3]; 3];
    let mut mase_total = 0.0;
    let mut mase_count = 0;
    for seed in 1..=skus {
        let values = class.generate(seed);
        let (history, future) = values.split_at(HISTORY);
        let series = DailySeries::new(start, history.to_vec());
        let fit = Fit::new(&series);
        let horizon = ForecastParams::default().with_horizon(HOLDOUT as u32);
        if let Some(score) = mase(future, &fit.forecast(&horizon).daily, history, 7) {
            mase_total += score;
            mase_count += 1;
        }
        for (lead_index, lead_time) in LEAD_TIMES.into_iter().enumerate() {
            let actual: f64 = future[..lead_time as usize].iter().sum();
            for (level_index, level) in LEVELS.into_iter().enumerate() {
                let params = ForecastParams::new(lead_time, 0, level).unwrap();
                let f = fit.forecast(&params);
                let z = params.service_level.z();
                let normal = f.lead_time_demand + z * f.sigma * f64::from(lead_time).sqrt();
                let cell = &mut cells[lead_index][level_index];
                cell.covered += u32::from(actual <= f.reorder_point);
                cell.reorder_point += f.reorder_point;
                cell.normal_covered += u32::from(actual <= normal);
                cell.normal_reorder_point += normal;
            }
        }
    }
    Outcome {
        class,
        skus: skus as usize,
        mase: mase_total / f64::from(mase_count),
        cells,
    }
}

/// Every class, one thread each.
fn run_all(skus: u64) -> Vec<Outcome> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = Class::ALL
            .iter()
            .map(|&class| scope.spawn(move || run(class, skus)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn render(outcomes: &[Outcome]) -> String {
    let mut out = String::from(
        "| class | lead time | level | coverage | mean reorder point | z·σ·√L coverage | z·σ·√L mean reorder point |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for o in outcomes {
        let n = o.skus as f64;
        for (lead_index, lead_time) in LEAD_TIMES.iter().enumerate() {
            for (level_index, level) in LEVELS.iter().enumerate() {
                let cell = o.cells[lead_index][level_index];
                let _ = writeln!(
                    out,
                    "| {} | {lead_time} | {level:.2} | {:.1} % | {:.1} | {:.1} % | {:.1} |",
                    o.class.name(),
                    100.0 * f64::from(cell.covered) / n,
                    cell.reorder_point / n,
                    100.0 * f64::from(cell.normal_covered) / n,
                    cell.normal_reorder_point / n,
                );
            }
        }
    }
    out.push_str("\n| class | SKUs | MASE, 28-day holdout |\n|---|---|---|\n");
    for o in outcomes {
        let _ = writeln!(out, "| {} | {} | {:.3} |", o.class.name(), o.skus, o.mase);
    }
    out
}

/// Checks every cell's coverage against its level, allowing `sampling`
/// standard errors of a binomial share on top of the tolerance.
fn check(outcomes: &[Outcome], sampling: f64, mase_before: [f64; 4]) {
    println!("{}", render(outcomes));
    let mut failures = Vec::new();
    for o in outcomes {
        let n = o.skus as f64;
        for (lead_index, lead_time) in LEAD_TIMES.iter().enumerate() {
            for (level_index, level) in LEVELS.iter().enumerate() {
                let coverage = f64::from(o.cells[lead_index][level_index].covered) / n;
                let standard_error = (level * (1.0 - level) / n).sqrt();
                let allowed = TOLERANCE_POINTS / 100.0 + sampling * standard_error;
                if (coverage - level).abs() > allowed {
                    failures.push(format!(
                        "{} lead time {lead_time} level {level}: coverage {:.1} % (allowed ±{:.1})",
                        o.class.name(),
                        100.0 * coverage,
                        100.0 * allowed
                    ));
                }
            }
        }
    }
    for (o, before) in outcomes.iter().zip(mase_before) {
        if o.mase > before + 1e-3 {
            failures.push(format!(
                "{}: MASE {:.3} > {before:.3}",
                o.class.name(),
                o.mase
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn reorder_points_cover_the_service_level_on_every_class() {
    // 240 SKUs a class: a few seconds in a debug build; sampling error of
    // three standard errors allowed beyond the 1.5 points.
    check(&run_all(240), 3.0, MASE_BEFORE_DEFAULT);
}

#[test]
fn reorder_points_cover_the_service_level_within_one_and_a_half_points() {
    // The promise itself: 16,000 SKUs, no allowance beyond the 1.5 points.
    check(&run_all(4_000), 0.0, MASE_BEFORE_FULL);
}

#[test]
fn the_generator_is_deterministic_and_makes_each_class() {
    use stockroom::forecast::{DemandClass, classify};
    for class in Class::ALL {
        assert_eq!(class.generate(5), class.generate(5));
        assert_ne!(class.generate(5), class.generate(6));
    }
    let share = |class: Class, expected: DemandClass| {
        let hits = (1..=100)
            .filter(|seed| classify(&class.generate(*seed)[..HISTORY]).class == expected)
            .count();
        hits as f64 / 100.0
    };
    assert!(share(Class::SmoothSeasonal, DemandClass::Smooth) >= 0.95);
    assert!(share(Class::SmoothFlat, DemandClass::Smooth) >= 0.9);
    assert!(share(Class::Intermittent, DemandClass::Intermittent) >= 0.8);
    assert!(share(Class::Lumpy, DemandClass::Lumpy) >= 0.8);
}

/// SKUs per class in the comparison with statsforecast (BENCHMARKS.md).
const REFERENCE_SKUS: u64 = 1_000;

#[test]
#[ignore = "writes the series for the statsforecast comparison in BENCHMARKS.md"]
fn export_the_series_for_the_reference_comparison() {
    // `FORECAST_SERIES_CSV=PATH`: where to write `class,sku,day,quantity`.
    let path = std::env::var("FORECAST_SERIES_CSV").unwrap();
    let mut csv = String::from("class,sku,day,quantity\n");
    for class in Class::ALL {
        for seed in 1..=REFERENCE_SKUS {
            for (day, quantity) in class.generate(seed).iter().enumerate() {
                let _ = writeln!(csv, "{},{seed},{day},{quantity}", class.name());
            }
        }
    }
    std::fs::write(&path, csv).unwrap();
    // Stockroom's MASE on exactly these series, beside the reference's.
    for o in run_all(REFERENCE_SKUS) {
        println!(
            "stockroom {}: MASE {:.3} over {} SKUs",
            o.class.name(),
            o.mase,
            o.skus
        );
    }
}
