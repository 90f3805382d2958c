//! Order pages: a customer's history from `gsi1`, everyone's from the
//! sharded `gsi2`, one status from the sharded `gsi3`, and stale PENDING
//! orders from the PENDING shards of `gsi3`. None of them scans the table.

use chrono::{DateTime, Utc};

use super::DynamoStore;
use super::codec::s;
use super::expr::Expr;
use super::feed::Feed;
use super::keys::*;
use super::order_records::read_order;
use crate::domain::{Order, OrderId, OrderStatus};
use crate::ports::{Cursor, OrderFilter, Page, PageRequest, StoreResult};

const ORDERS: &str = "orders";
const STALE_PENDING: &str = "stale-pending";

fn status_shards(status: OrderStatus) -> Vec<String> {
    (0..ORDER_FEED_SHARDS)
        .map(|shard| order_status_pk(status, shard))
        .collect()
}

impl DynamoStore {
    pub(crate) async fn order_page(
        &self,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Order>> {
        let before: Option<OrderId> = page.cursor.as_ref().map(|c| c.decode(ORDERS)).transpose()?;
        let after = before.map(|id| id.to_string());
        let feed = match (filter.customer_id, filter.status) {
            (Some(customer), status) => Feed {
                index: Some(GSI1),
                pk_attr: G1PK,
                sk_attr: G1SK,
                partitions: vec![customer_orders_pk(customer)],
                newest_first: true,
                after,
                filter: status.map(|status| {
                    let mut e = Expr::new();
                    let (name, value) = (e.name(STATUS), e.value(s(status.as_str())));
                    (format!("{name} = {value}"), e)
                }),
            },
            (None, Some(status)) => Feed {
                index: Some(GSI3),
                pk_attr: G3PK,
                sk_attr: G3SK,
                partitions: status_shards(status),
                newest_first: true,
                after,
                filter: None,
            },
            (None, None) => Feed {
                index: Some(GSI2),
                pk_attr: G2PK,
                sk_attr: G2SK,
                partitions: (0..ORDER_FEED_SHARDS).map(orders_feed_pk).collect(),
                newest_first: true,
                after,
                filter: None,
            },
        };
        self.orders_from(&feed, page, ORDERS).await
    }

    pub(crate) async fn stale_pending_page(
        &self,
        placed_before: DateTime<Utc>,
        page: &PageRequest,
    ) -> StoreResult<Page<Order>> {
        let after: Option<OrderId> = page
            .cursor
            .as_ref()
            .map(|c| c.decode(STALE_PENDING))
            .transpose()?;
        let mut e = Expr::new();
        let (created, cutoff) = (e.name(CREATED_KEY), e.value(s(instant_key(placed_before))));
        let feed = Feed {
            index: Some(GSI3),
            pk_attr: G3PK,
            sk_attr: G3SK,
            partitions: status_shards(OrderStatus::Pending),
            newest_first: false,
            after: after.map(|id| id.to_string()),
            filter: Some((format!("{created} < {cutoff}"), e)),
        };
        self.orders_from(&feed, page, STALE_PENDING).await
    }

    async fn orders_from(
        &self,
        feed: &Feed,
        page: &PageRequest,
        kind: &str,
    ) -> StoreResult<Page<Order>> {
        let fetched = self.read_feed(feed, page.limit.get()).await?;
        let items = fetched
            .items
            .iter()
            .map(read_order)
            .collect::<StoreResult<Vec<Order>>>()?;
        let next_cursor = match items.last() {
            Some(last) if fetched.more => Some(Cursor::encode(kind, &last.order_id)?),
            _ => None,
        };
        Ok(Page { items, next_cursor })
    }
}
