//! A stand-in for the Lambda Runtime API on 127.0.0.1: the four calls a
//! function makes (`/next`, `/response`, `/error` and `/init/error`), for one
//! function process at a time.
//!
//! Each run is armed with the event to hand out (or none, to time init
//! only). The stub records when the process first asks for an event and
//! when it posts its response; the runner waits on those through a
//! `watch` channel. A second `/next` (the process is ready for more) is
//! held open and never answered: the runner kills the process first.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

const PREFIX: &str = "/2018-06-01/runtime";
/// How long a second `/next` is held; far longer than any run.
const HOLD: Duration = Duration::from_secs(120);

/// What the stub saw of the current run.
#[derive(Debug, Default, Clone)]
pub struct RunState {
    /// Request id of the event handed out in this run.
    pub request_id: String,
    /// The event to hand out; `None` holds even the first `/next`.
    pub event: Option<Bytes>,
    pub event_served: bool,
    pub next_at: Option<Instant>,
    pub response_at: Option<Instant>,
    pub response: Option<Bytes>,
    /// A call that means the run failed: `/error`, `/init/error`, or a call
    /// the stub does not know.
    pub failure: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RuntimeApi {
    addr: SocketAddr,
    state: Arc<watch::Sender<RunState>>,
}

impl RuntimeApi {
    /// Binds a free loopback port and serves it on the current runtime.
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(watch::Sender::new(RunState::default()));
        let serving = state.clone();
        tokio::spawn(async move {
            // Accept errors (e.g. out of descriptors) end nothing: the run
            // that needed the connection times out and says so.
            while let Ok((stream, _)) = listener.accept().await {
                let state = serving.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(state.clone(), req));
                    // A killed function resets its connection: not an error.
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(RuntimeApi { addr, state })
    }

    /// `AWS_LAMBDA_RUNTIME_API` for the function.
    pub fn host_port(&self) -> String {
        self.addr.to_string()
    }

    /// Starts a new run and returns a receiver of its state.
    pub fn arm(&self, request_id: String, event: Option<Bytes>) -> watch::Receiver<RunState> {
        self.state.send_replace(RunState {
            request_id,
            event,
            ..RunState::default()
        });
        self.state.subscribe()
    }
}

async fn handle(
    state: Arc<watch::Sender<RunState>>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let now = Instant::now();
    let path = req.uri().path().to_owned();
    let Some(call) = path.strip_prefix(PREFIX) else {
        return Ok(unexpected(&state, req.method(), &path));
    };
    if req.method() == Method::GET && call == "/invocation/next" {
        return Ok(next(&state, now).await);
    }
    if req.method() != Method::POST {
        return Ok(unexpected(&state, req.method(), &path));
    }
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let current = state.borrow().request_id.clone();
    let invocation = call
        .strip_prefix("/invocation/")
        .and_then(|rest| rest.split_once('/'));
    match invocation {
        Some((id, "response")) if id == current => state.send_modify(|run| {
            run.response_at.get_or_insert(now);
            run.response.get_or_insert(body);
        }),
        _ => {
            // `/init/error`, `/invocation/{id}/error`, or a stale id.
            let text = String::from_utf8_lossy(&body).into_owned();
            state.send_modify(|run| {
                run.failure
                    .get_or_insert_with(|| format!("POST {path}: {text}"));
            });
        }
    }
    Ok(reply(StatusCode::ACCEPTED, Bytes::new(), &[]))
}

async fn next(state: &watch::Sender<RunState>, now: Instant) -> Response<Full<Bytes>> {
    let mut handout = None;
    state.send_modify(|run| {
        run.next_at.get_or_insert(now);
        if !run.event_served
            && let Some(event) = &run.event
        {
            run.event_served = true;
            handout = Some((run.request_id.clone(), event.clone()));
        }
    });
    let Some((request_id, event)) = handout else {
        tokio::time::sleep(HOLD).await;
        return reply(StatusCode::GONE, Bytes::new(), &[]);
    };
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() + 30_000)
        .unwrap_or_default()
        .to_string();
    reply(
        StatusCode::OK,
        event,
        &[
            ("content-type", "application/json"),
            ("lambda-runtime-aws-request-id", &request_id),
            ("lambda-runtime-deadline-ms", &deadline),
            (
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:000000000000:function:bench",
            ),
            (
                "lambda-runtime-trace-id",
                "Root=1-00000000-000000000000000000000000",
            ),
        ],
    )
}

fn unexpected(
    state: &watch::Sender<RunState>,
    method: &Method,
    path: &str,
) -> Response<Full<Bytes>> {
    state.send_modify(|run| {
        run.failure
            .get_or_insert_with(|| format!("unexpected call {method} {path}"));
    });
    reply(StatusCode::NOT_FOUND, Bytes::new(), &[])
}

fn reply(status: StatusCode, body: Bytes, headers: &[(&str, &str)]) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_str(value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}
