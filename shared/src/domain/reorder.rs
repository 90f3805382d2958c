//! Reorders and their lifecycle.
//!
//! ```text
//! PENDING_APPROVAL -> QUEUED -> SENDING -> SENT -> RECEIVED
//!        |              |  ^       |
//!        |              |  +-------+  released (mail service down) or
//!        |              |          |  reclaimed (the lease lapsed)
//!        v              v          v
//!  REJECTED/CANCELLED CANCELLED  MAIL_FAILED -> CANCELLED
//! ```
//!
//! The mailer claims a QUEUED reorder as SENDING with a lease and counts
//! the attempt; a sent mail makes it SENT. A claim whose mailer died
//! lapses, and the stock check takes it back to QUEUED. A permanent
//! refusal by the mail service, or the attempt cap, ends in MAIL_FAILED
//! with the reason. At most one reorder per SKU is open (see
//! [`ReorderStatus::is_open`]); MAIL_FAILED and CANCELLED are closed, so
//! the SKU can be reordered again.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{ReorderId, Sku, SupplierId};

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
    /// Claimed by the mailer, under a lease.
    Sending,
    Sent,
    Received,
    Rejected,
    Cancelled,
    /// The mail could not be sent and will not be retried.
    MailFailed,
}

impl ReorderStatus {
    pub const ALL: [ReorderStatus; 8] = [
        ReorderStatus::PendingApproval,
        ReorderStatus::Queued,
        ReorderStatus::Sending,
        ReorderStatus::Sent,
        ReorderStatus::Received,
        ReorderStatus::Rejected,
        ReorderStatus::Cancelled,
        ReorderStatus::MailFailed,
    ];

    /// The statuses an admin may cancel from.
    pub const CANCELLABLE: [ReorderStatus; 3] = [
        ReorderStatus::PendingApproval,
        ReorderStatus::Queued,
        ReorderStatus::MailFailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReorderStatus::PendingApproval => "PENDING_APPROVAL",
            ReorderStatus::Queued => "QUEUED",
            ReorderStatus::Sending => "SENDING",
            ReorderStatus::Sent => "SENT",
            ReorderStatus::Received => "RECEIVED",
            ReorderStatus::Rejected => "REJECTED",
            ReorderStatus::Cancelled => "CANCELLED",
            ReorderStatus::MailFailed => "MAIL_FAILED",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Open reorders block a new one for the same SKU; closed ones do not.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ReorderStatus::PendingApproval
                | ReorderStatus::Queued
                | ReorderStatus::Sending
                | ReorderStatus::Sent
        )
    }

    pub fn can_move_to(self, next: ReorderStatus) -> bool {
        use ReorderStatus::*;
        matches!(
            (self, next),
            (PendingApproval, Queued | Rejected | Cancelled)
                // MAIL_FAILED straight from QUEUED: the attempt cap was
                // already reached when the mailer picked it up.
                | (Queued, Sending | Cancelled | MailFailed)
                // Back to QUEUED: released after a transient failure, or
                // reclaimed once the lease lapsed.
                | (Sending, Sent | Queued | MailFailed)
                | (Sent, Received)
                | (MailFailed, Cancelled)
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

/// Why a reorder's mail failed for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MailFailureCause {
    /// The mail service refused the message (bad address, unverified
    /// sender, rejected content): no retry would help.
    Rejected,
    /// Every allowed attempt ended without a sent mail.
    RetryCap,
}

impl MailFailureCause {
    pub fn as_str(self) -> &'static str {
        match self {
            MailFailureCause::Rejected => "rejected",
            MailFailureCause::RetryCap => "retry_cap",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [MailFailureCause::Rejected, MailFailureCause::RetryCap]
            .into_iter()
            .find(|c| c.as_str() == raw)
    }
}

/// The reason a reorder is MAIL_FAILED.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailFailure {
    pub cause: MailFailureCause,
    /// What happened, for the admin: the service's refusal or the count.
    pub detail: String,
}

/// The longest failure detail kept, in characters.
pub const MAX_FAILURE_DETAIL_CHARS: usize = 500;

impl MailFailure {
    pub fn new(cause: MailFailureCause, detail: impl Into<String>) -> Self {
        let detail: String = detail.into();
        MailFailure {
            cause,
            detail: detail.chars().take(MAX_FAILURE_DETAIL_CHARS).collect(),
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
    /// Times the mailer claimed it (QUEUED -> SENDING).
    #[serde(default)]
    pub mail_attempts: u32,
    /// While SENDING: when the claim lapses and may be taken back.
    #[serde(default)]
    pub lease_expires_at: Option<DateTime<Utc>>,
    /// Set when MAIL_FAILED.
    #[serde(default)]
    pub mail_failure: Option<MailFailure>,
}

impl Reorder {
    /// The reorder moved to `next` at `at`, one version on; `None` when the
    /// lifecycle does not allow the move. Leaving SENDING drops the lease.
    pub fn transitioned(&self, next: ReorderStatus, at: DateTime<Utc>) -> Option<Reorder> {
        if !self.status.can_move_to(next) {
            return None;
        }
        let mut reorder = self.clone();
        reorder.status = next;
        reorder.updated_at = at;
        reorder.version += 1;
        if next != ReorderStatus::Sending {
            reorder.lease_expires_at = None;
        }
        Some(reorder)
    }

    /// QUEUED -> SENDING for one more attempt, the lease running `lease`
    /// from `at`.
    pub fn claimed(&self, at: DateTime<Utc>, lease: Duration) -> Option<Reorder> {
        let mut reorder = self.transitioned(ReorderStatus::Sending, at)?;
        reorder.mail_attempts = reorder.mail_attempts.saturating_add(1);
        reorder.lease_expires_at = Some(at + lease);
        Some(reorder)
    }

    /// -> MAIL_FAILED with the reason.
    pub fn mail_failed(&self, at: DateTime<Utc>, failure: MailFailure) -> Option<Reorder> {
        let mut reorder = self.transitioned(ReorderStatus::MailFailed, at)?;
        reorder.mail_failure = Some(failure);
        Some(reorder)
    }

    /// Whether a SENDING claim has lapsed at `now` (a claim without a
    /// lease has lapsed: nothing holds it).
    pub fn lease_lapsed(&self, now: DateTime<Utc>) -> bool {
        self.status == ReorderStatus::Sending && self.lease_expires_at.is_none_or(|end| end <= now)
    }

    /// Whether another attempt would exceed `max_attempts`.
    pub fn attempts_exhausted(&self, max_attempts: u32) -> bool {
        self.mail_attempts >= max_attempts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reorder(status: ReorderStatus) -> Reorder {
        let at = DateTime::parse_from_rfc3339("2025-03-10T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        Reorder {
            reorder_id: ReorderId::generate(),
            sku: Sku::parse("MUG-BLUE").unwrap(),
            supplier_id: SupplierId::parse("acme").unwrap(),
            quantity: 10,
            reason: ReorderReason::LowStock,
            status,
            created_at: at,
            updated_at: at,
            received_quantity: None,
            version: 1,
            mail_attempts: 0,
            lease_expires_at: None,
            mail_failure: None,
        }
    }

    #[test]
    fn reorder_states() {
        use ReorderStatus::*;
        assert!(PendingApproval.can_move_to(Queued));
        assert!(!PendingApproval.can_move_to(Sent));
        assert!(!PendingApproval.can_move_to(Sending));
        assert!(Queued.can_move_to(Sending));
        assert!(!Queued.can_move_to(Sent), "only through a claim");
        assert!(Sending.can_move_to(Sent));
        assert!(Sending.can_move_to(Queued));
        assert!(Sending.can_move_to(MailFailed));
        assert!(!Sending.can_move_to(Cancelled), "a mail may be on its way");
        assert!(!Sent.can_move_to(Queued));
        assert!(!Received.can_move_to(Queued));
        assert!(MailFailed.can_move_to(Cancelled));
        assert!(!MailFailed.can_move_to(Queued));
        assert!(!Rejected.is_open());
        assert!(Sent.is_open());
        assert!(Sending.is_open());
        assert!(!MailFailed.is_open());
        assert!(!Cancelled.is_open());
    }

    #[test]
    fn cancellable_statuses_are_exactly_those_that_may_move_to_cancelled() {
        for status in ReorderStatus::ALL {
            assert_eq!(
                ReorderStatus::CANCELLABLE.contains(&status),
                status.can_move_to(ReorderStatus::Cancelled),
                "{status:?}"
            );
        }
    }

    #[test]
    fn statuses_parse_back() {
        for status in ReorderStatus::ALL {
            assert_eq!(ReorderStatus::parse(status.as_str()), Some(status));
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
        assert_eq!(ReorderStatus::parse("sent"), None);
    }

    #[test]
    fn a_claim_counts_the_attempt_and_holds_a_lease() {
        let queued = reorder(ReorderStatus::Queued);
        let at = queued.updated_at + Duration::seconds(5);
        let claimed = queued.claimed(at, Duration::seconds(300)).unwrap();
        assert_eq!(claimed.status, ReorderStatus::Sending);
        assert_eq!(claimed.mail_attempts, 1);
        assert_eq!(claimed.version, 2);
        assert_eq!(claimed.lease_expires_at, Some(at + Duration::seconds(300)));
        assert!(!claimed.lease_lapsed(at + Duration::seconds(299)));
        assert!(claimed.lease_lapsed(at + Duration::seconds(300)));
        assert!(
            claimed.claimed(at, Duration::seconds(1)).is_none(),
            "claimed once"
        );

        let back = claimed
            .transitioned(ReorderStatus::Queued, at + Duration::seconds(400))
            .unwrap();
        assert_eq!(
            back.lease_expires_at, None,
            "leaving SENDING drops the lease"
        );
        assert_eq!(back.mail_attempts, 1, "attempts are kept");
        assert!(!back.lease_lapsed(at + Duration::days(1)), "not SENDING");
        let again = back.claimed(at, Duration::seconds(300)).unwrap();
        assert_eq!(again.mail_attempts, 2);
        assert!(again.attempts_exhausted(2));
        assert!(!again.attempts_exhausted(3));
    }

    #[test]
    fn mail_failure_is_recorded_and_closes_the_reorder() {
        let claimed = reorder(ReorderStatus::Queued)
            .claimed(Utc::now(), Duration::seconds(60))
            .unwrap();
        let failure = MailFailure::new(MailFailureCause::Rejected, "x".repeat(2_000));
        assert_eq!(failure.detail.chars().count(), MAX_FAILURE_DETAIL_CHARS);
        let failed = claimed.mail_failed(Utc::now(), failure.clone()).unwrap();
        assert_eq!(failed.status, ReorderStatus::MailFailed);
        assert_eq!(failed.mail_failure, Some(failure.clone()));
        assert_eq!(failed.lease_expires_at, None);
        assert!(!failed.status.is_open());
        assert!(failed.mail_failed(Utc::now(), failure).is_none());
        assert!(
            reorder(ReorderStatus::Sent)
                .mail_failed(
                    Utc::now(),
                    MailFailure::new(MailFailureCause::RetryCap, "5")
                )
                .is_none()
        );
        for cause in [MailFailureCause::Rejected, MailFailureCause::RetryCap] {
            assert_eq!(MailFailureCause::parse(cause.as_str()), Some(cause));
        }
    }

    #[test]
    fn stored_reorders_without_the_mail_fields_still_read() {
        let mut value = serde_json::to_value(reorder(ReorderStatus::Sent)).unwrap();
        let fields = value.as_object_mut().unwrap();
        for field in ["mail_attempts", "lease_expires_at", "mail_failure"] {
            fields.remove(field);
        }
        let read: Reorder = serde_json::from_value(value).unwrap();
        assert_eq!(read.mail_attempts, 0);
        assert_eq!(read.lease_expires_at, None);
        assert_eq!(read.mail_failure, None);
    }
}
