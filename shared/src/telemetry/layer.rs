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

use std::cell::RefCell;
use std::fmt::Write as _;
use std::io::Write as _;
use std::ops::Range;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::{json, scope};
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

/// How a value is written: a string (quoted and escaped in JSON) or a
/// JSON literal as it stands (a number, `true`, `false`, `null`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Str,
    Literal,
}

/// The fields of a line (or of a span), in the order first set, each name
/// once: a later value of a name replaces the earlier one in its place.
/// The values are written, unescaped, one after another into one text
/// buffer that is reused from line to line, so building a line allocates
/// nothing once the buffers have grown to a line's size. A replaced value
/// stays in the buffer, unused, until the buffer is cleared.
#[derive(Debug, Default)]
struct Fields {
    text: String,
    slots: Vec<(&'static str, Kind, Range<usize>)>,
}

impl Fields {
    fn clear(&mut self) {
        self.text.clear();
        self.slots.clear();
    }

    /// Sets `key` to what `write` appends to the buffer.
    fn set(&mut self, key: &'static str, kind: Kind, write: impl FnOnce(&mut String)) {
        let start = self.text.len();
        write(&mut self.text);
        let range = start..self.text.len();
        match self.slots.iter_mut().find(|(k, _, _)| *k == key) {
            Some(slot) => *slot = (key, kind, range),
            None => self.slots.push((key, kind, range)),
        }
    }

    fn set_str(&mut self, key: &'static str, value: &str) {
        self.set(key, Kind::Str, |t| t.push_str(value));
    }

    /// Copies every field of `other` in, in its order.
    fn extend_from(&mut self, other: &Fields) {
        for (key, kind, range) in &other.slots {
            self.set(key, *kind, |t| t.push_str(&other.text[range.clone()]));
        }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.slots
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, _, range)| &self.text[range.clone()])
    }
}

/// A span's fields, kept in its extensions.
struct SpanFields(Fields);

struct Visitor<'a>(&'a mut Fields);

impl Visit for Visitor<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0
            .set(field.name(), Kind::Literal, |t| json::push_f64(t, value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.set(field.name(), Kind::Literal, |t| {
            let _ = write!(t, "{value}");
        });
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.set(field.name(), Kind::Literal, |t| {
            let _ = write!(t, "{value}");
        });
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.set(field.name(), Kind::Literal, |t| {
            t.push_str(if value { "true" } else { "false" });
        });
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.set_str(field.name(), value);
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        // The cause chain, as `super::chain` writes it.
        self.0.set(field.name(), Kind::Str, |t| {
            let _ = write!(t, "{value}");
            let mut source = value.source();
            while let Some(cause) = source {
                let _ = write!(t, ": {cause}");
                source = cause.source();
            }
        });
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        // `message` arrives here, as `format_args!`, written in place.
        self.0.set(field.name(), Kind::Str, |t| {
            let _ = write!(t, "{value:?}");
        });
    }
}

/// A thread's buffers, reused by every line it writes.
#[derive(Default)]
struct Scratch {
    fields: Fields,
    line: String,
    /// `YYYY-MM-DDTHH:MM:SS` of the second last written, and that second.
    second: Option<(i64, String)>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::default();
}

/// Appends `now` as RFC 3339 in UTC with milliseconds
/// (`2025-03-10T14:30:00.123Z`), formatting the date and time of day only
/// when the second changes.
fn push_timestamp(
    out: &mut String,
    cache: &mut Option<(i64, String)>,
    now: chrono::DateTime<chrono::Utc>,
) {
    let seconds = now.timestamp();
    let prefix = match cache {
        Some((at, prefix)) if *at == seconds => prefix,
        _ => {
            let prefix = now.format("%Y-%m-%dT%H:%M:%S").to_string();
            &mut cache.insert((seconds, prefix)).1
        }
    };
    out.push_str(prefix);
    // A leap second reads as 1000 ms and more; it stays within its second.
    let millis = now.timestamp_subsec_millis().min(999);
    let _ = write!(out, ".{millis:03}Z");
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
            span.extensions_mut().insert(SpanFields(fields));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            let mut extensions = span.extensions_mut();
            if let Some(SpanFields(stored)) = extensions.get_mut::<SpanFields>() {
                values.record(&mut Visitor(stored));
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut scratch) => {
                let Scratch {
                    fields,
                    line,
                    second,
                } = &mut *scratch;
                self.write_event(event, &ctx, fields, line, second);
            }
            // An event logged while a line is written (by the writer
            // itself): fresh buffers rather than a panic.
            Err(_) => self.write_event(
                event,
                &ctx,
                &mut Fields::default(),
                &mut String::new(),
                &mut None,
            ),
        });
    }
}

impl<W> LogLayer<W>
where
    W: for<'w> MakeWriter<'w> + 'static,
{
    /// Builds the line of `event` in `fields` and `line`, then writes it
    /// with one call to the writer.
    fn write_event<S>(
        &self,
        event: &Event<'_>,
        ctx: &Context<'_, S>,
        fields: &mut Fields,
        line: &mut String,
        second: &mut Option<(i64, String)>,
    ) where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        fields.clear();
        line.clear();
        fields.set("timestamp", Kind::Str, |t| {
            push_timestamp(t, second, chrono::Utc::now());
        });
        fields.set_str("level", event.metadata().level().as_str());
        fields.set_str("message", "");
        fields.set_str("service", &self.process.service);
        scope::with_current(|scope| {
            match scope {
                Some(scope) if !scope.function_name().is_empty() => {
                    fields.set_str("function_name", scope.function_name());
                    fields.set_str("function_version", scope.function_version());
                }
                _ => {
                    fields.set_str("function_name", &self.process.function_name);
                    fields.set_str("function_version", &self.process.function_version);
                }
            }
            if let Some(scope) = scope {
                fields.set("cold_start", Kind::Literal, |t| {
                    t.push_str(if scope.cold_start() { "true" } else { "false" });
                });
                if !scope.request_id().is_empty() {
                    fields.set_str("request_id", scope.request_id());
                }
                if let Some(id) = scope.correlation_id() {
                    fields.set_str("correlation_id", id);
                }
                if let Some(id) = scope.xray_trace_id() {
                    fields.set_str("xray_trace_id", id);
                }
            }
            if let Some(spans) = ctx.event_scope(event) {
                for span in spans.from_root() {
                    if let Some(SpanFields(inherited)) = span.extensions().get::<SpanFields>() {
                        fields.extend_from(inherited);
                    }
                }
            }
            if let Some(scope) = scope {
                for (key, value) in scope.fields() {
                    fields.set_str(key, value);
                }
            }
        });
        event.record(&mut Visitor(fields));
        match self.format {
            LogFormat::Json => json_line(fields, line),
            LogFormat::Text => text_line(fields, line),
        }
        // Nowhere to report a failed log write.
        let _ = self.writer.make_writer().write_all(line.as_bytes());
    }
}

fn json_line(fields: &Fields, line: &mut String) {
    line.push('{');
    for (i, (key, kind, range)) in fields.slots.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        json::push_str(line, key);
        line.push(':');
        let value = &fields.text[range.clone()];
        match kind {
            Kind::Str => json::push_str(line, value),
            Kind::Literal => line.push_str(value),
        }
    }
    line.push_str("}\n");
}

/// `12:00:00.123Z  INFO orders-api: order placed order_id=... correlation_id=...`
fn text_line(fields: &Fields, line: &mut String) {
    let get = |key: &str| fields.get(key).unwrap_or_default();
    let timestamp = get("timestamp");
    let time = timestamp.split_once('T').map_or(timestamp, |(_, t)| t);
    let _ = write!(
        line,
        "{time} {:>5} {}: {}",
        get("level"),
        get("function_name"),
        get("message")
    );
    const SHOWN: [&str; 8] = [
        "timestamp",
        "level",
        "message",
        "service",
        "function_name",
        "function_version",
        "cold_start",
        "request_id",
    ];
    for (key, _, range) in &fields.slots {
        if SHOWN.contains(key) {
            continue;
        }
        line.push(' ');
        line.push_str(key);
        line.push('=');
        line.push_str(&fields.text[range.clone()]);
    }
    line.push('\n');
}
