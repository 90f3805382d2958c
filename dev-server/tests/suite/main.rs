//! Every integration test of the dev server, in one test binary: real HTTP
//! against a dev server started in-process ([`common`]), on the store named
//! by `STORE` (memory by default). `scripts/test` runs this suite again on
//! DynamoDB and MongoDB, with the ignored [`outage`] test included.
//! [`backend`] holds the tests that also need the SP-API stand-in, and the
//! crash test. [`observability`] runs the `stockroom-dev` binary itself
//! with JSON logs.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests panic on failure by design

mod backend;
mod common;

mod async_flows;
mod concurrency;
mod console;
mod hardening;
mod observability;
mod outage;
mod reorder_mail;
