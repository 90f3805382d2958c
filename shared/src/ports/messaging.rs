//! Queues and mail: the queue names, the publisher and mailer ports.

use std::fmt;

use async_trait::async_trait;

use super::BoxError;

/// The queues Stockroom publishes to (and consumes itself): the only ones
/// a [`Publisher`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PublishQueue {
    /// OrderPlaced messages, consumed by `order-processor`.
    Orders,
    /// Reorders to mail, consumed by `reorder-mailer`.
    Reorders,
    /// `{"sku"}` of an `amazon_mfn` listing whose stock or price changed,
    /// consumed by `amazon-sync`. A FIFO queue grouped by SKU (see
    /// [`PublishQueue::message_group`]).
    AmazonSync,
}

impl PublishQueue {
    pub const ALL: [PublishQueue; 3] = [
        PublishQueue::Orders,
        PublishQueue::Reorders,
        PublishQueue::AmazonSync,
    ];

    pub fn as_str(self) -> &'static str {
        QueueName::from(self).as_str()
    }

    /// The variable that holds the queue's URL in a deployment.
    pub fn url_variable(self) -> &'static str {
        match self {
            PublishQueue::Orders => "ORDERS_QUEUE_URL",
            PublishQueue::Reorders => "REORDERS_QUEUE_URL",
            PublishQueue::AmazonSync => "AMAZON_SYNC_QUEUE_URL",
        }
    }

    /// For a FIFO queue, the message group of `body`; `None` for a
    /// standard queue.
    ///
    /// `amazon-sync` is FIFO, grouped by SKU: SQS hands out a group's
    /// messages one batch at a time, so two pushes of the same SKU never
    /// run at once and Amazon receives them in the order they read the
    /// listing: the last push carries the latest state. SKUs still sync in
    /// parallel. (A standard queue could run two pushes of one SKU at once
    /// and land the older count last.) A body without a SKU gets a group of
    /// its own, to fail alone in the consumer.
    pub fn message_group(self, body: &str) -> Option<String> {
        match self {
            PublishQueue::AmazonSync => Some(
                serde_json::from_str::<serde_json::Value>(body)
                    .ok()
                    .and_then(|v| v.get("sku")?.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "-".to_owned()),
            ),
            PublishQueue::Orders | PublishQueue::Reorders => None,
        }
    }
}

/// The queues Amazon feeds (SP-API notifications) and Stockroom only
/// consumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InboundQueue {
    /// SP-API LISTINGS_ITEM_STATUS_CHANGE, consumed by `listing-notifications`.
    ListingStatus,
    /// SP-API LISTINGS_ITEM_MFN_QUANTITY_CHANGE, consumed by `listing-notifications`.
    ListingQuantity,
    /// SP-API FULFILLMENT_ORDER_STATUS, consumed by `fulfillment-notifications`.
    FulfillmentStatus,
}

impl InboundQueue {
    pub const ALL: [InboundQueue; 3] = [
        InboundQueue::ListingStatus,
        InboundQueue::ListingQuantity,
        InboundQueue::FulfillmentStatus,
    ];

    pub fn as_str(self) -> &'static str {
        QueueName::from(self).as_str()
    }
}

/// Any queue of a deployment, published or inbound: what a consumer reads
/// and what the dev server's in-process queues hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QueueName {
    Orders,
    Reorders,
    ListingStatus,
    ListingQuantity,
    FulfillmentStatus,
    AmazonSync,
}

impl QueueName {
    pub const ALL: [QueueName; 6] = [
        QueueName::Orders,
        QueueName::Reorders,
        QueueName::AmazonSync,
        QueueName::ListingStatus,
        QueueName::ListingQuantity,
        QueueName::FulfillmentStatus,
    ];

    /// The name used in routes (`/_dev/queues/{queue}`) and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            QueueName::Orders => "orders",
            QueueName::Reorders => "reorders",
            QueueName::ListingStatus => "listing-status",
            QueueName::ListingQuantity => "listing-quantity",
            QueueName::FulfillmentStatus => "fulfillment-status",
            QueueName::AmazonSync => "amazon-sync",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|q| q.as_str() == raw)
    }

    /// The queue as one Stockroom publishes to, if it is one.
    pub fn published(self) -> Option<PublishQueue> {
        PublishQueue::ALL
            .into_iter()
            .find(|q| QueueName::from(*q) == self)
    }

    /// The queue as one Amazon feeds, if it is one.
    pub fn inbound(self) -> Option<InboundQueue> {
        InboundQueue::ALL
            .into_iter()
            .find(|q| QueueName::from(*q) == self)
    }
}

impl From<PublishQueue> for QueueName {
    fn from(queue: PublishQueue) -> Self {
        match queue {
            PublishQueue::Orders => QueueName::Orders,
            PublishQueue::Reorders => QueueName::Reorders,
            PublishQueue::AmazonSync => QueueName::AmazonSync,
        }
    }
}

impl From<InboundQueue> for QueueName {
    fn from(queue: InboundQueue) -> Self {
        match queue {
            InboundQueue::ListingStatus => QueueName::ListingStatus,
            InboundQueue::ListingQuantity => QueueName::ListingQuantity,
            InboundQueue::FulfillmentStatus => QueueName::FulfillmentStatus,
        }
    }
}

impl fmt::Display for QueueName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for PublishQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for InboundQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The queue service could not be reached or refused after retries.
    #[error("the queue is unavailable")]
    Unavailable(#[source] BoxError),
    /// Some messages were refused for good (e.g. too large); none of these
    /// will succeed on retry.
    #[error("{failed} message(s) were refused by the queue")]
    Rejected {
        failed: usize,
        #[source]
        source: BoxError,
    },
    /// This function was not built to publish to this queue (the function
    /// table does not list it).
    #[error("no queue is configured for {0}")]
    NotConfigured(PublishQueue),
}

/// What travels with a message or a mail besides its content, so that
/// whoever handles it next logs the same correlation id and joins the same
/// X-Ray trace. Taken from the invocation's scope by `App::publish` and
/// `App::send_mail` (`crate::telemetry::propagation`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Propagation {
    /// Carried as the SQS message attribute [`CORRELATION_ATTRIBUTE`] and
    /// the mail header [`CORRELATION_HEADER`].
    pub correlation_id: Option<String>,
    /// The X-Ray trace header, carried as SQS's `AWSTraceHeader` system
    /// attribute.
    pub trace_header: Option<String>,
}

/// The SQS message attribute holding the correlation id.
pub const CORRELATION_ATTRIBUTE: &str = "correlation_id";
/// The SQS system attribute holding the X-Ray trace header.
pub const TRACE_ATTRIBUTE: &str = "AWSTraceHeader";
/// The HTTP request and response header, and the mail header, holding the
/// correlation id.
pub const CORRELATION_HEADER: &str = "x-correlation-id";

/// Sends message bodies to a queue. Implementations batch as the service
/// allows (10 per SQS call) and retry entries that failed transiently.
#[async_trait]
pub trait Publisher: Send + Sync {
    async fn publish(&self, queue: PublishQueue, bodies: &[String]) -> Result<(), PublishError>;

    /// Sends `bodies` carrying `propagation`. Adapters that can carry
    /// attributes override this; the default drops them.
    async fn publish_with(
        &self,
        queue: PublishQueue,
        bodies: &[String],
        propagation: &Propagation,
    ) -> Result<(), PublishError> {
        let _ = propagation;
        self.publish(queue, bodies).await
    }
}

/// A plain-text email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The mail service could not be reached or throttled us after retries.
    #[error("the mail service is unavailable")]
    Unavailable(#[source] BoxError),
    /// The mail service refused this message for good (bad address, unverified sender).
    #[error("the mail service refused the message")]
    Rejected(#[source] BoxError),
}

/// Sends email (SES v2 in Lambda, an outbox in the dev server).
#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, email: &Email) -> Result<(), MailError>;

    /// Sends `email` with the correlation id of `propagation` as its
    /// [`CORRELATION_HEADER`] header. The default drops it.
    async fn send_with(&self, email: &Email, propagation: &Propagation) -> Result<(), MailError> {
        let _ = propagation;
        self.send(email).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_queue_is_published_or_inbound_and_never_both() {
        for queue in QueueName::ALL {
            match (queue.published(), queue.inbound()) {
                (Some(p), None) => assert_eq!(QueueName::from(p), queue),
                (None, Some(i)) => assert_eq!(QueueName::from(i), queue),
                other => panic!("{queue}: {other:?}"),
            }
            assert_eq!(QueueName::parse(queue.as_str()), Some(queue));
        }
        assert_eq!(
            PublishQueue::ALL.len() + InboundQueue::ALL.len(),
            QueueName::ALL.len()
        );
    }
}
