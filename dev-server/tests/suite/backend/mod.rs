//! Tests that need a local server besides the store: [`mcf`] needs the
//! SP-API stand-in (`scripts/servers start spapi`). They fail loudly without
//! it; `--skip backend::` leaves them out.

mod mcf;
