//! Procurement: suppliers here, reorders in [`reorders`].
//!
//! Suppliers: `_id` is the supplier id, so the list's order is the
//! primary key order and a put is one upsert.

mod reorders;

use async_trait::async_trait;
use mongodb::bson::{Bson, Document, doc};

use crate::domain::{Supplier, SupplierId};
use crate::ports::{Page, PageRequest, StoreResult, SupplierStore};
use crate::store::mongodb::MongoStore;
use crate::store::mongodb::documents::{supplier_doc, supplier_from};
use crate::store::mongodb::error::OrStore;
use crate::store::mongodb::paging::{self, Order, PageQuery};

const SUPPLIERS: &str = "suppliers";

#[async_trait]
impl SupplierStore for MongoStore {
    async fn put_supplier(&self, supplier: &Supplier) -> StoreResult<bool> {
        let result = self
            .suppliers
            .replace_one(
                doc! { "_id": supplier.supplier_id.as_str() },
                supplier_doc(supplier)?,
            )
            .upsert(true)
            .await
            .or_store()?;
        Ok(result.upserted_id.is_some())
    }

    async fn get_supplier(&self, supplier_id: &SupplierId) -> StoreResult<Option<Supplier>> {
        self.suppliers
            .find_one(doc! { "_id": supplier_id.as_str() })
            .await
            .or_store()?
            .as_ref()
            .map(supplier_from)
            .transpose()
    }

    async fn list_suppliers(&self, page: &PageRequest) -> StoreResult<Page<Supplier>> {
        let after: Option<SupplierId> = paging::position(page, SUPPLIERS)?;
        let after = after.map(|id| Bson::String(id.as_str().to_owned()));
        let query = PageQuery {
            kind: SUPPLIERS,
            order: Order::Ascending,
            decode: supplier_from,
            key: |s: &Supplier| s.supplier_id.clone(),
        };
        paging::fetch(&self.suppliers, Document::new(), after, page, query).await
    }
}
