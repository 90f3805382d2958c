//! Queue adapters behind [`crate::ports::Publisher`]: SQS ([`sqs`]) and the
//! dev server's in-process queues ([`memory`]), and the queue URLs a
//! deployment publishes to.

use std::collections::BTreeMap;

use crate::ports::PublishQueue;

pub mod memory;

#[cfg(feature = "sqs")]
pub mod sqs;

pub use memory::{Consumer, DeadLetter, MemoryQueues, QueueSettings};

/// The queue URL of each queue this deployment publishes to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueUrls(BTreeMap<PublishQueue, String>);

impl QueueUrls {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the URL of `queue`.
    pub fn with(mut self, queue: PublishQueue, url: impl Into<String>) -> Self {
        self.0.insert(queue, url.into());
        self
    }

    pub fn get(&self, queue: PublishQueue) -> Option<&str> {
        self.0.get(&queue).map(String::as_str)
    }
}
