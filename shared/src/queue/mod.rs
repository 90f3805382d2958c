//! Queue adapters behind [`crate::ports::Publisher`].

pub mod memory;

#[cfg(feature = "sqs")]
pub mod sqs;

pub use memory::{Consumer, DeadLetter, MemoryQueues, QueueSettings};
