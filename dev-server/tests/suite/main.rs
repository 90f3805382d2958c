//! Every integration test of the dev server, in one test binary: real HTTP
//! against a dev server started in-process ([`common`]), on the store named
//! by `STORE` (memory by default). `scripts/test` runs this suite again on
//! DynamoDB and MongoDB, with the ignored [`outage`] test included.
//! [`observability`] runs the `stockroom-dev` binary itself with JSON logs.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests panic on failure by design

mod common;

mod async_flows;
mod concurrency;
mod console;
mod observability;
mod outage;
