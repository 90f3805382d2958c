//! Reorders end to end on the memory store: one open per SKU under racing
//! stock checks, the approval gate, at-most-once mail, receiving.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on failure by design

use crate::support;

use std::sync::Arc;

use stockroom::app::{AppError, Conflict, reorders};
use stockroom::consumers;
use stockroom::domain::{Rating, ReorderStatus, Sku, Supplier, SupplierEmail, SupplierId};
use stockroom::jobs::stock_check;
use stockroom::mail::Outbox;
use stockroom::ports::{PageRequest, QueueName};
use support::*;

struct World {
    app: Arc<stockroom::app::App>,
    queue: Arc<Recorder>,
    outbox: Arc<Outbox>,
}

async fn world(rating: i64) -> World {
    let queue = Arc::new(Recorder::default());
    let outbox = Arc::new(Outbox::new());
    let app = Arc::new(
        app()
            .with_publisher(queue.clone())
            .with_mailer(outbox.clone()),
    );
    app.store
        .put_supplier(&Supplier {
            supplier_id: SupplierId::parse("acme").unwrap(),
            name: "Acme Wholesale".into(),
            email: SupplierEmail::parse("orders@acme.example").unwrap(),
            rating: Rating::new(rating).unwrap(),
            manual_approval: false,
            updated_at: chrono::Utc::now(),
        })
        .await
        .unwrap();
    listing(&app, "MUG-BLUE", 1).await; // reorder point 2: low
    let mut l = app
        .store
        .get_listing(&Sku::parse("MUG-BLUE").unwrap())
        .await
        .unwrap()
        .unwrap();
    l.supplier_id = Some(SupplierId::parse("acme").unwrap());
    let draft = stockroom::domain::ListingDraft {
        sku: l.sku.clone(),
        title: l.title.clone(),
        price: l.price,
        currency: l.currency,
        available: None,
        status: Some(l.status),
        supplier_id: l.supplier_id.clone(),
        reorder_point: l.reorder_point,
        reorder_quantity: 24,
        lead_time_days: l.lead_time_days,
        auto_reorder_point: false,
        amazon_mfn: None,
    };
    app.store
        .put_listing(&draft, chrono::Utc::now())
        .await
        .unwrap();
    World { app, queue, outbox }
}

async fn all_reorders(w: &World) -> Vec<stockroom::domain::Reorder> {
    w.app
        .store
        .list_reorders(None, &PageRequest::first(100))
        .await
        .unwrap()
        .items
}

async fn deliver_reorders(w: &World) {
    let bodies = w.queue.take(QueueName::Reorders);
    let r = consumers::reorder_mailer::handle(&w.app, sqs_event(&bodies)).await;
    assert!(r.batch_item_failures.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_stock_checks_raise_one_reorder() {
    let w = world(5).await;
    let runs: Vec<_> = (0..8)
        .map(|_| {
            let app = w.app.clone();
            tokio::spawn(async move { stock_check::run(&app).await.unwrap() })
        })
        .collect();
    let mut raised = 0;
    for r in runs {
        raised += r.await.unwrap().acted;
    }
    assert_eq!(raised, 1);
    let reorders = all_reorders(&w).await;
    assert_eq!(reorders.len(), 1);
    assert_eq!(reorders[0].status, ReorderStatus::Queued);
    assert_eq!(reorders[0].quantity, 24);
    assert_eq!(w.queue.take(QueueName::Reorders).len(), 1);
}

#[tokio::test]
async fn a_good_suppliers_reorder_is_mailed_once() {
    let w = world(4).await;
    stock_check::run(&w.app).await.unwrap();
    let bodies = w.queue.take(QueueName::Reorders);
    assert_eq!(bodies.len(), 1);
    // Delivered twice (at-least-once): one email.
    let twice = vec![bodies[0].clone(), bodies[0].clone()];
    let r = consumers::reorder_mailer::handle(&w.app, sqs_event(&twice)).await;
    assert!(r.batch_item_failures.is_empty());
    let sent = w.outbox.sent();
    assert_eq!(sent.len(), 1);
    let mail = &sent[0];
    assert_eq!(mail.to, "orders@acme.example");
    for needle in [
        "Item MUG-BLUE",
        "MUG-BLUE",
        "24",
        "Acme Wholesale",
        "reorder point",
    ] {
        assert!(
            mail.body.contains(needle) || mail.subject.contains(needle),
            "{needle} missing:\n{}",
            mail.body
        );
    }
    assert_eq!(all_reorders(&w).await[0].status, ReorderStatus::Sent);
}

#[tokio::test]
async fn a_subpar_suppliers_reorder_waits_for_approval() {
    let w = world(2).await;
    stock_check::run(&w.app).await.unwrap();
    let reorder = all_reorders(&w).await.remove(0);
    assert_eq!(reorder.status, ReorderStatus::PendingApproval);
    assert!(
        w.queue.take(QueueName::Reorders).is_empty(),
        "not published before approval"
    );
    // Even a stray message does not mail it.
    let stray = stockroom::messages::ReorderQueued::new(reorder.reorder_id).to_body();
    let r = consumers::reorder_mailer::handle(&w.app, sqs_event(&[stray])).await;
    assert!(r.batch_item_failures.is_empty());
    assert!(w.outbox.sent().is_empty(), "not mailed until approved");

    let approved = reorders::approve(&w.app, reorder.reorder_id).await.unwrap();
    assert_eq!(approved.status, ReorderStatus::Queued);
    let again = reorders::approve(&w.app, reorder.reorder_id).await;
    assert!(matches!(
        again,
        Err(AppError::Conflict(Conflict::ReorderWrongState { .. }))
    ));
    deliver_reorders(&w).await;
    deliver_reorders(&w).await;
    assert_eq!(w.outbox.sent().len(), 1, "approving twice sends one email");

    // Receiving adds the stock, once; then the SKU may be reordered again.
    let received = reorders::receive(&w.app, reorder.reorder_id, 30)
        .await
        .unwrap();
    assert_eq!(received.status, ReorderStatus::Received);
    assert_eq!(stock(&w.app, "MUG-BLUE").await, 31);
    assert!(
        reorders::receive(&w.app, reorder.reorder_id, 30)
            .await
            .is_err()
    );
    assert_eq!(stock(&w.app, "MUG-BLUE").await, 31);
}

#[tokio::test]
async fn rejecting_frees_the_sku() {
    let w = world(1).await;
    stock_check::run(&w.app).await.unwrap();
    let reorder = all_reorders(&w).await.remove(0);
    reorders::reject(&w.app, reorder.reorder_id).await.unwrap();
    assert!(reorders::approve(&w.app, reorder.reorder_id).await.is_err());
    let summary = stock_check::run(&w.app).await.unwrap();
    assert_eq!(summary.acted, 1, "a new reorder once the old one is closed");
}

#[tokio::test]
async fn an_order_that_empties_a_listing_triggers_a_reorder_at_once() {
    let w = world(5).await;
    listing(&w.app, "NOTE-A5", 3).await;
    let sku = Sku::parse("MUG-BLUE").unwrap();
    // Restock above the reorder point first, then sell it down.
    w.app
        .store
        .adjust_stock(
            &sku,
            stockroom::domain::StockDelta::new(5).unwrap(),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let (token, _) = token(&w.app, stockroom::domain::Role::Customer);
    let place = include_str!("../../../events/orders-api/place-order.json");
    let body = r#"{"items":[{"sku":"MUG-BLUE","quantity":5}]}"#;
    let reply = call(&w.app, &with_body(event(place, Some(&token)), body)).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert!(all_reorders(&w).await.is_empty());
    let placed = w.queue.take(QueueName::Orders);
    assert_eq!(placed.len(), 1, "OrderPlaced published");
    let r = consumers::order_processor::handle(&w.app, sqs_event(&placed)).await;
    assert!(r.batch_item_failures.is_empty());
    let reorders = all_reorders(&w).await;
    assert_eq!(reorders.len(), 1, "raised by the order, not the schedule");
    assert_eq!(reorders[0].sku, sku);
}
