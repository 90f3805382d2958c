//! A sales file, read into one history per SKU.
//!
//! The whole file is held in memory as `(date, quantity)` pairs (16 bytes a
//! row) because rows may come in any order and every SKU's series must run
//! to the latest date in the *file*, known only at the end. SKUs are hashed
//! while reading (exports are often sorted by date, so consecutive rows hit
//! different SKUs) and sorted once for output, so the order is deterministic.

use std::collections::HashMap;
use std::io::{self, BufRead};

use chrono::NaiveDate;
use stockroom::forecast::DailySeries;

use crate::csv::{RowError, is_header, parse_row};

/// Per-SKU sales and what reading them found.
#[derive(Debug, Default)]
pub struct Sales {
    histories: HashMap<String, Vec<(NaiveDate, f64)>>,
    latest: Option<NaiveDate>,
    /// Rows read into a history.
    pub good_rows: usize,
    /// Rows reported as bad.
    pub bad_rows: usize,
}

impl Sales {
    /// Reads `input`, calling `report` with the (1-based) line number of
    /// every bad row and why it is bad. Blank lines and a header on the
    /// first non-blank line are skipped.
    ///
    /// # Errors
    ///
    /// Only a failure to read `input`; bad rows are reported, not errors.
    pub fn read(
        mut input: impl BufRead,
        mut report: impl FnMut(usize, &RowError),
    ) -> io::Result<Self> {
        let mut sales = Self::default();
        let mut buffer = Vec::new();
        let mut line_number = 0;
        let mut header_allowed = true;
        loop {
            buffer.clear();
            if input.read_until(b'\n', &mut buffer)? == 0 {
                return Ok(sales);
            }
            line_number += 1;
            let mut bytes = buffer.as_slice();
            bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
            bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
            if line_number == 1 {
                bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            }
            let Ok(line) = std::str::from_utf8(bytes) else {
                sales.bad_rows += 1;
                report(line_number, &RowError::NotUtf8);
                continue;
            };
            if line.trim().is_empty() {
                continue;
            }
            if std::mem::take(&mut header_allowed) && is_header(line) {
                continue;
            }
            match parse_row(line) {
                Ok(row) => {
                    sales.latest = sales.latest.max(Some(row.date));
                    let point = (row.date, row.quantity);
                    match sales.histories.get_mut(row.sku.as_ref()) {
                        Some(history) => history.push(point),
                        None => {
                            sales.histories.insert(row.sku.into_owned(), vec![point]);
                        }
                    }
                    sales.good_rows += 1;
                }
                Err(error) => {
                    sales.bad_rows += 1;
                    report(line_number, &error);
                }
            }
        }
    }

    /// Each SKU, in order, with its daily series from its first row to the
    /// latest date in the file (built one at a time, on demand).
    pub fn series(&self) -> impl Iterator<Item = (&str, DailySeries)> + '_ {
        let mut skus: Vec<_> = self.histories.iter().collect();
        skus.sort_unstable_by_key(|(sku, _)| *sku);
        let latest = self.latest;
        skus.into_iter().filter_map(move |(sku, points)| {
            let series = DailySeries::from_points(points.iter().copied(), latest?);
            Some((sku.as_str(), series))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn read(text: &[u8]) -> (Sales, Vec<String>) {
        let mut reports = Vec::new();
        let sales = Sales::read(text, |line, error| {
            reports.push(format!("line {line}: {error}"))
        })
        .unwrap();
        (sales, reports)
    }

    #[test]
    fn groups_rows_by_sku_and_runs_every_series_to_the_latest_date() {
        let (sales, reports) = read(
            b"\xEF\xBB\xBFsku,date,quantity\r\n\
              B,2025-01-03,2\r\n\
              A,2025-01-02,1\r\n\
              \r\n\
              A,2025-01-01,4\r\n\
              B,2025-01-03,1\r\n\
              C,2025-01-05,0",
        );
        assert!(reports.is_empty(), "{reports:?}");
        assert_eq!((sales.good_rows, sales.bad_rows), (5, 0));
        let series: Vec<(&str, DailySeries)> = sales.series().collect();
        assert_eq!(series.len(), 3);
        assert_eq!(series[0].0, "A");
        assert_eq!(series[0].1.values(), &[4.0, 1.0, 0.0, 0.0, 0.0]);
        assert_eq!(series[1].0, "B");
        assert_eq!(series[1].1.values(), &[3.0, 0.0, 0.0]);
        assert_eq!(series[2].1.values(), &[0.0]);
        assert!(
            series
                .iter()
                .all(|(_, s)| s.forecast_start() == day(2025, 1, 6))
        );
    }

    #[test]
    fn reports_bad_rows_by_line_number_and_keeps_the_good_ones() {
        let (sales, reports) = read(
            b"A,2025-01-01,1\n\
              A,2025-13-01,1\n\
              A,2025-01-02\n\
              \xff\xfe,2025-01-02,1\n\
              A,2025-01-03,2\n",
        );
        assert_eq!(
            reports,
            [
                "line 2: invalid date \"2025-13-01\", expected YYYY-MM-DD",
                "line 3: expected 3 fields (sku,date,quantity), found 2",
                "line 4: not valid UTF-8",
            ]
        );
        assert_eq!((sales.good_rows, sales.bad_rows), (2, 3));
        let (_, series) = sales.series().next().unwrap();
        assert_eq!(series.values(), &[1.0, 0.0, 2.0]);
    }

    #[test]
    fn a_header_is_only_skipped_on_the_first_line_with_text() {
        let (sales, reports) = read(b"\n\nsku,date,quantity\nA,2025-01-01,1\nsku,date,quantity\n");
        assert_eq!(sales.good_rows, 1);
        assert_eq!(
            reports,
            ["line 5: invalid date \"date\", expected YYYY-MM-DD"]
        );
    }

    #[test]
    fn an_empty_file_has_no_series() {
        let (sales, reports) = read(b"");
        assert!(reports.is_empty());
        assert_eq!(sales.series().count(), 0);
    }
}
