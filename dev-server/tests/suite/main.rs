//! Every integration test of the dev server, in one test binary: real HTTP
//! against a dev server started in-process ([`common`]), on the store named
//! by `STORE` (memory by default). `scripts/test` runs this suite again on
//! DynamoDB and MongoDB, with the ignored [`outage`] test included.
//! [`backend`] holds what needs local servers whatever `STORE` says (the
//! crash test); `scripts/test` runs it in a step of its own.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests panic on failure by design

mod backend;
mod common;

mod async_flows;
mod concurrency;
mod console;
mod outage;
