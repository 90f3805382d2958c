//! SES v2 mailer.
