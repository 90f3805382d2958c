//! Store adapters behind the [`crate::ports::Store`] traits, and the
//! contract suite every adapter must pass.

pub mod memory;

#[doc(hidden)]
pub mod contract;


pub use memory::MemoryStore;
