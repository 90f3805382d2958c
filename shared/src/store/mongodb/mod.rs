//! MongoDB store adapter.
