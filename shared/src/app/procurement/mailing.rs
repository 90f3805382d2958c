//! Mailing a reorder to its supplier, with an end state for every outcome.
//!
//! * [`mail`] (the `reorder-mailer` consumer): claims a QUEUED reorder as
//!   SENDING under a lease (`Settings::reorder_mail_lease`), counting the
//!   attempt, then sends. Sent: SENT. Refused for good by the mail
//!   service: MAIL_FAILED (`rejected`), and the message is done with. Mail
//!   service down: back to QUEUED and the message is retried, unless that
//!   was the last allowed attempt (`Settings::reorder_mail_max_attempts`):
//!   MAIL_FAILED (`retry_cap`).
//! * [`reclaim_lapsed`] (the stock check): a SENDING reorder whose lease
//!   lapsed lost its mailer between the claim and the outcome (a crash, a
//!   timeout). It goes back to QUEUED and is published again, or to
//!   MAIL_FAILED when its attempts are used up.
//!
//! The claim makes a mail at most once per lease: two deliveries of one
//! message cannot both claim. A mailer that dies after the send but before
//! recording SENT leaves a mail that the reclaim sends again; that window
//! is the send call itself, and a duplicate request is the lesser harm
//! than a reorder never sent.

use std::pin::pin;

use chrono::Duration;
use futures::TryStreamExt;

use super::reorders::publish;
use crate::app::paging::pages;
use crate::app::{App, AppError, Resource};
use crate::domain::{
    Listing, MailFailure, MailFailureCause, Reorder, ReorderId, ReorderStatus, Supplier,
};
use crate::ports::{Email, MailError, ReorderUpdate, UpdateError};
use crate::telemetry::chain;

/// What the mailer did with a reorder message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mailed {
    Sent,
    /// MAIL_FAILED: the mail service refused it, or the attempts ran out.
    Failed(MailFailureCause),
    /// Already claimed or sent, or not waiting to be sent (not approved,
    /// cancelled...).
    NothingToDo(ReorderStatus),
}

fn lease(app: &App) -> Duration {
    Duration::from_std(app.settings.reorder_mail_lease).unwrap_or(Duration::minutes(5))
}

fn retry_cap(attempts: u32, last: &str) -> MailFailure {
    MailFailure::new(
        MailFailureCause::RetryCap,
        format!("{attempts} attempt(s) made, none sent; the last: {last}"),
    )
}

/// Writes `next` over `previous` if nobody changed it since; `false` when
/// somebody did (the caller lost a race and leaves the reorder alone).
async fn replace(app: &App, previous: &Reorder, next: &Reorder) -> Result<bool, AppError> {
    let update = ReorderUpdate {
        previous: previous.clone(),
        next: next.clone(),
        add_stock: None,
    };
    match app.store.update_reorder(&update).await {
        Ok(()) => Ok(true),
        Err(UpdateError::Conflict) => Ok(false),
        Err(UpdateError::NotFound) => Err(AppError::NotFound(Resource::Reorder)),
        Err(UpdateError::Store(e)) => Err(e.into()),
    }
}

/// The status a reorder has now, for a caller that lost a race on it.
async fn status_now(app: &App, reorder: &Reorder) -> Result<ReorderStatus, AppError> {
    Ok(app
        .store
        .get_reorder(reorder.reorder_id)
        .await?
        .map_or(reorder.status, |r| r.status))
}

/// Records MAIL_FAILED on `from` unless another writer moved it first.
async fn fail(app: &App, from: &Reorder, failure: MailFailure) -> Result<Mailed, AppError> {
    let cause = failure.cause;
    let Some(failed) = from.mail_failed(app.clock.now(), failure) else {
        return Ok(Mailed::NothingToDo(from.status));
    };
    if !replace(app, from, &failed).await? {
        return Ok(Mailed::NothingToDo(status_now(app, from).await?));
    }
    tracing::warn!(
        reorder_id = %from.reorder_id,
        sku = %from.sku,
        cause = cause.as_str(),
        attempts = failed.mail_attempts,
        "reorder mail failed for good; an admin may cancel it and the SKU can be reordered"
    );
    Ok(Mailed::Failed(cause))
}

/// Sends the reorder email: claims the reorder under a lease, sends, and
/// records the outcome (see the module docs). `Err` only when the message
/// should be delivered again: the store or the mail service is down.
pub async fn mail(app: &App, reorder_id: ReorderId) -> Result<Mailed, AppError> {
    let Some(current) = app.store.get_reorder(reorder_id).await? else {
        return Err(AppError::NotFound(Resource::Reorder));
    };
    if current.status != ReorderStatus::Queued {
        return Ok(Mailed::NothingToDo(current.status));
    }
    let max_attempts = app.settings.reorder_mail_max_attempts;
    if current.attempts_exhausted(max_attempts) {
        // Only when the cap was lowered after the last attempt.
        let failure = retry_cap(current.mail_attempts, "the cap was reached before this one");
        return fail(app, &current, failure).await;
    }
    let supplier = app
        .store
        .get_supplier(&current.supplier_id)
        .await?
        .ok_or(AppError::NotFound(Resource::Supplier))?;
    let listing = app.store.get_listing(&current.sku).await?;
    let email = reorder_email(&current, &supplier, listing.as_ref());
    let Some(claimed) = current.claimed(app.clock.now(), lease(app)) else {
        return Ok(Mailed::NothingToDo(current.status));
    };
    if !replace(app, &current, &claimed).await? {
        // Another delivery claimed it first, or an admin cancelled it.
        return Ok(Mailed::NothingToDo(status_now(app, &current).await?));
    }
    match app.send_mail(&email).await {
        Ok(()) => {
            let sent = claimed.transitioned(ReorderStatus::Sent, app.clock.now());
            match sent {
                Some(sent) if replace(app, &claimed, &sent).await? => {
                    tracing::info!(reorder_id = %reorder_id, to = %email.to, attempt = claimed.mail_attempts, "reorder mailed");
                }
                _ => {
                    tracing::warn!(reorder_id = %reorder_id, "reorder mailed after its lease lapsed; it may be mailed again");
                }
            }
            Ok(Mailed::Sent)
        }
        Err(MailError::Rejected(source)) => {
            let detail = format!("the mail service refused the message: {}", chain(&*source));
            fail(
                app,
                &claimed,
                MailFailure::new(MailFailureCause::Rejected, detail),
            )
            .await
        }
        Err(MailError::Unavailable(source)) => {
            let last = format!("the mail service was unavailable: {}", chain(&*source));
            if claimed.attempts_exhausted(max_attempts) {
                return fail(app, &claimed, retry_cap(claimed.mail_attempts, &last)).await;
            }
            tracing::warn!(reorder_id = %reorder_id, attempt = claimed.mail_attempts, error = %last, "reorder mail not sent; releasing the claim for a retry");
            if let Some(released) = claimed.transitioned(ReorderStatus::Queued, app.clock.now()) {
                // Lost to a reclaim: the reorder is back in the queue anyway.
                replace(app, &claimed, &released).await?;
            }
            Err(AppError::Unavailable {
                service: "the mail service",
                source,
            })
        }
    }
}

/// What a reclaim sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reclaimed {
    /// Lapsed claims put back to QUEUED and published again.
    pub requeued: u64,
    /// Lapsed claims that had used up their attempts: MAIL_FAILED.
    pub failed: u64,
}

/// Takes back every SENDING reorder whose lease lapsed (see the module
/// docs). A reorder another writer moved meanwhile is left alone.
pub async fn reclaim_lapsed(app: &App) -> Result<Reclaimed, AppError> {
    let now = app.clock.now();
    let max_attempts = app.settings.reorder_mail_max_attempts;
    let mut done = Reclaimed::default();
    let mut requeued: Vec<ReorderId> = Vec::new();
    let mut sending = pin!(pages(|page| async move {
        app.store
            .list_reorders(Some(ReorderStatus::Sending), &page)
            .await
    }));
    while let Some(reorders) = sending.try_next().await? {
        for reorder in reorders.iter().filter(|r| r.lease_lapsed(now)) {
            if reorder.attempts_exhausted(max_attempts) {
                let failure = retry_cap(
                    reorder.mail_attempts,
                    "the mailer did not finish within its lease",
                );
                if matches!(fail(app, reorder, failure).await?, Mailed::Failed(_)) {
                    done.failed += 1;
                }
                continue;
            }
            let Some(back) = reorder.transitioned(ReorderStatus::Queued, now) else {
                continue;
            };
            if replace(app, reorder, &back).await? {
                tracing::warn!(reorder_id = %reorder.reorder_id, attempts = reorder.mail_attempts, "reorder mail claim lapsed; queued again");
                requeued.push(reorder.reorder_id);
            }
        }
    }
    if !requeued.is_empty() {
        publish(app, &requeued).await;
    }
    done.requeued = requeued.len() as u64;
    Ok(done)
}

/// The email a supplier receives: item, SKU, quantity, supplier and reason.
pub fn reorder_email(reorder: &Reorder, supplier: &Supplier, listing: Option<&Listing>) -> Email {
    let item = listing.map_or_else(|| reorder.sku.to_string(), |l| l.title.as_str().to_owned());
    Email {
        to: supplier.email.as_str().to_owned(),
        subject: format!(
            "Reorder request: {} x {item} ({})",
            reorder.quantity, reorder.sku
        ),
        body: format!(
            "Hello {name},\n\n\
             Please supply the following:\n\n\
             Item:      {item}\n\
             SKU:       {sku}\n\
             Quantity:  {quantity}\n\
             Supplier:  {name} ({supplier_id})\n\
             Reason:    {reason}\n\
             Reference: {reorder_id}\n\n\
             Thank you,\nStockroom\n",
            name = supplier.name,
            sku = reorder.sku,
            quantity = reorder.quantity,
            supplier_id = supplier.supplier_id,
            reason = reorder.reason.describe(),
            reorder_id = reorder.reorder_id,
        ),
    }
}
