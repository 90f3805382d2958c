//! Attempt counters: a fixed window per key, opened by its first attempt,
//! replaced once it has ended, never shared between keys, and counting
//! every one of many racing attempts.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use stockroom::ports::Store;

use super::fixtures::*;

const WINDOW: Duration = Duration::from_secs(900);

/// A whole-millisecond instant (MongoDB stores milliseconds).
fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_900_000_000 + seconds, 0).unwrap()
}

pub async fn attempts_count_within_a_window_per_key(store: Arc<dyn Store>) {
    let (key, other) = (unique("login:a"), unique("login:b"));
    assert_eq!(store.attempts(&key, at(0)).await.unwrap(), None);

    let first = store.record_attempt(&key, WINDOW, at(0)).await.unwrap();
    assert_eq!(first.count, 1);
    assert_eq!(
        first.ends_at,
        at(900),
        "the window opens at the first attempt"
    );
    let second = store.record_attempt(&key, WINDOW, at(899)).await.unwrap();
    assert_eq!((second.count, second.ends_at), (2, at(900)));
    let seen = store.attempts(&key, at(899)).await.unwrap().unwrap();
    assert_eq!((seen.count, seen.ends_at), (2, at(900)));

    // Another key has its own window.
    assert_eq!(store.attempts(&other, at(10)).await.unwrap(), None);
    let apart = store.record_attempt(&other, WINDOW, at(10)).await.unwrap();
    assert_eq!((apart.count, apart.ends_at), (1, at(910)));
    assert_eq!(
        store.attempts(&key, at(10)).await.unwrap().unwrap().count,
        2
    );

    // At its end the window is gone, and the next attempt opens a new one.
    assert_eq!(store.attempts(&key, at(900)).await.unwrap(), None);
    let fresh = store.record_attempt(&key, WINDOW, at(900)).await.unwrap();
    assert_eq!((fresh.count, fresh.ends_at), (1, at(1800)));

    // Clearing forgets one key only.
    store.clear_attempts(&key).await.unwrap();
    assert_eq!(store.attempts(&key, at(901)).await.unwrap(), None);
    assert_eq!(
        store
            .attempts(&other, at(901))
            .await
            .unwrap()
            .unwrap()
            .count,
        1
    );
    store.clear_attempts(&key).await.unwrap();
}

pub async fn racing_attempts_are_all_counted(store: Arc<dyn Store>, racers: usize) {
    let key = unique("register:");
    let tasks: Vec<_> = (0..racers)
        .map(|_| {
            let (store, key) = (store.clone(), key.clone());
            tokio::spawn(async move { store.record_attempt(&key, WINDOW, at(0)).await.unwrap() })
        })
        .collect();
    let mut counts = HashSet::new();
    for task in tasks {
        let window = task.await.unwrap();
        assert_eq!(window.ends_at, at(900), "one window for all");
        counts.insert(window.count);
    }
    let expected: HashSet<u32> = (1..=racers as u32).collect();
    assert_eq!(counts, expected, "each attempt counted once");
}
