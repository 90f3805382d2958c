//! Sales rows out of CSV records: which column is which, and what a row
//! holds.
//!
//! Splitting the text into records (delimiters, quotes, quoted newlines,
//! CRLF) is the `csv` crate's job; this module only decides what the fields
//! mean. Columns are found by header name (`sku`, `date`, `quantity`, any
//! case, any order, other columns ignored); a file without a header has
//! them first, in that order. Fields are borrowed from the record, so
//! reading millions of rows allocates almost nothing.

use chrono::NaiveDate;
use csv::ByteRecord;
use stockroom::forecast::DailySeries;

/// The header names, in the order assumed without a header.
const NAMES: [&str; 3] = ["sku", "date", "quantity"];

/// One sale record.
#[derive(Clone, Debug, PartialEq)]
pub struct Row<'a> {
    pub sku: &'a str,
    pub date: NaiveDate,
    pub quantity: f64,
}

/// Why a record is not a usable row.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RowError {
    #[error("expected a {name} field (column {column}), found {found} fields")]
    MissingField {
        name: &'static str,
        column: usize,
        found: usize,
    },
    #[error("empty sku")]
    EmptySku,
    #[error("invalid date {0:?}, expected YYYY-MM-DD")]
    Date(String),
    #[error("invalid quantity {0:?}, expected a number from 0 to 1e12")]
    Quantity(String),
    #[error("not valid UTF-8")]
    NotUtf8,
}

/// Why a header line cannot be used.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("the header has no {0:?} column (it needs sku, date and quantity)")]
pub struct HeaderError(pub &'static str);

/// Where the sku, date and quantity fields are in a record (0-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Columns {
    positions: [usize; 3],
}

impl Default for Columns {
    /// `sku,date,quantity`: the order of a file without a header.
    fn default() -> Self {
        Self {
            positions: [0, 1, 2],
        }
    }
}

impl Columns {
    /// The columns named by `record` if it is a header: a record with at
    /// least one field named like a column. `None` when it is data.
    ///
    /// # Errors
    ///
    /// [`HeaderError`] for a header that lacks one of the columns.
    pub fn from_header(record: &ByteRecord) -> Result<Option<Self>, HeaderError> {
        let name_of = |field: &[u8]| {
            let field = field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field);
            let field = std::str::from_utf8(field).unwrap_or("").trim();
            NAMES
                .iter()
                .position(|name| name.eq_ignore_ascii_case(field))
        };
        let mut positions = [None; 3];
        for (column, field) in record.iter().enumerate() {
            if let Some(index) = name_of(field) {
                // The first column of a name wins; later duplicates are extra.
                positions[index].get_or_insert(column);
            }
        }
        if positions.iter().all(Option::is_none) {
            return Ok(None);
        }
        let mut found = [0; 3];
        for ((slot, position), name) in found.iter_mut().zip(positions).zip(NAMES) {
            *slot = position.ok_or(HeaderError(name))?;
        }
        Ok(Some(Self { positions: found }))
    }

    /// Parses one record into a row.
    ///
    /// # Errors
    ///
    /// [`RowError`] saying what is wrong with the record.
    pub fn parse<'r>(&self, record: &'r ByteRecord) -> Result<Row<'r>, RowError> {
        let field = |index: usize| {
            let column = self.positions[index];
            let bytes = record.get(column).ok_or(RowError::MissingField {
                name: NAMES[index],
                column: column + 1,
                found: record.len(),
            })?;
            std::str::from_utf8(bytes)
                .map(str::trim)
                .map_err(|_| RowError::NotUtf8)
        };
        let sku = field(0)?;
        let date = field(1)?;
        let quantity = field(2)?;
        if sku.is_empty() {
            return Err(RowError::EmptySku);
        }
        let date = parse_date(date).ok_or_else(|| RowError::Date(date.to_owned()))?;
        let quantity = match quantity.parse::<f64>() {
            Ok(q) if (0.0..=DailySeries::MAX_DAILY_QUANTITY).contains(&q) => q,
            _ => return Err(RowError::Quantity(quantity.to_owned())),
        };
        Ok(Row {
            sku,
            date,
            quantity,
        })
    }
}

/// Whether every field of `record` is blank (a line of spaces).
#[must_use]
pub fn is_blank(record: &ByteRecord) -> bool {
    record.iter().all(|field| field.trim_ascii().is_empty())
}

/// An ISO 8601 calendar date. The common `YYYY-MM-DD` form is decoded
/// directly (a sales file has millions of them); anything else goes to
/// chrono's general parser.
fn parse_date(text: &str) -> Option<NaiveDate> {
    if let &[y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = text.as_bytes() {
        let digits = |bytes: &[u8]| {
            bytes.iter().try_fold(0_u32, |n, b| {
                b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
            })
        };
        if let (Some(year), Some(month), Some(day)) = (
            digits(&[y0, y1, y2, y3]),
            digits(&[m0, m1]),
            digits(&[d0, d1]),
        ) {
            return NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day);
        }
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn record(fields: &[&str]) -> ByteRecord {
        ByteRecord::from(fields.to_vec())
    }

    #[test]
    fn parses_plain_and_spaced_rows() {
        let columns = Columns::default();
        let fields = record(&[" MUG ", " 2025-02-01", "3.5 ", "ignored"]);
        let row = columns.parse(&fields).unwrap();
        assert_eq!(
            row,
            Row {
                sku: "MUG",
                date: day(2025, 2, 1),
                quantity: 3.5
            }
        );
    }

    #[test]
    fn finds_columns_by_header_name_in_any_order() {
        let header = record(&["Quantity", "\u{feff}SKU", "note", " date "]);
        let columns = Columns::from_header(&header).unwrap().unwrap();
        let fields = record(&["4", "MUG, BLUE", "x", "2025-01-31"]);
        let row = columns.parse(&fields).unwrap();
        assert_eq!(
            (row.sku, row.date, row.quantity),
            ("MUG, BLUE", day(2025, 1, 31), 4.0)
        );
        assert_eq!(
            Columns::from_header(&record(&["A", "2025-01-01", "1"])),
            Ok(None)
        );
        assert_eq!(
            Columns::from_header(&record(&["sku", "day", "quantity"])),
            Err(HeaderError("date"))
        );
    }

    #[test]
    fn says_what_is_wrong_with_a_bad_row() {
        let columns = Columns::default();
        let cases = [
            (
                &["A", "2025-01-01"][..],
                "expected a quantity field (column 3), found 2 fields",
            ),
            (&[" ", "2025-01-01", "1"][..], "empty sku"),
            (
                &["A", "2025-02-30", "1"][..],
                "invalid date \"2025-02-30\", expected YYYY-MM-DD",
            ),
            (
                &["A", "2025-01-01", "-4"][..],
                "invalid quantity \"-4\", expected a number from 0 to 1e12",
            ),
            (
                &["A", "2025-01-01", "NaN"][..],
                "invalid quantity \"NaN\", expected a number from 0 to 1e12",
            ),
            (
                &["A", "2025-01-01", "1e13"][..],
                "invalid quantity \"1e13\", expected a number from 0 to 1e12",
            ),
        ];
        for (fields, message) in cases {
            let error = columns.parse(&record(fields)).unwrap_err();
            assert_eq!(error.to_string(), message);
        }
        let bytes = ByteRecord::from(vec![&b"\xff"[..], b"2025-01-01", b"1"]);
        assert_eq!(columns.parse(&bytes), Err(RowError::NotUtf8));
    }

    #[test]
    fn decodes_dates_like_chrono_does() {
        for text in ["2025-01-01", "2024-02-29", "0001-01-01", "9999-12-31"] {
            assert_eq!(parse_date(text), text.parse().ok(), "{text}");
        }
        for text in [
            "2025-02-29",
            "2025-00-10",
            "2025-13-01",
            "20250101",
            "",
            "2025-01-0x",
        ] {
            assert_eq!(parse_date(text), None, "{text}");
        }
    }

    #[test]
    fn blank_records_are_recognised() {
        assert!(is_blank(&record(&["  "])));
        assert!(is_blank(&record(&["", " "])));
        assert!(!is_blank(&record(&["", "x"])));
    }
}
