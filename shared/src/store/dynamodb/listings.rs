//! Listing reads and writes. How each write keeps the low-stock flag
//! honest is in `low_flag`; pages are in `listing_pages`.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;
use chrono::{DateTime, Utc};

use super::DynamoStore;
use super::codec::{Item, from_item, n, s, to_attr, to_item};
use super::error::{GaveUp, sdk_error};
use super::expr::Expr;
use super::items::key;
use super::keys::*;
use super::low_flag::{Applied, ListingUpdate};
use crate::domain::{
    AmazonState, EventStamp, Listing, ListingDraft, ListingStatus, Sku, Stock, StockDelta,
};
use crate::ports::{
    AdjustStockError, AmazonStateError, ListingFilter, ListingStore, NotificationOutcome, Page,
    PageRequest, PutOutcome, StoreError, StoreResult,
};

pub(crate) fn search_text(listing: &Listing) -> String {
    format!(
        "{}\n{}",
        listing.sku.as_str().to_lowercase(),
        listing.title.as_str().to_lowercase()
    )
}

/// The full item of a listing whose every value is known.
pub(crate) fn listing_item(listing: &Listing) -> StoreResult<Item> {
    let mut item = to_item(listing)?;
    item.extend(key(listing_pk(&listing.sku), LISTING_SK));
    item.insert(CATALOG_PK.into(), s(CATALOG_PARTITION));
    item.insert(SEARCH.into(), s(search_text(listing)));
    item.insert(
        HEADROOM.into(),
        n(listing.available.get() - i64::from(listing.reorder_point)),
    );
    if listing.is_low_stock() {
        item.insert(LOW_PK.into(), s(LOW_PARTITION));
    }
    if let Some(stamp) = &listing.status_event {
        item.insert(STATUS_STAMP.into(), s(stamp_key(stamp)));
    }
    if let Some(stamp) = &listing.quantity_event {
        item.insert(QUANTITY_STAMP.into(), s(stamp_key(stamp)));
    }
    Ok(item)
}

pub(crate) fn read_listing(item: &Item) -> StoreResult<Listing> {
    from_item(item, "listing")
}

fn stamp_attr(stamp: &EventStamp) -> StoreResult<aws_sdk_dynamodb::types::AttributeValue> {
    serde_json::to_value(stamp)
        .map(to_attr)
        .map_err(|e| StoreError::Corrupt(format!("event stamp: {e}")))
}

/// One conditional update of a listing item.
impl DynamoStore {
    async fn update_fields(
        &self,
        draft: &ListingDraft,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Listing>> {
        let template = Listing::from_draft(draft, now);
        let search = search_text(&template);
        let make = || {
            let mut u = ListingUpdate::default();
            let e = &mut u.expr;
            let mut set = |e: &mut Expr, attr: &str, v| {
                let (name, value) = (e.name(attr), e.value(v));
                u.update.set.push(format!("{name} = {value}"));
            };
            set(e, "title", s(draft.title.as_str()));
            set(e, "price", s(draft.price.to_string()));
            set(e, "currency", s(draft.currency.as_str()));
            // Absent, the stored status stays (a new item gets ACTIVE from
            // the template written on creation).
            if let Some(status) = draft.status {
                set(e, STATUS, s(status.as_str()));
            }
            set(e, REORDER_POINT, n(draft.reorder_point));
            set(e, "reorder_quantity", n(draft.reorder_quantity));
            set(e, "lead_time_days", n(draft.lead_time_days));
            set(
                e,
                "auto_reorder_point",
                aws_sdk_dynamodb::types::AttributeValue::Bool(draft.auto_reorder_point),
            );
            set(e, UPDATED_AT, s(now.to_rfc3339()));
            set(e, SEARCH, s(search.clone()));
            // Absent, the stored flag stays (a new item gets false from the
            // template written on creation).
            if let Some(mfn) = draft.amazon_mfn {
                set(
                    e,
                    "amazon_mfn",
                    aws_sdk_dynamodb::types::AttributeValue::Bool(mfn),
                );
            }
            match &draft.supplier_id {
                Some(id) => set(e, "supplier_id", s(id.as_str())),
                None => u.update.remove.push(e.name("supplier_id")),
            }
            let rp = i64::from(draft.reorder_point);
            match draft.available {
                Some(available) => {
                    set(e, AVAILABLE, n(available.get()));
                    set(e, HEADROOM, n(available.get() - rp));
                    if available.get() <= rp {
                        set(e, LOW_PK, s(LOW_PARTITION));
                    } else {
                        u.update.remove.push(e.name(LOW_PK));
                    }
                }
                None => {
                    let (head, avail, rpv) = (e.name(HEADROOM), e.name(AVAILABLE), e.value(n(rp)));
                    u.update.set.push(format!("{head} = {avail} - {rpv}"));
                    u.stays_high = Some(format!("{avail} > {rpv}"));
                }
            }
            u
        };
        match self.update_listing(&draft.sku, make).await? {
            Applied::Done(item) => Ok(Some(read_listing(&item)?)),
            Applied::Refused(_) => Ok(None),
        }
    }
}

#[async_trait]
impl ListingStore for DynamoStore {
    async fn get_listing(&self, sku: &Sku) -> StoreResult<Option<Listing>> {
        self.get_item(listing_pk(sku), LISTING_SK)
            .await?
            .map(|item| read_listing(&item))
            .transpose()
    }

    async fn get_listings(&self, skus: &[Sku]) -> StoreResult<Vec<Listing>> {
        let keys: Vec<(String, String)> = skus
            .iter()
            .map(|sku| (listing_pk(sku), LISTING_SK.to_owned()))
            .collect();
        self.batch_get(&keys)
            .await?
            .iter()
            .map(read_listing)
            .collect()
    }

    async fn put_listing(
        &self,
        draft: &ListingDraft,
        now: DateTime<Utc>,
    ) -> StoreResult<PutOutcome> {
        // Create if absent, else update in place: an update must not
        // overwrite stock that orders reserved meanwhile, nor the
        // notification stamps. Bounded, in case the listing keeps being
        // deleted and re-created between the two.
        for _ in 0..3 {
            let listing = Listing::from_draft(draft, now);
            let mut expr = Expr::new();
            let created = self
                .client
                .put_item()
                .table_name(self.table.as_ref())
                .set_item(Some(listing_item(&listing)?))
                .condition_expression(format!("attribute_not_exists({})", expr.name(PK)))
                .set_expression_attribute_names(expr.names())
                .send()
                .await;
            match created {
                Ok(_) => return Ok(PutOutcome::Created(listing)),
                Err(err) if matches!(err.as_service_error(), Some(e) if e.is_conditional_check_failed_exception()) =>
                    {}
                Err(err) => return Err(sdk_error("PutItem", err)),
            }
            if let Some(updated) = self.update_fields(draft, now).await? {
                return Ok(PutOutcome::Updated(updated));
            }
        }
        Err(StoreError::unavailable(GaveUp(
            "the listing kept changing during put_listing",
        )))
    }

    async fn delete_listing(&self, sku: &Sku) -> StoreResult<bool> {
        let out = self
            .client
            .delete_item()
            .table_name(self.table.as_ref())
            .set_key(Some(key(listing_pk(sku), LISTING_SK)))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| sdk_error("DeleteItem", e))?;
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }

    async fn adjust_stock(
        &self,
        sku: &Sku,
        delta: StockDelta,
        now: DateTime<Utc>,
    ) -> Result<Listing, AdjustStockError> {
        let d = delta.get();
        let make = || {
            let mut u = ListingUpdate::default();
            let e = &mut u.expr;
            let (avail, head, at) = (e.name(AVAILABLE), e.name(HEADROOM), e.name(UPDATED_AT));
            let (dv, now_v) = (e.value(n(d)), e.value(s(now.to_rfc3339())));
            u.update.set.push(format!(
                "{avail} = {avail} + {dv}, {head} = {head} + {dv}, {at} = {now_v}"
            ));
            let (lo, hi) = (
                e.value(n((-d).max(0))),
                e.value(n((Stock::MAX - d).min(Stock::MAX))),
            );
            // Two comparisons, not BETWEEN: the same on DynamoDB, and moto
            // (the local stand-in) evaluates BETWEEN false when the
            // attribute is 0, refusing every delivery to a sold-out listing.
            u.conditions
                .push(format!("{avail} >= {lo} AND {avail} <= {hi}"));
            if d < 0 {
                let neg = e.value(n(-d));
                u.stays_high = Some(format!("{head} > {neg}"));
            }
            u
        };
        match self.update_listing(sku, make).await? {
            Applied::Done(item) => Ok(read_listing(&item)?),
            Applied::Refused(None) => Err(AdjustStockError::NotFound),
            Applied::Refused(Some(old)) => Err(AdjustStockError::OutOfRange {
                available: read_listing(&old)?.available,
            }),
        }
    }

    async fn list_listings(
        &self,
        filter: &ListingFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Listing>> {
        self.listing_page(filter, page).await
    }

    async fn low_stock_listings(&self, page: &PageRequest) -> StoreResult<Page<Listing>> {
        self.low_stock_page(page).await
    }

    async fn apply_status_notification(
        &self,
        sku: &Sku,
        status: ListingStatus,
        stamp: &EventStamp,
        now: DateTime<Utc>,
    ) -> StoreResult<NotificationOutcome> {
        let stamp_value = stamp_attr(stamp)?;
        let make = || {
            let mut u = ListingUpdate::default();
            let e = &mut u.expr;
            let (st, ev, key_attr, at) = (
                e.name(STATUS),
                e.name("status_event"),
                e.name(STATUS_STAMP),
                e.name(UPDATED_AT),
            );
            let (sv, evv, kv, nowv) = (
                e.value(s(status.as_str())),
                e.value(stamp_value.clone()),
                e.value(s(stamp_key(stamp))),
                e.value(s(now.to_rfc3339())),
            );
            u.update.set.push(format!(
                "{st} = {sv}, {ev} = {evv}, {key_attr} = {kv}, {at} = {nowv}"
            ));
            u.conditions.push(format!(
                "(attribute_not_exists({key_attr}) OR {key_attr} < {kv})"
            ));
            u
        };
        Ok(match self.update_listing(sku, make).await? {
            Applied::Done(item) => NotificationOutcome::Applied(read_listing(&item)?),
            Applied::Refused(None) => NotificationOutcome::UnknownListing,
            Applied::Refused(Some(_)) => NotificationOutcome::Stale,
        })
    }

    async fn apply_quantity_notification(
        &self,
        sku: &Sku,
        available: Stock,
        stamp: &EventStamp,
        now: DateTime<Utc>,
    ) -> StoreResult<NotificationOutcome> {
        let stamp_value = stamp_attr(stamp)?;
        let make = || {
            let mut u = ListingUpdate::default();
            let e = &mut u.expr;
            let (avail, head, rp) = (e.name(AVAILABLE), e.name(HEADROOM), e.name(REORDER_POINT));
            let (ev, key_attr, at) = (
                e.name("quantity_event"),
                e.name(QUANTITY_STAMP),
                e.name(UPDATED_AT),
            );
            let (av, evv, kv, nowv) = (
                e.value(n(available.get())),
                e.value(stamp_value.clone()),
                e.value(s(stamp_key(stamp))),
                e.value(s(now.to_rfc3339())),
            );
            u.update.set.push(format!(
                "{avail} = {av}, {head} = {av} - {rp}, {ev} = {evv}, {key_attr} = {kv}, {at} = {nowv}"
            ));
            u.conditions.push(format!(
                "(attribute_not_exists({key_attr}) OR {key_attr} < {kv})"
            ));
            u.stays_high = Some(format!("{rp} < {av}"));
            u
        };
        Ok(match self.update_listing(sku, make).await? {
            Applied::Done(item) => NotificationOutcome::Applied(read_listing(&item)?),
            Applied::Refused(None) => NotificationOutcome::UnknownListing,
            Applied::Refused(Some(_)) => NotificationOutcome::Stale,
        })
    }

    async fn update_amazon_state(
        &self,
        sku: &Sku,
        expected_revision: u32,
        next: &AmazonState,
        stock_delta: i64,
        now: DateTime<Utc>,
    ) -> Result<Listing, AmazonStateError> {
        let state = serde_json::to_value(next)
            .map(to_attr)
            .map_err(|e| StoreError::Corrupt(format!("Amazon state: {e}")))?;
        let d = stock_delta;
        let make = || {
            let mut u = ListingUpdate::default();
            let e = &mut u.expr;
            let (amazon, revision) = (e.name("amazon"), e.name("revision"));
            let (avail, head, at) = (e.name(AVAILABLE), e.name(HEADROOM), e.name(UPDATED_AT));
            let (sv, dv, nowv) = (
                e.value(state.clone()),
                e.value(n(d)),
                e.value(s(now.to_rfc3339())),
            );
            u.update.set.push(format!(
                "{amazon} = {sv}, {avail} = {avail} + {dv}, {head} = {head} + {dv}, {at} = {nowv}"
            ));
            if expected_revision == 0 {
                u.conditions.push(format!("attribute_not_exists({amazon})"));
            } else {
                let rv = e.value(n(expected_revision));
                u.conditions.push(format!("{amazon}.{revision} = {rv}"));
            }
            let (lo, hi) = (
                e.value(n((-d).max(0))),
                e.value(n((Stock::MAX - d).min(Stock::MAX))),
            );
            u.conditions.push(format!("{avail} BETWEEN {lo} AND {hi}"));
            if d < 0 {
                let neg = e.value(n(-d));
                u.stays_high = Some(format!("{head} > {neg}"));
            }
            u
        };
        match self.update_listing(sku, make).await? {
            Applied::Done(item) => Ok(read_listing(&item)?),
            Applied::Refused(None) => Err(AmazonStateError::NotFound),
            Applied::Refused(Some(old)) => {
                let old = read_listing(&old)?;
                if old.amazon_revision() != expected_revision {
                    Err(AmazonStateError::Conflict)
                } else {
                    Err(AmazonStateError::OutOfRange {
                        available: old.available,
                    })
                }
            }
        }
    }

    async fn set_reorder_point(
        &self,
        sku: &Sku,
        reorder_point: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let make = || {
            let mut u = ListingUpdate::default();
            let e = &mut u.expr;
            let (avail, head, rp, at) = (
                e.name(AVAILABLE),
                e.name(HEADROOM),
                e.name(REORDER_POINT),
                e.name(UPDATED_AT),
            );
            let (rpv, nowv) = (e.value(n(reorder_point)), e.value(s(now.to_rfc3339())));
            u.update.set.push(format!(
                "{rp} = {rpv}, {head} = {avail} - {rpv}, {at} = {nowv}"
            ));
            u.stays_high = Some(format!("{avail} > {rpv}"));
            u
        };
        Ok(matches!(
            self.update_listing(sku, make).await?,
            Applied::Done(_)
        ))
    }
}
