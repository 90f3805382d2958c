//! SQS publisher.
//!
//! Bodies go out with `SendMessageBatch`, ten per call (the SQS maximum).
//! A batch call can succeed while some entries fail: entries the service
//! failed (`SenderFault = false`: throttling, internal errors) are sent
//! again under [`ENTRY_RETRY`]; entries it
//! refused (`SenderFault = true`: too large, invalid characters) are never
//! retried and are reported as `PublishError::Rejected` once every other
//! batch has been sent. Call-level failures after the SDK's own retries
//! are `Unavailable` when transient and `Rejected` otherwise.
//!
//! Each message carries the publisher's correlation id as the message
//! attribute `correlation_id` and its X-Ray trace header as the
//! `AWSTraceHeader` system attribute ([`Propagation`]), so that the
//! consumer logs the same correlation id and Lambda joins its invocation
//! to the publisher's trace.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::config::retry::RetryConfig;
use aws_sdk_sqs::config::timeout::TimeoutConfig;
use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::types::{
    MessageAttributeValue, MessageSystemAttributeNameForSends, MessageSystemAttributeValue,
    QueueAttributeName, SendMessageBatchRequestEntry,
};

use crate::ports::{
    BoxError, CORRELATION_ATTRIBUTE, Propagation, PublishError, PublishQueue, Publisher,
};
use crate::retry::RetryPolicy;

pub use super::QueueUrls;

/// SQS takes at most ten entries per batch.
pub const BATCH_SIZE: usize = 10;
/// Sends of one batch while some of its entries fail transiently: four,
/// with full jitter over a ceiling from 50 ms doubling up to 800 ms.
pub const ENTRY_RETRY: RetryPolicy =
    RetryPolicy::attempts(4, Duration::from_millis(50), Duration::from_millis(800));

/// Applies the retry (standard, 3 attempts) and timeout policy
/// (connect 1 s, attempt 3 s, call 8 s) to an SQS client config.
pub fn configure(builder: aws_sdk_sqs::config::Builder) -> aws_sdk_sqs::config::Builder {
    builder
        .retry_config(RetryConfig::standard().with_max_attempts(3))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(1))
                .operation_attempt_timeout(Duration::from_secs(3))
                .operation_timeout(Duration::from_secs(8))
                .build(),
        )
}

/// An SQS client from the shared SDK config (honours `AWS_ENDPOINT_URL_SQS`).
pub fn client(sdk: &aws_config::SdkConfig) -> Client {
    Client::from_conf(configure(aws_sdk_sqs::config::Builder::from(sdk)).build())
}

/// Entries that failed, as `code: message` per entry.
#[derive(Debug, thiserror::Error)]
#[error("SQS refused {}: {}", .0.len(), .0.join("; "))]
pub struct EntriesFailed(pub Vec<String>);

/// A failed SQS call.
#[derive(Debug, thiserror::Error)]
#[error("SQS {operation} failed")]
pub struct CallFailed {
    operation: &'static str,
    #[source]
    source: BoxError,
}

fn is_transient<E: ProvideErrorMetadata>(err: &SdkError<E>) -> bool {
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => true,
        SdkError::ResponseError(ctx) => ctx.raw().status().is_server_error(),
        SdkError::ServiceError(ctx) => {
            ctx.raw().status().is_server_error()
                || matches!(
                    ctx.err().code(),
                    Some(
                        "RequestThrottled"
                            | "ThrottlingException"
                            | "KmsThrottled"
                            | "ServiceUnavailable"
                            | "InternalError"
                    )
                )
        }
        _ => false,
    }
}

fn call_failed<E>(operation: &'static str, err: SdkError<E>) -> (bool, CallFailed)
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let transient = is_transient(&err);
    (
        transient,
        CallFailed {
            operation,
            source: Box::new(err),
        },
    )
}

/// Publishes to SQS. Cheap to clone; build once per cold start.
#[derive(Debug, Clone)]
pub struct SqsPublisher {
    client: Client,
    urls: QueueUrls,
}

impl SqsPublisher {
    /// Makes no network call.
    pub fn new(client: Client, urls: QueueUrls) -> Self {
        Self { client, urls }
    }

    /// Sends one batch; returns the bodies SQS refused for good.
    async fn send_batch(
        &self,
        queue: PublishQueue,
        url: &str,
        bodies: &[String],
        propagation: &Propagation,
    ) -> Result<Vec<String>, PublishError> {
        let attributes = attributes(propagation)?;
        // A FIFO queue needs a group and a deduplication id per message;
        // the id is fixed before the first attempt, so an entry sent again
        // after a transient failure is still one message.
        let fifo: Vec<Option<(String, String)>> = bodies
            .iter()
            .map(|body| {
                queue
                    .message_group(body)
                    .map(|group| (group, uuid::Uuid::new_v4().to_string()))
            })
            .collect();
        let mut pending: Vec<(usize, &String)> = bodies.iter().enumerate().collect();
        let mut refused = Vec::new();
        let mut attempts = ENTRY_RETRY.start();
        loop {
            let entries = pending
                .iter()
                .map(|(i, body)| {
                    let (group, dedup) = fifo[*i].clone().unzip();
                    SendMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .message_body(body.as_str())
                        .set_message_group_id(group)
                        .set_message_deduplication_id(dedup)
                        .set_message_attributes(attributes.0.clone())
                        .set_message_system_attributes(attributes.1.clone())
                        .build()
                        .map_err(|e| PublishError::Rejected {
                            failed: 1,
                            source: Box::new(e),
                        })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let out = self
                .client
                .send_message_batch()
                .queue_url(url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| match call_failed("SendMessageBatch", e) {
                    (true, err) => PublishError::Unavailable(Box::new(err)),
                    (false, err) => PublishError::Rejected {
                        failed: pending.len(),
                        source: Box::new(err),
                    },
                })?;
            let mut retry = Vec::new();
            for failure in out.failed() {
                let Some(&(i, body)) = pending.iter().find(|(i, _)| i.to_string() == failure.id())
                else {
                    continue;
                };
                if failure.sender_fault() {
                    refused.push(format!(
                        "{}: {}",
                        failure.code(),
                        failure.message().unwrap_or_default()
                    ));
                } else {
                    retry.push((i, body));
                }
            }
            if retry.is_empty() {
                return Ok(refused);
            }
            pending = retry;
            if !attempts.wait().await {
                return Err(PublishError::Unavailable(Box::new(EntriesFailed(vec![
                    format!(
                        "{} message(s) still failing after {} attempts",
                        pending.len(),
                        attempts.made()
                    ),
                ]))));
            }
        }
    }
}

type Attributes = (
    Option<std::collections::HashMap<String, MessageAttributeValue>>,
    Option<
        std::collections::HashMap<MessageSystemAttributeNameForSends, MessageSystemAttributeValue>,
    >,
);

/// The message and system attributes that carry `propagation`.
fn attributes(propagation: &Propagation) -> Result<Attributes, PublishError> {
    let refused = |e: aws_sdk_sqs::error::BuildError| PublishError::Rejected {
        failed: 1,
        source: Box::new(e),
    };
    let message = match &propagation.correlation_id {
        Some(id) => Some(std::collections::HashMap::from([(
            CORRELATION_ATTRIBUTE.to_owned(),
            MessageAttributeValue::builder()
                .data_type("String")
                .string_value(id)
                .build()
                .map_err(refused)?,
        )])),
        None => None,
    };
    let system = match &propagation.trace_header {
        Some(header) => Some(std::collections::HashMap::from([(
            MessageSystemAttributeNameForSends::AwsTraceHeader,
            MessageSystemAttributeValue::builder()
                .data_type("String")
                .string_value(header)
                .build()
                .map_err(refused)?,
        )])),
        None => None,
    };
    Ok((message, system))
}

#[async_trait]
impl Publisher for SqsPublisher {
    async fn publish(&self, queue: PublishQueue, bodies: &[String]) -> Result<(), PublishError> {
        self.publish_with(queue, bodies, &Propagation::default())
            .await
    }

    async fn publish_with(
        &self,
        queue: PublishQueue,
        bodies: &[String],
        propagation: &Propagation,
    ) -> Result<(), PublishError> {
        let url = self
            .urls
            .get(queue)
            .ok_or(PublishError::NotConfigured(queue))?;
        let mut refused = Vec::new();
        for batch in bodies.chunks(BATCH_SIZE) {
            refused.extend(self.send_batch(queue, url, batch, propagation).await?);
        }
        if refused.is_empty() {
            Ok(())
        } else {
            Err(PublishError::Rejected {
                failed: refused.len(),
                source: Box::new(EntriesFailed(refused)),
            })
        }
    }
}

/// A queue could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("could not set up queue {name}")]
pub struct QueueSetupError {
    name: String,
    #[source]
    source: BoxError,
}

/// Creates (or finds) queue `name` with a dead-letter queue `name-dlq`
/// that receives a message after `max_receives` failed receives, and
/// returns the queue's URL. A name ending in `.fifo` makes both FIFO
/// queues (the dead-letter queue `stem-dlq.fifo`). For local setup and
/// tests; idempotent.
pub async fn create_queue_with_dlq(
    client: &Client,
    name: &str,
    max_receives: u32,
) -> Result<String, QueueSetupError> {
    let fail = |source: BoxError| QueueSetupError {
        name: name.to_owned(),
        source,
    };
    let (stem, fifo) = match name.strip_suffix(".fifo") {
        Some(stem) => (stem, true),
        None => (name, false),
    };
    let fifo_attributes = || {
        fifo.then(|| {
            std::collections::HashMap::from([(QueueAttributeName::FifoQueue, "true".to_owned())])
        })
    };
    let dlq = client
        .create_queue()
        .queue_name(format!("{stem}-dlq{}", if fifo { ".fifo" } else { "" }))
        .set_attributes(fifo_attributes())
        .send()
        .await
        .map_err(|e| fail(Box::new(e)))?;
    let dlq_url = dlq
        .queue_url()
        .ok_or_else(|| fail("CreateQueue returned no URL".into()))?;
    let attrs = client
        .get_queue_attributes()
        .queue_url(dlq_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| fail(Box::new(e)))?;
    let dlq_arn = attrs
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn))
        .ok_or_else(|| fail("the dead-letter queue has no ARN".into()))?;
    let redrive = serde_json::json!({
        "deadLetterTargetArn": dlq_arn,
        "maxReceiveCount": max_receives.to_string(),
    });
    let queue = client
        .create_queue()
        .queue_name(name)
        .set_attributes(fifo_attributes())
        .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
        .send()
        .await
        .map_err(|e| fail(Box::new(e)))?;
    queue
        .queue_url()
        .map(str::to_owned)
        .ok_or_else(|| fail("CreateQueue returned no URL".into()))
}
