//! Tests that need local servers besides the store: [`mcf`] and
//! [`two_channels`] need the SP-API stand-in (`scripts/servers start
//! spapi`); [`crash`] picks its backends itself (moto SQS and DynamoDB,
//! SecantusDB) and is `#[ignore]`d in plain runs. They fail loudly without
//! their endpoints; `--skip backend::` leaves them out.

mod crash;
mod mcf;
mod two_channels;
