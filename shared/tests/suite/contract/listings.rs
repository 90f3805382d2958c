//! Listing cases: writes that keep stock, atomic adjustments, pages,
//! filters, the low-stock index and SP-API notification ordering.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};

use super::fixtures::*;
use stockroom::domain::{EventStamp, ListingStatus, Stock, StockDelta};
use stockroom::ports::{
    AdjustStockError, Cursor, ListingFilter, NotificationOutcome, PageRequest, PutOutcome,
    SearchTerm, Store, StoreError,
};

pub async fn listing_round_trip_keeps_stock(store: Arc<dyn Store>) {
    let name = unique("RT-");
    let created = store.put_listing(&draft(&name, 7), now()).await.unwrap();
    assert!(matches!(created, PutOutcome::Created(ref l) if l.available.get() == 7));

    let got = store.get_listing(&sku(&name)).await.unwrap().unwrap();
    assert_eq!(got.title.as_str(), format!("Item {name}"));
    assert_eq!(got.price.to_string(), "2.50");
    assert_eq!(got.reorder_point, 5);

    // An update without `available` keeps the stock; the other fields change.
    let mut update = draft(&name, 0);
    update.available = None;
    update.status = Some(ListingStatus::Inactive);
    update.reorder_point = 9;
    let updated = store.put_listing(&update, now()).await.unwrap();
    let PutOutcome::Updated(updated) = updated else {
        panic!("second put must update");
    };
    assert_eq!(updated.available.get(), 7);
    assert_eq!(updated.status, ListingStatus::Inactive);
    assert_eq!(stock_of(store.as_ref(), &name).await, 7);

    // An update without `status` keeps the stored one (no revival).
    let mut no_status = draft(&name, 7);
    no_status.status = None;
    let PutOutcome::Updated(kept) = store.put_listing(&no_status, now()).await.unwrap() else {
        panic!("third put must update");
    };
    assert_eq!(kept.status, ListingStatus::Inactive);
    let stored = store.get_listing(&sku(&name)).await.unwrap().unwrap();
    assert_eq!(stored.status, ListingStatus::Inactive);

    // With `available` it sets the stock; with `status`, the status.
    store.put_listing(&draft(&name, 3), now()).await.unwrap();
    assert_eq!(stock_of(store.as_ref(), &name).await, 3);
    let stored = store.get_listing(&sku(&name)).await.unwrap().unwrap();
    assert_eq!(stored.status, ListingStatus::Active);

    // A new listing without `status` is ACTIVE.
    let fresh = unique("RT-");
    let mut new = draft(&fresh, 1);
    new.status = None;
    let PutOutcome::Created(created) = store.put_listing(&new, now()).await.unwrap() else {
        panic!("a new SKU must be created");
    };
    assert_eq!(created.status, ListingStatus::Active);
    let stored = store.get_listing(&sku(&fresh)).await.unwrap().unwrap();
    assert_eq!(stored.status, ListingStatus::Active);

    assert!(
        store
            .get_listing(&sku(&unique("NONE-")))
            .await
            .unwrap()
            .is_none()
    );
    let both = store
        .get_listings(&[sku(&name), sku(&unique("NONE-"))])
        .await
        .unwrap();
    assert_eq!(both.len(), 1);
    assert_eq!(both[0].sku, sku(&name));
}

pub async fn listing_delete(store: Arc<dyn Store>) {
    let name = unique("DEL-");
    listing(store.as_ref(), &name, 1).await;
    assert!(store.delete_listing(&sku(&name)).await.unwrap());
    assert!(store.get_listing(&sku(&name)).await.unwrap().is_none());
    assert!(!store.delete_listing(&sku(&name)).await.unwrap());
}

pub async fn adjust_stock_stays_in_range(store: Arc<dyn Store>) {
    let name = unique("ADJ-");
    listing(store.as_ref(), &name, 5).await;
    let up = store
        .adjust_stock(&sku(&name), StockDelta::new(10).unwrap(), now())
        .await
        .unwrap();
    assert_eq!(up.available.get(), 15);
    let err = store
        .adjust_stock(&sku(&name), StockDelta::new(-16).unwrap(), now())
        .await
        .unwrap_err();
    assert!(matches!(err, AdjustStockError::OutOfRange { available } if available.get() == 15));
    let down = store
        .adjust_stock(&sku(&name), StockDelta::new(-15).unwrap(), now())
        .await
        .unwrap();
    assert_eq!(down.available, Stock::ZERO);
    // A sold-out listing takes a delivery (moto's BETWEEN refused one at 0).
    let restocked = store
        .adjust_stock(&sku(&name), StockDelta::new(3).unwrap(), now())
        .await
        .unwrap();
    assert_eq!(restocked.available.get(), 3);
    let missing = store
        .adjust_stock(&sku(&unique("NONE-")), StockDelta::new(1).unwrap(), now())
        .await
        .unwrap_err();
    assert!(matches!(missing, AdjustStockError::NotFound));
}

pub async fn listings_page_in_sku_order_with_filters(store: Arc<dyn Store>) {
    let tag = unique("pg").to_lowercase();
    let mut names = BTreeSet::new();
    for i in 0..23 {
        let name = format!("{tag}-{i:02}");
        let mut d = draft(&name, if i % 3 == 0 { 2 } else { 50 });
        if i % 4 == 0 {
            d.status = Some(ListingStatus::Inactive);
        }
        store.put_listing(&d, now()).await.unwrap();
        names.insert(name);
    }
    let filter = ListingFilter {
        q: Some(SearchTerm::parse(&tag.to_uppercase()).unwrap()),
        ..ListingFilter::default()
    };
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = store
            .list_listings(&filter, &PageRequest::after(10, cursor))
            .await
            .unwrap();
        assert!(page.items.len() <= 10);
        seen.extend(page.items.iter().map(|l| l.sku.as_str().to_owned()));
        pages += 1;
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
        assert!(pages < 10, "pagination does not terminate");
    }
    let expected: Vec<String> = names.iter().cloned().collect();
    assert_eq!(seen, expected, "every listing once, in SKU order");

    let inactive = ListingFilter {
        status: Some(ListingStatus::Inactive),
        ..filter.clone()
    };
    let page = store
        .list_listings(&inactive, &PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 6);
    assert!(
        page.items
            .iter()
            .all(|l| l.status == ListingStatus::Inactive)
    );

    let low = ListingFilter {
        low_stock: Some(true),
        ..filter.clone()
    };
    let page = store
        .list_listings(&low, &PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 8);
    assert!(page.items.iter().all(|l| l.is_low_stock()));

    let not_low = ListingFilter {
        low_stock: Some(false),
        ..filter
    };
    let page = store
        .list_listings(&not_low, &PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 15);
}

pub async fn foreign_and_junk_cursors_are_refused(store: Arc<dyn Store>) {
    let foreign = Cursor::encode("some-other-list", &"x").unwrap();
    let junk = Cursor::from_client("bm90LWEtY3Vyc29y").unwrap();
    for cursor in [foreign, junk] {
        let page = PageRequest::after(10, Some(cursor));
        let err = store
            .list_listings(&ListingFilter::default(), &page)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::InvalidCursor), "{err:?}");
        let err = store
            .list_orders(&Default::default(), &page)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::InvalidCursor), "{err:?}");
        let err = store.low_stock_listings(&page).await.unwrap_err();
        assert!(matches!(err, StoreError::InvalidCursor), "{err:?}");
    }
}

pub async fn low_stock_listings_are_exactly_the_low_ones(store: Arc<dyn Store>) {
    let tag = unique("LOW-");
    let low_a = format!("{tag}a");
    let low_b = format!("{tag}b");
    let fine = format!("{tag}c");
    listing(store.as_ref(), &low_a, 5).await; // at the reorder point
    listing(store.as_ref(), &low_b, 9).await;
    listing(store.as_ref(), &fine, 6).await;
    // Becomes low through an adjustment, and the fine one stays fine.
    store
        .adjust_stock(&sku(&low_b), StockDelta::new(-5).unwrap(), now())
        .await
        .unwrap();

    let mut found = BTreeSet::new();
    let mut cursor = None;
    loop {
        let page = store
            .low_stock_listings(&PageRequest::after(3, cursor))
            .await
            .unwrap();
        for l in &page.items {
            assert!(l.is_low_stock(), "{} is not low", l.sku);
            if l.sku.as_str().starts_with(&tag) {
                found.insert(l.sku.as_str().to_owned());
            }
        }
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(found, BTreeSet::from([low_a.clone(), low_b.clone()]));

    // Restocking takes a listing out of the low-stock set.
    store
        .adjust_stock(&sku(&low_a), StockDelta::new(100).unwrap(), now())
        .await
        .unwrap();
    let mut still_low = false;
    let mut cursor = None;
    loop {
        let page = store
            .low_stock_listings(&PageRequest::after(50, cursor))
            .await
            .unwrap();
        still_low |= page.items.iter().any(|l| l.sku.as_str() == low_a);
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert!(!still_low, "a restocked listing is no longer low");
}

fn stamp(secs: i64, id: &str) -> EventStamp {
    EventStamp {
        event_time: Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap(),
        notification_id: id.to_owned(),
    }
}

pub async fn status_notifications_apply_only_when_newer(store: Arc<dyn Store>) {
    let name = unique("NST-");
    listing(store.as_ref(), &name, 4).await;
    let s = sku(&name);
    let applied = store
        .apply_status_notification(&s, ListingStatus::Inactive, &stamp(10, "n1"), now())
        .await
        .unwrap();
    assert!(
        matches!(applied, NotificationOutcome::Applied(ref l) if l.status == ListingStatus::Inactive)
    );
    // Same notification again: no second effect.
    let again = store
        .apply_status_notification(&s, ListingStatus::Inactive, &stamp(10, "n1"), now())
        .await
        .unwrap();
    assert_eq!(again, NotificationOutcome::Stale);
    // Older one arriving late: ignored.
    let late = store
        .apply_status_notification(&s, ListingStatus::Active, &stamp(5, "n0"), now())
        .await
        .unwrap();
    assert_eq!(late, NotificationOutcome::Stale);
    assert_eq!(
        store.get_listing(&s).await.unwrap().unwrap().status,
        ListingStatus::Inactive
    );
    // An admin edit does not reset the staleness guard.
    let mut edit = draft(&name, 4);
    edit.available = None;
    store.put_listing(&edit, now()).await.unwrap();
    let late = store
        .apply_status_notification(&s, ListingStatus::Deleted, &stamp(6, "n0b"), now())
        .await
        .unwrap();
    assert_eq!(late, NotificationOutcome::Stale);
    let newer = store
        .apply_status_notification(&s, ListingStatus::Deleted, &stamp(20, "n2"), now())
        .await
        .unwrap();
    assert!(matches!(newer, NotificationOutcome::Applied(_)));
    assert_eq!(
        store.get_listing(&s).await.unwrap().unwrap().status,
        ListingStatus::Deleted
    );
    let unknown = store
        .apply_status_notification(
            &sku(&unique("NONE-")),
            ListingStatus::Active,
            &stamp(1, "x"),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(unknown, NotificationOutcome::UnknownListing);
}

pub async fn quantity_notifications_apply_only_when_newer(store: Arc<dyn Store>) {
    let name = unique("NQT-");
    listing(store.as_ref(), &name, 4).await;
    let s = sku(&name);
    let q = |n| Stock::new(n).unwrap();
    assert!(matches!(
        store
            .apply_quantity_notification(&s, q(30), &stamp(10, "q1"), now())
            .await
            .unwrap(),
        NotificationOutcome::Applied(ref l) if l.available.get() == 30
    ));
    // The status stamp is separate from the quantity stamp.
    assert!(matches!(
        store
            .apply_status_notification(&s, ListingStatus::Active, &stamp(1, "s1"), now())
            .await
            .unwrap(),
        NotificationOutcome::Applied(_)
    ));
    assert_eq!(
        store
            .apply_quantity_notification(&s, q(1), &stamp(9, "q0"), now())
            .await
            .unwrap(),
        NotificationOutcome::Stale
    );
    assert_eq!(stock_of(store.as_ref(), &name).await, 30);
    assert!(matches!(
        store
            .apply_quantity_notification(&s, q(0), &stamp(11, "q2"), now() + Duration::seconds(1))
            .await
            .unwrap(),
        NotificationOutcome::Applied(_)
    ));
    assert_eq!(stock_of(store.as_ref(), &name).await, 0);
}

pub async fn set_reorder_point_updates_listing(store: Arc<dyn Store>) {
    let name = unique("RP-");
    listing(store.as_ref(), &name, 10).await;
    assert!(
        store
            .set_reorder_point(&sku(&name), 12, now())
            .await
            .unwrap()
    );
    let l = store.get_listing(&sku(&name)).await.unwrap().unwrap();
    assert_eq!(l.reorder_point, 12);
    assert!(l.is_low_stock());
    assert!(
        !store
            .set_reorder_point(&sku(&unique("NONE-")), 1, now())
            .await
            .unwrap()
    );
}
