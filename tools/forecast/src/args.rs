//! Command-line arguments (clap, derive), turned into settings that are
//! valid by construction: a bad value is refused before any file is read,
//! with clap's message and exit status 2.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use stockroom::forecast::{ForecastParams, ServiceLevel, policy};

/// Text after the options in `--help`.
const AFTER_HELP: &str = "\
Reads sales rows with the columns sku, date (YYYY-MM-DD) and quantity, found
by header name in any order (extra columns are ignored; without a header the
first three columns are sku,date,quantity). Fields may be double-quoted, with
quoted delimiters and newlines. Each SKU's history runs from its first row to
the latest date in the file (days without rows sell zero); the forecast starts
the day after that date.

Output, one record per SKU sorted by SKU: sku, class, method, the daily
forecast, safety_stock, reorder_point, and the backtest's mase, coverage and
safety-stock basis. Bad rows are reported on stderr as `line N: reason` and
the good rows are still forecast; a one-line summary ends stderr.

Exit status: 0 done, 1 no usable row (or the output failed), 2 bad arguments
or unreadable file.";

/// Forecast demand and reorder points from a sales CSV export.
#[derive(Debug, Parser)]
#[command(name = "stockroom-forecast", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// Sales CSV file (`-` for standard input).
    #[arg(value_name = "SALES.csv")]
    pub path: PathBuf,

    /// Days to forecast [default: lead time + review period].
    #[arg(long, value_name = "N", value_parser = days(1))]
    pub horizon: Option<u32>,

    /// Supplier lead time, in days.
    #[arg(long, value_name = "DAYS", default_value_t = 7, value_parser = days(0))]
    pub lead_time: u32,

    /// Days between stock reviews.
    #[arg(long, value_name = "DAYS", default_value_t = 7, value_parser = days(0))]
    pub review_period: u32,

    /// Probability of not running out during a lead time, 0.5 to 0.9999.
    #[arg(long, value_name = "P", default_value = "0.95", value_parser = service_level)]
    pub service_level: ServiceLevel,

    /// Field delimiter of the input, one ASCII character (`;` for many
    /// spreadsheet exports, `\t` for a tab).
    #[arg(long, value_name = "CHAR", default_value = ",", value_parser = delimiter)]
    pub delimiter: u8,

    /// Output format: one JSON object per line, or CSV with a header.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
}

/// How forecasts are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON object per SKU and line.
    Json,
    /// A header, then one row per SKU; the daily forecast is `;`-joined.
    Csv,
}

impl Cli {
    /// Parses the arguments after the program name.
    ///
    /// # Errors
    ///
    /// clap's error, which also stands for `--help` and `--version`
    /// (`clap::Error::kind` tells them apart; `exit_code` is 0 for those).
    pub fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Self, clap::Error> {
        let program = std::iter::once(OsString::from("stockroom-forecast"));
        Self::try_parse_from(program.chain(args))
    }

    /// The forecast settings asked for.
    #[must_use]
    pub fn params(&self) -> ForecastParams {
        ForecastParams {
            lead_time_days: self.lead_time,
            review_period_days: self.review_period,
            service_level: self.service_level,
            available: None,
            horizon_override: self.horizon,
        }
    }
}

/// A parser of day counts from `min` to the forecaster's horizon cap.
fn days(min: u32) -> impl Fn(&str) -> Result<u32, String> + Clone + Send + Sync + 'static {
    move |text| {
        let max = policy::MAX_HORIZON_DAYS;
        match text.trim().parse::<u32>() {
            Ok(days) if (min..=max).contains(&days) => Ok(days),
            _ => Err(format!(
                "expected a whole number of days from {min} to {max}"
            )),
        }
    }
}

fn service_level(text: &str) -> Result<ServiceLevel, String> {
    let probability = text
        .trim()
        .parse::<f64>()
        .map_err(|_| "expected a number".to_owned())?;
    ServiceLevel::new(probability).map_err(|e| e.to_string())
}

fn delimiter(text: &str) -> Result<u8, String> {
    match text {
        "\\t" | "tab" => Ok(b'\t'),
        _ => match text.as_bytes() {
            [byte] if byte.is_ascii() && *byte != b'"' && *byte != b'\n' && *byte != b'\r' => {
                Ok(*byte)
            }
            _ => Err("expected one ASCII character other than a quote or line end".to_owned()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::parse_args(args.iter().map(OsString::from))
    }

    #[test]
    fn the_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults_to_a_week_of_lead_time_and_review() {
        let cli = parse(&["sales.csv"]).unwrap();
        assert_eq!(cli.path, PathBuf::from("sales.csv"));
        let params = cli.params();
        assert_eq!((params.lead_time_days, params.review_period_days), (7, 7));
        assert_eq!(params.service_level, ServiceLevel::default());
        assert_eq!(params.horizon_days(), 14);
        assert_eq!((cli.delimiter, cli.format), (b',', Format::Json));
    }

    #[test]
    fn reads_every_option_in_both_spellings() {
        let cli = parse(&[
            "--horizon=30",
            "--lead-time",
            "3",
            "--review-period=0",
            "--service-level",
            "0.99",
            "--delimiter=;",
            "--format",
            "csv",
            "-",
        ])
        .unwrap();
        let params = cli.params();
        assert_eq!(params.horizon_days(), 30);
        assert_eq!((params.lead_time_days, params.review_period_days), (3, 0));
        assert_eq!(params.service_level.get(), 0.99);
        assert_eq!((cli.delimiter, cli.format), (b';', Format::Csv));
        assert_eq!(cli.path, PathBuf::from("-"));
        assert_eq!(
            parse(&["--delimiter", "\\t", "x"]).unwrap().delimiter,
            b'\t'
        );
    }

    #[test]
    fn refuses_bad_arguments_with_a_reason() {
        for (args, needle) in [
            (&["x", "--horizon", "0"][..], "--horizon"),
            (&["x", "--lead-time", "731"][..], "--lead-time"),
            (&["x", "--service-level", "1"][..], "outside 0.5..=0.9999"),
            (&["x", "--service-level", "high"][..], "expected a number"),
            (&["x", "--delimiter", ";;"][..], "one ASCII character"),
            (&["x", "--format", "xml"][..], "xml"),
            (&["x", "y"][..], "unexpected argument"),
            (&[][..], "SALES.csv"),
        ] {
            let error = parse(args).unwrap_err();
            assert_eq!(error.exit_code(), 2, "{args:?}");
            let text = error.to_string();
            assert!(text.contains(needle), "{args:?}: {text}");
        }
    }

    #[test]
    fn help_and_version_are_not_errors() {
        let help = parse(&["--help"]).unwrap_err();
        assert_eq!((help.kind(), help.exit_code()), (ErrorKind::DisplayHelp, 0));
        let version = parse(&["--version"]).unwrap_err();
        assert_eq!(version.kind(), ErrorKind::DisplayVersion);
    }
}
