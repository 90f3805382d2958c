//! Reporting on orders: counts by status, processing times and order
//! totals over a date range.
