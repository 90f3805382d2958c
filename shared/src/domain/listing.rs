use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use super::{AmazonState, Currency, DomainError, EventStamp, Price, Sku, Stock, SupplierId};

/// Whether a listing can be ordered. SP-API's status list maps onto it:
/// `BUYABLE` present -> `Active`, `DELETED` -> `Deleted`, anything else
/// (e.g. only `DISCOVERABLE`) -> `Inactive`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ListingStatus {
    Active,
    Inactive,
    Deleted,
}

impl ListingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ListingStatus::Active => "ACTIVE",
            ListingStatus::Inactive => "INACTIVE",
            ListingStatus::Deleted => "DELETED",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw {
            "ACTIVE" => Ok(Self::Active),
            "INACTIVE" => Ok(Self::Inactive),
            "DELETED" => Ok(Self::Deleted),
            _ => Err(DomainError::new(
                "status must be one of ACTIVE, INACTIVE, DELETED",
            )),
        }
    }

    /// SP-API `LISTINGS_ITEM_STATUS_CHANGE` status list to a listing status.
    pub fn from_sp_api<S: AsRef<str>>(statuses: &[S]) -> Self {
        if statuses.iter().any(|s| s.as_ref() == "DELETED") {
            ListingStatus::Deleted
        } else if statuses.iter().any(|s| s.as_ref() == "BUYABLE") {
            ListingStatus::Active
        } else {
            ListingStatus::Inactive
        }
    }

    pub fn is_buyable(self) -> bool {
        self == ListingStatus::Active
    }
}

/// A listing title: 1 to 200 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Title(String);

impl Title {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.chars().count() > 200 {
            return Err(DomainError::new("title must be 1 to 200 characters"));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(DomainError::new(
                "title must not contain control characters",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Title {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Title::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// A listing as stored. `available` is the sellable stock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Listing {
    pub sku: Sku,
    pub title: Title,
    pub price: Price,
    pub currency: Currency,
    pub available: Stock,
    pub status: ListingStatus,
    pub supplier_id: Option<SupplierId>,
    /// Low on stock when `available <= reorder_point`. Always set: the
    /// configured default is applied when the listing is created.
    pub reorder_point: u32,
    pub reorder_quantity: u32,
    pub lead_time_days: u32,
    /// Whether the daily forecast may overwrite `reorder_point`.
    pub auto_reorder_point: bool,
    pub updated_at: DateTime<Utc>,
    /// Last applied SP-API status notification (staleness guard).
    pub status_event: Option<EventStamp>,
    /// Last applied SP-API quantity notification (staleness guard).
    pub quantity_event: Option<EventStamp>,
    /// Also sold on Amazon as a merchant-fulfilled offer: Stockroom pushes
    /// its stock and price there, and Amazon's quantity notifications are
    /// read as Amazon's sales (see [`AmazonState`]). Absent in records
    /// written before it existed: false.
    #[serde(default)]
    pub amazon_mfn: bool,
    /// What was pushed to Amazon and what Amazon reported since; written
    /// only by the sync and the quantity notifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amazon: Option<AmazonState>,
}

impl Listing {
    pub fn is_low_stock(&self) -> bool {
        self.available.get() <= i64::from(self.reorder_point)
    }

    /// Applies an admin's writable fields. Notification stamps are kept:
    /// admin edits do not count as notifications.
    pub fn apply_draft(&mut self, draft: &ListingDraft, now: DateTime<Utc>) {
        self.title = draft.title.clone();
        self.price = draft.price;
        self.currency = draft.currency;
        if let Some(available) = draft.available {
            self.available = available;
        }
        if let Some(status) = draft.status {
            self.status = status;
        }
        self.supplier_id = draft.supplier_id.clone();
        self.reorder_point = draft.reorder_point;
        self.reorder_quantity = draft.reorder_quantity;
        self.lead_time_days = draft.lead_time_days;
        self.auto_reorder_point = draft.auto_reorder_point;
        if let Some(mfn) = draft.amazon_mfn {
            self.amazon_mfn = mfn;
        }
        self.updated_at = now;
    }

    /// The quantity last pushed to Amazon, if any.
    pub fn amazon_pushed_quantity(&self) -> Option<i64> {
        self.amazon.as_ref().and_then(AmazonState::pushed_quantity)
    }

    /// The revision of the Amazon state (0 before the first write).
    pub fn amazon_revision(&self) -> u32 {
        self.amazon.as_ref().map_or(0, |a| a.revision)
    }

    pub fn from_draft(draft: &ListingDraft, now: DateTime<Utc>) -> Self {
        Listing {
            sku: draft.sku.clone(),
            title: draft.title.clone(),
            price: draft.price,
            currency: draft.currency,
            available: draft.available.unwrap_or(Stock::ZERO),
            status: draft.status.unwrap_or(ListingStatus::Active),
            supplier_id: draft.supplier_id.clone(),
            reorder_point: draft.reorder_point,
            reorder_quantity: draft.reorder_quantity,
            lead_time_days: draft.lead_time_days,
            auto_reorder_point: draft.auto_reorder_point,
            updated_at: now,
            status_event: None,
            quantity_event: None,
            amazon_mfn: draft.amazon_mfn.unwrap_or(false),
            amazon: None,
        }
    }
}

/// The admin-writable fields of a listing (`PUT /listings/{sku}`), already
/// parsed, with configured defaults filled in.
///
/// `available` is optional: absent keeps the current stock (0 for a new
/// listing); present sets it, as an inventory count would. `status` is
/// optional the same way: absent keeps the stored status (ACTIVE for a new
/// listing), so editing a DELETED or INACTIVE listing does not revive it.
/// `amazon_mfn` likewise: absent keeps the flag (false for a new listing).
#[derive(Debug, Clone, PartialEq)]
pub struct ListingDraft {
    pub sku: Sku,
    pub title: Title,
    pub price: Price,
    pub currency: Currency,
    pub available: Option<Stock>,
    pub status: Option<ListingStatus>,
    pub supplier_id: Option<SupplierId>,
    pub reorder_point: u32,
    pub reorder_quantity: u32,
    pub lead_time_days: u32,
    pub auto_reorder_point: bool,
    pub amazon_mfn: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sp_api_status_mapping() {
        assert_eq!(
            ListingStatus::from_sp_api(&["BUYABLE", "DISCOVERABLE"]),
            ListingStatus::Active
        );
        assert_eq!(
            ListingStatus::from_sp_api(&["DISCOVERABLE"]),
            ListingStatus::Inactive
        );
        assert_eq!(
            ListingStatus::from_sp_api::<&str>(&[]),
            ListingStatus::Inactive
        );
        assert_eq!(
            ListingStatus::from_sp_api(&["BUYABLE", "DELETED"]),
            ListingStatus::Deleted
        );
    }

    #[test]
    fn title_is_trimmed_and_bounded() {
        assert_eq!(Title::parse("  Mug ").unwrap().as_str(), "Mug");
        assert!(Title::parse("   ").is_err());
        assert!(Title::parse(&"x".repeat(201)).is_err());
        assert!(Title::parse("a\u{0}b").is_err());
    }
}
