//! Entry points for the Lambda binaries: read the function's configuration,
//! build its app once, run the handler. A function's `main` is one call
//! with its row of the function table ([`crate::functions`]), which says
//! what the function serves and what it needs; a missing setting stops the
//! start with an error naming it, before the first event.

use std::convert::Infallible;
use std::sync::Arc;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_http::{RequestExt, service_fn};

use crate::app::{App, AppError};
use crate::config::Config;
use crate::functions::{Function, Trigger};
use crate::jobs::JobSummary;
use crate::metrics::Stdout;
use crate::telemetry::{self, Invocation};
use crate::wiring::{StartupError, build_app};

/// Result of an entry point: start-up errors are printed by the runtime.
pub type LambdaResult = Result<(), lambda_runtime::Error>;

/// Reads the configuration of `function`, starts logging and builds its
/// app, after checking that `entry` is the entry point its trigger calls for.
async fn start(
    function: &'static Function,
    entry: &'static str,
    fits: fn(&Trigger) -> bool,
) -> Result<Arc<App>, lambda_runtime::Error> {
    if !fits(&function.trigger) {
        return Err(StartupError::WrongEntryPoint {
            function: function.name,
            entry,
        }
        .into());
    }
    let config = Config::for_function(function)?;
    telemetry::init(config.log_format, function.name);
    Ok(Arc::new(build_app(function, &config).await?))
}

/// Serves the function's HTTP routes behind API Gateway (HTTP API).
pub async fn run_http(function: &'static Function) -> LambdaResult {
    let app = start(function, "HTTP requests", |t| matches!(t, Trigger::Http(_))).await?;
    let groups = function.routes();
    lambda_http::run(service_fn(move |req: lambda_http::Request| {
        let app = Arc::clone(&app);
        let invocation = req
            .lambda_context_ref()
            .map(Invocation::from_lambda)
            .unwrap_or_else(|| Invocation::local(function.name));
        async move {
            let response =
                telemetry::invoke(invocation, &Stdout, crate::http::handle(&app, groups, req))
                    .await;
            Ok::<_, Infallible>(response)
        }
    }))
    .await
}

/// Consumes the function's SQS queues, reporting partial batch failures.
pub async fn run_sqs<F>(function: &'static Function, handler: F) -> LambdaResult
where
    F: for<'a> AsyncSqsHandler<'a> + Copy + Send + Sync + 'static,
{
    let app = start(function, "SQS", |t| matches!(t, Trigger::Queues(_))).await?;
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<SqsEvent>| {
            let app = Arc::clone(&app);
            let invocation = Invocation::from_lambda(&event.context);
            async move {
                let response =
                    telemetry::invoke(invocation, &Stdout, handler.call(&app, event.payload)).await;
                Ok::<SqsBatchResponse, Infallible>(response)
            }
        },
    ))
    .await
}

/// An `async fn(&App, SqsEvent) -> SqsBatchResponse`.
pub trait AsyncSqsHandler<'a> {
    type Future: std::future::Future<Output = SqsBatchResponse> + Send + 'a;
    fn call(self, app: &'a App, event: SqsEvent) -> Self::Future;
}

impl<'a, F, Fut> AsyncSqsHandler<'a> for F
where
    F: FnOnce(&'a App, SqsEvent) -> Fut,
    Fut: std::future::Future<Output = SqsBatchResponse> + Send + 'a,
{
    type Future = Fut;
    fn call(self, app: &'a App, event: SqsEvent) -> Fut {
        self(app, event)
    }
}

/// Runs a scheduled job on each EventBridge schedule event; the summary
/// is the invocation's result. A failed run is an invocation error (so the
/// schedule's retry policy and alarms see it).
pub async fn run_job<F>(function: &'static Function, job: F) -> LambdaResult
where
    F: for<'a> AsyncJob<'a> + Copy + Send + Sync + 'static,
{
    let app = start(function, "a schedule", |t| {
        matches!(t, Trigger::Schedule(_))
    })
    .await?;
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<EventBridgeEvent>| {
            let app = Arc::clone(&app);
            let invocation = Invocation::from_lambda(&event.context);
            async move {
                telemetry::invoke(invocation, &Stdout, job.call(&app))
                    .await
                    .map_err(|e| lambda_runtime::Error::from(crate::telemetry::chain(&e)))
            }
        },
    ))
    .await
}

/// An `async fn(&App) -> Result<JobSummary, AppError>`.
pub trait AsyncJob<'a> {
    type Future: std::future::Future<Output = Result<JobSummary, AppError>> + Send + 'a;
    fn call(self, app: &'a App) -> Self::Future;
}

impl<'a, F, Fut> AsyncJob<'a> for F
where
    F: FnOnce(&'a App) -> Fut,
    Fut: std::future::Future<Output = Result<JobSummary, AppError>> + Send + 'a,
{
    type Future = Fut;
    fn call(self, app: &'a App) -> Fut {
        self(app)
    }
}
