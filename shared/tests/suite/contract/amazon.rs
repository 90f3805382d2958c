//! `amazon_mfn` listing cases: the flag through edits, and the Amazon
//! state's compare-and-set with its stock change.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};

use super::fixtures::*;
use stockroom::domain::{AmazonPush, AmazonState, Price};
use stockroom::ports::{AmazonStateError, PageRequest, Store};

fn push(quantity: i64, secs: i64) -> AmazonPush {
    AmazonPush {
        quantity,
        price: Price::parse("2.50").unwrap(),
        sent_at: Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap(),
        known: quantity,
        last_event: None,
    }
}

pub async fn amazon_mfn_is_kept_by_edits_that_omit_it(store: Arc<dyn Store>) {
    let name = unique("MFN-");
    let mut d = draft(&name, 3);
    d.amazon_mfn = Some(true);
    store.put_listing(&d, now()).await.unwrap();
    let got = store.get_listing(&sku(&name)).await.unwrap().unwrap();
    assert!(got.amazon_mfn);
    assert_eq!(got.amazon, None);

    d.amazon_mfn = None;
    d.title = stockroom::domain::Title::parse("Renamed").unwrap();
    store.put_listing(&d, now()).await.unwrap();
    let got = store.get_listing(&sku(&name)).await.unwrap().unwrap();
    assert!(got.amazon_mfn, "an edit without the flag keeps it");
    assert_eq!(got.title.as_str(), "Renamed");

    d.amazon_mfn = Some(false);
    store.put_listing(&d, now()).await.unwrap();
    assert!(
        !store
            .get_listing(&sku(&name))
            .await
            .unwrap()
            .unwrap()
            .amazon_mfn
    );

    let plain = unique("MFN-");
    listing(store.as_ref(), &plain, 1).await;
    assert!(
        !store
            .get_listing(&sku(&plain))
            .await
            .unwrap()
            .unwrap()
            .amazon_mfn
    );
}

pub async fn amazon_state_is_written_over_its_revision_with_the_stock(store: Arc<dyn Store>) {
    let name = unique("AMZ-");
    listing(store.as_ref(), &name, 8).await;
    let s = sku(&name);

    let first = AmazonState::default().with_push(push(8, 0));
    let written = store
        .update_amazon_state(&s, 0, &first, 0, now())
        .await
        .unwrap();
    assert_eq!(written.amazon.as_ref(), Some(&first));
    let read = store.get_listing(&s).await.unwrap().unwrap();
    assert_eq!(read.amazon.as_ref(), Some(&first), "the state round-trips");
    assert_eq!(read.amazon_pushed_quantity(), Some(8));
    assert_eq!(read.available.get(), 8);

    // Computed from an older revision: refused, nothing changes.
    let second = first.with_push(push(6, 10));
    assert!(matches!(
        store.update_amazon_state(&s, 0, &second, -2, now()).await,
        Err(AmazonStateError::Conflict)
    ));
    assert_eq!(stock_of(store.as_ref(), &name).await, 8);

    // Over the right revision: state and stock move together, and the
    // listing goes low (reorder point 5) in the same write.
    let moved = store
        .update_amazon_state(
            &s,
            first.revision,
            &second,
            -4,
            now() + Duration::seconds(1),
        )
        .await
        .unwrap();
    assert_eq!(moved.available.get(), 4);
    assert_eq!(moved.amazon_pushed_quantity(), Some(6));
    let mut page = PageRequest::first(100);
    let mut found = false;
    for _ in 0..1000 {
        let low = store.low_stock_listings(&page).await.unwrap();
        found |= low.items.iter().any(|l| l.sku == s);
        match low.next_cursor {
            Some(cursor) if !found => page = PageRequest::after(100, Some(cursor)),
            _ => break,
        }
    }
    assert!(found, "now in the low-stock index");

    // Out of range: refused, nothing changes.
    let third = second.with_push(push(1, 20));
    match store
        .update_amazon_state(&s, second.revision, &third, -5, now())
        .await
    {
        Err(AmazonStateError::OutOfRange { available }) => assert_eq!(available.get(), 4),
        other => panic!("expected OutOfRange, got {other:?}"),
    }
    let read = store.get_listing(&s).await.unwrap().unwrap();
    assert_eq!(read.amazon.as_ref(), Some(&second));

    assert!(matches!(
        store
            .update_amazon_state(&sku(&unique("AMZ-NONE-")), 0, &first, 0, now())
            .await,
        Err(AmazonStateError::NotFound)
    ));
}

pub async fn racing_amazon_state_writes_apply_each_once(store: Arc<dyn Store>, racers: usize) {
    let name = unique("RAMZ-");
    let racers = racers.min(16);
    listing(store.as_ref(), &name, 100).await;
    let s = sku(&name);
    let mut tasks = Vec::new();
    for i in 0..racers {
        let store = store.clone();
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            // Read, compute, compare-and-set, until it lands.
            for _ in 0..200 {
                let current = store.get_listing(&s).await.unwrap().unwrap();
                let state = current.amazon.clone().unwrap_or_default();
                let next = state.with_push(push(i as i64, i as i64));
                match store
                    .update_amazon_state(&s, state.revision, &next, -1, now())
                    .await
                {
                    Ok(_) => return,
                    Err(AmazonStateError::Conflict) => continue,
                    Err(other) => panic!("unexpected error: {other:?}"),
                }
            }
            panic!("never landed");
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let done = store.get_listing(&s).await.unwrap().unwrap();
    assert_eq!(done.available.get(), 100 - racers as i64);
    assert_eq!(done.amazon_revision() as usize, racers);
}
