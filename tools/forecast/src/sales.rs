//! A sales file, read into one history per SKU.
//!
//! The whole file is held in memory as `(date, quantity)` pairs (16 bytes a
//! row) because rows may come in any order and every SKU's series must run
//! to the latest date in the *file*, known only at the end. SKUs are hashed
//! while reading (exports are often sorted by date, so consecutive rows hit
//! different SKUs) and sorted once for output, so the order is deterministic.

use std::collections::HashMap;
use std::io::{self, Read};

use chrono::NaiveDate;
use csv::{ByteRecord, ReaderBuilder};
use stockroom::forecast::DailySeries;

use crate::csv::{Columns, HeaderError, RowError, is_blank};

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

/// Why a sales file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Io(#[from] io::Error),
    #[error("line {line}: {source}")]
    Header {
        line: u64,
        #[source]
        source: HeaderError,
    },
    #[error("line {line}: {source}")]
    Csv {
        line: u64,
        #[source]
        source: csv::Error,
    },
}

impl Sales {
    /// Reads `input` with fields separated by `delimiter`, calling `report`
    /// with the (1-based) line number where every bad row starts and why it
    /// is bad. Blank lines are skipped; the first record is a header if it
    /// names a column (see [`Columns::from_header`]).
    ///
    /// # Errors
    ///
    /// A failure to read `input`, or a header that lacks a column; bad rows
    /// are reported, not errors.
    pub fn read(
        input: impl Read,
        delimiter: u8,
        mut report: impl FnMut(u64, &RowError),
    ) -> Result<Self, ReadError> {
        let mut reader = ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(input);
        let mut sales = Self::default();
        let mut record = ByteRecord::new();
        let mut columns = None;
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => return Ok(sales),
                Err(source) => {
                    // Only reading can fail: byte records of any length are accepted.
                    let line = source.position().map_or(0, csv::Position::line);
                    return Err(ReadError::Csv { line, source });
                }
            }
            let line = record.position().map_or(0, csv::Position::line);
            if is_blank(&record) {
                continue;
            }
            let columns = match columns {
                Some(columns) => columns,
                None => {
                    let header = Columns::from_header(&record)
                        .map_err(|source| ReadError::Header { line, source })?;
                    let found = header.unwrap_or_default();
                    columns = Some(found);
                    if header.is_some() {
                        continue;
                    }
                    found
                }
            };
            match columns.parse(&record) {
                Ok(row) => {
                    sales.latest = sales.latest.max(Some(row.date));
                    let point = (row.date, row.quantity);
                    match sales.histories.get_mut(row.sku) {
                        Some(history) => history.push(point),
                        None => {
                            sales.histories.insert(row.sku.to_owned(), vec![point]);
                        }
                    }
                    sales.good_rows += 1;
                }
                Err(error) => {
                    sales.bad_rows += 1;
                    report(line, &error);
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
        let sales = Sales::read(text, b',', |line, error| {
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
                "line 3: expected a quantity field (column 3), found 2 fields",
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
    fn reads_quoted_newlines_other_delimiters_and_columns_in_any_order() {
        let text = "quantity;note;sku;date\n\
                    2;\"two\nlines; and a quote \"\"\";\"MUG; BLUE\";2025-01-01\n\
                    x;;\"MUG; BLUE\";2025-01-02\n\
                    3;;A;2025-01-02\n";
        let mut reports = Vec::new();
        let sales = Sales::read(text.as_bytes(), b';', |line, error| {
            reports.push(format!("line {line}: {error}"))
        })
        .unwrap();
        // The bad row starts on line 4: the quoted newline counts as a line.
        assert_eq!(
            reports,
            ["line 4: invalid quantity \"x\", expected a number from 0 to 1e12"]
        );
        let series: Vec<(&str, DailySeries)> = sales.series().collect();
        assert_eq!(series[1].0, "MUG; BLUE");
        assert_eq!(series[1].1.values(), &[2.0, 0.0]);
    }

    #[test]
    fn a_header_without_a_needed_column_is_refused() {
        let error =
            Sales::read(&b"sku,day,qty\nA,2025-01-01,1\n"[..], b',', |_, _| {}).unwrap_err();
        assert_eq!(
            error.to_string(),
            "line 1: the header has no \"date\" column (it needs sku, date and quantity)"
        );
    }

    #[test]
    fn an_empty_file_has_no_series() {
        let (sales, reports) = read(b"");
        assert!(reports.is_empty());
        assert_eq!(sales.series().count(), 0);
    }
}
