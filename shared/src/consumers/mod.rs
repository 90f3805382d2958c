//! SQS consumers. Each takes a batch as Lambda delivers it and answers
//! which messages failed (`ReportBatchItemFailures`), so that one bad
//! message is retried (and, after the queue's max receives, dead-lettered)
//! without replaying the good ones. No message content can panic them.
//!
//! A consumer is an edge, like an HTTP route: it parses the body (our own
//! [`crate::messages`], or an SP-API envelope through [`notifications`]),
//! calls one use case in [`crate::app`] and says whether the message is
//! done, worth retrying or never going to succeed. The business rules live
//! in the use cases.
//!
//! * [`order_processor`] hands OrderPlaced to `app::orders::process_order`.
//! * [`reorder_mailer`] hands ReorderQueued to `app::reorders::mail`.
//! * [`listing_notifications`], [`fulfillment_notifications`] hand SP-API
//!   notifications to `app::notifications::apply_notification`.
//! * [`amazon_sync`] pushes `amazon_mfn` listings to Amazon
//!   (`app::amazon_sync::sync`), one push per SKU per batch.
//! * [`process_batch`] is the batch loop and partial-failure report they share.
//!
//! Each message is handled in the invocation's scope narrowed to it: its
//! `message_id` and the `correlation_id` its publisher attached (else the
//! message id) are on every line it causes, and its `AWSTraceHeader`
//! travels on with anything it publishes. The loop counts
//! `BatchItemFailures`; each consumer turns its use case's outcome into
//! its own metrics.

pub mod amazon_sync;
pub mod fulfillment_notifications;
pub mod listing_notifications;
pub mod notifications;
pub mod order_processor;
pub mod reorder_mailer;

use std::future::Future;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use futures::StreamExt;
use thiserror::Error;

use crate::app::AppError;
use crate::metrics::{self, Metric};
use crate::ports::{CORRELATION_ATTRIBUTE, TRACE_ATTRIBUTE};
use crate::telemetry::{self, Narrowing};

/// How many messages of a batch are worked on at once.
const CONCURRENCY: usize = 10;

/// Why one message failed.
#[derive(Debug, Error)]
pub enum MessageError {
    /// The message can never succeed (not JSON, unknown type, invalid
    /// payload). Reported as failed, it reaches the dead-letter queue
    /// after the queue's max receives.
    #[error("malformed message: {0}")]
    Malformed(String),
    /// Processing failed; a redelivery may succeed.
    #[error(transparent)]
    Failed(#[from] AppError),
}

/// Runs `handle` over every message of the batch (a few at a time) and
/// reports the ids of those that failed.
pub async fn process_batch<F, Fut>(
    consumer: &'static str,
    event: SqsEvent,
    handle: F,
) -> SqsBatchResponse
where
    F: Fn(SqsMessage) -> Fut,
    Fut: Future<Output = Result<(), MessageError>>,
{
    let outcomes: Vec<(Option<String>, Result<(), MessageError>)> =
        futures::stream::iter(event.records)
            .map(|message| {
                let id = message.message_id.clone();
                let narrowing = narrowing(&message);
                let message_id = id.clone().unwrap_or_default();
                let work = handle(message);
                // Failures are logged inside the message's scope, so the
                // line carries its correlation id like the rest of its trail.
                let fut = telemetry::narrow(narrowing, async move {
                    let outcome = work.await;
                    if let Err(error) = &outcome {
                        log_failure(consumer, &message_id, error);
                    }
                    outcome
                });
                async move { (id, fut.await) }
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
    let mut response = SqsBatchResponse::default();
    let failures = outcomes.iter().filter(|(_, o)| o.is_err()).count();
    metrics::count(Metric::BatchItemFailures, failures as u64);
    for (id, outcome) in outcomes {
        if outcome.is_ok() {
            continue;
        }
        let message_id = id.unwrap_or_default();
        if message_id.is_empty() {
            // Without an id Lambda cannot retry just this message; an
            // empty identifier makes it retry the whole batch, which is
            // safe because every effect is idempotent.
            tracing::error!(consumer, "failed message has no id");
        }
        let mut failure = BatchItemFailure::default();
        failure.item_identifier = message_id;
        response.batch_item_failures.push(failure);
    }
    response
}

fn log_failure(consumer: &'static str, message_id: &str, error: &MessageError) {
    match error {
        MessageError::Malformed(reason) => {
            tracing::error!(consumer, message_id = %message_id, reason = %reason, "malformed message")
        }
        MessageError::Failed(e) if e.is_transient() => {
            tracing::warn!(consumer, message_id = %message_id, error = %crate::telemetry::chain(e), "message failed; will be retried")
        }
        MessageError::Failed(e) => {
            tracing::error!(consumer, message_id = %message_id, error = %crate::telemetry::chain(e), "message failed")
        }
    }
}

/// The scope of one message: its id, and the correlation id and trace
/// header its publisher attached. A message without a correlation id
/// (SP-API notifications) is correlated by its own id.
fn narrowing(message: &SqsMessage) -> Narrowing {
    let message_id = message.message_id.clone().unwrap_or_default();
    let correlation_id = message
        .message_attributes
        .get(CORRELATION_ATTRIBUTE)
        .and_then(|a| a.string_value.as_deref())
        .and_then(telemetry::scope::accept_correlation_id)
        .or_else(|| (!message_id.is_empty()).then(|| message_id.clone()));
    Narrowing {
        correlation_id,
        trace_header: message.attributes.get(TRACE_ATTRIBUTE).cloned(),
        fields: vec![("message_id", message_id)],
    }
}

/// The body of a message, or `Malformed` when it has none.
pub fn body(message: &SqsMessage) -> Result<&str, MessageError> {
    message
        .body
        .as_deref()
        .ok_or_else(|| MessageError::Malformed("the message has no body".into()))
}
