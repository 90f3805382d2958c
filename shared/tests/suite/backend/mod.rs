//! Tests that need a local server, each failing loudly when its endpoint
//! variable is not set (see `support::endpoint`): start the servers with
//! `scripts/servers`, or let `scripts/test` do it.

#[cfg(all(feature = "dynamodb", feature = "sqs", feature = "ses"))]
mod invoke_all;
#[cfg(feature = "amazon")]
mod spapi;
#[cfg(all(feature = "sqs", feature = "ses"))]
mod sqs_ses;
#[cfg(feature = "dynamodb")]
mod store_dynalite;
#[cfg(feature = "dynamodb")]
mod store_dynamodb;
#[cfg(feature = "mongodb")]
mod store_mongodb;
