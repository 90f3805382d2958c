//! Listing pages in SKU order, from the `catalog` and `low` indexes.
//!
//! Both indexes hold one partition of keys in SKU order and project nothing
//! that changes with stock (`catalog` projects status and the search text;
//! `low` only keys), so an order never writes to them: their
//! single partitions see admin edits and threshold crossings only. A page
//! reads keys from the index, fetches the items themselves with one
//! consistent BatchGetItem and checks the filter on them (the index is
//! only eventually consistent, and "not low" cannot be answered from it).
//! Queries continue until the page is full, the index ends, or the page
//! has examined `listing_scan_budget` index entries (counted by the
//! queries' `ScannedCount`, i.e. before the filter expression): a filter
//! that matches little then answers a short page, with a cursor at the
//! last key examined (the query's `LastEvaluatedKey`), instead of reading
//! the whole index in one request.

use futures::future::join_all;

use super::DynamoStore;
use super::codec::{Item, get_s, s};
use super::error::sdk_error;
use super::expr::Expr;
use super::keys::*;
use super::listings::read_listing;
use crate::domain::{Listing, Sku};
use crate::ports::{Cursor, ListingFilter, Page, PageRequest, StoreResult, listing_scan_budget};

const LISTINGS: &str = "listings";
const LOW_STOCK: &str = "low-stock";
/// The largest index page asked for while a filter keeps dropping items.
const MAX_FETCH: i32 = 500;

enum Source {
    Catalog,
    Low,
}

/// One query's answer: the SKUs that passed its filter, where to go on,
/// and how many index entries it examined.
struct IndexScan {
    skus: Vec<Sku>,
    next_start: Option<Item>,
    examined: usize,
}

impl DynamoStore {
    pub(crate) async fn listing_page(
        &self,
        filter: &ListingFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Listing>> {
        let after: Option<Sku> = page
            .cursor
            .as_ref()
            .map(|c| c.decode(LISTINGS))
            .transpose()?;
        let source = if filter.low_stock == Some(true) {
            Source::Low
        } else {
            Source::Catalog
        };
        self.sku_ordered_page(source, filter, after, page.limit.get(), LISTINGS)
            .await
    }

    pub(crate) async fn low_stock_page(&self, page: &PageRequest) -> StoreResult<Page<Listing>> {
        let after: Option<Sku> = page
            .cursor
            .as_ref()
            .map(|c| c.decode(LOW_STOCK))
            .transpose()?;
        let filter = ListingFilter {
            low_stock: Some(true),
            ..ListingFilter::default()
        };
        self.sku_ordered_page(Source::Low, &filter, after, page.limit.get(), LOW_STOCK)
            .await
    }

    async fn sku_ordered_page(
        &self,
        source: Source,
        filter: &ListingFilter,
        after: Option<Sku>,
        limit: usize,
        kind: &str,
    ) -> StoreResult<Page<Listing>> {
        let mut items = Vec::with_capacity(limit);
        let mut start: Option<Item> = None;
        let mut budget = listing_scan_budget(limit);
        let mut fetch = limit + 1;
        loop {
            let ask = i32::try_from(fetch.min(budget).max(1)).unwrap_or(MAX_FETCH);
            let IndexScan {
                skus,
                next_start,
                examined,
            } = self
                .index_skus(&source, filter, after.as_ref(), start.take(), ask)
                .await?;
            budget = budget.saturating_sub(examined);
            let keys: Vec<(String, String)> = skus
                .iter()
                .map(|sku| (listing_pk(sku), LISTING_SK.to_owned()))
                .collect();
            let fetched = self.batch_get(&keys).await?;
            let mut stale_flags = Vec::new();
            let count = fetched.len();
            for (i, item) in fetched.iter().enumerate() {
                let listing = read_listing(item)?;
                if matches!(source, Source::Low) && !listing.is_low_stock() {
                    stale_flags.push(listing.sku.clone());
                }
                if !filter.matches(&listing) {
                    continue;
                }
                items.push(listing);
                if items.len() == limit {
                    let more = i + 1 < count || next_start.is_some();
                    self.clear_stale_flags(stale_flags).await;
                    let next_cursor = match (more, items.last()) {
                        (true, Some(last)) => Some(Cursor::encode(kind, &last.sku)?),
                        _ => None,
                    };
                    return Ok(Page { items, next_cursor });
                }
            }
            self.clear_stale_flags(stale_flags).await;
            let Some(next) = next_start else {
                return Ok(Page {
                    items,
                    next_cursor: None,
                });
            };
            if budget == 0 {
                // Every key up to the last one examined has been seen.
                let stop = Sku::parse(get_s(&next, SKU_ATTR)?)
                    .map_err(|e| crate::ports::StoreError::Corrupt(format!("listing sku: {e}")))?;
                return Ok(Page {
                    items,
                    next_cursor: Some(Cursor::encode(kind, &stop)?),
                });
            }
            start = Some(next);
            fetch = (fetch * 2).min(MAX_FETCH as usize);
        }
    }

    /// One query of SKUs from an index, after `after`, continuing from `start`.
    async fn index_skus(
        &self,
        source: &Source,
        filter: &ListingFilter,
        after: Option<&Sku>,
        start: Option<Item>,
        limit: i32,
    ) -> StoreResult<IndexScan> {
        let mut e = Expr::new();
        let (index, pk_attr, partition) = match source {
            Source::Catalog => (CATALOG, CATALOG_PK, CATALOG_PARTITION),
            Source::Low => (LOW, LOW_PK, LOW_PARTITION),
        };
        let (pk, pv) = (e.name(pk_attr), e.value(s(partition)));
        let mut key_condition = format!("{pk} = {pv}");
        if let Some(after) = after {
            let (sku, av) = (e.name(SKU_ATTR), e.value(s(after.as_str())));
            key_condition.push_str(&format!(" AND {sku} > {av}"));
        }
        // Pre-filters on what the catalog projects; the items are checked again.
        let mut filters = Vec::new();
        if let Source::Catalog = source {
            if let Some(status) = filter.status {
                let (st, sv) = (e.name(STATUS), e.value(s(status.as_str())));
                filters.push(format!("{st} = {sv}"));
            }
            if let Some(q) = &filter.q {
                let (search, qv) = (e.name(SEARCH), e.value(s(q.as_str())));
                filters.push(format!("contains({search}, {qv})"));
            }
        }
        let out = self
            .client
            .query()
            .table_name(self.table.as_ref())
            .index_name(index)
            .key_condition_expression(key_condition)
            .set_filter_expression((!filters.is_empty()).then(|| filters.join(" AND ")))
            .set_expression_attribute_names(e.names())
            .set_expression_attribute_values(e.values())
            .set_exclusive_start_key(start)
            .limit(limit)
            .send()
            .await
            .map_err(|err| sdk_error("Query", err))?;
        let returned = out.items.as_ref().map_or(0, Vec::len);
        // Entries read before the filter expression; a stand-in that does
        // not report it is charged the whole query.
        let examined = usize::try_from(out.scanned_count)
            .ok()
            .filter(|n| *n > 0)
            .unwrap_or(usize::try_from(limit).unwrap_or(0))
            .max(returned);
        let skus = out
            .items
            .unwrap_or_default()
            .iter()
            .map(|item| {
                get_s(item, SKU_ATTR).and_then(|raw| {
                    Sku::parse(raw)
                        .map_err(|e| crate::ports::StoreError::Corrupt(format!("listing sku: {e}")))
                })
            })
            .collect::<StoreResult<Vec<Sku>>>()?;
        Ok(IndexScan {
            skus,
            next_start: out.last_evaluated_key.filter(|k| !k.is_empty()),
            examined,
        })
    }

    /// The lazy half of the low-stock invariant: flags found on listings
    /// that are no longer low are removed (conditionally, so a listing that
    /// became low again meanwhile keeps its flag).
    async fn clear_stale_flags(&self, skus: Vec<Sku>) {
        let results = join_all(skus.iter().map(|sku| self.clear_low_flag(sku))).await;
        for (sku, result) in skus.iter().zip(results) {
            if let Err(e) = result {
                tracing::debug!(sku = %sku, error = %e, "stale low-stock flag left for later");
            }
        }
    }
}
