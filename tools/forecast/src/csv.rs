//! A small reader for `sku,date,quantity` rows.
//!
//! Hand-written because the format is tiny and a spreadsheet export is all
//! it must read: comma-separated, optionally double-quoted fields (with `""`
//! for a quote inside one), CRLF or LF line ends, an optional header. Fields
//! are borrowed from the line unless a quote must be unescaped, so reading
//! millions of rows allocates almost nothing.

use std::borrow::Cow;

use chrono::NaiveDate;
use stockroom::forecast::DailySeries;

/// One sale record.
#[derive(Clone, Debug, PartialEq)]
pub struct Row<'a> {
    pub sku: Cow<'a, str>,
    pub date: NaiveDate,
    pub quantity: f64,
}

/// Why a line is not a usable row.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RowError {
    #[error("expected 3 fields (sku,date,quantity), found {0}")]
    FieldCount(usize),
    #[error("empty sku")]
    EmptySku,
    #[error("invalid date {0:?}, expected YYYY-MM-DD")]
    Date(String),
    #[error("invalid quantity {0:?}, expected a number from 0 to 1e12")]
    Quantity(String),
    #[error("unterminated quoted field")]
    UnterminatedQuote,
    #[error("text after a closing quote")]
    TextAfterQuote,
    #[error("not valid UTF-8")]
    NotUtf8,
}

/// Whether `line` is the optional header (`sku,date,quantity`, any case).
#[must_use]
pub fn is_header(line: &str) -> bool {
    let mut names = Fields::new(line);
    ["sku", "date", "quantity"].iter().all(|expected| {
        matches!(names.next(), Some(Ok(name)) if name.trim().eq_ignore_ascii_case(expected))
    }) && names.next().is_none()
}

/// Parses one line (without its line end) into a row.
///
/// # Errors
///
/// [`RowError`] saying what is wrong with the line.
pub fn parse_row(line: &str) -> Result<Row<'_>, RowError> {
    let mut fields = Fields::new(line);
    let mut next = || fields.next().transpose();
    let (Some(sku), Some(date), Some(quantity)) = (next()?, next()?, next()?) else {
        let found = Fields::new(line).count();
        return Err(RowError::FieldCount(found));
    };
    if next()?.is_some() {
        return Err(RowError::FieldCount(Fields::new(line).count()));
    }
    let sku = match sku {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
        Cow::Owned(s) => Cow::Owned(s.trim().to_owned()),
    };
    if sku.is_empty() {
        return Err(RowError::EmptySku);
    }
    let date = parse_date(date.trim()).ok_or_else(|| RowError::Date(date.trim().to_owned()))?;
    let quantity = match quantity.trim().parse::<f64>() {
        Ok(q) if (0.0..=DailySeries::MAX_DAILY_QUANTITY).contains(&q) => q,
        _ => return Err(RowError::Quantity(quantity.trim().to_owned())),
    };
    Ok(Row {
        sku,
        date,
        quantity,
    })
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

/// The comma-separated fields of a line.
struct Fields<'a> {
    rest: Option<&'a str>,
}

impl<'a> Fields<'a> {
    fn new(line: &'a str) -> Self {
        Self { rest: Some(line) }
    }

    /// A quoted field starting after its opening quote: its text and what
    /// follows the closing quote.
    fn quoted(body: &'a str) -> Result<(Cow<'a, str>, &'a str), RowError> {
        let mut owned: Option<String> = None;
        let mut start = 0;
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '"' {
                continue;
            }
            if body[i + 1..].starts_with('"') {
                // An escaped quote: keep one.
                owned
                    .get_or_insert_with(String::new)
                    .push_str(&body[start..=i]);
                chars.next();
                start = i + 2;
                continue;
            }
            let text = match owned {
                Some(mut text) => {
                    text.push_str(&body[start..i]);
                    Cow::Owned(text)
                }
                None => Cow::Borrowed(&body[..i]),
            };
            return Ok((text, &body[i + 1..]));
        }
        Err(RowError::UnterminatedQuote)
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<Cow<'a, str>, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.rest.take()?;
        let trimmed = rest.trim_start();
        if let Some(body) = trimmed.strip_prefix('"') {
            let (text, after) = match Self::quoted(body) {
                Ok(parsed) => parsed,
                Err(error) => return Some(Err(error)),
            };
            // Anything between the closing quote and the next comma is
            // tolerated only if blank.
            let (between, next) = match after.split_once(',') {
                Some((between, next)) => (between, Some(next)),
                None => (after, None),
            };
            if !between.trim().is_empty() {
                return Some(Err(RowError::TextAfterQuote));
            }
            self.rest = next;
            return Some(Ok(text));
        }
        match rest.split_once(',') {
            Some((field, next)) => {
                self.rest = Some(next);
                Some(Ok(Cow::Borrowed(field)))
            }
            None => Some(Ok(Cow::Borrowed(rest))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn parses_plain_and_spaced_rows() {
        let row = parse_row("SKU-1,2025-03-04,5").unwrap();
        assert_eq!(row.sku, "SKU-1");
        assert_eq!(row.date, day(2025, 3, 4));
        assert_eq!(row.quantity, 5.0);
        assert!(matches!(row.sku, Cow::Borrowed(_)));

        let row = parse_row("  SKU-1 , 2025-03-04 , 2.5 ").unwrap();
        assert_eq!((row.sku.as_ref(), row.quantity), ("SKU-1", 2.5));
    }

    #[test]
    fn parses_quoted_fields() {
        let row = parse_row(r#""Mug, blue",2025-01-02,"3""#).unwrap();
        assert_eq!(row.sku, "Mug, blue");
        assert_eq!(row.quantity, 3.0);
        let row = parse_row(r#""12"" vinyl",2025-01-02,1"#).unwrap();
        assert_eq!(row.sku, "12\" vinyl");
        let row = parse_row(r#""a""""b",2025-01-02,1"#).unwrap();
        assert_eq!(row.sku, "a\"\"b");
    }

    #[test]
    fn says_what_is_wrong_with_a_bad_row() {
        let cases = [
            ("SKU-1,2025-03-04", RowError::FieldCount(2)),
            ("SKU-1,2025-03-04,1,extra", RowError::FieldCount(4)),
            ("", RowError::FieldCount(1)),
            (" ,2025-03-04,1", RowError::EmptySku),
            ("A,04/03/2025,1", RowError::Date("04/03/2025".into())),
            ("A,2025-02-30,1", RowError::Date("2025-02-30".into())),
            ("A,2025-03-04,-1", RowError::Quantity("-1".into())),
            ("A,2025-03-04,lots", RowError::Quantity("lots".into())),
            ("A,2025-03-04,NaN", RowError::Quantity("NaN".into())),
            ("A,2025-03-04,inf", RowError::Quantity("inf".into())),
            ("A,2025-03-04,1e13", RowError::Quantity("1e13".into())),
            (r#""A,2025-03-04,1"#, RowError::UnterminatedQuote),
            (r#""A"x,2025-03-04,1"#, RowError::TextAfterQuote),
        ];
        for (line, expected) in cases {
            assert_eq!(parse_row(line), Err(expected), "{line:?}");
        }
    }

    #[test]
    fn decodes_dates_like_chrono_does() {
        for text in [
            "2025-03-04",
            "2024-02-29",
            "2023-02-29",
            "0000-01-01",
            "9999-12-31",
            "2025-13-01",
            "2025-00-10",
            "2025-1-5",
            "2025-01-5x",
            "+12025-01-05",
            "25-01-05",
            "２０２５-01-05",
        ] {
            assert_eq!(parse_date(text), text.parse().ok(), "{text}");
        }
    }

    #[test]
    fn recognises_the_header_in_any_case() {
        assert!(is_header("sku,date,quantity"));
        assert!(is_header("SKU, Date ,\"Quantity\""));
        assert!(!is_header("sku,date"));
        assert!(!is_header("sku,date,quantity,price"));
        assert!(!is_header("A,2025-03-04,1"));
    }

    #[test]
    fn never_panics_on_odd_text() {
        for line in [
            "\"",
            "\"\"",
            ",,",
            "\",\",\"",
            "é,ü,ß",
            "\"é\"\"",
            "a,\"b\"\"\",c",
        ] {
            let _ = parse_row(line);
            let _ = is_header(line);
        }
    }
}
