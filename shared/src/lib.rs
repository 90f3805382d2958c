//! Stockroom library crate (work in progress).

pub mod domain;
pub mod forecast;
pub mod mail;
pub mod ports;
pub mod queue;
pub mod store;
