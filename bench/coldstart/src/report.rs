//! Medians, p90s, ratios to the baselines and sizes, as the Markdown table
//! of BENCHMARKS.md and as JSON with every sample.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use crate::runner::Sample;

/// A binary to measure.
#[derive(Debug, Clone)]
pub struct Binary {
    pub name: String,
    pub path: PathBuf,
}

/// The measured runs of one binary.
#[derive(Debug)]
pub struct Samples {
    pub binary: Binary,
    pub runs: Vec<Sample>,
    pub init_connects: Option<Vec<String>>,
}

impl Samples {
    pub fn new(binary: &Binary) -> Self {
        Samples {
            binary: binary.clone(),
            runs: Vec::new(),
            init_connects: None,
        }
    }

    pub fn push(&mut self, sample: Sample) {
        self.runs.push(sample);
    }

    fn ms(&self, pick: impl Fn(&Sample) -> Duration) -> Vec<f64> {
        self.runs
            .iter()
            .map(|s| pick(s).as_secs_f64() * 1000.0)
            .collect()
    }

    fn init(&self) -> Vec<f64> {
        self.ms(|s| s.init)
    }

    fn response(&self) -> Vec<f64> {
        self.ms(|s| s.response)
    }

    /// The first request alone: from the first `/next` to the response.
    fn request(&self) -> Vec<f64> {
        self.ms(|s| s.response.saturating_sub(s.init))
    }
}

/// Nearest-rank percentile of `values` (0 when empty).
pub fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p / 100.0 * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

fn mib(path: &Path) -> Option<f64> {
    std::fs::metadata(path)
        .ok()
        .map(|m| m.len() as f64 / (1024.0 * 1024.0))
}

fn zip_of(path: &Path) -> PathBuf {
    let mut zip = path.as_os_str().to_owned();
    zip.push(".zip");
    PathBuf::from(zip)
}

fn size_cell(size: Option<f64>) -> String {
    size.map(|s| format!("{s:.1}"))
        .unwrap_or_else(|| "–".into())
}

fn ratio_cell(value: f64, baseline: Option<f64>) -> String {
    match baseline {
        Some(b) if b > 0.0 => format!("{:.2}x", value / b),
        _ => "–".into(),
    }
}

/// The table: init and first response per binary, each beside its baseline.
pub fn markdown(
    samples: &[Samples],
    runs: usize,
    init_baseline: &str,
    response_baseline: &str,
) -> String {
    let base = |name: &str, pick: fn(&Samples) -> Vec<f64>| {
        samples
            .iter()
            .find(|s| s.binary.name == name)
            .map(|s| median(&pick(s)))
    };
    let init_base = base(init_baseline, Samples::init);
    let response_base = base(response_baseline, Samples::response);
    let traced = samples.iter().any(|s| s.init_connects.is_some());

    let mut out = String::new();
    let _ = writeln!(
        out,
        "Spawn to first `GET /runtime/invocation/next` (init) and to the `POST .../response` \
         of the first event (first response), {runs} runs each, ms; first request = response \
         minus init, per run; sizes in MiB (stripped binary, zip).\n"
    );
    let _ = write!(
        out,
        "| binary | init median | init p90 | init vs {init_baseline} | first response median \
         | first response p90 | first response vs {response_baseline} | first request median \
         | binary MiB | zip MiB |"
    );
    let _ = writeln!(
        out,
        "{}",
        if traced { " sockets during init |" } else { "" }
    );
    let _ = writeln!(
        out,
        "|---|---|---|---|---|---|---|---|---|---|{}",
        if traced { "---|" } else { "" }
    );
    for s in samples {
        let (init, response, request) = (s.init(), s.response(), s.request());
        let _ = write!(
            out,
            "| {} | {:.1} | {:.1} | {} | {:.1} | {:.1} | {} | {:.1} | {} | {} |",
            s.binary.name,
            median(&init),
            percentile(&init, 90.0),
            ratio_cell(median(&init), init_base),
            median(&response),
            percentile(&response, 90.0),
            ratio_cell(median(&response), response_base),
            median(&request),
            size_cell(mib(&s.binary.path)),
            size_cell(mib(&zip_of(&s.binary.path))),
        );
        match &s.init_connects {
            Some(found) if found.is_empty() => out.push_str(" none |"),
            Some(found) => {
                let _ = write!(out, " {} |", found.join(", "));
            }
            None if traced => out.push_str(" – |"),
            None => {}
        }
        out.push('\n');
    }
    out
}

/// Every sample, in ms, with the medians and p90s.
pub fn json(samples: &[Samples]) -> Value {
    let summary = |values: Vec<f64>| {
        json!({
            "runs_ms": values,
            "median_ms": median(&values),
            "p90_ms": percentile(&values, 90.0),
        })
    };
    Value::Object(
        samples
            .iter()
            .map(|s| {
                let entry = json!({
                    "path": s.binary.path.display().to_string(),
                    "init": summary(s.init()),
                    "first_response": summary(s.response()),
                    "first_request": summary(s.request()),
                    "init_connects": s.init_connects,
                });
                (s.binary.name.clone(), entry)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::{median, percentile};

    #[test]
    fn median_and_nearest_rank_p90() {
        let values: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(median(&values), 10.5);
        assert_eq!(percentile(&values, 90.0), 18.0);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(percentile(&[], 90.0), 0.0);
    }
}
