//! Supplier and reorder cases.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::fixtures::*;
use stockroom::domain::{
    Rating, Reorder, ReorderId, ReorderReason, ReorderStatus, Supplier, SupplierEmail, SupplierId,
};
use stockroom::ports::{CreateReorderError, PageRequest, ReorderUpdate, Store, UpdateError};

fn supplier(id: &str, rating: i64) -> Supplier {
    Supplier {
        supplier_id: SupplierId::parse(id).unwrap(),
        name: format!("Supplier {id}"),
        email: SupplierEmail::parse(&format!("{id}@suppliers.example")).unwrap(),
        rating: Rating::new(rating).unwrap(),
        manual_approval: false,
        updated_at: now(),
    }
}

fn reorder(sku_name: &str, supplier_id: &str, status: ReorderStatus) -> Reorder {
    Reorder {
        reorder_id: ReorderId::generate(),
        sku: sku(sku_name),
        supplier_id: SupplierId::parse(supplier_id).unwrap(),
        quantity: 25,
        reason: ReorderReason::LowStock,
        status,
        created_at: now(),
        updated_at: now(),
        received_quantity: None,
        version: 1,
    }
}

pub async fn suppliers_round_trip_and_page(store: Arc<dyn Store>) {
    let tag = unique("sup");
    let mut ids = BTreeSet::new();
    for i in 0..5 {
        let id = format!("{tag}-{i}");
        assert!(
            store.put_supplier(&supplier(&id, 4)).await.unwrap(),
            "created"
        );
        ids.insert(id);
    }
    let first = format!("{tag}-0");
    let mut changed = supplier(&first, 2);
    changed.manual_approval = true;
    assert!(!store.put_supplier(&changed).await.unwrap(), "replaced");
    let got = store
        .get_supplier(&SupplierId::parse(&first).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, changed);

    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_suppliers(&PageRequest::after(2, cursor))
            .await
            .unwrap();
        seen.extend(page.items.iter().map(|s| s.supplier_id.as_str().to_owned()));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    let ours: Vec<String> = seen.into_iter().filter(|s| s.starts_with(&tag)).collect();
    assert_eq!(
        ours,
        ids.into_iter().collect::<Vec<_>>(),
        "in id order, once each"
    );
}

pub async fn one_open_reorder_per_sku(store: Arc<dyn Store>) {
    let name = unique("ROP-");
    listing(store.as_ref(), &name, 1).await;
    let first = reorder(&name, "s1", ReorderStatus::PendingApproval);
    store.create_reorder(&first).await.unwrap();
    let second = reorder(&name, "s1", ReorderStatus::Queued);
    match store.create_reorder(&second).await {
        Err(CreateReorderError::OpenExists(id)) => assert_eq!(id, first.reorder_id),
        other => panic!("expected open reorder, got {other:?}"),
    }
    assert!(
        store
            .get_reorder(second.reorder_id)
            .await
            .unwrap()
            .is_none()
    );

    // Rejecting closes it; a new one may open.
    let rejected = first.transitioned(ReorderStatus::Rejected, now()).unwrap();
    let update = ReorderUpdate {
        previous: first.clone(),
        next: rejected.clone(),
        add_stock: None,
    };
    store.update_reorder(&update).await.unwrap();
    assert!(matches!(
        store.update_reorder(&update).await,
        Err(UpdateError::Conflict)
    ));
    store.create_reorder(&second).await.unwrap();

    let queued = store
        .list_reorders(Some(ReorderStatus::Queued), &PageRequest::first(100))
        .await
        .unwrap();
    assert!(
        queued
            .items
            .iter()
            .any(|r| r.reorder_id == second.reorder_id)
    );
    assert!(
        queued
            .items
            .iter()
            .all(|r| r.status == ReorderStatus::Queued)
    );
    let all = store
        .list_reorders(None, &PageRequest::first(100))
        .await
        .unwrap();
    assert!(
        all.items
            .windows(2)
            .all(|w| w[0].reorder_id > w[1].reorder_id),
        "newest first"
    );
}

pub async fn receiving_a_reorder_adds_stock_once(store: Arc<dyn Store>) {
    let name = unique("RCV-");
    listing(store.as_ref(), &name, 3).await;
    let sent = reorder(&name, "s1", ReorderStatus::Sent);
    store.create_reorder(&sent).await.unwrap();
    let mut received = sent.transitioned(ReorderStatus::Received, now()).unwrap();
    received.received_quantity = Some(40);
    let update = ReorderUpdate {
        previous: sent.clone(),
        next: received,
        add_stock: Some(40),
    };
    store.update_reorder(&update).await.unwrap();
    assert_eq!(stock_of(store.as_ref(), &name).await, 43);
    assert!(matches!(
        store.update_reorder(&update).await,
        Err(UpdateError::Conflict)
    ));
    assert_eq!(stock_of(store.as_ref(), &name).await, 43, "received once");
    // Closed: the SKU may be reordered again.
    store
        .create_reorder(&reorder(&name, "s1", ReorderStatus::Queued))
        .await
        .unwrap();
}

pub async fn racing_reorders_open_one_per_sku(store: Arc<dyn Store>, racers: usize) {
    let name = unique("RRO-");
    listing(store.as_ref(), &name, 0).await;
    let mut tasks = Vec::new();
    for _ in 0..racers.min(20) {
        let store = store.clone();
        let r = reorder(&name, "s1", ReorderStatus::Queued);
        tasks.push(tokio::spawn(async move {
            match store.create_reorder(&r).await {
                Ok(()) => true,
                Err(CreateReorderError::OpenExists(_)) => false,
                Err(other) => panic!("unexpected error: {other:?}"),
            }
        }));
    }
    let mut created = 0;
    for t in tasks {
        created += usize::from(t.await.unwrap());
    }
    assert_eq!(created, 1);
}
