//! Logs, correlation and the invocation scope: Stockroom's own small
//! Powertools.
//!
//! * [`scope`]: the per-invocation context (function, request id, cold
//!   start, correlation id, trace header, recorded metrics) that entry
//!   points open with [`scope::invoke`] and narrow per request or message.
//! * [`layer`]: the log line, flat JSON for CloudWatch (or text for a
//!   terminal), stamped with that scope, built in a reused buffer and
//!   written with one call.
//! * `json`: JSON strings and numbers written straight into a line, for
//!   the log layer and the EMF emitter ([`crate::metrics::emf`]).
//! * This module: the subscriber set-up ([`init`], honouring Lambda's
//!   `AWS_LAMBDA_LOG_FORMAT` and `AWS_LAMBDA_LOG_LEVEL`), the filter that
//!   keeps the runtime's own targets at `info`, and [`chain`] for errors,
//!   which are logged once, at the edge, with their cause chain.
//!
//! Metrics live in [`crate::metrics`]; they are recorded into the same scope.

pub(crate) mod json;
pub mod layer;
pub mod scope;

use std::error::Error;
use std::fmt::Write;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;

use crate::config::LogFormat;
pub use layer::{LogLayer, ProcessInfo};
pub use scope::{Invocation, Narrowing, Scope, invoke, narrow, propagation};

/// The `service` of every log line.
pub const SERVICE: &str = "stockroom";

/// Targets held at `info` whatever `RUST_LOG` says: the Lambda runtime
/// logs whole raw events (passwords, tokens) at `debug` and `trace`.
const RUNTIME_TARGETS: [&str; 2] = ["lambda_runtime", "lambda_http"];

/// The filter directives for a `RUST_LOG` value: its own directives (default
/// `info`) minus any naming a runtime target, then each runtime target at
/// `info`. A prefix match, as `EnvFilter` matches targets, so
/// `lambda_runtime_api_client` is held too.
pub fn filter_directives(rust_log: Option<&str>) -> String {
    let mut directives: Vec<String> = rust_log
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .filter(|d| !RUNTIME_TARGETS.iter().any(|t| d.starts_with(t)))
        .map(str::to_owned)
        .collect();
    if directives.is_empty() {
        directives.push("info".into());
    }
    directives.extend(RUNTIME_TARGETS.iter().map(|t| format!("{t}=info")));
    directives.join(",")
}

/// How logs are written, read once at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    pub format: LogFormat,
    /// The `EnvFilter` directives ([`filter_directives`]).
    pub directives: String,
    pub process: ProcessInfo,
}

impl LogSettings {
    /// The settings for `function` with configured `format`, given the
    /// runtime's variables through `lookup`. These are the Lambda
    /// runtime's own variables (and `RUST_LOG`), not Stockroom settings,
    /// which is why they are read here rather than in `crate::config`:
    ///
    /// * `AWS_LAMBDA_LOG_FORMAT=JSON` (the template's `LoggingConfig`)
    ///   forces JSON whatever `LOG_FORMAT` says.
    /// * `AWS_LAMBDA_LOG_LEVEL` (`LoggingConfig.ApplicationLogLevel`), when
    ///   set, is the level; otherwise `RUST_LOG`; otherwise `info`. The
    ///   runtime's targets stay at `info` either way.
    /// * `AWS_LAMBDA_FUNCTION_NAME` / `_VERSION` name the function on the
    ///   lines logged outside an invocation (start-up).
    pub fn from_lookup(
        format: LogFormat,
        function: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let format = match get("AWS_LAMBDA_LOG_FORMAT") {
            Some(f) if f.eq_ignore_ascii_case("json") => LogFormat::Json,
            _ => format,
        };
        let level = get("AWS_LAMBDA_LOG_LEVEL").map(|l| match l.to_ascii_lowercase().as_str() {
            "fatal" => "error".to_owned(),
            other => other.to_owned(),
        });
        let rust_log = level.or_else(|| get(EnvFilter::DEFAULT_ENV));
        LogSettings {
            format,
            directives: filter_directives(rust_log.as_deref()),
            process: ProcessInfo {
                service: SERVICE.to_owned(),
                function_name: get("AWS_LAMBDA_FUNCTION_NAME")
                    .unwrap_or_else(|| function.to_owned()),
                function_version: get("AWS_LAMBDA_FUNCTION_VERSION")
                    .unwrap_or_else(|| "$LATEST".to_owned()),
            },
        }
    }
}

/// A subscriber writing `settings`' lines to `writer` (tests capture them).
pub fn subscriber<W>(settings: &LogSettings, writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(&settings.directives)
        .unwrap_or_else(|_| EnvFilter::new(filter_directives(None)));
    tracing_subscriber::registry()
        .with(filter)
        .with(LogLayer::new(
            settings.format,
            settings.process.clone(),
            writer,
        ))
}

/// Installs the global subscriber for `function` (one line per event on
/// stdout). Safe to call twice: the first stays.
pub fn init(format: LogFormat, function: &str) {
    let settings = LogSettings::from_lookup(format, function, |name| std::env::var(name).ok());
    let _ = tracing::subscriber::set_global_default(subscriber(&settings, std::io::stdout));
}

/// An error and its chain of causes on one line: `a: b: c`.
pub fn chain(error: &dyn Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = write!(out, ": {cause}");
        source = cause.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtime_targets_stay_at_info_whatever_rust_log_says() {
        let held = "lambda_runtime=info,lambda_http=info";
        assert_eq!(filter_directives(None), format!("info,{held}"));
        assert_eq!(filter_directives(Some("")), format!("info,{held}"));
        assert_eq!(filter_directives(Some("trace")), format!("trace,{held}"));
        assert_eq!(
            filter_directives(Some(
                "debug, lambda_runtime=trace,lambda_http::request=debug,stockroom=trace"
            )),
            format!("debug,stockroom=trace,{held}")
        );
        assert_eq!(
            filter_directives(Some("lambda_runtime_api_client=trace")),
            format!("info,{held}")
        );
        // The result parses, and the runtime's debug lines are off under `trace`.
        let filter = EnvFilter::try_new(filter_directives(Some("trace"))).unwrap();
        assert!(filter.to_string().contains("lambda_runtime=info"));
    }

    #[test]
    fn lambdas_log_controls_win_over_our_own() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let plain = LogSettings::from_lookup(LogFormat::Text, "orders-api", env(&[]));
        assert_eq!(plain.format, LogFormat::Text);
        assert_eq!(plain.directives, filter_directives(None));
        assert_eq!(plain.process.function_name, "orders-api");
        let lambda = LogSettings::from_lookup(
            LogFormat::Text,
            "orders-api",
            env(&[
                ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
                ("AWS_LAMBDA_LOG_LEVEL", "WARN"),
                ("RUST_LOG", "debug"),
                ("AWS_LAMBDA_FUNCTION_NAME", "shop-orders-api"),
                ("AWS_LAMBDA_FUNCTION_VERSION", "7"),
            ]),
        );
        assert_eq!(lambda.format, LogFormat::Json);
        assert_eq!(lambda.directives, filter_directives(Some("warn")));
        assert_eq!(lambda.process.function_name, "shop-orders-api");
        assert_eq!(lambda.process.function_version, "7");
        let trace = LogSettings::from_lookup(
            LogFormat::Json,
            "f",
            env(&[("AWS_LAMBDA_LOG_LEVEL", "TRACE")]),
        );
        assert!(
            trace
                .directives
                .ends_with("lambda_runtime=info,lambda_http=info")
        );
        let text = LogSettings::from_lookup(
            LogFormat::Json,
            "f",
            env(&[("AWS_LAMBDA_LOG_FORMAT", "Text"), ("RUST_LOG", "debug")]),
        );
        assert_eq!(text.format, LogFormat::Json);
        assert_eq!(text.directives, filter_directives(Some("debug")));
    }
}
