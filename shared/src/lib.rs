//! Stockroom library crate (work in progress).

pub mod forecast;
