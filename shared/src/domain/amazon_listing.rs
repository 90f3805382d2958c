//! What Stockroom knows of a merchant-fulfilled (`amazon_mfn`) listing's
//! count on Amazon, and the rules that keep both channels' sales.
//!
//! Stockroom's count is the truth. Every push (patchListingsItem, replace
//! the quantity) resets Amazon's count to Stockroom's, so Amazon's own
//! history is a series of intervals, each opened by one of our pushes:
//! push `P` at `sent_at`, then whatever Amazon does to it (its sales, an
//! edit in Seller Central), each reported by a
//! LISTINGS_ITEM_MFN_QUANTITY_CHANGE with an event time. [`AmazonState`]
//! keeps the last few intervals ([`AmazonPush`]): what was pushed, and the
//! newest quantity Amazon reported within it (`known`, the push itself
//! until a notification says otherwise).
//!
//! A notification is placed in the interval of its event time and read
//! against that interval's `known` quantity ([`AmazonState::reading`]):
//! equal is the echo of our own push (or a repeat) and changes nothing;
//! different is Amazon's own change, whose difference goes into the stock.
//! Reading against the interval rather than the latest push is what keeps
//! an Amazon sale that happened just before our next push (and was
//! overwritten at Amazon by it) from being forgotten or counted twice; the
//! per-interval stamp keeps shuffled notifications from being applied
//! twice. The store writes a new state only over the revision it was
//! computed from (compare-and-set), with the stock change in the same
//! write.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{EventStamp, Price};

/// How many intervals are kept: enough to place a notification that is
/// minutes late behind a few pushes; older ones are read as stale.
pub const KEPT_PUSHES: usize = 8;

/// One push of a listing to Amazon and what Amazon reported since.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AmazonPush {
    /// The quantity sent.
    pub quantity: i64,
    /// The price sent.
    pub price: Price,
    /// When the push was sent (before the call, so that Amazon cannot have
    /// applied it earlier).
    pub sent_at: DateTime<Utc>,
    /// Amazon's newest reported quantity in this interval; `quantity`
    /// until a notification reports another.
    pub known: i64,
    /// The newest notification applied in this interval.
    pub last_event: Option<EventStamp>,
}

/// The Amazon side of an `amazon_mfn` listing; absent until the first push.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AmazonState {
    /// Bumped by every write; stores update only over the revision read.
    pub revision: u32,
    /// Oldest first, at most [`KEPT_PUSHES`].
    pub pushes: Vec<AmazonPush>,
}

/// What a quantity notification means for an `amazon_mfn` listing.
#[derive(Debug, Clone, PartialEq)]
pub enum AmazonReading {
    /// Older than every kept push, or not newer than the last notification
    /// applied in its interval: already accounted for.
    Stale,
    /// Nothing was ever pushed: there is no count to compare with.
    NoBaseline,
    /// Amazon reports what it was known to hold: our own push echoed (or a
    /// repeat). The new state records the stamp only.
    Echo(AmazonState),
    /// Amazon's own change: add `delta` to the stock, write `next`.
    Change { delta: i64, next: AmazonState },
}

impl AmazonState {
    /// The newest push.
    pub fn latest(&self) -> Option<&AmazonPush> {
        self.pushes.last()
    }

    /// The quantity last pushed.
    pub fn pushed_quantity(&self) -> Option<i64> {
        self.latest().map(|p| p.quantity)
    }

    /// Whether the last push was `quantity` at `price` and Amazon has
    /// reported no change since, so that a push would change nothing.
    /// After Amazon's own change Stockroom pushes again even when the
    /// counts already agree: the last word on Amazon is always Stockroom's.
    pub fn shows(&self, quantity: i64, price: Price) -> bool {
        self.latest()
            .is_some_and(|p| p.quantity == quantity && p.known == quantity && p.price == price)
    }

    /// The state with `push` recorded (in `sent_at` order, the oldest
    /// dropped past [`KEPT_PUSHES`]).
    pub fn with_push(&self, push: AmazonPush) -> AmazonState {
        let mut pushes = self.pushes.clone();
        let at = pushes.partition_point(|p| p.sent_at <= push.sent_at);
        pushes.insert(at, push);
        if pushes.len() > KEPT_PUSHES {
            pushes.drain(..pushes.len() - KEPT_PUSHES);
        }
        AmazonState {
            revision: self.revision.wrapping_add(1),
            pushes,
        }
    }

    /// Reads a notification that Amazon holds `quantity` at `stamp`.
    pub fn reading(&self, quantity: i64, stamp: &EventStamp) -> AmazonReading {
        if self.pushes.is_empty() {
            return AmazonReading::NoBaseline;
        }
        let count = self
            .pushes
            .partition_point(|p| p.sent_at <= stamp.event_time);
        let Some(index) = count.checked_sub(1) else {
            return AmazonReading::Stale;
        };
        let interval = &self.pushes[index];
        if !stamp.supersedes(interval.last_event.as_ref()) {
            return AmazonReading::Stale;
        }
        let delta = quantity - interval.known;
        let mut next = self.clone();
        next.revision = self.revision.wrapping_add(1);
        next.pushes[index].known = quantity;
        next.pushes[index].last_event = Some(stamp.clone());
        if delta == 0 {
            AmazonReading::Echo(next)
        } else {
            AmazonReading::Change { delta, next }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
    }

    fn stamp(secs: i64, id: &str) -> EventStamp {
        EventStamp {
            event_time: at(secs),
            notification_id: id.into(),
        }
    }

    fn push(quantity: i64, secs: i64) -> AmazonPush {
        AmazonPush {
            quantity,
            price: Price::parse("5").unwrap(),
            sent_at: at(secs),
            known: quantity,
            last_event: None,
        }
    }

    fn apply(state: &AmazonState, quantity: i64, s: EventStamp) -> (i64, AmazonState) {
        match state.reading(quantity, &s) {
            AmazonReading::Change { delta, next } => (delta, next),
            AmazonReading::Echo(next) => (0, next),
            other => (0, {
                assert!(matches!(other, AmazonReading::Stale), "{other:?}");
                state.clone()
            }),
        }
    }

    #[test]
    fn an_echo_changes_nothing_and_a_sale_is_its_difference() {
        let state = AmazonState::default().with_push(push(10, 0));
        assert_eq!(state.pushed_quantity(), Some(10));
        let (delta, state) = apply(&state, 10, stamp(1, "echo"));
        assert_eq!(delta, 0);
        let (delta, state) = apply(&state, 8, stamp(2, "sale"));
        assert_eq!(delta, -2);
        // Amazon shows 8 now, but was last told 10 by Stockroom: push again.
        assert!(!state.shows(8, Price::parse("5").unwrap()));
        assert!(!state.shows(10, Price::parse("5").unwrap()));
        let state = state.with_push(push(8, 3));
        assert!(state.shows(8, Price::parse("5").unwrap()));
        // Redelivered: stale.
        assert_eq!(state.reading(8, &stamp(2, "sale")), AmazonReading::Stale);
    }

    #[test]
    fn shuffled_sales_count_once() {
        let state = AmazonState::default().with_push(push(10, 0));
        // Amazon went 10 -> 9 -> 7; the second report arrives first.
        let (first, state) = apply(&state, 7, stamp(2, "b"));
        let (second, _) = apply(&state, 9, stamp(1, "a"));
        assert_eq!(first + second, -3);
    }

    #[test]
    fn a_sale_overwritten_by_our_next_push_is_still_counted() {
        // Pushed 10; Amazon sold 1 (at t=5); we pushed 7 at t=6 not yet
        // knowing; the sale's report arrives after, then the echo of 7.
        let state = AmazonState::default()
            .with_push(push(10, 0))
            .with_push(push(7, 6));
        let (sale, state) = apply(&state, 9, stamp(5, "sale"));
        assert_eq!(sale, -1);
        let (echo, state) = apply(&state, 7, stamp(7, "echo"));
        assert_eq!(echo, 0);
        // Before every kept push: stale.
        assert_eq!(state.reading(3, &stamp(-1, "old")), AmazonReading::Stale);
    }

    #[test]
    fn no_push_no_baseline_and_history_is_bounded() {
        assert_eq!(
            AmazonState::default().reading(3, &stamp(0, "x")),
            AmazonReading::NoBaseline
        );
        let mut state = AmazonState::default();
        for i in 0..20 {
            state = state.with_push(push(i, i));
        }
        assert_eq!(state.pushes.len(), KEPT_PUSHES);
        assert_eq!(state.pushed_quantity(), Some(19));
        assert_eq!(state.revision, 20);
    }
}
