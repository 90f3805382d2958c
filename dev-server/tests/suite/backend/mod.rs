//! Tests that need local servers whatever `STORE` says: they pick their
//! backends themselves and fail loudly without their endpoints. They are
//! `#[ignore]`d in plain runs and left out of the HTTP suite's reruns on
//! each store; `scripts/test` runs them in a step of their own.

mod crash;
