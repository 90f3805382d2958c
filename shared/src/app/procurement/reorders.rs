//! Reorders: raising them (one open per SKU), the approval gate for subpar
//! suppliers, publishing them for the mailer (and again when a publish was
//! lost), cancelling, and receiving the goods. Mailing them (the claim,
//! its lease and the end states) is in `super::mailing`, re-exported here.

use std::pin::pin;

use chrono::Duration;
use futures::TryStreamExt;

use crate::app::paging::pages;
use crate::app::{App, AppError, Conflict, Refusal, Resource};
use crate::domain::{Listing, Reorder, ReorderId, ReorderReason, ReorderStatus, Sku};
use crate::messages::ReorderQueued;
use crate::ports::{
    CreateReorderError, Page, PageRequest, PublishQueue, ReorderUpdate, UpdateError,
};

pub use super::mailing::{Mailed, Reclaimed, mail, reclaim_lapsed, reorder_email};

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
        mail_attempts: 0,
        lease_expires_at: None,
        mail_failure: None,
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

/// Replaces a reorder by `change(current)` (with `add_stock` when
/// receiving), conditionally on its version, reading it again when another
/// writer got there first. `change` refuses with the error to answer.
pub(super) async fn update_with(
    app: &App,
    reorder_id: ReorderId,
    add_stock: Option<u32>,
    change: impl Fn(&Reorder) -> Result<Reorder, AppError>,
) -> Result<Reorder, AppError> {
    for _ in 0..MAX_ATTEMPTS {
        let current = app
            .store
            .get_reorder(reorder_id)
            .await?
            .ok_or(AppError::NotFound(Resource::Reorder))?;
        let next = change(&current)?;
        let sku = next.sku.clone();
        let update = ReorderUpdate {
            previous: current,
            next: next.clone(),
            add_stock,
        };
        match app.store.update_reorder(&update).await {
            Ok(()) => return Ok(next),
            Err(UpdateError::Conflict) => continue,
            Err(UpdateError::NotFound) if add_stock.is_some() => {
                return Err(Refusal::ListingGone(sku).into());
            }
            Err(UpdateError::NotFound) => return Err(AppError::NotFound(Resource::Reorder)),
            Err(UpdateError::Store(e)) => return Err(e.into()),
        }
    }
    Err(Conflict::ConcurrentUpdate(Resource::Reorder).into())
}

/// Moves a reorder from one of `from` to `to` (with `received` units when
/// receiving); [`Conflict::ReorderWrongState`] when it is in another state.
async fn transition(
    app: &App,
    reorder_id: ReorderId,
    from: &[ReorderStatus],
    to: ReorderStatus,
    received: Option<u32>,
) -> Result<Reorder, AppError> {
    update_with(app, reorder_id, received, |current| {
        let wrong_state = || Conflict::ReorderWrongState {
            status: current.status,
            wanted: to,
        };
        if !from.contains(&current.status) {
            return Err(wrong_state().into());
        }
        let mut next = current
            .transitioned(to, app.clock.now())
            .ok_or_else(wrong_state)?;
        next.received_quantity = received.or(next.received_quantity);
        Ok(next)
    })
    .await
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

/// Cancels a reorder that is not on its way to the supplier (see
/// [`ReorderStatus::CANCELLABLE`]); its SKU may then be reordered. A
/// QUEUED reorder's message may still be delivered: the mailer finds it
/// CANCELLED and sends nothing.
pub async fn cancel(app: &App, reorder_id: ReorderId) -> Result<Reorder, AppError> {
    let cancelled = update_with(app, reorder_id, None, |current| {
        current
            .transitioned(ReorderStatus::Cancelled, app.clock.now())
            .ok_or_else(|| {
                Conflict::ReorderNotCancellable {
                    status: current.status,
                }
                .into()
            })
    })
    .await?;
    tracing::info!(reorder_id = %reorder_id, sku = %cancelled.sku, "reorder cancelled");
    Ok(cancelled)
}

/// Records the goods as received and adds them to the stock, once.
pub async fn receive(app: &App, reorder_id: ReorderId, quantity: u32) -> Result<Reorder, AppError> {
    let received = transition(
        app,
        reorder_id,
        &[ReorderStatus::Sent],
        ReorderStatus::Received,
        Some(quantity),
    )
    .await?;
    crate::app::amazon_sync::schedule_skus(app, std::slice::from_ref(&received.sku)).await;
    Ok(received)
}

/// Reorders in `status` (all when `None`), newest first.
pub async fn list(
    app: &App,
    status: Option<ReorderStatus>,
    page: &PageRequest,
) -> Result<Page<Reorder>, AppError> {
    Ok(app.store.list_reorders(status, page).await?)
}
