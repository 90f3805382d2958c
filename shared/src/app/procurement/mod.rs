//! Procurement: suppliers and the reorders raised against them.

pub mod reorders;
pub mod suppliers;
