//! `list_listings` with a bounded scan.
//!
//! A filter the indexes cannot answer (`q`, `low_stock=false`) would make
//! the server walk the collection until a page fills, which for a term
//! that matches nothing is the whole catalogue. So a page first finds the
//! `listing_scan_budget`-th `_id` past the cursor among the listings the
//! indexes do select (status through `status_by_sku`, `low_stock=true`
//! through `low_stock_by_sku`, else `_id`): a walk of that many index keys,
//! projected to `_id` so no document is read. The page is then the
//! matches up to that `_id`. When the window holds fewer than a page, the
//! cursor is the window's last `_id`, where the next page resumes: every
//! listing up to it has been examined. A filter the indexes answer whole
//! needs no window: the page query itself reads at most a page and one.

use mongodb::bson::{Bson, Document, doc};

use super::MongoStore;
use super::documents::listing_from;
use super::error::OrStore;
use super::paging::{self, Order, PageQuery};
use crate::domain::Listing;
use crate::ports::{Cursor, ListingFilter, Page, PageRequest, StoreResult, listing_scan_budget};

impl MongoStore {
    /// One page of the listings matching `indexed` (what an index selects)
    /// and `rest` (what it does not), after `after`, with at most `limit`
    /// items; `kind` names the cursor.
    pub(super) async fn bounded_listing_page(
        &self,
        indexed: Document,
        rest: Document,
        after: Option<Bson>,
        limit: usize,
        kind: &str,
    ) -> StoreResult<Page<Listing>> {
        let budget = listing_scan_budget(limit);
        let mut range = Document::new();
        if let Some(after) = after {
            range.insert("$gt", after);
        }
        let mut window = indexed.clone();
        if !range.is_empty() {
            window.insert("_id", range.clone());
        }
        let edge = if rest.is_empty() {
            None
        } else {
            let skip = u64::try_from(budget - 1).unwrap_or(u64::MAX);
            self.listings
                .find_one(window)
                .sort(doc! { "_id": 1 })
                .skip(skip)
                .projection(doc! { "_id": 1 })
                .await
                .or_store()?
                .and_then(|d| d.get("_id").cloned())
        };
        if let Some(edge) = &edge {
            range.insert("$lte", edge.clone());
        }
        let mut query = indexed;
        query.extend(rest);
        if !range.is_empty() {
            query.insert("_id", range);
        }
        // The `_id` range is already in the query, so the page continues
        // from nothing further.
        let page = paging::fetch(
            &self.listings,
            query,
            None,
            &PageRequest::first(limit),
            PageQuery {
                kind,
                order: Order::Ascending,
                decode: listing_from,
                key: |l: &Listing| l.sku.clone(),
            },
        )
        .await?;
        let next_cursor = match (page.next_cursor, edge) {
            (Some(next), _) => Some(next),
            // The window was cut at the budget: resume after its end.
            (None, Some(Bson::String(edge))) => Some(Cursor::encode(kind, &edge)?),
            (None, _) => None,
        };
        Ok(Page {
            items: page.items,
            next_cursor,
        })
    }
}

/// The part of `filter` an index answers, and the rest.
pub(super) fn split_filter(filter: &ListingFilter) -> (Document, Document) {
    let mut indexed = Document::new();
    let mut rest = Document::new();
    if let Some(status) = filter.status {
        indexed.insert("status", status.as_str());
    }
    match filter.low_stock {
        Some(true) => {
            indexed.insert("low_stock", true);
        }
        Some(false) => {
            rest.insert("low_stock", false);
        }
        None => {}
    }
    (indexed, rest)
}
