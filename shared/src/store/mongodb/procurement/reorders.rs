//! Reorders, and the rule that a SKU has at most one open reorder.
//!
//! The rule is kept by a marker document per SKU in `open_reorders`
//! (`_id` is the SKU, `reorder_id` the open reorder), inserted in the same
//! transaction as an open reorder and deleted in the same transaction as
//! the transition that closes it. A second open reorder fails on the
//! marker's `_id` with a duplicate key; nothing is read first, so racing
//! creations cannot both win.
//!
//! Why not the textbook unique partial index on `{sku}` over
//! `{open: true}`? It relies on the server removing a document's key from
//! a unique index when an update takes the document out of the index,
//! and not every MongoDB-compatible server does: the local SecantusDB
//! build keeps the stale key, so a closed reorder would block its SKU for
//! good. `_id` uniqueness is the one guarantee every implementation gets
//! right. The price is a transaction (three round trips instead of one)
//! when a reorder opens or closes, a few times a week per SKU.
//!
//! Receiving joins the stock increment to the closing transition; other
//! transitions (between open states) are a single conditional replace.

use async_trait::async_trait;
use mongodb::ClientSession;
use mongodb::bson::{Document, doc};

use crate::domain::{Reorder, ReorderId, ReorderStatus, Sku};
use crate::ports::{
    CreateReorderError, Page, PageRequest, ReorderStore, ReorderUpdate, StoreError, StoreResult,
    UpdateError,
};
use crate::store::mongodb::MongoStore;
use crate::store::mongodb::codec::{self, Fields};
use crate::store::mongodb::documents::{reorder_doc, reorder_from};
use crate::store::mongodb::error::{OrStore, is_duplicate_key};
use crate::store::mongodb::listings::restock_pipeline;
use crate::store::mongodb::paging::{self, Order, PageQuery};
use crate::store::mongodb::txn::{self, Abort, TxnBody, TxnError};

const REORDERS: &str = "reorders";

/// Creations that may meet the open reorder closing concurrently.
const CREATE_TRIES: usize = 3;

fn marker(reorder: &Reorder) -> Document {
    doc! {
        "_id": reorder.sku.as_str(),
        "reorder_id": codec::uuid(reorder.reorder_id.as_uuid()),
    }
}

#[derive(Debug)]
enum ReorderRejection {
    /// The stored reorder is not at `previous.version` (or is gone).
    VersionMoved,
    /// The SKU's marker is taken by another open reorder.
    OpenExists,
    /// The listing to receive stock into does not exist.
    ListingMissing,
}

impl MongoStore {
    /// The open reorder of `sku`, from its marker.
    async fn open_reorder(&self, sku: &Sku) -> StoreResult<Option<ReorderId>> {
        let found = self
            .open_reorders
            .find_one(doc! { "_id": sku.as_str() })
            .await
            .or_store()?;
        found
            .map(|doc| {
                let f = Fields::new(&doc, "open reorder marker");
                f.uuid("reorder_id").map(ReorderId::from)
            })
            .transpose()
    }

    /// Inserts a marker, mapping a taken one to [`ReorderRejection::OpenExists`].
    async fn claim_marker(
        &self,
        session: &mut ClientSession,
        marker: &Document,
    ) -> Result<(), Abort<ReorderRejection>> {
        match self.open_reorders.insert_one(marker).session(session).await {
            Ok(_) => Ok(()),
            Err(err) if is_duplicate_key(&err) => {
                Err(Abort::Rejected(ReorderRejection::OpenExists))
            }
            Err(err) => Err(Abort::Driver(err)),
        }
    }
}

/// An open reorder and its marker.
struct CreateOpen<'a> {
    store: &'a MongoStore,
    marker: Document,
    reorder: Document,
}

#[async_trait]
impl TxnBody for CreateOpen<'_> {
    type Output = ();
    type Rejection = ReorderRejection;

    async fn attempt(&self, session: &mut ClientSession) -> Result<(), Abort<ReorderRejection>> {
        self.store.claim_marker(session, &self.marker).await?;
        let insert = self.store.reorders.insert_one(&self.reorder);
        insert.session(&mut *session).await?;
        Ok(())
    }
}

/// What a transition does to the SKU's marker.
#[derive(Debug)]
enum MarkerChange {
    Keep,
    /// Closing: delete the marker if it is this reorder's.
    Release(Document),
    /// Reopening (no transition does today): take the marker.
    Claim(Document),
}

/// A conditional reorder replacement with its effects.
struct UpdateReorder<'a> {
    store: &'a MongoStore,
    filter: Document,
    next: Document,
    marker: MarkerChange,
    restock: Option<(Document, Vec<Document>)>,
}

impl UpdateReorder<'_> {
    fn needs_transaction(&self) -> bool {
        self.restock.is_some() || !matches!(self.marker, MarkerChange::Keep)
    }

    async fn replace(
        &self,
        session: Option<&mut ClientSession>,
    ) -> Result<(), Abort<ReorderRejection>> {
        let replace = self
            .store
            .reorders
            .replace_one(self.filter.clone(), &self.next);
        let result = match session {
            Some(session) => replace.session(session).await?,
            None => replace.await?,
        };
        if result.matched_count == 1 {
            Ok(())
        } else {
            Err(Abort::Rejected(ReorderRejection::VersionMoved))
        }
    }
}

#[async_trait]
impl TxnBody for UpdateReorder<'_> {
    type Output = ();
    type Rejection = ReorderRejection;

    async fn attempt(&self, session: &mut ClientSession) -> Result<(), Abort<ReorderRejection>> {
        self.replace(Some(&mut *session)).await?;
        match &self.marker {
            MarkerChange::Keep => {}
            MarkerChange::Release(filter) => {
                let delete = self.store.open_reorders.delete_one(filter.clone());
                delete.session(&mut *session).await?;
            }
            MarkerChange::Claim(marker) => self.store.claim_marker(session, marker).await?,
        }
        if let Some((filter, pipeline)) = &self.restock {
            let update = self
                .store
                .listings
                .update_one(filter.clone(), pipeline.clone());
            if update.session(&mut *session).await?.matched_count == 0 {
                return Err(Abort::Rejected(ReorderRejection::ListingMissing));
            }
        }
        Ok(())
    }
}

#[async_trait]
impl ReorderStore for MongoStore {
    async fn create_reorder(&self, reorder: &Reorder) -> Result<(), CreateReorderError> {
        let doc = reorder_doc(reorder)?;
        if !reorder.status.is_open() {
            // Takes no marker; still refused while the SKU has an open one.
            if let Some(open) = self.open_reorder(&reorder.sku).await? {
                return Err(CreateReorderError::OpenExists(open));
            }
            self.reorders.insert_one(doc).await.or_store()?;
            return Ok(());
        }
        let body = CreateOpen {
            store: self,
            marker: marker(reorder),
            reorder: doc,
        };
        for _ in 0..CREATE_TRIES {
            match txn::run(&self.client, &self.retry, &body).await {
                Ok(()) => return Ok(()),
                Err(TxnError::Store(err)) => return Err(err.into()),
                Err(TxnError::Rejected(_)) => {
                    if let Some(open) = self.open_reorder(&reorder.sku).await? {
                        return Err(CreateReorderError::OpenExists(open));
                    }
                    // The open one closed in between: try again.
                }
            }
        }
        Err(StoreError::unavailable("reorders of this SKU kept changing concurrently").into())
    }

    async fn get_reorder(&self, reorder_id: ReorderId) -> StoreResult<Option<Reorder>> {
        self.reorders
            .find_one(doc! { "_id": codec::uuid(reorder_id.as_uuid()) })
            .await
            .or_store()?
            .as_ref()
            .map(reorder_from)
            .transpose()
    }

    async fn list_reorders(
        &self,
        status: Option<ReorderStatus>,
        page: &PageRequest,
    ) -> StoreResult<Page<Reorder>> {
        let before: Option<ReorderId> = paging::position(page, REORDERS)?;
        let filter = match status {
            Some(status) => doc! { "status": status.as_str() },
            None => Document::new(),
        };
        let query = PageQuery {
            kind: REORDERS,
            order: Order::Descending,
            decode: reorder_from,
            key: |r: &Reorder| r.reorder_id,
        };
        let before = before.map(|id| codec::uuid(id.as_uuid()));
        paging::fetch(&self.reorders, filter, before, page, query).await
    }

    async fn update_reorder(&self, update: &ReorderUpdate) -> Result<(), UpdateError> {
        let (was_open, is_open) = (
            update.previous.status.is_open(),
            update.next.status.is_open(),
        );
        let marker = match (was_open, is_open) {
            (true, false) => MarkerChange::Release(doc! {
                "_id": update.next.sku.as_str(),
                "reorder_id": codec::uuid(update.next.reorder_id.as_uuid()),
            }),
            (false, true) => MarkerChange::Claim(marker(&update.next)),
            _ => MarkerChange::Keep,
        };
        let restock = match update.add_stock {
            Some(units) => Some((
                doc! { "_id": update.next.sku.as_str() },
                restock_pipeline(units, update.next.updated_at)?,
            )),
            None => None,
        };
        let body = UpdateReorder {
            store: self,
            filter: doc! {
                "_id": codec::uuid(update.previous.reorder_id.as_uuid()),
                "version": codec::counter(update.previous.version)?,
            },
            next: reorder_doc(&update.next)?,
            marker,
            restock,
        };
        let outcome = if body.needs_transaction() {
            txn::run(&self.client, &self.retry, &body).await
        } else {
            txn::single(body.replace(None).await)
        };
        match outcome {
            Ok(()) => Ok(()),
            Err(TxnError::Store(err)) => Err(err.into()),
            Err(TxnError::Rejected(ReorderRejection::ListingMissing)) => Err(UpdateError::NotFound),
            Err(TxnError::Rejected(ReorderRejection::OpenExists)) => Err(UpdateError::Conflict),
            Err(TxnError::Rejected(ReorderRejection::VersionMoved)) => {
                match self.get_reorder(update.previous.reorder_id).await? {
                    Some(_) => Err(UpdateError::Conflict),
                    None => Err(UpdateError::NotFound),
                }
            }
        }
    }
}
