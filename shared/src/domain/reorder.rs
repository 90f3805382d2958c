use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ReorderId, Sku, SupplierId};

/// `PENDING_APPROVAL -> QUEUED -> SENT -> RECEIVED`, or `REJECTED` /
/// `CANCELLED`. At most one reorder per SKU is open (not yet closed).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReorderStatus {
    PendingApproval,
    Queued,
    Sent,
    Received,
    Rejected,
    Cancelled,
}

impl ReorderStatus {
    pub const ALL: [ReorderStatus; 6] = [
        ReorderStatus::PendingApproval,
        ReorderStatus::Queued,
        ReorderStatus::Sent,
        ReorderStatus::Received,
        ReorderStatus::Rejected,
        ReorderStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReorderStatus::PendingApproval => "PENDING_APPROVAL",
            ReorderStatus::Queued => "QUEUED",
            ReorderStatus::Sent => "SENT",
            ReorderStatus::Received => "RECEIVED",
            ReorderStatus::Rejected => "REJECTED",
            ReorderStatus::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Closed reorders no longer block a new one for the same SKU.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ReorderStatus::PendingApproval | ReorderStatus::Queued | ReorderStatus::Sent
        )
    }

    pub fn can_move_to(self, next: ReorderStatus) -> bool {
        use ReorderStatus::*;
        matches!(
            (self, next),
            (PendingApproval, Queued | Rejected | Cancelled)
                | (Queued, Sent | Cancelled)
                // A mail that could not be sent goes back to the queue.
                | (Sent, Received | Queued)
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReorderReason {
    /// Stock at or below the listing's reorder point.
    LowStock,
    /// The demand forecast projects a stockout within the lead time.
    Forecast,
}

impl ReorderReason {
    pub fn describe(self) -> &'static str {
        match self {
            ReorderReason::LowStock => "stock is at or below the reorder point",
            ReorderReason::Forecast => "forecast demand runs out the stock within the lead time",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reorder {
    pub reorder_id: ReorderId,
    pub sku: Sku,
    pub supplier_id: SupplierId,
    pub quantity: u32,
    pub reason: ReorderReason,
    pub status: ReorderStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Units received so far (set when RECEIVED).
    pub received_quantity: Option<u32>,
    pub version: u64,
}

impl Reorder {
    pub fn transitioned(&self, next: ReorderStatus, at: DateTime<Utc>) -> Option<Reorder> {
        if !self.status.can_move_to(next) {
            return None;
        }
        let mut reorder = self.clone();
        reorder.status = next;
        reorder.updated_at = at;
        reorder.version += 1;
        Some(reorder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reorder_states() {
        use ReorderStatus::*;
        assert!(PendingApproval.can_move_to(Queued));
        assert!(!PendingApproval.can_move_to(Sent));
        assert!(Queued.can_move_to(Sent));
        assert!(!Received.can_move_to(Queued));
        assert!(!Rejected.is_open());
        assert!(Sent.is_open());
    }
}
