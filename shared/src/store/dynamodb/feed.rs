//! Newest-first (or oldest-first) pages merged from one or more
//! partitions of an index.
//!
//! Orders are spread over `ORDER_FEED_SHARDS` partitions so that no index
//! partition takes every order; a page queries every shard from the cursor
//! on and merges them by sort key, fetching more from a shard only when its
//! buffered items run out. Sort keys are unique across shards (ids), so
//! the last sort key returned is a complete cursor for every shard. A
//! filter expression may drop items; shards are then read further until
//! the page is full or every shard has ended.

use std::collections::VecDeque;

use aws_sdk_dynamodb::types::AttributeValue;
use futures::future::try_join_all;

use super::DynamoStore;
use super::codec::{Item, get_s, s};
use super::error::sdk_error;
use super::expr::Expr;
use crate::ports::StoreResult;

/// The largest query page asked for while a filter keeps dropping items.
const MAX_FETCH: i32 = 500;

/// What to read.
#[derive(Debug, Clone)]
pub(crate) struct Feed {
    /// `None` reads the table itself.
    pub(crate) index: Option<&'static str>,
    pub(crate) pk_attr: &'static str,
    pub(crate) sk_attr: &'static str,
    pub(crate) partitions: Vec<String>,
    pub(crate) newest_first: bool,
    /// Exclusive bound on the sort key (the cursor).
    pub(crate) after: Option<String>,
    /// A filter expression with the names and values it uses.
    pub(crate) filter: Option<(String, Expr)>,
}

struct Shard {
    partition: String,
    buffer: VecDeque<Item>,
    start: Option<Item>,
    ended: bool,
    fetch: i32,
}

/// A page of raw items; `more` when the feed may go on after the last one.
pub(crate) struct FeedPage {
    pub(crate) items: Vec<Item>,
    pub(crate) more: bool,
}

impl DynamoStore {
    pub(crate) async fn read_feed(&self, feed: &Feed, limit: usize) -> StoreResult<FeedPage> {
        let fetch = i32::try_from(limit + 1).unwrap_or(MAX_FETCH);
        let mut shards: Vec<Shard> = feed
            .partitions
            .iter()
            .map(|p| Shard {
                partition: p.clone(),
                buffer: VecDeque::new(),
                start: None,
                ended: false,
                fetch,
            })
            .collect();
        let mut items = Vec::with_capacity(limit);
        while items.len() < limit {
            // Every live shard needs a head before the next item can be chosen.
            loop {
                let hungry: Vec<&mut Shard> = shards
                    .iter_mut()
                    .filter(|s| s.buffer.is_empty() && !s.ended)
                    .collect();
                if hungry.is_empty() {
                    break;
                }
                try_join_all(hungry.into_iter().map(|shard| self.fill(feed, shard))).await?;
            }
            let mut best: Option<(usize, &str)> = None;
            for (i, shard) in shards.iter().enumerate() {
                let Some(head) = shard.buffer.front() else {
                    continue;
                };
                let sk = get_s(head, feed.sk_attr)?;
                let better = match best {
                    None => true,
                    Some((_, current)) => (sk > current) == feed.newest_first,
                };
                if better {
                    best = Some((i, sk));
                }
            }
            let Some((i, _)) = best else { break };
            if let Some(item) = shards[i].buffer.pop_front() {
                items.push(item);
            }
        }
        let more = shards.iter().any(|s| !s.buffer.is_empty() || !s.ended);
        Ok(FeedPage { items, more })
    }

    async fn fill(&self, feed: &Feed, shard: &mut Shard) -> StoreResult<()> {
        let mut e = feed
            .filter
            .as_ref()
            .map(|(_, e)| e.clone())
            .unwrap_or_default();
        let (pk, pv) = (e.name(feed.pk_attr), e.value(s(&shard.partition)));
        let mut key_condition = format!("{pk} = {pv}");
        if let Some(after) = &feed.after {
            let (sk, av) = (
                e.name(feed.sk_attr),
                e.value(AttributeValue::S(after.clone())),
            );
            let op = if feed.newest_first { "<" } else { ">" };
            key_condition.push_str(&format!(" AND {sk} {op} {av}"));
        }
        let out = self
            .client
            .query()
            .table_name(self.table.as_ref())
            .set_index_name(feed.index.map(str::to_owned))
            .key_condition_expression(key_condition)
            .set_filter_expression(feed.filter.as_ref().map(|(f, _)| f.clone()))
            .set_expression_attribute_names(e.names())
            .set_expression_attribute_values(e.values())
            .scan_index_forward(!feed.newest_first)
            .set_exclusive_start_key(shard.start.take())
            .limit(shard.fetch)
            .send()
            .await
            .map_err(|err| sdk_error("Query", err))?;
        shard.buffer.extend(out.items.unwrap_or_default());
        shard.start = out.last_evaluated_key.filter(|k| !k.is_empty());
        shard.ended = shard.start.is_none();
        shard.fetch = (shard.fetch * 2).min(MAX_FETCH);
        Ok(())
    }
}
