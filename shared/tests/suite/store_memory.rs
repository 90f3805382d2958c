//! The store contract on the embedded memory store.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on failure by design

use std::sync::Arc;

use stockroom::ports::Store;
use stockroom::store::MemoryStore;

stockroom::store_contract_tests!(
    async { Arc::new(MemoryStore::new()) as Arc<dyn Store> },
    200
);
