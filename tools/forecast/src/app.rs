//! The tool end to end: arguments in, forecasts and reports out, exit code.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::time::Instant;

use clap::error::ErrorKind;
use serde::Serialize;
use stockroom::forecast::{
    DemandClass, Forecast, ForecastParams, Method, SafetyStockBasis, forecast,
};

use crate::args::{Cli, Format};
use crate::sales::Sales;

/// Exit status: every readable row was forecast.
pub const EXIT_OK: u8 = 0;
/// Exit status: the file had rows but none was usable, or the output failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit status: bad arguments or an unreadable file.
pub const EXIT_USAGE: u8 = 2;

/// One output record (a JSON line, or a CSV row with `forecast` joined).
#[derive(Debug, Serialize)]
struct Line<'a> {
    sku: &'a str,
    class: DemandClass,
    method: Method,
    forecast: Vec<f64>,
    safety_stock: f64,
    reorder_point: f64,
    /// MASE of the chosen method's lead-time forecasts over past origins.
    backtest_mase: Option<f64>,
    /// Share of past origins whose lead-time demand the reorder point of the
    /// day covered.
    coverage: Option<f64>,
    /// Where the safety stock comes from.
    basis: SafetyStockBasis,
}

impl<'a> Line<'a> {
    fn new(sku: &'a str, f: &Forecast) -> Self {
        Self {
            sku,
            class: f.class,
            method: f.method,
            forecast: f.daily.iter().copied().map(round).collect(),
            safety_stock: round(f.safety_stock),
            reorder_point: round(f.reorder_point),
            backtest_mase: f.backtest.mase.map(round),
            coverage: f.backtest.coverage.map(round),
            basis: f.basis,
        }
    }
}

/// What a run did, for the one-line summary on stderr.
#[derive(Debug, Default)]
struct Summary {
    skus: usize,
    classes: BTreeMap<&'static str, usize>,
    methods: BTreeMap<&'static str, usize>,
}

impl Summary {
    fn add(&mut self, f: &Forecast) {
        self.skus += 1;
        *self.classes.entry(f.class.as_str()).or_default() += 1;
        *self.methods.entry(f.method.as_str()).or_default() += 1;
    }

    fn render(&self, sales: &Sales, seconds: f64) -> String {
        let counts = |map: &BTreeMap<&str, usize>| {
            let parts: Vec<String> = map.iter().map(|(k, v)| format!("{k} {v}")).collect();
            if parts.is_empty() {
                "none".to_owned()
            } else {
                parts.join(", ")
            }
        };
        format!(
            "{} SKUs from {} rows, {} bad rows; classes: {}; methods: {}; {seconds:.2} s",
            self.skus,
            sales.good_rows,
            sales.bad_rows,
            counts(&self.classes),
            counts(&self.methods),
        )
    }
}

/// Runs the tool on `args` (without the program name), reading `-` from
/// `stdin`; returns the exit status.
pub fn run(
    args: impl IntoIterator<Item = OsString>,
    stdin: impl Read,
    stdout: impl Write,
    mut stderr: impl Write,
) -> u8 {
    let started = Instant::now();
    // Reports to stderr are best effort: there is nowhere to report their failure.
    let cli = match Cli::parse_args(args) {
        Ok(cli) => cli,
        Err(error)
            if matches!(
                error.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            ) =>
        {
            return finish(write!(BufWriter::new(stdout), "{}", error.render()));
        }
        Err(error) => {
            let _ = write!(stderr, "{}", error.render());
            return EXIT_USAGE;
        }
    };
    let mut report = |line: u64, error: &dyn std::fmt::Display| {
        let _ = writeln!(stderr, "line {line}: {error}");
    };
    let path = cli.path.as_path();
    let read = if path == Path::new("-") {
        Sales::read(stdin, cli.delimiter, |line, error| report(line, error))
    } else {
        File::open(path).map_err(Into::into).and_then(|file| {
            Sales::read(
                BufReader::with_capacity(1 << 16, file),
                cli.delimiter,
                |line, error| report(line, error),
            )
        })
    };
    let sales = match read {
        Ok(sales) => sales,
        Err(error) => {
            let _ = writeln!(stderr, "error: cannot read {}: {error}", path.display());
            return EXIT_USAGE;
        }
    };
    if sales.good_rows == 0 && sales.bad_rows > 0 {
        let _ = writeln!(stderr, "error: no usable row in {}", path.display());
        return EXIT_FAILED;
    }
    let mut summary = Summary::default();
    let written = write_forecasts(
        &sales,
        &cli.params(),
        cli.format,
        &mut summary,
        BufWriter::new(stdout),
    );
    let _ = writeln!(
        stderr,
        "{}",
        summary.render(&sales, started.elapsed().as_secs_f64())
    );
    finish(written)
}

/// Forecasts every SKU of `sales` and writes one record each.
fn write_forecasts(
    sales: &Sales,
    params: &ForecastParams,
    format: Format,
    summary: &mut Summary,
    out: impl Write,
) -> io::Result<()> {
    let forecasts = sales.series().map(|(sku, series)| {
        let f = forecast(&series, params);
        summary.add(&f);
        (sku, f)
    });
    match format {
        Format::Json => write_json(forecasts, out),
        Format::Csv => write_csv(forecasts, out),
    }
}

fn write_json<'a>(
    forecasts: impl Iterator<Item = (&'a str, Forecast)>,
    mut out: impl Write,
) -> io::Result<()> {
    for (sku, f) in forecasts {
        serde_json::to_writer(&mut out, &Line::new(sku, &f))?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

fn write_csv<'a>(
    forecasts: impl Iterator<Item = (&'a str, Forecast)>,
    out: impl Write,
) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record([
        "sku",
        "class",
        "method",
        "forecast",
        "safety_stock",
        "reorder_point",
        "backtest_mase",
        "coverage",
        "basis",
    ])?;
    for (sku, f) in forecasts {
        writer.write_record(csv_record(&Line::new(sku, &f)))?;
    }
    writer.flush()
}

/// A CSV row: numbers as JSON writes them, the daily forecast `;`-joined,
/// absent values empty.
fn csv_record(line: &Line<'_>) -> [String; 9] {
    let optional = |value: Option<f64>| value.map(|v| v.to_string()).unwrap_or_default();
    let daily: Vec<String> = line.forecast.iter().map(f64::to_string).collect();
    [
        line.sku.to_owned(),
        line.class.as_str().to_owned(),
        line.method.as_str().to_owned(),
        daily.join(";"),
        line.safety_stock.to_string(),
        line.reorder_point.to_string(),
        optional(line.backtest_mase),
        optional(line.coverage),
        line.basis.as_str().to_owned(),
    ]
}

/// Exit status after writing the output. A closed pipe (`| head`) is the
/// reader's choice, not a failure.
fn finish(written: io::Result<()>) -> u8 {
    match written {
        Ok(()) => EXIT_OK,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(_) => EXIT_FAILED,
    }
}

/// Three decimals: a thousandth of a unit is finer than any stock decision.
fn round(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the tool with `args`, `stdin` as standard input; returns the exit
    /// status, stdout and stderr.
    fn run_with(args: &[&str], stdin: &str) -> (u8, String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(
            args.iter().map(OsString::from),
            stdin.as_bytes(),
            &mut out,
            &mut err,
        );
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
        stdout
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    #[test]
    fn forecasts_each_sku_with_the_requested_horizon() {
        let mut csv = String::from("sku,date,quantity\n");
        for day in 1..=28 {
            csv.push_str(&format!("STEADY,2025-02-{day:02},5\n"));
        }
        csv.push_str("RARE,2025-02-03,2\nRARE,2025-02-17,3\n");
        let (code, stdout, stderr) = run_with(&["-", "--horizon", "10", "--lead-time", "4"], &csv);
        assert_eq!(code, EXIT_OK);
        assert!(
            stderr.starts_with(
                "2 SKUs from 30 rows, 0 bad rows; classes: intermittent 1, smooth 1; \
                 methods: croston_sba 1, ses 1; "
            ) && stderr.ends_with(" s\n")
                && stderr.lines().count() == 1,
            "{stderr}"
        );
        let lines = json_lines(&stdout);
        assert_eq!(lines.len(), 2);
        let rare = &lines[0];
        assert_eq!(rare["sku"], "RARE");
        assert_eq!(rare["class"], "intermittent");
        assert_eq!(rare["method"], "croston_sba");
        let steady = &lines[1];
        assert_eq!(steady["sku"], "STEADY");
        assert_eq!(steady["class"], "smooth");
        assert_eq!(steady["method"], "ses");
        let forecast = steady["forecast"].as_array().unwrap();
        assert_eq!(forecast.len(), 10);
        assert!(forecast.iter().all(|v| v.as_f64() == Some(5.0)));
        assert_eq!(steady["reorder_point"].as_f64(), Some(20.0));
        // Exactly these keys, in this order on the line (read from the text:
        // a parsed map's key order depends on serde_json features).
        assert_eq!(steady.as_object().unwrap().len(), 9);
        let line = stdout.lines().nth(1).unwrap();
        let at: Vec<usize> = [
            "sku",
            "class",
            "method",
            "forecast",
            "safety_stock",
            "reorder_point",
            "backtest_mase",
            "coverage",
            "basis",
        ]
        .iter()
        .map(|key| line.find(&format!("\"{key}\":")).unwrap())
        .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{line}");
    }

    #[test]
    fn reports_bad_rows_and_still_forecasts_the_good_ones() {
        let csv = "A,2025-01-01,3\nA,yesterday,1\nB,2025-01-02,-4\nA,2025-01-03,1\n";
        let (code, stdout, stderr) = run_with(&["-"], csv);
        assert_eq!(code, EXIT_OK);
        assert!(
            stderr.starts_with(
                "line 2: invalid date \"yesterday\", expected YYYY-MM-DD\n\
                 line 3: invalid quantity \"-4\", expected a number from 0 to 1e12\n\
                 1 SKUs from 2 rows, 2 bad rows; "
            ),
            "{stderr}"
        );
        let lines = json_lines(&stdout);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0]["forecast"].as_array().unwrap().len(), 14);
    }

    #[test]
    fn a_file_of_bad_rows_fails() {
        let (code, stdout, stderr) = run_with(&["-"], "x\ny\n");
        assert_eq!(code, EXIT_FAILED);
        assert!(stdout.is_empty());
        assert!(stderr.ends_with("error: no usable row in -\n"), "{stderr}");
    }

    #[test]
    fn a_header_only_file_forecasts_nothing_successfully() {
        let (code, stdout, stderr) = run_with(&["-"], "sku,date,quantity\n");
        assert_eq!((code, stdout.as_str()), (EXIT_OK, ""));
        assert!(
            stderr.starts_with("0 SKUs from 0 rows, 0 bad rows; classes: none; methods: none;"),
            "{stderr}"
        );
    }

    #[test]
    fn bad_arguments_and_missing_files_exit_with_usage_status() {
        let (code, _, stderr) = run_with(&["--service-level", "2", "x.csv"], "");
        assert_eq!(code, EXIT_USAGE);
        assert!(
            stderr.starts_with("error: invalid value '2' for '--service-level <P>'"),
            "{stderr}"
        );
        assert!(stderr.contains("try '--help'"), "{stderr}");

        let missing = std::env::temp_dir().join("stockroom-forecast-no-such-file.csv");
        let (code, _, stderr) = run_with(&[missing.to_str().unwrap()], "");
        assert_eq!(code, EXIT_USAGE);
        assert!(stderr.starts_with("error: cannot read"), "{stderr}");
    }

    #[test]
    fn reads_a_file_from_disk() {
        let path = std::env::temp_dir().join(format!(
            "stockroom-forecast-test-{}.csv",
            std::process::id()
        ));
        std::fs::write(&path, "A,2025-01-01,2\nA,2025-01-02,2\n").unwrap();
        let (code, stdout, _) = run_with(&[path.to_str().unwrap(), "--horizon=3"], "");
        std::fs::remove_file(&path).unwrap();
        assert_eq!(code, EXIT_OK);
        assert_eq!(
            json_lines(&stdout)[0]["forecast"],
            serde_json::json!([2.0, 2.0, 2.0])
        );
    }

    #[test]
    fn help_goes_to_stdout() {
        let (code, stdout, stderr) = run_with(&["--help"], "");
        assert_eq!((code, stderr.as_str()), (EXIT_OK, ""));
        assert!(stdout.starts_with("Forecast demand"), "{stdout}");
        assert!(stdout.contains("--delimiter <CHAR>"), "{stdout}");
    }

    #[test]
    fn writes_csv_with_a_header_and_the_daily_forecast_joined() {
        let csv = "sku,date,quantity\nA,2025-01-01,2\nA,2025-01-02,2\n";
        let (code, stdout, _) = run_with(&["-", "--format", "csv", "--horizon", "3"], csv);
        assert_eq!(code, EXIT_OK);
        let mut lines = stdout.lines();
        assert_eq!(
            lines.next(),
            Some(
                "sku,class,method,forecast,safety_stock,reorder_point,backtest_mase,coverage,basis"
            )
        );
        let row = lines.next().unwrap();
        assert!(row.starts_with("A,smooth,ses,2;2;2,"), "{row}");
        assert_eq!(lines.next(), None);
    }

    #[test]
    fn rounds_to_thousandths() {
        assert_eq!(round(1.234_56), 1.235);
        assert_eq!(round(0.0), 0.0);
        assert_eq!(round(2.0), 2.0);
    }
}
