//! A listing page examines a bounded number of listings: a filter that
//! matches nothing over a big catalogue answers at once, short, with a
//! cursor; following the cursors finds every match exactly once.

use std::collections::BTreeSet;
use std::sync::Arc;

use futures::future::join_all;
use stockroom::ports::{
    ListingFilter, MIN_LISTING_SCAN, PageRequest, SearchTerm, Store, listing_scan_budget,
};

use super::fixtures::*;

/// Listings in the catalogue: more than two budgets of a 10-item page.
const CATALOGUE: usize = 2 * MIN_LISTING_SCAN + 50;
/// Every this many listings carries the word the second search looks for.
const EVERY: usize = 37;

/// All pages of `filter`, `limit` at a time: (SKUs in order, pages).
async fn walk(store: &dyn Store, filter: &ListingFilter, limit: usize) -> (Vec<String>, usize) {
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = store
            .list_listings(filter, &PageRequest::after(limit, cursor))
            .await
            .unwrap();
        assert!(page.items.len() <= limit);
        seen.extend(page.items.iter().map(|l| l.sku.as_str().to_owned()));
        pages += 1;
        cursor = page.next_cursor;
        if cursor.is_none() {
            return (seen, pages);
        }
        assert!(pages <= CATALOGUE, "pagination does not terminate");
    }
}

pub async fn listing_scans_are_bounded_and_resumable(store: Arc<dyn Store>) {
    assert_eq!(listing_scan_budget(10), MIN_LISTING_SCAN);
    assert_eq!(listing_scan_budget(100), 1000);
    let tag = unique("scan").to_lowercase();
    let word = unique("needle").to_lowercase();
    let mut expected = BTreeSet::new();
    let drafts: Vec<_> = (0..CATALOGUE)
        .map(|i| {
            let name = format!("{tag}-{i:04}");
            let mut d = draft(&name, 50);
            if i % EVERY == 5 {
                d.title = stockroom::domain::Title::parse(&format!("Item with {word}")).unwrap();
                expected.insert(name.clone());
            }
            d
        })
        .collect();
    for chunk in drafts.chunks(25) {
        join_all(chunk.iter().map(|d| store.put_listing(d, now())))
            .await
            .into_iter()
            .for_each(|r| {
                r.unwrap();
            });
    }

    // No match: the first page answers empty, with a cursor, after at
    // most a budget of listings; the walk ends with nothing found.
    let nothing = ListingFilter {
        q: Some(SearchTerm::parse(&unique("nomatch")).unwrap()),
        ..ListingFilter::default()
    };
    let first = store
        .list_listings(&nothing, &PageRequest::first(10))
        .await
        .unwrap();
    assert!(first.items.is_empty());
    assert!(
        first.next_cursor.is_some(),
        "the scan stopped with a cursor"
    );
    let (found, pages) = walk(store.as_ref(), &nothing, 10).await;
    assert!(found.is_empty());
    assert!(
        pages > CATALOGUE / MIN_LISTING_SCAN,
        "{pages} pages: each examined at most {MIN_LISTING_SCAN}"
    );

    // Sparse matches: every one found once, in SKU order, whatever the
    // page size.
    let sparse = ListingFilter {
        q: Some(SearchTerm::parse(&word).unwrap()),
        ..ListingFilter::default()
    };
    let expected: Vec<String> = expected.into_iter().collect();
    for limit in [1, 2, 10, 100] {
        let (found, _) = walk(store.as_ref(), &sparse, limit).await;
        assert_eq!(found, expected, "limit {limit}");
    }
}
