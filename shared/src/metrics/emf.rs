//! Rendering CloudWatch Embedded Metric Format documents, and checking
//! them against the specification
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>).
//!
//! One document per dimension set and correlation id of an invocation:
//! the metrics without a dimension of their own share one `[service,
//! function]` document, and each `reason` or `type` value gets its own.
//! The request and correlation ids ride along as plain properties (not
//! dimensions), so Logs Insights can join a metric line to the logs of the
//! request or message it counts without adding a single CloudWatch metric.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::{Entry, NAMESPACE, SERVICE};
use crate::telemetry::json;
use crate::telemetry::scope::Scope;

/// At most this many metrics per directive, and values per metric.
pub const MAX_METRICS: usize = 100;
/// At most this many dimensions per dimension set.
pub const MAX_DIMENSIONS: usize = 30;
/// The largest log event CloudWatch Logs accepts.
pub const MAX_EVENT_BYTES: usize = 256 * 1024;

/// The units CloudWatch accepts.
pub const UNITS: [&str; 27] = [
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

/// The documents for `entries`, stamped `timestamp_ms`, each written
/// straight as JSON text (names and units are fixed ASCII; dimension
/// values and ids are escaped).
pub(crate) fn render(scope: &Scope, entries: &[Entry], timestamp_ms: i64) -> Vec<String> {
    // Group by the extra dimension ((name, value), or none) and the
    // correlation id (the invocation's when recorded outside a narrowing).
    type Key<'a> = (Option<(&'static str, &'a str)>, Option<&'a str>);
    let mut groups: BTreeMap<Key<'_>, Vec<&Entry>> = BTreeMap::new();
    for entry in entries {
        let extra = entry.metric.dimension().zip(entry.dimension.as_deref());
        let correlation = entry.correlation_id.as_deref().or(scope.correlation_id());
        groups.entry((extra, correlation)).or_default().push(entry);
    }
    let mut lines = Vec::new();
    for ((extra, correlation), entries) in groups {
        // Values per metric, in the order recorded.
        let mut values: BTreeMap<super::Metric, Vec<f64>> = BTreeMap::new();
        for e in entries {
            values.entry(e.metric).or_default().push(e.value);
        }
        // A metric with more than 100 values spills into further documents.
        let mut round = 0;
        loop {
            let chunks: Vec<(super::Metric, &[f64])> = values
                .iter()
                .filter_map(|(metric, all)| {
                    let from = (round * MAX_METRICS).min(all.len());
                    let chunk = &all[from..(from + MAX_METRICS).min(all.len())];
                    (!chunk.is_empty()).then_some((*metric, chunk))
                })
                .collect();
            if chunks.is_empty() {
                break;
            }
            let mut line = String::with_capacity(512);
            line.push_str("{\"_aws\":{\"Timestamp\":");
            let _ = write!(line, "{}", timestamp_ms.max(0));
            line.push_str(",\"CloudWatchMetrics\":[{\"Namespace\":");
            json::push_str(&mut line, NAMESPACE);
            line.push_str(",\"Dimensions\":[[\"service\",\"function\"");
            if let Some((name, _)) = extra {
                line.push(',');
                json::push_str(&mut line, name);
            }
            line.push_str("]],\"Metrics\":[");
            for (i, (metric, _)) in chunks.iter().enumerate() {
                if i > 0 {
                    line.push(',');
                }
                line.push_str("{\"Name\":");
                json::push_str(&mut line, metric.name());
                line.push_str(",\"Unit\":");
                json::push_str(&mut line, metric.unit());
                line.push('}');
            }
            line.push_str("]}]}");
            let mut member = |name: &str, value: &str| {
                line.push(',');
                json::push_str(&mut line, name);
                line.push(':');
                json::push_str(&mut line, value);
            };
            member("service", SERVICE);
            member("function", non_empty(scope.function_name()));
            if let Some((name, value)) = extra {
                member(name, non_empty(value));
            }
            member("request_id", scope.request_id());
            if let Some(id) = correlation {
                member("correlation_id", id);
            }
            if let Some(id) = scope.xray_trace_id() {
                member("xray_trace_id", id);
            }
            for (metric, chunk) in &chunks {
                line.push(',');
                json::push_str(&mut line, metric.name());
                line.push(':');
                match chunk {
                    [one] => json::push_f64(&mut line, *one),
                    many => {
                        line.push('[');
                        for (i, v) in many.iter().enumerate() {
                            if i > 0 {
                                line.push(',');
                            }
                            json::push_f64(&mut line, *v);
                        }
                        line.push(']');
                    }
                }
            }
            line.push('}');
            lines.push(line);
            round += 1;
        }
    }
    lines
}

/// Dimension values must not be empty.
fn non_empty(value: &str) -> &str {
    if value.is_empty() { "unknown" } else { value }
}

/// Checks one log line against the EMF specification; the errors name
/// each rule broken.
pub fn validate(line: &str) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    if line.len() > MAX_EVENT_BYTES {
        errors.push(format!("the event is {} bytes, over 256 KiB", line.len()));
    }
    if line.contains('\n') {
        errors.push("the document spans more than one line".into());
    }
    let root: Map<String, Value> = match serde_json::from_str(line) {
        Ok(Value::Object(root)) => root,
        Ok(_) => return Err(vec!["the root is not a JSON object".into()]),
        Err(e) => return Err(vec![format!("not JSON: {e}")]),
    };
    let Some(Value::Object(aws)) = root.get("_aws") else {
        return Err(vec!["_aws is missing or not an object".into()]);
    };
    match aws.get("Timestamp") {
        Some(Value::Number(n)) if n.as_u64().is_some() => {}
        _ => errors
            .push("_aws.Timestamp must be a non-negative integer of epoch milliseconds".into()),
    }
    let directives = match aws.get("CloudWatchMetrics") {
        Some(Value::Array(directives)) => directives,
        _ => {
            errors.push("_aws.CloudWatchMetrics must be an array".into());
            return Err(errors);
        }
    };
    for (i, directive) in directives.iter().enumerate() {
        let at = format!("CloudWatchMetrics[{i}]");
        match directive.get("Namespace").and_then(Value::as_str) {
            Some(ns) if (1..=255).contains(&ns.len()) && !ns.trim().is_empty() => {}
            _ => errors.push(format!(
                "{at}.Namespace must be a string of 1 to 255 characters"
            )),
        }
        match directive.get("Dimensions").and_then(Value::as_array) {
            Some(sets) => {
                for (j, set) in sets.iter().enumerate() {
                    let Some(names) = set.as_array() else {
                        errors.push(format!("{at}.Dimensions[{j}] must be an array"));
                        continue;
                    };
                    if names.len() > MAX_DIMENSIONS {
                        errors.push(format!(
                            "{at}.Dimensions[{j}] has {} dimensions, over 30",
                            names.len()
                        ));
                    }
                    for name in names {
                        match name.as_str() {
                            Some(name) if (1..=255).contains(&name.len()) => match root.get(name) {
                                Some(Value::String(v)) if (1..=1024).contains(&v.len()) => {}
                                _ => errors.push(format!("dimension {name} has no string member of 1 to 1024 characters at the root")),
                            },
                            _ => errors.push(format!("{at}.Dimensions[{j}] holds a name that is not a string of 1 to 255 characters")),
                        }
                    }
                }
            }
            None => errors.push(format!(
                "{at}.Dimensions must be an array of dimension sets"
            )),
        }
        match directive.get("Metrics").and_then(Value::as_array) {
            Some(metrics) => {
                if metrics.len() > MAX_METRICS {
                    errors.push(format!(
                        "{at}.Metrics has {} metrics, over 100",
                        metrics.len()
                    ));
                }
                for metric in metrics {
                    check_metric(&root, metric, &at, &mut errors);
                }
            }
            None => errors.push(format!("{at}.Metrics must be an array")),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn check_metric(root: &Map<String, Value>, metric: &Value, at: &str, errors: &mut Vec<String>) {
    let Some(name) = metric
        .get("Name")
        .and_then(Value::as_str)
        .filter(|n| (1..=255).contains(&n.len()))
    else {
        errors.push(format!("{at}: a metric has no Name of 1 to 255 characters"));
        return;
    };
    if let Some(unit) = metric.get("Unit")
        && !unit.as_str().is_some_and(|u| UNITS.contains(&u))
    {
        errors.push(format!("{name}: Unit {unit} is not a CloudWatch unit"));
    }
    if let Some(resolution) = metric.get("StorageResolution")
        && !matches!(resolution.as_u64(), Some(1 | 60))
    {
        errors.push(format!("{name}: StorageResolution must be 1 or 60"));
    }
    let finite = |v: &Value| v.as_f64().is_some_and(f64::is_finite);
    match root.get(name) {
        Some(v) if v.is_number() && finite(v) => {}
        Some(Value::Array(values))
            if !values.is_empty() && values.len() <= MAX_METRICS && values.iter().all(finite) => {}
        _ => errors.push(format!(
            "{name} has no number (or array of 1 to 100 numbers) at the root"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{self, Metric, MetricsLog};
    use crate::telemetry::scope::{Invocation, invoke};

    #[test]
    fn the_validator_refuses_what_the_spec_forbids() {
        let good = r#"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["service"]],"Metrics":[{"Name":"M","Unit":"Count"}]}]},"service":"s","M":1}"#;
        assert_eq!(validate(good), Ok(()));
        let broken = [
            good.replace(r#""Timestamp":1"#, r#""Timestamp":"1""#),
            good.replace(r#""Namespace":"N""#, r#""Namespace":"""#),
            good.replace(r#","service":"s""#, ""),
            good.replace(r#","M":1"#, r#","M":"1""#),
            good.replace(r#""Unit":"Count""#, r#""Unit":"Orders""#),
            good.replace(r#""M":1"#, r#""M":[]"#),
            good.replace("_aws", "aws"),
        ];
        for line in broken {
            assert!(validate(&line).is_err(), "{line}");
        }
    }

    #[tokio::test]
    async fn every_metric_renders_valid_documents_split_by_dimension() {
        let sink = MetricsLog::default();
        invoke(Invocation::local("f"), &sink, async {
            for metric in Metric::ALL {
                match metric.dimension() {
                    Some(_) => {
                        metrics::count_by(metric, "a", 1);
                        metrics::count_by(metric, "b", 2);
                        metrics::count_by(metric, "a", 1);
                    }
                    None if metric.unit() == "Count" => metrics::count(metric, 3),
                    None => {
                        for i in 0..150 {
                            metrics::value(metric, f64::from(i));
                        }
                    }
                }
            }
        })
        .await;
        let lines = sink.lines();
        for line in &lines {
            assert_eq!(validate(line), Ok(()), "{line}");
        }
        let docs: Vec<Value> = lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let sum = |name: &str, filter: &dyn Fn(&Value) -> bool| -> f64 {
            docs.iter()
                .filter(|d| filter(d))
                .map(|d| match &d[name] {
                    Value::Array(vs) => vs.iter().map(|v| v.as_f64().unwrap()).sum(),
                    Value::Null => 0.0,
                    v => v.as_f64().unwrap(),
                })
                .sum()
        };
        assert_eq!(sum("OrdersRejected", &|d| d["reason"] == "a"), 2.0);
        assert_eq!(sum("OrdersRejected", &|d| d["reason"] == "b"), 2.0);
        assert_eq!(sum("OrdersPlaced", &|_| true), 3.0);
        // 150 values: one document of 100, one of 50, and no value lost.
        assert_eq!(sum("OrderValue", &|_| true), (0..150).sum::<i32>() as f64);
        assert!(
            docs.iter()
                .all(|d| d["function"] == "f" && d["service"] == SERVICE)
        );
        assert!(docs.iter().all(|d| d["request_id"].is_string()));
    }
}
