//! `stockroom-forecast`: demand forecasts and reorder points from a sales
//! CSV export, so a seller can try Stockroom's forecaster on their own
//! history before trusting it with their stock.
//!
//! It runs the very same `stockroom::forecast` the scheduled job runs, one
//! JSON line (or CSV row) per SKU. See `--help` and `docs/forecasting.md`.

mod app;
mod args;
mod csv;
mod sales;

use std::io;
use std::process::ExitCode;

fn main() -> ExitCode {
    let code = app::run(
        std::env::args_os().skip(1),
        io::stdin().lock(),
        io::stdout().lock(),
        io::stderr().lock(),
    );
    ExitCode::from(code)
}
