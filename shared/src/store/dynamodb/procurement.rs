//! Suppliers and reorders.
//!
//! Suppliers are a short admin-kept list: one partition, sorted by id, is
//! the natural shape. Reorders are a trickle (at most one open per SKU), so
//! their feeds are single partitions of `gsi2`/`gsi3`. "One open reorder
//! per SKU" is an `OPEN_REORDER#<sku>` marker item created with the
//! reorder and deleted in the transaction that closes it.

use async_trait::async_trait;

use super::DynamoStore;
use super::codec::{Item, from_item, get_s, s, to_item};
use super::error::{GaveUp, RETRY, sdk_error};
use super::expr::Expr;
use super::feed::Feed;
use super::items::key;
use super::keys::*;
use super::order_records::{addition_needs_flip, stock_addition};
use super::txn::{Outcome, Reason, Refused, Txn};
use crate::domain::{Reorder, ReorderId, ReorderStatus, Supplier, SupplierId};
use crate::ports::{
    CreateReorderError, Cursor, Page, PageRequest, ReorderStore, ReorderUpdate, StoreError,
    StoreResult, SupplierStore, UpdateError,
};

const SUPPLIERS: &str = "suppliers";
const REORDERS: &str = "reorders";
const UPDATE_ROUNDS: u32 = 4;

fn supplier_item(supplier: &Supplier) -> StoreResult<Item> {
    let mut item = to_item(supplier)?;
    item.extend(key(SUPPLIERS_PK, supplier.supplier_id.as_str()));
    Ok(item)
}

fn reorder_item(reorder: &Reorder) -> StoreResult<Item> {
    let mut item = to_item(reorder)?;
    item.extend(key(reorder_pk(reorder.reorder_id), REORDER_SK));
    let id = reorder.reorder_id.to_string();
    item.insert(G2PK.into(), s(REORDERS_FEED_PK));
    item.insert(G2SK.into(), s(&id));
    item.insert(G3PK.into(), s(reorder_status_pk(reorder.status)));
    item.insert(G3SK.into(), s(id));
    Ok(item)
}

fn read_reorder(item: &Item) -> StoreResult<Reorder> {
    from_item(item, "reorder")
}

fn marker_owner(item: &Item) -> StoreResult<ReorderId> {
    let raw = get_s(item, "reorder_id")?;
    ReorderId::parse(raw).map_err(|e| StoreError::Corrupt(format!("open reorder marker: {e}")))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Reorder,
    Stock,
    Marker,
}

#[async_trait]
impl SupplierStore for DynamoStore {
    async fn put_supplier(&self, supplier: &Supplier) -> StoreResult<bool> {
        let out = self
            .client
            .put_item()
            .table_name(self.table.as_ref())
            .set_item(Some(supplier_item(supplier)?))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| sdk_error("PutItem", e))?;
        Ok(out.attributes.is_none_or(|old| old.is_empty()))
    }

    async fn get_supplier(&self, supplier_id: &SupplierId) -> StoreResult<Option<Supplier>> {
        self.get_item(SUPPLIERS_PK, supplier_id.as_str())
            .await?
            .map(|i| from_item(&i, "supplier"))
            .transpose()
    }

    async fn list_suppliers(&self, page: &PageRequest) -> StoreResult<Page<Supplier>> {
        let after: Option<SupplierId> = page
            .cursor
            .as_ref()
            .map(|c| c.decode(SUPPLIERS))
            .transpose()?;
        let feed = Feed {
            index: None,
            pk_attr: PK,
            sk_attr: SK,
            partitions: vec![SUPPLIERS_PK.to_owned()],
            newest_first: false,
            after: after.map(|id| id.as_str().to_owned()),
            filter: None,
        };
        let fetched = self.read_feed(&feed, page.limit.get()).await?;
        let items: Vec<Supplier> = fetched
            .items
            .iter()
            .map(|i| from_item(i, "supplier"))
            .collect::<StoreResult<_>>()?;
        let next_cursor = match items.last() {
            Some(last) if fetched.more => Some(Cursor::encode(SUPPLIERS, &last.supplier_id)?),
            _ => None,
        };
        Ok(Page { items, next_cursor })
    }
}

impl DynamoStore {
    async fn apply_reorder_update(&self, update: &ReorderUpdate) -> Result<(), UpdateError> {
        let (previous, next) = (&update.previous, &update.next);
        if previous.reorder_id != next.reorder_id {
            return Err(StoreError::internal(Refused(
                "a reorder update must keep the reorder id".into(),
            ))
            .into());
        }
        let mut saturate = false;
        let mut release_marker = !next.status.is_open();
        for round in 0..UPDATE_ROUNDS {
            let mut txn = Txn::new(&self.table);
            let mut e = Expr::new();
            let (pk, version, prev) = (
                e.name(PK),
                e.name(VERSION),
                e.value(super::codec::n(previous.version)),
            );
            let condition = format!("attribute_exists({pk}) AND {version} = {prev}");
            txn.put(Slot::Reorder, reorder_item(next)?, e, Some(condition))?;
            if let Some(units) = update.add_stock {
                let (k, u, e, condition) =
                    stock_addition(&next.sku, units, saturate, next.updated_at);
                txn.update(Slot::Stock, k, &u, e, Some(condition))?;
            }
            if release_marker {
                let mut e = Expr::new();
                let (pk, owner, id) = (
                    e.name(PK),
                    e.name("reorder_id"),
                    e.value(s(next.reorder_id.to_string())),
                );
                let condition = format!("attribute_not_exists({pk}) OR {owner} = {id}");
                txn.delete(
                    Slot::Marker,
                    key(open_reorder_pk(&next.sku), OPEN_REORDER_SK),
                    e,
                    Some(condition),
                )?;
            }
            let reasons = match self.transact(txn.items).await? {
                Outcome::Committed => return Ok(()),
                Outcome::Cancelled(reasons) => reasons,
            };
            let mut changed = false;
            for (i, slot) in txn.slots.iter().enumerate() {
                match (slot, Outcome::reason(&reasons, i)?) {
                    (Slot::Reorder, Reason::ConditionFailed(None)) => {
                        return Err(UpdateError::NotFound);
                    }
                    (Slot::Reorder, Reason::ConditionFailed(Some(_))) => {
                        return Err(UpdateError::Conflict);
                    }
                    _ => {}
                }
            }
            for (i, slot) in txn.slots.iter().enumerate() {
                match (slot, Outcome::reason(&reasons, i)?) {
                    (Slot::Stock, Reason::ConditionFailed(None)) => {
                        return Err(UpdateError::NotFound);
                    }
                    (Slot::Stock, Reason::ConditionFailed(Some(old))) => {
                        let wants = addition_needs_flip(old, update.add_stock.unwrap_or(0))?;
                        changed |= wants != saturate;
                        saturate = wants;
                    }
                    (Slot::Marker, Reason::ConditionFailed(_)) => {
                        // The marker belongs to another reorder: not ours to remove.
                        release_marker = false;
                        changed = true;
                    }
                    _ => {}
                }
            }
            if !changed {
                RETRY.backoff(round).await;
            }
        }
        Err(
            StoreError::unavailable(GaveUp("update_reorder kept meeting concurrent changes"))
                .into(),
        )
    }
}

#[async_trait]
impl ReorderStore for DynamoStore {
    async fn create_reorder(&self, reorder: &Reorder) -> Result<(), CreateReorderError> {
        let mut txn = Txn::new(&self.table);
        let mut e = Expr::new();
        let condition = format!("attribute_not_exists({})", e.name(PK));
        txn.put(Slot::Reorder, reorder_item(reorder)?, e, Some(condition))?;
        let marker_key = key(open_reorder_pk(&reorder.sku), OPEN_REORDER_SK);
        let mut e = Expr::new();
        let condition = format!("attribute_not_exists({})", e.name(PK));
        if reorder.status.is_open() {
            let mut marker = marker_key;
            marker.insert("reorder_id".into(), s(reorder.reorder_id.to_string()));
            txn.put(Slot::Marker, marker, e, Some(condition))?;
        } else {
            txn.check(Slot::Marker, marker_key, e, condition)?;
        }
        let reasons = match self.transact(txn.items).await? {
            Outcome::Committed => return Ok(()),
            Outcome::Cancelled(reasons) => reasons,
        };
        for (i, slot) in txn.slots.iter().enumerate() {
            match (slot, Outcome::reason(&reasons, i)?) {
                (Slot::Marker, Reason::ConditionFailed(Some(old))) => {
                    return Err(CreateReorderError::OpenExists(marker_owner(old)?));
                }
                (_, Reason::ConditionFailed(_)) => {
                    return Err(StoreError::internal(Refused(format!(
                        "reorder {} could not be created",
                        reorder.reorder_id
                    )))
                    .into());
                }
                _ => {}
            }
        }
        Err(StoreError::internal(Refused(
            "reorder creation cancelled without a reason".into(),
        ))
        .into())
    }

    async fn get_reorder(&self, reorder_id: ReorderId) -> StoreResult<Option<Reorder>> {
        self.get_item(reorder_pk(reorder_id), REORDER_SK)
            .await?
            .map(|i| read_reorder(&i))
            .transpose()
    }

    async fn list_reorders(
        &self,
        status: Option<ReorderStatus>,
        page: &PageRequest,
    ) -> StoreResult<Page<Reorder>> {
        let before: Option<ReorderId> = page
            .cursor
            .as_ref()
            .map(|c| c.decode(REORDERS))
            .transpose()?;
        let (index, pk_attr, sk_attr, partition) = match status {
            Some(status) => (GSI3, G3PK, G3SK, reorder_status_pk(status)),
            None => (GSI2, G2PK, G2SK, REORDERS_FEED_PK.to_owned()),
        };
        let feed = Feed {
            index: Some(index),
            pk_attr,
            sk_attr,
            partitions: vec![partition],
            newest_first: true,
            after: before.map(|id| id.to_string()),
            filter: None,
        };
        let fetched = self.read_feed(&feed, page.limit.get()).await?;
        let items: Vec<Reorder> = fetched
            .items
            .iter()
            .map(read_reorder)
            .collect::<StoreResult<_>>()?;
        let next_cursor = match items.last() {
            Some(last) if fetched.more => Some(Cursor::encode(REORDERS, &last.reorder_id)?),
            _ => None,
        };
        Ok(Page { items, next_cursor })
    }

    async fn update_reorder(&self, update: &ReorderUpdate) -> Result<(), UpdateError> {
        self.apply_reorder_update(update).await
    }
}
