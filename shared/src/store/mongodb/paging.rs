//! Keyset pagination: every list is sorted on `_id` (alone or after an
//! equality prefix of its index), and a cursor is the last `_id` served,
//! wrapped by [`Cursor::encode`] with the list's kind. The next page is
//! `_id` beyond that value, so pages never skip or repeat items when
//! others are inserted, and a deep page costs what the first one does.
//!
//! One extra document is fetched to know whether a next page exists,
//! which saves the empty last round trip; the batch size equals the limit
//! so the whole page arrives in the reply to `find` (no `getMore`, and no
//! `killCursors` since the server closes an exhausted cursor itself).

use futures::TryStreamExt;
use mongodb::Collection;
use mongodb::bson::{Bson, Document, doc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::OrStore;
use crate::ports::{Cursor, Page, PageRequest, StoreResult};

/// The position after which `page` continues, if it continues a list.
pub(super) fn position<P: DeserializeOwned>(
    page: &PageRequest,
    kind: &str,
) -> StoreResult<Option<P>> {
    page.cursor.as_ref().map(|c| c.decode(kind)).transpose()
}

/// Direction of the `_id` sort.
#[derive(Debug, Clone, Copy)]
pub(super) enum Order {
    Ascending,
    Descending,
}

impl Order {
    fn sort(self) -> i32 {
        match self {
            Order::Ascending => 1,
            Order::Descending => -1,
        }
    }

    /// The filter operator that continues past a position.
    fn beyond(self) -> &'static str {
        match self {
            Order::Ascending => "$gt",
            Order::Descending => "$lt",
        }
    }
}

/// What one page query needs besides the filter.
#[derive(Debug)]
pub(super) struct PageQuery<'a, T, P> {
    pub kind: &'a str,
    pub order: Order,
    pub decode: fn(&Document) -> StoreResult<T>,
    pub key: fn(&T) -> P,
}

/// One page of `collection` matching `filter`, continuing past `after`
/// (the `_id` the cursor named, if any).
pub(super) async fn fetch<T, P: Serialize>(
    collection: &Collection<Document>,
    mut filter: Document,
    after: Option<Bson>,
    page: &PageRequest,
    query: PageQuery<'_, T, P>,
) -> StoreResult<Page<T>> {
    if let Some(after) = after {
        filter.insert("_id", doc! { query.order.beyond(): after });
    }
    let limit = page.limit.get();
    // At most 101: fits every integer type involved.
    let fetch = limit as u32 + 1;
    let docs: Vec<Document> = collection
        .find(filter)
        .sort(doc! { "_id": query.order.sort() })
        .limit(i64::from(fetch))
        .batch_size(fetch)
        .await
        .or_store()?
        .try_collect()
        .await
        .or_store()?;
    let more = docs.len() > limit;
    let items = docs
        .iter()
        .take(limit)
        .map(query.decode)
        .collect::<StoreResult<Vec<T>>>()?;
    let next_cursor = match items.last() {
        Some(last) if more => Some(Cursor::encode(query.kind, &(query.key)(last))?),
        _ => None,
    };
    Ok(Page { items, next_cursor })
}
