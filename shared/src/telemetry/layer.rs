//! The log line: one flat JSON object per event (or one readable line on a
//! terminal), stamped with the invocation's scope.
//!
//! Every line carries `timestamp`, `level`, `message`, `service`,
//! `function_name`, `function_version`, `cold_start`, `request_id`,
//! `correlation_id` and `xray_trace_id` (when the invocation is traced),
//! then the fields of the spans it is in (outermost first) and of the
//! scope (`message_id`), then the event's own (`order_id`, `sku`...), all
//! at the top level: Logs Insights filters on `correlation_id` or
//! `order_id` directly, with no nested span objects to unpack. A field
//! the event names again replaces the one it inherited.

use std::io::Write;

use serde_json::{Number, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::scope;
use crate::config::LogFormat;

/// What every line says about the process, outside an invocation too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessInfo {
    pub service: String,
    pub function_name: String,
    pub function_version: String,
}

/// Writes each event as one line to `writer`.
#[derive(Debug)]
pub struct LogLayer<W> {
    format: LogFormat,
    process: ProcessInfo,
    writer: W,
}

impl<W> LogLayer<W> {
    pub fn new(format: LogFormat, process: ProcessInfo, writer: W) -> Self {
        LogLayer {
            format,
            process,
            writer,
        }
    }
}

/// A span's fields, kept in its extensions.
struct SpanFields(Vec<(String, Value)>);

/// The fields of a line, in order, each name once.
#[derive(Default)]
struct Fields(Vec<(String, Value)>);

impl Fields {
    fn set(&mut self, key: &str, value: Value) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key.to_owned(), value)),
        }
    }
}

struct Visitor<'a>(&'a mut Fields);

impl Visit for Visitor<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        let value = Number::from_f64(value).map_or(Value::Null, Value::Number);
        self.0.set(field.name(), value);
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.set(field.name(), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.set(field.name(), Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.set(field.name(), Value::from(value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.set(field.name(), Value::from(value));
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0.set(field.name(), Value::from(super::chain(value)));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.set(field.name(), Value::from(format!("{value:?}")));
    }
}

impl<S, W> Layer<S> for LogLayer<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut Visitor(&mut fields));
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(fields.0));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            let mut extensions = span.extensions_mut();
            if let Some(SpanFields(stored)) = extensions.get_mut::<SpanFields>() {
                let mut fields = Fields(std::mem::take(stored));
                values.record(&mut Visitor(&mut fields));
                *stored = fields.0;
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        let timestamp = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        fields.set("timestamp", Value::from(timestamp));
        fields.set("level", Value::from(event.metadata().level().as_str()));
        fields.set("message", Value::from(""));
        fields.set("service", Value::from(self.process.service.as_str()));
        let scope = scope::current();
        match &scope {
            Some(scope) if !scope.function_name().is_empty() => {
                fields.set("function_name", Value::from(scope.function_name()));
                fields.set("function_version", Value::from(scope.function_version()));
            }
            _ => {
                fields.set(
                    "function_name",
                    Value::from(self.process.function_name.as_str()),
                );
                fields.set(
                    "function_version",
                    Value::from(self.process.function_version.as_str()),
                );
            }
        }
        if let Some(scope) = &scope {
            fields.set("cold_start", Value::from(scope.cold_start()));
            if !scope.request_id().is_empty() {
                fields.set("request_id", Value::from(scope.request_id()));
            }
            if let Some(id) = scope.correlation_id() {
                fields.set("correlation_id", Value::from(id));
            }
            if let Some(id) = scope.xray_trace_id() {
                fields.set("xray_trace_id", Value::from(id));
            }
        }
        if let Some(spans) = ctx.event_scope(event) {
            for span in spans.from_root() {
                if let Some(SpanFields(inherited)) = span.extensions().get::<SpanFields>() {
                    for (key, value) in inherited {
                        fields.set(key, value.clone());
                    }
                }
            }
        }
        if let Some(scope) = &scope {
            for (key, value) in scope.fields() {
                fields.set(key, Value::from(value.as_str()));
            }
        }
        event.record(&mut Visitor(&mut fields));
        let line = match self.format {
            LogFormat::Json => json_line(&fields),
            LogFormat::Text => text_line(&fields),
        };
        // Nowhere to report a failed log write.
        let _ = self.writer.make_writer().write_all(line.as_bytes());
    }
}

fn json_line(fields: &Fields) -> String {
    let mut line = String::with_capacity(256);
    line.push('{');
    for (i, (key, value)) in fields.0.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        line.push_str(&Value::from(key.as_str()).to_string());
        line.push(':');
        line.push_str(&value.to_string());
    }
    line.push_str("}\n");
    line
}

/// `12:00:00.123Z  INFO orders-api: order placed order_id=... correlation_id=...`
fn text_line(fields: &Fields) -> String {
    let get = |key: &str| fields.0.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let timestamp = text(get("timestamp"));
    let time = timestamp
        .split_once('T')
        .map_or(timestamp.as_str(), |(_, t)| t);
    let mut line = format!(
        "{time} {:>5} {}: {}",
        text(get("level")),
        text(get("function_name")),
        text(get("message"))
    );
    const SHOWN: [&str; 6] = [
        "timestamp",
        "level",
        "message",
        "service",
        "function_name",
        "function_version",
    ];
    for (key, value) in &fields.0 {
        if SHOWN.contains(&key.as_str()) || matches!(key.as_str(), "cold_start" | "request_id") {
            continue;
        }
        line.push(' ');
        line.push_str(key);
        line.push('=');
        line.push_str(&text(Some(value)));
    }
    line.push('\n');
    line
}
