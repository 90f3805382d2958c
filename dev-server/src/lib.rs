//! The local dev server: every Stockroom route on one port.
//!
//! Each HTTP request is turned into the API Gateway event a Lambda would
//! receive ([`gateway`]) and handed to the same library handler the Lambda
//! runs: the API's, or the web console's (`/`, `/dashboard`, `/assets/*`). The server itself only adds what a laptop lacks: a listening
//! socket, demo data ([`seed`]), in-process queues feeding the same
//! consumers, an outbox instead of SES, timers for the scheduled jobs
//! ([`background`]) and a few `/_dev` routes to look inside ([`dev_routes`]).
//!
//! Each request, batch and job runs as the invocation of the function
//! that would serve it in Lambda (`orders-api`, `order-processor`...), so
//! its log lines and metrics look like that function's; the metrics are
//! kept for `GET /_dev/metrics` (and printed too with `LOG_FORMAT=json`).

pub mod background;
pub mod config;
pub mod dev_routes;
pub mod gateway;
pub mod seed;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use stockroom::app::App;
use stockroom::http::{ALL_GROUPS, ApiError, MAX_BODY_BYTES, response};
use stockroom::mail::Outbox;
use stockroom::metrics::MetricsLog;
use stockroom::queue::{MemoryQueues, QueueSettings};
use stockroom::telemetry::{self, Invocation};
use tokio::net::TcpListener;

use crate::background::{Background, Schedule};

/// What the dev server serves.
#[derive(Debug, Clone)]
pub struct DevServer {
    pub app: Arc<App>,
    pub queues: Arc<MemoryQueues>,
    pub outbox: Arc<Outbox>,
    /// The EMF documents the invocations would have written to stdout.
    pub metrics: Arc<MetricsLog>,
    _background: Arc<Background>,
}

impl DevServer {
    /// Wires `app` to in-process queues and the outbox, and starts the queue
    /// workers and the schedule timers.
    pub fn start(app: App, queue_settings: QueueSettings, schedule: &Schedule) -> Self {
        Self::start_with(
            app,
            queue_settings,
            schedule,
            Outbox::new(),
            Arc::new(MetricsLog::default()),
        )
    }

    /// Like [`DevServer::start`], mailing through `outbox` (one that fails
    /// for some recipients, say).
    pub fn start_with_outbox(
        app: App,
        queue_settings: QueueSettings,
        schedule: &Schedule,
        outbox: Outbox,
    ) -> Self {
        let metrics = Arc::new(MetricsLog::default());
        Self::start_with(app, queue_settings, schedule, outbox, metrics)
    }

    /// [`DevServer::start`], keeping metrics in `metrics`.
    pub fn start_with_metrics(
        app: App,
        queue_settings: QueueSettings,
        schedule: &Schedule,
        metrics: Arc<MetricsLog>,
    ) -> Self {
        Self::start_with(app, queue_settings, schedule, Outbox::new(), metrics)
    }

    /// [`DevServer::start`] with its outbox and metrics log given.
    pub fn start_with(
        app: App,
        queue_settings: QueueSettings,
        schedule: &Schedule,
        outbox: Outbox,
        metrics: Arc<MetricsLog>,
    ) -> Self {
        let queues = Arc::new(MemoryQueues::new(queue_settings));
        let outbox = Arc::new(outbox);
        let app = Arc::new(
            app.with_publisher(queues.clone())
                .with_mailer(outbox.clone()),
        );
        let background = Background::start(&app, &queues, schedule, &metrics);
        DevServer {
            app,
            queues,
            outbox,
            metrics,
            _background: Arc::new(background),
        }
    }
}

/// Accepts connections until `shutdown` completes, then waits (up to a few
/// seconds) for requests in flight.
pub async fn serve(
    server: DevServer,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(pair) => pair,
                    Err(e) => {
                        // Out of file descriptors and the like: keep serving.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let server = server.clone();
                let service = service_fn(move |req| {
                    let server = server.clone();
                    async move { Ok::<_, Infallible>(handle(&server, peer, req).await) }
                });
                let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(Duration::from_secs(5), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some connections were still open after 5 s");
    }
    Ok(())
}

type DevResponse = hyper::Response<Full<Bytes>>;

async fn handle(
    server: &DevServer,
    peer: SocketAddr,
    req: hyper::Request<Incoming>,
) -> DevResponse {
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return too_large();
    }
    let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            return too_large();
        }
        Err(e) => {
            return convert(response::error(&ApiError::bad_request(
                "bad_request",
                format!("the request body could not be read: {e}"),
            )));
        }
    };
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_owned();
    if let Some(response) = dev_routes::handle(
        server,
        &parts.method,
        parts.uri.path(),
        &parts.headers,
        &body,
    )
    .await
    {
        return convert(response);
    }
    let event = gateway::event(&parts, &body, peer, &host);
    let request = match gateway::lambda_request(&event) {
        Ok(request) => request,
        Err(e) => {
            return convert(response::error(&ApiError::bad_request(
                "bad_request",
                format!("the request could not be converted: {e}"),
            )));
        }
    };
    if stockroom_console::serves(parts.uri.path()) {
        return convert(stockroom_console::handle(&request));
    }
    let invocation = Invocation::local(function_for(&parts.method, parts.uri.path()));
    let handled = stockroom::http::handle(&server.app, ALL_GROUPS, request);
    convert(telemetry::invoke(invocation, server.metrics.as_ref(), handled).await)
}

/// The function that serves `method path` in a deployment.
fn function_for(method: &http::Method, path: &str) -> &'static str {
    stockroom::functions::ALL
        .iter()
        .find(|f| {
            matches!(
                stockroom::http::router::resolve(method, path, f.routes()),
                stockroom::http::router::Matched::Found(..)
            )
        })
        .map_or("dev-server", |f| f.name)
}

fn too_large() -> DevResponse {
    convert(response::error(&ApiError::new(
        http::StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the request body must be at most {MAX_BODY_BYTES} bytes"),
    )))
}

fn convert(response: http::Response<lambda_http::Body>) -> DevResponse {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        lambda_http::Body::Text(text) => Bytes::from(text),
        lambda_http::Body::Binary(data) => Bytes::from(data),
        _ => Bytes::new(),
    };
    hyper::Response::from_parts(parts, Full::new(bytes))
}
