//! BSON primitives shared by every document codec.
//!
//! Three representation choices are made here, once, for every collection:
//!
//! - **Instants** are fixed-width RFC 3339 strings in UTC with nine
//!   fractional digits (`2024-05-01T10:00:00.123456789Z`). A BSON date keeps
//!   only milliseconds, and the domain (and the contract suite) compares
//!   timestamps exactly; the fixed width makes plain string comparison the
//!   same as time order, so range queries (`created_at < cutoff`) and
//!   stamp comparisons stay exact and indexable. The one place that needs a
//!   real BSON date (the TTL index) gets an extra field.
//! - **Money** is `Decimal128`, so aggregation pipelines sum it exactly.
//! - **Ids** (`OrderId`, `CustomerId`, `ReorderId`) are BSON UUIDs (binary
//!   subtype 4): compact, and their byte order is the UUIDv7 time order.
//!
//! Decoding never panics: anything unexpected becomes
//! [`StoreError::Corrupt`] naming the collection, the document and the field.

use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use mongodb::bson::spec::BinarySubtype;
use mongodb::bson::{Binary, Bson, DateTime as BsonDateTime, Decimal128, Document, doc};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::ports::StoreError;

/// The years that keep the fixed-width string forms sortable.
const YEARS: std::ops::RangeInclusive<i32> = 0..=9999;

/// An instant as stored: fixed-width RFC 3339, UTC, nanoseconds.
pub(super) fn time(at: DateTime<Utc>) -> Result<Bson, StoreError> {
    time_key(at).map(Bson::String)
}

/// The stored string form of an instant, also used in query filters.
pub(super) fn time_key(at: DateTime<Utc>) -> Result<String, StoreError> {
    if !YEARS.contains(&at.year()) {
        return Err(StoreError::Corrupt(format!(
            "timestamp {at} is outside the storable years 0000-9999"
        )));
    }
    Ok(at.to_rfc3339_opts(SecondsFormat::Nanos, true))
}

/// A day as stored (`YYYY-MM-DD`), used for per-day keys and aggregates.
pub(super) fn day_key(day: NaiveDate) -> Result<String, StoreError> {
    if !YEARS.contains(&day.year()) {
        return Err(StoreError::Corrupt(format!(
            "day {day} is outside the storable years 0000-9999"
        )));
    }
    Ok(day.format("%Y-%m-%d").to_string())
}

/// A day range clamped to the storable years, for queries: a range that
/// lies wholly outside them selects nothing (`None`).
pub(super) fn day_range(from: NaiveDate, to: NaiveDate) -> Option<(String, String)> {
    let first = NaiveDate::from_ymd_opt(*YEARS.start(), 1, 1)?;
    let last = NaiveDate::from_ymd_opt(*YEARS.end(), 12, 31)?;
    let (from, to) = (from.max(first), to.min(last));
    if from > to {
        return None;
    }
    Some((day_key(from).ok()?, day_key(to).ok()?))
}

/// A BSON date for the TTL monitor, rounded up to the next millisecond so
/// that a record is never removed before it has expired.
pub(super) fn ttl_date(at: DateTime<Utc>) -> BsonDateTime {
    let millis = at.timestamp_millis();
    let exact = at.timestamp_subsec_nanos().is_multiple_of(1_000_000);
    BsonDateTime::from_millis(if exact {
        millis
    } else {
        millis.saturating_add(1)
    })
}

pub(super) fn uuid(id: Uuid) -> Bson {
    Bson::Binary(Binary {
        subtype: BinarySubtype::Uuid,
        bytes: id.as_bytes().to_vec(),
    })
}

pub(super) fn decimal(value: Decimal) -> Result<Bson, StoreError> {
    Decimal128::from_str(&value.normalize().to_string())
        .map(Bson::Decimal128)
        .map_err(|e| StoreError::Corrupt(format!("decimal {value} does not fit Decimal128: {e:?}")))
}

/// A Decimal128 read back as an exact decimal. The server prints sums in
/// plain notation except for very large or very small exponents, which
/// come back in scientific notation.
pub(super) fn decimal_from(value: Decimal128) -> Result<Decimal, StoreError> {
    let text = value.to_string();
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|_| StoreError::Corrupt(format!("decimal {text} is out of range")))
}

pub(super) fn int(value: impl Into<i64>) -> Bson {
    Bson::Int64(value.into())
}

/// A `u64` counter (versions) as Int64; refuses what Int64 cannot hold.
pub(super) fn counter(value: u64) -> Result<Bson, StoreError> {
    i64::try_from(value)
        .map(Bson::Int64)
        .map_err(|_| StoreError::Corrupt(format!("counter {value} exceeds Int64")))
}

/// Wraps a value so that an aggregation-pipeline update takes it
/// literally: a title such as `"$price"` must not be read as a field path.
pub(super) fn lit(value: impl Into<Bson>) -> Bson {
    Bson::Document(doc! { "$literal": value.into() })
}

/// Reads the fields of one stored document, naming it in every error.
#[derive(Debug)]
pub(super) struct Fields<'a> {
    doc: &'a Document,
    what: &'static str,
}

impl<'a> Fields<'a> {
    pub(super) fn new(doc: &'a Document, what: &'static str) -> Self {
        Self { doc, what }
    }

    pub(super) fn corrupt(&self, field: &str, problem: impl std::fmt::Display) -> StoreError {
        let id = self
            .doc
            .get("_id")
            .map(ToString::to_string)
            .unwrap_or_default();
        StoreError::Corrupt(format!("{} {id}: field `{field}`: {problem}", self.what))
    }

    fn get(&self, field: &str) -> Result<&'a Bson, StoreError> {
        self.doc
            .get(field)
            .ok_or_else(|| self.corrupt(field, "missing"))
    }

    /// The value, or `None` when the field is missing or null.
    pub(super) fn optional(&self, field: &str) -> Option<&'a Bson> {
        self.doc.get(field).filter(|v| !matches!(v, Bson::Null))
    }

    pub(super) fn str(&self, field: &str) -> Result<&'a str, StoreError> {
        match self.get(field)? {
            Bson::String(s) => Ok(s),
            other => Err(self.corrupt(
                field,
                format!("expected a string, found {:?}", other.element_type()),
            )),
        }
    }

    pub(super) fn opt_str(&self, field: &str) -> Result<Option<&'a str>, StoreError> {
        self.optional(field).map(|_| self.str(field)).transpose()
    }

    pub(super) fn bool(&self, field: &str) -> Result<bool, StoreError> {
        match self.get(field)? {
            Bson::Boolean(b) => Ok(*b),
            other => Err(self.corrupt(
                field,
                format!("expected a boolean, found {:?}", other.element_type()),
            )),
        }
    }

    pub(super) fn i64(&self, field: &str) -> Result<i64, StoreError> {
        integer(self.get(field)?).ok_or_else(|| self.corrupt(field, "expected an integer"))
    }

    pub(super) fn u32(&self, field: &str) -> Result<u32, StoreError> {
        let raw = self.i64(field)?;
        u32::try_from(raw).map_err(|_| self.corrupt(field, format!("{raw} is not a u32")))
    }

    pub(super) fn u64(&self, field: &str) -> Result<u64, StoreError> {
        let raw = self.i64(field)?;
        u64::try_from(raw).map_err(|_| self.corrupt(field, format!("{raw} is negative")))
    }

    pub(super) fn opt_u32(&self, field: &str) -> Result<Option<u32>, StoreError> {
        self.optional(field).map(|_| self.u32(field)).transpose()
    }

    pub(super) fn time(&self, field: &str) -> Result<DateTime<Utc>, StoreError> {
        let raw = self.str(field)?;
        DateTime::parse_from_rfc3339(raw)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| self.corrupt(field, e))
    }

    pub(super) fn opt_time(&self, field: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.optional(field).map(|_| self.time(field)).transpose()
    }

    pub(super) fn decimal(&self, field: &str) -> Result<Decimal, StoreError> {
        match self.get(field)? {
            Bson::Decimal128(d) => decimal_from(*d).map_err(|e| self.corrupt(field, e)),
            other => Err(self.corrupt(
                field,
                format!("expected a decimal, found {:?}", other.element_type()),
            )),
        }
    }

    pub(super) fn uuid(&self, field: &str) -> Result<Uuid, StoreError> {
        match self.get(field)? {
            Bson::Binary(b) if b.subtype == BinarySubtype::Uuid => {
                Uuid::from_slice(&b.bytes).map_err(|e| self.corrupt(field, e))
            }
            other => Err(self.corrupt(
                field,
                format!("expected a UUID, found {:?}", other.element_type()),
            )),
        }
    }

    pub(super) fn doc(&self, field: &str) -> Result<&'a Document, StoreError> {
        match self.get(field)? {
            Bson::Document(d) => Ok(d),
            other => Err(self.corrupt(
                field,
                format!("expected a document, found {:?}", other.element_type()),
            )),
        }
    }

    pub(super) fn array(&self, field: &str) -> Result<&'a [Bson], StoreError> {
        match self.get(field)? {
            Bson::Array(a) => Ok(a),
            other => Err(self.corrupt(
                field,
                format!("expected an array, found {:?}", other.element_type()),
            )),
        }
    }

    /// A string field parsed by a domain constructor.
    pub(super) fn parsed<T, E: std::fmt::Display>(
        &self,
        field: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, StoreError> {
        parse(self.str(field)?).map_err(|e| self.corrupt(field, e))
    }
}

/// Any BSON integer (and integral doubles, which aggregation may produce).
pub(super) fn integer(value: &Bson) -> Option<i64> {
    match value {
        Bson::Int32(n) => Some(i64::from(*n)),
        Bson::Int64(n) => Some(*n),
        Bson::Double(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(*f as i64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn instants_round_trip_exactly_and_sort_as_strings() {
        let early = Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap()
            + chrono::Duration::nanoseconds(123_456_789);
        let late = early + chrono::Duration::nanoseconds(1);
        let (a, b) = (time_key(early).unwrap(), time_key(late).unwrap());
        assert_eq!(a, "2024-05-01T10:00:00.123456789Z");
        assert!(a < b);
        let doc = doc! { "_id": 1, "at": a };
        assert_eq!(Fields::new(&doc, "test").time("at").unwrap(), early);
        let far = Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap();
        assert!(matches!(time_key(far), Err(StoreError::Corrupt(_))));
    }

    #[test]
    fn ttl_dates_round_up() {
        let at = Utc.timestamp_opt(1_700_000_000, 500).unwrap();
        assert_eq!(ttl_date(at).timestamp_millis(), 1_700_000_000_001);
        let whole = Utc.timestamp_opt(1_700_000_000, 2_000_000).unwrap();
        assert_eq!(ttl_date(whole).timestamp_millis(), 1_700_000_000_002);
    }

    #[test]
    fn decimals_survive_decimal128() {
        for raw in [
            "2.5",
            "0",
            "19.99",
            "1000000000",
            "0.0001",
            "123456789012.3456",
        ] {
            let value = Decimal::from_str(raw).unwrap();
            let Bson::Decimal128(d) = decimal(value).unwrap() else {
                panic!("not a decimal");
            };
            assert_eq!(decimal_from(d).unwrap(), value, "{raw}");
        }
        // What the server prints for sums with a positive exponent.
        let scientific = Decimal128::from_str("5.00E+3").unwrap();
        assert_eq!(decimal_from(scientific).unwrap(), Decimal::from(5000));
    }

    #[test]
    fn wrong_types_are_corrupt_not_panics() {
        let doc = doc! { "_id": "x", "n": "seven", "s": 7, "u": -1_i64, "id": "nope" };
        let f = Fields::new(&doc, "thing");
        for err in [
            f.i64("n").unwrap_err(),
            f.str("s").unwrap_err(),
            f.u32("u").unwrap_err(),
            f.uuid("id").unwrap_err(),
            f.str("missing").unwrap_err(),
            f.time("n").unwrap_err(),
        ] {
            let StoreError::Corrupt(message) = err else {
                panic!("expected corrupt");
            };
            assert!(message.starts_with("thing \"x\""), "{message}");
        }
        assert_eq!(f.opt_str("missing").unwrap(), None);
    }

    #[test]
    fn day_ranges_clamp_to_storable_years() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            day_range(d(2024, 1, 1), d(2024, 1, 31)),
            Some(("2024-01-01".into(), "2024-01-31".into()))
        );
        assert_eq!(day_range(d(10_000, 1, 1), d(10_001, 1, 1)), None);
        assert_eq!(
            day_range(d(9999, 12, 1), d(10_001, 1, 1)),
            Some(("9999-12-01".into(), "9999-12-31".into()))
        );
    }
}
