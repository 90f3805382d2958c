//! Where EMF documents go: stdout in Lambda, a log on the dev server.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::Mutex;

/// Takes each finished EMF document (one JSON line).
pub trait MetricsSink: Send + Sync {
    fn emit(&self, line: &str);
}

/// Stdout, one line per document, written whole so that it never
/// interleaves with a log line (CloudWatch Logs extracts the metrics).
#[derive(Debug, Clone, Copy, Default)]
pub struct Stdout;

impl MetricsSink for Stdout {
    fn emit(&self, line: &str) {
        let mut buffer = Vec::with_capacity(line.len() + 1);
        buffer.extend_from_slice(line.as_bytes());
        buffer.push(b'\n');
        // A closed stdout has nowhere to report to.
        let _ = std::io::stdout().lock().write_all(&buffer);
    }
}

/// Drops every document (benchmarks of the handler alone).
#[derive(Debug, Clone, Copy, Default)]
pub struct Discard;

impl MetricsSink for Discard {
    fn emit(&self, _line: &str) {}
}

/// Keeps the most recent documents in memory (the dev server's
/// `/_dev/metrics`, tests), optionally echoing each to stdout as Lambda
/// would.
#[derive(Debug, Default)]
pub struct MetricsLog {
    lines: Mutex<VecDeque<String>>,
    echo: bool,
}

impl MetricsLog {
    /// How many documents are kept; older ones are dropped.
    pub const CAPACITY: usize = 10_000;

    /// A log that also prints each document to stdout.
    pub fn echoing() -> Self {
        MetricsLog {
            echo: true,
            ..Self::default()
        }
    }

    /// The documents kept, oldest first.
    pub fn lines(&self) -> Vec<String> {
        self.lines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect()
    }
}

impl MetricsSink for MetricsLog {
    fn emit(&self, line: &str) {
        {
            let mut lines = self.lines.lock().unwrap_or_else(|p| p.into_inner());
            if lines.len() == Self::CAPACITY {
                lines.pop_front();
            }
            lines.push_back(line.to_owned());
        }
        if self.echo {
            Stdout.emit(line);
        }
    }
}
