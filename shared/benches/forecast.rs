//! Cost of forecasting one SKU with a year of daily history, per demand class.
//!
//! The scheduled job forecasts every SKU every day, so this per-SKU time,
//! times the catalogue size, is the job's compute. Run with
//! `cargo bench -p stockroom --bench forecast`.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use stockroom::forecast::{DailySeries, ForecastParams, classify, forecast};

/// Days of history per SKU.
const DAYS: usize = 365;

/// splitmix64, for reproducible series without a dependency.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1_u64 << 53) as f64
    }
}

/// A year of demand: `on_day` decides whether day `t` sells, `size` how much.
fn series(
    seed: u64,
    on_day: impl Fn(usize, f64) -> bool,
    size: impl Fn(usize, f64) -> f64,
) -> Vec<f64> {
    let mut rng = Rng(seed);
    (0..DAYS)
        .map(|t| {
            let (a, b) = (rng.uniform(), rng.uniform());
            if on_day(t, a) {
                size(t, b).round()
            } else {
                0.0
            }
        })
        .collect()
}

fn bench_forecast(c: &mut Criterion) {
    const PROFILE: [f64; 7] = [0.8, 0.85, 0.9, 1.0, 1.25, 1.6, 0.6];
    let cases = [
        (
            "smooth_weekly",
            series(1, |_, _| true, |t, u| 20.0 * PROFILE[t % 7] + 8.0 * u),
        ),
        (
            "smooth_trend",
            series(2, |_, _| true, |t, u| 10.0 + 0.05 * t as f64 + 8.0 * u),
        ),
        (
            "erratic",
            series(3, |_, _| true, |_, u| 1.0 + 40.0 * u.powi(4)),
        ),
        (
            "intermittent",
            series(4, |_, u| u < 0.3, |_, u| 1.0 + 3.0 * u),
        ),
        (
            "lumpy",
            series(5, |_, u| u < 0.2, |_, u| 1.0 + 60.0 * u.powi(4)),
        ),
    ];
    let start = NaiveDate::default();
    let params = ForecastParams::default().with_available(100);
    let mut group = c.benchmark_group("forecast_365_days");
    for (name, values) in cases {
        let series = DailySeries::new(start, values);
        // Guard against the generator drifting out of the class it benches.
        let class = classify(series.values()).class;
        assert!(name.starts_with(class.as_str()), "{name} is {class}");
        group.bench_function(name, |b| {
            b.iter(|| forecast(black_box(&series), black_box(&params)));
        });
    }
    group.finish();
}

criterion_group!(benches, bench_forecast);
criterion_main!(benches);
