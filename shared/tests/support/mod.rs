//! Helpers shared by the integration tests that need local servers.
#![allow(dead_code)]

#[cfg(feature = "dynamodb")]
pub mod dynamo;

/// A server's endpoint from `var`, or a loud failure that says how to get
/// one (the tests never pass silently without their server).
pub fn endpoint(var: &str, server: &str) -> String {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "{var} is not set. These tests need the {server} server: run them through `scripts/test`, \
             or start it with `scripts/servers start {server}` and `eval \"$(scripts/servers env {server})\"`."
        ),
    }
}
