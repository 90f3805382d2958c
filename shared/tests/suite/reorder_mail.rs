//! Issue 13 defect 7: every reorder mail reaches an end state. A refused
//! mail is MAIL_FAILED with the reason, a mailer that dies between its
//! claim and the send is reclaimed by the stock check once the lease
//! lapses (and the supplier gets exactly one mail), the attempts are
//! capped, and an admin can cancel a reorder over HTTP, which frees its
//! SKU. The mailer runs as the `reorder-mailer` consumer; time is a manual
//! clock.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on failure by design

use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration as StdDuration;

use async_trait::async_trait;
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use stockroom::app::App;
use stockroom::app::procurement::{StockChecked, check_stock};
use stockroom::config::Settings;
use stockroom::consumers;
use stockroom::domain::{
    ListingDraft, ListingStatus, MailFailureCause, Price, Rating, Reorder, ReorderId,
    ReorderReason, ReorderStatus, Role, Sku, Stock, Supplier, SupplierEmail, SupplierId, Title,
};
use stockroom::mail::{Outbox, OutboxRules};
use stockroom::ports::{
    Clock, Email, MailError, Mailer, ManualClock, PageRequest, QueueName, Store,
};
use stockroom::store::MemoryStore;
use support::*;

const CANCEL: &str = include_str!("../../../events/admin-api/cancel-reorder.json");
const LIST_REORDERS: &str = include_str!("../../../events/admin-api/list-reorders.json");
const SUPPLIER_EMAIL: &str = "orders@acme.example";
const LEASE_SECONDS: i64 = 300;

/// The outbox, or a mailer that never returns while `hang` is set: the
/// mailer process dies (is killed by its timeout) between claim and send.
#[derive(Debug)]
struct Gate {
    hang: AtomicBool,
    outbox: Outbox,
}

#[async_trait]
impl Mailer for Gate {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        if self.hang.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        self.outbox.send(email).await
    }
}

struct World {
    app: Arc<App>,
    queue: Arc<Recorder>,
    gate: Arc<Gate>,
    clock: Arc<ManualClock>,
    admin: String,
}

/// MUG-BLUE is low on stock and supplied by acme (rated 4: no approval).
async fn world(max_attempts: u32, rules: OutboxRules) -> World {
    let settings = Settings {
        reorder_mail_max_attempts: max_attempts,
        reorder_mail_lease: StdDuration::from_secs(LEASE_SECONDS as u64),
        ..Settings::default()
    };
    let queue = Arc::new(Recorder::default());
    let gate = Arc::new(Gate {
        hang: AtomicBool::new(false),
        outbox: Outbox::with_rules(rules),
    });
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = App::new(
        Arc::new(MemoryStore::new()) as Arc<dyn Store>,
        keys(),
        settings,
    )
    .with_clock(clock.clone())
    .with_publisher(queue.clone())
    .with_mailer(gate.clone());
    app.store
        .put_supplier(&Supplier {
            supplier_id: SupplierId::parse("acme").unwrap(),
            name: "Acme Wholesale".into(),
            email: SupplierEmail::parse(SUPPLIER_EMAIL).unwrap(),
            rating: Rating::new(4).unwrap(),
            manual_approval: false,
            updated_at: Utc::now(),
        })
        .await
        .unwrap();
    let draft = ListingDraft {
        sku: Sku::parse("MUG-BLUE").unwrap(),
        title: Title::parse("Blue mug").unwrap(),
        price: Price::parse("12.50").unwrap(),
        currency: app.settings.currency,
        available: Some(Stock::new(1).unwrap()),
        status: Some(ListingStatus::Active),
        supplier_id: Some(SupplierId::parse("acme").unwrap()),
        reorder_point: 5,
        reorder_quantity: 24,
        lead_time_days: 7,
        auto_reorder_point: false,
        amazon_mfn: None,
    };
    app.store.put_listing(&draft, Utc::now()).await.unwrap();
    let (admin, _) = token(&app, Role::Admin);
    World {
        app: Arc::new(app),
        queue,
        gate,
        clock,
        admin,
    }
}

impl World {
    async fn check(&self) -> StockChecked {
        check_stock(&self.app).await.unwrap()
    }

    fn messages(&self) -> Vec<String> {
        self.queue.take(QueueName::Reorders)
    }

    /// Delivers `bodies` to the mailer; the ids of the messages it failed.
    async fn deliver(&self, bodies: &[String]) -> Vec<String> {
        consumers::reorder_mailer::handle(&self.app, sqs_event(bodies))
            .await
            .batch_item_failures
            .into_iter()
            .map(|f| f.item_identifier)
            .collect()
    }

    async fn reorders(&self) -> Vec<Reorder> {
        self.app
            .store
            .list_reorders(None, &PageRequest::first(100))
            .await
            .unwrap()
            .items
    }

    async fn reorder(&self, id: ReorderId) -> Reorder {
        self.app.store.get_reorder(id).await.unwrap().unwrap()
    }

    fn mails(&self) -> usize {
        self.gate.outbox.sent().len()
    }

    /// Raises the one reorder and returns it with its message.
    async fn raise(&self) -> (Reorder, Vec<String>) {
        assert_eq!(self.check().await.raised, 1);
        let reorders = self.reorders().await;
        assert_eq!(reorders.len(), 1);
        assert_eq!(reorders[0].status, ReorderStatus::Queued);
        let messages = self.messages();
        assert_eq!(messages.len(), 1);
        (reorders[0].clone(), messages)
    }

    async fn cancel(&self, token: &str, id: &str) -> Reply {
        let path = format!("/reorders/{id}/cancel");
        call(&self.app, &with_path(event(CANCEL, Some(token)), &path)).await
    }

    async fn listed(&self, status: &str) -> Vec<Value> {
        let reply = call(
            &self.app,
            &with_query(
                event(LIST_REORDERS, Some(&self.admin)),
                &format!("status={status}"),
            ),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body["items"].as_array().unwrap().clone()
    }
}

#[tokio::test]
async fn a_refused_mail_is_mail_failed_with_the_reason_and_frees_the_sku() {
    let w = world(
        5,
        OutboxRules {
            reject: vec![SUPPLIER_EMAIL.into()],
            ..OutboxRules::default()
        },
    )
    .await;
    let (queued, message) = w.raise().await;
    assert!(
        w.deliver(&message).await.is_empty(),
        "a refusal is final: the message is done with, not retried into the DLQ"
    );
    let failed = w.reorder(queued.reorder_id).await;
    assert_eq!(failed.status, ReorderStatus::MailFailed);
    assert_eq!(failed.mail_attempts, 1);
    assert_eq!(failed.lease_expires_at, None);
    let failure = failed.mail_failure.clone().unwrap();
    assert_eq!(failure.cause, MailFailureCause::Rejected);
    assert!(failure.detail.contains("refused"), "{}", failure.detail);
    assert_eq!(w.mails(), 0);

    // The admin sees why.
    let listed = w.listed("MAIL_FAILED").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["reorder_id"], queued.reorder_id.to_string());
    assert_eq!(listed[0]["mail_failure"]["cause"], "rejected");
    assert_eq!(listed[0]["mail_attempts"], 1);
    assert!(listed[0]["mail_failure"]["detail"].is_string());

    // A redelivery changes nothing; the stock check neither republishes it
    // nor stays blocked: the SKU gets a new reorder.
    assert!(w.deliver(&message).await.is_empty());
    assert_eq!(w.reorder(queued.reorder_id).await, failed);
    w.clock.advance(Duration::minutes(30));
    let checked = w.check().await;
    assert_eq!(checked.raised, 1, "MAIL_FAILED no longer blocks the SKU");
    let next = w.messages();
    assert_eq!(next.len(), 1, "only the new reorder is published");
    assert!(!next[0].contains(&queued.reorder_id.to_string()));

    // The failed one is cancelled for the record; the new one stays open.
    let reply = w.cancel(&w.admin, &queued.reorder_id.to_string()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["status"], "CANCELLED");
    assert_eq!(
        reply.body["mail_failure"]["cause"], "rejected",
        "the reason is kept"
    );
    assert_eq!(w.check().await.raised, 0, "the new reorder is still open");
}

/// Runs the mailer on `message` with the mail hanging, and kills it once
/// the reorder is claimed.
async fn kill_after_claim(w: &World, id: ReorderId, message: &[String]) {
    w.gate.hang.store(true, Ordering::SeqCst);
    let app = w.app.clone();
    let event = sqs_event(message);
    let mailer = tokio::spawn(async move { consumers::reorder_mailer::handle(&app, event).await });
    for _ in 0..400 {
        if w.reorder(id).await.status == ReorderStatus::Sending {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(5)).await;
    }
    mailer.abort();
    assert!(mailer.await.unwrap_err().is_cancelled());
    w.gate.hang.store(false, Ordering::SeqCst);
}

#[tokio::test]
async fn a_mailer_killed_after_its_claim_is_reclaimed_and_mails_exactly_once() {
    let w = world(5, OutboxRules::default()).await;
    let (queued, message) = w.raise().await;
    let claimed_at = w.clock.now();
    kill_after_claim(&w, queued.reorder_id, &message).await;
    let stuck = w.reorder(queued.reorder_id).await;
    assert_eq!(stuck.status, ReorderStatus::Sending);
    assert_eq!(stuck.mail_attempts, 1);
    assert_eq!(
        stuck.lease_expires_at,
        Some(claimed_at + Duration::seconds(LEASE_SECONDS))
    );
    assert_eq!(w.mails(), 0);

    // SQS delivers the message again: the claim still holds, no mail.
    assert!(w.deliver(&message).await.is_empty());
    assert_eq!(w.mails(), 0);
    assert_eq!(w.reorder(queued.reorder_id).await, stuck);

    // Within the lease the stock check leaves it alone.
    w.clock.advance(Duration::seconds(LEASE_SECONDS - 1));
    let checked = w.check().await;
    assert_eq!((checked.reclaimed, checked.raised), (0, 0));
    assert!(w.messages().is_empty());

    // Past it, the stock check queues it again and publishes it once.
    w.clock.advance(Duration::seconds(1));
    let checked = w.check().await;
    assert_eq!((checked.reclaimed, checked.mail_failed), (1, 0));
    assert_eq!(checked.raised, 0, "still open: no second reorder");
    let republished = w.messages();
    assert_eq!(republished.len(), 1);
    let back = w.reorder(queued.reorder_id).await;
    assert_eq!(back.status, ReorderStatus::Queued);
    assert_eq!(back.lease_expires_at, None);

    // Delivered twice (at least once): exactly one mail in all.
    let twice = [republished[0].clone(), republished[0].clone()];
    assert!(w.deliver(&twice).await.is_empty());
    assert!(w.deliver(&message).await.is_empty());
    assert_eq!(w.mails(), 1);
    let sent = w.reorder(queued.reorder_id).await;
    assert_eq!(sent.status, ReorderStatus::Sent);
    assert_eq!(sent.mail_attempts, 2);
    assert_eq!(sent.lease_expires_at, None);
    w.clock.advance(Duration::hours(1));
    let checked = w.check().await;
    assert_eq!(checked.reclaimed + checked.republished, 0);
    assert_eq!(w.mails(), 1);
}

#[tokio::test]
async fn the_retry_cap_ends_an_unsendable_mail_in_mail_failed() {
    let w = world(
        2,
        OutboxRules {
            unavailable: vec![SUPPLIER_EMAIL.into()],
            ..OutboxRules::default()
        },
    )
    .await;
    let (queued, message) = w.raise().await;
    // First attempt: the mail service is down; the message is retried.
    assert_eq!(w.deliver(&message).await, ["m0"]);
    let released = w.reorder(queued.reorder_id).await;
    assert_eq!(released.status, ReorderStatus::Queued);
    assert_eq!(released.mail_attempts, 1);
    assert_eq!(released.lease_expires_at, None);
    // Second and last attempt: MAIL_FAILED, and the message is done with.
    assert!(w.deliver(&message).await.is_empty());
    let failed = w.reorder(queued.reorder_id).await;
    assert_eq!(failed.status, ReorderStatus::MailFailed);
    assert_eq!(failed.mail_attempts, 2);
    let failure = failed.mail_failure.unwrap();
    assert_eq!(failure.cause, MailFailureCause::RetryCap);
    assert!(failure.detail.contains("2 attempt"), "{}", failure.detail);
    assert!(failure.detail.contains("unavailable"), "{}", failure.detail);
    assert_eq!(w.mails(), 0);
    assert!(w.deliver(&message).await.is_empty(), "nothing more to do");
    assert_eq!(
        w.listed("MAIL_FAILED").await[0]["mail_failure"]["cause"],
        "retry_cap"
    );
}

#[tokio::test]
async fn a_lapsed_claim_on_the_last_attempt_is_mail_failed_and_the_sku_reordered() {
    let w = world(1, OutboxRules::default()).await;
    let (queued, message) = w.raise().await;
    kill_after_claim(&w, queued.reorder_id, &message).await;
    w.clock
        .advance(Duration::seconds(LEASE_SECONDS) + Duration::milliseconds(1));
    let checked = w.check().await;
    assert_eq!((checked.reclaimed, checked.mail_failed), (0, 1));
    assert_eq!(
        checked.raised, 1,
        "reclaimed before the raise: a new reorder at once"
    );
    let failed = w.reorder(queued.reorder_id).await;
    assert_eq!(failed.status, ReorderStatus::MailFailed);
    assert_eq!(
        failed.mail_failure.unwrap().cause,
        MailFailureCause::RetryCap
    );
    let published = w.messages();
    assert_eq!(published.len(), 1, "only the new reorder");
    assert!(w.deliver(&published).await.is_empty());
    assert_eq!(w.mails(), 1);
}

#[tokio::test]
async fn cancel_takes_waiting_reorders_and_refuses_the_others() {
    let w = world(5, OutboxRules::default()).await;
    for (i, status) in ReorderStatus::ALL.into_iter().enumerate() {
        let now = Utc::now();
        let reorder = Reorder {
            reorder_id: ReorderId::generate(),
            sku: Sku::parse(&format!("CANCEL-{i}")).unwrap(),
            supplier_id: SupplierId::parse("acme").unwrap(),
            quantity: 5,
            reason: ReorderReason::LowStock,
            status,
            created_at: now,
            updated_at: now,
            received_quantity: None,
            version: 1,
            mail_attempts: 0,
            lease_expires_at: None,
            mail_failure: None,
        };
        w.app.store.create_reorder(&reorder).await.unwrap();
        let id = reorder.reorder_id.to_string();
        let reply = w.cancel(&w.admin, &id).await;
        if ReorderStatus::CANCELLABLE.contains(&status) {
            assert_eq!(reply.status, 200, "{status:?}: {}", reply.body);
            assert_eq!(reply.body["status"], "CANCELLED");
            assert_eq!(reply.body["reorder_id"], id);
            let again = w.cancel(&w.admin, &id).await;
            assert_eq!(again.status, 409, "cancelled once");
            assert_eq!(again.body["error"]["details"]["status"], "CANCELLED");
        } else {
            assert_eq!(reply.status, 409, "{status:?}: {}", reply.body);
            assert_eq!(error_code(&reply), "reorder_not_cancellable");
            assert_eq!(
                reply.body["error"]["details"],
                json!({
                    "status": status.as_str(),
                    "cancellable": ["PENDING_APPROVAL", "QUEUED", "MAIL_FAILED"],
                })
            );
            assert_eq!(
                w.reorder(reorder.reorder_id).await.status,
                status,
                "unchanged"
            );
        }
    }
    let reply = w.cancel(&w.admin, &ReorderId::generate().to_string()).await;
    assert_eq!(reply.status, 404);
    assert_eq!(w.cancel(&w.admin, "not-an-id").await.status, 404);
    let (customer, _) = token(&w.app, Role::Customer);
    let reply = w
        .cancel(&customer, &ReorderId::generate().to_string())
        .await;
    assert_eq!(reply.status, 403);
    let anonymous = with_path(event(CANCEL, None), "/reorders/x/cancel");
    assert_eq!(call(&w.app, &anonymous).await.status, 401);
}

#[tokio::test]
async fn a_cancelled_queued_reorder_is_never_mailed_and_frees_its_sku() {
    let w = world(5, OutboxRules::default()).await;
    let (queued, message) = w.raise().await;
    let reply = w.cancel(&w.admin, &queued.reorder_id.to_string()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(w.deliver(&message).await.is_empty());
    assert_eq!(w.mails(), 0, "the mailer finds it cancelled");
    assert_eq!(
        w.reorder(queued.reorder_id).await.status,
        ReorderStatus::Cancelled
    );
    assert_eq!(w.check().await.raised, 1, "the SKU may be reordered");
}
