//! The daily demand series: the forecaster's only input.
//!
//! Sales counters record the days on which something sold; the forecaster
//! needs every day, because a day without a sale is information (it is what
//! makes demand intermittent). [`DailySeries`] is that zero-filled calendar.
//! Its invariants are established once, at construction, so that every later
//! stage can rely on them instead of re-checking: every value is finite and
//! within `0..=MAX_DAILY_QUANTITY`, and there are at most `MAX_DAYS` values.

use chrono::{Days, NaiveDate};

/// A run of consecutive days of demand, the first on [`DailySeries::start`].
#[derive(Clone, Debug, PartialEq)]
pub struct DailySeries {
    start: NaiveDate,
    values: Vec<f64>,
}

impl DailySeries {
    /// Longest history kept (three years). Older days are dropped: they say
    /// little about next month's demand, and the cap bounds the cost and the
    /// memory of one forecast whatever dates the caller passes in.
    pub const MAX_DAYS: usize = 3 * 365 + 1;

    /// Largest daily quantity kept; larger values are clamped to it. This keeps
    /// every sum and square the forecaster computes comfortably finite.
    pub const MAX_DAILY_QUANTITY: f64 = 1e12;

    /// A series of `values`, one per day from `start`.
    ///
    /// Values are sanitised: negative, NaN and infinite values become `0`
    /// (a return is not negative demand), values above
    /// [`Self::MAX_DAILY_QUANTITY`] are clamped, and only the latest
    /// [`Self::MAX_DAYS`] values are kept (moving `start` accordingly).
    #[must_use]
    pub fn new(start: NaiveDate, mut values: Vec<f64>) -> Self {
        let mut start = start;
        if values.len() > Self::MAX_DAYS {
            let dropped = values.len() - Self::MAX_DAYS;
            values.drain(..dropped);
            start = add_days(start, dropped);
        }
        for value in &mut values {
            *value = sanitise(*value);
        }
        Self { start, values }
    }

    /// The series of daily totals of `points` running from the earliest
    /// point's date through `end`, inclusive.
    ///
    /// Days without a point are zero, so trailing days after the last sale up
    /// to `end` are zeros too. Points on the same day are added up; points
    /// after `end` are ignored; quantities are sanitised as in [`Self::new`].
    /// A point of quantity zero still marks the start of the series. History
    /// is limited to the [`Self::MAX_DAYS`] days ending on `end`. Without
    /// points, the series is empty and starts the day after `end`.
    #[must_use]
    pub fn from_points<I>(points: I, end: NaiveDate) -> Self
    where
        I: IntoIterator<Item = (NaiveDate, f64)>,
    {
        let window_start = end
            .checked_sub_days(Days::new(Self::MAX_DAYS as u64 - 1))
            .unwrap_or(NaiveDate::MIN);
        let window_len = days_between(window_start, end) + 1;
        let mut values = vec![0.0; window_len];
        let mut first = window_len;
        for (date, quantity) in points {
            if date > end {
                continue;
            }
            if date < window_start {
                // Older than the window: the series covers the whole window.
                first = 0;
                continue;
            }
            let index = days_between(window_start, date);
            if let Some(slot) = values.get_mut(index) {
                *slot = (*slot + sanitise(quantity)).min(Self::MAX_DAILY_QUANTITY);
                first = first.min(index);
            }
        }
        values.drain(..first);
        Self {
            start: add_days(window_start, first),
            values,
        }
    }

    /// The first day of the series.
    #[must_use]
    pub fn start(&self) -> NaiveDate {
        self.start
    }

    /// Daily demand, oldest first.
    #[must_use]
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Number of days in the series.
    #[must_use]
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the series has no day at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The last day of the series, if it has one.
    #[must_use]
    pub fn end(&self) -> Option<NaiveDate> {
        let len = u64::try_from(self.values.len()).ok()?;
        self.start.checked_add_days(Days::new(len.checked_sub(1)?))
    }

    /// The day after the series: the first forecast day.
    #[must_use]
    pub fn forecast_start(&self) -> NaiveDate {
        add_days(self.start, self.values.len())
    }
}

/// A demand quantity fit for the series' invariants.
fn sanitise(quantity: f64) -> f64 {
    if quantity.is_finite() && quantity > 0.0 {
        quantity.min(DailySeries::MAX_DAILY_QUANTITY)
    } else {
        0.0
    }
}

/// `date + days`, saturating at the end of the calendar.
pub(crate) fn add_days(date: NaiveDate, days: usize) -> NaiveDate {
    u64::try_from(days)
        .ok()
        .and_then(|days| date.checked_add_days(Days::new(days)))
        .unwrap_or(NaiveDate::MAX)
}

/// Whole days from `from` to `to`, zero when `to` is not after `from`.
fn days_between(from: NaiveDate, to: NaiveDate) -> usize {
    usize::try_from(to.signed_duration_since(from).num_days()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn fills_missing_and_trailing_days_with_zeros() {
        let series = DailySeries::from_points(
            [
                (day(2025, 1, 5), 3.0),
                (day(2025, 1, 2), 1.0),
                (day(2025, 1, 5), 2.0),
            ],
            day(2025, 1, 7),
        );
        assert_eq!(series.start(), day(2025, 1, 2));
        assert_eq!(series.values(), &[1.0, 0.0, 0.0, 5.0, 0.0, 0.0]);
        assert_eq!(series.end(), Some(day(2025, 1, 7)));
        assert_eq!(series.forecast_start(), day(2025, 1, 8));
    }

    #[test]
    fn a_zero_quantity_point_starts_the_series() {
        let series = DailySeries::from_points(
            [(day(2025, 3, 1), 0.0), (day(2025, 3, 3), 4.0)],
            day(2025, 3, 3),
        );
        assert_eq!(series.start(), day(2025, 3, 1));
        assert_eq!(series.values(), &[0.0, 0.0, 4.0]);
    }

    #[test]
    fn ignores_points_after_the_end_and_sanitises_quantities() {
        let series = DailySeries::from_points(
            [
                (day(2025, 1, 1), -4.0),
                (day(2025, 1, 2), f64::NAN),
                (day(2025, 1, 3), f64::INFINITY),
                (day(2025, 1, 4), 1e300),
                (day(2025, 2, 1), 9.0),
            ],
            day(2025, 1, 4),
        );
        assert_eq!(
            series.values(),
            &[0.0, 0.0, 0.0, DailySeries::MAX_DAILY_QUANTITY]
        );
    }

    #[test]
    fn without_points_the_series_is_empty_and_starts_after_the_end() {
        let series = DailySeries::from_points([(day(2025, 2, 1), 1.0)], day(2025, 1, 31));
        assert!(series.is_empty());
        assert_eq!(series.end(), None);
        assert_eq!(series.forecast_start(), day(2025, 2, 1));
    }

    #[test]
    fn keeps_only_the_latest_max_days() {
        let end = day(2025, 6, 30);
        let series = DailySeries::from_points([(day(2001, 1, 1), 7.0), (end, 2.0)], end);
        assert_eq!(series.len(), DailySeries::MAX_DAYS);
        assert_eq!(series.end(), Some(end));
        assert_eq!(series.values().iter().sum::<f64>(), 2.0);

        let long = DailySeries::new(day(2020, 1, 1), vec![1.0; DailySeries::MAX_DAYS + 10]);
        assert_eq!(long.len(), DailySeries::MAX_DAYS);
        assert_eq!(long.start(), day(2020, 1, 11));
    }

    #[test]
    fn survives_the_edges_of_the_calendar() {
        let series = DailySeries::from_points([(NaiveDate::MAX, 1.0)], NaiveDate::MAX);
        assert_eq!(series.values(), &[1.0]);
        assert_eq!(series.forecast_start(), NaiveDate::MAX);

        let series = DailySeries::from_points([(NaiveDate::MIN, 1.0)], NaiveDate::MIN);
        assert_eq!(series.start(), NaiveDate::MIN);
        assert_eq!(series.values(), &[1.0]);
    }
}
