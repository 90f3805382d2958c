//! Tests that need a local server besides the store (skipped with
//! `--skip backend::` where none runs), each failing loudly when its
//! endpoint variable is not set.

mod two_channels;
