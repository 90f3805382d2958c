use async_trait::async_trait;

use super::{Page, PageRequest, StoreError, StoreResult, UpdateError};
use crate::domain::{Reorder, ReorderId, ReorderStatus, Supplier, SupplierId};

/// Suppliers.
#[async_trait]
pub trait SupplierStore: Send + Sync {
    /// Creates or replaces the supplier; `true` when it was created.
    async fn put_supplier(&self, supplier: &Supplier) -> StoreResult<bool>;

    async fn get_supplier(&self, supplier_id: &SupplierId) -> StoreResult<Option<Supplier>>;

    /// In supplier id order.
    async fn list_suppliers(&self, page: &PageRequest) -> StoreResult<Page<Supplier>>;
}

#[derive(Debug, thiserror::Error)]
pub enum CreateReorderError {
    /// The SKU already has an open reorder: at most one at a time.
    #[error("an open reorder exists for this SKU")]
    OpenExists(ReorderId),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A conditional replacement of a reorder, like [`super::OrderUpdate`].
#[derive(Debug, Clone)]
pub struct ReorderUpdate {
    pub previous: Reorder,
    pub next: Reorder,
    /// Add this many units to the listing's stock (receiving). The listing
    /// must exist; otherwise the update is `NotFound`.
    pub add_stock: Option<u32>,
}

/// Reorder requests. A closed reorder (see `ReorderStatus::is_open`) frees
/// its SKU for the next one.
#[async_trait]
pub trait ReorderStore: Send + Sync {
    /// Stores a new open reorder unless its SKU already has one.
    async fn create_reorder(&self, reorder: &Reorder) -> Result<(), CreateReorderError>;

    async fn get_reorder(&self, reorder_id: ReorderId) -> StoreResult<Option<Reorder>>;

    /// Newest first, optionally only one status.
    async fn list_reorders(
        &self,
        status: Option<ReorderStatus>,
        page: &PageRequest,
    ) -> StoreResult<Page<Reorder>>;

    /// Applies `update` if the stored reorder is still at
    /// `update.previous.version`, with its stock effect, atomically.
    async fn update_reorder(&self, update: &ReorderUpdate) -> Result<(), UpdateError>;
}
