//! SQS publisher.
