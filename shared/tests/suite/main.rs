//! Every integration test of the `stockroom` crate, in one test binary (one
//! link of the AWS SDKs and the MongoDB driver instead of one per file).
//!
//! - [`support`]: shared helpers (an app on the memory store, tokens,
//!   events from `events/`, endpoints of the local servers).
//! - [`contract`]: the store contract, one registry of cases that every
//!   store adapter runs ([`store_memory`] here, the others in [`backend`]).
//! - Handler suites on the memory store: `http_*`, [`assistant`] (with a
//!   scripted model server), [`consumers`], [`mcf_orders`], [`reorders`],
//!   [`reorder_mail`], [`notification_order`], [`demand_forecast`],
//!   [`observability`] (logs, correlation and metrics of one order's life).
//! - [`openapi_contract`]: the OpenAPI document against the route table
//!   and the parsers (statuses, patterns, links).
//! - Pure checks: [`forecast_backtest`], [`deployment`] (the SAM template
//!   against the code), [`layout`] (each crate's integration tests stay
//!   this one binary: Cargo discovers `tests/suite/main.rs` by itself, and
//!   would make any file put beside it a binary of its own).
//! - Adapters against recorded responses or a closed port:
//!   [`store_dynamodb_mocked`], [`sqs_mocked`], [`unreachable`].
//! - [`backend`]: everything that needs a local server (moto, dynalite,
//!   SecantusDB, `cargo lambda watch`). Those tests fail loudly without
//!   their server's endpoint; `--skip backend::` leaves them out, which is
//!   what `SKIP_BACKENDS=1 scripts/test` runs.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests panic on failure by design

mod backend;
mod contract;
mod support;

#[cfg(feature = "assistant")]
mod assistant;
mod consumers;
mod demand_forecast;
mod deployment;
mod forecast_backtest;
mod forecast_calibration;
mod http_admin;
mod http_auth;
mod http_bad_input;
mod http_hardening;
mod http_listings;
mod http_orders;
mod http_shop_view;
mod layout;
mod mcf_orders;
mod notification_order;
mod observability;
mod openapi_contract;
mod reorder_mail;
mod reorders;
#[cfg(feature = "sqs")]
mod sqs_mocked;
#[cfg(feature = "dynamodb")]
mod store_dynamodb_mocked;
mod store_memory;
#[cfg(all(feature = "sqs", feature = "ses"))]
mod unreachable;
