//! Queue adapters behind [`crate::ports::Publisher`].

#[cfg(feature = "sqs")]
pub mod sqs;
