//! The embedded store: everything in one process, behind one mutex.
//!
//! One lock makes every multi-item operation (placing an order, a cancel
//! with its stock release) trivially atomic, which is exactly the guarantee
//! the real backends provide with transactions. The lock is never held
//! across an `.await`.

mod accounts;
mod attempts;
mod forecasts;
mod listings;
mod orders;
mod procurement;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};

use chrono::NaiveDate;

use crate::domain::{
    Customer, CustomerId, Listing, Order, OrderId, Reorder, ReorderId, Sku, Supplier, SupplierId,
    Username,
};
use crate::ports::{AttemptWindow, ForecastRecord, IdempotencyRecord};

#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    listings: BTreeMap<Sku, Listing>,
    orders: BTreeMap<OrderId, Order>,
    /// (customer, order) pairs, for a customer's history without a scan.
    orders_by_customer: BTreeSet<(CustomerId, OrderId)>,
    idempotency: HashMap<(CustomerId, String), IdempotencyRecord>,
    customers: HashMap<CustomerId, Customer>,
    usernames: HashMap<Username, CustomerId>,
    suppliers: BTreeMap<SupplierId, Supplier>,
    reorders: BTreeMap<ReorderId, Reorder>,
    open_reorders: HashMap<Sku, ReorderId>,
    sales: BTreeMap<(Sku, NaiveDate), u64>,
    forecasts: HashMap<Sku, ForecastRecord>,
    /// Attempt windows by key; an ended one is replaced on the next attempt.
    attempts: HashMap<String, AttemptWindow>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-applied change:
        // every operation validates first and mutates last.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Takes up to `limit` items after the cursor position from an ordered
/// iterator, returning the page and the position to continue from.
fn take_page<T, K>(
    iter: impl Iterator<Item = T>,
    limit: usize,
    key: impl Fn(&T) -> K,
) -> (Vec<T>, Option<K>) {
    let mut items = Vec::with_capacity(limit.min(100));
    let mut iter = iter.peekable();
    while items.len() < limit {
        match iter.next() {
            Some(item) => items.push(item),
            None => return (items, None),
        }
    }
    let next = if iter.peek().is_some() {
        items.last().map(&key)
    } else {
        None
    };
    (items, next)
}
