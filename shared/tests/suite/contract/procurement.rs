//! Supplier and reorder cases.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::fixtures::*;
use stockroom::domain::{
    MailFailure, MailFailureCause, Rating, Reorder, ReorderId, ReorderReason, ReorderStatus,
    Supplier, SupplierEmail, SupplierId,
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
        mail_attempts: 0,
        lease_expires_at: None,
        mail_failure: None,
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

/// Applies `previous -> next` and reads it back as written.
async fn step(store: &dyn Store, previous: &Reorder, next: &Reorder) {
    let update = ReorderUpdate {
        previous: previous.clone(),
        next: next.clone(),
        add_stock: None,
    };
    store.update_reorder(&update).await.unwrap();
    let stored = store.get_reorder(next.reorder_id).await.unwrap().unwrap();
    assert_eq!(&stored, next, "stored as written");
}

async fn listed(store: &dyn Store, status: ReorderStatus, id: ReorderId) -> bool {
    store
        .list_reorders(Some(status), &PageRequest::first(100))
        .await
        .unwrap()
        .items
        .iter()
        .any(|r| r.reorder_id == id && r.status == status)
}

fn open_exists(result: Result<(), CreateReorderError>) -> ReorderId {
    match result {
        Err(CreateReorderError::OpenExists(id)) => id,
        other => panic!("expected an open reorder, got {other:?}"),
    }
}

/// The mailer's claim (SENDING with a lease and an attempt count), its
/// release, MAIL_FAILED with the reason and CANCELLED are stored as
/// written; SENDING keeps the SKU blocked, MAIL_FAILED and CANCELLED free
/// it, and closing a reorder never frees another one's SKU.
pub async fn reorder_mail_states_round_trip_and_free_the_sku(store: Arc<dyn Store>) {
    let name = unique("RML-");
    listing(store.as_ref(), &name, 1).await;
    let lease = chrono::Duration::seconds(300);
    let queued = reorder(&name, "s1", ReorderStatus::Queued);
    store.create_reorder(&queued).await.unwrap();

    let claimed = queued.claimed(now(), lease).unwrap();
    step(store.as_ref(), &queued, &claimed).await;
    assert_eq!(claimed.mail_attempts, 1);
    assert!(claimed.lease_expires_at.is_some());
    assert!(listed(store.as_ref(), ReorderStatus::Sending, claimed.reorder_id).await);
    // A second claim from the same read loses.
    let rival = queued.claimed(now(), lease).unwrap();
    let update = ReorderUpdate {
        previous: queued.clone(),
        next: rival,
        add_stock: None,
    };
    assert!(matches!(
        store.update_reorder(&update).await,
        Err(UpdateError::Conflict)
    ));
    let blocked = reorder(&name, "s1", ReorderStatus::Queued);
    assert_eq!(
        open_exists(store.create_reorder(&blocked).await),
        queued.reorder_id,
        "SENDING is open"
    );

    let released = claimed.transitioned(ReorderStatus::Queued, now()).unwrap();
    step(store.as_ref(), &claimed, &released).await;
    assert_eq!(released.lease_expires_at, None);
    let again = released.claimed(now(), lease).unwrap();
    step(store.as_ref(), &released, &again).await;
    let failure = MailFailure::new(MailFailureCause::Rejected, "refused: bad address");
    let failed = again.mail_failed(now(), failure).unwrap();
    step(store.as_ref(), &again, &failed).await;
    assert_eq!(failed.mail_attempts, 2);
    assert!(listed(store.as_ref(), ReorderStatus::MailFailed, failed.reorder_id).await);
    assert!(!listed(store.as_ref(), ReorderStatus::Sending, failed.reorder_id).await);

    // MAIL_FAILED frees the SKU.
    let next = reorder(&name, "s1", ReorderStatus::Queued);
    store.create_reorder(&next).await.unwrap();
    // Cancelling the failed one keeps the new one's hold on the SKU.
    let cancelled = failed
        .transitioned(ReorderStatus::Cancelled, now())
        .unwrap();
    step(store.as_ref(), &failed, &cancelled).await;
    assert_eq!(
        cancelled.mail_failure, failed.mail_failure,
        "the reason stays"
    );
    let third = reorder(&name, "s1", ReorderStatus::PendingApproval);
    assert_eq!(
        open_exists(store.create_reorder(&third).await),
        next.reorder_id
    );
    // Cancelling the open one frees it.
    let next_cancelled = next.transitioned(ReorderStatus::Cancelled, now()).unwrap();
    step(store.as_ref(), &next, &next_cancelled).await;
    store.create_reorder(&third).await.unwrap();
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
