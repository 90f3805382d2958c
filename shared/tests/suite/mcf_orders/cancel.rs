//! Cancelling orders that Amazon fulfils: accepted, refused, still
//! PENDING, and racing the submission (held half-way, and interleaved at
//! random on a multi-threaded runtime).

use std::sync::Arc;

use tokio::sync::Notify;

use super::*;

#[tokio::test]
async fn cancel_accepted_by_amazon_cancels_and_releases_once() {
    let w = world().await;
    let id = w.placed().await;
    assert!(w.deliver().await.is_empty());
    let reply = w.cancel(id).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["status"], "CANCELLED");
    assert_eq!(w.amazon.status_of(id).as_deref(), Some("CANCELLED"));
    assert_eq!(w.stocks().await, (10, 5));
    // Amazon's own CANCELLED notification and a second cancel change nothing.
    let n = notifications::parse(&fulfillment_status(id, "CANCELLED", 2)).unwrap();
    apply_notification(&w.app, &n).await.unwrap();
    assert_eq!(w.cancel(id).await.status, 409);
    assert_eq!(w.stocks().await, (10, 5), "released once");
}

#[tokio::test]
async fn cancel_refused_by_amazon_is_409_and_changes_nothing() {
    let w = world().await;
    let id = w.placed().await;
    assert!(w.deliver().await.is_empty());
    w.amazon
        .with(|s| s.orders.get_mut(&id).unwrap().1 = "PROCESSING".into());
    let before = w.order(id).await;
    let reply = w.cancel(id).await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert_eq!(error_code(&reply), "not_cancellable");
    assert_eq!(w.order(id).await, before);
    assert_eq!(w.stocks().await, (8, 4));
}

#[tokio::test]
async fn a_pending_order_cancels_locally_and_is_never_submitted() {
    let w = world().await;
    let id = w.placed().await;
    let reply = w.cancel(id).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(w.deliver().await.is_empty());
    assert_eq!(w.amazon.with(|s| (s.create_calls, s.cancel_calls)), (0, 0));
    assert_eq!(w.order(id).await["status"], "CANCELLED");
    assert_eq!(w.stocks().await, (10, 5));
}

/// The processor has looked Amazon up and found nothing, and its create is
/// on the wire; the cancel runs from start to end meanwhile. Amazon ends
/// with one fulfilment order, cancelled, the order CANCELLED and its stock
/// released once.
#[tokio::test]
async fn cancel_racing_a_submission_in_flight() {
    let w = world().await;
    let id = w.placed().await;
    let gate = Arc::new(Notify::new());
    *w.amazon.gate.lock().unwrap() = Some(gate.clone());
    let bodies = w.queue.take(QueueName::Orders);
    let app = w.app.clone();
    let processor =
        tokio::spawn(async move { order_processor::handle(&app, sqs_event(&bodies)).await });
    // Wait until the processor is inside its create.
    while w.amazon.gate.lock().unwrap().is_some() {
        tokio::task::yield_now().await;
    }
    let reply = w.cancel(id).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    gate.notify_one();
    let response = processor.await.unwrap();
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(w.amazon.with(|s| s.orders.len()), 1);
    assert_eq!(w.amazon.status_of(id).as_deref(), Some("CANCELLED"));
    let order = w.order(id).await;
    assert_eq!(order["status"], "CANCELLED");
    assert_eq!(w.stocks().await, (10, 5));
}

/// Many orders, each with a processor delivery and a cancel started
/// together on a multi-threaded runtime: whatever the interleaving, an
/// order is CANCELLED exactly when Amazon holds no live fulfilment order
/// for it, Amazon never holds two, and stock adds up.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancels_and_submissions_interleaved_keep_the_invariants() {
    let w = world().await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(w.placed().await);
    }
    let bodies = w.queue.take(QueueName::Orders);
    let mut tasks = Vec::new();
    for (id, body) in ids.iter().zip(bodies) {
        let app = w.app.clone();
        tasks.push(tokio::spawn(async move {
            order_processor::handle(&app, sqs_event(&[body])).await;
        }));
        let app = w.app.clone();
        let customer = w.customer.clone();
        let path = format!("/orders/{id}/cancel");
        tasks.push(tokio::spawn(async move {
            call(&app, &with_path(event(CANCEL, Some(&customer)), &path)).await;
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let mut live = 0;
    for id in &ids {
        let status = w.order(*id).await["status"].as_str().unwrap().to_owned();
        let at_amazon = w.amazon.status_of(*id);
        match status.as_str() {
            "CANCELLED" => assert!(matches!(at_amazon.as_deref(), None | Some("CANCELLED"))),
            "PROCESSING" => {
                live += 1;
                assert_eq!(at_amazon.as_deref(), Some("RECEIVED"));
            }
            other => panic!("unexpected status {other}"),
        }
    }
    let (mug, note) = w.stocks().await;
    assert_eq!((mug, note), (10 - 2 * live, 5 - live));
}
