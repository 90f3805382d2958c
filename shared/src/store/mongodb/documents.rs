//! Listing, customer, supplier and reorder documents.
//!
//! Codecs are written by hand rather than derived with serde: the stored
//! shape is a contract of its own (index keys, pipeline expressions and
//! filters name these fields), it differs from the API's JSON on purpose
//! (Decimal128 money, UUID ids, derived fields), and a hand-written decoder
//! reports exactly which field of which document is wrong.

use chrono::{DateTime, Utc};
use mongodb::bson::{Bson, Document, doc};

use super::codec::{self, Fields, int, lit};
use crate::domain::{
    AmazonState, Currency, Customer, EventStamp, Listing, ListingDraft, ListingStatus, MailFailure,
    MailFailureCause, PasswordHash, Price, Rating, Reorder, ReorderReason, ReorderStatus, Role,
    Sku, Stock, Supplier, SupplierEmail, SupplierId, Title, Username,
};
use crate::ports::StoreError;

/// `low_stock` recomputed from the document's own fields. Appended as the
/// last stage of every pipeline update that touches `available` or
/// `reorder_point`, so the flag behind the partial low-stock index is
/// always exact (a partial index filter cannot compare two fields).
pub(super) fn low_stock_stage() -> Document {
    doc! { "$set": { "low_stock": { "$lte": ["$available", "$reorder_point"] } } }
}

/// The `$set` stage of `put_listing`: the admin-writable fields, the
/// derived search keys, and the stock only when the draft sets it (absent,
/// a new listing starts at zero and an existing one keeps its stock,
/// reservations included, because the value is computed server-side in the
/// same atomic update).
pub(super) fn listing_draft_stage(
    draft: &ListingDraft,
    now: DateTime<Utc>,
) -> Result<Document, StoreError> {
    let available = match draft.available {
        Some(stock) => lit(stock.get()),
        None => Bson::Document(doc! { "$ifNull": ["$available", int(0)] }),
    };
    // Absent, the stored status stays; a new listing is ACTIVE.
    let status = match draft.status {
        Some(status) => lit(status.as_str()),
        None => Bson::Document(doc! { "$ifNull": ["$status", ListingStatus::Active.as_str()] }),
    };
    // Absent, the stored flag stays; a new listing is not on Amazon.
    let amazon_mfn = match draft.amazon_mfn {
        Some(mfn) => Bson::Boolean(mfn),
        None => Bson::Document(doc! { "$ifNull": ["$amazon_mfn", false] }),
    };
    Ok(doc! { "$set": {
        "title": lit(draft.title.as_str()),
        "price": codec::decimal(draft.price.amount())?,
        "currency": lit(draft.currency.as_str()),
        "status": status,
        "supplier_id": lit(draft.supplier_id.as_ref().map(|s| s.as_str())),
        "reorder_point": int(draft.reorder_point),
        "reorder_quantity": int(draft.reorder_quantity),
        "lead_time_days": int(draft.lead_time_days),
        "auto_reorder_point": draft.auto_reorder_point,
        "amazon_mfn": amazon_mfn,
        "updated_at": lit(codec::time(now)?),
        "available": available,
        "search": lit(doc! {
            "sku": draft.sku.as_str().to_lowercase(),
            "title": draft.title.as_str().to_lowercase(),
        }),
    }})
}

pub(super) fn stamp(stamp: &EventStamp) -> Result<Document, StoreError> {
    Ok(doc! {
        "event_time": codec::time(stamp.event_time)?,
        "notification_id": stamp.notification_id.as_str(),
    })
}

/// A filter matching listings whose last applied stamp in `field` is older
/// than `stamp` (or that have none): the staleness guard, evaluated by the
/// server in the same update that applies the notification. Works because
/// stored instants sort as strings.
pub(super) fn older_stamp_filter(field: &str, stamp: &EventStamp) -> Result<Document, StoreError> {
    let time = codec::time_key(stamp.event_time)?;
    let (at, id) = (
        format!("{field}.event_time"),
        format!("{field}.notification_id"),
    );
    Ok(doc! { "$or": [
        { field: Bson::Null },
        { at.as_str(): { "$lt": time.as_str() } },
        { at.as_str(): time.as_str(), id.as_str(): { "$lt": stamp.notification_id.as_str() } },
    ]})
}

fn stamp_from(doc: &Document) -> Result<EventStamp, StoreError> {
    let f = Fields::new(doc, "event stamp");
    Ok(EventStamp {
        event_time: f.time("event_time")?,
        notification_id: f.str("notification_id")?.to_owned(),
    })
}

fn opt_stamp(f: &Fields<'_>, field: &str) -> Result<Option<EventStamp>, StoreError> {
    match f.optional(field) {
        None => Ok(None),
        Some(_) => stamp_from(f.doc(field)?).map(Some),
    }
}

pub(super) fn listing_from(doc: &Document) -> Result<Listing, StoreError> {
    let f = Fields::new(doc, "listing");
    let available = f.i64("available")?;
    Ok(Listing {
        sku: f.parsed("_id", Sku::parse)?,
        title: f.parsed("title", Title::parse)?,
        price: Price::new(f.decimal("price")?).map_err(|e| f.corrupt("price", e))?,
        currency: f.parsed("currency", Currency::parse)?,
        available: Stock::new(available).map_err(|e| f.corrupt("available", e))?,
        status: f.parsed("status", ListingStatus::parse)?,
        supplier_id: f
            .opt_str("supplier_id")?
            .map(SupplierId::parse)
            .transpose()
            .map_err(|e| f.corrupt("supplier_id", e))?,
        reorder_point: f.u32("reorder_point")?,
        reorder_quantity: f.u32("reorder_quantity")?,
        lead_time_days: f.u32("lead_time_days")?,
        auto_reorder_point: f.bool("auto_reorder_point")?,
        updated_at: f.time("updated_at")?,
        status_event: opt_stamp(&f, "status_event")?,
        quantity_event: opt_stamp(&f, "quantity_event")?,
        amazon_mfn: match f.optional("amazon_mfn") {
            None | Some(Bson::Null) => false,
            Some(_) => f.bool("amazon_mfn")?,
        },
        amazon: match f.optional("amazon") {
            None | Some(Bson::Null) => None,
            Some(_) => {
                Some(amazon_state_from(f.doc("amazon")?).map_err(|e| f.corrupt("amazon", e))?)
            }
        },
    })
}

/// The Amazon side of an `amazon_mfn` listing as a sub-document. Nothing
/// filters or indexes inside it but `revision`, so its shape is serde's
/// (prices as decimal strings, instants as RFC 3339).
pub(super) fn amazon_state_doc(state: &AmazonState) -> Result<Document, StoreError> {
    mongodb::bson::to_document(state)
        .map_err(|e| StoreError::Corrupt(format!("could not encode the Amazon state: {e}")))
}

fn amazon_state_from(doc: &Document) -> Result<AmazonState, mongodb::bson::de::Error> {
    mongodb::bson::from_document(doc.clone())
}

pub(super) fn customer_doc(customer: &Customer) -> Result<Document, StoreError> {
    Ok(doc! {
        "_id": codec::uuid(customer.customer_id.as_uuid()),
        "username": customer.username.as_str(),
        "password_hash": customer.password_hash.as_str(),
        "role": customer.role.as_str(),
        "created_at": codec::time(customer.created_at)?,
    })
}

pub(super) fn customer_from(doc: &Document) -> Result<Customer, StoreError> {
    let f = Fields::new(doc, "customer");
    let role = match f.str("role")? {
        "customer" => Role::Customer,
        "admin" => Role::Admin,
        other => return Err(f.corrupt("role", format!("unknown role {other:?}"))),
    };
    Ok(Customer {
        customer_id: f.uuid("_id")?.into(),
        username: f.parsed("username", Username::parse)?,
        password_hash: PasswordHash::from_phc(f.str("password_hash")?.to_owned()),
        role,
        created_at: f.time("created_at")?,
    })
}

pub(super) fn supplier_doc(supplier: &Supplier) -> Result<Document, StoreError> {
    Ok(doc! {
        "_id": supplier.supplier_id.as_str(),
        "name": supplier.name.as_str(),
        "email": supplier.email.as_str(),
        "rating": int(supplier.rating.get()),
        "manual_approval": supplier.manual_approval,
        "updated_at": codec::time(supplier.updated_at)?,
    })
}

pub(super) fn supplier_from(doc: &Document) -> Result<Supplier, StoreError> {
    let f = Fields::new(doc, "supplier");
    Ok(Supplier {
        supplier_id: f.parsed("_id", SupplierId::parse)?,
        name: f.str("name")?.to_owned(),
        email: f.parsed("email", SupplierEmail::parse)?,
        rating: Rating::new(f.i64("rating")?).map_err(|e| f.corrupt("rating", e))?,
        manual_approval: f.bool("manual_approval")?,
        updated_at: f.time("updated_at")?,
    })
}

fn reason_str(reason: ReorderReason) -> &'static str {
    match reason {
        ReorderReason::LowStock => "low_stock",
        ReorderReason::Forecast => "forecast",
    }
}

pub(super) fn reorder_doc(reorder: &Reorder) -> Result<Document, StoreError> {
    Ok(doc! {
        "_id": codec::uuid(reorder.reorder_id.as_uuid()),
        "sku": reorder.sku.as_str(),
        "supplier_id": reorder.supplier_id.as_str(),
        "quantity": int(reorder.quantity),
        "reason": reason_str(reorder.reason),
        "status": reorder.status.as_str(),
        "created_at": codec::time(reorder.created_at)?,
        "updated_at": codec::time(reorder.updated_at)?,
        "received_quantity": reorder.received_quantity.map(int),
        "version": codec::counter(reorder.version)?,
        "mail_attempts": int(reorder.mail_attempts),
        "lease_expires_at": reorder.lease_expires_at.map(codec::time).transpose()?,
        "mail_failure": reorder.mail_failure.as_ref().map(|f| doc! {
            "cause": f.cause.as_str(),
            "detail": f.detail.as_str(),
        }),
    })
}

pub(super) fn reorder_from(doc: &Document) -> Result<Reorder, StoreError> {
    let f = Fields::new(doc, "reorder");
    let reason = match f.str("reason")? {
        "low_stock" => ReorderReason::LowStock,
        "forecast" => ReorderReason::Forecast,
        other => return Err(f.corrupt("reason", format!("unknown reason {other:?}"))),
    };
    Ok(Reorder {
        reorder_id: f.uuid("_id")?.into(),
        sku: f.parsed("sku", Sku::parse)?,
        supplier_id: f.parsed("supplier_id", SupplierId::parse)?,
        quantity: f.u32("quantity")?,
        reason,
        status: f.parsed("status", |s| {
            ReorderStatus::parse(s).ok_or("unknown status")
        })?,
        created_at: f.time("created_at")?,
        updated_at: f.time("updated_at")?,
        received_quantity: f.opt_u32("received_quantity")?,
        version: f.u64("version")?,
        // Absent from reorders stored before mails had a lease.
        mail_attempts: f.opt_u32("mail_attempts")?.unwrap_or(0),
        lease_expires_at: f.opt_time("lease_expires_at")?,
        mail_failure: match f.optional("mail_failure") {
            None => None,
            Some(_) => {
                let failure = Fields::new(f.doc("mail_failure")?, "reorder mail failure");
                Some(MailFailure {
                    cause: failure.parsed("cause", |s| {
                        MailFailureCause::parse(s).ok_or("unknown cause")
                    })?,
                    detail: failure.str("detail")?.to_owned(),
                })
            }
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ReorderId;

    fn listing() -> Listing {
        let draft = ListingDraft {
            sku: Sku::parse("$MUG-1").unwrap(),
            title: Title::parse("$title looks like a path").unwrap(),
            price: Price::parse("12.3400").unwrap(),
            currency: Currency::parse("EUR").unwrap(),
            available: Some(Stock::new(3).unwrap()),
            status: Some(ListingStatus::Active),
            supplier_id: Some(SupplierId::parse("acme").unwrap()),
            reorder_point: 5,
            reorder_quantity: 10,
            lead_time_days: 2,
            auto_reorder_point: true,
            amazon_mfn: Some(true),
        };
        let mut listing = Listing::from_draft(&draft, Utc::now());
        listing.status_event = Some(EventStamp {
            event_time: Utc::now(),
            notification_id: "n-1".into(),
        });
        listing
    }

    /// What the server stores for a listing: the draft stage's literals
    /// unwrapped, plus the stamps and the derived flag.
    fn stored(listing: &Listing) -> Document {
        let mut set = listing_draft_stage(&listing_draft(listing), listing.updated_at)
            .unwrap()
            .get_document("$set")
            .unwrap()
            .clone();
        for (_, value) in set.iter_mut() {
            if let Bson::Document(d) = value
                && let Some(inner) = d.get("$literal")
            {
                *value = inner.clone();
            }
        }
        set.insert("_id", listing.sku.as_str());
        set.insert("low_stock", listing.is_low_stock());
        if let Some(s) = &listing.status_event {
            set.insert("status_event", stamp(s).unwrap());
        }
        set
    }

    fn listing_draft(l: &Listing) -> ListingDraft {
        ListingDraft {
            sku: l.sku.clone(),
            title: l.title.clone(),
            price: l.price,
            currency: l.currency,
            available: Some(l.available),
            status: Some(l.status),
            supplier_id: l.supplier_id.clone(),
            reorder_point: l.reorder_point,
            reorder_quantity: l.reorder_quantity,
            lead_time_days: l.lead_time_days,
            auto_reorder_point: l.auto_reorder_point,
            amazon_mfn: Some(l.amazon_mfn),
        }
    }

    #[test]
    fn listing_round_trip_and_literal_strings() {
        let listing = listing();
        let stage = listing_draft_stage(&listing_draft(&listing), listing.updated_at).unwrap();
        let title = stage
            .get_document("$set")
            .unwrap()
            .get_document("title")
            .unwrap();
        assert_eq!(
            title.get_str("$literal").unwrap(),
            "$title looks like a path"
        );
        assert_eq!(listing_from(&stored(&listing)).unwrap(), listing);
    }

    #[test]
    fn a_negative_stock_is_corrupt() {
        let mut doc = stored(&listing());
        doc.insert("available", -1_i64);
        assert!(matches!(listing_from(&doc), Err(StoreError::Corrupt(_))));
    }

    #[test]
    fn reorder_round_trip() {
        let reorder = Reorder {
            reorder_id: ReorderId::generate(),
            sku: Sku::parse("A-1").unwrap(),
            supplier_id: SupplierId::parse("s1").unwrap(),
            quantity: 25,
            reason: ReorderReason::Forecast,
            status: ReorderStatus::Received,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            received_quantity: Some(24),
            version: 3,
            mail_attempts: 1,
            lease_expires_at: None,
            mail_failure: None,
        };
        assert_eq!(
            reorder_from(&reorder_doc(&reorder).unwrap()).unwrap(),
            reorder
        );
        let sending = Reorder {
            status: ReorderStatus::Sending,
            received_quantity: None,
            mail_attempts: 2,
            lease_expires_at: Some(Utc::now()),
            ..reorder.clone()
        };
        assert_eq!(
            reorder_from(&reorder_doc(&sending).unwrap()).unwrap(),
            sending
        );
        let failed = Reorder {
            status: ReorderStatus::MailFailed,
            lease_expires_at: None,
            mail_failure: Some(MailFailure::new(
                MailFailureCause::Rejected,
                "the mail service refused the message",
            )),
            ..sending
        };
        assert_eq!(
            reorder_from(&reorder_doc(&failed).unwrap()).unwrap(),
            failed
        );
        // Stored before mails had a lease: no attempts, no lease, no failure.
        let mut old = reorder_doc(&reorder).unwrap();
        for field in ["mail_attempts", "lease_expires_at", "mail_failure"] {
            old.remove(field);
        }
        let read = reorder_from(&old).unwrap();
        assert_eq!((read.mail_attempts, read.lease_expires_at), (0, None));
        assert_eq!(read.mail_failure, None);
    }
}
