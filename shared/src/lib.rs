//! Stockroom library crate (work in progress).

pub mod domain;
pub mod forecast;
pub mod ports;
pub mod store;
