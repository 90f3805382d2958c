//! Tests that need a local server besides the store: [`mcf`] and
//! [`two_channels`] need the SP-API stand-in (`scripts/servers start
//! spapi`). They fail loudly without it; `--skip backend::` leaves them out.

mod mcf;
mod two_channels;
