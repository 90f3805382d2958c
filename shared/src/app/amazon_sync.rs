//! Keeping Amazon's offer of each `amazon_mfn` listing at Stockroom's stock
//! and price (issue: listing updates to Amazon).
//!
//! * Whatever changes such a listing's stock or price through Stockroom
//!   (an order placed, a cancel or failure releasing stock, an adjustment,
//!   a received reorder, an edit, Amazon's own change read from a
//!   notification) calls [`schedule`] or [`schedule_skus`], which publish
//!   [`SyncRequested`] (`{"sku"}`) to the `amazon-sync` queue. Publishing
//!   never fails the change itself: it is logged, and the next change of
//!   the listing schedules it again.
//! * `amazon-sync` ([`crate::consumers::amazon_sync`]) calls [`sync`] once
//!   per SKU of a batch. [`sync`] reads the listing's *current* state and
//!   sends that (patchListingsItem: quantity and price), so the latest
//!   state wins by construction and a burst of orders is one call per
//!   batch; it is skipped when the last push carried the current stock
//!   and price and Amazon has reported no change since. The push is then recorded in the listing's
//!   [`AmazonState`] (compare-and-set on its revision), where the
//!   notifications find it.
//! * [`apply_quantity`] reads a LISTINGS_ITEM_MFN_QUANTITY_CHANGE of an
//!   `amazon_mfn` listing against what was pushed: the echo of a push
//!   changes nothing, Amazon's own change is added to the stock as its
//!   difference (so that neither channel's sales are forgotten) and a push
//!   is scheduled to bring Amazon to Stockroom's count. The rules are in
//!   [`crate::domain::AmazonState`].
//!
//! Failures: a transient Amazon error (throttling, outage) fails the
//! SKU's messages for SQS to redeliver. A permanent refusal (Amazon's 4xx:
//! an unknown SKU, a listing Amazon will not take this patch for) is
//! logged with Amazon's reason and dropped: the same request can never
//! succeed, retrying it would only hold up the SKU's FIFO group until the
//! dead-letter queue, and the next change of the listing tries again with
//! fresh data. Messages that cannot be read at all go to the DLQ.
//!
//! Race windows that remain (each leaves the two counts apart until the
//! next change of the listing, or loses or adds units):
//!
//! 1. Amazon applies a push asynchronously. An Amazon sale that Amazon
//!    records *after* we send a push but *before* it applies it is wiped
//!    out at Amazon by the push, and its notification is dated after our
//!    `sent_at`, so it is read against the new push: the sale shows up as
//!    a difference against a count Amazon never held (e.g. +2 instead of
//!    -1). Stockroom stamps `sent_at` before the call to keep this window
//!    to Amazon's processing delay.
//! 2. Likewise the echo of a push that Amazon applies after we sent the
//!    next one is read against the newer push and taken for Amazon's
//!    change. The FIFO group keeps our pushes in order, not Amazon's
//!    processing of them.
//! 3. A notification older than every kept push ([`crate::domain::KEPT_PUSHES`])
//!    is stale and dropped, and so is one that arrives before the listing
//!    was ever pushed (no baseline): a sale in either is not counted.
//! 4. Clocks: `sent_at` is Stockroom's clock, event times are Amazon's; a
//!    skew larger than the gap between a sale and a push places the sale
//!    in the wrong interval.
//! 5. Both channels can sell the last unit: a difference that would take
//!    the stock below zero takes it to zero (logged as oversold), and the
//!    next push tells Amazon it has none.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::app::{App, AppError, Conflict, Resource, reorders};
use crate::domain::{
    AmazonPush, AmazonReading, AmazonState, EventStamp, Listing, ListingStatus, Sku, Stock,
};
use crate::ports::{AmazonError, AmazonStateError, ListingPatch, PublishQueue};

/// The `amazon-sync` message: which listing to push. Everything else is
/// read from the listing when the message is handled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRequested {
    pub sku: Sku,
}

impl SyncRequested {
    pub fn to_body(&self) -> String {
        // A SKU is a plain string: serialising it cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// How many times a compare-and-set of the Amazon state is recomputed
/// after a concurrent write before giving up (the message is retried).
const MAX_ATTEMPTS: usize = 8;

/// Schedules a push for those of `listings` that are `amazon_mfn`.
pub async fn schedule<'a>(app: &App, listings: impl IntoIterator<Item = &'a Listing>) {
    let skus: BTreeSet<&Sku> = listings
        .into_iter()
        .filter(|l| l.amazon_mfn)
        .map(|l| &l.sku)
        .collect();
    if skus.is_empty() {
        return;
    }
    let bodies: Vec<String> = skus
        .iter()
        .map(|sku| {
            SyncRequested {
                sku: (*sku).clone(),
            }
            .to_body()
        })
        .collect();
    if let Err(error) = app.publish(PublishQueue::AmazonSync, &bodies).await {
        tracing::warn!(skus = ?skus, error = %crate::telemetry::chain(&error), "Amazon sync not scheduled; the next change of these listings schedules it again");
    }
}

/// Schedules a push for those of `skus` whose listings are `amazon_mfn`
/// (one read of the listings).
pub async fn schedule_skus(app: &App, skus: &[Sku]) {
    if skus.is_empty() {
        return;
    }
    match app.store.get_listings(skus).await {
        Ok(listings) => schedule(app, &listings).await,
        Err(error) => {
            tracing::warn!(skus = ?skus, error = %crate::telemetry::chain(&error), "Amazon sync not scheduled: listings unreadable");
        }
    }
}

/// What [`sync`] did for one SKU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Synced {
    /// Amazon was sent this quantity (and the listing's price).
    Pushed { quantity: u32 },
    /// Amazon already shows the listing's stock and price.
    UpToDate,
    /// No such listing, or it is not `amazon_mfn` (any more).
    NotSynced,
    /// Amazon refused the patch for good; dropped with its reason.
    Refused { reason: String },
    /// This function has no SP-API client: nothing can be pushed.
    NotConfigured,
}

/// Pushes the listing's current stock and price to Amazon unless Amazon
/// already shows them, and records the push. `Err` only for what a retry
/// may fix (Amazon or the store unavailable).
///
/// Amazon is offered the listing's available stock while it is ACTIVE and
/// nothing while it is not, as in the shop. A listing that is gone was
/// deleted after it was scheduled (only `amazon_mfn` listings are), so
/// Amazon is told it has none left: otherwise Amazon would go on selling
/// stock that Stockroom no longer tracks.
pub async fn sync(app: &App, sku: &Sku) -> Result<Synced, AppError> {
    let Some(listing) = app.store.get_listing(sku).await? else {
        let patch = ListingPatch {
            sku: sku.clone(),
            quantity: 0,
            price: None,
        };
        return match push(app, &patch).await? {
            Some(refused) => Ok(refused),
            None => {
                tracing::info!(sku = %sku, "deleted listing withdrawn from Amazon");
                Ok(Synced::Pushed { quantity: 0 })
            }
        };
    };
    if !listing.amazon_mfn {
        return Ok(Synced::NotSynced);
    }
    let offered = if listing.status == ListingStatus::Active {
        listing.available.get()
    } else {
        0
    };
    if listing
        .amazon
        .as_ref()
        .is_some_and(|a| a.shows(offered, listing.price))
    {
        return Ok(Synced::UpToDate);
    }
    let quantity = u32::try_from(offered).unwrap_or(u32::MAX);
    let patch = ListingPatch {
        sku: sku.clone(),
        quantity,
        price: Some((listing.price, listing.currency)),
    };
    let sent_at = app.clock.now();
    if let Some(not_pushed) = push(app, &patch).await? {
        return Ok(not_pushed);
    }
    let push = AmazonPush {
        quantity: offered,
        price: listing.price,
        sent_at,
        known: offered,
        last_event: None,
    };
    record_push(app, sku, listing, push).await?;
    tracing::info!(sku = %sku, quantity, price = %patch.price.map(|p| p.0.to_string()).unwrap_or_default(), "listing pushed to Amazon");
    Ok(Synced::Pushed { quantity })
}

/// Sends `patch`: `None` when Amazon took it, `Some` when it was not sent
/// or refused for good, `Err` for what a retry may fix.
async fn push(app: &App, patch: &ListingPatch) -> Result<Option<Synced>, AppError> {
    let amazon = match app.amazon() {
        Ok(amazon) => amazon,
        Err(_) => return Ok(Some(Synced::NotConfigured)),
    };
    let sku = &patch.sku;
    match amazon.patch_listing(patch).await {
        Ok(()) => Ok(None),
        Err(AmazonError::Refused {
            status,
            code,
            message,
            request_id,
        }) => {
            tracing::warn!(sku = %sku, status, code = %code, reason = %message, request_id = ?request_id, "Amazon refused the listing update; dropped");
            Ok(Some(Synced::Refused {
                reason: format!("{code}: {message}"),
            }))
        }
        Err(AmazonError::NotConfigured) => Ok(Some(Synced::NotConfigured)),
        Err(error) => Err(AppError::Unavailable {
            service: "Amazon SP-API",
            source: Box::new(error),
        }),
    }
}

/// Adds `push` to the listing's Amazon state, over concurrent notification
/// writes. A listing deleted meanwhile has nothing to record.
async fn record_push(
    app: &App,
    sku: &Sku,
    mut listing: Listing,
    push: AmazonPush,
) -> Result<(), AppError> {
    for _ in 0..MAX_ATTEMPTS {
        let state = listing.amazon.clone().unwrap_or_default();
        let next = state.with_push(push.clone());
        match app
            .store
            .update_amazon_state(sku, state.revision, &next, 0, app.clock.now())
            .await
        {
            Ok(_) | Err(AmazonStateError::NotFound) => return Ok(()),
            Err(AmazonStateError::Conflict) | Err(AmazonStateError::OutOfRange { .. }) => {}
            Err(AmazonStateError::Store(e)) => return Err(e.into()),
        }
        match app.store.get_listing(sku).await? {
            Some(current) => listing = current,
            None => return Ok(()),
        }
    }
    Err(Conflict::ConcurrentUpdate(Resource::Listing).into())
}

/// What a quantity notification did to an `amazon_mfn` listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuantityApplied {
    /// Amazon's own change, added to the stock (`applied` may be less than
    /// `reported` when both channels sold the last units).
    Changed {
        reported: i64,
        applied: i64,
    },
    /// The echo of our own push, or a repeat: nothing changed.
    Echo,
    Stale,
    /// Never pushed: no count to compare with (a push is scheduled).
    NoBaseline,
    UnknownListing,
}

/// Applies Amazon's report that it holds `quantity` of an `amazon_mfn`
/// listing (see the module docs), then schedules a push and raises a
/// reorder if the stock went low.
pub async fn apply_quantity(
    app: &App,
    listing: Listing,
    quantity: Stock,
    stamp: &EventStamp,
) -> Result<QuantityApplied, AppError> {
    let sku = listing.sku.clone();
    let mut listing = listing;
    for _ in 0..MAX_ATTEMPTS {
        let state: AmazonState = listing.amazon.clone().unwrap_or_default();
        let (delta, next) = match state.reading(quantity.get(), stamp) {
            AmazonReading::Stale => return Ok(QuantityApplied::Stale),
            AmazonReading::NoBaseline => {
                schedule(app, [&listing]).await;
                return Ok(QuantityApplied::NoBaseline);
            }
            AmazonReading::Echo(next) => (0, next),
            AmazonReading::Change { delta, next } => (delta, next),
        };
        // Oversold across channels: the stock cannot go below zero.
        let applied = delta.max(-listing.available.get());
        let now = app.clock.now();
        match app
            .store
            .update_amazon_state(&sku, state.revision, &next, applied, now)
            .await
        {
            Ok(updated) => {
                if delta == 0 {
                    crate::metrics::count(crate::metrics::Metric::AmazonEchoesIgnored, 1);
                    return Ok(QuantityApplied::Echo);
                }
                crate::metrics::count(crate::metrics::Metric::AmazonChangesApplied, 1);
                if applied != delta {
                    tracing::warn!(sku = %sku, reported = delta, applied, "oversold across channels: Amazon sold more than Stockroom held");
                }
                tracing::info!(sku = %sku, delta = applied, available = updated.available.get(), "Amazon's own quantity change applied");
                if updated.is_low_stock() {
                    reorders::check_listing(app, &updated).await?;
                }
                schedule(app, [&updated]).await;
                return Ok(QuantityApplied::Changed {
                    reported: delta,
                    applied,
                });
            }
            Err(AmazonStateError::NotFound) => return Ok(QuantityApplied::UnknownListing),
            Err(AmazonStateError::Conflict) | Err(AmazonStateError::OutOfRange { .. }) => {}
            Err(AmazonStateError::Store(e)) => return Err(e.into()),
        }
        match app.store.get_listing(&sku).await? {
            Some(current) => listing = current,
            None => return Ok(QuantityApplied::UnknownListing),
        }
    }
    Err(Conflict::ConcurrentUpdate(Resource::Listing).into())
}

#[cfg(test)]
#[path = "amazon_sync_tests.rs"]
mod tests;
