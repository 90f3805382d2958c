//! Listing writes, and how each keeps the low-stock flag honest.
//!
//! The `low` index is sparse: a listing is in it while it carries `lpk`.
//! The invariant is one-sided:
//!
//! > every listing with `available <= reorder_point` carries `lpk`
//! > (a flagged listing may have been restocked since: a stale flag).
//!
//! An update expression cannot set an attribute conditionally, so a write
//! whose result is not known in advance (a decrement, a new reorder point
//! with unknown stock) is sent with a guard: "already flagged, or stays
//! above the reorder point", phrased on the old item through `headroom =
//! available - reorder_point`, which every stock write keeps in step. If
//! the guard fails, the same write is sent again setting the flag. The
//! flag is thus set in the very write that makes a listing low, never in a
//! follow-up that a crash could skip. Writes that know the new values
//! (absolute stock, creations) set or remove the flag outright. Stale flags
//! (left by releases and receipts, which only add stock, or by a guarded
//! retry that lost a race) are removed lazily by `low_stock_listings` and
//! eagerly here when a write returns a listing that is flagged but not low.

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};

use super::DynamoStore;
use super::codec::{Item, s};
use super::error::sdk_error;
use super::expr::{Expr, Update};
use super::items::key;
use super::keys::*;
use super::listings::read_listing;
use crate::domain::Sku;
use crate::ports::StoreResult;

pub(crate) fn is_flagged(item: &Item) -> bool {
    item.contains_key(LOW_PK)
}

#[derive(Debug, Default)]
pub(crate) struct ListingUpdate {
    pub(crate) expr: Expr,
    pub(crate) update: Update,
    /// Conditions on the old item, joined with AND.
    pub(crate) conditions: Vec<String>,
    /// "The listing stays above its reorder point", on the old item; `Some`
    /// when this write could make the listing low.
    pub(crate) stays_high: Option<String>,
}

pub(crate) enum Applied {
    /// The new item.
    Done(Item),
    /// A condition failed; the old item, if there was one.
    Refused(Option<Item>),
}

impl DynamoStore {
    /// Sends `make()`'s update guarded as the module docs explain: first
    /// with the guard, then (if any condition failed) setting the flag.
    pub(crate) async fn update_listing(
        &self,
        sku: &Sku,
        make: impl Fn() -> ListingUpdate,
    ) -> StoreResult<Applied> {
        let first = make();
        let guarded = first.stays_high.is_some();
        match self.send_listing_update(sku, first, false).await? {
            Applied::Done(item) => Ok(Applied::Done(item)),
            Applied::Refused(old) if !guarded => Ok(Applied::Refused(old)),
            Applied::Refused(_) => self.send_listing_update(sku, make(), true).await,
        }
    }

    async fn send_listing_update(
        &self,
        sku: &Sku,
        mut u: ListingUpdate,
        set_flag: bool,
    ) -> StoreResult<Applied> {
        let mut conditions = vec![format!("attribute_exists({})", u.expr.name(PK))];
        conditions.append(&mut u.conditions);
        if let Some(stays_high) = u.stays_high.take() {
            if set_flag {
                let (lpk, low) = (u.expr.name(LOW_PK), u.expr.value(s(LOW_PARTITION)));
                u.update.set.push(format!("{lpk} = {low}"));
            } else {
                conditions.push(format!(
                    "(attribute_exists({}) OR {stays_high})",
                    u.expr.name(LOW_PK)
                ));
            }
        }
        let (update, condition) = (u.update.render(), conditions.join(" AND "));
        let expr = u.expr.used_in(&[&update, &condition]);
        let result = self
            .client
            .update_item()
            .table_name(self.table.as_ref())
            .set_key(Some(key(listing_pk(sku), LISTING_SK)))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(out) => {
                let item = out.attributes.unwrap_or_default();
                self.settle_low_flag(sku, &item).await;
                Ok(Applied::Done(item))
            }
            Err(err) => match err.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(failed)) => {
                    match failed.item() {
                        Some(old) => Ok(Applied::Refused(Some(old.clone()))),
                        // Emulators that ignore ReturnValuesOnConditionCheckFailure.
                        None => Ok(Applied::Refused(
                            self.get_item(listing_pk(sku), LISTING_SK).await?,
                        )),
                    }
                }
                _ => Err(sdk_error("UpdateItem", err)),
            },
        }
    }

    /// Removes a stale flag from a listing just written, if it is not low.
    /// Best effort: a stale flag left behind only costs `low_stock_listings`
    /// one more look.
    async fn settle_low_flag(&self, sku: &Sku, item: &Item) {
        if !is_flagged(item) || read_listing(item).map_or(true, |l| l.is_low_stock()) {
            return;
        }
        if let Err(e) = self.clear_low_flag(sku).await {
            tracing::debug!(sku = %sku, error = %e, "stale low-stock flag left for later");
        }
    }

    /// Removes the flag only if the listing is (still) above its reorder point.
    pub(crate) async fn clear_low_flag(&self, sku: &Sku) -> StoreResult<()> {
        let mut expr = Expr::new();
        let (lpk, avail, rp) = (
            expr.name(LOW_PK),
            expr.name(AVAILABLE),
            expr.name(REORDER_POINT),
        );
        let result = self
            .client
            .update_item()
            .table_name(self.table.as_ref())
            .set_key(Some(key(listing_pk(sku), LISTING_SK)))
            .update_expression(format!("REMOVE {lpk}"))
            .condition_expression(format!("{avail} > {rp}"))
            .set_expression_attribute_names(expr.names())
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if matches!(err.as_service_error(), Some(e) if e.is_conditional_check_failed_exception()) => {
                Ok(())
            }
            Err(err) => Err(sdk_error("UpdateItem", err)),
        }
    }
}
