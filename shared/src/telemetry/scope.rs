//! The invocation scope: who is running (function, version, Lambda request
//! id, cold start), on whose behalf (correlation id, X-Ray trace header,
//! message id) and the metrics the invocation has recorded so far.
//!
//! An entry point opens one scope per invocation with [`invoke`]; the HTTP
//! edge and the batch loop narrow it per request or message with
//! [`narrow`]. The scope is a tokio task-local, so it follows the
//! invocation's futures (the batch loop's concurrent messages included)
//! without being passed through every use case; the log layer
//! ([`super::layer`]) stamps each line with it, [`propagation`] hands its
//! correlation id and trace header to the publisher and the mailer, and
//! [`crate::metrics`] records into it. Work spawned onto another task
//! leaves the scope behind, which is what a background task should do.
//!
//! Why a task-local rather than a parameter: `app.publish(queue, bodies)`
//! is called from a dozen use cases (and new ones keep arriving); making
//! each carry a context argument would put an operational concern into
//! every business signature. The entry point is the one place that knows
//! the correlation id, and the adapters are the one place that need it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::metrics::{MetricsSink, Recorder};
use crate::ports::Propagation;

tokio::task_local! {
    static SCOPE: Scope;
}

/// Set by the first invocation of the process: every later one is warm.
static STARTED: AtomicBool = AtomicBool::new(false);

/// One invocation, as the runtime describes it.
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    /// The deployed function name (`<stack>-orders-api` in Lambda, the
    /// function table's name on the dev server).
    pub function_name: String,
    /// `$LATEST` or the published version.
    pub function_version: String,
    /// The Lambda request id (the dev server makes one up).
    pub request_id: String,
    /// The invocation's X-Ray trace header (`Root=...;Parent=...;Sampled=...`).
    pub trace_header: Option<String>,
}

impl Invocation {
    /// The invocation the Lambda runtime describes in `context`.
    pub fn from_lambda(context: &lambda_runtime::Context) -> Self {
        Invocation {
            function_name: context.env_config.function_name.clone(),
            function_version: context.env_config.version.clone(),
            request_id: context.request_id.clone(),
            trace_header: context.xray_trace_id.clone(),
        }
    }

    /// A local invocation of `function` (dev server, tests) with a fresh id.
    pub fn local(function: &str) -> Self {
        Invocation {
            function_name: function.to_owned(),
            function_version: "$LATEST".to_owned(),
            request_id: uuid::Uuid::new_v4().to_string(),
            trace_header: None,
        }
    }
}

#[derive(Debug)]
struct Shared {
    invocation: Invocation,
    cold_start: bool,
    metrics: Recorder,
}

/// The current invocation, narrowed to one request or message.
#[derive(Debug, Clone)]
pub struct Scope {
    shared: Arc<Shared>,
    correlation_id: Option<Arc<str>>,
    trace_header: Option<Arc<str>>,
    fields: Arc<[(&'static str, String)]>,
}

impl Scope {
    pub fn function_name(&self) -> &str {
        &self.shared.invocation.function_name
    }

    pub fn function_version(&self) -> &str {
        &self.shared.invocation.function_version
    }

    pub fn request_id(&self) -> &str {
        &self.shared.invocation.request_id
    }

    pub fn cold_start(&self) -> bool {
        self.shared.cold_start
    }

    pub fn correlation_id(&self) -> Option<&str> {
        self.correlation_id.as_deref()
    }

    /// The correlation id, shared rather than copied (metrics keep it).
    pub(crate) fn shared_correlation_id(&self) -> Option<Arc<str>> {
        self.correlation_id.clone()
    }

    /// The trace header work in this scope continues.
    pub fn trace_header(&self) -> Option<&str> {
        self.trace_header.as_deref()
    }

    /// The X-Ray trace id (`1-5759e988-bd862e3fe1be46a994272793`): the
    /// `Root` of the trace header.
    pub fn xray_trace_id(&self) -> Option<&str> {
        let header = self.trace_header.as_deref()?;
        header
            .split(';')
            .find_map(|part| part.trim().strip_prefix("Root="))
    }

    /// The event's own fields every line of this scope carries (`message_id`).
    pub fn fields(&self) -> &[(&'static str, String)] {
        &self.fields
    }

    pub(crate) fn metrics(&self) -> &Recorder {
        &self.shared.metrics
    }
}

/// The scope the caller runs in, if any.
pub fn current() -> Option<Scope> {
    SCOPE.try_with(Clone::clone).ok()
}

/// Calls `f` with the scope the caller runs in, if any, borrowed: what
/// runs per log line or metric reads the scope without cloning it.
pub fn with_current<R>(mut f: impl FnMut(Option<&Scope>) -> R) -> R {
    match SCOPE.try_with(|scope| f(Some(scope))) {
        Ok(r) => r,
        Err(_) => f(None),
    }
}

/// What a message or mail sent from here should carry.
pub fn propagation() -> Propagation {
    with_current(|scope| match scope {
        Some(scope) => Propagation {
            correlation_id: scope.correlation_id().map(str::to_owned),
            trace_header: scope.trace_header().map(str::to_owned),
        },
        None => Propagation::default(),
    })
}

/// Runs one invocation of an entry point: opens its scope (the correlation
/// id starts as the request id, until the edge narrows it), runs `work`,
/// then writes the metrics it recorded, one EMF document per dimension
/// set, to `sink` (stdout in Lambda).
///
/// `work` is boxed here, once, rather than held by value: a handler's
/// future is large (the route table's largest route), and an `async fn`
/// holding it would copy it into its own state and again into the scope's
/// future, and the caller would copy that twice-as-large state once more
/// (the copies showed in the profile of the telemetry benchmark).
pub fn invoke<'a, F>(
    invocation: Invocation,
    sink: &'a dyn MetricsSink,
    work: F,
) -> impl Future<Output = F::Output> + 'a
where
    F: Future + 'a,
{
    let work = Box::pin(work);
    async move { run_invocation(invocation, sink, work).await }
}

async fn run_invocation<F: Future>(
    invocation: Invocation,
    sink: &dyn MetricsSink,
    work: Pin<Box<F>>,
) -> F::Output {
    let cold_start = !STARTED.swap(true, Ordering::Relaxed);
    let correlation_id = Some(Arc::from(invocation.request_id.as_str()));
    let trace_header = invocation.trace_header.as_deref().map(Arc::from);
    let scope = Scope {
        shared: Arc::new(Shared {
            invocation,
            cold_start,
            metrics: Recorder::default(),
        }),
        correlation_id,
        trace_header,
        fields: Arc::new([]),
    };
    if cold_start {
        scope.metrics().count(crate::metrics::Metric::ColdStart, 1);
    }
    let output = SCOPE.scope(scope.clone(), work).await;
    crate::metrics::flush(&scope, sink);
    output
}

/// What [`narrow`] changes.
#[derive(Debug, Clone, Default)]
pub struct Narrowing {
    /// The correlation id the request or message carries; `None` keeps the
    /// invocation's.
    pub correlation_id: Option<String>,
    /// The trace header the message carries (`AWSTraceHeader`); `None`
    /// keeps the invocation's.
    pub trace_header: Option<String>,
    /// Fields every line of the narrowed scope carries.
    pub fields: Vec<(&'static str, String)>,
}

/// Runs `work` in the current scope narrowed to one request or message.
/// Outside any invocation (a test calling a handler directly) the
/// narrowed scope is a local invocation of its own, whose metrics are
/// discarded.
pub async fn narrow<F: Future>(narrowing: Narrowing, work: F) -> F::Output {
    let base = current().unwrap_or_else(|| Scope {
        shared: Arc::new(Shared {
            invocation: Invocation::default(),
            cold_start: false,
            metrics: Recorder::default(),
        }),
        correlation_id: None,
        trace_header: None,
        fields: Arc::new([]),
    });
    let mut fields: Vec<(&'static str, String)> = base.fields.to_vec();
    fields.extend(narrowing.fields);
    let scope = Scope {
        correlation_id: narrowing
            .correlation_id
            .map(Arc::from)
            .or(base.correlation_id.clone()),
        trace_header: narrowing
            .trace_header
            .map(Arc::from)
            .or(base.trace_header.clone()),
        fields: fields.into(),
        shared: base.shared,
    };
    SCOPE.scope(scope, work).await
}

/// The longest correlation id accepted from a client or a message.
pub const MAX_CORRELATION_ID: usize = 128;

/// A correlation id a client or message sent, if it is one we can log and
/// forward: 1 to 128 characters of letters, digits and `-_.:/=+@`.
/// Anything else (too long, spaces, control characters that could forge a
/// log line) is dropped and the request id used instead.
pub fn accept_correlation_id(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let fine = !raw.is_empty()
        && raw.len() <= MAX_CORRELATION_ID
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/=+@".contains(&b));
    fine.then(|| raw.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::MetricsLog;

    #[test]
    fn only_plain_correlation_ids_are_accepted() {
        assert_eq!(accept_correlation_id(" abc-1 "), Some("abc-1".into()));
        assert_eq!(accept_correlation_id(""), None);
        assert_eq!(accept_correlation_id("a b"), None);
        assert_eq!(accept_correlation_id("a\nlevel=ERROR"), None);
        assert_eq!(accept_correlation_id(&"x".repeat(129)), None);
        assert!(accept_correlation_id(&"x".repeat(128)).is_some());
    }

    #[tokio::test]
    async fn narrowing_keeps_the_invocation_and_replaces_the_correlation() {
        let sink = MetricsLog::default();
        let mut invocation = Invocation::local("orders-api");
        invocation.trace_header = Some("Root=1-abc-def;Parent=1;Sampled=1".into());
        let request_id = invocation.request_id.clone();
        let (outer, inner) = invoke(invocation, &sink, async {
            let outer = propagation();
            let inner = narrow(
                Narrowing {
                    correlation_id: Some("X".into()),
                    fields: vec![("message_id", "m-1".into())],
                    ..Narrowing::default()
                },
                async {
                    let scope = current().unwrap();
                    assert_eq!(scope.fields(), [("message_id", "m-1".to_owned())]);
                    assert_eq!(scope.xray_trace_id(), Some("1-abc-def"));
                    assert_eq!(scope.request_id(), request_id);
                    propagation()
                },
            )
            .await;
            (outer, inner)
        })
        .await;
        assert_eq!(outer.correlation_id.as_deref(), Some(request_id.as_str()));
        assert_eq!(inner.correlation_id.as_deref(), Some("X"));
        assert_eq!(
            inner.trace_header.as_deref(),
            Some("Root=1-abc-def;Parent=1;Sampled=1")
        );
        assert_eq!(current().map(|s| s.request_id().to_owned()), None);
        assert_eq!(propagation(), Propagation::default());
    }
}
