//! Store adapters behind the [`crate::ports::Store`] traits, and the
//! contract suite every adapter must pass.

pub mod memory;

#[cfg(feature = "dynamodb")]
pub mod dynamodb;

#[cfg(feature = "mongodb")]
pub mod mongodb;

#[doc(hidden)]
pub mod contract;

pub use memory::MemoryStore;
