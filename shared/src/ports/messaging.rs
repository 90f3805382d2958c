use std::fmt;

use async_trait::async_trait;

use super::BoxError;

/// The queues Stockroom publishes to or consumes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QueueName {
    /// OrderPlaced messages, consumed by `order-processor`.
    Orders,
    /// Reorders to mail, consumed by `reorder-mailer`.
    Reorders,
    /// SP-API LISTINGS_ITEM_STATUS_CHANGE, consumed by `listing-notifications`.
    ListingStatus,
    /// SP-API LISTINGS_ITEM_MFN_QUANTITY_CHANGE, consumed by `listing-notifications`.
    ListingQuantity,
    /// SP-API FULFILLMENT_ORDER_STATUS, consumed by `fulfillment-notifications`.
    FulfillmentStatus,
}

impl QueueName {
    pub const ALL: [QueueName; 5] = [
        QueueName::Orders,
        QueueName::Reorders,
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
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|q| q.as_str() == raw)
    }
}

impl fmt::Display for QueueName {
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
    /// No queue is configured for this name in this deployment.
    #[error("no queue is configured for {0}")]
    NotConfigured(QueueName),
}

/// Sends message bodies to a queue. Implementations batch as the service
/// allows (10 per SQS call) and retry entries that failed transiently.
#[async_trait]
pub trait Publisher: Send + Sync {
    async fn publish(&self, queue: QueueName, bodies: &[String]) -> Result<(), PublishError>;
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
}
