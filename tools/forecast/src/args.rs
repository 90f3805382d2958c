//! Command-line arguments, parsed into settings that are valid by
//! construction (a bad value is reported before any file is read).

use std::ffi::OsString;
use std::path::PathBuf;

use stockroom::forecast::{ForecastError, ForecastParams, ServiceLevel, policy};

/// How to call the tool.
pub const USAGE: &str = "\
usage: stockroom-forecast SALES.csv [--horizon N] [--lead-time DAYS]
                          [--review-period DAYS] [--service-level P]

Reads `sku,date,quantity` rows (ISO dates, any order, header optional) from
SALES.csv (`-` for standard input) and prints one JSON object per SKU:
  {\"sku\", \"class\", \"method\", \"forecast\": [N daily values],
   \"safety_stock\", \"reorder_point\"}
Each SKU's history runs from its first row to the latest date in the file
(days without rows sell zero); the forecast starts the day after that date.

options:
  --horizon N            days to forecast (default: lead time + review period)
  --lead-time DAYS       supplier lead time (default: 7)
  --review-period DAYS   days between stock reviews (default: 7)
  --service-level P      probability of not running out, 0.5..=0.9999 (default: 0.95)
  -h, --help             print this help

Bad rows are reported on stderr as `line N: reason`; the good rows are still
forecast. Exit status: 0 done, 1 no usable row, 2 bad arguments or unreadable file.";

/// Default lead time and review period, in days.
const DEFAULT_DAYS: u32 = 7;

/// What the command line asks for.
#[derive(Debug, PartialEq)]
pub enum Command {
    /// Print the usage.
    Help,
    /// Forecast the sales in `path`.
    Forecast {
        path: PathBuf,
        params: ForecastParams,
    },
}

/// Why the command line was refused.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum ArgsError {
    #[error("missing SALES.csv")]
    MissingPath,
    #[error("unexpected argument {0:?}")]
    Unexpected(String),
    #[error("option {0} needs a value")]
    MissingValue(&'static str),
    #[error("option {option}: {value:?} is not a whole number of days from {min} to {max}")]
    Days {
        option: &'static str,
        value: String,
        min: u32,
        max: u32,
    },
    #[error("option --service-level: {0:?} is not a number")]
    NotANumber(String),
    #[error("option --service-level: {0}")]
    ServiceLevel(#[from] ForecastError),
    #[error("an argument is not valid UTF-8")]
    NotUtf8,
}

/// Parses the arguments after the program name.
///
/// # Errors
///
/// [`ArgsError`] on anything but one path and well-formed options.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, ArgsError> {
    let mut path = None;
    let mut horizon = None;
    let mut lead_time = DEFAULT_DAYS;
    let mut review_period = DEFAULT_DAYS;
    let mut service_level = ServiceLevel::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let Some(text) = arg.to_str() else {
            // Only the path may be arbitrary bytes.
            if path.is_some() {
                return Err(ArgsError::NotUtf8);
            }
            path = Some(PathBuf::from(arg));
            continue;
        };
        let (name, inline) = match text.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(value.to_owned())),
            _ => (text, None),
        };
        let mut value = |option: &'static str| match inline.clone() {
            Some(value) => Ok(value),
            None => args
                .next()
                .ok_or(ArgsError::MissingValue(option))?
                .into_string()
                .map_err(|_| ArgsError::NotUtf8),
        };
        match name {
            "-h" | "--help" => return Ok(Command::Help),
            "--horizon" => {
                horizon = Some(days("--horizon", value("--horizon")?, 1)?);
            }
            "--lead-time" => lead_time = days("--lead-time", value("--lead-time")?, 0)?,
            "--review-period" => {
                review_period = days("--review-period", value("--review-period")?, 0)?;
            }
            "--service-level" => {
                let text = value("--service-level")?;
                let probability = text
                    .trim()
                    .parse::<f64>()
                    .map_err(|_| ArgsError::NotANumber(text))?;
                service_level = ServiceLevel::new(probability)?;
            }
            _ if name.starts_with('-') && name.len() > 1 => {
                return Err(ArgsError::Unexpected(text.to_owned()));
            }
            _ if path.is_none() => path = Some(PathBuf::from(arg)),
            _ => return Err(ArgsError::Unexpected(text.to_owned())),
        }
    }
    let params = ForecastParams {
        lead_time_days: lead_time,
        review_period_days: review_period,
        service_level,
        available: None,
        horizon_override: horizon,
    };
    Ok(Command::Forecast {
        path: path.ok_or(ArgsError::MissingPath)?,
        params,
    })
}

/// A day count of at least `min` and at most the forecaster's horizon cap.
fn days(option: &'static str, value: String, min: u32) -> Result<u32, ArgsError> {
    let max = policy::MAX_HORIZON_DAYS;
    match value.trim().parse::<u32>() {
        Ok(days) if (min..=max).contains(&days) => Ok(days),
        _ => Err(ArgsError::Days {
            option,
            value,
            min,
            max,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Result<Command, ArgsError> {
        parse(args.iter().map(OsString::from))
    }

    fn params_of(args: &[&str]) -> ForecastParams {
        match parse_strs(args).unwrap() {
            Command::Forecast { params, .. } => params,
            Command::Help => panic!("help"),
        }
    }

    #[test]
    fn defaults_to_a_week_of_lead_time_and_review() {
        let Command::Forecast { path, params } = parse_strs(&["sales.csv"]).unwrap() else {
            panic!("not a forecast");
        };
        assert_eq!(path, PathBuf::from("sales.csv"));
        assert_eq!(params, ForecastParams::default());
        assert_eq!(params.horizon_days(), 14);
    }

    #[test]
    fn reads_every_option_in_both_spellings() {
        let params = params_of(&[
            "--horizon",
            "30",
            "s.csv",
            "--lead-time=10",
            "--review-period",
            "3",
            "--service-level=0.99",
        ]);
        assert_eq!(params.horizon_days(), 30);
        assert_eq!(params.lead_time_days, 10);
        assert_eq!(params.review_period_days, 3);
        assert_eq!(params.service_level.get(), 0.99);
    }

    #[test]
    fn asks_for_help() {
        assert_eq!(parse_strs(&["x.csv", "--help"]).unwrap(), Command::Help);
        assert_eq!(parse_strs(&["-h"]).unwrap(), Command::Help);
    }

    #[test]
    fn refuses_bad_arguments_with_a_reason() {
        let cases: &[(&[&str], &str)] = &[
            (&[], "missing SALES.csv"),
            (&["a.csv", "b.csv"], "unexpected argument \"b.csv\""),
            (
                &["a.csv", "--frobnicate"],
                "unexpected argument \"--frobnicate\"",
            ),
            (&["a.csv", "--horizon"], "option --horizon needs a value"),
            (
                &["a.csv", "--horizon", "0"],
                "option --horizon: \"0\" is not a whole number of days from 1 to 730",
            ),
            (
                &["a.csv", "--lead-time", "-3"],
                "option --lead-time: \"-3\" is not a whole number of days from 0 to 730",
            ),
            (
                &["a.csv", "--service-level", "high"],
                "option --service-level: \"high\" is not a number",
            ),
            (
                &["a.csv", "--service-level", "1"],
                "option --service-level: service level 1 is outside 0.5..=0.9999",
            ),
        ];
        for (args, message) in cases {
            let error = parse_strs(args).unwrap_err();
            assert_eq!(error.to_string(), *message, "{args:?}");
        }
    }

    #[test]
    fn a_lone_dash_is_a_path_for_standard_input() {
        assert!(matches!(parse_strs(&["-"]), Ok(Command::Forecast { .. })));
    }
}
