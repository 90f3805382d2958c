//! Entry points for the Lambda binaries: read the configuration, build the
//! app once, run the handler. A function's `main` is one call.

use std::convert::Infallible;
use std::sync::Arc;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_http::service_fn;

use crate::app::{App, AppError};
use crate::config::Config;
use crate::http::RouteGroup;
use crate::jobs::JobSummary;
use crate::telemetry;
use crate::wiring::{Needs, build_app};

/// Result of an entry point: start-up errors are printed by the runtime.
pub type LambdaResult = Result<(), lambda_runtime::Error>;

/// Serves the HTTP routes of `groups` behind API Gateway (HTTP API).
pub async fn run_http(groups: &'static [RouteGroup], needs: Needs) -> LambdaResult {
    let config = Config::from_env()?;
    telemetry::init(config.log_format);
    let app = Arc::new(build_app(&config, needs).await?);
    lambda_http::run(service_fn(move |req| {
        let app = Arc::clone(&app);
        async move { Ok::<_, Infallible>(crate::http::handle(&app, groups, req).await) }
    }))
    .await
}

/// Consumes an SQS queue, reporting partial batch failures.
pub async fn run_sqs<F>(needs: Needs, handler: F) -> LambdaResult
where
    F: for<'a> AsyncSqsHandler<'a> + Copy + Send + Sync + 'static,
{
    let config = Config::from_env()?;
    telemetry::init(config.log_format);
    let app = Arc::new(build_app(&config, needs).await?);
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<SqsEvent>| {
            let app = Arc::clone(&app);
            async move { Ok::<SqsBatchResponse, Infallible>(handler.call(&app, event.payload).await) }
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
pub async fn run_job<F>(needs: Needs, job: F) -> LambdaResult
where
    F: for<'a> AsyncJob<'a> + Copy + Send + Sync + 'static,
{
    let config = Config::from_env()?;
    telemetry::init(config.log_format);
    let app = Arc::new(build_app(&config, needs).await?);
    lambda_runtime::run(lambda_runtime::service_fn(
        move |_event: lambda_runtime::LambdaEvent<EventBridgeEvent>| {
            let app = Arc::clone(&app);
            async move {
                job.call(&app)
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
