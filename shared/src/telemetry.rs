//! Logging set-up and error formatting.

use std::error::Error;
use std::fmt::Write;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber: JSON lines for CloudWatch, or text for
/// a terminal. `RUST_LOG` filters (default `info`). Safe to call twice.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
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
