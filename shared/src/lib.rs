//! Stockroom: the library behind every Lambda function, the dev server and
//! the tools. Ports and adapters: the domain knows nothing of AWS or HTTP,
//! the use cases talk to small traits, and each entry point is a thin shell.
//!
//! A request or message travels through these modules, outside in:
//!
//! * [`lambda`]: the entry points. A function's `main` is one call to
//!   [`lambda::run_http`], [`lambda::run_sqs`] or [`lambda::run_job`] with
//!   its row of the function table ([`functions`]: routes, queues consumed
//!   and published, mail, token secret, schedule), which reads [`config`]
//!   once for that function, builds the [`app::App`] through [`wiring`] and
//!   serves events until the process is frozen.
//! * [`http`]: API Gateway (payload 2.0) requests: the route table, bearer
//!   authentication ([`auth`]), request parsing, the one `ApiError` to
//!   response mapping, and the OpenAPI document. [`views`] are the JSON
//!   shapes answered.
//! * [`consumers`]: SQS batches (orders, SP-API notifications, reorders),
//!   reporting partial batch failures; each parses a message (SP-API
//!   envelopes in `consumers::notifications`, our own [`messages`]) and
//!   calls one use case.
//! * [`assistant`]: the inventory assistant, a language model that answers
//!   an admin's questions through six read-only tools (its own edge, like
//!   [`http`]: each tool parses, calls one use case and renders a view).
//! * [`jobs`]: scheduled work (stock checks, order recovery, demand
//!   forecasts), each one use case and a summary.
//! * [`app`]: the use cases (place, process and cancel orders, adjust stock,
//!   apply notifications, raise, approve and mail reorders, forecast
//!   demand), on [`domain`] types that cannot hold invalid values;
//!   [`forecast`] holds the pure forecasting methods.
//! * [`ports`]: the traits the use cases need: stores, a queue publisher, a
//!   mailer, Amazon's SP-API. Adapters live in [`store`] (memory, DynamoDB, MongoDB, and the
//!   contract suite they all pass), [`queue`] (SQS and an in-process
//!   stand-in) and [`mail`] (SES v2 and an outbox) and `amazon` (SP-API over
//!   HTTPS, feature `amazon`). Every adapter that
//!   retries on its own backs off under one [`retry::RetryPolicy`].
//! * [`telemetry`]: flat JSON logs stamped with the invocation's scope
//!   (function, request id, cold start, correlation id, X-Ray trace id);
//!   errors are logged once, at the edge, with their cause chain.
//!   [`metrics`]: business metrics in CloudWatch EMF, recorded at the
//!   entry points and written when the invocation ends. [`aws`]: the SDK configuration, shaped for
//!   cold starts.

#[cfg(feature = "amazon")]
pub mod amazon;
pub mod app;
pub mod assistant;
pub mod auth;
#[cfg(feature = "aws")]
pub mod aws;
pub mod config;
pub mod consumers;
pub mod domain;
pub mod forecast;
pub mod functions;
pub mod http;
pub mod jobs;
pub mod lambda;
pub mod mail;
pub mod messages;
pub mod metrics;
pub mod ports;
pub mod queue;
pub mod retry;
pub mod store;
pub mod telemetry;
pub mod views;
pub mod wiring;
