use async_trait::async_trait;

use super::{MemoryStore, take_page};
use crate::domain::{Reorder, ReorderId, ReorderStatus, Stock, Supplier, SupplierId};
use crate::ports::{
    CreateReorderError, Cursor, Page, PageRequest, ReorderStore, ReorderUpdate, StoreResult,
    SupplierStore, UpdateError,
};

const SUPPLIERS: &str = "suppliers";
const REORDERS: &str = "reorders";

#[async_trait]
impl SupplierStore for MemoryStore {
    async fn put_supplier(&self, supplier: &Supplier) -> StoreResult<bool> {
        let mut state = self.lock();
        Ok(state
            .suppliers
            .insert(supplier.supplier_id.clone(), supplier.clone())
            .is_none())
    }

    async fn get_supplier(&self, supplier_id: &SupplierId) -> StoreResult<Option<Supplier>> {
        Ok(self.lock().suppliers.get(supplier_id).cloned())
    }

    async fn list_suppliers(&self, page: &PageRequest) -> StoreResult<Page<Supplier>> {
        let after: Option<SupplierId> = page
            .cursor
            .as_ref()
            .map(|c| c.decode(SUPPLIERS))
            .transpose()?;
        let state = self.lock();
        let iter = state
            .suppliers
            .values()
            .filter(|s| after.as_ref().is_none_or(|a| &s.supplier_id > a))
            .cloned();
        let (items, next) = take_page(iter, page.limit.get(), |s| s.supplier_id.clone());
        Ok(Page {
            items,
            next_cursor: next.map(|id| Cursor::encode(SUPPLIERS, &id)).transpose()?,
        })
    }
}

#[async_trait]
impl ReorderStore for MemoryStore {
    async fn create_reorder(&self, reorder: &Reorder) -> Result<(), CreateReorderError> {
        let mut state = self.lock();
        if let Some(open) = state.open_reorders.get(&reorder.sku) {
            return Err(CreateReorderError::OpenExists(*open));
        }
        if reorder.status.is_open() {
            state
                .open_reorders
                .insert(reorder.sku.clone(), reorder.reorder_id);
        }
        state.reorders.insert(reorder.reorder_id, reorder.clone());
        Ok(())
    }

    async fn get_reorder(&self, reorder_id: ReorderId) -> StoreResult<Option<Reorder>> {
        Ok(self.lock().reorders.get(&reorder_id).cloned())
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
        let state = self.lock();
        let iter = state
            .reorders
            .values()
            .rev()
            .filter(|r| before.is_none_or(|b| r.reorder_id < b))
            .filter(|r| status.is_none_or(|s| r.status == s))
            .cloned();
        let (items, next) = take_page(iter, page.limit.get(), |r| r.reorder_id);
        Ok(Page {
            items,
            next_cursor: next.map(|id| Cursor::encode(REORDERS, &id)).transpose()?,
        })
    }

    async fn update_reorder(&self, update: &ReorderUpdate) -> Result<(), UpdateError> {
        let mut state = self.lock();
        let stored = state
            .reorders
            .get(&update.previous.reorder_id)
            .ok_or(UpdateError::NotFound)?;
        if stored.version != update.previous.version {
            return Err(UpdateError::Conflict);
        }
        // Validate the stock effect before changing anything.
        let restocked = match update.add_stock {
            Some(units) => {
                let listing = state
                    .listings
                    .get(&update.next.sku)
                    .ok_or(UpdateError::NotFound)?;
                // Receiving more than the maximum stock saturates rather than fails:
                // the goods are on the shelf either way.
                let total = (listing.available.get() + i64::from(units)).min(Stock::MAX);
                let available = Stock::new(total).unwrap_or(listing.available);
                Some(available)
            }
            None => None,
        };
        if let (Some(available), Some(listing)) =
            (restocked, state.listings.get_mut(&update.next.sku))
        {
            listing.available = available;
            listing.updated_at = update.next.updated_at;
        }
        if !update.next.status.is_open()
            && state.open_reorders.get(&update.next.sku) == Some(&update.next.reorder_id)
        {
            state.open_reorders.remove(&update.next.sku);
        }
        state
            .reorders
            .insert(update.next.reorder_id, update.next.clone());
        Ok(())
    }
}
