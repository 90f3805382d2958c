//! Procurement: suppliers and the reorders raised against them.
//!
//! * [`reorders`] raises, approves, publishes, mails and receives
//!   reorders.
//! * [`check_stock`] is the scheduled sweep that raises the reorders stock
//!   levels call for and re-publishes lost ones.

mod mailing;
pub mod reorders;
mod stock_check;
pub mod suppliers;

pub use stock_check::{StockChecked, check_stock};
