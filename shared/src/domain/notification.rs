use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// When a notification happened and which one it was. Stamps are totally
/// ordered by `(event_time, notification_id)`: a notification is applied
/// only when its stamp is greater than the last one applied to the same
/// listing (or order) and type. A redelivered notification has an equal
/// stamp and so no second effect; a late one has a smaller stamp and is
/// ignored; any shuffle of the same stream ends in the same state.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EventStamp {
    pub event_time: DateTime<Utc>,
    pub notification_id: String,
}

impl EventStamp {
    /// Whether this stamp should be applied over `last`.
    pub fn supersedes(&self, last: Option<&EventStamp>) -> bool {
        last.is_none_or(|last| self > last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn stamp(secs: i64, id: &str) -> EventStamp {
        EventStamp {
            event_time: Utc.timestamp_opt(secs, 0).unwrap(),
            notification_id: id.into(),
        }
    }

    #[test]
    fn newer_supersedes_older_and_duplicates_do_not() {
        let a = stamp(10, "a");
        assert!(a.supersedes(None));
        assert!(stamp(11, "b").supersedes(Some(&a)));
        assert!(!stamp(9, "z").supersedes(Some(&a)));
        assert!(!a.clone().supersedes(Some(&a)));
        // Same instant: the id breaks the tie, the same way everywhere.
        assert!(stamp(10, "b").supersedes(Some(&a)));
    }
}
