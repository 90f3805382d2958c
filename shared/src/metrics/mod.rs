//! Business and operational metrics in CloudWatch Embedded Metric Format.
//!
//! A use case's outcome is turned into a metric at the entry point that
//! received it (an HTTP route, a consumer, a job) with [`count`],
//! [`count_by`] or [`value`]; the values are kept in the invocation's scope
//! ([`crate::telemetry::scope`]) and written once, when the invocation
//! ends, as one JSON line per dimension set ([`emf`]) to a [`MetricsSink`]
//! (stdout in Lambda, where CloudWatch Logs extracts the metrics; a
//! [`MetricsLog`] on the dev server, served at `/_dev/metrics`).
//!
//! Why an emitter of our own rather than `metrics_cloudwatch_embedded`:
//! that crate plugs into the `metrics` facade, whose global recorder,
//! registry and label maps are more machinery than a score of metrics need,
//! and it buffers per process rather than per invocation, so an
//! invocation's metrics could not carry its request and correlation ids.
//! The format is one small JSON document (this module and [`emf`] are
//! under 400 lines with the validator), adds no dependency (serde_json is
//! there already), nothing to the cold start, and the spec checks in
//! [`emf::validate`] keep it honest.
//!
//! Dimensions are kept few: `service` and `function` on every metric, plus
//! `reason` (OrdersRejected) or `type` (Notifications*), whose values are
//! bounded sets (error codes, notification types).
//!
//! Each value remembers the correlation id it was recorded under, and a
//! document holds one correlation id: a batch of ten orders writes ten
//! small documents, each of which a Logs Insights query on that
//! correlation id finds beside the order's log lines.

pub mod emf;
mod sink;

use std::sync::{Arc, Mutex};

pub use sink::{Discard, MetricsLog, MetricsSink, Stdout};

use crate::telemetry::scope::{self, Scope};

/// The CloudWatch namespace of every Stockroom metric.
pub const NAMESPACE: &str = "Stockroom";
/// The `service` dimension's value.
pub const SERVICE: &str = "stockroom";

/// Every metric Stockroom emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    /// Orders placed (not replays of an Idempotency-Key).
    OrdersPlaced,
    /// The total of each placed order, in the deployment's currency.
    OrderValue,
    /// `POST /orders` answered 4xx, by `reason` (the error code).
    OrdersRejected,
    /// Orders a customer or admin cancelled.
    OrdersCancelled,
    /// Milliseconds from an order's placement to the order processor's
    /// finish with it.
    ProcessingTime,
    /// Orders left PENDING whose OrderPlaced was published again.
    OrdersRecovered,
    /// Reorders created (queued or waiting for approval).
    ReordersRaised,
    /// Reorder mails the mail service accepted.
    ReorderMailsSent,
    /// Reorder mails that failed (retried, then dead-lettered).
    ReorderMailsFailed,
    /// SP-API notifications applied, by `type`.
    NotificationsApplied,
    /// SP-API notifications older than what was applied, by `type`.
    NotificationsStale,
    /// SP-API notifications about nothing we hold, by `type`.
    NotificationsIgnored,
    /// Messages of a batch reported failed (retried by SQS).
    BatchItemFailures,
    /// 1 on the first invocation of an execution environment.
    ColdStart,
    /// `amazon_mfn` listings whose stock and price Amazon accepted
    /// (`amazon-sync`).
    ListingsPushed,
    /// Pushes to Amazon that failed for a reason a retry may fix
    /// (throttling, an outage): the SKU's messages are retried.
    ListingPushesFailed,
    /// Pushes Amazon refused for good (an unknown SKU, a patch it will not
    /// take): dropped, and the two channels disagree until the next change.
    ListingPushesRefused,
    /// Amazon quantity notifications that were the echo of our own push
    /// (`listing-notifications`).
    AmazonEchoesIgnored,
    /// Amazon's own quantity changes (its sales) applied to the stock.
    AmazonChangesApplied,
}

impl Metric {
    pub const ALL: [Metric; 19] = [
        Metric::OrdersPlaced,
        Metric::OrderValue,
        Metric::OrdersRejected,
        Metric::OrdersCancelled,
        Metric::ProcessingTime,
        Metric::OrdersRecovered,
        Metric::ReordersRaised,
        Metric::ReorderMailsSent,
        Metric::ReorderMailsFailed,
        Metric::NotificationsApplied,
        Metric::NotificationsStale,
        Metric::NotificationsIgnored,
        Metric::BatchItemFailures,
        Metric::ColdStart,
        Metric::ListingsPushed,
        Metric::ListingPushesFailed,
        Metric::ListingPushesRefused,
        Metric::AmazonEchoesIgnored,
        Metric::AmazonChangesApplied,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Metric::OrdersPlaced => "OrdersPlaced",
            Metric::OrderValue => "OrderValue",
            Metric::OrdersRejected => "OrdersRejected",
            Metric::OrdersCancelled => "OrdersCancelled",
            Metric::ProcessingTime => "ProcessingTime",
            Metric::OrdersRecovered => "OrdersRecovered",
            Metric::ReordersRaised => "ReordersRaised",
            Metric::ReorderMailsSent => "ReorderMailsSent",
            Metric::ReorderMailsFailed => "ReorderMailsFailed",
            Metric::NotificationsApplied => "NotificationsApplied",
            Metric::NotificationsStale => "NotificationsStale",
            Metric::NotificationsIgnored => "NotificationsIgnored",
            Metric::BatchItemFailures => "BatchItemFailures",
            Metric::ColdStart => "ColdStart",
            Metric::ListingsPushed => "ListingsPushed",
            Metric::ListingPushesFailed => "ListingPushesFailed",
            Metric::ListingPushesRefused => "ListingPushesRefused",
            Metric::AmazonEchoesIgnored => "AmazonEchoesIgnored",
            Metric::AmazonChangesApplied => "AmazonChangesApplied",
        }
    }

    /// The CloudWatch unit.
    pub fn unit(self) -> &'static str {
        match self {
            Metric::ProcessingTime => "Milliseconds",
            // A sum of money has no CloudWatch unit.
            Metric::OrderValue => "None",
            _ => "Count",
        }
    }

    /// The dimension this metric adds to `service` and `function`, if any.
    pub fn dimension(self) -> Option<&'static str> {
        match self {
            Metric::OrdersRejected => Some("reason"),
            Metric::NotificationsApplied
            | Metric::NotificationsStale
            | Metric::NotificationsIgnored => Some("type"),
            _ => None,
        }
    }

    /// Counts are summed within an invocation; values are kept one by one
    /// (so that percentiles stay true).
    fn is_count(self) -> bool {
        self.unit() == "Count"
    }
}

/// One recorded value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub metric: Metric,
    /// The value of the metric's own dimension (`reason`, `type`).
    pub dimension: Option<String>,
    /// The correlation id of the request or message it was recorded for
    /// (a batch's messages each have their own), shared with the scope.
    pub correlation_id: Option<Arc<str>>,
    pub value: f64,
}

/// The values an invocation recorded, written when it ends.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    entries: Mutex<Vec<Entry>>,
}

impl Recorder {
    fn push(&self, entry: Entry) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entry.metric.is_count()
            && let Some(existing) = entries.iter_mut().find(|e| {
                e.metric == entry.metric
                    && e.dimension == entry.dimension
                    && e.correlation_id == entry.correlation_id
            })
        {
            existing.value += entry.value;
            return;
        }
        entries.push(entry);
    }

    pub(crate) fn count(&self, metric: Metric, n: u64) {
        self.push(Entry {
            metric,
            dimension: None,
            correlation_id: None,
            value: n as f64,
        });
    }

    fn take(&self) -> Vec<Entry> {
        std::mem::take(&mut *self.entries.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

fn record(metric: Metric, dimension: Option<&str>, value: f64) {
    if !value.is_finite() {
        return;
    }
    scope::with_current(|scope| {
        if let Some(scope) = scope {
            scope.metrics().push(Entry {
                metric,
                // A metric without a dimension of its own ignores one given,
                // and one with a dimension never goes without it.
                dimension: metric
                    .dimension()
                    .map(|_| dimension.unwrap_or("unknown").to_owned()),
                correlation_id: scope.shared_correlation_id(),
                value,
            });
        }
    });
}

/// Counts `n` of `metric` in the current invocation.
pub fn count(metric: Metric, n: u64) {
    record(metric, None, n as f64);
}

/// Counts `n` of `metric` under its own dimension's `value`
/// (`OrdersRejected` by reason, `Notifications*` by type).
pub fn count_by(metric: Metric, value: &str, n: u64) {
    record(metric, Some(value), n as f64);
}

/// Records one value of `metric` (an order's total, a duration).
pub fn value(metric: Metric, value: f64) {
    record(metric, None, value);
}

/// Writes what the invocation of `scope` recorded to `sink`.
pub(crate) fn flush(scope: &Scope, sink: &dyn MetricsSink) {
    let entries = scope.metrics().take();
    if entries.is_empty() {
        return;
    }
    let now = chrono::Utc::now().timestamp_millis();
    for line in emf::render(scope, &entries, now) {
        sink.emit(&line);
    }
}
