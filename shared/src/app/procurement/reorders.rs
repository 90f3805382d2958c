//! Reorders: raising them (one open per SKU), the approval gate for subpar
//! suppliers, publishing them for the mailer (and again when a publish was
//! lost), mailing, and receiving the goods.

use std::pin::pin;

use chrono::Duration;
use futures::TryStreamExt;

use crate::app::paging::pages;
use crate::app::{App, AppError, Conflict, Refusal, Resource};
use crate::domain::{Listing, Reorder, ReorderId, ReorderReason, ReorderStatus, Sku, Supplier};
use crate::messages::ReorderQueued;
use crate::ports::{
    CreateReorderError, Email, MailError, Page, PageRequest, PublishQueue, ReorderUpdate,
    UpdateError,
};

/// What raising a reorder did.
#[derive(Debug, Clone, PartialEq)]
pub enum Raised {
    /// A new reorder, QUEUED (and published) or PENDING_APPROVAL.
    Created(Reorder),
    /// The SKU already has an open reorder.
    AlreadyOpen(ReorderId),
    /// Nothing to reorder from: no supplier, unknown supplier, or zero quantity.
    Skipped(&'static str),
}

/// Raises a reorder for `listing` unless one is open. A subpar supplier's
/// reorder waits for approval; the others are queued for the mailer.
pub async fn raise(
    app: &App,
    listing: &Listing,
    reason: ReorderReason,
    quantity: u32,
) -> Result<Raised, AppError> {
    let Some(supplier_id) = &listing.supplier_id else {
        return Ok(Raised::Skipped("the listing has no supplier"));
    };
    if quantity == 0 {
        return Ok(Raised::Skipped("the reorder quantity is zero"));
    }
    let Some(supplier) = app.store.get_supplier(supplier_id).await? else {
        tracing::warn!(sku = %listing.sku, supplier_id = %supplier_id, "listing names an unknown supplier");
        return Ok(Raised::Skipped("the supplier does not exist"));
    };
    let now = app.clock.now();
    let status = if supplier.is_subpar(app.settings.subpar_rating) {
        ReorderStatus::PendingApproval
    } else {
        ReorderStatus::Queued
    };
    let reorder = Reorder {
        reorder_id: ReorderId::generate(),
        sku: listing.sku.clone(),
        supplier_id: supplier_id.clone(),
        quantity,
        reason,
        status,
        created_at: now,
        updated_at: now,
        received_quantity: None,
        version: 1,
    };
    match app.store.create_reorder(&reorder).await {
        Ok(()) => {}
        Err(CreateReorderError::OpenExists(id)) => return Ok(Raised::AlreadyOpen(id)),
        Err(CreateReorderError::Store(e)) => return Err(e.into()),
    }
    tracing::info!(reorder_id = %reorder.reorder_id, sku = %reorder.sku, status = reorder.status.as_str(), ?reason, "reorder raised");
    // Raised from four entry points (order processor, notifications, stock
    // check, forecast), deep inside each: recorded here, into the
    // invocation that is running, and written by that entry point.
    crate::metrics::count(crate::metrics::Metric::ReordersRaised, 1);
    if status == ReorderStatus::Queued {
        publish(app, &[reorder.reorder_id]).await;
    }
    Ok(Raised::Created(reorder))
}

/// Publishes ReorderQueued messages, logging on failure: the stock check
/// re-publishes reorders left QUEUED, and the mailer sends each once.
pub async fn publish(app: &App, ids: &[ReorderId]) {
    let bodies: Vec<String> = ids
        .iter()
        .map(|id| ReorderQueued::new(*id).to_body())
        .collect();
    if let Err(error) = app.publish(PublishQueue::Reorders, &bodies).await {
        tracing::warn!(error = %error, count = ids.len(), "ReorderQueued not published; the stock check will retry");
    }
}

/// QUEUED reorders older than this are published again: long enough for a
/// publish that did go out to have been mailed.
const REPUBLISH_AFTER: Duration = Duration::minutes(2);

/// Publishes again every reorder left QUEUED for longer than
/// [`REPUBLISH_AFTER`], so that a lost publish does not leave a reorder
/// unsent (the mailer sends each reorder once). Returns how many were
/// published again.
pub async fn republish_queued(app: &App) -> Result<u64, AppError> {
    let cutoff = app.clock.now() - REPUBLISH_AFTER;
    let mut republished = 0;
    let mut queued = pin!(pages(|page| async move {
        app.store
            .list_reorders(Some(ReorderStatus::Queued), &page)
            .await
    }));
    while let Some(reorders) = queued.try_next().await? {
        let stale: Vec<ReorderId> = reorders
            .iter()
            .filter(|r| r.updated_at < cutoff)
            .map(|r| r.reorder_id)
            .collect();
        if !stale.is_empty() {
            tracing::info!(count = stale.len(), "re-publishing reorders left queued");
            publish(app, &stale).await;
            republished += stale.len() as u64;
        }
    }
    Ok(republished)
}

/// Raises a low-stock reorder for the listing if it is low.
pub async fn check_listing(app: &App, listing: &Listing) -> Result<Raised, AppError> {
    if !listing.is_low_stock() {
        return Ok(Raised::Skipped("not low on stock"));
    }
    raise(
        app,
        listing,
        ReorderReason::LowStock,
        listing.reorder_quantity,
    )
    .await
}

/// Reads the listing afresh and raises a low-stock reorder if it is low.
pub async fn check_sku(app: &App, sku: &Sku) -> Result<Raised, AppError> {
    match app.store.get_listing(sku).await? {
        Some(listing) => check_listing(app, &listing).await,
        None => Ok(Raised::Skipped("no such listing")),
    }
}

const MAX_ATTEMPTS: usize = 8;

/// Moves a reorder from one of `from` to `to` (with `add_stock` when
/// receiving), conditionally on its version;
/// [`Conflict::ReorderWrongState`] when it is in another state.
async fn transition(
    app: &App,
    reorder_id: ReorderId,
    from: &[ReorderStatus],
    to: ReorderStatus,
    received: Option<u32>,
) -> Result<Reorder, AppError> {
    for _ in 0..MAX_ATTEMPTS {
        let current = app
            .store
            .get_reorder(reorder_id)
            .await?
            .ok_or(AppError::NotFound(Resource::Reorder))?;
        let allowed = from.contains(&current.status);
        let Some(mut next) = current
            .transitioned(to, app.clock.now())
            .filter(|_| allowed)
        else {
            return Err(Conflict::ReorderWrongState {
                status: current.status,
                wanted: to,
            }
            .into());
        };
        next.received_quantity = received.or(next.received_quantity);
        let update = ReorderUpdate {
            previous: current,
            next: next.clone(),
            add_stock: received,
        };
        match app.store.update_reorder(&update).await {
            Ok(()) => return Ok(next),
            Err(UpdateError::Conflict) => continue,
            Err(UpdateError::NotFound) if received.is_some() => {
                return Err(Refusal::ListingGone(next.sku).into());
            }
            Err(UpdateError::NotFound) => return Err(AppError::NotFound(Resource::Reorder)),
            Err(UpdateError::Store(e)) => return Err(e.into()),
        }
    }
    Err(Conflict::ConcurrentUpdate(Resource::Reorder).into())
}

/// Approves a reorder waiting for approval: it is queued and mailed once.
pub async fn approve(app: &App, reorder_id: ReorderId) -> Result<Reorder, AppError> {
    let reorder = transition(
        app,
        reorder_id,
        &[ReorderStatus::PendingApproval],
        ReorderStatus::Queued,
        None,
    )
    .await?;
    publish(app, &[reorder.reorder_id]).await;
    Ok(reorder)
}

pub async fn reject(app: &App, reorder_id: ReorderId) -> Result<Reorder, AppError> {
    transition(
        app,
        reorder_id,
        &[ReorderStatus::PendingApproval],
        ReorderStatus::Rejected,
        None,
    )
    .await
}

/// Records the goods as received and adds them to the stock, once.
pub async fn receive(app: &App, reorder_id: ReorderId, quantity: u32) -> Result<Reorder, AppError> {
    transition(
        app,
        reorder_id,
        &[ReorderStatus::Sent],
        ReorderStatus::Received,
        Some(quantity),
    )
    .await
}

/// Reorders in `status` (all when `None`), newest first.
pub async fn list(
    app: &App,
    status: Option<ReorderStatus>,
    page: &PageRequest,
) -> Result<Page<Reorder>, AppError> {
    Ok(app.store.list_reorders(status, page).await?)
}

/// What the mailer did with a reorder message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mailed {
    Sent,
    /// Already sent, or no longer waiting to be sent (not approved, rejected...).
    NothingToDo(ReorderStatus),
}

/// Sends the reorder email at most once: the reorder is first claimed
/// (QUEUED -> SENT, conditional on its version), then mailed; if the mail
/// service refuses, the claim is undone so that a redelivery retries.
pub async fn mail(app: &App, reorder_id: ReorderId) -> Result<Mailed, AppError> {
    let Some(current) = app.store.get_reorder(reorder_id).await? else {
        return Err(AppError::NotFound(Resource::Reorder));
    };
    if current.status != ReorderStatus::Queued {
        return Ok(Mailed::NothingToDo(current.status));
    }
    let supplier = app
        .store
        .get_supplier(&current.supplier_id)
        .await?
        .ok_or(AppError::NotFound(Resource::Supplier))?;
    let listing = app.store.get_listing(&current.sku).await?;
    let email = reorder_email(&current, &supplier, listing.as_ref());
    let claimed = match transition(
        app,
        reorder_id,
        &[ReorderStatus::Queued],
        ReorderStatus::Sent,
        None,
    )
    .await
    {
        Ok(claimed) => claimed,
        // Another delivery claimed it first.
        Err(AppError::Conflict(_)) => {
            let status = app
                .store
                .get_reorder(reorder_id)
                .await?
                .map_or(current.status, |r| r.status);
            return Ok(Mailed::NothingToDo(status));
        }
        Err(e) => return Err(e),
    };
    match app.send_mail(&email).await {
        Ok(()) => {
            tracing::info!(reorder_id = %reorder_id, to = %email.to, "reorder mailed");
            Ok(Mailed::Sent)
        }
        Err(error) => {
            tracing::warn!(reorder_id = %reorder_id, error = %crate::telemetry::chain(&error), "reorder mail failed; releasing the claim");
            let undo = ReorderUpdate {
                next: claimed
                    .transitioned(ReorderStatus::Queued, app.clock.now())
                    .unwrap_or_else(|| claimed.clone()),
                previous: claimed,
                add_stock: None,
            };
            app.store.update_reorder(&undo).await.map_err(|e| match e {
                UpdateError::Store(e) => AppError::Store(e),
                other => AppError::internal("releasing a reorder claim", other),
            })?;
            Err(match error {
                MailError::Unavailable(source) => AppError::Unavailable {
                    service: "the mail service",
                    source,
                },
                MailError::Rejected(source) => {
                    AppError::internal("the mail service refused the reorder", source)
                }
            })
        }
    }
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
