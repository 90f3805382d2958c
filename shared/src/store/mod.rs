//! Store adapters behind the [`crate::ports::Store`] traits. The contract
//! suite every adapter must pass is test code: `shared/tests/suite/contract`.

pub mod memory;

#[cfg(feature = "dynamodb")]
pub mod dynamodb;

#[cfg(feature = "mongodb")]
pub mod mongodb;

pub use memory::MemoryStore;
