//! Backtest of the demand forecaster, plus its robustness properties.
//!
//! Rolling-origin evaluation on generated year-long series of each demand
//! pattern the forecaster must handle (trend, weekly season, intermittent,
//! lumpy), from fixed seeds so that every run sees the same numbers. MASE is
//! reported per pattern and method (`cargo test -- --nocapture` prints the
//! table), and the forecaster must beat seasonal naive on seasonal series and
//! the plain mean on intermittent ones.
//!
//! The generated series are deliberately not stationary: real demand drifts
//! (a product gains or loses popularity), and on a truly stationary series
//! the plain mean of all history is already the best possible forecast.

#![allow(
    clippy::unwrap_used,
    reason = "test code: a failed unwrap is a failed test, as clippy.toml allows in #[test] fns"
)]

use std::fmt::Write as _;
use std::sync::OnceLock;

use chrono::NaiveDate;
use proptest::prelude::*;
use stockroom::forecast::backtest::{Forecaster, RollingOrigin, evaluate};
use stockroom::forecast::{
    DailySeries, DemandClass, ForecastParams, Method, ServiceLevel, classify, forecast,
};

/// Days per generated series: a year.
const DAYS: usize = 365;
/// Half a year of history at the first origin, a two-week horizon (a week of
/// lead time plus a week of review), a new origin every four weeks.
const ROLLING: RollingOrigin = RollingOrigin {
    min_train: 182,
    horizon: 14,
    step: 28,
};

/// splitmix64: tiny, fast, and good enough to make test data.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
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

    /// Poisson, by Knuth's multiplication method (fine for the small means here).
    fn poisson(&mut self, mean: f64) -> f64 {
        let limit = (-mean.max(0.0)).exp();
        let mut count = 0.0;
        let mut product = self.uniform();
        while product > limit {
            count += 1.0;
            product *= self.uniform();
        }
        count
    }
}

/// A demand probability that jumps between levels at random days: products
/// gain and lose customers, which is why demand has to be re-estimated.
struct Regimes {
    changes: [usize; 2],
    levels: [f64; 3],
}

impl Regimes {
    fn new(rng: &mut Rng, low: f64, high: f64) -> Self {
        let mut changes = [0, 0].map(|_| (rng.uniform() * DAYS as f64) as usize);
        changes.sort_unstable();
        Self {
            changes,
            // Log-uniform: halving and doubling are equally likely.
            levels: [0, 0, 0].map(|_| (rng.between(low.ln(), high.ln())).exp()),
        }
    }

    fn at(&self, t: usize) -> f64 {
        self.levels[self.changes.iter().filter(|c| t >= **c).count()]
    }
}

/// The demand patterns generated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pattern {
    /// Poisson demand around a rising level.
    Trend,
    /// Poisson demand around a slowly drifting level times a weekend-heavy
    /// weekly profile.
    WeeklySeason,
    /// Sales on one day in two to one in twenty, of steady size (1 + Poisson(2)).
    Intermittent,
    /// Sales on one day in three to one in twenty-five, of wildly varying
    /// (log-normal) size.
    Lumpy,
}

impl Pattern {
    const ALL: [Self; 4] = [
        Self::Trend,
        Self::WeeklySeason,
        Self::Intermittent,
        Self::Lumpy,
    ];

    /// Series generated. Intermittent demand needs many: MASE on mostly-zero
    /// data is heavy-tailed (a quiet history gives a tiny scale), and the
    /// comparison with the mean must rest on more than a lucky draw.
    fn series_count(self) -> u64 {
        match self {
            Self::Trend | Self::WeeklySeason => 32,
            Self::Intermittent | Self::Lumpy => 128,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Trend => "trend",
            Self::WeeklySeason => "weekly season",
            Self::Intermittent => "intermittent",
            Self::Lumpy => "lumpy",
        }
    }

    /// The Syntetos–Boylan class the pattern is built to fall in.
    fn expected_class(self) -> DemandClass {
        match self {
            Self::Trend | Self::WeeklySeason => DemandClass::Smooth,
            Self::Intermittent => DemandClass::Intermittent,
            Self::Lumpy => DemandClass::Lumpy,
        }
    }

    fn generate(self, seed: u64) -> Vec<f64> {
        let mut rng = Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ self as u64);
        match self {
            Self::Trend => {
                let start = rng.between(10.0, 30.0);
                let slope = rng.between(0.03, 0.1);
                (0..DAYS)
                    .map(|t| rng.poisson(start + slope * t as f64))
                    .collect()
            }
            Self::WeeklySeason => {
                const PROFILE: [f64; 7] = [0.8, 0.85, 0.9, 1.0, 1.25, 1.6, 0.6];
                let level = rng.between(15.0, 40.0);
                // One or two slow cycles a year, ±20 %.
                let period = rng.between(180.0, 360.0);
                let phase = rng.between(0.0, std::f64::consts::TAU);
                let drift = |t: usize| (std::f64::consts::TAU * t as f64 / period + phase).sin();
                (0..DAYS)
                    .map(|t| rng.poisson(level * (1.0 + 0.2 * drift(t)) * PROFILE[t % 7]))
                    .collect()
            }
            Self::Intermittent => {
                let rate = Regimes::new(&mut rng, 0.05, 0.5);
                (0..DAYS)
                    .map(|t| {
                        if rng.uniform() < rate.at(t) {
                            1.0 + rng.poisson(2.0)
                        } else {
                            0.0
                        }
                    })
                    .collect()
            }
            Self::Lumpy => {
                let rate = Regimes::new(&mut rng, 0.04, 0.4);
                (0..DAYS)
                    .map(|t| {
                        if rng.uniform() < rate.at(t) {
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

/// Everything compared: the forecaster itself, each method alone, and the
/// two baselines.
const FORECASTERS: [Forecaster; 8] = [
    Forecaster::Auto,
    Forecaster::Fixed(Method::Ses),
    Forecaster::Fixed(Method::Holt),
    Forecaster::Fixed(Method::HoltWinters),
    Forecaster::Fixed(Method::CrostonSba),
    Forecaster::Fixed(Method::Tsb),
    Forecaster::SeasonalNaive,
    Forecaster::Mean,
];

/// Backtest results of one pattern.
struct Row {
    pattern: Pattern,
    /// Mean MASE over the series, per forecaster (same order as `FORECASTERS`).
    mase: Vec<f64>,
    /// Classes and methods chosen on the full year of each series.
    classes: Vec<DemandClass>,
    methods: Vec<Method>,
}

impl Row {
    fn mase_of(&self, forecaster: Forecaster) -> f64 {
        FORECASTERS
            .iter()
            .position(|f| *f == forecaster)
            .map_or(f64::NAN, |i| self.mase[i])
    }
}

fn run(pattern: Pattern) -> Row {
    let series: Vec<Vec<f64>> = (1..=pattern.series_count())
        .map(|seed| pattern.generate(seed))
        .collect();
    let mase = FORECASTERS
        .iter()
        .map(|&forecaster| {
            let scores: Vec<f64> = series
                .iter()
                .map(|values| evaluate(values, &ROLLING, forecaster).unwrap().mase)
                .collect();
            scores.iter().sum::<f64>() / scores.len() as f64
        })
        .collect();
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let params = ForecastParams::default();
    let (classes, methods) = series
        .iter()
        .map(|values| {
            let f = forecast(&DailySeries::new(start, values.clone()), &params);
            (f.class, f.method)
        })
        .unzip();
    Row {
        pattern,
        mase,
        classes,
        methods,
    }
}

/// The backtest row of `pattern`.
fn row(pattern: Pattern) -> &'static Row {
    let rows = table();
    let index = Pattern::ALL.iter().position(|p| *p == pattern).unwrap();
    &rows[index]
}

/// The backtest, run once and shared by the tests below.
fn table() -> &'static [Row] {
    static TABLE: OnceLock<Vec<Row>> = OnceLock::new();
    TABLE.get_or_init(|| {
        // One thread per pattern: the backtest is embarrassingly parallel.
        std::thread::scope(|scope| {
            let handles: Vec<_> = Pattern::ALL
                .iter()
                .map(|&pattern| scope.spawn(move || run(pattern)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    })
}

fn render(rows: &[Row]) -> String {
    let mut out = format!(
        "MASE by pattern and method: mean over series of {DAYS} days; origins from day {}, \
         every {} days, {}-day horizon; scale: in-sample seasonal naive\n",
        ROLLING.min_train, ROLLING.step, ROLLING.horizon
    );
    let _ = write!(out, "{:<14}{:>7}", "pattern", "series");
    for forecaster in FORECASTERS {
        let _ = write!(out, "{:>15}", forecaster.label());
    }
    out.push('\n');
    for row in rows {
        let _ = write!(out, "{:<14}{:>7}", row.pattern.name(), row.methods.len());
        for value in &row.mase {
            let _ = write!(out, "{value:>15.3}");
        }
        out.push('\n');
    }
    out.push_str("methods chosen on the full year:\n");
    for row in rows {
        let _ = write!(out, "{:<14}", row.pattern.name());
        for method in Method::ALL {
            let count = row.methods.iter().filter(|m| **m == method).count();
            if count > 0 {
                let _ = write!(out, " {method} {count}");
            }
        }
        out.push('\n');
    }
    out
}

#[test]
fn prints_the_mase_table_with_finite_scores() {
    let rows = table();
    println!("{}", render(rows));
    for row in rows {
        for (forecaster, value) in FORECASTERS.iter().zip(&row.mase) {
            assert!(
                value.is_finite() && *value > 0.0,
                "{} / {}: {value}",
                row.pattern.name(),
                forecaster.label()
            );
        }
    }
}

#[test]
fn chosen_method_beats_seasonal_naive_on_weekly_seasonal_series() {
    let row = row(Pattern::WeeklySeason);
    let (auto, naive) = (
        row.mase_of(Forecaster::Auto),
        row.mase_of(Forecaster::SeasonalNaive),
    );
    assert!(auto < naive, "auto {auto:.3} vs seasonal naive {naive:.3}");
}

#[test]
fn chosen_method_beats_the_mean_on_intermittent_series() {
    for row in [row(Pattern::Intermittent), row(Pattern::Lumpy)] {
        let (auto, mean) = (row.mase_of(Forecaster::Auto), row.mase_of(Forecaster::Mean));
        assert!(
            auto < mean,
            "{}: auto {auto:.3} vs mean {mean:.3}",
            row.pattern.name()
        );
    }
}

#[test]
fn generated_patterns_fall_in_their_intended_classes() {
    // Classification sees a sample: a lumpy year with few sales can show a
    // CV² under the cut-off. The vast majority must land where intended.
    for row in table() {
        let expected = row.pattern.expected_class();
        let hits = row.classes.iter().filter(|c| **c == expected).count();
        assert!(
            hits as f64 >= 0.9 * row.classes.len() as f64,
            "{}: {hits} of {} classified {expected}",
            row.pattern.name(),
            row.classes.len()
        );
    }
}

#[test]
fn chosen_method_beats_both_baselines_on_every_pattern() {
    for row in table() {
        let auto = row.mase_of(Forecaster::Auto);
        for baseline in [Forecaster::SeasonalNaive, Forecaster::Mean] {
            let other = row.mase_of(baseline);
            assert!(
                auto < other,
                "{}: auto {auto:.3} vs {} {other:.3}",
                row.pattern.name(),
                baseline.label()
            );
        }
    }
}

#[test]
fn selection_picks_a_method_suited_to_each_pattern() {
    for row in table() {
        let suited = |m: &Method| match row.pattern {
            Pattern::Trend => matches!(
                m,
                Method::Ses
                    | Method::Holt
                    | Method::HoltWinters
                    | Method::HoltWintersMultiplicative
            ),
            Pattern::WeeklySeason => {
                matches!(m, Method::HoltWinters | Method::HoltWintersMultiplicative)
            }
            Pattern::Intermittent | Pattern::Lumpy => {
                matches!(m, Method::CrostonSba | Method::Tsb)
            }
        };
        let share =
            row.methods.iter().filter(|m| suited(m)).count() as f64 / row.methods.len() as f64;
        assert!(share >= 0.9, "{}: {:?}", row.pattern.name(), row.methods);
    }
}

#[test]
fn the_chosen_method_is_never_far_behind_the_best_single_method() {
    // Selection on a four-week holdout is noisy, but it must not throw away
    // much accuracy compared with knowing the best method in hindsight.
    for row in table() {
        let auto = row.mase_of(Forecaster::Auto);
        let best = FORECASTERS[1..6]
            .iter()
            .map(|f| row.mase_of(*f))
            .fold(f64::INFINITY, f64::min);
        assert!(
            auto <= best * 1.1,
            "{}: auto {auto:.3}, best {best:.3}",
            row.pattern.name()
        );
    }
}

#[test]
fn the_generator_is_deterministic() {
    for pattern in Pattern::ALL {
        assert_eq!(pattern.generate(7), pattern.generate(7));
        assert_ne!(pattern.generate(7), pattern.generate(8));
    }
    let sales: f64 = Pattern::Intermittent.generate(1).iter().sum();
    assert!(sales > 0.0);
    assert_eq!(
        classify(&Pattern::Lumpy.generate(3)).class,
        DemandClass::Lumpy
    );
}

/// Any daily quantity, including the ones the series must sanitise.
fn quantity() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => Just(0.0),
        4 => 0.0..50.0_f64,
        1 => (0_u32..5).prop_map(f64::from),
        1 => 0.0..1e15_f64,
        1 => proptest::num::f64::ANY,
        1 => Just(f64::MAX),
    ]
}

fn params() -> impl Strategy<Value = ForecastParams> {
    (
        0_u32..2_000,
        0_u32..2_000,
        0.5..=0.9999_f64,
        proptest::option::of(any::<i64>()),
        proptest::option::of(any::<u32>()),
    )
        .prop_map(|(lead, review, level, available, horizon)| ForecastParams {
            lead_time_days: lead,
            review_period_days: review,
            service_level: ServiceLevel::new(level).unwrap(),
            available,
            horizon_override: horizon,
        })
}

fn date() -> impl Strategy<Value = NaiveDate> {
    // Beyond both ends of the calendar too: those become its last day.
    (-100_000_000_i32..100_000_000)
        .prop_map(|days| NaiveDate::from_num_days_from_ce_opt(days).unwrap_or(NaiveDate::MAX))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn forecast_is_total_finite_and_non_negative(
        values in proptest::collection::vec(quantity(), 0..400),
        start in date(),
        params in params(),
    ) {
        let series = DailySeries::new(start, values);
        let f = forecast(&series, &params);
        prop_assert_eq!(f.daily.len(), f.horizon_days as usize);
        prop_assert!((1..=stockroom::forecast::policy::MAX_HORIZON_DAYS).contains(&f.horizon_days));
        for value in &f.daily {
            prop_assert!(value.is_finite() && *value >= 0.0, "daily {}", value);
        }
        for value in [f.adi, f.cv2, f.sigma, f.lead_time_demand, f.reorder_point] {
            prop_assert!(value.is_finite() && value >= 0.0, "{:?}", f);
        }
        // The safety stock is a quantile of lead-time errors: it may be
        // negative, but the reorder point is never below zero.
        prop_assert!(f.safety_stock.is_finite(), "{:?}", f);
        prop_assert!((f.reorder_point - (f.lead_time_demand + f.safety_stock)).abs() <= 1e-9 * f.reorder_point.max(f.lead_time_demand).max(1.0));
        for value in [f.backtest.mase, f.backtest.coverage].into_iter().flatten() {
            prop_assert!(value.is_finite() && value >= 0.0, "{:?}", f);
        }
        prop_assert!(f.backtest.coverage.is_none_or(|c| c <= 1.0));
        prop_assert_eq!(f.start_date, series.forecast_start());
        match f.projected_stockout {
            Some(day) => prop_assert!(params.available.is_some() && day >= f.start_date),
            None => prop_assert!(params.available.is_none_or(|a| a > 0)),
        }
        prop_assert_eq!(&forecast(&series, &params), &f, "not deterministic");
        prop_assert!(serde_json::to_string(&f).is_ok());
    }

    #[test]
    fn series_from_points_ignores_their_order(
        points in proptest::collection::vec((0_u64..1_500, 0_u32..100), 0..200),
        end in 0_u64..1_600,
    ) {
        let origin = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        let dated: Vec<(NaiveDate, f64)> = points
            .iter()
            .map(|(day, qty)| (origin + chrono::Days::new(*day), f64::from(*qty)))
            .collect();
        let end = origin + chrono::Days::new(end);
        let forward = DailySeries::from_points(dated.iter().copied(), end);
        let backward = DailySeries::from_points(dated.iter().rev().copied(), end);
        prop_assert_eq!(&forward, &backward);
        prop_assert!(forward.len() <= DailySeries::MAX_DAYS);
        if let Some(last) = forward.end() {
            prop_assert_eq!(last, end);
        }
        let kept: f64 = dated.iter().filter(|(d, _)| *d <= end && *d >= forward.start()).map(|(_, q)| q).sum();
        prop_assert_eq!(forward.values().iter().sum::<f64>(), kept);
    }
}
