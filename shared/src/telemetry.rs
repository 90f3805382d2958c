//! Logging set-up and error formatting.

use std::error::Error;
use std::fmt::Write;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

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

/// Installs the global subscriber: JSON lines for CloudWatch, or text for
/// a terminal. `RUST_LOG` filters (default `info`; the runtime's own
/// targets stay at `info`, see [`filter_directives`]). Safe to call twice.
pub fn init(format: LogFormat) {
    let rust_log = std::env::var(EnvFilter::DEFAULT_ENV).ok();
    let filter = EnvFilter::try_new(filter_directives(rust_log.as_deref()))
        .unwrap_or_else(|_| EnvFilter::new(filter_directives(None)));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let result = match format {
        // Lambda adds its own timestamps and request ids to each line.
        LogFormat::Json => builder
            .json()
            .without_time()
            .with_current_span(true)
            .try_init(),
        LogFormat::Text => builder.try_init(),
    };
    // Already installed (tests, or a second call): keep the first.
    let _ = result;
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
}
