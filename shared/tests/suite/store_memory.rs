//! The store contract on the embedded memory store.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on failure by design

use std::sync::Arc;

use stockroom::ports::Store;
use stockroom::store::MemoryStore;

use crate::contract::contract_suite;

contract_suite!(
    store: async { Arc::new(MemoryStore::new()) as Arc<dyn Store> },
    racers: 200,
    excluded: {},
);
